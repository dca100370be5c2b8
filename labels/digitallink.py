"""GS1 Digital Link URIs for trade items: build one, and read the element strings in a path.

Pure and small on purpose: the label form (:mod:`labels.linkcode`), the resolver
(``verify_web.public.gs1``) and EPCIS identifiers (``https://HOST/01/{GTIN}/10/{lot}``) all use it.
The rules are GS1 Digital Link URI syntax 1.x and the GS1 General Specifications:

- the primary key is the GTIN (AI 01), 14 digits with a mod-10 check digit (GTIN-8, -12 and -13
  are accepted and left-padded with zeros, as the standard allows);
- key qualifiers follow it in the order 22 (consumer product variant), 10 (lot), 21 (serial),
  each at most once;
- AI 22, 10 and 21 hold 1 to 20 characters of GS1 AI encodable character set 82, percent-encoded
  where a URI path needs it.

Other primary keys (GLN, SSCC…) are recognised as GS1 keys this service does not resolve.
:mod:`biip` reads the same URIs (the tests compare both); this module exists because the
verifier needs GS1's rules as distinct reasons and at the cost of a regular expression, not a
full barcode parser (docs/label-code.md §9).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote, unquote

from .exc import LabelError

GTIN = "01"
QUALIFIERS = ("22", "10", "21")  # in the order GS1 requires
# Primary keys of GS1 Digital Link other than the GTIN: valid syntax, not resolved here.
OTHER_KEYS = frozenset(
    {"00", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006", "8010", "8013", "8017", "8018"}
)
MAX_QUALIFIER = 20
# GS1 AI encodable character set 82 (General Specifications, figure 7.11-1).
_CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")
_GTIN_DIGITS = re.compile(r"[0-9]{8}|[0-9]{12,14}")
# Written unencoded in a path segment: RFC 3986 pchar minus what GS1 DL asks to encode.
_PATH_SAFE = "!&'()*+,-.:;=_"
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class LinkProblem(StrEnum):
    """Why a path is not a valid GS1 Digital Link for a trade item. Stable: shown by the resolver."""

    NOT_A_LINK = "not_a_link"  # no GS1 primary key in the path
    OTHER_KEY = "other_key"  # a valid GS1 key that is not a GTIN
    CHECK_DIGIT = "check_digit"
    BAD_GTIN = "bad_gtin"  # not 8, 12, 13 or 14 digits
    QUALIFIER_ORDER = "qualifier_order"  # 22, 10, 21 out of order or repeated
    UNKNOWN_AI = "unknown_ai"  # a path element that is not a key qualifier of AI 01
    BAD_VALUE = "bad_value"  # a qualifier value outside character set 82 or longer than 20


class LinkError(LabelError, ValueError):
    """A path is not a valid GS1 Digital Link for a trade item; ``problem`` says which rule."""

    def __init__(self, problem: LinkProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class ItemLink:
    """The element strings of a trade item's Digital Link path, decoded. ``prefix`` is the number
    of path segments before ``/01/`` (a custom path, allowed by GS1 and judged by the caller)."""

    gtin: str
    cpv: str | None = None
    lot: str | None = None
    serial: str | None = None
    prefix: int = 0


def gtin_check_digit(body: str) -> str:
    """Return the GS1 mod-10 check digit of the digits ``body`` (a GTIN without its last digit)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str(-total % 10)


def normalize_gtin(text: str) -> str:
    """Return ``text`` as a GTIN-14 (8, 12 or 13 digits are left-padded with zeros).

    Raises :class:`LinkError` (``bad_gtin``, ``check_digit``).
    """
    if not _GTIN_DIGITS.fullmatch(text):
        raise LinkError(LinkProblem.BAD_GTIN, "a GTIN has 8, 12, 13 or 14 digits")
    gtin = text.zfill(14)
    if gtin_check_digit(gtin[:13]) != gtin[13]:
        raise LinkError(
            LinkProblem.CHECK_DIGIT, f"the GTIN check digit should be {gtin_check_digit(gtin[:13])}"
        )
    return gtin


def build(base_url: str, gtin: str, *, lot: str | None = None, serial: str | None = None) -> str:
    """Return the Digital Link URI ``{base_url}/01/{GTIN-14}[/10/{lot}][/21/{serial}]``.

    Raises :class:`LinkError` for a GTIN or value that GS1's rules refuse.
    """
    path = f"{base_url}/{GTIN}/{normalize_gtin(gtin)}"
    for ai, value in (("10", lot), ("21", serial)):
        if value is not None:
            path += f"/{ai}/{quote(check_value(ai, value), safe=_PATH_SAFE)}"
    return path


def parse_uri(uri: str) -> ItemLink:
    """Return the trade item a Digital Link URI names (``https://HOST/01/{GTIN}/10/{lot}``,
    ``…/21/{serial}``; the host and any query are not judged here, as EPCIS identifiers need).

    Raises :class:`LinkError` for a URI that is not a GS1 Digital Link of a trade item.
    """
    scheme, _, rest = uri.partition("://")
    if scheme.lower() not in ("http", "https") or not rest:
        raise LinkError(LinkProblem.NOT_A_LINK, "a Digital Link URI is an http(s) URI")
    path = rest.partition("?")[0].partition("#")[0]
    return parse_path(path.split("/")[1:])


def parse_path(segments: list[str]) -> ItemLink:
    """Return the trade item named by a URI path's segments (percent-encoded, as in the URI).

    The first segment equal to ``01`` or another GS1 primary key starts the GS1 part.
    Raises :class:`LinkError` for anything GS1's rules refuse (see :class:`LinkProblem`).
    """
    start = next((i for i, s in enumerate(segments) if s == GTIN or s in OTHER_KEYS), None)
    if start is None:
        raise LinkError(LinkProblem.NOT_A_LINK, "the path has no GS1 primary key")
    if segments[start] != GTIN:
        raise LinkError(LinkProblem.OTHER_KEY, f"GS1 key AI {segments[start]} is not resolved here")
    pairs = segments[start:]
    if len(pairs) % 2:
        raise LinkError(LinkProblem.UNKNOWN_AI, "every GS1 element in the path is an AI and a value")
    gtin = normalize_gtin(_decoded(pairs[1]))
    values: dict[str, str] = {}
    last = -1
    for i in range(2, len(pairs), 2):
        ai = pairs[i]
        if ai not in QUALIFIERS:
            raise LinkError(LinkProblem.UNKNOWN_AI, f"AI {ai[:8]!r} is not a key qualifier of a GTIN")
        if QUALIFIERS.index(ai) <= last:
            raise LinkError(
                LinkProblem.QUALIFIER_ORDER, "key qualifiers go in the order 22, 10, 21, once each"
            )
        last = QUALIFIERS.index(ai)
        values[ai] = check_value(ai, _decoded(pairs[i + 1]))
    return ItemLink(gtin, values.get("22"), values.get("10"), values.get("21"), prefix=start)


def check_value(ai: str, value: str) -> str:
    """Return ``value`` if AI 22, 10 or 21 may hold it. Raises :class:`LinkError` (``bad_value``)."""
    if not _CSET82.fullmatch(value):
        raise LinkError(
            LinkProblem.BAD_VALUE,
            f"AI {ai} holds 1 to {MAX_QUALIFIER} characters of GS1 character set 82",
        )
    return value


def _decoded(segment: str) -> str:
    """A path element percent-decoded as UTF-8. A ``%`` not followed by two hex digits, or bytes
    that are not UTF-8, break it (as JavaScript's ``decodeURIComponent`` sees it too)."""
    if _BAD_ESCAPE.search(segment):
        raise LinkError(LinkProblem.BAD_VALUE, "a path element has a % that is not an escape")
    try:
        return unquote(segment, errors="strict")
    except UnicodeDecodeError:
        raise LinkError(LinkProblem.BAD_VALUE, "a path element is not percent-encoded UTF-8") from None
