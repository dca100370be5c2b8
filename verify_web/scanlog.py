"""Recording human verifications: who is a human, what device family, and a keyed rotating
hash of the source instead of the IP. Rows go to :mod:`.scanwriter`, which writes them in
batches off the request path and never drops one."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, request

from labels import Verdict
from traceability.services import scans

from . import db
from .scanwriter import ScanWriter

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


def is_human_request() -> bool:
    """False for HEAD, prefetches and known crawler or link-preview user agents."""
    if request.method == "HEAD":
        return False
    purpose = request.headers.get("Sec-Purpose", "") + request.headers.get("Purpose", "")
    if "prefetch" in purpose.lower():
        return False
    return not _NOT_HUMAN.search(request.headers.get("User-Agent", ""))


def device_family(user_agent: str) -> str | None:
    """Return a coarse device family ("Android", "iPhone", …) or ``None`` if unknown."""
    lowered = user_agent.lower()
    for needle, family in _DEVICES:
        if needle in lowered:
            return family
    return None


def source_hash() -> str:
    """A keyed hash of the client address that rotates daily: distinct sources can be counted
    within a day, but no raw IP is stored and yesterday's hashes cannot be linked to today's."""
    address = request.remote_addr or "unknown"
    day = datetime.now(UTC).strftime("%Y%m%d").encode()
    key = hashlib.blake2b(current_app.config["SECRET_KEY"].encode() + day, digest_size=32).digest()
    return hashlib.blake2b(address.encode(), key=key, digest_size=16).hexdigest()


def writer(app: Flask) -> ScanWriter:
    """The app's scan writer (one queue and thread per worker process)."""
    found: ScanWriter | None = app.extensions.get("ocop.scanwriter")
    if found is None:
        found = app.extensions.setdefault("ocop.scanwriter", ScanWriter(app.extensions["ocop.engine"]))
    return found


def today() -> date:
    """Today's date where the programme runs (certificates end on a Vietnamese calendar day)."""
    return datetime.now(ZoneInfo(current_app.config["OCOP_TIMEZONE"])).date()


def observe(
    verdict: Verdict, *, channel: str, area: str | None = None, record: bool = True
) -> scans.ScanHistory | None:
    """Record this verification if a person asked for it, and return the label's scan history
    (``None`` when the code names no known label). ``record=False`` only reads the history."""
    session = db.session()
    facts = verdict.facts
    human = record and is_human_request()
    source = source_hash() if human else None
    history = (
        scans.scan_history(
            session, facts.label_id, current_source=source, current_area=area, count_current=human
        )
        if facts is not None
        else None
    )
    if human:
        serial = verdict.payload.serial if verdict.payload else (facts.serial if facts else None)
        writer(current_app).submit(
            scans.scan_row(
                serial=serial,
                label_id=facts.label_id if facts else None,
                verdict=verdict.status.value,
                channel=channel,
                area=area,
                device=device_family(request.headers.get("User-Agent", "")),
                source_hash=source,
            )
        )
    return history
