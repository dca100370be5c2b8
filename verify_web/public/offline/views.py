"""The offline app's routes: the shell page, its manifest, its service worker and the session
facts a queued post needs (the CSRF token and who is signed in)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from weakref import WeakKeyDictionary

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for
from flask_babel import gettext
from markupsafe import Markup

from verify_web.core import security
from verify_web.core.i18n import select_locale

from .strings import table

bp = Blueprint(
    "offline",
    __name__,
    url_prefix="/app",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
STATIC = Path(__file__).parent / "static"
SERVICE_WORKER = STATIC / "app" / "sw.js"
TEMPLATE = Path(__file__).parent / "templates" / "offline" / "app.html"
# Files of the site itself that the app needs offline, besides its own static folder.
SITE_FILES = ("site.css", "verifier/labelcode.js", "verifier/revlist.js")


@bp.after_request
def _policy(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = security.WASM_CSP
    return response


@bp.get("/")
def shell() -> Response:
    """The app's one page; its strings in both languages ride along as a JSON data block.
    With an ETag, so the worker's precache of a page just loaded is a 304."""
    strings = table()
    # A JSON data block is raw text to HTML: only "<" could end it early, so <, > and & are escaped.
    block = json.dumps(strings, ensure_ascii=False, sort_keys=True)
    block = block.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    page = render_template(
        "offline/app.html",
        strings=Markup(block),  # noqa: S704 - <, > and & are escaped above; the rest is our JSON
        strings_for=strings.__getitem__,
        base_url=current_app.config["OCOP_BASE_URL"],
    )
    response = Response(page, mimetype="text/html", headers={"Cache-Control": "no-cache"})
    response.add_etag()
    response.make_conditional(request)  # 304 without a body for a matching If-None-Match
    return response


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    """The web app manifest (installability: name, start URL, scope, standalone, icons)."""
    document = {
        "name": gettext("OCOP offline check"),
        "short_name": "OCOP",
        "description": gettext(
            "Checks a label's QR code on this phone, also with no signal. Install it once while online."
        ),
        "lang": select_locale(),
        "id": "/app/",
        "start_url": "/app/",
        "scope": "/app/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#156534",
        "icons": [
            _icon("icon-192.png", 192),
            _icon("icon-512.png", 512),
            _icon("icon-maskable-512.png", 512, "maskable"),
        ],
    }
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return Response(body, mimetype="application/manifest+json", headers={"Cache-Control": "no-cache"})


def _icon(name: str, size: int, purpose: str = "any") -> dict[str, str]:
    return {
        "src": url_for("offline.static", filename=f"icons/{name}"),
        "sizes": f"{size}x{size}",
        "type": "image/png",
        "purpose": purpose,
    }


@bp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, preceded by the list of files it keeps and their version (a hash of
    their bytes), so any change to the shell installs a new worker and drops the old cache."""
    shell, version = _shell()
    head = f"const SHELL = {json.dumps(shell)};\nconst SHELL_VERSION = {json.dumps(version)};\n"
    body = head + SERVICE_WORKER.read_text("utf-8")
    return Response(body, mimetype="text/javascript", headers={"Cache-Control": "no-cache"})


def _in_shell(path: Path) -> bool:
    """Whether the phone keeps ``path``: not the worker itself, nor the vendored files' licences
    and checksums (served, but of no use offline)."""
    return path.name != "sw.js" and not path.name.startswith(("LICENSE", "SHA256SUMS", "README"))


# Each app's shell list and version, computed once per process (its files do not change while it
# runs); weak, so an app a test drops takes its entry with it.
_SHELLS: WeakKeyDictionary[Flask, tuple[list[str], str]] = WeakKeyDictionary()


def _shell() -> tuple[list[str], str]:
    """Return the URLs the worker precaches and a version over their bytes (computed once per
    process: the files do not change while it runs)."""
    cached = _SHELLS.get(current_app._get_current_object())  # type: ignore[attr-defined]
    if cached is not None:
        return cached
    site = Path(current_app.static_folder or "")
    files = [
        (url_for("static", filename=name), site / name) for name in SITE_FILES if (site / name).is_file()
    ]
    own = sorted(p for p in STATIC.rglob("*") if p.is_file() and _in_shell(p))
    files += [(url_for("offline.static", filename=p.relative_to(STATIC).as_posix()), p) for p in own]
    digest = hashlib.sha256()
    for url, path in files:
        digest.update(url.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    digest.update(TEMPLATE.read_bytes())
    digest.update(json.dumps(table(), sort_keys=True).encode())
    urls = ["/app/", "/app/manifest.webmanifest", *(url for url, _ in files)]
    cached = (urls, digest.hexdigest()[:16])
    _SHELLS[current_app._get_current_object()] = cached  # type: ignore[attr-defined]
    return cached
