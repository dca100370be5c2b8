"""EPCIS identifiers of lots, labels, places and certifications on our own host.

A product with a GTIN has GS1 Digital Link identifiers: a lot (class level) is
``https://host/01/{GTIN-14}/10/{lot}`` and a label (instance level)
``https://host/01/{GTIN-14}/10/{lot}/21/{serial}``. A product without a GTIN, or a lot code
that is not a valid AI 10 (up to 20 characters of GS1's CSET 82), cannot be named in GS1's
scheme; such a lot is ``https://host/epcis/lots/{id}`` (the address of its EPCIS history) and
its label ``https://host/epcis/lots/{id}/labels/{number}`` (the number printed on the label: the
signed code cannot be rebuilt without the signing key, and the serial is not printed).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

# GS1 General Specifications, AI 10 (batch/lot): 1-20 characters of CSET 82.
_AI10 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")
_GTIN14 = re.compile(r"[0-9]{14}")
_DL_LOT = re.compile(r"/01/([0-9]{14})/10/([^/]+)")
_DL_LABEL = re.compile(r"/01/([0-9]{14})/10/([^/]+)/21/([0-9]{1,20})")
_OUR_LOT = re.compile(r"/epcis/lots/([1-9][0-9]{0,17})")
_OUR_LABEL = re.compile(r"/epcis/lots/([1-9][0-9]{0,17})/labels/([1-9][0-9]{0,17})")


def origin(base_url: str) -> str:
    """Return ``scheme://host[:port]`` of ``base_url`` in lower case (GS1 Digital Link URIs are
    compared in that form; the QR may carry upper case for a smaller code)."""
    parts = urlsplit(base_url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def is_ai10(code: str) -> bool:
    """Return whether a lot code is a valid GS1 AI 10 value."""
    return _AI10.fullmatch(code) is not None


def uses_digital_link(gtin: str | None, lot_code: str) -> bool:
    """Return whether the lot is named with GS1 Digital Link (a GTIN-14 and a valid AI 10)."""
    return gtin is not None and _GTIN14.fullmatch(gtin) is not None and is_ai10(lot_code)


@dataclass(frozen=True, slots=True)
class LotName:
    """What names a lot: its id, code and the product's GTIN (``None`` without one)."""

    lot_id: int
    code: str
    gtin: str | None


def lot_uri(host: str, lot: LotName) -> str:
    """Return the lot's class-level identifier (see the module docstring)."""
    if uses_digital_link(lot.gtin, lot.code):
        return f"{host}/01/{lot.gtin}/10/{quote(lot.code, safe='')}"
    return f"{host}/epcis/lots/{lot.lot_id}"


def label_uri(host: str, lot: LotName, *, serial: int, number: int) -> str:
    """Return a label's instance-level identifier (see the module docstring)."""
    if uses_digital_link(lot.gtin, lot.code):
        return f"{lot_uri(host, lot)}/21/{serial}"
    return f"{host}/epcis/lots/{lot.lot_id}/labels/{number}"


def province_uri(host: str, code: int) -> str:
    """Return the location identifier of a province (its ``vietnam-provinces`` code)."""
    return f"{host}/epcis/locations/province/{code}"


def certification_uri(host: str, certification_id: int) -> str:
    """Return the identifier of an OCOP certification (``certificationInfo``)."""
    return f"{host}/epcis/certifications/{certification_id}"


def event_id(host: str, source: str) -> str:
    """Return the stable eventID of the registry row named ``source`` ("journey/12",
    "issue/830", "revocation/4/lot/7"): a name-based UUID (RFC 9562 version 5) of its URL."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{host}/epcis/events/{source}')}"


@dataclass(frozen=True, slots=True)
class LotRef:
    """A lot named by an identifier: by GTIN and code, or by id."""

    gtin: str | None = None
    code: str | None = None
    lot_id: int | None = None


@dataclass(frozen=True, slots=True)
class LabelRef:
    """A label named by an identifier: its lot and, for Digital Link, its serial; otherwise its
    number in the lot."""

    lot: LotRef
    serial: int | None = None
    number: int | None = None


def parse(host: str, uri: str) -> LotRef | LabelRef | None:
    """Return what one of our identifiers names, or ``None`` for anything else (another host, a
    query or fragment, an unknown path). Never raises."""
    parts = urlsplit(uri.strip())
    if f"{parts.scheme.lower()}://{parts.netloc.lower()}" != host or parts.query or parts.fragment:
        return None
    path = parts.path
    if found := _DL_LABEL.fullmatch(path):
        return LabelRef(LotRef(gtin=found[1], code=unquote(found[2])), serial=int(found[3]))
    if found := _DL_LOT.fullmatch(path):
        return LotRef(gtin=found[1], code=unquote(found[2]))
    if found := _OUR_LABEL.fullmatch(path):
        return LabelRef(LotRef(lot_id=int(found[1])), number=int(found[2]))
    if found := _OUR_LOT.fullmatch(path):
        return LotRef(lot_id=int(found[1]))
    return None
