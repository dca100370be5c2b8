"""Recording human verifications: who is a human, what device family, and a keyed hash of
the source, rotating every 30 days, instead of the IP. Rows go to :mod:`.scanwriter`, which
writes them in batches off the request path and never drops one."""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app

from traceability.services import scans
from usecases.verify import Verdict
from verify_web.core import metrics
from verify_web.core.services import services
from verify_web.hotpath.scanwriter import ScanWriter

# Link previews and crawlers fetch the URL without a person looking at the product.
_NOT_HUMAN = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|whatsapp|telegram|zalo|skype|"
    r"embedly|headless|lighthouse|python-requests|go-http-client",
    re.IGNORECASE,
)
_DEVICES = (
    ("iphone", "iPhone"),
    ("ipad", "iPad"),
    ("android", "Android"),
    ("windows", "Windows"),
    ("macintosh", "Mac"),
    ("cros", "ChromeOS"),
    ("linux", "Linux"),
)


Environ = Mapping[str, Any]


# A phone's user agent is ~130 characters, and the crawler pattern searched it in ~21 µs
# (2026-12-04, shared 2-core machine; 6 µs for a 30-character one), about a seventh of what
# a hot JSON verification cost above /ping in process (~150 µs). Phones of a few hundred
# kinds send nearly all traffic, so each worker keeps the answer for the user agents it
# meets; a longer, odd one (up to the 8 KB gunicorn takes in a header) is searched every time
# rather than kept.
MAX_KEPT_AGENT = 512


@functools.lru_cache(maxsize=1024)
def _crawler(user_agent: str) -> bool:
    return _NOT_HUMAN.search(user_agent) is not None


def is_human_request(environ: Environ) -> bool:
    """False for HEAD, prefetches and known crawler or link-preview user agents. Read straight
    from the WSGI environ (``request.environ`` in a view): this runs on every scan, each
    ``request.headers`` lookup rebuilds the environ key, and the verify fast path
    (:mod:`verify_web.fastpath`) has no Flask request."""
    if environ.get("REQUEST_METHOD") == "HEAD":
        return False
    purpose = environ.get("HTTP_SEC_PURPOSE", "") + environ.get("HTTP_PURPOSE", "")
    if "prefetch" in purpose.lower():
        return False
    user_agent = environ.get("HTTP_USER_AGENT", "")
    if len(user_agent) > MAX_KEPT_AGENT:
        return not _NOT_HUMAN.search(user_agent)
    return not _crawler(user_agent)


@functools.lru_cache(maxsize=1024)  # a few hundred user agents make up nearly all traffic
def device_family(user_agent: str) -> str | None:
    """Return a coarse device family ("Android", "iPhone", …) or ``None`` if unknown."""
    lowered = user_agent.lower()
    for needle, family in _DEVICES:
        if needle in lowered:
            return family
    return None


def source_hash(environ: Environ, *, now: datetime | None = None) -> str:
    """A keyed hash of the client address whose key changes every
    :data:`~traceability.services.scans.SOURCE_PERIOD` (30 days): one network is one source
    for a month, so a label's distinct sources can be counted over the clone window, but no
    raw IP is stored and one period's hashes cannot be linked to the next's. ``now`` is the
    scan's time (by default the clock's)."""
    period = scans.source_period(now or datetime.now(UTC))
    # REMOTE_ADDR is the client's own address behind trusted proxies (see create_app's ProxyFix).
    return _source_hash(current_app.config["SECRET_KEY"], environ.get("REMOTE_ADDR"), period)


# Kept per worker for the networks it meets again (a shop's Wi-Fi, a carrier's NAT gateway
# serves many phones): parsing the address and the keyed hash are about a tenth of a hot JSON
# verification. Memory only, never written anywhere; a new period or secret is a new key.
@functools.lru_cache(maxsize=4096)
def _source_hash(secret: str, address: str | None, period: int) -> str:
    key = _period_key(secret, period)
    return hashlib.blake2b(network(address).encode(), key=key, digest_size=16).hexdigest()


def network(address: str | None) -> str:
    """Return the network a client address stands for: an IPv4 address itself (a home or
    shop behind NAT, a carrier's gateway), an IPv6 address's /64 (one home's or one phone's
    prefix: its devices pick new addresses within it every day, RFC 8981, so the full address
    would make one household many sources). Anything else is returned as given."""
    try:
        parsed = ipaddress.ip_address(address or "unknown")
    except ValueError:
        return address or "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


@functools.lru_cache(maxsize=4)
def _period_key(secret: str, period: int) -> bytes:
    return hashlib.blake2b(secret.encode() + b"period" + str(period).encode(), digest_size=32).digest()


def writer(app: Flask) -> ScanWriter:
    """The app's scan writer (one queue and thread per worker process)."""
    found: ScanWriter | None = services(app).scan_writer
    if found is None:
        found = services(app).scan_writer = ScanWriter(services(app).engine)
    return found


@dataclass(frozen=True, slots=True)
class Observation:
    """Who is asking: whether to count this as a human scan, its source, its device family,
    the area an API caller named (kept as a claim, never used for clone signals), and the
    scan's time."""

    human: bool
    source: str | None
    device: str | None
    claimed_area: str | None
    at: datetime


def observe(environ: Environ, *, claimed_area: str | None = None, record: bool = True) -> Observation:
    """Describe the request of WSGI ``environ`` for scan recording; ``record=False`` only reads
    the history. Returns the :class:`Observation`."""
    human = record and is_human_request(environ)
    at = datetime.now(UTC)
    return Observation(
        human=human,
        source=source_hash(environ, now=at) if human else None,
        device=device_family(environ.get("HTTP_USER_AGENT", "")) if human else None,
        claimed_area=claimed_area,
        at=at,
    )


def record(verdict: Verdict, seen: Observation, *, channel: str) -> None:
    """Queue this verification for the scans table if a person asked for it (at ``seen.at``,
    which a located check names later, see :mod:`.places`)."""
    metrics.verification(verdict.status.value, channel)
    if not seen.human:
        return
    facts = verdict.facts
    serial = verdict.payload.serial if verdict.payload else (facts.serial if facts else None)
    writer(current_app).submit(
        scans.scan_row(
            serial=serial,
            label_id=facts.label_id if facts else None,
            verdict=verdict.status.value,
            channel=channel,
            area=None,
            claimed_area=seen.claimed_area,
            device=seen.device,
            source_hash=seen.source,
            at=seen.at,
        )
    )
