"""The offline app's routes over HTTP (issue 15): the manifest's install fields, the service
worker's shell (every file it precaches is served), a strict CSP loosened only by
'wasm-unsafe-eval' on the app page, the vendored files exactly as pinned, and the session facts."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from verify_web.core import security
from verify_web.public.offline import views
from verify_web.public.offline.strings import table
from verify_web.public.verdict_text import HEADINGS

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
VENDOR = Path(views.STATIC) / "vendor"


def test_manifest_has_what_install_needs(client: FlaskClient) -> None:
    response = client.get("/app/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["name"] == "Kiểm tra tem OCOP ngoại tuyến" and manifest["lang"] == "vi"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/app/", "/app/", "standalone")
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        png = client.get(icon["src"])
        assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(png.data[16:20], "big"), int.from_bytes(png.data[20:24], "big")
        assert f"{width}x{height}" == icon["sizes"]
    english = json.loads(client.get("/app/manifest.webmanifest?lang=en").data)
    assert english["name"] == "OCOP offline check" and english["lang"] == "en"


def test_the_page_links_manifest_icons_and_nothing_elsewhere(app: Flask, client: FlaskClient) -> None:
    response = client.get("/app/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<link rel="manifest" href="/app/manifest.webmanifest">' in html
    assert 'rel="apple-touch-icon" href="/app/static/icons/apple-touch-icon.png"' in html
    assert 'name="apple-mobile-web-app-capable" content="yes"' in html
    # Every address the page names is on our own origin.
    assert not re.findall(r'(?:src|href)="(?!/)', html)
    strings = json.loads(re.search(r'id="ocop-strings">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    with app.test_request_context():
        assert strings == table()
        with force_locale("vi"):
            assert strings["vi"]["heading.genuine"] == str(HEADINGS["genuine"])  # the scan page's words
    assert strings["vi"]["app.title"] == "Kiểm tra tem OCOP ngoại tuyến"
    assert strings["en"]["heading.genuine"] == "Genuine OCOP product"
    assert set(strings["vi"]) == set(strings["en"])


def test_csp_is_loosened_only_for_the_wasm_reader_on_the_app(client: FlaskClient) -> None:
    page_csp = client.get("/app/").headers["Content-Security-Policy"]
    assert "script-src 'self' 'wasm-unsafe-eval';" in page_csp
    assert page_csp.replace(" 'wasm-unsafe-eval'", "") == security.CSP
    assert "wasm-unsafe-eval" not in client.get("/").headers["Content-Security-Policy"]
    assert "unsafe-inline" not in page_csp and "http" not in page_csp


def test_the_service_worker_precaches_files_that_exist(client: FlaskClient) -> None:
    response = client.get("/app/sw.js")
    assert response.status_code == 200 and "javascript" in response.mimetype
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    shell = json.loads(re.search(r"^const SHELL = (.*);$", body, re.M).group(1))  # type: ignore[union-attr]
    version = re.search(r'^const SHELL_VERSION = "([0-9a-f]{16})";$', body, re.M)
    assert version and "/app/" in shell and "/static/verifier/labelcode.js" in shell
    assert "/app/static/vendor/barcode-detector/zxing_reader.wasm" in shell
    assert "/app/static/vendor/noble-ed25519/index.js" in shell
    for url in shell:
        got = client.get(url)
        assert got.status_code == 200, url
    wasm = client.get("/app/static/vendor/barcode-detector/zxing_reader.wasm")
    assert wasm.mimetype == "application/wasm"  # WebAssembly.instantiateStreaming insists on it


def test_vendored_files_match_their_pins() -> None:
    sums = (VENDOR / "SHA256SUMS").read_text().splitlines()
    listed = set()
    for line in sums:
        digest, name = line.split("  ", 1)
        listed.add(name.removeprefix("./"))
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    present = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()}
    assert present - listed == {"SHA256SUMS", "README.md"}
    lock = json.loads((Path(__file__).parents[2] / "scripts/vendor-js/package-lock.json").read_text())
    pins = {name: entry["version"] for name, entry in lock["packages"].items() if name}
    assert pins["node_modules/barcode-detector"] == "3.2.2"
    assert pins["node_modules/zxing-wasm"] == "3.1.3"
    assert pins["node_modules/@noble/ed25519"] == "3.2.0"
    # barcode-detector's own default would fetch the .wasm from a CDN: the app overrides it.
    scanner = (Path(views.STATIC) / "app/scanner.js").read_text()
    assert "locateFile" in scanner and "zxing_reader.wasm" in scanner


def test_session_facts_are_never_cached(client: FlaskClient) -> None:
    response = client.get("/app/session.json")
    assert response.headers["Cache-Control"] == "no-store"
    facts = response.get_json()
    assert facts["role"] is None and len(facts["csrf"]) >= 32
    assert client.get("/app/session.json").get_json()["csrf"] == facts["csrf"]  # same session, same token


def test_the_shell_page_revalidates_without_a_body(client: FlaskClient) -> None:
    first = client.get("/app/")
    assert first.headers["Cache-Control"] == "no-cache" and first.headers["ETag"]
    again = client.get("/app/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
