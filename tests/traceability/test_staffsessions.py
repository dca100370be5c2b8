"""traceability.services.staffsessions: server-side staff sessions keyed by a token's hash;
ending one (or all of an account's) stops every copy of the cookie; they expire after
MAX_AGE; a disabled account has none."""

from __future__ import annotations

import hashlib

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from traceability.models import StaffSession, User, utcnow
from traceability.services import staffsessions, users


def _user(session: Session, name: str) -> User:
    return users.create_user(
        session, actor="t", username=name, password="mật khẩu đủ dài 2026", role="inspector"
    )


def test_a_session_is_found_by_its_token_and_only_its_hash_is_stored(session: Session) -> None:
    user = _user(session, "thanh.tra")
    token = staffsessions.start(session, user)
    assert staffsessions.user_for(session, token) is user
    stored = session.scalars(select(StaffSession.token_hash)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()] and token not in stored
    assert staffsessions.user_for(session, token + "x") is None
    assert staffsessions.start(session, user) != token  # a fresh random token each time


def test_end_and_end_all(session: Session) -> None:
    one, two = _user(session, "mot"), _user(session, "hai")
    a, b, c = (
        staffsessions.start(session, one),
        staffsessions.start(session, one),
        staffsessions.start(session, two),
    )
    staffsessions.end(session, a)
    staffsessions.end(session, "never-issued")  # nothing happens
    assert staffsessions.user_for(session, a) is None and staffsessions.user_for(session, b) is one
    staffsessions.end_all(session, one.id)
    assert staffsessions.user_for(session, b) is None and staffsessions.user_for(session, c) is two


def test_expired_sessions_are_refused_and_swept(session: Session) -> None:
    user = _user(session, "cu")
    old = staffsessions.start(session, user)
    session.execute(
        update(StaffSession).values(created_at=utcnow() - staffsessions.MAX_AGE - staffsessions.MAX_AGE / 12)
    )
    session.expire_all()
    assert staffsessions.user_for(session, old) is None
    fresh = staffsessions.start(session, user)  # sweeps the expired row
    assert session.scalars(select(StaffSession.token_hash)).all() == [
        hashlib.sha256(fresh.encode()).hexdigest()
    ]


def test_a_disabled_account_has_no_session(session: Session) -> None:
    user = _user(session, "nghi")
    token = staffsessions.start(session, user)
    session.execute(update(User).where(User.id == user.id).values(active=False))
    session.expire_all()
    assert staffsessions.user_for(session, token) is None
