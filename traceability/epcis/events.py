"""Registry records as EPCIS 2.0 ObjectEvents (JSON-LD dictionaries), and the documents that
carry them. Every function is pure: the caller reads the rows."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from .. import places, provinces
from ..enums import EventKind, RevocationReason
from ..exc import ValidationError
from . import identifiers, vocab
from .identifiers import LotName

Event = dict[str, Any]
EXTENSION_PREFIX = "ocop"


@dataclass(frozen=True, slots=True)
class Context:
    """Where identifiers live (:func:`identifiers.origin` of ``OCOP_BASE_URL``) and the zone
    event times are written in (``OCOP_TIMEZONE``)."""

    host: str
    zone: tzinfo

    def context(self) -> list[Any]:
        """Return the ``@context``: EPCIS 2.0's, and our prefix for extension fields."""
        return [vocab.CONTEXT_URL, {EXTENSION_PREFIX: f"{self.host}/epcis/voc/"}]

    def time(self, moment: datetime) -> str:
        """Return ``moment`` in the zone, ISO 8601 with milliseconds and its offset."""
        return moment.astimezone(self.zone).isoformat(timespec="milliseconds")

    def offset(self, moment: datetime) -> str:
        """Return the zone's offset at ``moment`` as ``+07:00``."""
        return moment.astimezone(self.zone).isoformat()[-6:]


@functools.cache
def _codes() -> dict[str, int]:
    return {name: code for code, name in places.names().items()}


def province_of(place: str | None) -> int | None:
    """Return the code of the province a journey place names in one of its comma-separated
    parts ("Hạ Long, Quảng Ninh" -> 22), the last one first; ``None`` if none does."""
    for part in reversed((place or "").split(",")):
        try:
            return _codes()[provinces.canonical(part)]
        except ValidationError:
            continue
    return None


def _base(ctx: Context, source: str, at: datetime, recorded: datetime, step: vocab.Step) -> Event:
    event: Event = {
        "type": "ObjectEvent",
        "eventTime": ctx.time(at),
        "eventTimeZoneOffset": ctx.offset(at),
        "recordTime": ctx.time(recorded),
        "eventID": identifiers.event_id(ctx.host, source),
        "action": step.action,
        "bizStep": step.biz_step,
    }
    if step.disposition is not None:
        event["disposition"] = step.disposition
    return event


def _certified(ctx: Context, event: Event, certification_id: int | None) -> Event:
    if certification_id is not None:
        event["certificationInfo"] = identifiers.certification_uri(ctx.host, certification_id)
    return event


def journey_event(
    ctx: Context,
    *,
    event_row: int,
    lot: LotName,
    kind: EventKind,
    occurred_at: datetime,
    recorded_at: datetime,
    place: str | None,
    certification_id: int | None,
) -> Event:
    """Return a journey step as an ObjectEvent of the lot (class level, quantity unstated):
    the step's CBV values (:data:`vocab.JOURNEY`), the province the place names as readPoint
    and, unless in transit, bizLocation; the place text itself as ``ocop:place``."""
    step = vocab.JOURNEY[kind]
    event = _base(ctx, f"journey/{event_row}", occurred_at, recorded_at, step)
    event["quantityList"] = [{"epcClass": identifiers.lot_uri(ctx.host, lot)}]
    code = province_of(place)
    if code is not None:
        event["readPoint"] = {"id": identifiers.province_uri(ctx.host, code)}
        if step.disposition != "in_transit":
            event["bizLocation"] = {"id": identifiers.province_uri(ctx.host, code)}
    if place:
        event[f"{EXTENSION_PREFIX}:place"] = place
    event[f"{EXTENSION_PREFIX}:journeyStep"] = kind.value
    return _certified(ctx, event, certification_id)


def issue_event(
    ctx: Context,
    *,
    run: int,
    lot: LotName,
    at: datetime,
    count: int,
    first_number: int,
    certification_id: int,
) -> Event:
    """Return an issue run (labels numbered ``first_number`` on, ``count`` of them) as a
    ``commissioning`` ADD of that many labels of the lot, with the certificate they carry."""
    event = _base(ctx, f"issue/{run}", at, at, vocab.ISSUE)
    event["quantityList"] = [{"epcClass": identifiers.lot_uri(ctx.host, lot), "quantity": count}]
    event[f"{EXTENSION_PREFIX}:firstNumber"] = first_number
    event[f"{EXTENSION_PREFIX}:lastNumber"] = first_number + count - 1
    return _certified(ctx, event, certification_id)


@dataclass(frozen=True, slots=True)
class Revoked:
    """The labels of one lot hit by one revocation: ``labels`` lists (serial, number) when the
    revocation named labels one by one (a label or a number range), else ``None``."""

    revocation_id: int
    lot: LotName
    count: int
    labels: Sequence[tuple[int, int]] | None


def revocation_event(
    ctx: Context,
    revoked: Revoked,
    *,
    at: datetime,
    reason: RevocationReason,
    reinstated_at: datetime | None,
) -> Event:
    """Return a revocation's labels in one lot as a ``decommissioning`` DELETE (``recalled`` or
    ``inactive``): the labels themselves when named one by one, else their count in the lot.
    A reinstated revocation carries an ``errorDeclaration`` (``incorrect_data``) at the time
    it was reinstated."""
    source = f"revocation/{revoked.revocation_id}/lot/{revoked.lot.lot_id}"
    event = _base(ctx, source, at, at, vocab.revocation_step(reason))
    if revoked.labels is not None:
        event["epcList"] = [
            identifiers.label_uri(ctx.host, revoked.lot, serial=serial, number=number)
            for serial, number in revoked.labels
        ]
    else:
        event["quantityList"] = [
            {"epcClass": identifiers.lot_uri(ctx.host, revoked.lot), "quantity": revoked.count}
        ]
    event[f"{EXTENSION_PREFIX}:revocationReason"] = reason.value
    if reinstated_at is not None:
        event["errorDeclaration"] = {"declarationTime": ctx.time(reinstated_at), "reason": "incorrect_data"}
    return event


def captured_event(ctx: Context, stored: Event, *, recorded_at: datetime) -> Event:
    """Return a partner's event as it was captured, with the time we recorded it."""
    return {**stored, "recordTime": ctx.time(recorded_at)}


def document(ctx: Context, events: Sequence[Event], *, created: datetime) -> Event:
    """Return an EPCISDocument holding ``events``."""
    return {
        "@context": ctx.context(),
        "type": "EPCISDocument",
        "schemaVersion": vocab.SCHEMA_VERSION,
        "creationDate": ctx.time(created),
        "epcisBody": {"eventList": list(events)},
    }


def query_document(ctx: Context, events: Sequence[Event], *, created: datetime) -> Event:
    """Return the EPCISQueryDocument answering a SimpleEventQuery with ``events``."""
    return {
        "@context": ctx.context(),
        "type": "EPCISQueryDocument",
        "schemaVersion": vocab.SCHEMA_VERSION,
        "creationDate": ctx.time(created),
        "epcisBody": {
            "queryResults": {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": list(events)}}
        },
    }


@dataclass(frozen=True, slots=True)
class Certified:
    """What a ``certificationInfo`` URI names: one OCOP certification decision."""

    certification_id: int
    number: str
    stars: int
    level: str
    issued_on: date
    valid_until: date
    withdrawn_on: date | None
    product: str


def certification(ctx: Context, facts: Certified) -> Event:
    """Return a certification as GS1 Web Vocabulary ``gs1:CertificationDetails`` (JSON-LD)."""
    return {
        "@context": {"gs1": "https://gs1.org/voc/", EXTENSION_PREFIX: f"{ctx.host}/epcis/voc/"},
        "@id": identifiers.certification_uri(ctx.host, facts.certification_id),
        "@type": "gs1:CertificationDetails",
        "gs1:certificationStandard": "OCOP (Quyết định 148/QĐ-TTg)",
        "gs1:certificationAgency": f"Hội đồng đánh giá OCOP cấp {LEVELS[facts.level]}",
        "gs1:certificationIdentification": facts.number,
        "gs1:certificationValue": f"{facts.stars} sao",
        "gs1:certificationStartDate": facts.issued_on.isoformat(),
        "gs1:certificationEndDate": (facts.withdrawn_on or facts.valid_until).isoformat(),
        "gs1:certificationStatus": "WITHDRAWN" if facts.withdrawn_on else "ACTIVE",
        f"{EXTENSION_PREFIX}:product": facts.product,
    }


# The council that rates 3, 4 and 5 stars (traceability.enums.IssuingLevel), in Vietnamese.
LEVELS = {"district": "huyện", "province": "tỉnh", "central": "trung ương"}


def location(ctx: Context, code: int) -> Event | None:
    """Return a province location (JSON-LD), or ``None`` for a code that names none."""
    name = places.names().get(code)
    if name is None:
        return None
    return {
        "@context": {"gs1": "https://gs1.org/voc/"},
        "@id": identifiers.province_uri(ctx.host, code),
        "@type": "gs1:Place",
        "gs1:address": {"@type": "gs1:PostalAddress", "gs1:addressRegion": name, "gs1:countryCode": "VN"},
    }
