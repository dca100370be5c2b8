"""The links of a trade item, as the GS1 resolver lists them: an RFC 9264 linkset and an RFC 8288
``Link`` header with GS1 Web Vocabulary link types. Pure: no Flask, no database."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from labels.digitallink import build
from traceability.services.tradeitems import TradeItem

VOC = "https://gs1.org/voc/"
_VOC_ALIASES = ("gs1:", VOC, "http://gs1.org/voc/", "https://ref.gs1.org/voc/")
LINKSET_TYPE = "application/linkset+json"


@dataclass(frozen=True, slots=True)
class Link:
    """One link: its GS1 link type (``pip``), target, Vietnamese and English titles and media type."""

    rel: str
    href: str
    title_vi: str
    title_en: str
    media_type: str


@dataclass(frozen=True, slots=True)
class Request:
    """What the resolver was asked about: the GTIN-14, lot and serial of the path and, for a
    signed OCOP label, the label's own URI (with its signature)."""

    gtin: str
    lot: str | None = None
    serial: str | None = None
    label_uri: str | None = None


def link_type(value: str) -> str:
    """Return the short name of a requested link type (``gs1:pip``, ``https://gs1.org/voc/pip``
    and ``https://ref.gs1.org/voc/pip`` are all ``pip``); other values are returned as they are."""
    for prefix in _VOC_ALIASES:
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def anchor(base_url: str, asked: Request) -> str:
    """The item's GS1 Digital Link URI on this resolver, without any query (the linkset anchor)."""
    return build(base_url, asked.gtin, lot=asked.lot, serial=asked.serial)


def links_for(base_url: str, asked: Request, item: TradeItem) -> list[Link]:
    """Return the item's links; the first is the default link (``gs1:defaultLink``): the verdict
    page for a signed label, the product page otherwise. A link is listed only if its target
    has something to show (a certification, a lot the registry knows)."""
    found: list[Link] = []
    if asked.label_uri is not None:
        found.append(
            Link(
                "verificationService",
                asked.label_uri,
                "Kiểm tra tem OCOP",
                "OCOP label verification",
                "text/html",
            )
        )
    found.append(
        Link(
            "pip",
            f"{base_url}/gs1/product/{item.gtin}",
            "Thông tin sản phẩm OCOP",
            "OCOP product",
            "text/html",
        )
    )
    if item.certification is not None:
        found.append(
            Link(
                "certificationInfo",
                f"{base_url}/gs1/certification/{item.gtin}",
                "Chứng nhận OCOP",
                "OCOP certification",
                "application/json",
            )
        )
    item_path = anchor("", asked)
    found.append(
        Link(
            "recallStatus",
            f"{base_url}/gs1/recall{item_path}",
            "Tình trạng thu hồi",
            "Recall status",
            "application/json",
        )
    )
    if asked.lot is not None and item.lot_found:
        lot_uri = build(base_url, item.gtin, lot=asked.lot)
        found.append(
            Link(
                "epcis",
                f"{base_url}/epcis/events?MATCH_epcClass={quote(lot_uri, safe='')}",
                "Hành trình của lô (EPCIS)",
                "The lot's journey (EPCIS 2.0)",
                "application/ld+json",
            )
        )
    return found


def linkset(anchor_uri: str, links: list[Link]) -> dict[str, object]:
    """Return the RFC 9264 linkset document: one link context object for the item, an array of
    target objects per link type, ``gs1:defaultLink`` once."""
    context: dict[str, object] = {"anchor": anchor_uri}
    for rel, link in [("defaultLink", links[0]), *((link.rel, link) for link in links)]:
        targets = context.setdefault(VOC + rel, [])
        assert isinstance(targets, list)
        targets.append(
            {
                "href": link.href,
                "title": link.title_vi,
                "title*": [{"value": link.title_en, "language": "en"}],
                "type": link.media_type,
                "hreflang": ["vi", "en"],
            }
        )
    return {"linkset": [context]}


def link_header(links: list[Link]) -> str:
    """Return the links as an HTTP ``Link`` header (English titles: header values are ASCII)."""
    return ", ".join(
        f'<{link.href}>; rel="{VOC}{link.rel}"; type="{link.media_type}"; title="{link.title_en}"'
        for link in links
    )
