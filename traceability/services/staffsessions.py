"""Server-side staff sessions. The browser's cookie carries a random token; the database keeps
only the token's SHA-256 and whose session it is. Ending a session deletes its row, so every
copy of the cookie stops working at once (a copied cookie is refused after sign-out).

Sessions also end :data:`MAX_AGE` after sign-in, when the account's password changes, and
when the account is disabled.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..models import StaffSession, User, utcnow

# A working day and then some: a forgotten signed-in browser does not stay signed in for weeks.
MAX_AGE = timedelta(hours=12)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, user: User) -> str:
    """Open a session for ``user`` and return its token (to put in the cookie; not stored).

    Sessions past :data:`MAX_AGE` of every user are swept here, so the table stays small.
    """
    session.execute(delete(StaffSession).where(StaffSession.created_at < utcnow() - MAX_AGE))
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(token_hash=_digest(token), user_id=user.id))
    session.flush()
    return token


def user_for(session: Session, token: str) -> User | None:
    """Return the active user whose open session ``token`` names, or ``None`` (unknown, ended,
    expired token, or a disabled account)."""
    row = session.get(StaffSession, _digest(token))
    if row is None or row.created_at < utcnow() - MAX_AGE:
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


def end(session: Session, token: str) -> None:
    """End the session ``token`` names (nothing happens if it is unknown). Returns ``None``."""
    session.execute(delete(StaffSession).where(StaffSession.token_hash == _digest(token)))


def end_all(session: Session, user_id: int) -> None:
    """End every session of the account. Returns ``None``."""
    session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))
