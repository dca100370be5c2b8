"""The GS1 form of a label code (format version 2): a GS1 Digital Link URI whose query carries
the signature, for products with a GTIN (docs/label-code.md §9)::

    {BASE}/01/{GTIN-14}/10/{lot}/21/{serial}?17={YYMMDD}&s={171 digits}

The 171 digits are 71 bytes: the head (version ``0x02``, key id, rating and expiry: 7 bytes,
laid out as in version 1) and the Ed25519 signature over::

    "OCOP-LABEL-GS1\\x00" || head || GTIN-14 (14 ASCII digits) || serial (8 bytes, big-endian)
    || length of the lot (1 byte) || lot (ASCII) || best-before (6 ASCII digits, or nothing)

so the GTIN, lot, serial, stars, certificate end, key id and the printed best-before date are
all signed; the path carries the first three where a till reads them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from keys import BadSignature, KeyNotFound, Keyring, PublicKey

from .digitallink import LinkError, build, check_value, normalize_gtin
from .encoding import SHORT_CODE_BITS, bytes_to_digits, digit_width, short_code
from .exc import DecodeError, PayloadError, Reason, SignatureError
from .payload import EPOCH, MAX_DAYS, LabelPayload
from .qr import V8_M_DATA_BITS, optimal_bits
from .signer import SIGNATURE_SIZE, SigningKey, code_digest

LINK_VERSION = 2
HEAD_SIZE = 7
CARRIED_SIZE = HEAD_SIZE + SIGNATURE_SIZE  # 71 bytes in the query
LINK_DIGITS = digit_width(CARRIED_SIZE)  # 171
CONTEXT = b"OCOP-LABEL-GS1\x00"
SIGNATURE_PARAM = "s"
BEST_BEFORE_AI = "17"
_SERIAL = re.compile(r"0|[1-9][0-9]{0,18}")
_LONGEST_SERIAL = (1 << SHORT_CODE_BITS) - 1  # 19 digits


@dataclass(frozen=True, slots=True)
class LinkFields:
    """What the URI of a GS1-form label says outside its signature digits: the GTIN-14, the lot
    (AI 10) and serial (AI 21) as decoded from the path, and AI 17 (``YYMMDD``) if present."""

    gtin: str
    lot: str
    serial: str
    best_before: str | None = None


@dataclass(frozen=True, slots=True)
class LinkPayload:
    """What a GS1-form label code says on its own, readable offline (the fields of
    :class:`labels.payload.LabelPayload`, plus the GTIN, lot and printed best-before)."""

    kid: str
    serial: int
    stars: int
    certified_until: date
    gtin: str
    lot: str
    best_before: str | None = None  # AI 17 as printed, YYMMDD
    version: int = LINK_VERSION

    @property
    def short_code(self) -> str:
        """The serial in the form printed on the label for typing by hand."""
        return short_code(self.serial)

    def head(self) -> bytes:
        """Return the 7-byte head. Raises :class:`PayloadError` for a value the format can't hold."""
        body = LabelPayload(self.kid, self.serial, self.stars, self.certified_until).pack()
        return bytes([self.version]) + body[1:5] + body[13:15]

    def signed_body(self) -> bytes:
        """Return what the signature covers, after its context. Raises :class:`PayloadError`."""
        if self.version != LINK_VERSION:
            raise PayloadError("version", self.version, f"the GS1 form is version {LINK_VERSION}")
        try:
            gtin = normalize_gtin(self.gtin)
            lot = check_value("10", self.lot)
        except ValueError as e:
            raise PayloadError("gtin/lot", (self.gtin, self.lot), str(e)) from e
        if gtin != self.gtin:
            raise PayloadError("gtin", self.gtin, "must be written as 14 digits")
        best_before = self.best_before or ""
        if best_before and not re.fullmatch(r"[0-9]{6}", best_before):
            raise PayloadError("best_before", best_before, "AI 17 is YYMMDD")
        return (
            self.head()
            + gtin.encode()
            + self.serial.to_bytes(8, "big")
            + bytes([len(lot)])
            + lot.encode()
            + best_before.encode()
        )

    def fields(self) -> LinkFields:
        """Return the fields the URI writes outside the signature."""
        return LinkFields(self.gtin, self.lot, str(self.serial), self.best_before)


def unpack(carried: bytes, fields: LinkFields) -> LinkPayload:
    """Return the payload of the 71 bytes in the query and the URI's fields.

    Checks, in order: the version (``unsupported_version``), the star field and the serial
    (decimal without leading zeros, below 2^60), both ``bad_field``. Raises :class:`DecodeError`.
    """
    if len(carried) != CARRIED_SIZE:
        raise DecodeError(Reason.BAD_LENGTH, f"a GS1 label code carries {CARRIED_SIZE} bytes")
    if carried[0] != LINK_VERSION:
        raise DecodeError(Reason.UNSUPPORTED_VERSION, f"GS1 label code version {carried[0]} is not supported")
    packed = int.from_bytes(carried[5:7], "big")
    if packed >> 14 == 3:
        raise DecodeError(Reason.BAD_FIELD, "the star rating field is invalid")
    if not _SERIAL.fullmatch(fields.serial) or int(fields.serial) >> SHORT_CODE_BITS:
        raise DecodeError(Reason.BAD_FIELD, "the serial (AI 21) is not a label serial")
    return LinkPayload(
        kid=carried[1:5].hex(),
        serial=int(fields.serial),
        stars=(packed >> 14) + 3,
        certified_until=EPOCH + timedelta(days=packed & MAX_DAYS),
        gtin=fields.gtin,
        lot=fields.lot,
        best_before=fields.best_before,
    )


def sign(payload: LinkPayload, key: SigningKey) -> bytes:
    """Return the 71 bytes the query carries: the head and the signature.

    Raises :class:`PayloadError` for a value the format can't hold or another key's id.
    """
    if payload.kid != key.kid:
        raise PayloadError("kid", payload.kid, f"payload names key {payload.kid}, signer is {key.kid}")
    body = payload.signed_body()
    return body[:HEAD_SIZE] + key.sign(CONTEXT + body)


def digest_input(payload: LinkPayload, carried: bytes) -> bytes:
    """Return the bytes whose digest the registry keeps for this code (``code_digest``): all
    that is signed and the signature."""
    return payload.signed_body() + carried[HEAD_SIZE:]


def open_link(
    carried: bytes,
    fields: LinkFields,
    keyring: Keyring,
    *,
    issued: Callable[[LinkPayload], bool] | None = None,
) -> tuple[LinkPayload, PublicKey]:
    """Check a GS1-form code and return its payload and the key that signed it.

    ``issued``, if given, is called with the payload and vouches for it instead of the
    signature (as in :func:`labels.signer.open_code`). Raises :class:`DecodeError` or
    :class:`SignatureError`; the key's status is returned, not judged.
    """
    payload = unpack(carried, fields)
    try:
        body = payload.signed_body()
    except PayloadError as e:  # the path's values passed GS1's rules; this is only defensive
        raise DecodeError(Reason.BAD_FIELD, str(e)) from e
    try:
        if issued is not None and payload.kid in keyring and issued(payload):
            return payload, keyring.get(payload.kid)
        key = keyring.verify(payload.kid, CONTEXT + body, carried[HEAD_SIZE:])
    except KeyNotFound as e:
        raise SignatureError(Reason.UNKNOWN_KEY, payload.kid, f"signed by unknown key {payload.kid}") from e
    except BadSignature as e:
        raise SignatureError(
            Reason.BAD_SIGNATURE, payload.kid, "the signature does not match the code"
        ) from e
    return payload, key


def link_text(payload: LinkPayload, carried: bytes, base_url: str) -> str:
    """Return the QR text of a signed GS1-form code under a normalized base URL (upper-case
    host): the Digital Link path, AI 17 if the payload has it, then the signature digits."""
    uri = build(base_url, payload.gtin, lot=payload.lot, serial=str(payload.serial))
    query = f"{BEST_BEFORE_AI}={payload.best_before}&" if payload.best_before else ""
    return f"{uri}?{query}{SIGNATURE_PARAM}={bytes_to_digits(carried)}"


def best_before_ai(day: date) -> str:
    """Return a date as AI 17 writes it (``YYMMDD``)."""
    return day.strftime("%y%m%d")


@dataclass(frozen=True, slots=True)
class LinkTemplate:
    """What every GS1-form label of one lot shares: the GTIN-14, the lot and AI 17 (``YYMMDD``,
    ``None`` when not printed)."""

    gtin: str
    lot: str
    best_before: str | None

    def payload(self, kid: str, serial: int, stars: int, certified_until: date) -> LinkPayload:
        """Return one label's payload."""
        return LinkPayload(kid, serial, stars, certified_until, self.gtin, self.lot, self.best_before)

    def sign_labels(
        self,
        key: SigningKey,
        serials: list[int],
        stars: int,
        certified_until: date,
        base_url: str,
        digest_key: bytes | None,
    ) -> tuple[list[str], list[bytes | None]]:
        """Return the QR texts of the lot's labels with ``serials``, and with ``digest_key`` their
        code digests (:func:`labels.signer.code_digest`). Raises :class:`PayloadError`."""
        if not serials:
            return [], []
        # Everything but the serial is the same on every label of the lot: checked and laid out
        # once (the first label, in full), then only the serial's 8 bytes and digits change.
        first = self.payload(key.kid, serials[0], stars, certified_until)
        if first.kid != key.kid:
            raise PayloadError("kid", first.kid, f"payload names key {first.kid}, signer is {key.kid}")
        body = first.signed_body()
        head_gtin, tail = body[: HEAD_SIZE + 14], body[HEAD_SIZE + 22 :]
        text = link_text(first, bytes(CARRIED_SIZE), base_url)
        path_start = text.index("/21/") + 4
        query = text.index("?")  # a lot's own "?" is percent-encoded in the path
        before, after = text[:path_start], text[query : text.index(f"{SIGNATURE_PARAM}=", query) + 2]
        texts: list[str] = []
        digests: list[bytes | None] = []
        for serial in serials:
            if not 0 <= serial < 1 << SHORT_CODE_BITS:
                raise PayloadError("serial", serial, "must be a 60-bit non-negative integer")
            signed = head_gtin + serial.to_bytes(8, "big") + tail
            signature = key.sign(CONTEXT + signed)
            texts.append(f"{before}{serial}{after}{bytes_to_digits(body[:HEAD_SIZE] + signature)}")
            digests.append(code_digest(signed + signature, digest_key) if digest_key else None)
        return texts, digests


def link_template(base_url: str, gtin: str, lot: str, best_before: date | None) -> LinkTemplate:
    """Return the GS1 form of a lot's labels under a normalized base URL. AI 17 is printed when
    the lot has a best-before date and the QR still fits version 8-M with it (any serial).

    Raises :class:`PayloadError` if the GTIN or lot breaks GS1's rules (AI 10: 1 to 20
    characters of set 82) or the label would not fit version 8-M even without AI 17.
    """
    try:
        template = LinkTemplate(normalize_gtin(gtin), check_value("10", lot), None)
    except LinkError as e:
        raise PayloadError("lot", lot, str(e)) from e
    if best_before is not None:
        dated = LinkTemplate(template.gtin, template.lot, best_before_ai(best_before))
        if _fits(dated, base_url):
            return dated
    if not _fits(template, base_url):
        raise PayloadError("lot", lot, "too long for a GS1 label of QR version 8 at level M")
    return template


def _fits(template: LinkTemplate, base_url: str) -> bool:
    widest = template.payload("00000000", _LONGEST_SERIAL, 3, EPOCH)
    return optimal_bits(link_text(widest, bytes(CARRIED_SIZE), base_url)) <= V8_M_DATA_BITS
