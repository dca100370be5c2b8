"""Fixed-window rate limits kept in the database, so every gunicorn worker shares the count."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from flask import current_app, request
from sqlalchemy import Engine, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.exceptions import TooManyRequests

from traceability.models import RateHit


def client_key() -> str:
    """A keyed hash of the client address: counts sources without storing the raw IP."""
    address = request.remote_addr or "unknown"
    secret = current_app.config["SECRET_KEY"].encode()
    return hashlib.blake2b(address.encode(), key=secret[:64], digest_size=12).hexdigest()


def _window_key(bucket: str, ident: str, per: timedelta) -> tuple[str, datetime]:
    seconds = int(per.total_seconds())
    window = datetime.fromtimestamp(int(datetime.now(UTC).timestamp()) // seconds * seconds, UTC)
    return f"{bucket}:{ident}:{int(window.timestamp())}", window


def hit(engine: Engine, bucket: str, ident: str, *, limit: int, per: timedelta) -> int:
    """Count one request for ``bucket``/``ident`` and return the count in this window.

    Raises :class:`werkzeug.exceptions.TooManyRequests` (429) past ``limit``. The count is
    written in its own short transaction so that a refused request still counts.
    """
    now = datetime.now(UTC)
    key, window = _window_key(bucket, ident, per)
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(RateHit)
        .values(key=key, window_start=window, count=1)
        .on_conflict_do_update(index_elements=["key"], set_={"count": RateHit.count + 1})
        .returning(RateHit.count)
    )
    with engine.begin() as connection:
        count = int(connection.execute(statement).scalar_one())
        if count == 1:  # first hit of a window: sweep old windows now and then
            connection.execute(delete(RateHit).where(RateHit.window_start < now - timedelta(days=1)))
    if count > limit:
        raise TooManyRequests()
    return count


def forgive(engine: Engine, bucket: str, ident: str, *, per: timedelta) -> None:
    """Take back one counted request of ``bucket``/``ident`` in this window (e.g. a sign-in
    that succeeded). Returns ``None``; a window that rolled over meanwhile is left alone."""
    key, _window = _window_key(bucket, ident, per)
    with engine.begin() as connection:
        connection.execute(
            update(RateHit).where(RateHit.key == key, RateHit.count > 0).values(count=RateHit.count - 1)
        )
