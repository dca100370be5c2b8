"""What a partner may capture, checked without the database: an EPCISDocument valid under
the official schema, of ObjectEvents with action OBSERVE and bizStep ``shipping`` or
``receiving``, naming our lots (``quantityList``) or labels (``epcList``), at a time that has
passed. Everything captured is public, as the journey on the scan page is, so fields that
carry business documents or parties (``bizTransactionList``, ``sourceList``,
``destinationList``) and extensions are refused rather than published."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..enums import EventKind
from ..exc import CaptureRejected
from . import schema, vocab

MAX_EVENTS = 1000
# A partner's clock may run a little ahead of ours.
CLOCK_SKEW = timedelta(minutes=5)
ACCEPTED_FIELDS = frozenset(
    {
        "type",
        "eventTime",
        "eventTimeZoneOffset",
        "eventID",
        "recordTime",  # ignored: the repository that captures an event sets it
        "action",
        "bizStep",
        "disposition",
        "epcList",
        "quantityList",
        "readPoint",
        "bizLocation",
    }
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One event that passed the checks: its journey kind, time, identifiers (instance-level
    and class-level) and the event to store (without ``recordTime``)."""

    index: int
    kind: EventKind
    at: datetime
    epcs: tuple[str, ...]
    classes: tuple[str, ...]
    event: dict[str, Any]


def _event_problems(index: int, event: Mapping[str, Any], now: datetime) -> list[str]:
    where = f"epcisBody/eventList/{index}"
    found = [
        f"{where}/{name}: not accepted (captured events are public; see docs/epcis.md)"
        for name in sorted(set(event) - ACCEPTED_FIELDS)
    ]
    if event.get("type") != "ObjectEvent":
        found.append(f"{where}/type: only ObjectEvents are captured")
    if event.get("action") != "OBSERVE":
        found.append(f"{where}/action: must be OBSERVE")
    if vocab.bare(str(event.get("bizStep", "")), vocab.BIZSTEP_PREFIXES) not in vocab.CAPTURE_STEPS:
        found.append(f"{where}/bizStep: must be one of {', '.join(vocab.CAPTURE_STEPS)}")
    if not event.get("epcList") and not event.get("quantityList"):
        found.append(f"{where}: name the lot (quantityList) or labels (epcList)")
    try:
        at = datetime.fromisoformat(event["eventTime"]).astimezone(UTC)
    except OverflowError:  # an offset that moves the time before year 1 or past 9999
        found.append(f"{where}/eventTime: out of range")
    else:
        if at > now + CLOCK_SKEW:
            found.append(f"{where}/eventTime: in the future")
    if len(str(event.get("eventID", ""))) > 200:
        found.append(f"{where}/eventID: longer than 200 characters")
    return found


def check(document: object, *, now: datetime) -> list[Candidate]:
    """Return the document's events ready to store.

    Raises :class:`CaptureRejected` listing every problem found (schema first).
    """
    problems = schema.problems(document)
    if problems:
        raise CaptureRejected(problems)
    assert isinstance(document, dict)  # the schema requires an object
    if document.get("type") != "EPCISDocument":
        raise CaptureRejected(["type: send an EPCISDocument"])
    events = document["epcisBody"]["eventList"]
    if not 1 <= len(events) <= MAX_EVENTS:
        raise CaptureRejected([f"epcisBody/eventList: 1 to {MAX_EVENTS} events"])
    for index, event in enumerate(events):
        problems.extend(_event_problems(index, event, now))
    ids = [e["eventID"] for e in events if "eventID" in e]
    if len(ids) != len(set(ids)):
        problems.append("epcisBody/eventList: an eventID appears twice")
    if problems:
        raise CaptureRejected(problems[: schema.MAX_PROBLEMS])
    return [
        Candidate(
            index=index,
            kind=vocab.CAPTURE_STEPS[vocab.bare(event["bizStep"], vocab.BIZSTEP_PREFIXES)],
            at=datetime.fromisoformat(event["eventTime"]),
            epcs=tuple(event.get("epcList", ())),
            classes=tuple(q["epcClass"] for q in event.get("quantityList", ())),
            event={
                **{k: v for k, v in event.items() if k != "recordTime"},
                "bizStep": vocab.bare(event["bizStep"], vocab.BIZSTEP_PREFIXES),
            },
        )
        for index, event in enumerate(events)
    ]
