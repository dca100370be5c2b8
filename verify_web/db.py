"""The request owns the database session: opened on first use, committed when the response is
a success, rolled back otherwise, and always closed."""

from __future__ import annotations

from flask import Flask, Response, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from traceability import make_engine


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["ocop.engine"] = engine
    app.extensions["ocop.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.after_request(_commit)
    app.teardown_appcontext(_close)


def engine() -> Engine:
    engine: Engine = current_app.extensions["ocop.engine"]
    return engine


def session() -> Session:
    """Return this request's session (created on first use)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["ocop.sessionmaker"]()
    db: Session = g.db_session
    return db


def _commit(response: Response) -> Response:
    db: Session | None = g.get("db_session")
    if db is not None:
        if response.status_code < 400:
            db.commit()
        else:
            db.rollback()
    return response


def _close(_exc: BaseException | None) -> None:
    db: Session | None = g.pop("db_session", None)
    if db is not None:
        db.rollback()
        db.close()
