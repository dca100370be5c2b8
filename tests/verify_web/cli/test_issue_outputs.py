"""``ocop issue`` / ``ocop reprint``: every output format decoded by a real decoder (zxing-cpp),
every decoded text genuine through :func:`usecases.verify.verify_scan`."""

from __future__ import annotations

import csv
import io
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest
import zxingcpp
from flask import Flask
from flask.testing import FlaskCliRunner
from PIL import Image, ImageFilter
from sqlalchemy import select
from sqlalchemy.orm import Session

from labels.qr import encode
from labels.secret import check_secret
from tests.labels.decoding import decode, decode_pdf, rasterize_pdf
from tests.support import require
from tests.support.cli import assert_genuine, label_count, run, run_issue
from tests.support.factories import World
from traceability.models import Label
from verify_web.core.services import services

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def manifest_texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as f:
        return [row["qr_text"] for row in csv.DictReader(f)]


def test_pdf_sheet_decodes_and_verifies_and_matches_the_manifest(
    app: Flask, runner: FlaskCliRunner, app_session: Session, world: World, tmp_path: Path
) -> None:
    out, manifest = tmp_path / "lot.pdf", tmp_path / "lot.csv"
    code, output = run_issue(
        runner,
        world,
        "--count",
        45,
        "--out",
        out,
        "--manifest",
        manifest,
        "--quiet",
    )
    assert code == 0, output
    assert "Issued 45 labels" in output
    decoded = decode_pdf(out, tmp_path)
    expected = manifest_texts(manifest)
    assert len(expected) == 45
    assert sorted(decoded) == sorted(expected)
    assert all(encode(t).version == 6 for t in expected)
    assert label_count(app_session) == 45
    assert_genuine(app, app_session, decoded)
    assert not list(tmp_path.glob(".*partial"))
    # Whoever can read a sheet can print labels that verify: owner-only, whatever the umask.
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and stat.S_IMODE(manifest.stat().st_mode) == 0o600


@SQLITE_ONLY
@pytest.mark.parametrize("stock", ["roll-30x20", "custom:60x30"])
def test_other_stocks_decode_and_verify(
    app: Flask, runner: FlaskCliRunner, app_session: Session, world: World, tmp_path: Path, stock: str
) -> None:
    out = tmp_path / "roll.pdf"
    code, output = run_issue(
        runner,
        world,
        "--count",
        3,
        "--out",
        out,
        "--stock",
        stock,
        "--quiet",
    )
    assert code == 0, output
    decoded = decode_pdf(out, tmp_path)
    assert len(decoded) == 3
    assert_genuine(app, app_session, decoded)


@SQLITE_ONLY
@pytest.mark.parametrize("dpi", [300, 600])
def test_png_zip_decodes_at_both_resolutions(
    app: Flask, runner: FlaskCliRunner, app_session: Session, world: World, tmp_path: Path, dpi: int
) -> None:
    out = tmp_path / "labels.png.zip"
    code, output = run_issue(
        runner,
        world,
        "--count",
        3,
        "--out",
        out,
        "--dpi",
        dpi,
        "--quiet",
    )
    assert code == 0, output
    with zipfile.ZipFile(out) as z:
        names = sorted(z.namelist())
        assert names == ["000001.png", "000002.png", "000003.png"]
        images = [Image.open(io.BytesIO(z.read(n))) for n in names]
    # 48.5 mm at the requested resolution, so it prints at its real size.
    assert images[0].size[0] == round(48.5 / 25.4 * dpi)
    assert images[0].info["dpi"][0] == pytest.approx(dpi, abs=0.01)
    texts = [t for image in images for t in decode(image)]
    assert len(texts) == 3
    assert_genuine(app, app_session, texts)


def degrade(image: Image.Image, module_px: float) -> Image.Image:
    """What a phone camera makes of a label: 2 pixels per module, blur, JPEG quality 30."""
    scale = 2 / module_px
    small = image.convert("L").resize(
        (round(image.width * scale), round(image.height * scale)), Image.Resampling.BOX
    )
    buffer = io.BytesIO()
    small.filter(ImageFilter.GaussianBlur(0.6)).save(buffer, "JPEG", quality=30)
    return Image.open(io.BytesIO(buffer.getvalue()))


@SQLITE_ONLY
def test_png_labels_still_decode_after_phone_camera_degradation(
    app: Flask, runner: FlaskCliRunner, app_session: Session, world: World, tmp_path: Path
) -> None:
    out = tmp_path / "labels.png.zip"
    assert (
        run_issue(
            runner,
            world,
            "--count",
            10,
            "--out",
            out,
            "--quiet",
        )[0]
        == 0
    )
    module_px = 0.51 / 25.4 * 300  # the a4-40 stock's 0.51 mm modules at 300 dpi
    texts = []
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            degraded = degrade(Image.open(io.BytesIO(z.read(name))), module_px)
            assert degraded.width < 200  # really at 2 px per module (49 modules of QR and quiet zone)
            # zxing-cpp locates finder patterns poorly at 2 px per module (about 85% of labels
            # decode as is); phone scanners interpolate the camera frame first, and so do we.
            upscaled = degraded.resize((degraded.width * 2, degraded.height * 2), Image.Resampling.BICUBIC)
            found = decode(upscaled)
            assert len(found) == 1, name
            texts.extend(found)
    assert len(texts) == 10
    assert_genuine(app, app_session, texts)


@SQLITE_ONLY
def test_svg_zip_renders_in_chromium_and_decodes(
    app: Flask, runner: FlaskCliRunner, app_session: Session, world: World, tmp_path: Path, browser: object
) -> None:
    out = tmp_path / "labels.svg.zip"
    code, output = run_issue(
        runner,
        world,
        "--count",
        2,
        "--out",
        out,
        "--quiet",
    )
    assert code == 0, output
    page = browser.new_page(device_scale_factor=3)  # type: ignore[attr-defined]
    texts = []
    try:
        with zipfile.ZipFile(out) as z:
            for name in sorted(z.namelist()):
                svg = z.read(name).decode("utf-8")
                assert "4 sao OCOP" in svg and "Số tem" in svg
                page.set_content(f"<body style='margin:0;background:#fff'>{svg}</body>")
                shot = page.locator("svg").screenshot()
                texts.extend(decode(Image.open(io.BytesIO(shot))))
    finally:
        page.close()
    assert len(texts) == 2
    assert_genuine(app, app_session, texts)


def test_with_secret_stores_only_a_salted_hash(
    app: Flask, runner: FlaskCliRunner, app_session: Session, world: World, tmp_path: Path
) -> None:
    out = tmp_path / "lot.csv"
    code, output = run_issue(
        runner,
        world,
        "--count",
        4,
        "--out",
        out,
        "--with-secret",
        "--quiet",
    )
    assert code == 0, output
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4
    app_session.expire_all()
    stored = {label.serial: label.secret_hash for label in app_session.scalars(select(Label))}
    for row in rows:
        digest = stored[int(row["serial"])]
        assert digest is not None and row["secret"] not in digest
        assert check_secret(row["secret"], int(row["serial"]), digest)
        assert not check_secret(row["secret"], int(row["serial"]) + 1, digest)


@SQLITE_ONLY
def test_pdf_with_secret_adds_a_secret_page_per_label_page(
    app: Flask, runner: FlaskCliRunner, app_session: Session, world: World, tmp_path: Path
) -> None:
    out = tmp_path / "lot.pdf"
    assert (
        run_issue(
            runner,
            world,
            "--count",
            41,
            "--out",
            out,
            "--with-secret",
            "--quiet",
        )[0]
        == 0
    )
    assert out.read_bytes().count(b"/Type /Page ") == 4
    assert len(decode_pdf(out, tmp_path)) == 41


def test_reprint_renders_the_same_labels_without_new_serials(
    app: Flask, runner: FlaskCliRunner, app_session: Session, world: World, tmp_path: Path
) -> None:
    first, manifest = tmp_path / "first.pdf", tmp_path / "first.csv"
    assert (
        run_issue(
            runner,
            world,
            "--count",
            5,
            "--out",
            first,
            "--manifest",
            manifest,
            "--quiet",
        )[0]
        == 0
    )
    again = tmp_path / "again.csv"
    code, output = run(
        runner, "reprint", "--lot", world.lot.code, "--serials", "2..3", "--out", again, "--quiet"
    )
    assert code == 0, output
    assert manifest_texts(again) == manifest_texts(manifest)[1:3]
    assert label_count(app_session) == 5
    pdf = tmp_path / "again.pdf"
    assert run(runner, "reprint", "--lot", world.lot.code, "--out", pdf, "--quiet")[0] == 0
    (tmp_path / "pages").mkdir()
    assert sorted(decode_pdf(pdf, tmp_path / "pages")) == sorted(manifest_texts(manifest))


def test_a_second_run_continues_the_lot_numbers(
    app: Flask, runner: FlaskCliRunner, app_session: Session, world: World, tmp_path: Path
) -> None:
    for name in ("a.csv", "b.csv"):
        assert (
            run_issue(
                runner,
                world,
                "--count",
                3,
                "--out",
                tmp_path / name,
                "--quiet",
            )[0]
            == 0
        )
    with (tmp_path / "b.csv").open(encoding="utf-8") as f:
        assert [row["number"] for row in csv.DictReader(f)] == ["4", "5", "6"]


@SQLITE_ONLY
def test_pdf_label_shows_every_required_field(
    app: Flask, runner: FlaskCliRunner, app_session: Session, world: World, tmp_path: Path
) -> None:
    """Read back with poppler's pdftotext (the fonts carry a ToUnicode map)."""
    out, manifest = tmp_path / "lot.pdf", tmp_path / "lot.csv"
    code, output = run_issue(
        runner,
        world,
        "--count",
        2,
        "--out",
        out,
        "--manifest",
        manifest,
        "--quiet",
    )
    assert code == 0, output
    exe = shutil.which("pdftotext")
    require(exe is not None, "pdftotext", "install Debian's 'poppler-utils' package")
    text = subprocess.run([str(exe), str(out), "-"], check=True, capture_output=True, text=True).stdout
    with manifest.open(encoding="utf-8", newline="") as f:
        short_codes = [row["short_code"] for row in csv.DictReader(f)]
    producer = world.product.producer
    for expected in (
        "4 sao OCOP",
        "Củ cải trắng",
        producer.legal_name,
        producer.province,
        f"Số tem: {world.lot.code} · 000001",
        f"Số tem: {world.lot.code} · 000002",
        f"Mã: {short_codes[0]}",
        f"Mã: {short_codes[1]}",
        "xacthuc.ocop.vn",
    ):
        assert expected in text, expected
    # Exact physical size: A4, printed at 100%.
    info = subprocess.run(["pdfinfo", str(out)], check=True, capture_output=True, text=True).stdout
    assert "595.276 x 841.89 pts (A4)" in info


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("stock", "page_pts", "module_mm"),
    [("a4-40", "595.276 x 841.89", 0.51), ("roll-30x20", "85.039 x 56.693", 0.40)],
)
def test_printed_size_is_exact(
    runner: FlaskCliRunner, world: World, tmp_path: Path, stock: str, page_pts: str, module_mm: float
) -> None:
    """Page size in points and the QR's module size measured on a 300 dpi rendering."""
    out = tmp_path / "lot.pdf"
    assert (
        run_issue(
            runner,
            world,
            "--count",
            1,
            "--out",
            out,
            "--stock",
            stock,
            "--quiet",
        )[0]
        == 0
    )
    info = subprocess.run(["pdfinfo", str(out)], check=True, capture_output=True, text=True).stdout
    assert f"Page size:       {page_pts} pts" in info
    page = rasterize_pdf(out, tmp_path)[0]
    (found,) = zxingcpp.read_barcodes(page)
    width_px = found.position.top_right.x - found.position.top_left.x
    measured_module_mm = width_px / 41 / 300 * 25.4
    assert measured_module_mm == pytest.approx(module_mm, abs=0.01)
    assert measured_module_mm >= 0.395  # ≥ 0.4 mm, within one 300 dpi pixel over the symbol


def test_issue_records_each_code_digest(
    app: Flask, runner: FlaskCliRunner, app_session: Session, world: World, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from labels import parse
    from labels.signer import code_digest
    from traceability.models import Label

    manifest = tmp_path / "lot.csv"
    code, output = run_issue(runner, world, "--count", 3, "--out", manifest, "--quiet")
    assert code == 0, output
    key = services(app).keystore.digest_key()
    assert key is not None
    digests = {
        serial: digest for serial, digest in app_session.execute(select(Label.serial, Label.code_digest))
    }
    texts = manifest_texts(manifest)
    assert len(texts) == len(digests) == 3
    assert sorted(digests.values()) == sorted(code_digest(parse(t).code, key) for t in texts)
    assert_genuine(app, app_session, texts)
