"""retrying(): a transaction PostgreSQL aborts for a deadlock is run again and commits; other
errors are raised at once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from keys import private_key_from_seed
from tests.support.factories import issue, make_world
from traceability.models import Label, Scan
from traceability.transactions import retrying

KEY = private_key_from_seed(bytes(range(32)))


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_a_deadlocked_transaction_is_run_again(engine: Engine, session: Session) -> None:
    """Two transactions lock two labels in opposite orders: PostgreSQL aborts one with 40P01,
    retrying() runs it again, and both changes are committed."""
    first, second = (label.id for label in issue(session, make_world(session), KEY, 2))
    session.commit()
    both_hold_one = threading.Barrier(2)
    attempts = {"a": 0, "b": 0}
    errors: list[BaseException] = []

    def crosswise(name: str, one: int, other: int) -> None:
        def work(s: Session) -> None:
            attempts[name] += 1
            s.execute(update(Label).where(Label.id == one).values(claim_attempts=Label.claim_attempts + 1))
            if attempts[name] == 1:
                both_hold_one.wait(timeout=10)
            s.execute(update(Label).where(Label.id == other).values(claim_attempts=Label.claim_attempts + 1))

        try:
            retrying(sessionmaker(engine), work)
        except BaseException as e:
            errors.append(e)

    threads = [
        threading.Thread(target=crosswise, args=("a", first, second)),
        threading.Thread(target=crosswise, args=("b", second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(attempts.values()) == [1, 2]  # the deadlock's victim ran twice
    session.expire_all()
    assert session.scalars(select(Label.claim_attempts).where(Label.id.in_([first, second]))).all() == [2, 2]


def test_other_errors_are_not_retried(engine: Engine) -> None:
    calls = []

    def work(s: Session) -> None:
        calls.append(1)
        s.add(Scan(verdict="genuine", channel="web", label_id=10**9))
        s.flush()

    with pytest.raises(IntegrityError):
        retrying(sessionmaker(engine), work)
    assert len(calls) == 1
