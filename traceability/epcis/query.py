"""The parameters of EPCIS 2.0's SimpleEventQuery that ``GET /epcis/events`` supports, parsed
from a query string, and the test of one event against them. List values are separated by
``|`` (the EPCIS 2.0 REST binding); every parameter may appear once."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..exc import QueryParameterError
from . import vocab

DEFAULT_PER_PAGE = 100
MAX_RANK = 3  # sources of events (traceability.services.epcis_events)
MAX_PER_PAGE = 1000
MAX_VALUES = 100  # values in one list parameter
TIMES = ("GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime")
# Parameter -> the event field its values are compared with.
LISTS = {
    "eventType": "type",
    "EQ_action": "action",
    "EQ_bizStep": "bizStep",
    "EQ_disposition": "disposition",
    "EQ_readPoint": "readPoint",
    "EQ_bizLocation": "bizLocation",
    "EQ_eventID": "eventID",
    "MATCH_epc": "epcList",
    "MATCH_anyEPC": "epcList",  # an ObjectEvent's only instance-level list
    "MATCH_epcClass": "quantityList",
    "MATCH_anyEPCClass": "quantityList",
}
EPC_PARAMETERS = ("MATCH_epc", "MATCH_anyEPC", "MATCH_epcClass", "MATCH_anyEPCClass")
PAGING = ("perPage", "nextPageToken")
SUPPORTED = (*TIMES, *LISTS, *PAGING)


@dataclass(frozen=True, order=True, slots=True)
class PageKey:
    """Where a page ends: event time (UTC), the source's rank and the row's ids."""

    time: datetime
    rank: int
    ids: tuple[int, ...]

    def token(self) -> str:
        """Return the opaque ``nextPageToken`` naming this key."""
        raw = json.dumps([self.time.isoformat(), self.rank, list(self.ids)], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def from_token(cls, token: str) -> PageKey:
        """Return the key a token names. Raises :class:`QueryParameterError`."""
        try:
            raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            time, rank, ids = raw
            key = cls(datetime.fromisoformat(time).astimezone(UTC), int(rank), tuple(int(i) for i in ids))
        except (ValueError, TypeError, OverflowError, binascii.Error) as e:
            raise QueryParameterError("nextPageToken", "not a token this service issued") from e
        # Row ids are database integers: anything else cannot have come from us.
        if (
            not 0 <= key.rank < MAX_RANK
            or not 1 <= len(key.ids) <= 2
            or not all(0 < i < 2**31 for i in key.ids)
        ):
            raise QueryParameterError("nextPageToken", "not a token this service issued")
        return key


@dataclass(frozen=True, slots=True)
class EventQuery:
    """A parsed query: time bounds, value lists by parameter, page size and start."""

    times: Mapping[str, datetime] = field(default_factory=dict)
    lists: Mapping[str, frozenset[str]] = field(default_factory=dict)
    per_page: int = DEFAULT_PER_PAGE
    after: PageKey | None = None

    def matches(self, event: Mapping[str, Any]) -> bool:
        """Return whether ``event`` satisfies every parameter."""
        for name, moment in self.times.items():
            value = datetime.fromisoformat(event["eventTime" if "eventTime" in name else "recordTime"])
            if (value < moment) if name.startswith("GE_") else (value >= moment):
                return False
        return all(bool(_values(event, LISTS[name]) & wanted) for name, wanted in self.lists.items())


def _values(event: Mapping[str, Any], field_name: str) -> set[str]:
    value = event.get(field_name)
    if field_name == "quantityList":
        return {q["epcClass"] for q in value or ()}
    if field_name == "epcList":
        return set(value or ())
    if field_name in ("readPoint", "bizLocation"):
        return {value["id"]} if value else set()
    if field_name == "bizStep" and value:
        return {vocab.bare(value, vocab.BIZSTEP_PREFIXES)}
    if field_name == "disposition" and value:
        return {vocab.bare(value, vocab.DISPOSITION_PREFIXES)}
    return {value} if isinstance(value, str) else set()


def _time(name: str, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as e:
        raise QueryParameterError(name, "not an ISO 8601 date and time") from e
    if moment.tzinfo is None:
        raise QueryParameterError(name, "give the time zone (e.g. +07:00 or Z)")
    try:
        return moment.astimezone(UTC)
    except OverflowError as e:  # an offset that moves the time before year 1 or past 9999
        raise QueryParameterError(name, "out of range") from e


def _list(name: str, text: str) -> frozenset[str]:
    values = [v.strip() for v in text.split("|")]
    if not all(values):
        raise QueryParameterError(name, "empty value (separate values with |)")
    if len(values) > MAX_VALUES:
        raise QueryParameterError(name, f"at most {MAX_VALUES} values")
    if name == "EQ_bizStep":
        values = [vocab.bare(v, vocab.BIZSTEP_PREFIXES) for v in values]
    elif name == "EQ_disposition":
        values = [vocab.bare(v, vocab.DISPOSITION_PREFIXES) for v in values]
    return frozenset(values)


def _per_page(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_PER_PAGE:
        raise QueryParameterError("perPage", f"a whole number from 1 to {MAX_PER_PAGE}")
    return int(text)


def parse(arguments: Mapping[str, Sequence[str]]) -> EventQuery:
    """Return the query that ``arguments`` (each parameter with the values it was given) asks.

    Raises :class:`QueryParameterError` for an unknown or repeated parameter, a bad time, page
    size or page token, an empty list value, or GE_/LT_ bounds that leave no time.
    """
    times: dict[str, datetime] = {}
    lists: dict[str, frozenset[str]] = {}
    per_page, after = DEFAULT_PER_PAGE, None
    for name, given in arguments.items():
        if name not in SUPPORTED:
            raise QueryParameterError(name, "not a query parameter this service supports")
        if len(given) != 1:
            raise QueryParameterError(name, "give it once; separate several values with |")
        text = given[0]
        if len(text) > 20_000:
            raise QueryParameterError(name, "value too long")
        if name in TIMES:
            times[name] = _time(name, text)
        elif name in LISTS:
            lists[name] = _list(name, text)
        elif name == "perPage":
            per_page = _per_page(text)
        else:
            after = PageKey.from_token(text)
    for kind in ("eventTime", "recordTime"):
        low, high = times.get(f"GE_{kind}"), times.get(f"LT_{kind}")
        if low is not None and high is not None and low >= high:
            raise QueryParameterError(f"LT_{kind}", f"must be later than GE_{kind}")
    return EventQuery(times=times, lists=lists, per_page=per_page, after=after)
