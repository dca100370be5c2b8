"""Scan history and clone signals, and the 0003 migration matching the models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from keys import private_key_from_seed
from tests.support.factories import issue, make_world
from traceability.models import Base
from traceability.services import scans

KEY = private_key_from_seed(bytes(range(32)))


def record(
    session: Session, label_id: int, *, source: str, area: str | None = None, at: datetime | None = None
) -> None:
    scans.record_scan(
        session,
        serial=1,
        label_id=label_id,
        verdict="genuine",
        channel="web",
        area=area,
        device=None,
        source_hash=source,
        at=at,
    )


def test_history_counts_first_scan_and_current(session: Session) -> None:
    (label,) = issue(session, make_world(session), KEY, 1)
    empty = scans.scan_history(session, label.id)
    assert (empty.count, empty.first_at, empty.clone_suspected) == (0, None, False)
    now = scans.scan_history(session, label.id, current_source="a", current_area="Hà Nội", count_current=True)
    assert (now.count, now.first_area, now.recent_sources) == (1, "Hà Nội", 1)
    first = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    record(session, label.id, source="a", area="Hà Nội", at=first)
    record(session, label.id, source="a", area="Huế")
    history = scans.scan_history(session, label.id, current_source="a", count_current=True)
    assert history.count == 3 and history.first_at == first and history.first_area == "Hà Nội"
    assert history.recent_sources == 1  # the old scan is outside the window; "a" is not new


def test_clone_signals(session: Session) -> None:
    (label,) = issue(session, make_world(session), KEY, 1)
    for n in range(scans.CLONE_SOURCES - 1):
        record(session, label.id, source=f"s{n}", area=["Hà Nội", "Quảng Ninh"][n % 2])
    assert not scans.scan_history(session, label.id).clone_suspected
    assert scans.scan_history(session, label.id, current_source="s0", count_current=True).signals == ()
    grown = scans.scan_history(
        session, label.id, current_source="new", current_area="Huế", count_current=True
    )
    assert grown.signals == ("many_sources", "many_areas")
    old = datetime.now(UTC) - scans.CLONE_WINDOW - timedelta(hours=1)
    (other,) = issue(session, make_world(session), KEY, 1)
    for n in range(10):
        record(session, other.id, source=f"old{n}", at=old)
    assert not scans.scan_history(session, other.id).clone_suspected  # a week later it is quiet


def test_unknown_label_has_empty_history(session: Session) -> None:
    assert scans.scan_history(session, 987654).count == 0


def test_models_match_migrations(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
