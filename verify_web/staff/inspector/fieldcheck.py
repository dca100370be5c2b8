"""The inspectors' field check: reading a label photo on the server with zxing-cpp (no
third-party requests, no browser library), and the headline each checked content gets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import zxingcpp
from sqlalchemy.orm import Session

from keys import Keyring
from labels import Reason
from traceability.services import label_scans
from traceability.services.label_scans import ScanHistory
from usecases.verify import Status, Verdict, verify_scan
from verify_web.core import photos
from verify_web.errors import PhotoError

FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_SIDE = 65_535  # zxing-cpp refuses wider or taller images (ValueError)


def qr_texts(data: bytes) -> list[str]:
    """Return the text of every QR code in the image ``data``.

    Raises :class:`PhotoError` with ``kind`` ``not_image`` or ``no_code``.
    """
    try:
        # Greyscale is all zxing-cpp reads; a JPEG decodes straight to it (a third the memory).
        grey = photos.decode(data, mode="L", formats=FORMATS)
    except PhotoError as e:
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
    # The label parser reads the address as a phone's browser would (docs/label-code.md §4.1):
    # another host, port or user is foreign_domain, a scheme other than http(s) bad_scheme.
    foreign = verdict.foreign_domain or verdict.reason == Reason.BAD_SCHEME
    if foreign and verdict.status is not Status.INVALID:
        state = "foreign_domain"
    elif history is not None and history.clone_suspected and verdict.status is Status.GENUINE:
        state = "clone_suspected"
    else:
        state = verdict.status.value
    return FieldResult(raw, verdict, history, foreign, state)


def check_all(
    texts: list[str], *, session: Session, keyring: Keyring, today: date, our_base_url: str
) -> list[FieldResult]:
    """Verify each QR content (:func:`usecases.verify.verify_scan`) and head it for the field
    check, with the scan history of each label we know (read only: the check records no scan)."""
    results = []
    for text in texts:
        verdict = verify_scan(text, keyring=keyring, today=today, session=session, our_base_url=our_base_url)
        history = label_scans.scan_history(session, verdict.facts.label_id) if verdict.facts else None
        results.append(field_result(text, verdict, history, our_base_url=our_base_url))
    return results
