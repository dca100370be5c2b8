"""Lock order on PostgreSQL: scan writers and revocations touching the same labels at once
never deadlock (the server would abort one of them with SQLSTATE 40P01)."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keys import private_key_from_seed
from tests.support.factories import issue, make_world
from traceability.enums import RecordStatus
from traceability.models import Label
from traceability.services import revocations, scans

KEY = private_key_from_seed(bytes(range(32)))
pytestmark = pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


def _batch(label_ids: list[int], rng: random.Random, size: int) -> list[dict[str, object]]:
    now = datetime.now(UTC)
    return [
        scans.scan_row(
            serial=None,
            label_id=rng.choice(label_ids),
            verdict="genuine",
            channel="web",
            area=rng.choice(("Hà Nội", "Huế", None)),
            device=None,
            source_hash=f"s{rng.randrange(8)}",
            at=now,
        )
        for _ in range(size)
    ]


def _in_threads(count: int, work: Callable[[int], None]) -> list[BaseException]:
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            work(n)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return errors


def test_writers_on_the_same_labels_never_deadlock(engine: Engine, session: Session) -> None:
    """Four writers, each committing 40 batches over the same 30 labels: every batch commits
    at its first try and every scan is counted on its label."""
    ids = [label.id for label in issue(session, make_world(session), KEY, 30)]
    session.commit()
    written = [0] * 4

    def writer(n: int) -> None:
        rng = random.Random(n)
        for _ in range(40):
            rows = _batch(ids, rng, rng.randrange(5, 60))
            with Session(engine) as own, own.begin():
                scans.record_scans(own, rows)
            written[n] += len(rows)

    assert _in_threads(4, writer) == []
    counted = session.scalars(select(Label.scan_count).where(Label.id.in_(ids))).all()
    assert sum(counted) == sum(written) == scans.count_scans(session)


def test_revocation_while_writers_record_scans_succeeds(engine: Engine, session: Session) -> None:
    """A range revocation of 200 labels commits at its first try while three writers keep
    recording scans for those labels, and the labels' scan counts stay exact."""
    world = make_world(session)
    labels = issue(session, world, KEY, 200)
    ids = [label.id for label in labels]
    session.commit()
    stop = threading.Event()
    written = [0] * 3

    def writer(n: int) -> None:
        rng = random.Random(n)
        while not stop.is_set():
            rows = _batch(ids, rng, rng.randrange(20, 200))
            with Session(engine) as own, own.begin():
                scans.record_scans(own, rows)
            written[n] += len(rows)

    def revoke_then_stop(n: int) -> None:
        if n < 3:
            writer(n)
            return
        try:
            for _ in range(3):  # let the writers get going and rewrite the label rows
                with Session(engine) as own, own.begin():
                    scans.record_scans(own, _batch(ids, random.Random(9), 100))
            with Session(engine) as own, own.begin():
                revocation = revocations.revoke(
                    own,
                    actor="test",
                    target="range",
                    ref={"lot_id": world.lot.id, "first": 1, "last": 200},
                    reason="damaged_or_lost",
                )
                assert revocation.label_count == 200
        finally:
            stop.set()

    assert _in_threads(4, revoke_then_stop) == []
    session.expire_all()
    statuses = session.scalars(select(Label.status).where(Label.id.in_(ids))).all()
    assert set(statuses) == {RecordStatus.REVOKED}
    counted = session.scalars(select(Label.scan_count).where(Label.id.in_(ids))).all()
    assert sum(counted) == scans.count_scans(session) == sum(written) + 300
