"""The label-code test vectors of docs/vectors/: one JSON file per case of
:mod:`tests.labels.vector_cases`.

Each case states by hand what must happen; building the corpus checks the implementation
agrees, then records the outcome of every verification step. Regenerate with
``python -m tests.labels.vectors_gen`` (the suite fails if the files drift). Nothing here
depends on the clock or on randomness, so the files come out byte for byte the same.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from keys import Keyring
from labels import CODE_SIZE, LabelPayload
from labels.encoding import digits_to_bytes
from labels.exc import DecodeError, SignatureError
from labels.linkcode import CARRIED_SIZE, LinkPayload, open_link, unpack
from labels.scanned import split
from labels.signer import open_code
from usecases.verify import verify_scan

from .vector_cases import SEED, Case, cases, key_set

VECTORS = Path(__file__).resolve().parents[2] / "docs" / "vectors"
STEPS = ("parse", "decode", "key", "signature")


def steps(qr: object, keyring: Keyring) -> dict[str, Any]:
    """The outcome of each verification step (docs/label-code.md §4), ``None`` after the first
    failure."""
    out: dict[str, Any] = dict.fromkeys(STEPS)
    try:
        scanned = split(qr)
        out["parse"] = "ok"
        link = scanned.link
        code = digits_to_bytes(scanned.digits, CODE_SIZE if link is None else CARRIED_SIZE)
        kid = LabelPayload.unpack(code[:15]).kid if link is None else unpack(code, link).kid
        out["decode"] = "ok"
    except DecodeError as e:
        out["decode" if out["parse"] else "parse"] = e.reason.value
        return out
    if kid not in keyring:
        out["key"] = "unknown_key"
        return out
    out["key"] = "ok"
    try:
        if link is None:
            open_code(code, keyring)
        else:
            open_link(code, link, keyring)
        out["signature"] = "ok"
    except SignatureError as e:
        out["signature"] = e.reason.value
    return out


def vector(case: Case) -> dict[str, Any]:
    """Return one vector as a JSON-ready dict. Raises ``AssertionError`` if the implementation
    disagrees with what the case states."""
    document = case.keys if case.keys is not None else key_set()
    keyring = Keyring.from_jwks(document)
    verdict = verify_scan(case.qr, keyring=keyring, today=case.today, our_base_url=case.our_base_url)
    got = (verdict.status.value, verdict.reason, tuple(w.value for w in verdict.warnings))
    want = (case.expect_status, case.expect_reason, case.expect_warnings)
    if got != want:
        raise AssertionError(f"{case.name}: expected {want}, implementation gives {got}")
    expected: dict[str, Any] = {
        "steps": steps(case.qr, keyring),
        "status": verdict.status.value,
        "reason": verdict.reason,
        "warnings": list(got[2]),
    }
    if verdict.payload:
        p = verdict.payload
        expected["payload"] = {
            "version": p.version,
            "kid": p.kid,
            "serial": str(p.serial),
            "short_code": p.short_code,
            "stars": p.stars,
            "certified_until": p.certified_until.isoformat(),
        }
        if isinstance(p, LinkPayload):
            expected["payload"] |= {"gtin": p.gtin, "lot": p.lot, "best_before": p.best_before}
    return {
        "description": case.description,
        "qr": case.qr,
        "today": case.today.isoformat(),
        "our_base_url": case.our_base_url,
        "keys": document,
        "expected": expected,
    }


def build() -> dict[str, dict[str, Any]]:
    """Return every vector by name."""
    return {case.name: vector(case) for case in cases()}


def render(vector: dict[str, Any]) -> str:
    return json.dumps(vector, indent=2, ensure_ascii=True) + "\n"


def main(target: Path = VECTORS) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("*.json"):
        old.unlink()
    corpus = build()
    for name, item in corpus.items():
        (target / f"{name}.json").write_text(render(item), "utf-8")
    seed = {"seed_hex": SEED.hex(), "note": "Ed25519 test key for these vectors only. Never trust it."}
    (target / "test-key.json").write_text(json.dumps(seed, indent=2) + "\n", "utf-8")
    print(f"wrote {len(corpus)} vectors to {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else VECTORS)
