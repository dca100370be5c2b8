"""Verdicts and scan history for the verify routes, with a per-worker cache that is never stale.

:func:`usecases.verify.verify_scan` stays the one judge; this module only remembers its
answers, and the page fragments drawn from them. Every request reads the registry version (a
number that changes with every registry change, see
:mod:`traceability.services.registry_version`); a changed version, a reloaded key set or a new
day drops the cache, so a revocation made anywhere shows on the very next request of every
worker.

On the hot path — a label already judged by this worker — the version and the label's scan
history are read in one statement, so a repeat verification costs one database round trip.
The first verification of a label in a worker (the cold path, most of real traffic) reads the
label's facts, its history and the version in one statement too
(:mod:`traceability.services.verify_read`), with no ORM session.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from flask import g

from keys import Keyring
from traceability.models import LotEvent, utcnow
from traceability.services import label_scans, lots
from traceability.services.label_scans import ScanHistory
from traceability.services.labels import LabelFacts
from traceability.services.registry_version import read_version
from traceability.services.verify_read import LabelRead, LotParts, read_label
from usecases.verify import FactsLookup, Verdict, verify_scan, verify_short_code
from verify_web.core import clock, db
from verify_web.core.services import services
from verify_web.hotpath import scan_recorder as scanlog

MAX_ENTRIES = 20_000
MAX_FRAGMENTS = 2 * MAX_ENTRIES  # a page and a JSON body per verdict; both languages rarely
CacheKey = tuple[str, str, str | None]
T = TypeVar("T")
Judge = Callable[[Keyring, date, FactsLookup], Verdict]


@dataclass
class VerdictCache:
    version: int | None = None
    keyring: Keyring | None = None
    day: date | None = None
    verdicts: OrderedDict[CacheKey, Verdict] = field(default_factory=OrderedDict)
    events: dict[int, Sequence[LotEvent]] = field(default_factory=dict)
    fragments: dict[tuple[Hashable, str, str], object] = field(default_factory=dict)
    lots: LotParts = field(default_factory=LotParts)  # kept per version by itself

    def reset(self, version: int | None) -> None:
        self.version = version
        self.verdicts.clear()
        self.events.clear()
        self.fragments.clear()


@dataclass(frozen=True, slots=True)
class Checked:
    """A verdict, the label's scan history (``None`` for codes naming no known label), and the
    cache key under which page fragments of this verdict may be kept."""

    verdict: Verdict
    history: ScanHistory | None
    key: CacheKey


def _cache() -> tuple[VerdictCache, Keyring, date]:
    if "ocop_cache" in g:  # the key set and the day are looked at once per request
        found: tuple[VerdictCache, Keyring, date] = g.ocop_cache
        return found
    keyring: Keyring = services().keystore.keyring()
    today = clock.today()
    cache = services().verdicts
    if cache is None:
        cache = services().verdicts = VerdictCache()
    if keyring is not cache.keyring or today != cache.day:
        cache.keyring, cache.day = keyring, today
        cache.reset(None)
    g.ocop_cache = (cache, keyring, today)
    return cache, keyring, today


def _validated(cache: VerdictCache) -> None:
    """Read the registry version (once per request) and drop the cache if it moved."""
    if g.get("ocop_version_checked"):
        return
    with db.reading() as connection:
        _moved_to(cache, read_version(connection))


def _moved_to(cache: VerdictCache, version: int) -> None:
    """Note the version this request read; a new one drops everything judged before it."""
    if version != cache.version:
        cache.reset(version)
    g.ocop_version_checked = True


def _check(key: CacheKey, judge: Judge, seen: scanlog.Observation) -> Checked:
    cache, keyring, today = _cache()
    hit = cache.verdicts.get(key)
    if hit is not None and hit.facts is not None and cache.version is not None:
        with db.reading() as connection:
            found = label_scans.scan_history_and_version(
                connection,
                hit.facts.label_id,
                current_source=seen.source,
                count_current=seen.human,
            )
        if found is not None and found[1] == cache.version:
            g.ocop_version_checked = True
            return Checked(hit, found[0], key)
    with db.reading() as connection:
        reads: list[LabelRead] = []

        def lookup(serial: int) -> LabelFacts | None:
            read = read_label(connection, serial, cache.lots)
            if read is not None:
                reads.append(read)
            return read.facts if read is not None else None

        verdict = judge(keyring, today, lookup)
        if not reads or verdict.facts is None:  # no label: the version still decides what is kept
            _moved_to(cache, read_version(connection))
            return Checked(_remember(cache, key, verdict), None, key)
        read = reads[-1]
        _moved_to(cache, read.version)
        history = label_scans.history_from_row(
            connection,
            read.facts.label_id,
            read.history,
            utcnow(),
            seen.source,
            None,  # the area of a located check is named later (verify_web.public.locate)
            seen.human,
        )
    return Checked(_remember(cache, key, verdict), history, key)


def _remember(cache: VerdictCache, key: CacheKey, verdict: Verdict) -> Verdict:
    if verdict.payload is None and verdict.facts is None:
        return verdict  # junk and forgeries are cheap to judge again; keep them out of memory
    cache.verdicts[key] = verdict
    if len(cache.verdicts) > MAX_ENTRIES:
        cache.verdicts.popitem(last=False)
    return verdict


def scan(text: str, seen: scanlog.Observation, *, our_base_url: str | None = None) -> Checked:
    """The verdict for scanned text (see :func:`usecases.verify.verify_scan`) and the label's
    history."""

    def judge(keyring: Keyring, today: date, lookup: FactsLookup) -> Verdict:
        return verify_scan(
            text,
            keyring=keyring,
            today=today,
            lookup=lookup,
            digest_key=services().keystore.digest_key(),
            our_base_url=our_base_url,
        )

    return _check(("scan", text, our_base_url), judge, seen)


def short_code(text: str, seen: scanlog.Observation) -> Checked:
    """The verdict for a typed short code (see :func:`usecases.verify.verify_short_code`) and
    history."""

    def judge(keyring: Keyring, today: date, lookup: FactsLookup) -> Verdict:
        return verify_short_code(text, lookup=lookup, keyring=keyring, today=today)

    return _check(("short", text, None), judge, seen)


def with_fresh_history(checked: Checked, seen: scanlog.Observation) -> Checked:
    """The same verdict with the label's scan history read again (after a claim changed it)."""
    facts = checked.verdict.facts
    if facts is None:
        return checked
    history = label_scans.scan_history(
        db.session(),
        facts.label_id,
        current_source=seen.source,
        count_current=seen.human,
    )
    return Checked(checked.verdict, history, checked.key)


def lot_events(lot_id: int) -> Sequence[LotEvent]:
    """The lot's journey, cached under the same registry version as the verdicts."""
    cache, _keyring, _today = _cache()
    _validated(cache)
    if lot_id not in cache.events:
        # Loaded rows stay readable once their session closes (expire_on_commit is off).
        cache.events[lot_id] = lots.events(db.session(), lot_id)
    return cache.events[lot_id]


def fragment(
    checked: Checked, name: str, language: str, render: Callable[[], T], *, key: Hashable | None = None
) -> T:
    """Return what ``render`` draws (a page shell, a JSON body) in ``language``, drawing it once
    per registry version (and day, and key set). It is kept per verdict, or under ``key`` when
    the caller knows it depends on less than the whole verdict (shared by many labels)."""
    cache, _keyring, _today = _cache()
    _validated(cache)
    if key is None and checked.key not in cache.verdicts:
        return render()  # not cacheable (junk input): draw it every time
    slot = (checked.key if key is None else key, name, language)
    found: T | None = cache.fragments.get(slot)  # type: ignore[assignment]
    if found is None:
        if len(cache.fragments) >= MAX_FRAGMENTS:
            # Bounded like the verdicts: a worker that has drawn pages for more labels than
            # this since the last registry change starts over rather than grow without end.
            cache.fragments.clear()
        found = cache.fragments[slot] = render()
    return found
