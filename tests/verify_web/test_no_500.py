"""Inputs that once gave a 500 with a traceback (issue 9, point 6): each now gets a clear 4xx.

Ids past a 64-bit column, numbers past a 32-bit one, JSON nested past any real body, a time
whose offset falls before year 1 and an image too wide for zxing-cpp.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from PIL import Image
from sqlalchemy.orm import Session

from keys import PrivateKey
from tests.support.factories import issue, make_world
from tests.verify_web.staff import add_report, counts, login, make_user
from verify_web.core.bounds import MAX_ID, MAX_JSON_DEPTH, json_depth

HUGE = "99999999999999999999"  # > 2^64
JUST_PAST = str(2**31)  # the first id an INTEGER column cannot hold on PostgreSQL


def staff(client: FlaskClient, session: Session, role: str, producer_id: int | None = None) -> str:
    make_user(session, f"u-{role}", role, producer_id)
    return login(client, f"u-{role}")


def assert_clear_4xx(response, status: int) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and body.strip()


def test_deeply_nested_json_is_a_400(client: FlaskClient) -> None:
    body = '{"qr": ' + "[" * 1000 + "]" * 1000 + "}"
    response = client.post("/api/v1/verify", data=body, content_type="application/json")
    assert_clear_4xx(response, 400)
    assert response.get_json()["error"]["code"] == 400
    # Just inside the bound the body parses (and is refused only for its shape).
    inside = {"qr": "x", "extra": json.loads("[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1))}
    assert json_depth(inside) == MAX_JSON_DEPTH
    assert client.post("/api/v1/verify", json=inside).status_code == 200
    past = {"qr": "x", "extra": json.loads("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)}
    assert_clear_4xx(client.post("/api/v1/verify", json=past), 400)


@pytest.mark.parametrize("number", [HUGE, str(2**63), JUST_PAST])
def test_huge_ids_in_urls_are_404(
    client: FlaskClient, app_session: Session, app_signer: PrivateKey, number: str
) -> None:
    world = make_world(app_session)
    issue(app_session, world, app_signer, 1)
    app_session.commit()
    staff(client, app_session, "admin")
    for path in (
        f"/admin/registry/producers/{number}",
        f"/inspect/suspects/{number}",
        f"/inspect/reports/{number}/photo",
    ):
        assert_clear_4xx(client.get(path), 404)
    client.post("/logout", data={"csrf_token": login(client, "u-admin")})
    producer_client = client.application.test_client()
    staff(producer_client, app_session, "producer", world.product.producer_id)
    assert_clear_4xx(producer_client.get(f"/producer/lots/{number}"), 404)
    # The largest id a column holds is still an ordinary "not found".
    assert_clear_4xx(producer_client.get(f"/producer/lots/{MAX_ID}"), 404)


def test_huge_ids_in_posts_change_nothing(
    client: FlaskClient, app_session: Session, app_signer: PrivateKey
) -> None:
    world = make_world(app_session)
    issue(app_session, world, app_signer, 1)
    add_report(app_session, None, shop="Chợ", province="Hà Nội")
    token = staff(client, app_session, "admin")
    before = counts(app_session)
    for path in (f"/inspect/reports/{HUGE}/confirm", f"/inspect/suspects/{HUGE}/revoke"):
        assert_clear_4xx(client.post(path, data={"csrf_token": token}), 404)
    assert counts(app_session) == before


@pytest.mark.parametrize("portal", ["admin", "producer"])
def test_reprint_numbers_past_the_column_are_a_400(
    client: FlaskClient, app_session: Session, app_signer: PrivateKey, portal: str
) -> None:
    world = make_world(app_session)
    issue(app_session, world, app_signer, 2)
    app_session.commit()
    token = staff(client, app_session, portal, world.product.producer_id if portal == "producer" else None)
    form = {"product": str(world.product.id), "lot": world.lot.code, "format": "csv", "csrf_token": token}
    path = "/admin/labels/reprint" if portal == "admin" else "/producer/labels/reprint"
    for numbers in (f"1..{HUGE}", f"{2**31}", "1..2147483648"):
        refused = client.post(path, data=form | {"numbers": numbers})
        assert_clear_4xx(refused, 400)
        assert 'role="alert"' in refused.get_data(as_text=True)
    # A product id past the column, on the reprint and the issue form alike.
    for form_path, extra in ((path, {}), (path.replace("reprint", "issue"), {"count": "1"})):
        refused = client.post(form_path, data=form | extra | {"product": "999999999999"})
        assert_clear_4xx(refused, 400)
    assert client.post(path, data=form | {"numbers": "1..2147483647"}).status_code == 200


def test_revocation_preview_of_a_serial_past_60_bits_is_a_400(
    client: FlaskClient, app_session: Session, app_signer: PrivateKey
) -> None:
    world = make_world(app_session)
    issue(app_session, world, app_signer, 1)
    token = staff(client, app_session, "admin")
    before = counts(app_session)
    for value in ("9999999999999999999", str(2**60)):
        form = {"target": "label", "value": value, "reason": "counterfeit", "csrf_token": token}
        for path in ("/admin/revocations/preview", "/admin/revocations"):
            response = client.post(path, data=form)
            assert_clear_4xx(response, 400)
            assert 'class="form-error"' in response.get_data(as_text=True)
    assert counts(app_session) == before


def test_lot_event_before_year_one_in_utc_is_a_400(client: FlaskClient, app_session: Session) -> None:
    world = make_world(app_session)
    app_session.commit()
    token = staff(client, app_session, "admin")
    before = counts(app_session)
    path = f"/admin/registry/producers/{world.product.producer_id}/lots/{world.lot.id}/events"
    response = client.post(
        path, data={"kind": "packed", "occurred_at": "0001-01-01T00:00:00+23:59", "csrf_token": token}
    )
    assert_clear_4xx(response, 400)
    assert 'class="form-error"' in response.get_data(as_text=True)
    assert counts(app_session) == before


def test_field_check_photo_wider_than_zxing_takes_is_a_400(client: FlaskClient, app_session: Session) -> None:
    token = staff(client, app_session, "inspector")
    buffer = io.BytesIO()
    Image.new("1", (65_536, 1), 1).save(buffer, format="PNG")
    upload = {"photo": (io.BytesIO(buffer.getvalue()), "wide.png"), "csrf_token": token}
    response = client.post("/inspect/check", data=upload, content_type="multipart/form-data")
    assert_clear_4xx(response, 400)
    assert "Tệp này không phải là ảnh đọc được." in response.get_data(as_text=True)


def test_cli_ids_past_the_column_are_one_line_errors(runner: FlaskCliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for args in (
        ["issue", "--product", HUGE, "--lot", "L", "--count", "1", "--out", str(out / "a.csv")],
        ["reprint", "--product", JUST_PAST, "--lot", "L", "--out", str(out / "a.csv")],
        ["reprint", "--lot", "L", "--serials", f"1..{HUGE}", "--out", str(out / "a.csv")],
        ["reinstate", HUGE, "--note", "x"],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 2, (args, result.output)  # click's usage error, one line
        assert "Traceback" not in result.output and "Error: Invalid value" in result.output, result.output
    assert list(out.iterdir()) == []
