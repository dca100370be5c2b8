"""The label-code test vectors of docs/vectors/: one JSON file per case.

Each case states by hand what must happen (``expect_status``, ``expect_reason``); building the
corpus checks the implementation agrees, then records the outcome of every verification step.
Regenerate with ``python -m tests.labels.vectors_gen`` (the suite fails if the files drift).
"""

from __future__ import annotations

import json
import struct
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from keys import Keyring, KeyStatus, PublicKey, private_key_from_seed
from labels import CODE_SIZE, LabelPayload, code_to_text, normalize_base_url, sign, verify_scan
from labels.encoding import bytes_to_digits
from labels.exc import DecodeError, SignatureError
from labels.payload import EPOCH
from labels.serializer import parse
from labels.signer import CONTEXT, open_code

VECTORS = Path(__file__).resolve().parents[2] / "docs" / "vectors"
SEED = bytes(range(32))  # the published test key: seed 00 01 02 … 1f. Never a real key.
OTHER_SEED = bytes(range(32, 64))
BASE = normalize_base_url("https://xacthuc.ocop.vn")
TODAY = date(2026, 11, 22)
CREATED = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Case:
    name: str
    description: str
    qr: str
    expect_status: str
    expect_reason: str | None
    key_status: str = "active"
    our_base_url: str | None = None
    expect_warnings: tuple[str, ...] = ("offline",)


def _keyring(status: str) -> Keyring:
    key = private_key_from_seed(SEED)
    return Keyring([PublicKey(key.kid, key.public_key, KeyStatus(status), CREATED)])


def _signed(payload: LabelPayload, seed: bytes = SEED) -> bytes:
    return sign(payload, private_key_from_seed(seed))


def _raw_signed(body: bytes, seed: bytes = SEED) -> bytes:
    """Sign an arbitrary body, bypassing payload checks (for malformed-field vectors)."""
    return body + private_key_from_seed(seed).sign(CONTEXT + body)


def _flip(code: bytes, bit: int) -> bytes:
    data = bytearray(code)
    data[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(data)


def cases() -> list[Case]:
    key = private_key_from_seed(SEED)
    good = LabelPayload(kid=key.kid, serial=0x0ABC_DEF0_1234_567, stars=4, certified_until=date(2028, 3, 10))
    other = LabelPayload(kid=key.kid, serial=0x0123_4567_89AB_CDE, stars=5, certified_until=date(2027, 9, 1))
    code, code_b = _signed(good), _signed(other)
    url = code_to_text(code, BASE)
    prefix = f"{BASE}/V/"
    digits = bytes_to_digits(code)
    expired = _signed(LabelPayload(kid=key.kid, serial=77, stars=3, certified_until=date(2024, 6, 15)))
    foreign_kid = private_key_from_seed(OTHER_SEED).kid
    stranger = _signed(
        LabelPayload(kid=foreign_kid, serial=good.serial, stars=4, certified_until=good.certified_until),
        OTHER_SEED,
    )
    body = good.pack()
    v2 = _raw_signed(bytes([2]) + body[1:])
    reserved = _raw_signed(body[:5] + bytes([body[5] | 0x80]) + body[6:])
    stars_field = struct.unpack(">H", body[13:15])[0] | 0xC000
    bad_stars = _raw_signed(body[:13] + struct.pack(">H", stars_field))
    changed_digit = digits[:100] + str((int(digits[100]) + 1) % 10) + digits[101:]
    return [
        Case("01-genuine", "A valid code for a 4-star label, verified offline", url, "genuine", None),
        Case("02-bare-digits", "The digits alone, without the URL, are accepted", digits, "genuine", None),
        Case("03-lowercase-url", "Lower case URL (some scanners fold case)", url.lower(), "genuine", None),
        Case(
            "04-surrounding-space", "Leading/trailing white space is ignored", f"  {url}\n", "genuine", None
        ),
        Case(
            "05-expired",
            "Certification ended 2024-06-15; checked on 2026-11-22",
            code_to_text(expired, BASE),
            "expired",
            "past_date",
        ),
        Case(
            "06-compromised-key",
            "Valid signature by a key marked compromised",
            url,
            "revoked",
            "key_compromised",
            key_status="compromised",
            expect_warnings=(),
        ),
        Case(
            "07-retired-key",
            "A retired key still verifies what it signed",
            url,
            "genuine",
            None,
            key_status="retired",
        ),
        Case(
            "08-unknown-key",
            "Well-formed code signed by a key not in the key set",
            code_to_text(stranger, BASE),
            "invalid",
            "unknown_key",
            expect_warnings=(),
        ),
        Case(
            "09-body-bit-flip",
            "One bit of the serial flipped",
            code_to_text(_flip(code, 60), BASE),
            "invalid",
            "bad_signature",
            expect_warnings=(),
        ),
        Case(
            "10-signature-bit-flip",
            "One bit of the signature flipped",
            code_to_text(_flip(code, 8 * 40 + 3), BASE),
            "invalid",
            "bad_signature",
            expect_warnings=(),
        ),
        Case(
            "11-digit-changed",
            "One decimal digit changed",
            prefix + changed_digit,
            "invalid",
            "bad_signature",
            expect_warnings=(),
        ),
        Case("12-truncated", "Last digit missing", url[:-1], "invalid", "bad_length", expect_warnings=()),
        Case("13-extended", "One digit too many", url + "0", "invalid", "bad_length", expect_warnings=()),
        Case(
            "14-splice",
            "Body of one genuine code with the signature of another",
            code_to_text(code[:15] + code_b[15:], BASE),
            "invalid",
            "bad_signature",
            expect_warnings=(),
        ),
        Case(
            "15-unsupported-version",
            "Correctly signed, but format version 2",
            code_to_text(v2, BASE),
            "invalid",
            "unsupported_version",
            expect_warnings=(),
        ),
        Case(
            "16-reserved-bits",
            "Correctly signed, serial's reserved top bits set",
            code_to_text(reserved, BASE),
            "invalid",
            "bad_field",
            expect_warnings=(),
        ),
        Case(
            "17-bad-stars-field",
            "Correctly signed, star field value 3 (would be 6 stars)",
            code_to_text(bad_stars, BASE),
            "invalid",
            "bad_field",
            expect_warnings=(),
        ),
        Case(
            "18-out-of-range",
            "191 digits above 2^632-1",
            prefix + "9" * 191,
            "invalid",
            "out_of_range",
            expect_warnings=(),
        ),
        Case(
            "19-non-digit",
            "A letter among the digits",
            prefix + digits[:50] + "A" + digits[51:],
            "invalid",
            "bad_digits",
            expect_warnings=(),
        ),
        Case(
            "20-non-ascii-digits",
            "Arabic-Indic digit in place of a digit",
            prefix + digits[:10] + "\u0663" + digits[11:],
            "invalid",
            "bad_digits",
            expect_warnings=(),
        ),
        Case("21-empty", "Empty scan", "", "invalid", "empty", expect_warnings=()),
        Case(
            "22-not-a-label",
            "Some other URL",
            "https://example.com/product/123",
            "invalid",
            "not_a_label",
            expect_warnings=(),
        ),
        Case(
            "23-query-appended",
            "Anything after the code is refused",
            url + "?utm=1",
            "invalid",
            "not_a_label",
            expect_warnings=(),
        ),
        Case(
            "24-inner-space",
            "A space inside the digits",
            url[:60] + " " + url[60:],
            "invalid",
            "bad_digits",
            expect_warnings=(),
        ),
        Case("25-too-long", "4 KB of digits", prefix + "1" * 4096, "invalid", "too_long", expect_warnings=()),
        Case(
            "26-foreign-domain",
            "A genuine code under a look-alike domain (phishing)",
            code_to_text(code, normalize_base_url("https://xacthuc-ocop.vn")),
            "genuine",
            None,
            our_base_url=BASE,
            expect_warnings=("foreign_domain", "offline"),
        ),
    ]


def steps(qr: str, keyring: Keyring) -> dict[str, Any]:
    """The outcome of each verification step, stopping at the first failure."""
    out: dict[str, Any] = {"parse": None, "decode": None, "key": None, "signature": None}
    try:
        scanned = parse(qr)
        out["parse"] = "ok"
    except DecodeError as e:
        out["parse"] = e.reason.value
        return out
    try:
        payload = LabelPayload.unpack(scanned.code[:15])
        out["decode"] = "ok"
    except DecodeError as e:
        out["decode"] = e.reason.value
        return out
    out["key"] = "ok" if payload.kid in keyring else "unknown_key"
    try:
        open_code(scanned.code, keyring)
        out["signature"] = "ok"
    except SignatureError as e:
        out["signature"] = e.reason.value
    return out


def build() -> dict[str, dict[str, Any]]:
    """Return every vector as a JSON-ready dict, checking each against its stated outcome."""
    corpus: dict[str, dict[str, Any]] = {}
    for case in cases():
        keyring = _keyring(case.key_status)
        verdict = verify_scan(case.qr, keyring=keyring, today=TODAY, our_base_url=case.our_base_url)
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
                "serial": p.serial,
                "short_code": p.short_code,
                "stars": p.stars,
                "certified_until": p.certified_until.isoformat(),
            }
        corpus[case.name] = {
            "description": case.description,
            "qr": case.qr,
            "today": TODAY.isoformat(),
            "our_base_url": case.our_base_url,
            "keys": keyring.to_jwks(),
            "expected": expected,
        }
    return corpus


def render(vector: dict[str, Any]) -> str:
    return json.dumps(vector, indent=2, ensure_ascii=False) + "\n"


def main(target: Path = VECTORS) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("*.json"):
        old.unlink()
    for name, vector in build().items():
        (target / f"{name}.json").write_text(render(vector), "utf-8")
    seed = {"seed_hex": SEED.hex(), "note": "Ed25519 test key for these vectors only. Never trust it."}
    (target / "test-key.json").write_text(json.dumps(seed, indent=2) + "\n", "utf-8")
    print(f"wrote {len(build())} vectors to {target}")


assert CODE_SIZE == 79 and date(2020, 1, 1) == EPOCH

if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else VECTORS)
