"""The verify path's read of a label its worker has not judged yet: the label's facts, its
scan history columns and the registry version, in one statement on the driver's cursor.

Before, this first verification of a label took three statements through an ORM session
(the registry version, :func:`.labels.label_facts`, the scan history) and the session's
commit. One statement is one round trip (what counts on PostgreSQL) and one snapshot: the
facts are exactly those of the version read with them, so a cache keyed on that version
holds no verdict older than its key.

**The lot's part, kept per version** (:class:`LotParts`). Most of a label's facts are its
lot's, product's, producer's and certification's, the same for every label of the lot. With
a :class:`LotParts` the read is the label's own row (with its revocation, its history and the
version) and the rest comes from the part kept for its lot and certification, if that part
was read at the same registry version; otherwise (first label of a lot, or the version
moved) the whole one-statement read runs as before and its part is kept. Every registry
change moves the version, so a part read at the version of the label's row is the part that
row's snapshot would have joined: the facts are the same as the one-statement read's (tested,
``tests/traceability/test_verify_read.py``).

Measured (2026-12-01, shared 2-core machine, 1,000 labels of one lot read in turn, per read;
``bench/bench_verify_inprocess.py`` gives the whole-request figures): PostgreSQL 15 client
CPU 123–143 µs and server CPU 120 µs for the six-table read, against ~70 µs and ~55 µs for the
label's own row (two tables, 20 columns instead of 45: fewer relations to lock and open, fewer
values to load); SQLite 29–31 µs against ~15 µs.

Limits: a worker keeps at most :data:`MAX_LOT_PARTS` parts (then starts over); a part costs a
second statement the first time its lot is met at a version, so traffic over many lots with
one label each would pay two reads instead of one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, select, text

from ..models import Label, Revocation
from ..prepared import PreparedRead
from .label_scans import HISTORY_COLUMNS
from .labels import FACTS, FACTS_WIDTH, LabelFacts, facts_from_row
from .registry_version import VERSION, as_version

_PROBE = FACTS.add_columns(*HISTORY_COLUMNS, VERSION)
_READ = PreparedRead(_PROBE)
_HISTORY_END = FACTS_WIDTH + len(HISTORY_COLUMNS)

# FACTS' columns in order: the label's 8, its revocation's 5, the lot part's 22, the digest.
_OWN, _REVOKED_END, _PART_END = 8, 13, 35
_LABEL_ROW = PreparedRead(
    select(
        *FACTS.selected_columns[:_REVOKED_END],
        Label.code_digest,
        Label.lot_id,
        Label.certification_id,
        *HISTORY_COLUMNS,
        VERSION,
    )
    .select_from(Label)
    .outerjoin(Revocation, Label.revocation_id == Revocation.id)
    .where(Label.serial == bindparam("serial"))
)
_ROW_HISTORY = _REVOKED_END + 3  # where the history columns start in _LABEL_ROW
MAX_LOT_PARTS = 1000


@dataclass(frozen=True, slots=True)
class LabelRead:
    """A label's facts, its :data:`.label_scans.HISTORY_COLUMNS` row (for
    :func:`.label_scans.history_from_row`) and the registry version they were read at."""

    facts: LabelFacts
    history: tuple[Any, ...]
    version: int


@dataclass
class LotParts:
    """The lot part of label facts, per (lot, certification), all read at one registry
    version; a worker keeps one (not thread-safe: one per thread, or under the GIL for
    single dictionary operations as here)."""

    version: int | None = None
    parts: dict[tuple[int, int], tuple[Any, ...]] = field(default_factory=dict)

    def get(self, key: tuple[int, int], version: int) -> tuple[Any, ...] | None:
        return self.parts.get(key) if version == self.version else None

    def keep(self, key: tuple[int, int], version: int, part: tuple[Any, ...]) -> None:
        if version != self.version or len(self.parts) >= MAX_LOT_PARTS:
            self.version = version
            self.parts.clear()
        self.parts[key] = part


def read_label(connection: Connection, serial: int, lots: LotParts | None = None) -> LabelRead | None:
    """Return what the registry holds about the label with ``serial``, or ``None`` if there is
    none; with ``lots``, its lot part is taken from there when it was read at the same version
    (and kept there when it is read). ``connection`` must be in autocommit mode (see
    :mod:`traceability.prepared`).

    Raises :class:`ValueError` for another connection and
    :class:`sqlalchemy.exc.DBAPIError` for a driver error."""
    if lots is not None and lots.version is not None:
        own = _LABEL_ROW.first(connection, {"serial": serial})
        if own is None:
            return None
        version = as_version(own[-1])
        key = (own[_REVOKED_END + 1], own[_REVOKED_END + 2])
        part = lots.get(key, version)
        if part is not None:
            joined = (*own[:_REVOKED_END], *part, own[_REVOKED_END])
            return LabelRead(facts_from_row(joined), tuple(own[_ROW_HISTORY:-1]), version)
    row = _READ.first(connection, {"serial": serial})
    if row is None:
        return None
    read = LabelRead(facts_from_row(row), tuple(row[FACTS_WIDTH:_HISTORY_END]), as_version(row[_HISTORY_END]))
    if lots is not None:
        key = (read.facts.lot_id, read.facts.certification_id)
        lots.keep(key, read.version, tuple(row[_REVOKED_END:_PART_END]))
    return read


def probe(connection: Connection, *, lock_wait_ms: int) -> None:
    """Run the whole verify read for a serial no label has, in ``connection``'s transaction
    (the caller's): it returns once every table a verification reads could be read, a check
    that a server that takes connections can answer verifications too. On PostgreSQL a lock
    held against those reads (a migration, a restore, ``VACUUM FULL``) is waited for at most
    ``lock_wait_ms`` (``SET LOCAL lock_timeout``), so a check does not sit in the lock's queue
    holding a connection. Raises the driver's errors, as SQLAlchemy's
    (``OperationalError`` for the lock)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SET LOCAL lock_timeout = {int(lock_wait_ms)}"))
    connection.execute(_PROBE, {"serial": -1}).first()
