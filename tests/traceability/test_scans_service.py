"""Scan history and clone signals, the recent-scan summary on the label row (revision 0004),
and the migrations matching the models."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session

from keys import private_key_from_seed
from labels.secret import hash_secret
from tests.support.factories import issue, make_world
from traceability.models import Base, Label
from traceability.services import clones, label_scans, recent_scans, scans
from usecases import claims

KEY = private_key_from_seed(bytes(range(32)))


def record(
    session: Session, label_id: int, *, source: str, area: str | None = None, at: datetime | None = None
) -> None:
    scans.record_scans(session, rows(label_id, [(source, area, at)]))


def test_history_counts_first_scan_and_current(session: Session) -> None:
    (label,) = issue(session, make_world(session), KEY, 1)
    empty = label_scans.scan_history(session, label.id)
    assert (empty.count, empty.first_at, empty.clone_suspected) == (0, None, False)
    now = label_scans.scan_history(
        session, label.id, current_source="a", current_area="Hà Nội", count_current=True
    )
    assert (now.count, now.first_area, now.recent_sources) == (1, "Hà Nội", 1)
    first = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    record(session, label.id, source="a", area="Hà Nội", at=first)
    record(session, label.id, source="a", area="Huế")
    history = label_scans.scan_history(session, label.id, current_source="a", count_current=True)
    assert history.count == 3 and history.first_at == first and history.first_area == "Hà Nội"
    assert history.recent_sources == 1  # the old scan is outside the window; "a" is not new


def test_clone_signals(session: Session) -> None:
    (label,) = issue(session, make_world(session), KEY, 1)
    # Three days apart: never many networks at once (clones.BURST_WINDOW), many in the month.
    for n in reversed(range(recent_scans.CLONE_SOURCES - 1)):
        at = datetime.now(UTC) - timedelta(days=3 * n)
        record(session, label.id, source=f"s{n}", area=["Hà Nội", "Quảng Ninh"][n % 2], at=at)
    assert not label_scans.scan_history(session, label.id).clone_suspected
    assert label_scans.scan_history(session, label.id, current_source="s0", count_current=True).signals == ()
    grown = label_scans.scan_history(
        session, label.id, current_source="new", current_area="Huế", count_current=True
    )
    assert grown.signals == ("many_sources",)
    old = datetime.now(UTC) - recent_scans.CLONE_WINDOW - timedelta(hours=1)
    (other,) = issue(session, make_world(session), KEY, 1)
    for n in range(10):
        record(session, other.id, source=f"old{n}", at=old)
    assert not label_scans.scan_history(session, other.id).clone_suspected  # a week later it is quiet


def test_source_period_changes_every_30_days() -> None:
    """A source hash's key holds for SOURCE_PERIOD, then changes (the web keys it by period)."""
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    first = scans.source_period(start)
    begins = next(
        start + timedelta(days=d) for d in range(31) if scans.source_period(start + timedelta(days=d)) > first
    )
    days = [begins + timedelta(days=d) for d in range(scans.SOURCE_PERIOD.days)]
    assert {scans.source_period(day) for day in days} == {first + 1}
    assert scans.source_period(begins + scans.SOURCE_PERIOD) == first + 2


def test_unknown_label_has_empty_history(session: Session) -> None:
    assert label_scans.scan_history(session, 987654).count == 0


def test_models_match_migrations(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def rows(label_id: int, scanned: Sequence[tuple[str, str | None, datetime | None]]) -> list[dict[str, Any]]:
    """Scan rows for :func:`scans.record_scans` from (source, area, at) triples (at None: now)."""
    return [
        scans.scan_row(
            serial=1,
            label_id=label_id,
            verdict="genuine",
            channel="web",
            area=area,
            device=None,
            source_hash=source,
            at=at,
        )
        for source, area, at in scanned
    ]


def summary(session: Session, label_id: int) -> tuple[Any, Any, Any]:
    """The label row's stored summary: (recent_sources, recent_areas, recent_oldest)."""
    row = session.execute(
        select(Label.recent_sources, Label.recent_areas, Label.recent_oldest).where(Label.id == label_id)
    ).one()
    return row[0], row[1], row[2]


def forget_summary(session: Session, label_id: int) -> None:
    """Set the summary columns to SQL NULL, as on a label last scanned before revision 0004."""
    session.execute(
        text(
            "UPDATE labels SET recent_sources = NULL, recent_areas = NULL, recent_oldest = NULL"
            " WHERE id = :id"
        ),
        {"id": label_id},
    )


def test_record_scans_stores_capped_summary(session: Session) -> None:
    """Distinct sources and areas of the window, capped at the thresholds; the oldest scan read."""
    (label,) = issue(session, make_world(session), KEY, 1)
    start = datetime.now(UTC).replace(microsecond=0) - recent_scans.CLONE_WINDOW * 2 / 7
    distinct = recent_scans.CLONE_SOURCES + 1  # one more than the cap, some seen twice
    sources = [f"s{n}" for n in range(distinct)] + [
        f"s{distinct - 1}",
        f"s{distinct - 2}",
        f"s{distinct - 1}",
    ]
    places = ["Hà Nội", "Huế", "Đà Nẵng", "Cần Thơ"]
    areas = [places[n % len(places)] for n in range(len(sources))]
    scanned = [(sources[n], areas[n], start + timedelta(minutes=n)) for n in range(len(sources))]
    old = start - recent_scans.CLONE_WINDOW  # outside the window: in the count, not in the summary
    scans.record_scans(session, rows(label.id, [("ancient", "Lào Cai", old), *reversed(scanned)]))
    stored_sources, stored_areas, oldest = summary(session, label.id)
    assert len(stored_sources) == len(set(stored_sources)) == recent_scans.CLONE_SOURCES
    assert set(stored_sources) <= set(sources)
    assert len(stored_areas) == len(set(stored_areas)) == recent_scans.CLONE_AREAS
    assert set(stored_areas) <= set(areas)
    assert oldest == start and oldest.tzinfo is not None
    history = label_scans.scan_history(session, label.id)
    assert (history.count, history.first_at, history.first_area) == (len(sources) + 1, old, "Lào Cai")


def test_summary_covers_the_latest_scans_only(session: Session) -> None:
    """Only the latest RECENT_LIMIT scans of the window are summarised; oldest is the last read."""
    (label,) = issue(session, make_world(session), KEY, 1)
    start = datetime.now(UTC).replace(microsecond=0) - recent_scans.CLONE_WINDOW * 3 / 7
    early = [(f"early{n}", "Huế", start + timedelta(seconds=n)) for n in range(recent_scans.CLONE_SOURCES)]
    late_start = start + recent_scans.CLONE_WINDOW / 168
    late = [("same", None, late_start + timedelta(seconds=n)) for n in range(recent_scans.RECENT_LIMIT)]
    scans.record_scans(session, rows(label.id, early + late))
    assert summary(session, label.id) == (["same"], [], late_start)
    history = label_scans.scan_history(session, label.id)
    assert (history.count, history.recent_sources, history.signals) == (len(early) + len(late), 1, ())
    forget_summary(session, label.id)  # the fallback reads the same scans
    fallback = label_scans.scan_history(session, label.id)
    assert (fallback.recent_sources, fallback.recent_areas, fallback.signals) == (1, 0, ())


def test_summary_of_few_scans_is_complete(session: Session) -> None:
    """Below the thresholds every distinct source and area is kept; a repeated one once."""
    (label,) = issue(session, make_world(session), KEY, 1)
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    record(session, label.id, source="a", area="Huế", at=at)
    record(session, label.id, source="b", area=None, at=at + timedelta(hours=1))
    record(session, label.id, source="a", area="Huế", at=at + timedelta(hours=2))
    sources, areas, oldest = summary(session, label.id)
    assert (sorted(sources), areas, oldest) == (["a", "b"], ["Huế"], at)


def test_missing_summary_falls_back_to_exact_history(engine: Engine, session: Session) -> None:
    """A label whose summary is NULL (scanned before 0004) still gets exact history and signals."""
    (label,) = issue(session, make_world(session), KEY, 1)
    first = datetime.now(UTC).replace(microsecond=0) - recent_scans.CLONE_WINDOW / 7
    scanned = [(f"s{n}", ["Hà Nội", "Huế", "Hà Nội"][n], first + timedelta(hours=n)) for n in range(3)]
    scans.record_scans(session, rows(label.id, scanned))
    scans.record_scans(session, rows(label.id, [("s3", None, first + timedelta(hours=4))]))
    forget_summary(session, label.id)
    assert summary(session, label.id) == (None, None, None)
    history = label_scans.scan_history(session, label.id)
    assert (history.count, history.first_at, history.first_area) == (4, first, "Hà Nội")
    assert (history.recent_sources, history.recent_areas, history.signals) == (4, 2, ())
    known = label_scans.scan_history(
        session, label.id, current_source="s0", current_area="Huế", count_current=True
    )
    assert (known.count, known.recent_sources, known.recent_areas, known.signals) == (5, 4, 2, ())
    grown = label_scans.scan_history(
        session, label.id, current_source="new", current_area="Cần Thơ", count_current=True
    )
    assert grown.recent_sources == min(5, recent_scans.CLONE_SOURCES)
    assert grown.signals == (("many_sources",) if recent_scans.CLONE_SOURCES <= 5 else ())
    session.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        found = label_scans.scan_history_and_version(
            connection, label.id, current_source="new", current_area="Cần Thơ", count_current=True
        )
    assert found is not None and found[0] == grown
    assert summary(session, label.id) == (None, None, None)  # readers do not write
    record(session, label.id, source="s4", at=first + timedelta(hours=5))
    sources, areas, oldest = summary(session, label.id)
    assert sorted(sources) == ["s0", "s1", "s2", "s3", "s4"]
    assert (sorted(areas), oldest) == (["Huế", "Hà Nội"], first)


def test_expired_summary_is_not_used(session: Session) -> None:
    """Once the summary's oldest scan leaves the window, the signals come from the scans."""
    (label,) = issue(session, make_world(session), KEY, 1)
    at = datetime.now(UTC) - recent_scans.CLONE_WINDOW + timedelta(minutes=1)
    scanned = [(f"s{n}", None, at) for n in range(recent_scans.CLONE_SOURCES)]
    scans.record_scans(session, rows(label.id, scanned))
    assert label_scans.scan_history(session, label.id).signals == ("many_sources",)
    inside = label_scans.scan_history(
        session, label.id, now=at + recent_scans.CLONE_WINDOW - timedelta(seconds=30)
    )
    assert inside.signals == ("many_sources",)
    later = at + recent_scans.CLONE_WINDOW + timedelta(minutes=2)
    expired = label_scans.scan_history(session, label.id, now=later)
    assert (expired.count, expired.recent_sources, expired.signals) == (recent_scans.CLONE_SOURCES, 0, ())
    stored, _areas, _oldest = summary(session, label.id)
    assert len(stored) == recent_scans.CLONE_SOURCES  # the stored summary still says so: it was not used


def test_expired_summary_keeps_newer_scans(session: Session) -> None:
    """The fallback counts the scans still inside the window, not none."""
    (label,) = issue(session, make_world(session), KEY, 1)
    now = datetime.now(UTC)
    at = now - recent_scans.CLONE_WINDOW + timedelta(minutes=1)
    old = [(f"old{n}", "Huế", at) for n in range(recent_scans.CLONE_SOURCES - 1)]
    scanned = [*old, ("fresh", "Hà Nội", now - timedelta(hours=1))]
    scans.record_scans(session, rows(label.id, scanned))
    assert label_scans.scan_history(session, label.id).signals == ("many_sources",)
    later = label_scans.scan_history(session, label.id, now=now + timedelta(minutes=2))
    assert (later.recent_sources, later.recent_areas, later.signals) == (1, 1, ())


def test_recent_counts_capped_at_thresholds(session: Session) -> None:
    """More sources and areas than the thresholds are reported as the thresholds."""
    (label,) = issue(session, make_world(session), KEY, 1)
    start = datetime.now(UTC) - timedelta(hours=12)
    areas = ["Hà Nội", "Huế", "Đà Nẵng", "Cần Thơ", "Lào Cai"]
    scanned = [
        (f"s{n}", areas[n % 5], start + timedelta(minutes=n)) for n in range(recent_scans.CLONE_SOURCES + 4)
    ]
    scans.record_scans(session, rows(label.id, scanned))
    expected = (recent_scans.CLONE_SOURCES, recent_scans.CLONE_AREAS, ("many_sources",))
    history = label_scans.scan_history(session, label.id)
    assert (history.recent_sources, history.recent_areas, history.signals) == expected
    current = label_scans.scan_history(
        session, label.id, current_source="new", current_area="Sơn La", count_current=True
    )
    assert (current.recent_sources, current.recent_areas, current.signals) == expected
    forget_summary(session, label.id)  # the fallback caps them too
    fallback = label_scans.scan_history(session, label.id)
    assert (fallback.recent_sources, fallback.recent_areas, fallback.signals) == expected


def _wait_for_lock_wait(engine: Engine, timeout: float = 10.0) -> bool:
    """True once some session of this database waits for a lock (PostgreSQL)."""
    deadline = time.monotonic() + timeout
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar()
            if waiting:
                return True
            time.sleep(0.01)
    return False


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_concurrent_writers_both_reach_the_summary(engine: Engine, session: Session) -> None:
    """Writer B waits on the label row lock held by writer A, then reads A's committed scans:
    the last summary written includes the sources of both."""
    (label,) = issue(session, make_world(session), KEY, 1)
    session.commit()
    now = datetime.now(UTC)
    errors: list[BaseException] = []

    def writer_b() -> None:
        try:
            with Session(engine) as b:
                scans.record_scans(b, rows(label.id, [("b0", "Huế", now), ("b1", "Huế", now)]))
                b.commit()
        except BaseException as e:
            errors.append(e)

    with Session(engine) as a:
        scans.record_scans(a, rows(label.id, [("a0", "Hà Nội", now), ("a1", "Hà Nội", now)]))
        thread = threading.Thread(target=writer_b)
        thread.start()
        try:
            assert _wait_for_lock_wait(engine), "writer B should wait for A's lock on the label row"
            assert thread.is_alive()
        finally:
            a.commit()
            thread.join(timeout=10)
    assert not thread.is_alive() and errors == []
    session.expire_all()
    sources, areas, _oldest = summary(session, label.id)
    assert sorted(sources) == ["a0", "a1", "b0", "b1"]
    assert sorted(areas) == ["Huế", "Hà Nội"]
    history = label_scans.scan_history(session, label.id)
    assert (history.count, history.recent_sources, history.recent_areas) == (4, 4, 2)


def test_summary_added_to_equals_summary_read_again(session: Session) -> None:
    """Labels with few scans get new scans added to their stored summary instead of reading
    the scans again; after every batch it equals what reading the scans gives."""
    labels = issue(session, make_world(session), KEY, 3)
    now = datetime.now(UTC)
    old = now - recent_scans.CLONE_WINDOW - timedelta(hours=1)  # outside the window: never counted
    batches = [
        [(labels[0].id, "a", "Huế", now - recent_scans.CLONE_WINDOW * 2 / 7), (labels[1].id, "b", None, old)],
        [(labels[0].id, "b", None, now), (labels[1].id, "b", "Hà Nội", now), (labels[2].id, "c", "Huế", old)],
        [
            (labels[0].id, f"s{n}", f"area {n}", now) for n in range(recent_scans.CLONE_SOURCES)
        ],  # past both thresholds
        [
            (labels[2].id, "d", "Huế", now - recent_scans.CLONE_WINDOW / 7),
            (labels[1].id, "b", "Hà Nội", now),
            (labels[1].id, "zz", "Old place", old),  # added to a stored summary: left out
        ],
    ]
    for batch in batches:
        scans.record_scans(
            session,
            [row for label_id, source, area, at in batch for row in rows(label_id, [(source, area, at)])],
            now=now,
        )
        for label in labels:
            sources, areas, oldest = summary(session, label.id)
            again = recent_scans.read_recent(session.connection(), label.id, now)
            if sources is None:  # not scanned yet: nothing stored, nothing to read
                assert (areas, oldest, again) == (None, None, recent_scans.RecentScans((), (), None))
                continue
            assert oldest == again.oldest
            for stored, read, cap in (
                (sources, again.sources, recent_scans.CLONE_SOURCES),
                (areas, again.areas, recent_scans.CLONE_AREAS),
            ):
                if len(read) < cap:
                    assert sorted(stored) == list(read)
                else:  # either way enough to fire the signal: any `cap` of the distinct values
                    assert len(stored) == cap and len(set(stored)) == cap
    first = label_scans.scan_history(session, labels[0].id, now=now)
    assert first.signals == ("many_sources",) and first.count == 2 + recent_scans.CLONE_SOURCES
    assert label_scans.scan_history(session, labels[1].id, now=now).recent_sources == 1


def test_first_scans_are_summarised_without_reading_the_scans(engine: Engine, session: Session) -> None:
    """A label's first batch needs no read of the scans table (real traffic scans most labels
    once); its stored summary is still what reading the scans gives, and the next batch of a
    label with a summary adds to it, reading nothing either."""
    labels = issue(session, make_world(session), KEY, 2)
    now = datetime.now(UTC)
    inside = now - recent_scans.CLONE_WINDOW / 7
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    first = [
        (labels[0].id, "a", "Huế", inside),
        (labels[0].id, "b", None, now),
        (labels[1].id, "c", None, now),
    ]
    batch = [row for label_id, source, area, at in first for row in rows(label_id, [(source, area, at)])]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        scans.record_scans(session, batch, now=now)
        scans.record_scans(session, rows(labels[1].id, [("d", "Huế", now)]), now=now)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "FROM scans" in s]
    assert reads == []
    for label, expected in ((labels[0], (["a", "b"], ["Huế"])), (labels[1], (["c", "d"], ["Huế"]))):
        sources, areas, oldest = summary(session, label.id)
        again = recent_scans.read_recent(session.connection(), label.id, now)
        assert (sorted(sources), sorted(areas)) == expected == (list(again.sources), list(again.areas))
        assert oldest == again.oldest


def test_many_networks_at_once_is_kept_on_the_label(session: Session) -> None:
    (label,) = issue(session, make_world(session), KEY, 1)
    start = datetime.now(UTC) - timedelta(days=20)
    record(session, label.id, source="shop", at=start)  # the month's sixth network, weeks ago
    for n in range(clones.BURST_SOURCES - 1):
        record(session, label.id, source=f"phone{n}", at=start + timedelta(days=18, hours=n))
    assert label_scans.scan_history(session, label.id).signals == ()  # five networks: one item's day
    record(session, label.id, source="phone-last", at=start + timedelta(days=19))
    assert label_scans.scan_history(session, label.id).signals == ("sources_at_once",)
    detail = session.scalar(select(Label.clone_detail).where(Label.id == label.id))
    assert detail == {"places": [], "sources": 6}
    # Kept once fired, long after the networks left the window.
    later = label_scans.scan_history(session, label.id, now=datetime.now(UTC) + timedelta(days=60))
    assert later.signals == ("sources_at_once",)


def test_the_same_network_claiming_again_is_not_a_second_claim(session: Session) -> None:
    (label,) = issue(session, make_world(session), KEY, 1)
    label.secret_hash = hash_secret("7K3QX-M9TPR", label.serial)
    session.flush()
    first = claims.claim(session, label_id=label.id, serial=label.serial, secret="7K3QX-M9TPR", source="home")
    again = claims.claim(session, label_id=label.id, serial=label.serial, secret="7k3qx m9tpr", source="home")
    assert (first.outcome, again.outcome) == ("claimed", "already_claimed")
    assert again.claimed_at == first.claimed_at
    assert label_scans.scan_history(session, label.id).signals == ()
    other = claims.claim(
        session, label_id=label.id, serial=label.serial, secret="7K3QX-M9TPR", source="elsewhere"
    )
    assert other.outcome == "already_claimed"
    assert label_scans.scan_history(session, label.id).signals == ("claimed_twice",)
