"""The text form of a label code: a URL that any phone camera opens.

``{BASE}/V/{191 digits}`` with ``BASE`` in upper case, e.g.
``HTTPS://XACTHUC.OCOP.VN/V/0123…``. Upper case keeps the URL part in the QR alphanumeric
set and the digits go in a numeric segment; together that fits QR version 6 at level M for a
base URL of up to 33 characters. Host names are case-insensitive, and the verify site answers
``/V/`` as well as ``/v/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from keys import Keyring, PublicKey

from .encoding import bytes_to_digits, digit_width, digits_to_bytes
from .exc import BaseURLError, DecodeError, Reason
from .payload import LabelPayload
from .signer import CODE_SIZE, SigningKey, open_code, sign

CODE_DIGITS = digit_width(CODE_SIZE)  # 191
PATH_MARK = "/V/"
MAX_TEXT = 512
# Longest base URL whose QR content still fits version 6-M (see docs/label-code.md).
MAX_BASE_URL = 33
_QR_ALNUM = re.compile(r"[0-9A-Z $%*+\-./:]*")
_URL_FORM = re.compile(
    r"(?P<base>[A-Za-z][A-Za-z0-9+.\-]*://[^/?#\s]+(?:/[^?#\s]*?)?)/[Vv]/(?P<digits>[^/?#]*)"
)


def normalize_base_url(url: str) -> str:
    """Return the base URL as it is written into codes: upper case, no trailing slash.

    Raises :class:`BaseURLError` if it is not an http(s) URL with a host, has a query or
    fragment, uses characters outside the QR alphanumeric set, or is longer than 33 characters.
    """
    stripped = url.strip().rstrip("/")
    try:
        parts = urlsplit(stripped)
    except ValueError as e:
        raise BaseURLError(url, "not a URL") from e
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise BaseURLError(url, "must be an http:// or https:// URL with a host name")
    if parts.query or parts.fragment:
        raise BaseURLError(url, "must not have a query or fragment")
    upper = stripped.upper()
    if not _QR_ALNUM.fullmatch(upper):
        raise BaseURLError(url, "may use only letters, digits and . - : / (QR alphanumeric mode)")
    if len(upper) > MAX_BASE_URL:
        raise BaseURLError(
            url, f"is {len(upper)} characters; at most {MAX_BASE_URL} keep the QR at version 6"
        )
    return upper


@dataclass(frozen=True, slots=True)
class ScannedCode:
    """The parts of a scanned text: the site it points to (``None`` for bare digits) and the code."""

    base_url: str | None
    code: bytes


def parse(text: object) -> ScannedCode:
    """Split scanned text into its base URL and 79-byte code, checking form only.

    Accepts the full URL (any host; whether it is ours is the caller's question) or the bare
    digits. Leading and trailing white space is ignored. Raises :class:`DecodeError` for
    anything else, including non-strings, and never any other exception.
    """
    if not isinstance(text, str):
        raise DecodeError(Reason.NOT_A_LABEL, "the scanned content is not text")
    if len(text) > MAX_TEXT:
        raise DecodeError(Reason.TOO_LONG, f"the scanned text is longer than {MAX_TEXT} characters")
    text = text.strip()
    if not text:
        raise DecodeError(Reason.EMPTY, "the scanned text is empty")
    match = _URL_FORM.fullmatch(text)
    if match:
        base, digits = match.group("base"), match.group("digits")
    elif text.isascii() and text.isdigit():
        base, digits = None, text
    else:
        raise DecodeError(Reason.NOT_A_LABEL, "this is not an OCOP label code")
    return ScannedCode(base_url=base, code=digits_to_bytes(digits, CODE_SIZE))


class LabelSerializer:
    """Turns payloads into signed URLs and back, for one base URL and one key set."""

    def __init__(self, base_url: str, keyring: Keyring) -> None:
        self.base_url = normalize_base_url(base_url)
        self.keyring = keyring

    def dumps(self, payload: LabelPayload, key: SigningKey) -> str:
        """Return the signed label URL for ``payload``. Raises :class:`PayloadError`."""
        return code_to_text(sign(payload, key), self.base_url)

    def loads(self, text: object) -> tuple[LabelPayload, PublicKey, ScannedCode]:
        """Return the verified payload, its signing key and the parsed scan.

        Raises :class:`DecodeError` or :class:`SignatureError`; never anything else.
        """
        scanned = parse(text)
        payload, key = open_code(scanned.code, self.keyring)
        return payload, key, scanned


def code_to_text(code: bytes, base_url: str) -> str:
    """Return the QR text for a signed code under an already normalized base URL."""
    return f"{base_url}{PATH_MARK}{bytes_to_digits(code)}"
