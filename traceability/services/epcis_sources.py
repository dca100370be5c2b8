"""The three sources of EPCIS events, each yielding ``(PageKey, event)`` in key order with
keyset-paged reads: the journey (with partners' captured events), issue runs (their audit
entries) and revocations (one event per lot they hit)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from ..enums import RevocationTarget
from ..epcis import vocab
from ..epcis.events import (
    Context,
    Event,
    Revoked,
    captured_event,
    issue_event,
    journey_event,
    revocation_event,
)
from ..epcis.identifiers import LotName
from ..epcis.query import EventQuery, PageKey
from ..models import AuditEntry, Certification, Label, Lot, LotEvent, Product, Revocation
from .revocations import label_filter

BATCH = 200
JOURNEY, ISSUE, REVOCATION = 0, 1, 2  # ranks: the order of sources at one instant
_BIG = 2**31 - 1  # above every row id (INTEGER on PostgreSQL)


class Registry:
    """What mapping needs besides the row, read once per query: lot names, certifications."""

    def __init__(self, session: Session, *, batch: int = BATCH) -> None:
        self.session = session
        # Rows read at a time: a page of n events needs at most n + 1 from each source.
        self.batch = max(1, min(batch, BATCH))
        self._lots: dict[int, tuple[LotName, int]] = {}
        self._certs: dict[int, list[Certification]] = {}

    def preload(self, lot_ids: Iterable[int]) -> None:
        """Read the names of the lots not read yet, in one query (a batch of rows at a time)."""
        wanted = set(lot_ids) - self._lots.keys()
        if wanted:
            rows = self.session.execute(
                select(Lot.id, Lot.code, Product.gtin, Product.id).join(Product).where(Lot.id.in_(wanted))
            )
            for lot_id, code, gtin, product_id in rows:
                self._lots[lot_id] = (LotName(lot_id, code, gtin), product_id)

    def lot(self, lot_id: int) -> tuple[LotName, int]:
        """Return the lot's name and its product's id."""
        self.preload((lot_id,))
        return self._lots[lot_id]

    def certification(self, product_id: int, day: date) -> int | None:
        """Return the id of the product's newest certification in force on ``day``."""
        if product_id not in self._certs:
            self._certs[product_id] = list(
                self.session.scalars(
                    select(Certification)
                    .where(Certification.product_id == product_id)
                    .order_by(Certification.issued_on, Certification.id)
                )
            )
        found = [
            c.id
            for c in self._certs[product_id]
            if c.issued_on <= day <= c.valid_until and (c.withdrawn_on is None or c.withdrawn_on > day)
        ]
        return found[-1] if found else None


def _after(
    column: InstrumentedAttribute[datetime],
    id_column: InstrumentedAttribute[int],
    bound: tuple[datetime, int],
) -> ColumnElement[bool]:
    moment, row_id = bound
    return or_(column > moment, and_(column == moment, id_column > row_id))


def _start(after: PageKey | None, rank: int) -> tuple[datetime, int] | None:
    """The keyset bound of a source for a page starting after ``after`` (inclusive of a
    partly read revocation; the merge drops keys up to ``after``)."""
    if after is None:
        return None
    if after.rank == rank:
        return after.time, after.ids[0] - (1 if rank == REVOCATION else 0)
    return after.time, (-1 if after.rank < rank else _BIG)


def _batches(
    reg: Registry,
    build: Callable[[tuple[datetime, int] | None], Any],
    key: Callable[[Any], tuple[datetime, int]],
    start: tuple[datetime, int] | None,
    lots_of: Callable[[Any], int] | None = None,
) -> Iterator[Any]:
    """Yield the rows of ``build(bound)`` (ordered by time and id, keyset-paged) batch by batch,
    reading the names of each batch's lots (``lots_of(row)``) at once."""
    bound = start
    while True:
        rows = reg.session.scalars(build(bound).limit(reg.batch)).all()
        if lots_of is not None:
            reg.preload(lots_of(row) for row in rows)
        yield from rows
        if len(rows) < reg.batch:
            return
        bound = key(rows[-1])


def _timed(statement: Any, column: InstrumentedAttribute[datetime], q: EventQuery) -> Any:
    if "GE_eventTime" in q.times:
        statement = statement.where(column >= q.times["GE_eventTime"])
    if "LT_eventTime" in q.times:
        statement = statement.where(column < q.times["LT_eventTime"])
    return statement


def _allows(q: EventQuery, step: vocab.Step) -> bool:
    """Whether events of ``step`` can pass the query's action/bizStep/disposition lists."""
    wanted = {"EQ_action": step.action, "EQ_bizStep": step.biz_step, "EQ_disposition": step.disposition}
    return all(value in q.lists[name] for name, value in wanted.items() if name in q.lists)


def journey(
    reg: Registry, ctx: Context, q: EventQuery, lots: set[int] | None
) -> Iterator[tuple[PageKey, Event]]:
    # A captured event's kind follows its bizStep, so the kinds narrow captured events too.
    kinds = [
        k
        for k, step in vocab.JOURNEY.items()
        if all(
            step_value in q.lists[name]
            for name, step_value in (("EQ_action", step.action), ("EQ_bizStep", step.biz_step))
            if name in q.lists
        )
    ]

    def build(bound: tuple[datetime, int] | None) -> Any:
        statement = _timed(select(LotEvent).where(LotEvent.kind.in_(kinds)), LotEvent.occurred_at, q)
        if lots is not None:
            statement = statement.where(LotEvent.lot_id.in_(lots))
        if bound is not None:
            statement = statement.where(_after(LotEvent.occurred_at, LotEvent.id, bound))
        return statement.order_by(LotEvent.occurred_at, LotEvent.id)

    for row in _batches(
        reg, build, lambda r: (r.occurred_at, r.id), _start(q.after, JOURNEY), lambda r: r.lot_id
    ):
        key = PageKey(row.occurred_at, JOURNEY, (row.id,))
        if row.epcis_event is not None:
            yield key, captured_event(ctx, row.epcis_event, recorded_at=row.created_at)
            continue
        lot, product_id = reg.lot(row.lot_id)
        cert = reg.certification(product_id, row.occurred_at.astimezone(ctx.zone).date())
        yield (
            key,
            journey_event(
                ctx,
                event_row=row.id,
                lot=lot,
                kind=row.kind,
                occurred_at=row.occurred_at,
                recorded_at=row.created_at,
                place=row.place,
                certification_id=cert,
            ),
        )


def issues(
    reg: Registry, ctx: Context, q: EventQuery, lots: set[int] | None
) -> Iterator[tuple[PageKey, Event]]:
    if not _allows(q, vocab.ISSUE):
        return

    def build(bound: tuple[datetime, int] | None) -> Any:
        statement = _timed(select(AuditEntry).where(AuditEntry.action == "labels.issue"), AuditEntry.at, q)
        if lots is not None:
            statement = statement.where(
                AuditEntry.entity == "lot", AuditEntry.entity_id.in_([str(i) for i in lots])
            )
        if bound is not None:
            statement = statement.where(_after(AuditEntry.at, AuditEntry.id, bound))
        return statement.order_by(AuditEntry.at, AuditEntry.id)

    for entry in _batches(
        reg, build, lambda e: (e.at, e.id), _start(q.after, ISSUE), lambda e: int(e.entity_id)
    ):
        lot, _product = reg.lot(int(entry.entity_id))
        detail = entry.detail
        yield (
            PageKey(entry.at, ISSUE, (entry.id,)),
            issue_event(
                ctx,
                run=entry.id,
                lot=lot,
                at=entry.at,
                count=int(detail["count"]),
                first_number=int(detail["first_number"]),
                certification_id=int(detail["certification_id"]),
            ),
        )


def _ref(revocation: Revocation) -> dict[str, Any] | None:
    """The target of a reinstated revocation, read back from its ``target_ref`` (written by
    :func:`traceability.services.revocations._describe`): its labels no longer point to it."""
    words = revocation.target_ref.replace("–", " ").split()
    target = revocation.target
    if target is RevocationTarget.LABEL:
        return {"serial": int(words[1])}
    if target is RevocationTarget.RANGE:
        return {"lot_id": int(words[1]), "first": int(words[3]), "last": int(words[4])}
    if target in (RevocationTarget.LOT, RevocationTarget.PRODUCT, RevocationTarget.PRODUCER):
        return {f"{target.value}_id": int(words[1])}
    return None


def _revoked(reg: Registry, revocation: Revocation) -> list[Revoked]:
    """The revocation's labels, lot by lot: those it revoked, or for a reinstated one, those
    its target held when it was made."""
    if revocation.reinstated_at is None:
        condition = Label.revocation_id == revocation.id
    else:
        ref = _ref(revocation)
        if ref is None:
            return []
        condition = label_filter(reg.session, revocation.target, ref) & (
            Label.issued_at <= revocation.created_at
        )
    rows = reg.session.execute(
        select(Label.lot_id, Label.serial, Label.number).where(condition).order_by(Label.lot_id, Label.number)
    ).all()
    one_by_one = revocation.target in (RevocationTarget.LABEL, RevocationTarget.RANGE)
    found = []
    for lot_id, group in itertools.groupby(rows, key=lambda r: int(r[0])):
        labels = [(int(r[1]), int(r[2])) for r in group]
        lot, _product = reg.lot(lot_id)
        found.append(Revoked(revocation.id, lot, len(labels), labels if one_by_one else None))
    return found


def revocations(
    reg: Registry, ctx: Context, q: EventQuery, lots: set[int] | None
) -> Iterator[tuple[PageKey, Event]]:
    if not (_allows(q, vocab.REVOKED) or _allows(q, vocab.RECALLED)):
        return

    def build(bound: tuple[datetime, int] | None) -> Any:
        statement = _timed(select(Revocation), Revocation.created_at, q)
        if lots is not None:
            hit = select(Label.revocation_id).where(Label.lot_id.in_(lots), Label.revocation_id.is_not(None))
            statement = statement.where(or_(Revocation.id.in_(hit), Revocation.reinstated_at.is_not(None)))
        if bound is not None:
            statement = statement.where(_after(Revocation.created_at, Revocation.id, bound))
        return statement.order_by(Revocation.created_at, Revocation.id)

    for revocation in _batches(reg, build, lambda r: (r.created_at, r.id), _start(q.after, REVOCATION)):
        for revoked in _revoked(reg, revocation):
            if lots is None or revoked.lot.lot_id in lots:
                yield (
                    PageKey(revocation.created_at, REVOCATION, (revocation.id, revoked.lot.lot_id)),
                    revocation_event(
                        ctx,
                        revoked,
                        at=revocation.created_at,
                        reason=revocation.reason,
                        reinstated_at=revocation.reinstated_at,
                    ),
                )
