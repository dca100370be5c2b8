"""The inspectors' field check: reading a label photo on the server with zxing-cpp (no
third-party requests, no browser library), and the headline each checked content gets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

import zxingcpp
from sqlalchemy.orm import Session

from keys import Keyring
from labels import Status, Verdict, Warning, verify_scan
from traceability.services import scans
from traceability.services.scans import ScanHistory

from . import photos

FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_SIDE = 65_535  # zxing-cpp refuses wider or taller images (ValueError)


class PhotoError(Exception):
    """The upload is not a readable image, or holds no QR code. ``kind`` says which."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def qr_texts(data: bytes) -> list[str]:
    """Return the text of every QR code in the image ``data``.

    Raises :class:`PhotoError` with ``kind`` ``not_image`` or ``no_code``.
    """
    try:
        # Greyscale is all zxing-cpp reads; a JPEG decodes straight to it (a third the memory).
        grey = photos.decode(data, mode="L", formats=FORMATS)
    except photos.PhotoError as e:
        raise PhotoError("not_image") from e
    if max(grey.size) > MAX_SIDE:
        raise PhotoError("not_image")
    try:
        results = zxingcpp.read_barcodes(grey)
    except ValueError:  # an image zxing-cpp cannot take (the size bound above covers the known one)
        raise PhotoError("not_image") from None
    found = [r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode and r.text]
    if not found:
        raise PhotoError("no_code")
    return found


@dataclass(frozen=True, slots=True)
class FieldResult:
    """One checked QR content as the field check shows it. ``foreign`` is true if the content
    would open another site than ours. ``state`` is the headline:

    - ``foreign_domain``: a code we signed, under another site (never "genuine", whatever the
      signature says: the phone would open the other site, a likely phishing copy);
    - ``clone_suspected``: a genuine label whose scan history shows a clone signal;
    - otherwise the verdict's status (``genuine``, ``expired``, ``revoked``, ``invalid``).
    """

    raw: str
    verdict: Verdict
    history: ScanHistory | None
    foreign: bool
    state: str


def field_result(
    raw: str, verdict: Verdict, history: ScanHistory | None, *, our_base_url: str
) -> FieldResult:
    """Return how the field check heads ``verdict`` (and the label's ``history``) for ``raw``."""
    foreign = Warning.FOREIGN_DOMAIN in verdict.warnings or points_elsewhere(raw, our_base_url)
    if foreign and verdict.status is not Status.INVALID:
        state = "foreign_domain"
    elif history is not None and history.clone_suspected and verdict.status is Status.GENUINE:
        state = "clone_suspected"
    else:
        state = verdict.status.value
    return FieldResult(raw, verdict, history, foreign, state)


def points_elsewhere(raw: str, our_base_url: str) -> bool:
    """True if ``raw`` is a URL that a phone would open on another site than ours: a scheme
    other than http/https, userinfo (``@``) or a backslash in the address part, or another
    host or port. Bare digits point nowhere (False).

    The label parser judges the same things (``foreign_domain``); the field check, whose job is
    the raw content, asks again so a parser that lets one through never heads it "genuine".
    """
    text = raw.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        return ":" in text.split("/", 1)[0]  # "javascript:…", "mailto:…": a scheme, not digits
    if scheme.lower() not in ("http", "https"):
        return True
    authority = rest.split("/", 1)[0]
    if "@" in authority or "\\" in authority:
        return True
    ours = urlsplit(our_base_url.lower())
    try:
        theirs = urlsplit(f"{scheme.lower()}://{authority.lower()}")
        return (theirs.hostname, theirs.port) != (ours.hostname, ours.port)
    except ValueError:
        return True


def check_all(
    texts: list[str], *, session: Session, keyring: Keyring, today: date, our_base_url: str
) -> list[FieldResult]:
    """Verify each QR content (:func:`labels.verify_scan`) and head it for the field check,
    with the scan history of each label we know (read only: the check records no scan)."""
    results = []
    for text in texts:
        verdict = verify_scan(text, keyring=keyring, today=today, session=session, our_base_url=our_base_url)
        history = scans.scan_history(session, verdict.facts.label_id) if verdict.facts else None
        results.append(field_result(text, verdict, history, our_base_url=our_base_url))
    return results
