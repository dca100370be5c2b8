"""The revocation list's wire format (docs/revocation-list.md §1, §2, §4): a compact JWS
(RFC 7515) signed with EdDSA (RFC 8037) over exactly the served ``header.payload`` bytes.

No clock and no Flask: the time comes in an :class:`Issue`, the entries from
:mod:`traceability.services.revocation_feed` (:func:`usecases.revocation_list.build` reads
them from a session); the web side is ``verify_web.api.revlist``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from keys import PrivateKey
from keys.ed25519 import b64url

if TYPE_CHECKING:  # types only: labels reads no registry (pyproject's import contract)
    from traceability.services.revocation_feed import Delta, FeedEntry

FORMAT = 1
FULL_TYPE = "ocop-revocation-list+jws"
DELTA_TYPE = "ocop-revocation-delta+jws"
MEDIA_TYPE = "application/jose"


@dataclass(frozen=True, slots=True)
class Issue:
    """Who issues a list, at which version, when, and until when it is to be trusted."""

    issuer: str
    version: int
    issued_at: datetime
    next_update: datetime


def issue_for(issuer: str, version: int, now: datetime, valid_hours: int) -> Issue:
    """Return the issue of a list signed at ``now``: ``issued_at`` is the start of the UTC hour,
    so every worker and host signs the same bytes for one version within the hour (§2)."""
    issued = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return Issue(issuer, version, issued, issued + timedelta(hours=valid_hours))


def utc_text(at: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ``, the list's one time format."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_json(entry: FeedEntry) -> dict[str, Any]:
    """Return one entry as the list writes it (§2)."""
    return {
        "id": entry.id,
        "scope": entry.scope,
        **entry.members,
        "reason": entry.reason,
        "revoked_at": utc_text(entry.revoked_at),
    }


def _head(issue: Issue) -> dict[str, Any]:
    return {"format": FORMAT, "issuer": issue.issuer, "version": issue.version}


def _times(issue: Issue) -> dict[str, Any]:
    return {"issued_at": utc_text(issue.issued_at), "next_update": utc_text(issue.next_update)}


def full_payload(issue: Issue, entries: list[FeedEntry]) -> dict[str, Any]:
    """Return the payload of a full list (§2)."""
    return {**_head(issue), **_times(issue), "entries": [entry_json(e) for e in entries]}


def delta_payload(issue: Issue, delta: Delta) -> dict[str, Any]:
    """Return the payload of a delta (§4); ``issue.version`` is the delta's ``version``."""
    return {
        **_head(issue),
        "since": delta.since,
        **_times(issue),
        "add": [entry_json(e) for e in delta.add],
        "remove": delta.remove,
    }


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def compact_jws(typ: str, payload: dict[str, Any], signer: PrivateKey) -> bytes:
    """Return ``header.payload.signature`` (ASCII), signed by ``signer`` over the first two
    parts exactly as returned (RFC 7515 §5.1)."""
    header = {"alg": "EdDSA", "kid": signer.kid, "typ": typ}
    signing_input = f"{b64url(_json(header))}.{b64url(_json(payload))}".encode("ascii")
    return signing_input + b"." + b64url(signer.sign(signing_input)).encode("ascii")


def sign_full(issue: Issue, entries: list[FeedEntry], signer: PrivateKey) -> bytes:
    """Return the served bytes of a full list."""
    return compact_jws(FULL_TYPE, full_payload(issue, entries), signer)


def sign_delta(issue: Issue, delta: Delta, signer: PrivateKey) -> bytes:
    """Return the served bytes of a delta."""
    return compact_jws(DELTA_TYPE, delta_payload(issue, delta), signer)
