"""The verify path's read of a label its worker has not judged yet: the label's facts, its
scan history columns and the registry version, in one statement on the driver's cursor.

Before, this first verification of a label took three statements through an ORM session
(the registry version, :func:`.labels.label_facts`, the scan history) and the session's
commit. One statement is one round trip (what counts on PostgreSQL) and one snapshot: the
facts are exactly those of the version read with them, so a cache keyed on that version
holds no verdict older than its key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from ..prepared import PreparedRead
from .labels import FACTS, FACTS_WIDTH, LabelFacts, facts_from_row
from .registry_version import NEWEST_ID, RECENT_COUNT
from .scans import HISTORY_COLUMNS

_READ = PreparedRead(FACTS.add_columns(*HISTORY_COLUMNS, NEWEST_ID, RECENT_COUNT))
_HISTORY_END = FACTS_WIDTH + len(HISTORY_COLUMNS)


@dataclass(frozen=True, slots=True)
class LabelRead:
    """A label's facts, its :data:`.scans.HISTORY_COLUMNS` row (for
    :func:`.scans.history_from_row`) and the registry version they were read at."""

    facts: LabelFacts
    history: tuple[Any, ...]
    version: tuple[int, int]


def read_label(connection: Connection, serial: int) -> LabelRead | None:
    """Return what the registry holds about the label with ``serial``, or ``None`` if there is
    none. ``connection`` must be in autocommit mode (see :mod:`traceability.prepared`).

    Raises :class:`ValueError` for another connection and
    :class:`sqlalchemy.exc.DBAPIError` for a driver error."""
    row = _READ.first(connection, {"serial": serial})
    if row is None:
        return None
    newest, recent = row[_HISTORY_END:]
    return LabelRead(
        facts_from_row(row),
        tuple(row[FACTS_WIDTH:_HISTORY_END]),
        (int(newest or 0), int(recent)),
    )
