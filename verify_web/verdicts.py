"""Verdicts with a per-worker cache that is never stale.

:func:`labels.verify_scan` stays the one judge; this module only remembers its answers. Each
request first reads the registry version (one small indexed query); a changed version, a
reloaded key set or a new day drops the cache, so a revocation made anywhere shows on the very
next request of every worker.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from flask import current_app, g

from keys import Keyring
from labels import Verdict, verify_scan, verify_short_code
from traceability.models import LotEvent
from traceability.services import lots
from traceability.services.registry_version import registry_version

from . import db, scanlog

MAX_ENTRIES = 20_000


@dataclass
class _Cache:
    stamp: tuple[object, ...] = ()
    keyring: Keyring | None = None
    verdicts: OrderedDict[tuple[str, str, str | None], Verdict] = field(default_factory=OrderedDict)
    events: dict[int, Sequence[LotEvent]] = field(default_factory=dict)


def _cache() -> tuple[_Cache, Keyring, date]:
    if "ocop_verdict_cache" in g:  # checked once per request
        checked: tuple[_Cache, Keyring, date] = g.ocop_verdict_cache
        return checked
    keyring: Keyring = current_app.extensions["ocop.keystore"].keyring()
    today = scanlog.today()
    cache: _Cache = current_app.extensions.setdefault("ocop.verdicts", _Cache())
    stamp = (registry_version(db.session()), today)
    if stamp != cache.stamp or keyring is not cache.keyring:
        cache.stamp, cache.keyring = stamp, keyring
        cache.verdicts.clear()
        cache.events.clear()
    g.ocop_verdict_cache = (cache, keyring, today)
    return cache, keyring, today


def _remember(cache: _Cache, key: tuple[str, str, str | None], verdict: Verdict) -> Verdict:
    if verdict.payload is None and verdict.facts is None:
        return verdict  # junk and forgeries are cheap to judge again; keep them out of memory
    cache.verdicts[key] = verdict
    if len(cache.verdicts) > MAX_ENTRIES:
        cache.verdicts.popitem(last=False)
    return verdict


def scan(text: str, *, our_base_url: str | None = None) -> Verdict:
    """The verdict for scanned text (see :func:`labels.verify_scan`), cached while valid."""
    cache, keyring, today = _cache()
    key = ("scan", text, our_base_url)
    hit = cache.verdicts.get(key)
    if hit is not None:
        return hit
    verdict = verify_scan(text, keyring=keyring, today=today, session=db.session(), our_base_url=our_base_url)
    return _remember(cache, key, verdict)


def short_code(text: str) -> Verdict:
    """The verdict for a typed short code (see :func:`labels.verify_short_code`), cached."""
    cache, keyring, today = _cache()
    key = ("short", text, None)
    hit = cache.verdicts.get(key)
    if hit is not None:
        return hit
    return _remember(cache, key, verify_short_code(text, session=db.session(), keyring=keyring, today=today))


def lot_events(lot_id: int) -> Sequence[LotEvent]:
    """The lot's journey, cached under the same registry version as the verdicts."""
    cache, _keyring, _today = _cache()
    if lot_id not in cache.events:
        # Loaded rows stay readable once their session closes (expire_on_commit is off).
        cache.events[lot_id] = lots.events(db.session(), lot_id)
    return cache.events[lot_id]
