"""The revocation list vectors of docs/vectors/revocation-list/ (docs/revocation-list.md §10).

Each case is written here with what it must give, from the spec alone; the files record the
served JWS text and those outcomes, for the Python tests and ``tests/js/revlist.test.mjs``.
Regenerate with ``python -m tests.revlist.vectors_gen``. No clock, no randomness (Ed25519
signatures are deterministic): the files come out byte for byte the same.
"""

from __future__ import annotations

import base64
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from keys import PrivateKey, private_key_from_seed
from keys.ed25519 import b64url
from labels.revlist import (
    DELTA_TYPE,
    FULL_TYPE,
    Issue,
    compact_jws,
    delta_payload,
    full_payload,
    issue_for,
    sign_delta,
    sign_full,
)
from traceability.services.revocation_feed import Delta, FeedEntry

from ..labels.vector_cases import BASE, OTHER_SEED, SEED, key_set

VECTORS = Path(__file__).resolve().parents[2] / "docs" / "vectors" / "revocation-list"
KEY = private_key_from_seed(SEED)
OTHER = private_key_from_seed(OTHER_SEED)
AT = datetime(2026, 11, 30, 8, 0, 5, tzinfo=UTC)
NOON = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)
EARLIER = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
NEXT_DAY = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
LAST_WEEK = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
SERIAL = "48358647417488743"
COMPROMISED_KID = "139e3940"

ENTRIES = [
    FeedEntry(3, "code", {"serial": SERIAL}, "counterfeit", AT),
    FeedEntry(4, "range", {"lot": 7, "first": 1, "last": 500}, "damaged_or_lost", AT),
    FeedEntry(5, "lot", {"lot": 9}, "recalled", AT),
    FeedEntry(6, "product", {"product": 3}, "withdrawn", AT),
    FeedEntry(8, "producer", {"producer": 2}, "other", AT),
    FeedEntry(9, "key", {"kid": COMPROMISED_KID}, "key_compromised", AT),
]
ADDED = FeedEntry(12, "lot", {"lot": 11}, "recalled", datetime(2026, 12, 1, 9, 15, tzinfo=UTC))
HONEY, TEA = "08938600000026", "08934567890120"  # GTIN-14 with valid check digits
GS1_ENTRIES = [
    FeedEntry(20, "lot", {"lot": 21, "gtin": HONEY, "lot_code": "MV-2026-11"}, "recalled", AT),
    FeedEntry(22, "product", {"product": 23, "gtin": TEA}, "withdrawn", AT),
    FeedEntry(24, "lot", {"lot": 25}, "recalled", AT),  # a lot of a product without a GTIN
    FeedEntry(26, "range", {"lot": 21, "first": 1, "last": 9}, "damaged_or_lost", AT),
]


def issue(version: int, now: datetime = NOON, hours: int = 48) -> Issue:
    return issue_for(BASE, version, now, hours)


def parsed(kind: str, payload: dict[str, Any], kid: str = KEY.kid) -> dict[str, Any]:
    """What revlist.js's parseList gives for a served payload (§9)."""
    return {"kind": kind, "kid": kid, **payload}


def full(version: int, entries: list[FeedEntry], **when: Any) -> tuple[str, dict[str, Any]]:
    payload = full_payload(issue(version, **when), entries)
    return sign_full(issue(version, **when), entries, KEY).decode(), parsed("full", payload)


def with_payload(typ: str, payload: dict[str, Any], signer: PrivateKey = KEY) -> str:
    return compact_jws(typ, payload, signer).decode()


def flip_last_signature_char(jws: str) -> str:
    head, _, signature = jws.rpartition(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[0] ^= 1
    return f"{head}.{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"


def replace_payload(jws: str, payload: dict[str, Any]) -> str:
    header, _, signature = jws.split(".")
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).rstrip(b"=")
    return f"{header}.{body.decode()}.{signature}"


def refused(reason: str) -> dict[str, Any]:
    return {"ok": False, "reason": reason}


def cases() -> dict[str, dict[str, Any]]:
    """Every vector by file name."""
    jws5, list5 = full(5, ENTRIES)
    delta = Delta(since=5, version=7, add=[ADDED], remove=[4])
    delta_jws = sign_delta(issue(7), delta, KEY).decode()
    delta_parsed = parsed("delta", delta_payload(issue(7), delta))
    wrong_base = Delta(4, 7, [ADDED], [])
    unchanged = Delta(5, 5, [], [])
    after = [e for e in ENTRIES if e.id != 4] + [ADDED]
    _, list7 = full(7, after)
    payload5 = full_payload(issue(5), ENTRIES)
    bad_range = full_payload(issue(5), ENTRIES)
    bad_range["entries"][1] = {**bad_range["entries"][1], "first": 600}
    duplicate = full_payload(issue(5), ENTRIES)
    duplicate["entries"].append(duplicate["entries"][0])
    labels = [
        ({"serial": "1", "kid": COMPROMISED_KID, "lot": 9}, "key"),
        ({"serial": SERIAL, "kid": KEY.kid}, "code"),
        ({"serial": "2", "kid": KEY.kid, "lot": 7, "number": 500, "product": 4, "producer": 5}, "range"),
        ({"serial": "2", "kid": KEY.kid, "lot": 7, "number": 501, "product": 4, "producer": 5}, None),
        ({"serial": "2", "kid": KEY.kid, "lot": 9, "number": 1}, "lot"),
        ({"serial": "2", "kid": KEY.kid, "lot": 10, "number": 1, "product": 3}, "product"),
        ({"serial": "2", "kid": KEY.kid, "lot": 10, "number": 1, "product": 4, "producer": 2}, "producer"),
        ({"serial": "2", "kid": KEY.kid, "lot": 9}, "lot"),
        ({"serial": "2", "kid": KEY.kid}, None),
    ]
    return {
        "01-full-list": {
            "description": "A full list with one entry of each scope, and the labels it revokes",
            "jws": jws5,
            "expected": {"ok": True, "list": list5},
            "labels": [{"label": label, "scope": scope} for label, scope in labels],
            "now": "2026-12-01T13:00:00Z",
            "freshness": {"ageHours": 1.0, "stale": False, "expired": False},
        },
        "02-empty-list": {
            "description": "Version 0: nothing revoked yet",
            "jws": full(0, [])[0],
            "expected": {"ok": True, "list": full(0, [])[1]},
            "labels": [{"label": {"serial": SERIAL, "kid": KEY.kid}, "scope": None}],
        },
        "03-delta": {
            "description": "A delta from version 5 to 7: lot 11 revoked, the range reinstated",
            "stored": jws5,
            "jws": delta_jws,
            "expected": {"ok": True, "list": delta_parsed},
            "update": {"ok": True, "list": list7},
            "labels": [
                {"label": {"serial": "2", "kid": KEY.kid, "lot": 7, "number": 10}, "scope": None},
                {"label": {"serial": "2", "kid": KEY.kid, "lot": 11}, "scope": "lot"},
            ],
        },
        "04-delta-wrong-base": {
            "description": "A delta from version 4 does not apply to a list of version 5",
            "stored": jws5,
            "jws": sign_delta(issue(7), wrong_base, KEY).decode(),
            "expected": {"ok": True, "list": parsed("delta", delta_payload(issue(7), wrong_base))},
            "update": refused("wrong_base"),
        },
        "05-empty-delta": {
            "description": "Nothing changed: a delta from the current version refreshes the times",
            "stored": jws5,
            "jws": sign_delta(issue(5, now=NEXT_DAY), unchanged, KEY).decode(),
            "expected": {
                "ok": True,
                "list": parsed("delta", delta_payload(issue(5, now=NEXT_DAY), unchanged)),
            },
            "update": {"ok": True, "list": full(5, ENTRIES, now=NEXT_DAY)[1]},
        },
        "06-rolled-back": {
            "description": "A validly signed list of a lower version than the stored one is refused",
            "stored": jws5,
            "jws": full(4, ENTRIES[:5])[0],
            "expected": {"ok": True, "list": full(4, ENTRIES[:5])[1]},
            "update": refused("rolled_back"),
        },
        "07-older-issue": {
            "description": "A higher version issued before the stored list is refused",
            "stored": jws5,
            "jws": full(6, ENTRIES, now=EARLIER)[0],
            "expected": {"ok": True, "list": full(6, ENTRIES, now=EARLIER)[1]},
            "update": refused("older_issue"),
        },
        "08-newer-list": {
            "description": "A full list of a higher version replaces the stored one",
            "stored": jws5,
            "jws": full(7, after)[0],
            "expected": {"ok": True, "list": list7},
            "update": {"ok": True, "list": list7},
        },
        "09-delta-given-as-full": {
            "description": "acceptUpdate takes full lists only",
            "stored": jws5,
            "jws": delta_jws,
            "expected": {"ok": True, "list": delta_parsed},
            "update_full": refused("not_full"),
        },
        "10-bad-signature": {
            "description": "One bit of the signature flipped",
            "jws": flip_last_signature_char(jws5),
            "expected": refused("bad_signature"),
        },
        "11-payload-changed": {
            "description": "The payload re-encoded without an entry, the signature kept",
            "jws": replace_payload(jws5, {**full_payload(issue(5), ENTRIES[:5])}),
            "expected": refused("bad_signature"),
        },
        "12-expired": {
            "description": "Past next_update: still parses and revokes, but freshness says expired",
            "jws": full(5, ENTRIES, now=LAST_WEEK)[0],
            "expected": {"ok": True, "list": full(5, ENTRIES, now=LAST_WEEK)[1]},
            "now": "2026-12-01T12:00:00Z",
            "freshness": {"ageHours": 96.0, "stale": True, "expired": True},
        },
        "13-stale": {
            "description": "25 hours old, next_update 48 hours after issue: stale, not expired",
            "jws": jws5,
            "expected": {"ok": True, "list": list5},
            "now": "2026-12-02T13:00:00Z",
            "freshness": {"ageHours": 25.0, "stale": True, "expired": False},
        },
        "14-expiry-instant": {
            "description": "At next_update exactly the list is expired",
            "jws": jws5,
            "expected": {"ok": True, "list": list5},
            "now": "2026-12-03T12:00:00Z",
            "freshness": {"ageHours": 48.0, "stale": True, "expired": True},
        },
        "15-unknown-key": {
            "description": "Signed by a key the key set does not hold",
            "jws": sign_full(issue(5), ENTRIES, OTHER).decode(),
            "expected": refused("unknown_key"),
        },
        "16-compromised-signer": {
            "description": "Signed by a key the key set lists as compromised",
            "keys": key_set("compromised"),
            "jws": jws5,
            "expected": refused("key_compromised"),
        },
        "17-retired-signer": {
            "description": "Signed by a retired key: still trusted (a list cached across a rotation)",
            "keys": key_set("retired"),
            "jws": jws5,
            "expected": {"ok": True, "list": list5},
        },
        "18-wrong-alg": {
            "description": "A header naming another algorithm, though the signature is valid",
            "jws": _with_header({"alg": "ES256", "kid": KEY.kid, "typ": FULL_TYPE}, payload5),
            "expected": refused("bad_header"),
        },
        "19-unknown-type": {
            "description": "A header with another typ, though the signature is valid",
            "jws": _with_header({"alg": "EdDSA", "kid": KEY.kid, "typ": "JWT"}, payload5),
            "expected": refused("bad_header"),
        },
        "20-bad-range": {
            "description": "A range whose first number is above its last: the whole list is refused",
            "jws": with_payload(FULL_TYPE, bad_range),
            "expected": refused("bad_payload"),
        },
        "21-repeated-id": {
            "description": "Two entries with one id: the whole list is refused",
            "jws": with_payload(FULL_TYPE, duplicate),
            "expected": refused("bad_payload"),
        },
        "22-unsupported-format": {
            "description": "Format 2",
            "jws": with_payload(FULL_TYPE, {**full_payload(issue(5), ENTRIES), "format": 2}),
            "expected": refused("unsupported_format"),
        },
        "23-not-jws": {
            "description": "Two parts only",
            "jws": ".".join(jws5.split(".")[:2]),
            "expected": refused("not_jws"),
        },
        "24-delta-backwards": {
            "description": "A delta whose version is below its since",
            "jws": with_payload(DELTA_TYPE, delta_payload(issue(4), Delta(5, 4, [], []))),
            "expected": refused("bad_payload"),
        },
        "26-impossible-time": {
            "description": "An issued_at that is no calendar time (month 13)",
            "jws": with_payload(FULL_TYPE, {**payload5, "issued_at": "2026-13-01T12:00:00Z"}),
            "expected": refused("bad_payload"),
        },
        "27-day-overflow": {
            "description": "A revoked_at of 31 November",
            "jws": with_payload(
                FULL_TYPE,
                {**payload5, "entries": [{**payload5["entries"][0], "revoked_at": "2026-11-31T08:00:00Z"}]},
            ),
            "expected": refused("bad_payload"),
        },
        "28-gs1-items": {
            "description": "Lot and product entries with the GTIN (and lot code) a GS1 Digital Link "
            "label carries in its signed text: matched offline without the registry",
            "jws": full(8, GS1_ENTRIES)[0],
            "expected": {"ok": True, "list": full(8, GS1_ENTRIES)[1]},
            "labels": [
                {
                    "label": {"serial": "7", "kid": KEY.kid, "gtin": HONEY, "lotCode": "MV-2026-11"},
                    "scope": "lot",
                },
                {
                    "label": {"serial": "7", "kid": KEY.kid, "gtin": HONEY, "lotCode": "MV-2026-12"},
                    "scope": None,
                },
                {
                    "label": {"serial": "7", "kid": KEY.kid, "gtin": HONEY, "lotCode": "mv-2026-11"},
                    "scope": None,
                },
                {"label": {"serial": "7", "kid": KEY.kid, "gtin": TEA, "lotCode": "T-1"}, "scope": "product"},
                {"label": {"serial": "7", "kid": KEY.kid}, "scope": None},
                {"label": {"serial": "7", "kid": KEY.kid, "lot": 21, "number": 5}, "scope": "range"},
                {"label": {"serial": "7", "kid": KEY.kid, "lot": 25}, "scope": "lot"},
            ],
            # Entries a label known by its code alone cannot be matched against: for a GS1
            # label the range and the lot without a GTIN; for a /V/ label all four.
            "unmatchable": {"gs1": 2, "plain": 4},
        },
        "29-bad-gtin": {
            "description": "A lot entry whose GTIN is not 14 digits: the whole list is refused",
            "jws": with_payload(
                FULL_TYPE,
                {
                    **full_payload(issue(8), GS1_ENTRIES),
                    "entries": [
                        {**full_payload(issue(8), GS1_ENTRIES)["entries"][0], "gtin": "8938600000026"}
                    ],
                },
            ),
            "expected": refused("bad_payload"),
        },
        "30-lot-code-without-gtin": {
            "description": "A lot entry with a lot code but no GTIN: the whole list is refused",
            "jws": with_payload(
                FULL_TYPE,
                {
                    **full_payload(issue(8), GS1_ENTRIES),
                    "entries": [
                        {
                            "id": 20,
                            "scope": "lot",
                            "lot": 21,
                            "lot_code": "MV-2026-11",
                            "reason": "recalled",
                            "revoked_at": "2026-11-30T08:00:05Z",
                        }
                    ],
                },
            ),
            "expected": refused("bad_payload"),
        },
        "25-other-issuer": {
            "description": "A list of another issuer does not replace ours",
            "stored": jws5,
            "jws": sign_full(issue_for("https://EVIL.EXAMPLE", 9, NOON, 48), ENTRIES, KEY).decode(),
            "expected": {
                "ok": True,
                "list": parsed("full", full_payload(issue_for("https://EVIL.EXAMPLE", 9, NOON, 48), ENTRIES)),
            },
            "update": refused("other_issuer"),
        },
    }


def _with_header(header: dict[str, Any], payload: dict[str, Any]) -> str:
    def part(value: Any) -> str:
        return b64url(json.dumps(value, separators=(",", ":")).encode())

    signing_input = f"{part(header)}.{part(payload)}"
    signature = b64url(KEY.sign(signing_input.encode()))
    return f"{signing_input}.{signature}"


def build() -> dict[str, dict[str, Any]]:
    """Return every vector, each with its key set first."""
    return {
        name: {"description": case.pop("description"), "keys": case.pop("keys", key_set()), **case}
        for name, case in cases().items()
    }


def render(vector: dict[str, Any]) -> str:
    return json.dumps(vector, indent=2, ensure_ascii=True) + "\n"


def main(target: Path = VECTORS) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("*.json"):
        old.unlink()
    corpus = build()
    for name, item in corpus.items():
        (target / f"{name}.json").write_text(render(item), "utf-8")
    print(f"wrote {len(corpus)} vectors to {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else VECTORS)
