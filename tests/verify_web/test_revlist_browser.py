"""revlist.js as the site serves it, in real headless Chromium (WebCrypto Ed25519, no injected
verify): every revocation-list vector, and the site's own list and delta fetched and applied."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session

from tests.revlist.vectors_gen import VECTORS
from tests.support.browser import LiveServer
from tests.support.codes import Codes
from traceability.services import revocations

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]

RUN_VECTORS = """async (vectors) => {
  const { importKeySet } = await import("/static/verifier/labelcode.js");
  const m = await import("/static/verifier/revlist.js");
  const out = [];
  for (const v of vectors) {
    const keys = await importKeySet(v.keys);
    const got = await m.parseList(v.jws, keys);
    let update = null;
    if (v.stored !== undefined && got.ok) {
      const stored = (await m.parseList(v.stored, keys)).list;
      const apply = v.update_full || got.list.kind === "full" ? m.acceptUpdate : m.applyDelta;
      const r = apply(stored, got.list);
      update = { ok: r.ok, reason: r.reason, version: r.list?.version ?? null };
    }
    out.push({ got, update });
  }
  return out;
}"""

OWN_LIST = """async ([since, serial]) => {
  const { importKeySet } = await import("/static/verifier/labelcode.js");
  const m = await import("/static/verifier/revlist.js");
  const keys = await importKeySet(await (await fetch("/.well-known/ocop-keys.json")).json());
  const full = await m.parseList(await (await fetch("/api/v1/revocation-list")).text(), keys);
  const delta = await m.parseList(await (await fetch(`/api/v1/revocation-list?since=${since}`)).text(), keys);
  const before = m.revokedBy(full.list, { serial, kid: "none" });
  const applied = m.applyDelta(m.acceptUpdate(null, full.list).list, delta.list);
  return [full.ok, full.list.kind, full.list.version, delta.list.kind, before?.scope ?? null,
          applied.ok, m.revokedBy(applied.list, { serial, kid: "none" })?.scope ?? null,
          m.freshness(applied.list).stale];
}"""


def test_served_revlist_passes_every_vector_in_chromium(live_server: LiveServer, page: object) -> None:
    response = page.goto(live_server.url + "/static/verifier/revlist.js")  # type: ignore[attr-defined]
    assert response.status == 200 and "javascript" in response.headers["content-type"]
    page.goto(live_server.url + "/")  # type: ignore[attr-defined]
    files = sorted(VECTORS.glob("*.json"))
    vectors = [json.loads(p.read_text("utf-8")) for p in files]
    results = page.evaluate(RUN_VECTORS, vectors)  # type: ignore[attr-defined]
    for path, vector, result in zip(files, vectors, results, strict=True):
        assert result["got"] == vector["expected"], path.stem
        want = vector.get("update_full") or vector.get("update")
        if want is not None:
            assert (result["update"]["ok"], result["update"]["reason"]) == (
                want["ok"],
                want.get("reason"),
            ), path.stem


def test_the_site_list_and_delta_in_chromium(
    live_server: LiveServer, page: object, codes: Codes, app_session: Session
) -> None:
    page.goto(live_server.url + "/")  # type: ignore[attr-defined]
    serial = str(codes.genuine_label.serial)
    version = page.evaluate(  # type: ignore[attr-defined]
        """async () => JSON.parse(atob((await (await fetch("/api/v1/revocation-list")).text())
             .split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).version"""
    )
    revocations.revoke(
        app_session, actor="test", target="label", ref={"serial": int(serial)}, reason="counterfeit"
    )
    app_session.commit()
    got = page.evaluate(OWN_LIST, [version, serial])  # type: ignore[attr-defined]
    # The full list comes from Chromium's HTTP cache (max-age=300): still the version before the
    # revocation, which only the delta (max-age=60, another URL) brings.
    assert got == [True, "full", version, "delta", None, True, "code", False]
