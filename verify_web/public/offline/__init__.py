"""``/app/``: the installable offline verifier (issue 15).

A web app manifest, a service worker that keeps the app shell, the key set and the revocation
list, and one page that scans and verifies a label on the phone itself
(``static/app/``; the label code rules are ``/static/verifier/labelcode.js``). The camera reader
and the Ed25519 fallback are vendored npm packages (``static/vendor/``, re-created and checked by
``scripts/vendor-js.sh``). Nothing here is fetched from another origin.
"""

from __future__ import annotations

from .views import bp

__all__ = ["bp"]
