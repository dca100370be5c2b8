"""Step 1 of verification (docs/label-code.md §4.1): scanned text → where it points, and the
digit string that should hold the code.

The URL form is read with the WHATWG URL rules that browsers use (the Ada parser, the one
inside Node.js), so the address we judge is the address a phone would open: a backslash, a
user name before ``@``, another port or another host all show up as they would in a browser.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import unquote

import ada_url

from .digitallink import GTIN, LinkError, parse_path
from .exc import DecodeError, Reason
from .linkcode import BEST_BEFORE_AI, SIGNATURE_PARAM, LinkFields

# Removed from both ends before anything else; nothing else is. Scanners end lines with CR/LF
# or TAB, GS1 scanners emit GS (U+001D), pasted text brings NO-BREAK SPACE and a BOM.
WHITESPACE = "\t\n\x0b\x0c\r\x1d \xa0\ufeff"
MAX_TEXT = 512  # Unicode code points of the input as received, before stripping
SCHEMES = ("http", "https")
MARKS = ("V", "v")
_DIGITS = re.compile(r"[0-9]+")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_SURROGATE = re.compile("[\ud800-\udfff]")
# The query of a GS1-form label (docs/label-code.md §9.2): AI 17 if printed, then the signature.
_LINK_QUERY = re.compile(rf"(?:{BEST_BEFORE_AI}=([^&]*)&)?{SIGNATURE_PARAM}=([^&]*)")
_YYMMDD = re.compile(r"[0-9]{2}(?:0[1-9]|1[0-2])(?:0[0-9]|[12][0-9]|3[01])")


@dataclass(frozen=True, slots=True)
class Address:
    """Where a URL-form scan points, as a browser sees it.

    ``base`` is the WHATWG serialisation of the URL up to the ``/V/`` (e.g.
    ``https://xacthuc.ocop.vn``, or ``http://evil.example/@xacthuc.ocop.vn`` for a backslash
    trick); ``host`` is the WHATWG host (name plus a non-default port), ``hostname`` the name the
    browser connects to.
    """

    base: str
    host: str
    hostname: str
    userinfo: bool
    path_prefix: bool

    def is_ours(self, our_host: str) -> bool:
        """True if a browser opening this address reaches the label page of ``our_host``: no
        user name or password, the same WHATWG host (so the same port), nothing before ``/V/``."""
        return not self.userinfo and not self.path_prefix and self.host == our_host


@dataclass(frozen=True, slots=True)
class ScannedText:
    """Scanned text split into its address (``None`` for bare digits) and the digit string;
    ``link`` holds the path's fields for the GS1 form (``None`` for the ``/V/`` form)."""

    address: Address | None
    digits: str
    link: LinkFields | None = None


def split(text: object) -> ScannedText:
    """Return the address and digit string of scanned ``text``.

    Raises :class:`DecodeError` with ``not_a_label``, ``too_long``, ``empty`` or ``bad_scheme``
    (checked in that order, see docs/label-code.md §4.1), or ``bad_link`` for a GS1 Digital Link
    that breaks GS1's rules (§9.2); never any other exception.
    """
    if not isinstance(text, str):
        raise DecodeError(Reason.NOT_A_LABEL, "the scanned content is not text")
    if len(text) > MAX_TEXT:
        raise DecodeError(Reason.TOO_LONG, f"the scanned text is longer than {MAX_TEXT} characters")
    text = text.strip(WHITESPACE)
    if not text:
        raise DecodeError(Reason.EMPTY, "the scanned text is empty")
    if _DIGITS.fullmatch(text):
        return ScannedText(None, text)
    scheme = _SCHEME.match(text)
    if scheme is None:
        raise DecodeError(Reason.NOT_A_LABEL, "this is not an OCOP label code")
    if scheme.group(1).lower() not in SCHEMES:
        raise DecodeError(Reason.BAD_SCHEME, f"a label code is an http(s) address, not {scheme.group(1)}:")
    if "#" in text:
        raise DecodeError(Reason.NOT_A_LABEL, "nothing may follow the code (no fragment)")
    if _SURROGATE.search(text):
        raise DecodeError(Reason.NOT_A_LABEL, "the text is not valid Unicode (an unpaired surrogate)")
    try:
        href = str(ada_url.URL(text).href)
    except ValueError:
        raise DecodeError(Reason.NOT_A_LABEL, "this is not a valid web address") from None
    # The WHATWG serialisation of an http(s) URL is "scheme://[userinfo@]host/path?query" with
    # "/" and "@" percent-encoded inside the user info: reading it back is exact, and reading one
    # string from the parser costs a fraction of reading each part.
    authority, _, rest = href.partition("://")[2].partition("/")
    path, question, query = rest.partition("?")
    raw = path.split("/")
    segments = [_percent_decoded(s) for s in raw]
    if GTIN in raw and not any(s in MARKS for s in segments):
        return _link_form(href, authority, raw, query if question else None)
    if "?" in text:
        raise DecodeError(Reason.NOT_A_LABEL, "nothing may follow the code (no query)")
    if len(segments) < 2 or segments[-2] not in MARKS or any(s in MARKS for s in segments[:-2]):
        raise DecodeError(Reason.NOT_A_LABEL, "a label address ends in /V/ and the code, once")
    base = href[: href.rindex("/", 0, href.rindex("/"))]
    return ScannedText(_address(authority, base, len(segments) > 2), segments[-1])


def _address(authority: str, base: str, path_prefix: bool) -> Address:
    host = authority.rpartition("@")[2]
    return Address(
        base=base,
        host=host,
        hostname=host[: host.index("]") + 1] if host.startswith("[") else host.partition(":")[0],
        userinfo="@" in authority,
        path_prefix=path_prefix,
    )


def _link_form(href: str, authority: str, raw: list[str], query: str | None) -> ScannedText:
    """The GS1 form (docs/label-code.md §9.2): a Digital Link path naming a GTIN, lot and
    serial, and a query with the signature digits."""
    try:
        item = parse_path(raw)
    except LinkError as e:
        raise DecodeError(Reason.BAD_LINK, str(e)) from e
    if item.lot is None or item.serial is None or item.cpv is not None or query is None:
        raise DecodeError(
            Reason.NOT_A_LABEL, "a GS1 label names a GTIN, a lot and a serial, then its signature"
        )
    match = _LINK_QUERY.fullmatch(query)
    if match is None or (match[1] is not None and not _YYMMDD.fullmatch(match[1])):
        raise DecodeError(Reason.BAD_LINK, "the query of a GS1 label is [17=YYMMDD&]s=digits")
    scheme_end = href.index("://") + 3
    base = href[: scheme_end + len(authority)] + "".join(f"/{s}" for s in raw[: item.prefix])
    return ScannedText(
        _address(authority, base, item.prefix > 0),
        _percent_decoded(match[2]),
        LinkFields(item.gtin, item.lot, item.serial, match[1]),
    )


def _percent_decoded(segment: str) -> str:
    """A path segment as the site's router sees it: percent-decoded as UTF-8 (``%30`` is ``0``,
    ``%56`` is ``V``), or left as it is if it does not decode."""
    if "%" not in segment:
        return segment
    try:
        return unquote(segment, errors="strict")
    except UnicodeDecodeError:
        return segment


@functools.lru_cache(maxsize=16)
def host_of(base_url: str) -> str:
    """Return the WHATWG host of a base URL (lower case, default port dropped).

    Raises ``ValueError`` if it is not a URL.
    """
    return str(ada_url.URL(base_url).host)
