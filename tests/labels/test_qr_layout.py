"""The QR symbol and the label geometry, without a database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from keys import Keyring, PrivateKey
from labels import LabelPayload, LabelSerializer
from labels.exc import LayoutError
from labels.layout import MIN_MODULE_MM, QR_MODULES, STOCKS, LotFacts, design, parse_stock
from labels.output import format_for
from labels.pdf import PdfWriter, _qr_image
from labels.qr import QUIET_ZONE, encode
from labels.render import PrintLabel
from usecases.verify import Status, verify_scan

from .decoding import decode_symbols, rasterize_pdf


@pytest.mark.parametrize("serial", [0, 1, (1 << 60) - 1, 0x0123456789ABCDE])
def test_label_code_fits_version_6_at_level_m(
    serializer: LabelSerializer, test_key: PrivateKey, serial: int
) -> None:
    text = serializer.dumps(LabelPayload(test_key.kid, serial, 5, date(2064, 11, 8)), test_key)
    symbol = encode(text)
    assert symbol.version == 6
    assert symbol.size == 41
    assert len(symbol.dark) == 41 * 41


def test_runs_cover_exactly_the_dark_modules(serializer: LabelSerializer, test_key: PrivateKey) -> None:
    symbol = encode(serializer.dumps(LabelPayload(test_key.kid, 42, 4, date(2028, 1, 1)), test_key))
    covered = {(x + i, y) for x, y, n in symbol.runs() for i in range(n)}
    dark = {(x, y) for y, row in enumerate(symbol.rows) for x, cell in enumerate(row) if cell}
    assert covered == dark


@pytest.mark.parametrize("digits", [150, 280])  # versions 6 and 8, today's form and the GS1 form
def test_pdf_image_mask_holds_exactly_the_dark_modules(digits: int) -> None:
    symbol = encode("https://XACTHUC.OCOP.VN/V/" + "".join(str(i * 7 % 10) for i in range(digits)))
    assert symbol.version == (6 if digits == 150 else 8)
    n = symbol.size
    op = _qr_image(symbol.dark, n)
    head, _, rest = op.partition(" ID ")
    assert head.split() == [
        "BI",
        "/IM",
        "true",
        "/W",
        str(n),
        "/H",
        str(n),
        "/BPC",
        "1",
        "/D",
        "[1",
        "0]",
        "/F",
        "/AHx",
    ]
    data, _, tail = rest.partition(">")
    assert tail.strip() == "EI"
    row_bytes = (n + 7) // 8
    raw = bytes.fromhex(data)
    assert len(raw) == row_bytes * n
    rows = [int.from_bytes(raw[y * row_bytes : (y + 1) * row_bytes], "big") for y in range(n)]
    painted = [(x, y) for y in range(n) for x in range(n) if rows[y] >> (row_bytes * 8 - 1 - x) & 1]
    dark = [(x, y) for y, row in enumerate(symbol.rows) for x, cell in enumerate(row) if cell]
    assert painted == dark  # every dark module, no light one
    assert all(row & ((1 << (row_bytes * 8 - n)) - 1) == 0 for row in rows)  # padding paints nothing


@pytest.mark.parametrize("name", [*STOCKS, "custom:60x30", "custom:40.5x22"])
def test_every_stock_has_modules_of_at_least_0_4_mm_and_a_quiet_zone(name: str) -> None:
    stock = parse_stock(name)
    d = design(
        stock, LotFacts("Củ cải trắng", "HTX Đông Cao", "Hà Nội", 4, "DC-1", "https://XACTHUC.OCOP.VN")
    )
    g = d.geometry
    assert g.module >= MIN_MODULE_MM
    # The quiet zone lies inside the label, and the text starts after it.
    assert g.qr_x >= 0 and g.qr_y >= 0
    assert g.qr_x + g.qr_box <= g.text_x + 1e-9
    assert g.qr_y + g.qr_box <= stock.label_h + 1e-9
    assert QR_MODULES == 41 + 2 * QUIET_ZONE
    assert d.texts[0].text == "4 sao OCOP"
    assert len(d.stars) == 4


def test_a4_sheet_is_40_labels_of_48_5_by_25_4_mm_inside_the_page() -> None:
    stock = parse_stock("a4-40")
    assert (stock.per_page, stock.label_w, stock.label_h) == (40, 48.5, 25.4)
    x, y = stock.slot(39)
    assert x + stock.label_w <= stock.page_w and y + stock.label_h <= stock.page_h


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("a5-12", "unknown stock"),
        ("custom:15x12", "at least 0.4 mm"),
        ("custom:300x20", "10–200 mm"),
        ("custom:25x25", "no room"),
    ],
)
def test_unusable_stocks_are_refused_with_a_reason(name: str, message: str) -> None:
    with pytest.raises(LayoutError, match=message):
        parse_stock(name)


def test_long_names_shrink_or_are_shortened_to_fit_the_column() -> None:
    long = "Hợp tác xã Dịch vụ Nông nghiệp và Thương mại Tổng hợp Đông Cao Mê Linh Hà Nội"
    d = design(parse_stock("roll-30x20"), LotFacts(long, long, "Hà Nội", 3, "L", "https://XACTHUC.OCOP.VN"))
    producer = d.texts[2]
    assert producer.text.endswith("…") and producer.size >= 3.0


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("a.pdf", True),
        ("a.svg.zip", True),
        ("A.PNG.ZIP", True),
        ("a.csv", True),
        ("a.svg", False),
        ("a.png", False),
        ("a.txt", False),
    ],
)
def test_output_format_follows_the_extension(name: str, ok: bool) -> None:
    if ok:
        format_for(name)
    else:
        with pytest.raises(LayoutError, match=r"\.svg\.zip"):
            format_for(name)


BASE_24 = "https://xacthuc.ocop.com"  # 24 characters, like the example host


# The QR is an image mask (labels/pdf.py): render it by two engines, at a thermal printer's
# 203 dpi too, where a module of 0.4 mm is 3.2 device pixels.
@pytest.mark.parametrize(
    ("stock", "renderer", "dpi"),
    [
        ("a4-40", "poppler", 300),
        ("roll-30x20", "poppler", 300),
        ("a4-40", "ghostscript", 300),
        ("roll-30x20", "ghostscript", 203),
    ],
)
def test_printed_labels_decode_as_lower_case_links_of_version_6_m_at_a_24_character_base(
    keyring: Keyring, test_key: PrivateKey, tmp_path: Path, stock: str, renderer: str, dpi: int
) -> None:
    serializer = LabelSerializer(BASE_24, keyring)
    assert serializer.base_url == "https://XACTHUC.OCOP.COM" and len(serializer.base_url) == 24
    facts = LotFacts("Củ cải trắng", "HTX Đông Cao", "Hà Nội", 5, "DC-1", serializer.base_url)
    pdf = tmp_path / "labels.pdf"
    texts = []
    with pdf.open("wb") as f:
        writer = PdfWriter(f, design(parse_stock(stock), facts))
        for number, serial in enumerate((0, 1, (1 << 60) - 1, 0x0123456789ABCDE), start=1):
            payload = LabelPayload(test_key.kid, serial, 5, date(2064, 11, 8))
            text = serializer.dumps(payload, test_key)
            texts.append(text)
            writer.add(PrintLabel(number, serial, payload.short_code, text, encode(text)))
        writer.close()
    symbols = [s for page in rasterize_pdf(pdf, tmp_path, dpi, renderer) for s in decode_symbols(page)]
    assert sorted(t for t, _v, _ec in symbols) == sorted(texts)
    for text, version, level in symbols:
        assert text.startswith("https://XACTHUC.OCOP.COM/V/")
        assert version <= 6 and level == "M", (version, level)
        verdict = verify_scan(text, keyring=keyring, today=date(2026, 11, 22), our_base_url=BASE_24)
        assert verdict.status is Status.GENUINE and not verdict.foreign_domain
