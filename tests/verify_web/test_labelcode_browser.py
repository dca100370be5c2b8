"""The JavaScript verifier as the site serves it, in real headless Chromium: every vector, and a
code of the site itself checked against the site's own key set (WebCrypto Ed25519, WHATWG URL)."""

from __future__ import annotations

import json

import pytest

from tests.labels.vectors_gen import VECTORS
from tests.support.browser import LiveServer
from tests.support.codes import Codes
from tests.support.constants import BASE_URL

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]

RUN_VECTORS = """async (vectors) => {
  const m = await import("/static/verifier/labelcode.js");
  const out = [];
  for (const v of vectors) {
    const keys = await m.importKeySet(v.keys);
    const got = await m.verify(v.qr, keys, { today: v.today, ourBaseUrl: v.our_base_url });
    out.push({ steps: got.steps, status: got.status, reason: got.reason, warnings: got.warnings,
               payload: got.payload });
  }
  return out;
}"""

OWN_KEYS = """async ([text, ours]) => {
  const m = await import("/static/verifier/labelcode.js");
  const response = await fetch("/.well-known/ocop-keys.json");
  const keys = await m.importKeySet(await response.json());
  const got = await m.verify(text, keys, { ourBaseUrl: ours });
  return [got.status, got.warnings, response.headers.get("ETag") !== null];
}"""


def test_the_served_verifier_passes_every_vector_in_chromium(live_server: LiveServer, page: object) -> None:
    response = page.goto(live_server.url + "/static/verifier/labelcode.js")  # type: ignore[attr-defined]
    assert response.status == 200 and "javascript" in response.headers["content-type"]
    page.goto(live_server.url + "/")  # type: ignore[attr-defined]
    files = sorted(p for p in VECTORS.glob("*.json") if p.name != "test-key.json")
    vectors = [json.loads(p.read_text("utf-8")) for p in files]
    results = page.evaluate(RUN_VECTORS, vectors)  # type: ignore[attr-defined]
    for path, vector, got in zip(files, vectors, results, strict=True):
        want = {k: vector["expected"][k] for k in ("steps", "status", "reason", "warnings")}
        want["payload"] = vector["expected"].get("payload")
        assert got == want, path.stem


def test_the_served_verifier_checks_a_code_of_this_site(
    live_server: LiveServer, page: object, codes: Codes
) -> None:
    page.goto(live_server.url + "/")  # type: ignore[attr-defined]
    status, warnings, has_etag = page.evaluate(OWN_KEYS, [codes.genuine, BASE_URL])  # type: ignore[attr-defined]
    assert (status, warnings, has_etag) == ("genuine", ["offline"], True)
    lookalike = "https://xacthuc-ocop.vn/V/" + codes.genuine.rsplit("/", 1)[1]
    status, warnings, _ = page.evaluate(OWN_KEYS, [lookalike, BASE_URL])  # type: ignore[attr-defined]
    assert (status, warnings) == ("genuine", ["foreign_domain", "offline"])
