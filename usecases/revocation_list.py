"""The signed revocation list of a request: which form (delta or full list) and its served
bytes, read from the registry in the caller's session (docs/revocation-list.md §4). The wire
format is :mod:`labels.revlist`; the web side is ``verify_web.api.revlist``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from keys import PrivateKey
from labels.revlist import DELTA_TYPE, FULL_TYPE, Issue, sign_delta, sign_full
from traceability.services import revocation_feed


def build(session: Session, issue: Issue, since: int | None, signer: PrivateKey) -> tuple[str, bytes]:
    """Return ``(typ, served bytes)`` for a request with ``since`` (``None``: the full list)
    at ``issue.version`` (≤ the committed version): a delta when one applies and is smaller
    than the full list, otherwise the full list (§4; also for ``since`` below the version a
    restore from backup set, §5)."""
    if since is not None and since <= issue.version and since >= revocation_feed.rebased(session):
        delta = revocation_feed.delta(session, since, issue.version)
        if len(delta.add) + len(delta.remove) <= revocation_feed.count_at(session, issue.version):
            return DELTA_TYPE, sign_delta(issue, delta, signer)
    return FULL_TYPE, sign_full(issue, revocation_feed.entries_at(session, issue.version), signer)
