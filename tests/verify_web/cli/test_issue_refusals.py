"""Every refusal of ``ocop issue``: a clear message, nothing recorded, no file written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy.orm import Session

from tests.labels.decoding import decode_pdf
from tests.support.cli import assert_genuine, audit_count, label_count, no_files, run
from tests.support.constants import BASE_URL, PASSPHRASE
from tests.support.factories import World, make_world
from traceability.enums import RevocationReason, RevocationTarget
from traceability.services import certifications, lots, revocations


def assert_refused(
    runner: FlaskCliRunner, session: Session, folder: Path, args: list[object], message: str
) -> None:
    labels_before, audit_before, files_before = label_count(session), audit_count(session), no_files(folder)
    code, output = run(runner, "issue", *args)
    assert code != 0
    assert message in output, output
    assert "Traceback" not in output
    assert label_count(session) == labels_before
    assert audit_count(session) == audit_before
    assert no_files(folder) == files_before


def args_for(world: World, out: Path, count: object = 5) -> list[object]:
    return ["--product", world.product.id, "--lot", world.lot.code, "--count", count, "--out", out, "--quiet"]


def test_refuses_a_product_without_a_valid_certification(
    runner: FlaskCliRunner, app_session: Session, tmp_path: Path
) -> None:
    # Certified 40 months ago: the 36-month validity is over.
    world = make_world(app_session, issued_on=date.today() - timedelta(days=40 * 31))
    app_session.commit()
    assert_refused(
        runner,
        app_session,
        tmp_path,
        args_for(world, tmp_path / "a.pdf"),
        "no active OCOP certification of 3 stars or more",
    )


def test_refuses_a_withdrawn_certification(
    runner: FlaskCliRunner, app_session: Session, world: World, tmp_path: Path
) -> None:
    certifications.withdraw(
        app_session,
        actor="test",
        certification_id=world.certification.id,
        reason="vi phạm chất lượng",
        on=date.today(),
    )
    app_session.commit()
    assert_refused(
        runner, app_session, tmp_path, args_for(world, tmp_path / "a.pdf"), "no active OCOP certification"
    )


@pytest.mark.parametrize(
    ("target", "message"),
    [(RevocationTarget.PRODUCT, "is revoked"), (RevocationTarget.PRODUCER, "is revoked")],
)
def test_refuses_a_revoked_product_or_producer(
    runner: FlaskCliRunner,
    app_session: Session,
    world: World,
    tmp_path: Path,
    target: RevocationTarget,
    message: str,
) -> None:
    ref = (
        {"product_id": world.product.id}
        if target is RevocationTarget.PRODUCT
        else {"producer_id": world.product.producer_id}
    )
    revocations.revoke(
        app_session, actor="test", target=target, ref=ref, reason=RevocationReason.COUNTERFEIT, note="test"
    )
    app_session.commit()
    what = "product" if target is RevocationTarget.PRODUCT else "producer"
    assert_refused(runner, app_session, tmp_path, args_for(world, tmp_path / "a.pdf"), f"{what} ")
    assert_refused(runner, app_session, tmp_path, args_for(world, tmp_path / "a.pdf"), message)


@pytest.mark.parametrize(
    ("count", "message"),
    [
        (0, "from 1 to 100,000"),
        (-3, "from 1 to 100,000"),
        (100_001, "from 1 to 100,000"),
        ("ten", "is not a valid integer"),
    ],
)
def test_refuses_a_count_that_is_not_sane(
    runner: FlaskCliRunner, app_session: Session, world: World, tmp_path: Path, count: object, message: str
) -> None:
    assert_refused(runner, app_session, tmp_path, args_for(world, tmp_path / "a.pdf", count), message)


def test_refuses_an_output_that_cannot_be_written(
    runner: FlaskCliRunner, app_session: Session, world: World, tmp_path: Path
) -> None:
    assert_refused(
        runner, app_session, tmp_path, args_for(world, tmp_path / "missing" / "a.pdf"), "does not exist"
    )
    (tmp_path / "taken.pdf").write_bytes(b"earlier run")
    assert_refused(runner, app_session, tmp_path, args_for(world, tmp_path / "taken.pdf"), "already exists")
    assert (tmp_path / "taken.pdf").read_bytes() == b"earlier run"
    assert_refused(runner, app_session, tmp_path, args_for(world, tmp_path / "a.svg"), "*.svg.zip")
    assert_refused(runner, app_session, tmp_path, args_for(world, tmp_path / "a.docx"), ".pdf, .svg.zip")
    assert_refused(
        runner,
        app_session,
        tmp_path,
        [*args_for(world, tmp_path / "a.pdf"), "--manifest", tmp_path / "m.pdf"],
        "manifest must be a .csv",
    )


def test_refuses_unknown_product_lot_and_stock(
    runner: FlaskCliRunner, app_session: Session, world: World, tmp_path: Path
) -> None:
    assert_refused(
        runner,
        app_session,
        tmp_path,
        ["--product", 9999, "--lot", "X", "--count", 1, "--out", tmp_path / "a.pdf"],
        "product 9999 not found",
    )
    assert_refused(
        runner,
        app_session,
        tmp_path,
        ["--product", world.product.id, "--lot", "NO-SUCH", "--count", 1, "--out", tmp_path / "a.pdf"],
        "lot 'NO-SUCH' not found",
    )
    assert_refused(
        runner,
        app_session,
        tmp_path,
        [*args_for(world, tmp_path / "a.pdf"), "--stock", "custom:15x12"],
        "at least 0.4 mm",
    )


def test_refuses_without_the_key_passphrase(
    runner: FlaskCliRunner,
    app_session: Session,
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    monkeypatch.setenv("OCOP_KEY_PASSPHRASE", "wrong passphrase")
    code, output = run(runner, "issue", *args_for(world, out_dir / "a.pdf"))
    assert code != 0 and "Error:" in output and "Traceback" not in output
    assert label_count(app_session) == 0 and no_files(out_dir) == []


def test_warns_when_the_certification_ends_before_best_before(
    runner: FlaskCliRunner, app_session: Session, world: World, tmp_path: Path
) -> None:
    lot = lots.create_lot(
        app_session,
        actor="test",
        product_id=world.product.id,
        code="LONG-LIFE",
        produced_on=date.today(),
        best_before=world.certification.valid_until + timedelta(days=90),
    )
    app_session.commit()
    code, output = run(
        runner,
        "issue",
        "--product",
        world.product.id,
        "--lot",
        lot.code,
        "--count",
        2,
        "--out",
        tmp_path / "a.csv",
        "--quiet",
    )
    assert code == 0, output
    assert "Warning: the certification ends on" in output and "best-before" in output
    assert label_count(app_session) == 2


def writing_size(pid: int, folder: Path) -> int:
    """Bytes written so far by process ``pid`` to its (unnamed) output file in ``folder``."""
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(fd).startswith(f"{folder}/"):
                return fd.stat().st_size
        except FileNotFoundError:  # closed meanwhile
            continue
    return 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_ctrl_c_half_way_leaves_nothing_recorded_and_no_file(
    app: Flask, db_url: str, app_session: Session, world: World, tmp_path: Path
) -> None:
    """A real ``ocop`` process, interrupted by SIGINT while it writes a large run."""
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "OCOP_KEYS_DIR": str(app.config["OCOP_KEYS_DIR"]),
        "OCOP_BASE_URL": BASE_URL,
        "OCOP_KEY_PASSPHRASE": PASSPHRASE,
        "OCOP_INSTANCE": str(tmp_path / "inst"),
    }
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "ocop"),
            "issue",
            "--product",
            str(world.product.id),
            "--lot",
            world.lot.code,
            "--count",
            "100000",
            "--out",
            str(out_dir / "big.pdf"),
            "--quiet",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if writing_size(proc.pid, out_dir) > 2_000_000:  # well into the run
            break
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    output = proc.communicate(timeout=60)[0].decode()
    assert proc.returncode != 0
    assert "Aborted" in output and "Traceback" not in output
    assert no_files(out_dir) == []
    assert label_count(app_session) == 0


def test_reprint_refuses_bad_ranges_and_unknown_lots(
    runner: FlaskCliRunner, world: World, tmp_path: Path
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    for value, message in (
        ("5..x", "not a number range"),
        ("9..3", "first not above the last"),
        ("0..2", "1 or more"),
    ):
        code, output = run(
            runner, "reprint", "--lot", world.lot.code, "--serials", value, "--out", out_dir / "a.pdf"
        )
        assert code != 0 and message in output, output
    code, output = run(runner, "reprint", "--lot", "NO-SUCH", "--out", out_dir / "a.pdf")
    assert code != 0 and "lot 'NO-SUCH' not found" in output
    code, output = run(runner, "reprint", "--lot", world.lot.code, "--out", out_dir / "a.pdf")
    assert code != 0 and "no active labels" in output
    assert no_files(out_dir) == []


def test_reprint_leaves_out_revoked_labels(
    runner: FlaskCliRunner, app_session: Session, world: World, tmp_path: Path
) -> None:
    assert run(runner, "issue", *args_for(world, tmp_path / "first.csv", 3))[0] == 0
    serial = int((tmp_path / "first.csv").read_text(encoding="utf-8").splitlines()[2].split(",")[1])
    revocations.revoke(
        app_session,
        actor="test",
        target=RevocationTarget.LABEL,
        ref={"serial": serial},
        reason=RevocationReason.DAMAGED_OR_LOST,
        note="test",
    )
    app_session.commit()
    code, output = run(runner, "reprint", "--lot", world.lot.code, "--out", tmp_path / "again.csv", "--quiet")
    assert code == 0, output
    assert "left out 1 revoked labels" in output
    rows = (tmp_path / "again.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert [r.split(",")[0] for r in rows] == ["1", "3"]
    assert all(str(serial) not in r for r in rows)


def test_new_labels_carry_the_new_rating_and_reprint_keeps_ratings_apart(
    app: Flask, runner: FlaskCliRunner, app_session: Session, world: World, tmp_path: Path
) -> None:
    assert run(runner, "issue", *args_for(world, tmp_path / "four.csv", 2))[0] == 0
    certifications.certify(
        app_session,
        actor="test",
        product_id=world.product.id,
        stars=5,
        number="QĐ 5 sao",
        issued_on=date.today() - timedelta(days=1),
    )
    app_session.commit()
    assert run(runner, "issue", *args_for(world, tmp_path / "five.pdf", 2))[0] == 0
    (tmp_path / "pages").mkdir()
    assert_genuine(app, app_session, decode_pdf(tmp_path / "five.pdf", tmp_path / "pages"))
    code, output = run(runner, "reprint", "--lot", world.lot.code, "--out", tmp_path / "all.pdf")
    assert code != 0 and "different star ratings (4, 5)" in output
    assert not (tmp_path / "all.pdf").exists()
    code, output = run(
        runner,
        "reprint",
        "--lot",
        world.lot.code,
        "--serials",
        "3..4",
        "--out",
        tmp_path / "five-again.csv",
        "--quiet",
    )
    assert code == 0, output
