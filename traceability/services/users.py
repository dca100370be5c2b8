"""Staff accounts: admins (the coordination office), inspectors and producers.

Passwords are hashed with scrypt (hashlib, memory-hard) and a random salt per user. A new
password must be at least 10 characters, must not contain the user name, and must score 3 of 4
or more on zxcvbn (about 10**8 guesses: common passwords, repeats, sequences, keyboard runs,
dates and dictionary words with digits score lower). Nothing here knows about HTTP; the web
layer throttles sign-in attempts.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from .. import validate
from ..exc import Conflict, NotFound, StateError, ValidationError
from ..models import User, utcnow
from . import audit, staffsessions
from .producers import get_producer

# scrypt cost: n=2**15, r=8 → 32 MiB and ~50 ms per check; enough to slow guessing.
_N, _R, _P = 2**15, 8, 1
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,79}")
MIN_PASSWORD = 10
MIN_SCORE = 3  # zxcvbn's "safely unguessable" bar for an online attack that is throttled
# zxcvbn knows English; these are the Vietnamese and OCOP words people reach for first.
_LOCAL_WORDS = ["matkhau", "anhyeuem", "emyeuanh", "ocop", "xacthuc", "vietnam", "hanoi", "saigon"]


class Role(StrEnum):
    ADMIN = "admin"
    INSPECTOR = "inspector"
    PRODUCER = "producer"


def hash_password(password: str) -> str:
    """Return ``scrypt$n$r$p$salt$hash`` for ``password``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, maxmem=64 * 1024 * 1024)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def check_password(stored: str, password: str) -> bool:
    """True if ``password`` matches the stored hash (constant-time compare)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), maxmem=64 * 1024 * 1024
        )
    except ValueError:
        return False
    return hmac.compare_digest(computed.hex(), digest)


# A hash to compare against when the user does not exist, so timing does not reveal names.
_DUMMY = hash_password(secrets.token_hex(8))


def check_new_password(password: object, username: str) -> str:
    """Return ``password`` if acceptable for the account ``username``.

    Raises :class:`ValidationError` (field ``password``) if it is shorter than
    :data:`MIN_PASSWORD`, longer than 200 characters, contains the user name, or is easy to
    guess (zxcvbn score under :data:`MIN_SCORE`).
    """
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ValidationError("password", "must be at least %(n)d characters", n=MIN_PASSWORD)
    if len(password) > 200:
        raise ValidationError("password", "is longer than 200 characters")
    folded = re.sub(r"[\W_]+", "", password.casefold())
    name = re.sub(r"[\W_]+", "", username.casefold())
    if len(name) >= 2 and name in folded:
        raise ValidationError("password", "must not contain the user name")
    # zxcvbn refuses input past 72 characters; the first 72 decide whether it is guessable.
    if zxcvbn(password[:72], user_inputs=[username, *_LOCAL_WORDS])["score"] < MIN_SCORE:
        raise ValidationError(
            "password",
            "is too easy to guess: avoid common passwords, repeated or sequential characters, "
            "keyboard runs and dates; a phrase of four or more unrelated words is best",
        )
    return password


def create_user(
    session: Session,
    *,
    actor: str,
    username: str,
    password: str,
    role: Role | str,
    producer_id: int | None = None,
) -> User:
    """Add an account and return it.

    A producer account must name its producer; other roles must not. Raises
    :class:`ValidationError`, :class:`NotFound` (producer), :class:`Conflict` (username taken).
    """
    name = validate.required_text("username", username, max_length=80).lower()
    if not _USERNAME.fullmatch(name):
        raise ValidationError("username", "use 2–80 letters a–z, digits, '.', '_' or '-'")
    kind = validate.choice("role", role, Role)
    if kind is Role.PRODUCER and producer_id is None:
        raise ValidationError("producer", "a producer account must name its producer")
    if kind is not Role.PRODUCER and producer_id is not None:
        raise ValidationError("producer", "only producer accounts belong to a producer")
    if producer_id is not None:
        get_producer(session, producer_id)
    check_new_password(password, name)
    if session.scalar(select(User.id).where(User.username == name)):
        raise Conflict("user", name, "username %(name)s is already taken", name=name)
    user = User(
        username=name, password_hash=hash_password(password), role=kind.value, producer_id=producer_id
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.create",
        entity="user",
        entity_id=user.id,
        summary=f"Created {kind.value} account {name}",
        detail={"producer_id": producer_id},
    )
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active user with these credentials (and note the sign-in), else ``None``."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None or not user.active:
        check_password(_DUMMY, password)
        return None
    if not check_password(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    return user


def get_user(session: Session, user_id: int) -> User:
    """Return the user. Raises :class:`NotFound`."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    return user


def list_users(session: Session) -> Sequence[User]:
    """Return every account, by username."""
    return session.scalars(select(User).order_by(User.username)).all()


def change_password(session: Session, *, user_id: int, current: str, new: str) -> User:
    """Set a new password after checking the current one; returns the user. Every session of
    the account ends (the caller opens a new one for the browser that made the change).

    Raises :class:`NotFound`, :class:`ValidationError` (``current`` wrong or ``password`` weak).
    """
    user = get_user(session, user_id)
    if not check_password(user.password_hash, current):
        raise ValidationError("current", "the current password is wrong")
    user.password_hash = hash_password(check_new_password(new, user.username))
    staffsessions.end_all(session, user.id)
    audit.record(
        session,
        actor=user.username,
        action="user.password",
        entity="user",
        entity_id=user.id,
        summary=f"{user.username} changed their password",
    )
    return user


def set_active(session: Session, *, actor: str, user_id: int, active: bool) -> User:
    """Enable or disable an account; returns it. Raises :class:`NotFound`, :class:`StateError`."""
    user = get_user(session, user_id)
    if user.username == actor and not active:
        raise StateError("user", user_id, "you cannot disable your own account")
    user.active = active
    if not active:
        staffsessions.end_all(session, user.id)
    audit.record(
        session,
        actor=actor,
        action="user.enable" if active else "user.disable",
        entity="user",
        entity_id=user.id,
        summary=f"{'Enabled' if active else 'Disabled'} account {user.username}",
    )
    return user


def reset_password(session: Session, *, actor: str, user_id: int, new: str) -> User:
    """Set another user's password (an admin helping someone locked out); returns the user.

    Their open sessions end. Raises :class:`NotFound`, :class:`ValidationError` (weak password).
    """
    user = get_user(session, user_id)
    user.password_hash = hash_password(check_new_password(new, user.username))
    staffsessions.end_all(session, user.id)
    audit.record(
        session,
        actor=actor,
        action="user.reset_password",
        entity="user",
        entity_id=user.id,
        summary=f"{actor} set a new password for {user.username}",
    )
    return user
