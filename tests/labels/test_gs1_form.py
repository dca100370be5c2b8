"""The GS1 Digital Link form of the label code (docs/label-code.md §9): GS1's URI rules, checked
against biip (an independent GS1 parser), the signature over GTIN, lot and serial, the QR size,
and issue → print → decode → verify on both databases."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import biip
import pytest

from keys import Keyring, PrivateKey
from labels import LabelSerializer
from labels.digitallink import ItemLink, LinkError, LinkProblem, build, gtin_check_digit, parse_path
from labels.exc import PayloadError
from labels.layout import design, parse_stock
from labels.linkcode import LinkPayload, link_template, link_text, sign
from labels.pdf import PdfWriter
from labels.qr import V8_M_DATA_BITS, encode, optimal_bits
from tests.labels.decoding import decode_symbols, rasterize_pdf
from tests.support.factories import make_world
from traceability import ValidationError
from traceability.enums import LabelForm
from traceability.services import corrections
from usecases.exc import IssueRefused, RefusalReason
from usecases.issuance import issue, plan_issue
from usecases.reprinting import plan_reprint, reprint
from usecases.verify import Status, verify_scan
from usecases.verify import VerdictWarning as Warning

GTIN = "08934567890120"
BASE_24 = "https://truyxuat.ocop.vn"  # 24 characters, the issue's example host
TODAY = date.today()


def _payload(kid: str, serial: int = 48358647417488743, lot: str = "L2026-11") -> LinkPayload:
    return LinkPayload(kid, serial, 4, date(2028, 3, 10), GTIN, lot, "281231")


@pytest.fixture(scope="module")
def gs1_text(test_key: PrivateKey) -> str:
    payload = _payload(test_key.kid)
    return link_text(payload, sign(payload, test_key), LabelSerializer(BASE_24, Keyring([])).base_url)


def _segments(uri: str) -> list[str]:
    return uri.split("?")[0].split("/")[3:]


def test_check_digit_is_gs1_mod_10() -> None:
    assert gtin_check_digit("0893456789012") == "0"
    assert gtin_check_digit("0400638133393") == "1"  # GS1's worked example, GTIN-13 4006381333931


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("01/08934567890121/10/A/21/1", LinkProblem.CHECK_DIGIT),
        ("01/08934567890/10/A/21/1", LinkProblem.BAD_GTIN),
        ("01/08934567890120/21/1/10/A", LinkProblem.QUALIFIER_ORDER),
        ("01/08934567890120/10/A/10/B", LinkProblem.QUALIFIER_ORDER),
        ("01/08934567890120/99/A", LinkProblem.UNKNOWN_AI),
        ("01/08934567890120/17/281231", LinkProblem.UNKNOWN_AI),  # a data attribute, not a qualifier
        ("01/08934567890120/10", LinkProblem.UNKNOWN_AI),
        ("01/08934567890120/10/" + "A" * 21, LinkProblem.BAD_VALUE),
        ("01/08934567890120/10/L%C3%B4", LinkProblem.BAD_VALUE),  # ô is outside set 82
        ("01/08934567890120/10/%FF", LinkProblem.BAD_VALUE),
        ("414/8934567000009", LinkProblem.OTHER_KEY),
        ("V/123", LinkProblem.NOT_A_LINK),
    ],
)
def test_gs1_rules_are_enforced_with_a_reason(path: str, problem: LinkProblem) -> None:
    with pytest.raises(LinkError) as caught:
        parse_path(path.split("/"))
    assert caught.value.problem is problem


def test_build_and_parse_agree_with_biip() -> None:
    uri = build("https://TRUYXUAT.OCOP.VN", "8934567890120", lot="L-1/2", serial="77")
    assert uri == "https://TRUYXUAT.OCOP.VN/01/08934567890120/10/L-1%2F2/21/77"
    assert parse_path(_segments(uri)) == ItemLink(GTIN, None, "L-1/2", "77")
    # GTIN-13 in the path reads as the GTIN-14, as GS1 allows.
    assert parse_path(["01", "8934567890120"]).gtin == GTIN
    parsed = biip.parse(uri).gs1_digital_link_uri
    assert parsed is not None
    assert {e.ai.ai: e.value for e in parsed.element_strings} == {"01": GTIN, "10": "L-1/2", "21": "77"}


def test_epcis_identifiers_round_trip() -> None:
    from labels.digitallink import parse_uri

    lot_uri = build("https://truyxuat.ocop.vn", GTIN, lot="DC/1")
    item_uri = build("https://truyxuat.ocop.vn", GTIN, serial="48358647417488743")
    assert lot_uri == f"https://truyxuat.ocop.vn/01/{GTIN}/10/DC%2F1"
    assert parse_uri(lot_uri) == ItemLink(GTIN, lot="DC/1")
    assert parse_uri(item_uri + "?x=1") == ItemLink(GTIN, serial="48358647417488743")
    for bad in ("urn:epc:id:sgtin:0614141.107346.2017", "https://h/01/08934567890121", "https://h/"):
        with pytest.raises(LinkError):
            parse_uri(bad)


def test_biip_reads_the_label_uri_as_gtin_lot_serial_and_best_before(gs1_text: str) -> None:
    result = biip.parse(gs1_text)
    assert result.gtin_error is None and result.gs1_digital_link_uri is not None
    found = {e.ai.ai: e for e in result.gs1_digital_link_uri.element_strings}
    assert (found["01"].value, found["10"].value, found["21"].value) == (
        GTIN,
        "L2026-11",
        "48358647417488743",
    )
    assert found["17"].date == date(2028, 12, 31)


def test_qr_is_version_8_m_at_a_24_character_host_and_bits_match_zxing(gs1_text: str) -> None:
    assert gs1_text.startswith("https://TRUYXUAT.OCOP.VN/01/")
    bits = optimal_bits(gs1_text)
    assert bits <= V8_M_DATA_BITS
    assert encode(gs1_text).version == 8
    # The measured counts agree with zxing-cpp's encoder: 1232 bits is the 8-M limit.
    assert encode(gs1_text + "9" * ((V8_M_DATA_BITS - bits) * 3 // 10 + 2)).version == 9


def test_signature_covers_gtin_lot_serial_and_best_before(
    gs1_text: str, keyring: Keyring, test_key: PrivateKey
) -> None:
    verdict = verify_scan(gs1_text, keyring=keyring, today=date(2026, 11, 22), our_base_url=BASE_24)
    assert verdict.status is Status.GENUINE and verdict.warnings == (Warning.OFFLINE,)
    assert isinstance(verdict.payload, LinkPayload) and verdict.payload.lot == "L2026-11"
    forged = [
        gs1_text.replace("/01/08934567890120", "/01/08934567890137"),  # another valid GTIN
        gs1_text.replace("/10/L2026-11", "/10/L2026-12"),
        gs1_text.replace("/21/48358647417488743", "/21/48358647417488744"),
        gs1_text.replace("17=281231", "17=281230"),
        gs1_text.replace("17=281231&", ""),
    ]
    for text in forged:
        verdict = verify_scan(text, keyring=keyring, today=date(2026, 11, 22))
        assert (verdict.status, verdict.reason) == (Status.INVALID, "bad_signature"), text


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (("/01/08934567890120", "/01/08934567890121"), "bad_link"),  # check digit
        (("/10/L2026-11/21/48358647417488743", "/21/48358647417488743/10/L2026-11"), "bad_link"),
        (("/10/", "/99/"), "bad_link"),
        (("17=281231", "17=281331"), "bad_link"),
        (("&s=", "&t="), "bad_link"),
        (("/21/48358647417488743", "/21/048358647417488743"), "bad_field"),  # not canonical
        (("?17=281231&s=0", "?17=281231&s=1"), "unsupported_version"),
        (("/10/L2026-11", ""), "not_a_label"),
    ],
)
def test_one_character_changes_are_invalid_with_the_step_that_caught_them(
    gs1_text: str, keyring: Keyring, change: tuple[str, str], reason: str
) -> None:
    assert change[0] in gs1_text
    verdict = verify_scan(gs1_text.replace(*change), keyring=keyring, today=date(2026, 11, 22))
    assert (verdict.status, verdict.reason) == (Status.INVALID, reason)


def test_batch_signing_gives_what_one_label_gives(test_key: PrivateKey) -> None:
    base = "https://TRUYXUAT.OCOP.VN"
    for lot, day in (("as=1", date(2028, 1, 2)), ("L-1/2?", None)):
        template = link_template(base, GTIN, lot, day)
        texts, digests = template.sign_labels(
            test_key, [0, 5, (1 << 60) - 1], 4, date(2029, 1, 1), base, b"k" * 32
        )
        for serial, text in zip((0, 5, (1 << 60) - 1), texts, strict=True):
            payload = template.payload(test_key.kid, serial, 4, date(2029, 1, 1))
            assert text == link_text(payload, sign(payload, test_key), base)
        assert len(set(digests)) == 3
    with pytest.raises(PayloadError):
        template.sign_labels(test_key, [1 << 60], 4, date(2029, 1, 1), base, None)


def test_the_lot_must_fit_ai_10_and_version_8(test_key: PrivateKey) -> None:
    base = "https://TRUYXUAT.OCOP.VN"
    assert link_template(base, GTIN, "L1", date(2028, 1, 2)).best_before == "280102"
    # A long lower-case lot leaves out AI 17 rather than grow the QR past 8-M.
    assert link_template(base, GTIN, "a" * 20, date(2028, 1, 2)).best_before is None
    with pytest.raises(PayloadError):
        link_template(base, GTIN, "lô-1", None)
    with pytest.raises(PayloadError, match="version 8"):
        link_template("https://XACTHUC.OCOP-VIETNAM.EXAMPLE.GOV.VN", GTIN, "a" * 20, None)


def _gs1_world(session, gtin: str = GTIN):  # type: ignore[no-untyped-def]
    world = make_world(session)
    corrections.update_product(
        session,
        actor="t",
        product_id=world.product.id,
        name=world.product.name,
        group=world.product.group,
        gtin=gtin,
        label_form=LabelForm.GS1,
    )
    session.flush()
    return world


def test_the_gs1_form_needs_a_gtin(session) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session)
    with pytest.raises(ValidationError) as caught:
        corrections.update_product(
            session, actor="t", product_id=world.product.id, name="X", group="food", label_form="gs1"
        )
    assert caught.value.field == "label_form"
    with pytest.raises(ValidationError):
        corrections.update_product(
            session, actor="t", product_id=world.product.id, name="X", group="food", label_form="ean"
        )


@pytest.mark.parametrize("renderer", ["poppler", "ghostscript"])
def test_issued_gs1_labels_print_decode_and_verify(  # type: ignore[no-untyped-def]
    session, test_key: PrivateKey, keyring: Keyring, tmp_path: Path, renderer: str
) -> None:
    world = _gs1_world(session)
    serializer = LabelSerializer(BASE_24, keyring)
    plan = plan_issue(
        session, product_id=world.product.id, lot_code=world.lot.code, count=3, today=TODAY, base_url=BASE_24
    )
    assert plan.link is not None and plan.link.gtin == GTIN
    digest_key = b"d" * 32
    pdf = tmp_path / "labels.pdf"
    with pdf.open("wb") as f:
        writer = PdfWriter(f, design(parse_stock("a4-40"), plan.facts))
        printed = list(
            issue(session, plan, key=test_key, serializer=serializer, actor="t", digest_key=digest_key)
        )
        for label in printed:
            writer.add(label)
        writer.close()
    session.flush()
    symbols = [s for page in rasterize_pdf(pdf, tmp_path, 300, renderer) for s in decode_symbols(page)]
    assert sorted(t for t, _, _ in symbols) == sorted(label.text for label in printed)
    for text, version, level in symbols:
        assert version <= 8 and level == "M"
        found = biip.parse(text).gs1_digital_link_uri
        assert found is not None
        ais = {e.ai.ai: e.value for e in found.element_strings}
        assert (ais["01"], ais["10"]) == (GTIN, world.lot.code)
        for key in (None, digest_key):  # by the signature, and by the digest recorded at issue
            verdict = verify_scan(
                text, keyring=keyring, today=TODAY, session=session, digest_key=key, our_base_url=BASE_24
            )
            assert verdict.status is Status.GENUINE and verdict.facts is not None, verdict
            assert str(verdict.facts.serial) == ais["21"] and not verdict.warnings
    # The registry's GTIN changed: labels printed with the old one no longer match.
    corrections.update_product(
        session, actor="t", product_id=world.product.id, name="X", group="food", gtin="08934567890137"
    )
    session.flush()
    verdict = verify_scan(symbols[0][0], keyring=keyring, today=TODAY, session=session)
    assert (verdict.status, verdict.reason) == (Status.INVALID, "registry_mismatch")


def test_reprint_gives_the_same_gs1_texts(session, test_key: PrivateKey, keyring: Keyring) -> None:  # type: ignore[no-untyped-def]
    world = _gs1_world(session)
    serializer = LabelSerializer(BASE_24, keyring)
    plan = plan_issue(
        session, product_id=world.product.id, lot_code=world.lot.code, count=2, today=TODAY, base_url=BASE_24
    )
    first = [label.text for label in issue(session, plan, key=test_key, serializer=serializer, actor="t")]
    session.flush()
    again = plan_reprint(
        session, lot_code=world.lot.code, product_id=world.product.id, numbers=None, base_url=BASE_24
    )
    texts = [
        label.text
        for label in reprint(session, again, signer_for=lambda _: test_key, serializer=serializer, actor="t")
    ]
    assert texts == first


def test_roll_stock_cannot_hold_the_gs1_qr_and_the_issue_refuses_a_bad_lot(session) -> None:  # type: ignore[no-untyped-def]
    world = _gs1_world(session)
    plan = plan_issue(
        session, product_id=world.product.id, lot_code=world.lot.code, count=1, today=TODAY, base_url=BASE_24
    )
    design(parse_stock("a4-40"), plan.facts)
    with pytest.raises(ValueError, match=r"0\.4 mm"):
        design(parse_stock("roll-30x20"), plan.facts)
    from traceability.services import lots

    lots.create_lot(
        session,
        actor="t",
        product_id=world.product.id,
        code="LÔ MỘT",
        produced_on=TODAY - timedelta(days=3),
    )
    with pytest.raises(IssueRefused) as caught:
        plan_issue(
            session, product_id=world.product.id, lot_code="LÔ MỘT", count=1, today=TODAY, base_url=BASE_24
        )
    assert caught.value.reason is RefusalReason.LOT_NOT_GS1


def test_png_and_svg_labels_of_the_gs1_form(test_key: PrivateKey, keyring: Keyring) -> None:
    import io
    import xml.etree.ElementTree as ET
    import zipfile

    from PIL import Image

    from labels.layout import GS1_QR_MODULES, LotFacts
    from labels.output import Format, open_writer
    from labels.render import PrintLabel

    base = LabelSerializer(BASE_24, keyring).base_url
    facts = LotFacts("Mật ong bạc hà", "HTX Mèo Vạc", "Tuyên Quang", 4, "L2026-11", base, GS1_QR_MODULES)
    label_design = design(parse_stock("a4-40"), facts)
    payload = _payload(test_key.kid)
    text = link_text(payload, sign(payload, test_key), base)
    label = PrintLabel(1, payload.serial, payload.short_code, text, encode(text))
    for fmt in (Format.PNG, Format.SVG):
        out = io.BytesIO()
        writer = open_writer(out, fmt, label_design, dpi=300)
        writer.add(label)
        writer.close()
        with zipfile.ZipFile(out) as archive:
            data = archive.read(archive.namelist()[0])
        if fmt is Format.PNG:
            found = decode_symbols(Image.open(io.BytesIO(data)))
            assert found == [(text, 8, "M")]
        else:
            root = ET.fromstring(data)  # well-formed, and the QR is drawn at the sheet's module size
            assert f"scale({label_design.geometry.module:g})" in data.decode()
            assert root.get("width") == "48.5mm"
    assert label_design.geometry.module >= 0.4
