"""Helpers shared by the ``ocop`` commands: the command's session, passphrase, error mapping."""

from __future__ import annotations

import functools
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import ParamSpec, TypeVar

import click
from sqlalchemy.orm import Session

from keys import KeysError, Keystore, load_passphrase
from labels import LabelError
from traceability import RegistryError
from usecases.exc import UseCaseError
from verify_web.core import db
from verify_web.core.bounds import MAX_ID
from verify_web.core.services import services

P = ParamSpec("P")
R = TypeVar("R")
# A record id typed on the command line: bounded before it reaches the database.
ID = click.IntRange(1, MAX_ID)
CLI_ACTOR = "cli:" + (os.environ.get("USER") or "operator")


def domain_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn our own errors into one-line ``Error: …`` messages with a non-zero exit."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (KeysError, LabelError, RegistryError, UseCaseError) as e:
            raise click.ClickException(str(e)) from e

    return wrapper


@contextmanager
def transaction() -> Iterator[Session]:
    """A session for one command: committed if the block succeeds, rolled back otherwise."""
    session = services().sessionmaker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def keystore() -> Keystore:
    store: Keystore = services().keystore
    return store


def passphrase() -> bytes:
    """The key passphrase from the environment. Raises :class:`keys.PassphraseError`."""
    return load_passphrase(os.environ)


def engine_url() -> str:
    return db.engine().url.render_as_string(hide_password=True)


def parse_date(_ctx: click.Context | None, param: click.Parameter | None, value: str | None) -> date | None:
    """Click callback: ISO date (YYYY-MM-DD) or a clear usage error."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        name = param.name if param else "date"
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD", param_hint=f"--{name}") from None


FAULT_ENV = "OCOP_TEST_KILL_AT"


def fault_point(stage: str) -> None:
    """A test-only kill switch, inert unless the environment variable ``OCOP_TEST_KILL_AT``
    names ``stage``: then the process sends itself SIGKILL, as a power cut or the OOM killer
    would, with no cleanup. ``ocop issue`` has the stages ``writing`` (labels recorded in the
    open transaction and half written), ``rendered`` (file complete, not committed),
    ``committed`` (committed, file not yet named) and ``published`` (file named)."""
    if os.environ.get(FAULT_ENV) == stage:
        os.kill(os.getpid(), signal.SIGKILL)
