"""Every published test vector verifies as documented, and the files match the generator."""

import json
from datetime import date

import pytest

from keys import Keyring
from usecases.verify import verify_scan

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
        "bad_scheme",
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
    assert verdict.foreign_domain == ("foreign_domain" in expected["warnings"])
    assert steps(vector["qr"], keyring) == expected["steps"]
    assert ("payload" in expected) == (verdict.payload is not None)
    if verdict.payload is not None:
        p = expected["payload"]
        assert isinstance(p["serial"], str) and int(p["serial"]) == verdict.payload.serial
        assert verdict.payload.short_code == p["short_code"]
        assert (verdict.payload.stars, verdict.payload.certified_until.isoformat()) == (
            p["stars"],
            p["certified_until"],
        )


def test_every_step_stops_at_the_first_failure():
    for path in FILES:
        outcomes = list(json.loads(path.read_text("utf-8"))["expected"]["steps"].values())
        failed = [i for i, o in enumerate(outcomes) if o not in ("ok", None)]
        if failed:
            assert all(o is None for o in outcomes[failed[0] + 1 :]), path.stem
            assert all(o == "ok" for o in outcomes[: failed[0]]), path.stem


def test_files_match_generator():
    built = build()
    assert sorted(built) == [p.stem for p in FILES]
    for name, vector in built.items():
        assert (VECTORS / f"{name}.json").read_text("utf-8") == render(vector), f"{name} drifted; regenerate"
