"""Every published test vector verifies as documented, and the files match the generator."""

import json
from datetime import date

import pytest

from keys import Keyring
from labels import verify_scan

from .vectors_gen import VECTORS, build, render, steps

FILES = sorted(p for p in VECTORS.glob("*.json") if p.name != "test-key.json")


def test_corpus_covers_every_rejection_class():
    reasons = {json.loads(p.read_text())["expected"]["reason"] for p in FILES}
    assert {
        "bad_signature",
        "unknown_key",
        "key_compromised",
        "bad_length",
        "bad_digits",
        "out_of_range",
        "unsupported_version",
        "bad_field",
        "empty",
        "not_a_label",
        "too_long",
        "past_date",
    } <= reasons


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_vector(path):
    vector = json.loads(path.read_text("utf-8"))
    keyring = Keyring.from_jwks(vector["keys"])
    verdict = verify_scan(
        vector["qr"],
        keyring=keyring,
        today=date.fromisoformat(vector["today"]),
        our_base_url=vector["our_base_url"],
    )
    expected = vector["expected"]
    assert verdict.status.value == expected["status"]
    assert verdict.reason == expected["reason"]
    assert [w.value for w in verdict.warnings] == expected["warnings"]
    assert steps(vector["qr"], keyring) == expected["steps"]
    if "payload" in expected:
        assert verdict.payload is not None
        assert verdict.payload.short_code == expected["payload"]["short_code"]
        assert verdict.payload.stars == expected["payload"]["stars"]


def test_files_match_generator():
    built = build()
    assert sorted(built) == [p.stem for p in FILES]
    for name, vector in built.items():
        assert (VECTORS / f"{name}.json").read_text("utf-8") == render(vector), f"{name} drifted; regenerate"
