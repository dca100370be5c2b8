"""``/admin/labels``: issue and print labels for any producer's certified products, or
reprint a lot, from the browser (see :mod:`verify_web.staff.printing.views`)."""

from __future__ import annotations

from verify_web.staff.printing.issuing import Scope
from verify_web.staff.printing.views import blueprint

bp = blueprint("admin_printing", "/admin/labels", "admin", lambda: Scope(None, "admin_printing"))
