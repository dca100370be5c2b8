"""EPCIS capture: a partner's document stored as journey events of its producer's lots, all
or nothing, in the caller's transaction, with one audit entry naming the capture."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import places
from ..epcis import capture, identifiers
from ..epcis.events import Context
from ..exc import CaptureRejected, NotFound, NotPartnersLot
from ..models import AuditEntry, Label, Lot, LotEvent, Partner, Product
from . import audit
from .epcis_events import lot_of

MAX_ID = 2**31 - 1  # label numbers are INTEGER columns


@dataclass(frozen=True, slots=True)
class Capture:
    """A finished capture: its id (the audit entry's), when, by whom, and the eventIDs stored."""

    capture_id: int
    at: datetime
    partner_id: int
    event_ids: list[str]


def _canonical(session: Session, ctx: Context, uri: str, lot_id: int) -> str:
    """The identifier as we write it, for a URI that names the lot ``lot_id`` or its label."""
    code, gtin = session.execute(select(Lot.code, Product.gtin).join(Product).where(Lot.id == lot_id)).one()
    lot = identifiers.LotName(lot_id, code, gtin)
    ref = identifiers.parse(ctx.host, uri)
    if isinstance(ref, identifiers.LabelRef):
        if (ref.number or 0) > MAX_ID:
            return ""
        label = session.execute(
            select(Label.serial, Label.number).where(
                Label.lot_id == lot_id,
                (Label.serial == ref.serial) if ref.serial is not None else (Label.number == ref.number),
            )
        ).first()
        return identifiers.label_uri(ctx.host, lot, serial=label[0], number=label[1]) if label else ""
    return identifiers.lot_uri(ctx.host, lot)


def _lot_for(
    session: Session, ctx: Context, partner: Partner, candidate: capture.Candidate
) -> tuple[int, list[str]]:
    """The one lot the event names, and its problems. Raises :class:`NotPartnersLot`."""
    where = f"epcisBody/eventList/{candidate.index}"
    problems, found = [], set()
    for field, uris in (("epcList", candidate.epcs), ("quantityList", candidate.classes)):
        for uri in uris:
            lot_id = lot_of(session, ctx.host, uri)
            is_label = isinstance(identifiers.parse(ctx.host, uri), identifiers.LabelRef)
            if lot_id is None or is_label != (field == "epcList"):
                kind = "label" if field == "epcList" else "lot"
                problems.append(f"{where}/{field}: {uri} is not one of our {kind} identifiers")
                continue
            owner = session.scalar(select(Product.producer_id).join(Lot).where(Lot.id == lot_id))
            if owner != partner.producer_id:
                raise NotPartnersLot(uri)
            canonical = _canonical(session, ctx, uri, lot_id)
            if canonical != uri:
                problems.append(f"{where}/{field}: write {uri} as {canonical or 'an issued label'}")
            found.add(lot_id)
    if len(found) > 1:
        problems.append(f"{where}: one lot per event")
    return (found.pop() if len(found) == 1 else 0), problems


def _place(ctx: Context, event: dict[str, object]) -> str | None:
    """The province a readPoint of ours names, as the journey shows places."""
    point = event.get("readPoint")
    prefix = f"{ctx.host}/epcis/locations/province/"
    uri = point.get("id", "") if isinstance(point, dict) else ""
    if isinstance(uri, str) and uri.startswith(prefix) and uri[len(prefix) :].isdigit():
        return places.name(uri[len(prefix) :])
    return None


def capture_document(
    session: Session, ctx: Context, *, partner: Partner, document: object, now: datetime
) -> Capture:
    """Store every event of ``document`` for ``partner`` and return the capture.

    Raises :class:`CaptureRejected` (schema, the capture rules of :mod:`traceability.epcis.capture`,
    identifiers that are not ours or not canonical, an eventID already captured) and
    :class:`NotPartnersLot` (a lot or label of another producer); nothing is stored then.
    """
    candidates = capture.check(document, now=now)
    problems: list[str] = []
    rows = []
    for candidate in candidates:
        lot_id, found = _lot_for(session, ctx, partner, candidate)
        problems.extend(found)
        event = dict(candidate.event)
        event.setdefault("eventID", f"urn:uuid:{uuid.uuid4()}")
        if session.scalar(select(LotEvent.id).where(LotEvent.epcis_id == event["eventID"])):
            problems.append(f"epcisBody/eventList/{candidate.index}/eventID: already captured")
        rows.append((lot_id, candidate, event))
    if problems:
        raise CaptureRejected(problems[:10])
    for lot_id, candidate, event in rows:
        session.add(
            LotEvent(
                lot_id=lot_id,
                kind=candidate.kind,
                occurred_at=candidate.at,
                place=_place(ctx, event),
                recorded_by=f"partner:{partner.name}"[:100],
                partner_id=partner.id,
                epcis_id=event["eventID"],
                epcis_event=event,
            )
        )
    ids = [event["eventID"] for _lot, _candidate, event in rows]
    entry = audit.record(
        session,
        actor=f"partner:{partner.name}"[:100],
        action="epcis.capture",
        entity="partner",
        entity_id=partner.id,
        summary=f"Partner {partner.name} captured {len(ids)} EPCIS events",
        detail={"count": len(ids), "event_ids": ids, "lots": sorted({lot for lot, _c, _e in rows})},
    )
    session.flush()
    return Capture(entry.id, entry.at, partner.id, ids)


def get_capture(session: Session, *, partner: Partner, capture_id: int) -> Capture:
    """Return one of the partner's captures. Raises :class:`NotFound` (also for another
    partner's capture: its existence is not the caller's business)."""
    entry = session.get(AuditEntry, capture_id) if capture_id < 2**31 else None
    if entry is None or entry.action != "epcis.capture" or entry.entity_id != str(partner.id):
        raise NotFound("capture", capture_id)
    return Capture(entry.id, entry.at, partner.id, list(entry.detail["event_ids"]))
