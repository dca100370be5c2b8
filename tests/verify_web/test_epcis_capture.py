"""``POST /epcis/capture`` with partners' tokens: a valid document is stored atomically and
shows in the journey and the query interface; another producer's token (403), a revoked or
unknown token (401), schema-invalid or rule-breaking documents (400) store nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support.codes import Codes
from tests.support.factories import make_world
from traceability.epcis import schema
from traceability.models import LotEvent, Partner
from traceability.services import partners

HOST = "https://xacthuc.ocop.vn"
CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]


def _token(session: Session, producer_id: int, name: str = "Kho Hà Nội") -> str:
    _partner, token = partners.add_partner(session, actor="t", name=name, producer_id=producer_id)
    session.commit()
    return token


def _event(lot_id: int, **changes: Any) -> dict[str, Any]:
    event = {
        "type": "ObjectEvent",
        "eventTime": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "receiving",
        "disposition": "in_progress",
        "quantityList": [{"epcClass": f"{HOST}/epcis/lots/{lot_id}", "quantity": 20, "uom": "H87"}],
        "readPoint": {"id": f"{HOST}/epcis/locations/province/46"},
    }
    event.update(changes)
    return {k: v for k, v in event.items() if v is not None}


def _document(*events: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": datetime.now(UTC).isoformat(),
        "epcisBody": {"eventList": list(events)},
    }


def _post(client: FlaskClient, token: str | None, body: object, content_type: str = "application/ld+json"):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post("/epcis/capture", data=data, headers=headers, content_type=content_type)


def _captured(session: Session) -> int:
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(LotEvent).where(LotEvent.partner_id.is_not(None)))
        or 0
    )


def _producer(codes: Codes) -> tuple[int, int]:
    lot = codes.genuine_label.lot
    return lot.id, lot.product.producer_id


def test_capture_is_stored_and_shows_in_journey_and_query(
    client: FlaskClient, app_session: Session, codes: Codes
) -> None:
    lot_id, producer_id = _producer(codes)
    token = _token(app_session, producer_id)
    label = f"{HOST}/epcis/lots/{lot_id}/labels/{codes.genuine_label.number}"
    body = _document(
        _event(lot_id, eventID="urn:uuid:6f1c7a4e-1111-4a4a-9a9a-0123456789ab"),
        _event(lot_id, bizStep="shipping", disposition="in_transit", quantityList=None, epcList=[label]),
    )
    response = _post(client, token, body)
    assert response.status_code == 202, response.get_data(as_text=True)
    job = response.get_json(force=True)
    assert job["success"] is True and len(job["eventIDs"]) == 2
    assert (
        client.get(response.headers["Location"], headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    assert _captured(app_session) == 2
    found = client.get("/epcis/events", query_string={"EQ_bizStep": "receiving"}).get_json(force=True)
    assert schema.problems(found) == []
    (received,) = found["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert received["eventID"] == "urn:uuid:6f1c7a4e-1111-4a4a-9a9a-0123456789ab"
    assert received["recordTime"]
    by_label = client.get("/epcis/events", query_string={"MATCH_epc": label}).get_json(force=True)
    assert [e["bizStep"] for e in by_label["epcisBody"]["queryResults"]["resultsBody"]["eventList"]] == [
        "shipping"
    ]
    page = client.get(codes.path(codes.genuine)).get_data(as_text=True)
    assert "Đã nhận hàng" in page and "Huế" in page


def test_the_same_document_twice_is_refused(client: FlaskClient, app_session: Session, codes: Codes) -> None:
    lot_id, producer_id = _producer(codes)
    token = _token(app_session, producer_id)
    body = _document(_event(lot_id, eventID="urn:uuid:6f1c7a4e-2222-4a4a-9a9a-0123456789ab"))
    assert _post(client, token, body).status_code == 202
    again = _post(client, token, body)
    assert again.status_code == 400 and "already captured" in again.get_json(force=True)["detail"]
    assert _captured(app_session) == 1


def test_another_producers_token_is_403(client: FlaskClient, app_session: Session, codes: Codes) -> None:
    lot_id, producer_id = _producer(codes)
    other = make_world(app_session, name="Chè Tân Cương").product.producer_id
    assert other != producer_id
    token = _token(app_session, other)
    response = _post(client, token, _document(_event(lot_id)))
    assert response.status_code == 403
    assert response.get_json(force=True)["type"] == "epcisException:SecurityException"
    assert _captured(app_session) == 0


def test_revoked_unknown_and_missing_tokens_are_401(
    client: FlaskClient, app_session: Session, codes: Codes
) -> None:
    lot_id, producer_id = _producer(codes)
    token = _token(app_session, producer_id)
    partner_id = app_session.scalar(select(Partner.id))
    partners.revoke_partner(app_session, actor="t", partner_id=partner_id)
    app_session.commit()
    for given in (token, "ocop_" + "x" * 43, None):
        response = _post(client, given, _document(_event(lot_id)))
        assert response.status_code == 401, given
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "revoked" in _post(client, token, _document(_event(lot_id))).get_json(force=True)["title"]
    assert _captured(app_session) == 0


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"action": "ADD"}, "action"),
        ({"bizStep": "packing"}, "bizStep"),
        (
            {
                "type": "AggregationEvent",
                "quantityList": None,
                "parentID": f"{HOST}/x",
                "childEPCs": [f"{HOST}/y"],
            },
            "ObjectEvents",
        ),
        ({"eventTime": (datetime.now(UTC) + timedelta(days=2)).isoformat()}, "future"),
        ({"eventTime": "last tuesday"}, "date-time"),
        ({"eventTime": "0001-01-01T00:00:00+14:00"}, "out of range"),
        (
            {"quantityList": None, "epcList": [f"{HOST}/epcis/lots/1/labels/99999999999999999"]},
            "issued label",
        ),
        (
            {"quantityList": None, "epcList": [f"{HOST}/01/08930000000017/10/A1/21/99999999999999999999"]},
            "not one",
        ),
        ({"eventTimeZoneOffset": "7"}, "eventTimeZoneOffset"),
        ({"bizTransactionList": [{"type": "po", "bizTransaction": "urn:po:1"}]}, "public"),
        ({"quantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.012345.998877"}]}, "not one of our"),
        ({"quantityList": [{"epcClass": f"{HOST}/epcis/lots/999999"}]}, "not one of our"),
        ({"quantityList": None, "epcList": [f"{HOST}/epcis/lots/LOT/labels/1"]}, "not one of our"),
    ],
)
def test_malformed_events_are_400_with_a_reason(
    client: FlaskClient, app_session: Session, codes: Codes, changes: dict[str, Any], reason: str
) -> None:
    lot_id, producer_id = _producer(codes)
    token = _token(app_session, producer_id)
    # A good event first: a bad one anywhere in the document refuses the whole document.
    response = _post(client, token, _document(_event(lot_id), _event(lot_id, **changes)))
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json(force=True)
    assert body["type"] == "epcisException:ValidationException"
    assert reason in body["detail"], body["detail"]
    assert _captured(app_session) == 0


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        (json.dumps({"type": "EPCISDocument"}), "application/json", 400),
        (json.dumps([1, 2]), "application/json", 400),
        ("[" * 100 + "]" * 100, "application/json", 400),
        (json.dumps({"a": 1}), "text/plain", 415),
    ],
)
def test_bodies_that_are_not_epcis_documents(
    client: FlaskClient, app_session: Session, codes: Codes, body: str, content_type: str, status: int
) -> None:
    _lot_id, producer_id = _producer(codes)
    token = _token(app_session, producer_id)
    response = _post(client, token, body, content_type)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"


def test_another_partners_capture_job_is_not_found(
    client: FlaskClient, app_session: Session, codes: Codes
) -> None:
    lot_id, producer_id = _producer(codes)
    mine, theirs = _token(app_session, producer_id), _token(app_session, producer_id, "Nhà phân phối B")
    location = _post(client, mine, _document(_event(lot_id))).headers["Location"]
    assert client.get(location, headers={"Authorization": f"Bearer {theirs}"}).status_code == 404


def test_capture_is_rate_limited(client: FlaskClient, app_session: Session, codes: Codes) -> None:
    statuses = [_post(client, "ocop_" + "y" * 43, {}).status_code for _ in range(32)]
    assert statuses[:30] == [401] * 30 and statuses[-1] == 429
