"""The registry's EPCIS events, read for the query interface and a lot's history: the journey
(with partners' captured events), issue runs and revocations (:mod:`.epcis_sources`), merged in
event-time order. Events are mapped on the fly by :mod:`traceability.epcis.events`, so they
always show the registry as it is."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..epcis import identifiers
from ..epcis.events import Certified, Context, Event
from ..epcis.identifiers import LabelRef, LotRef
from ..epcis.query import EPC_PARAMETERS, EventQuery, PageKey
from ..exc import NotFound
from ..models import Certification, Label, Lot, Product
from .epcis_sources import Registry, issues, journey, revocations


@dataclass(frozen=True, slots=True)
class Page:
    """One page of query results and the token of the next one (``None``: the last page)."""

    events: list[Event]
    next_token: str | None


_MAX_DB_ID = 2**31 - 1
_MAX_SERIAL = 2**63 - 1


def _lot_of(session: Session, ref: LotRef | LabelRef | None) -> int | None:
    """The id of the lot an identifier names (for a label: its lot), or ``None``."""
    if isinstance(ref, LabelRef):
        lot_id = _lot_of(session, ref.lot)
        if ref.serial is None or lot_id is None:
            return lot_id
        if ref.serial > _MAX_SERIAL:
            return None
        return (
            lot_id
            if session.scalar(select(Label.lot_id).where(Label.serial == ref.serial)) == lot_id
            else None
        )
    if ref is None:
        return None
    if ref.lot_id is not None:
        exists = ref.lot_id <= _MAX_DB_ID and session.get(Lot, ref.lot_id) is not None
        return ref.lot_id if exists else None
    return session.scalar(select(Lot.id).join(Product).where(Product.gtin == ref.gtin, Lot.code == ref.code))


def lot_of(session: Session, host: str, uri: str) -> int | None:
    """Return the id of the lot one of our identifiers names (a label's lot for a label), or
    ``None`` when it names none of ours."""
    return _lot_of(session, identifiers.parse(host, uri))


def _named_lots(session: Session, host: str, q: EventQuery) -> set[int] | None:
    """The lots the EPC parameters can match (``None``: no such parameter)."""
    lots: set[int] | None = None
    for name in EPC_PARAMETERS:
        if name in q.lists:
            found = {i for uri in q.lists[name] if (i := lot_of(session, host, uri)) is not None}
            lots = found if lots is None else lots & found
    return lots


def _merged(
    session: Session, ctx: Context, q: EventQuery, lots: set[int] | None
) -> Iterator[tuple[PageKey, Event]]:
    reg = Registry(session, batch=q.per_page + 1)
    sources: Iterable[Iterator[tuple[PageKey, Event]]] = (
        source(reg, ctx, q, lots) for source in (journey, issues, revocations)
    )
    for key, event in heapq.merge(*sources, key=lambda pair: pair[0]):
        if (q.after is None or key > q.after) and q.matches(event):
            yield key, event


def query_events(session: Session, ctx: Context, q: EventQuery) -> Page:
    """Return the page of events matching ``q``, oldest first (then journey, issue,
    revocation at one instant), and the token of the next page."""
    lots = _named_lots(session, ctx.host, q)
    if lots is not None and not lots:
        return Page([], None)
    found = list(itertools.islice(_merged(session, ctx, q, lots), q.per_page + 1))
    more = len(found) > q.per_page
    page = found[: q.per_page]
    return Page([event for _key, event in page], page[-1][0].token() if more else None)


def lot_history(session: Session, ctx: Context, lot_id: int) -> list[Event]:
    """Return every event of the lot, oldest first. Raises :class:`NotFound`."""
    if lot_id > _MAX_DB_ID or session.get(Lot, lot_id) is None:
        raise NotFound("lot", lot_id)
    return [event for _key, event in _merged(session, ctx, EventQuery(), {lot_id})]


def certification(session: Session, certification_id: int) -> Certified:
    """Return what a ``certificationInfo`` URI names. Raises :class:`NotFound`."""
    found = session.get(Certification, certification_id) if certification_id <= _MAX_DB_ID else None
    if found is None:
        raise NotFound("certification", certification_id)
    return Certified(
        certification_id=found.id,
        number=found.number,
        stars=found.stars,
        level=found.level.value,
        issued_on=found.issued_on,
        valid_until=found.valid_until,
        withdrawn_on=found.withdrawn_on,
        product=found.product.name,
    )
