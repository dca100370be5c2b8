"""``GET /epcis/events`` and ``GET /epcis/lots/<id>`` on the real app: JSON-LD valid under the
official EPCIS 2.0 schema, the Link header's pages, and bad parameters as 400 problems."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from keys import PrivateKey
from tests.support.factories import World, issue, make_world
from tests.support.windows import fresh_window
from traceability.epcis import schema
from traceability.services import lots, revocations

GTIN = "08930000000017"


@pytest.fixture
def world(app_session: Session, app_signer: PrivateKey) -> World:
    """A GTIN product's lot: harvested, packed and shipped, 3 labels issued, one revoked."""
    world = make_world(app_session)
    world.product.gtin = GTIN
    start = datetime.now(UTC) - timedelta(days=10)
    for day, kind in enumerate(["harvested", "packed", "shipped"]):
        lots.add_event(
            app_session,
            actor="t",
            lot_id=world.lot.id,
            kind=kind,
            occurred_at=start + timedelta(days=day),
            place="Huế",
        )
    made = issue(app_session, world, app_signer, 3)
    app_session.commit()
    revocations.revoke(
        app_session, actor="t", target="label", ref={"serial": made[0].serial}, reason="recalled"
    )
    app_session.commit()
    return world


def _events(response) -> list[dict]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/ld+json"
    body = response.get_json(force=True)
    assert schema.problems(body) == []
    assert body["type"] == "EPCISQueryDocument"
    return body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


def test_all_events_are_public_and_valid(client: FlaskClient, world: World) -> None:
    response = client.get("/epcis/events")
    found = _events(response)
    assert [e["bizStep"] for e in found] == [
        "creating_class_instance",
        "packing",
        "shipping",
        "commissioning",
        "decommissioning",
    ]
    assert response.headers["GS1-EPCIS-Version"] == "2.0.0"
    assert "Link" not in response.headers


def test_the_link_header_walks_every_page(client: FlaskClient, world: World) -> None:
    everything = _events(client.get("/epcis/events"))
    seen, url = [], "/epcis/events?perPage=2"
    while url:
        response = client.get(url)
        page = _events(response)
        assert len(page) <= 2
        seen.extend(page)
        link = response.headers.get("Link")
        if link is None:
            break
        assert link.endswith('>; rel="next"')
        parts = urlsplit(link[1 : link.index(">")])
        url = f"{parts.path}?{parts.query}"
        assert response.headers["GS1-Next-Page-Token"] in url
    assert seen == everything


def test_filters(client: FlaskClient, world: World) -> None:
    lot_uri = f"https://xacthuc.ocop.vn/01/{GTIN}/10/{world.lot.code}"
    assert [e["bizStep"] for e in _events(client.get("/epcis/events?EQ_bizStep=shipping|packing"))] == [
        "packing",
        "shipping",
    ]
    recalled = _events(client.get("/epcis/events", query_string={"EQ_disposition": "recalled"}))
    assert len(recalled) == 1 and recalled[0]["epcList"][0].startswith(lot_uri + "/21/")
    by_class = _events(client.get("/epcis/events", query_string={"MATCH_epcClass": lot_uri}))
    assert len(by_class) == 4
    assert _events(client.get("/epcis/events", query_string={"MATCH_epc": lot_uri + "/21/1"})) == []


@pytest.mark.parametrize(
    "query",
    [
        "EQ_colour=red",
        "perPage=0",
        "perPage=abc",
        "GE_eventTime=yesterday",
        "GE_eventTime=2026-01-01T00:00:00",
        "nextPageToken=xyz",
        "nextPageToken=WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwwLFs5OTk5OTk5OTk5OTk5XV0",
        "EQ_bizStep=shipping&EQ_bizStep=receiving",
        "EQ_bizStep=",
        "GE_eventTime=0001-01-01T00:00:00%2B14:00",
    ],
)
def test_bad_parameters_are_400_problems(client: FlaskClient, world: World, query: str) -> None:
    response = client.get(f"/epcis/events?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["type"] == "epcisException:QueryParameterException"
    assert body["title"]


def test_a_lots_history_is_one_document(client: FlaskClient, world: World) -> None:
    response = client.get(f"/epcis/lots/{world.lot.id}")
    assert response.status_code == 200
    body = response.get_json(force=True)
    assert schema.problems(body) == []
    assert body["type"] == "EPCISDocument"
    assert len(body["epcisBody"]["eventList"]) == 5
    assert body["@context"][0] == "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


@pytest.mark.parametrize(
    "uri",
    [
        f"https://xacthuc.ocop.vn/01/{GTIN}/10/A/21/99999999999999999999",
        "https://xacthuc.ocop.vn/epcis/lots/999999999999999999",
        "https://xacthuc.ocop.vn/epcis/lots/2147483648/labels/1",
    ],
)
def test_identifiers_past_the_columns_find_nothing(client: FlaskClient, world: World, uri: str) -> None:
    for name in ("MATCH_epc", "MATCH_epcClass"):
        assert _events(client.get("/epcis/events", query_string={name: uri})) == []


@pytest.mark.parametrize("path", ["/epcis/lots/999999", "/epcis/lots/99999999999999999999", "/epcis/nothing"])
def test_unknown_lot_or_route_is_a_404_problem(client: FlaskClient, world: World, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)
    assert response.is_json or response.mimetype == "application/problem+json"


def test_the_query_interface_is_rate_limited(client: FlaskClient, world: World) -> None:
    fresh_window(timedelta(minutes=1), margin=30)  # a minute that ends mid-run restarts the count
    statuses = [client.get("/epcis/events?perPage=1").status_code for _ in range(125)]
    assert statuses[:120] == [200] * 120
    assert statuses[-1] == 429


def test_certification_and_location_identifiers_resolve(client: FlaskClient, world: World) -> None:
    found = _events(client.get("/epcis/events?EQ_bizStep=packing"))[0]
    certification = client.get(urlsplit(found["certificationInfo"]).path)
    assert certification.status_code == 200
    body = certification.get_json(force=True)
    assert body["@id"] == found["certificationInfo"]
    assert body["gs1:certificationIdentification"] == world.certification.number
    assert body["gs1:certificationValue"] == f"{world.certification.stars} sao"
    place = client.get(urlsplit(found["readPoint"]["id"]).path)
    assert place.status_code == 200
    assert place.get_json(force=True)["gs1:address"]["gs1:addressRegion"] == "Thành phố Huế"
    assert client.get("/epcis/certifications/999999").status_code == 404
    assert client.get("/epcis/locations/province/3").status_code == 404
