"""The pure EPCIS parts: identifiers, the CBV mapping, query parameters, and the official
schema accepting what we write and refusing what is wrong."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from traceability.enums import EventKind, RevocationReason
from traceability.epcis import events, identifiers, query, schema
from traceability.epcis.identifiers import LabelRef, LotName, LotRef
from traceability.exc import QueryParameterError

HOST = identifiers.origin("https://XACTHUC.OCOP.VN")
CTX = events.Context(HOST, ZoneInfo("Asia/Ho_Chi_Minh"))
GTIN_LOT = LotName(7, "DC-2026/11", "08930000000017")
PLAIN_LOT = LotName(8, "Lô tháng 11", None)
AT = datetime(2026, 11, 1, 1, 2, 3, tzinfo=UTC)


def test_host_is_lower_case() -> None:
    assert HOST == "https://xacthuc.ocop.vn"


def test_digital_link_identifiers_for_a_gtin_and_a_valid_ai10() -> None:
    assert identifiers.lot_uri(HOST, GTIN_LOT) == "https://xacthuc.ocop.vn/01/08930000000017/10/DC-2026%2F11"
    assert (
        identifiers.label_uri(HOST, GTIN_LOT, serial=123, number=1)
        == "https://xacthuc.ocop.vn/01/08930000000017/10/DC-2026%2F11/21/123"
    )


@pytest.mark.parametrize(
    "lot",
    [PLAIN_LOT, LotName(9, "A" * 21, "08930000000017"), LotName(9, "Lô 1", "08930000000017")],
    ids=["no GTIN", "lot code over 20 characters", "lot code outside CSET 82"],
)
def test_our_own_identifiers_when_gs1_cannot_name_the_lot(lot: LotName) -> None:
    assert identifiers.lot_uri(HOST, lot) == f"https://xacthuc.ocop.vn/epcis/lots/{lot.lot_id}"
    assert (
        identifiers.label_uri(HOST, lot, serial=5, number=3)
        == f"https://xacthuc.ocop.vn/epcis/lots/{lot.lot_id}/labels/3"
    )


def test_parse_reads_back_every_identifier_we_write() -> None:
    assert identifiers.parse(HOST, identifiers.lot_uri(HOST, GTIN_LOT)) == LotRef(
        gtin="08930000000017", code="DC-2026/11"
    )
    assert identifiers.parse(HOST, identifiers.label_uri(HOST, GTIN_LOT, serial=9, number=1)) == LabelRef(
        LotRef(gtin="08930000000017", code="DC-2026/11"), serial=9
    )
    assert identifiers.parse(HOST, identifiers.lot_uri(HOST, PLAIN_LOT)) == LotRef(lot_id=8)
    assert identifiers.parse(HOST, identifiers.label_uri(HOST, PLAIN_LOT, serial=9, number=4)) == LabelRef(
        LotRef(lot_id=8), number=4
    )


@pytest.mark.parametrize(
    "uri",
    [
        "https://evil.example/01/08930000000017/10/A1",
        "https://xacthuc.ocop.vn/01/08930000000017/10/A1?s=123",
        "https://xacthuc.ocop.vn/01/0893000000001/10/A1",
        "https://xacthuc.ocop.vn/epcis/lots/0",
        "urn:epc:id:sgtin:0614141.107346.2017",
        "",
    ],
)
def test_parse_refuses_what_is_not_ours(uri: str) -> None:
    assert identifiers.parse(HOST, uri) is None


def test_event_ids_are_stable_and_distinct() -> None:
    assert identifiers.event_id(HOST, "journey/1") == identifiers.event_id(HOST, "journey/1")
    assert identifiers.event_id(HOST, "journey/1") != identifiers.event_id(HOST, "journey/2")
    assert identifiers.event_id(HOST, "journey/1").startswith("urn:uuid:")


def test_a_journey_step_maps_to_cbv_with_the_province_as_location() -> None:
    event = events.journey_event(
        CTX,
        event_row=1,
        lot=GTIN_LOT,
        kind=EventKind.PACKED,
        occurred_at=AT,
        recorded_at=AT,
        place="Hạ Long, Quảng Ninh",
        certification_id=3,
    )
    assert (event["action"], event["bizStep"], event["disposition"]) == ("OBSERVE", "packing", "in_progress")
    assert event["eventTime"] == "2026-11-01T08:02:03.000+07:00"
    assert event["eventTimeZoneOffset"] == "+07:00"
    assert (
        event["readPoint"]
        == event["bizLocation"]
        == {"id": "https://xacthuc.ocop.vn/epcis/locations/province/22"}
    )
    assert event["certificationInfo"] == "https://xacthuc.ocop.vn/epcis/certifications/3"
    assert event["ocop:journeyStep"] == "packed"


def test_a_shipment_has_no_business_location_and_an_unknown_place_no_location() -> None:
    shipped = events.journey_event(
        CTX,
        event_row=2,
        lot=GTIN_LOT,
        kind=EventKind.SHIPPED,
        occurred_at=AT,
        recorded_at=AT,
        place="Hà Nội",
        certification_id=None,
    )
    assert "bizLocation" not in shipped and shipped["readPoint"]["id"].endswith("/province/1")
    nowhere = events.journey_event(
        CTX,
        event_row=3,
        lot=GTIN_LOT,
        kind=EventKind.HARVESTED,
        occurred_at=AT,
        recorded_at=AT,
        place="vườn nhà ông Ba",
        certification_id=None,
    )
    assert "readPoint" not in nowhere and nowhere["ocop:place"] == "vườn nhà ông Ba"
    assert (nowhere["action"], nowhere["bizStep"]) == ("ADD", "creating_class_instance")


def test_issue_and_revocation_map_to_commissioning_and_decommissioning() -> None:
    issued = events.issue_event(
        CTX, run=5, lot=PLAIN_LOT, at=AT, count=400, first_number=1, certification_id=3
    )
    assert (issued["action"], issued["bizStep"], issued["disposition"]) == ("ADD", "commissioning", "active")
    assert issued["quantityList"] == [{"epcClass": "https://xacthuc.ocop.vn/epcis/lots/8", "quantity": 400}]
    recalled = events.revocation_event(
        CTX,
        events.Revoked(4, GTIN_LOT, 40, None),
        at=AT,
        reason=RevocationReason.RECALLED,
        reinstated_at=None,
    )
    assert (recalled["action"], recalled["bizStep"], recalled["disposition"]) == (
        "DELETE",
        "decommissioning",
        "recalled",
    )
    assert recalled["quantityList"][0]["quantity"] == 40
    fake = events.revocation_event(
        CTX,
        events.Revoked(5, GTIN_LOT, 1, [(77, 3)]),
        at=AT,
        reason=RevocationReason.COUNTERFEIT,
        reinstated_at=AT,
    )
    assert fake["disposition"] == "inactive"
    assert fake["epcList"] == ["https://xacthuc.ocop.vn/01/08930000000017/10/DC-2026%2F11/21/77"]
    assert fake["errorDeclaration"]["reason"] == "incorrect_data"


def _every_kind() -> list[events.Event]:
    found = [
        events.journey_event(
            CTX,
            event_row=i,
            lot=GTIN_LOT,
            kind=kind,
            occurred_at=AT,
            recorded_at=AT,
            place="Huế",
            certification_id=1,
        )
        for i, kind in enumerate(EventKind)
    ]
    found.append(
        events.issue_event(CTX, run=1, lot=PLAIN_LOT, at=AT, count=2, first_number=1, certification_id=1)
    )
    for reason in RevocationReason:
        found.append(
            events.revocation_event(
                CTX, events.Revoked(1, PLAIN_LOT, 1, [(1, 1)]), at=AT, reason=reason, reinstated_at=AT
            )
        )
    return found


def test_every_mapped_event_is_valid_under_the_official_schema() -> None:
    assert schema.problems(events.document(CTX, _every_kind(), created=AT)) == []
    assert schema.problems(events.query_document(CTX, _every_kind(), created=AT)) == []


def test_the_python_jsonschema_library_agrees() -> None:
    """A second validator (the ``jsonschema`` package, draft-07) on the same schema file."""
    import json
    from importlib import resources

    import jsonschema

    text = resources.files("traceability.epcis").joinpath("schema/epcis-json-schema.json").read_text("utf-8")
    jsonschema.Draft7Validator(json.loads(text), format_checker=jsonschema.FormatChecker()).validate(
        events.document(CTX, _every_kind(), created=AT)
    )


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"action": "MOVE"}, "action"),
        ({"eventTime": "yesterday"}, "eventTime"),
        ({"eventTimeZoneOffset": "+7"}, "eventTimeZoneOffset"),
        ({"quantityList": [{"quantity": 3}]}, "quantityList"),
        ({"bizStep": "urn:epcglobal:cbv:bizstep:shipping"}, "bizStep"),
    ],
)
def test_the_schema_refuses_broken_events(change: dict[str, object], where: str) -> None:
    event = {**_every_kind()[0], **change}
    found = schema.problems(events.document(CTX, [event], created=AT))
    assert found and any("eventList/0" in line for line in found), found


def test_query_parameters_parse() -> None:
    q = query.parse(
        {
            "EQ_bizStep": ["shipping|https://ref.gs1.org/cbv/BizStep-receiving"],
            "GE_eventTime": ["2026-11-01T00:00:00+07:00"],
            "perPage": ["5"],
        }
    )
    assert q.lists["EQ_bizStep"] == {"shipping", "receiving"}
    assert q.times["GE_eventTime"] == datetime(2026, 10, 31, 17, tzinfo=UTC)
    assert q.per_page == 5


@pytest.mark.parametrize(
    ("arguments", "parameter"),
    [
        ({"EQ_colour": ["red"]}, "EQ_colour"),
        ({"EQ_bizStep": ["shipping", "receiving"]}, "EQ_bizStep"),
        ({"EQ_bizStep": ["shipping||"]}, "EQ_bizStep"),
        ({"GE_eventTime": ["tomorrow"]}, "GE_eventTime"),
        ({"GE_eventTime": ["2026-11-01T00:00:00"]}, "GE_eventTime"),
        ({"perPage": ["0"]}, "perPage"),
        ({"perPage": ["100000"]}, "perPage"),
        ({"nextPageToken": ["not-a-token"]}, "nextPageToken"),
        (
            {"GE_eventTime": ["2026-11-02T00:00:00Z"], "LT_eventTime": ["2026-11-01T00:00:00Z"]},
            "LT_eventTime",
        ),
    ],
)
def test_bad_query_parameters_name_the_parameter(arguments: dict[str, list[str]], parameter: str) -> None:
    with pytest.raises(QueryParameterError) as caught:
        query.parse(arguments)
    assert caught.value.parameter == parameter


def test_page_tokens_round_trip() -> None:
    key = query.PageKey(AT, 2, (4, 7))
    assert query.PageKey.from_token(key.token()) == key


def test_matches_compares_lists_and_times() -> None:
    event = _every_kind()[4]  # shipped
    assert query.parse({"EQ_bizStep": ["shipping"]}).matches(event)
    assert not query.parse({"EQ_bizStep": ["receiving"]}).matches(event)
    assert query.parse({"MATCH_epcClass": [identifiers.lot_uri(HOST, GTIN_LOT)]}).matches(event)
    assert not query.parse({"MATCH_epc": [identifiers.lot_uri(HOST, GTIN_LOT)]}).matches(event)
    assert not query.parse({"LT_eventTime": ["2026-11-01T08:02:03+07:00"]}).matches(event)
    assert query.parse({"GE_eventTime": ["2026-11-01T08:02:03+07:00"]}).matches(event)
