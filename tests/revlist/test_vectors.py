"""The revocation list vectors (docs/revocation-list.md §10) match their generator byte for
byte, and a generic JOSE library (joserfc) agrees with each on the signature."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from .vectors_gen import VECTORS, build, render

FILES = sorted(VECTORS.glob("*.json"))
# What a generic JOSE library refuses too; every other well-formed JWS verifies there, and the
# refusal is ours (the type, the payload, a key the key set lists as compromised).
JOSE_REFUSES = {"10-bad-signature", "11-payload-changed", "15-unknown-key", "18-wrong-alg"}


def test_files_match_the_generator() -> None:
    corpus = build()
    assert sorted(f"{name}.json" for name in corpus) == [p.name for p in FILES]
    for name, vector in corpus.items():
        assert (VECTORS / f"{name}.json").read_text("utf-8") == render(vector), name


def test_corpus_covers_every_refusal() -> None:
    vectors = [json.loads(p.read_text("utf-8")) for p in FILES]
    parsed = {v["expected"].get("reason") for v in vectors}
    updated = {v.get("update", v.get("update_full", {})).get("reason") for v in vectors}
    assert {"bad_signature", "bad_header", "bad_payload", "unknown_key", "key_compromised"} <= parsed
    assert {"not_jws", "unsupported_format"} <= parsed
    assert {"rolled_back", "older_issue", "wrong_base", "not_full", "other_issuer"} <= updated
    assert any(v.get("freshness", {}).get("expired") for v in vectors)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_joserfc_agrees_on_the_signature(path: Path) -> None:
    vector = json.loads(path.read_text("utf-8"))
    keys = KeySet.import_key_set({"keys": vector["keys"]["keys"] + vector["keys"]["compromised"]})
    text = vector["jws"]
    if text.count(".") != 2:
        return  # not a compact JWS at all: nothing for a JOSE library to check
    if path.stem in JOSE_REFUSES:
        with pytest.raises(JoseError):
            jws.deserialize_compact(text, keys, algorithms=["EdDSA", "ES256"])
        return
    token = jws.deserialize_compact(text, keys, algorithms=["EdDSA", "ES256"])
    if vector["expected"]["ok"]:
        list_ = vector["expected"]["list"]
        assert json.loads(token.payload) == {k: v for k, v in list_.items() if k not in ("kind", "kid")}
        assert token.protected["kid"] == list_["kid"]
