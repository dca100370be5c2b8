"""traceability.services.dashboard: the dashboards' figures, counted on the programme's
calendar (Việt Nam) rather than UTC, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from keys import private_key_from_seed
from tests.support.activity import add_report, add_scan
from tests.support.factories import issue, make_world
from traceability.enums import RevocationReason, RevocationTarget
from traceability.services import dashboard, revocations

KEY = private_key_from_seed(bytes(range(32)))
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_scans_per_day_uses_the_local_calendar_and_fills_zeros(session: Session) -> None:
    (label,) = issue(session, make_world(session), KEY, 1)
    today = datetime.now(VN).date()
    start = today - timedelta(days=3)
    since = datetime(start.year, start.month, start.day, tzinfo=VN)
    # 18:30 UTC the day before is 01:30 in Việt Nam: it counts for the local day.
    early = datetime(start.year, start.month, start.day, 1, 30, tzinfo=VN).astimezone(UTC)
    add_scan(session, label, at=early)
    add_scan(session, label, at=early + timedelta(hours=2))
    add_scan(session, label, at=since.astimezone(UTC) - timedelta(minutes=1))  # before the window
    session.flush()
    days = dashboard.scans_per_day(session, since=since, zone=VN)
    assert days == [(start, 2), (start + timedelta(days=1), 0), (start + timedelta(days=2), 0), (today, 0)]


def test_per_producer_figures_count_only_their_labels(session: Session) -> None:
    mine, theirs = make_world(session), make_world(session)
    (a,) = issue(session, mine, KEY, 1)
    (b,) = issue(session, theirs, KEY, 1)
    since = datetime.now(UTC) - timedelta(hours=1)
    add_scan(session, a, area="1")
    add_scan(session, a, area="1", verdict="revoked")
    add_scan(session, a)
    add_scan(session, b, area="79")
    session.flush()
    producer = mine.product.producer_id
    assert (
        sum(n for _, n in dashboard.scans_per_day(session, since=since, zone=VN, producer_id=producer)) == 3
    )
    assert dashboard.verdict_mix(session, since=since, producer_id=producer) == [
        ("genuine", 2),
        ("revoked", 1),
    ]
    assert dashboard.verdict_mix(session, since=since) == [("genuine", 3), ("revoked", 1)]
    assert dashboard.scans_by_area(session, since=since, producer_id=producer) == [
        ("Thành phố Hà Nội", 2),
        ("", 1),
    ]


def test_office_figures(session: Session) -> None:
    today = date.today()
    four = make_world(session, stars=4)
    make_world(session, stars=5)
    make_world(session, stars=4, issued_on=today - timedelta(days=3 * 365 - 30))  # ends within 90 days
    labels = issue(session, four, KEY, 3)
    week_start = datetime.now(UTC) - timedelta(days=7)
    add_scan(session, labels[0])
    add_scan(session, labels[0], at=week_start - timedelta(days=1))  # before the week
    add_report(session, labels[1].serial)
    revocations.revoke(
        session,
        actor="t",
        target=RevocationTarget.LABEL,
        ref={"serial": labels[2].serial},
        reason=RevocationReason.DAMAGED_OR_LOST,
    )
    session.flush()
    figures = dashboard.office_figures(
        session, today=today, week_start=week_start, suspects_since=week_start - timedelta(days=30)
    )
    assert figures.today == today
    assert figures.certified == {(4, "food"): 2, (5, "food"): 1}
    assert figures.certified_total == 3 and figures.certified_by_stars() == [(3, 0), (4, 2), (5, 1)]
    assert figures.ending_90_days == 1
    assert (figures.labels_issued, figures.labels_issued_week) == (3, 3)
    assert (figures.scans_week, figures.verdicts_week) == (1, [("genuine", 1)])
    assert figures.open_reports == 1 and figures.clone_suspects == 0
    assert figures.revocations_by_reason == [("damaged_or_lost", 1, 1)]
