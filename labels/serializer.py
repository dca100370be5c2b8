"""The text form of a label code: a URL that any phone camera opens.

``{BASE}/V/{191 digits}`` with ``BASE`` a lower-case scheme and the upper-case host, e.g.
``https://XACTHUC.OCOP.VN/V/0123…``. Android opens only a lower-case scheme as a link; the
upper-case host and ``/V/`` stay in the QR alphanumeric set and the digits go in a numeric
segment, which fits QR version 6 at level M for a base URL of up to 28 characters (29 for the
``http://`` of a local demo). Labels printed before with ``HTTPS://`` verify the same.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

import ada_url

from keys import Keyring, PublicKey

from .encoding import bytes_to_digits, digit_width, digits_to_bytes
from .exc import BaseURLError
from .payload import LabelPayload
from .qr import V6_M_DATA_BITS, data_bits
from .scanned import Address, split
from .signer import CODE_SIZE, SigningKey, open_code, sign

CODE_DIGITS = digit_width(CODE_SIZE)  # 191
PATH_MARK = "/V/"
# Longest base URLs whose QR content still fits version 6-M (see docs/label-code.md §3.1).
MAX_BASE_URL = {"https": 28, "http": 29}
_QR_ALNUM = re.compile(r"[0-9A-Z.\-:]+")


def normalize_base_url(url: str) -> str:
    """Return the base URL as it is written into codes: lower-case scheme, upper-case host
    (and port), no trailing slash, e.g. ``https://XACTHUC.OCOP.VN``.

    Raises :class:`BaseURLError` if it is not an https URL with only a host (``http`` only for a
    loopback demo host), uses characters outside the QR alphanumeric set, or is too long for
    QR version 6-M.
    """
    stripped = url.strip().rstrip("/")
    try:
        parts = ada_url.URL(stripped)
    except ValueError as e:
        raise BaseURLError(url, "not a URL") from e
    scheme = parts.protocol.rstrip(":")
    if scheme not in MAX_BASE_URL or not parts.hostname:
        raise BaseURLError(url, "must be an https:// URL with a host name")
    if parts.username or parts.password or parts.search or parts.hash or parts.pathname != "/":
        raise BaseURLError(url, "must be the scheme and host only (no path, query or user name)")
    if "?" in stripped or "#" in stripped:
        raise BaseURLError(url, "must not have a query or fragment")
    if scheme == "http" and not _loopback(parts.hostname):
        raise BaseURLError(url, "http:// is only for a local demo on this machine; use https://")
    written = stripped[len(scheme) + 3 :].upper() if stripped.lower().startswith(f"{scheme}://") else ""
    if not (written.isascii() and _QR_ALNUM.fullmatch(written)):
        raise BaseURLError(url, "may use only letters, digits and . - : after the scheme (QR alphanumeric)")
    host = parts.host.upper()
    base = f"{scheme}://{host}"
    if data_bits(scheme, f"://{host}{PATH_MARK}", CODE_DIGITS) > V6_M_DATA_BITS:
        raise BaseURLError(
            url, f"is {len(base)} characters; at most {MAX_BASE_URL[scheme]} keep the QR at version 6"
        )
    return base


def _loopback(hostname: str) -> bool:
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class ScannedCode:
    """The parts of a scanned text: where it points (``None`` for bare digits) and the code."""

    address: Address | None
    code: bytes

    @property
    def base_url(self) -> str | None:
        """The scanned URL before ``/V/``, as a browser serialises it (``None`` for bare digits)."""
        return self.address.base if self.address else None


def parse(text: object) -> ScannedCode:
    """Split scanned text into its address and 79-byte code, checking form only.

    Accepts the URL form (any host; whether it is ours is the caller's question) or the bare
    digits (docs/label-code.md §4.1 and §4.2). Raises :class:`DecodeError` for anything else,
    including non-strings, and never any other exception.
    """
    scanned = split(text)
    return ScannedCode(address=scanned.address, code=digits_to_bytes(scanned.digits, CODE_SIZE))


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
