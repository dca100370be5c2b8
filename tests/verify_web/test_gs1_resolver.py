"""The GS1-conformant resolver (verify_web.public.gs1) and GS1-form labels on the verify site, through
Flask's test client on SQLite and PostgreSQL.

Each test named ``test_conformance_*`` checks one conformance statement of GS1's
"GS1-Conformant Resolver" standard (release 1.2, as worded in GS1's own resolver test suite,
github.com/gs1/GS1DL-resolver-testsuite); the statement is quoted above the test. README
"GS1 Digital Link resolver" lists them with what is not supported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import unquote

import biip
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keys import PrivateKey
from labels import LabelSerializer
from tests.support.factories import make_world
from traceability.enums import LabelForm
from traceability.models import Scan
from traceability.services import corrections, revocations
from usecases.issuance import issue, plan_issue
from verify_web.core.clock import today
from verify_web.core.services import services
from verify_web.hotpath.scan_recorder import writer

GTIN = "08934567890120"
PHONE = {
    "User-Agent": "Mozilla/5.0 (Linux; Android 12) Chrome/120 Mobile Safari/537.36",
    "Accept": "text/html",
}
VOC = "https://gs1.org/voc/"
LINKSET = {"Accept": "application/linkset+json"}


@dataclass
class Item:
    label: str  # a signed label's full QR text
    path: str  # its path and query, as requested
    product: str  # the product's DL path without a signature
    lot_code: str
    serial: str


@pytest.fixture
def item(app: Flask, app_session: Session, app_signer: PrivateKey) -> Item:
    world = make_world(app_session)
    corrections.update_product(
        app_session,
        actor="t",
        product_id=world.product.id,
        name=world.product.name,
        group=world.product.group,
        gtin=GTIN,
        label_form=LabelForm.GS1,
    )
    base = app.config["OCOP_BASE_URL"]
    keystore = services(app).keystore
    with app.app_context():
        day = today()
    plan = plan_issue(
        app_session, product_id=world.product.id, lot_code=world.lot.code, count=2, today=day, base_url=base
    )
    printed = list(
        issue(
            app_session,
            plan,
            key=app_signer,
            serializer=LabelSerializer(base, keystore.keyring()),
            actor="t",
            digest_key=keystore.digest_key(),
        )
    )
    app_session.commit()
    text = printed[0].text
    path = text[text.index("/01/") :]
    return Item(text, path, f"/01/{GTIN}", world.lot.code, str(printed[0].serial))


def _verdict(html: str) -> str:
    marker = 'class="verdict" data-status="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_person_gets_the_verdict_page_and_the_scan_is_recorded(
    client: FlaskClient, item: Item, app_session: Session
) -> None:
    response = client.get(item.path, headers=PHONE, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert _verdict(html) == "genuine" and "Củ cải trắng" in html
    writer(client.application).flush()
    assert app_session.scalar(select(func.count()).select_from(Scan).where(Scan.channel == "web")) == 1
    assert "Đã quét 2 lần" in client.get(item.path, headers=PHONE).get_data(as_text=True)


def test_one_character_changes_verify_invalid_on_the_page_and_the_api(
    client: FlaskClient, item: Item
) -> None:
    for old, new in (
        (f"/01/{GTIN}", "/01/08934567890137"),
        # the lot's last character changed (the factory's lot codes end in any digit)
        (f"/10/{item.lot_code}", f"/10/{item.lot_code[:-1]}{'8' if item.lot_code[-1] == '9' else '9'}"),
        (f"/21/{item.serial}", f"/21/{item.serial[:-1]}{(int(item.serial[-1]) + 1) % 10}"),
    ):
        changed = item.path.replace(old, new)
        assert changed != item.path
        assert _verdict(client.get(changed, headers=PHONE).get_data(as_text=True)) == "invalid"
    api = client.post("/api/v1/verify", json={"qr": item.label}).get_json()
    assert api["status"] == "genuine" and api["warnings"] == []
    forged = client.post("/api/v1/verify", json={"qr": item.label.replace(f"/10/{item.lot_code}", "/10/X1")})
    assert forged.get_json()["status"] == "invalid"


def test_a_revoked_label_is_revoked_on_the_page_and_in_its_recall_status(
    client: FlaskClient, item: Item, app_session: Session
) -> None:
    revocations.revoke(
        app_session, actor="t", target="label", ref={"serial": int(item.serial)}, reason="recalled"
    )
    app_session.commit()
    assert _verdict(client.get(item.path, headers=PHONE).get_data(as_text=True)) == "revoked"
    location = client.get(item.path + "&linkType=gs1:recallStatus").headers["Location"]
    status = client.get(location).get_json()
    assert status["recalled"] is True and status["label_revocation"] == "recalled"


# "SHALL support HTTP 1.1 (or higher) GET, HEAD and OPTIONS requests."
def test_conformance_get_head_and_options(client: FlaskClient, item: Item) -> None:
    assert client.get(item.product, headers=LINKSET).status_code == 200
    assert client.head(item.product, headers=LINKSET).status_code == 200
    options = client.options(item.product)
    assert options.status_code == 204
    assert {"GET", "HEAD", "OPTIONS"} <= {
        m.strip() for m in options.headers["Access-Control-Allow-Methods"].split(",")
    }


# "SHALL support CORS"
def test_conformance_cors_on_every_answer(client: FlaskClient, item: Item) -> None:
    answers = [
        client.get(item.path, headers=PHONE),  # 200 page
        client.get(item.product, headers=LINKSET),  # 200 linkset
        client.get(item.product),  # 307
        client.get(f"/01/{GTIN}/99/X"),  # 400
        client.get("/01/08934567890137"),  # 404
        client.get("/.well-known/gs1resolver"),
        client.options(item.path),
    ]
    assert [a.headers.get("Access-Control-Allow-Origin") for a in answers] == ["*"] * len(answers)


# "SHALL extract and syntactically validate the URI and report errors with an HTTP response code
# of 400"
@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/01/08934567890121", "check_digit"),
        (f"/01/{GTIN}/21/1/10/A", "qualifier_order"),
        (f"/01/{GTIN}/99/A", "unknown_ai"),
        (f"/01/{GTIN}/foo", "unknown_ai"),  # the test suite's own probe: the DL URI + "/foo"
        (f"/01/{GTIN}/10/" + "A" * 21, "bad_value"),
        ("/01/893456", "bad_gtin"),
    ],
)
def test_conformance_bad_syntax_is_400_with_a_reason(
    client: FlaskClient, item: Item, path: str, reason: str
) -> None:
    response = client.get(path, headers=PHONE)
    assert response.status_code == 400
    assert response.get_json()["error"]["reason"] == reason


# "A GS1 conformant resolver SHALL NOT use a 200 OK response code with a resource that indicates
# an error condition"
def test_conformance_no_error_with_200(client: FlaskClient, item: Item) -> None:
    assert client.get(item.product + "?linkType=gs1:verificationService").status_code == 404  # no link
    assert client.get(item.product + "?linkType=gs1:sds").status_code == 404  # a type we never list
    assert client.get("/01/08934567890137", headers=LINKSET).status_code == 404  # unknown GTIN
    assert client.get(f"{item.product}/10/NO-SUCH-LOT?linkType=gs1:epcis").status_code == 404


# "SHALL provide a resolver description file at /.well-known/gs1resolver"
def test_conformance_resolver_description_file(client: FlaskClient, app: Flask) -> None:
    document = client.get("/.well-known/gs1resolver").get_json()
    assert document["resolverRoot"] == app.config["OCOP_BASE_URL"].lower()
    assert document["supportedPrimaryKeys"] == ["01"]
    assert client.head("/.well-known/gs1resolver").status_code == 200


# "SHALL respond to a query parameter of linkType set to all by returning a list of links available
# to the client application. The list SHALL be available as JSON, SHOULD be available as JSON-LD
# and MAY be available in HTML and any other formats, served through content negotiation."
def test_conformance_link_type_all_is_a_json_list_by_content_negotiation(
    client: FlaskClient, item: Item
) -> None:
    as_json = client.get(item.product + "?linkType=all", headers={"Accept": "application/json"})
    assert as_json.status_code == 200 and as_json.mimetype == "application/json"
    assert "Accept" in as_json.headers["Vary"]
    by_accept = client.get(item.path, headers=LINKSET)
    assert by_accept.mimetype == "application/linkset+json"
    assert by_accept.get_json()["linkset"][0]["anchor"].endswith(
        f"/01/{GTIN}/10/{item.lot_code}/21/{item.serial}"
    )


def _linkset(client: FlaskClient, item: Item) -> dict[str, object]:
    document: dict[str, object] = client.get(item.path + "&linkType=all").get_json()
    return document


# "A set of links MUST be represented as a JSON object which MUST have "linkset" as its sole member."
def test_conformance_linkset_is_the_sole_member(client: FlaskClient, item: Item) -> None:
    assert list(_linkset(client, item)) == ["linkset"]


# "The "linkset" member is an array in which a distinct JSON object - the "link context object" -
# MUST be used to represent links that have the same link context."
def test_conformance_one_link_context_object(client: FlaskClient, item: Item) -> None:
    contexts = _linkset(client, item)["linkset"]
    assert isinstance(contexts, list) and len(contexts) == 1 and isinstance(contexts[0], dict)


# "Each link context object MUST have an "anchor" member with a value that represents the link
# context. ... GS1 Digital Link requires an absolute URI that follows the GS1 DL syntax
# (uncompressed)"
def test_conformance_anchor_is_an_uncompressed_dl_uri(client: FlaskClient, item: Item) -> None:
    anchor = _linkset(client, item)["linkset"][0]["anchor"]  # type: ignore[index]
    parsed = biip.parse(anchor).gs1_digital_link_uri
    assert parsed is not None and anchor.startswith("https://")
    values = {e.ai.ai: e.value for e in parsed.element_strings}
    assert values == {"01": GTIN, "10": item.lot_code, "21": item.serial}


# "Linkset requires there be an array of link target objects for every link relation, even if
# there is only one link target object." and "All links exposed SHALL include the target URL, the
# link relationship type (the link type) and a human-readable title"
def test_conformance_every_link_type_has_target_objects_with_href_and_title(
    client: FlaskClient, item: Item
) -> None:
    context = _linkset(client, item)["linkset"][0]  # type: ignore[index]
    types = {k for k in context if k != "anchor"}
    wanted = {"defaultLink", "verificationService", "certificationInfo", "pip", "recallStatus", "epcis"}
    assert types == {VOC + t for t in wanted}
    for rel in types:
        targets = context[rel]
        assert isinstance(targets, list) and targets
        for target in targets:
            assert target["href"].startswith("https://") and target["title"] and target["title*"][0]["value"]


# "SHALL recognise one available linkType as the default for any given request URI and, within
# that, SHALL recognise one default link which may be at a less granular level than the request URI"
def test_conformance_one_default_link(client: FlaskClient, item: Item, app: Flask) -> None:
    context = _linkset(client, item)["linkset"][0]  # type: ignore[index]
    assert len(context[VOC + "defaultLink"]) == 1
    assert context[VOC + "defaultLink"][0]["href"] == item.label  # the label: its verdict page
    # An item without a signature: the product page, by a 307.
    response = client.get(item.product, headers=PHONE)
    assert response.status_code == 307
    assert response.headers["Location"] == f"{app.config['OCOP_BASE_URL'].lower()}/gs1/product/{GTIN}"


# "If supporting multiple links per identified item, SHALL recognise the GS1 Web vocabulary
# namespace, noting its change management practice."
def test_conformance_gs1_web_vocabulary(client: FlaskClient, item: Item) -> None:
    locations = {
        client.get(f"{item.product}?linkType={name}").headers["Location"]
        for name in ("gs1:pip", "https://gs1.org/voc/pip", "https://ref.gs1.org/voc/pip")
    }
    assert len(locations) == 1


# "SHALL redirect to the requested linkType if available"
@pytest.mark.parametrize("rel", ["verificationService", "certificationInfo", "pip", "recallStatus", "epcis"])
def test_conformance_redirect_to_the_requested_link_type(client: FlaskClient, item: Item, rel: str) -> None:
    context = _linkset(client, item)["linkset"][0]  # type: ignore[index]
    response = client.get(f"{item.path}&linkType=gs1:{rel}")
    assert response.status_code == 307
    # Werkzeug writes the Location's host in lower case (IDNA): hosts compare without case.
    assert response.headers["Location"].lower().startswith(context[VOC + rel][0]["href"].lower())


def test_every_link_target_answers(client: FlaskClient, item: Item, app: Flask) -> None:
    base = app.config["OCOP_BASE_URL"].lower()
    context = _linkset(client, item)["linkset"][0]  # type: ignore[index]

    def local(rel: str) -> str:
        href: str = context[VOC + rel][0]["href"]
        return href[len(base) :]

    assert "Củ cải trắng" in client.get(local("pip")).get_data(as_text=True)
    certificate = client.get(local("certificationInfo")).get_json()
    assert (certificate["gtin"], certificate["stars"], certificate["status"]) == (GTIN, 4, "active")
    status = client.get(local("recallStatus")).get_json()
    assert (status["recalled"], status["lot_known"], status["label_known"]) == (False, True, True)
    epcis = local("epcis")  # answered by the EPCIS endpoint (issue 14's second half)
    assert epcis.startswith("/epcis/events?MATCH_epcClass=")
    assert unquote(epcis.partition("=")[2]) == f"{base}/01/{GTIN}/10/{item.lot_code}"


# "By default, SHALL pass on all key=value pairs in the query string of the request URI (if
# present) when redirecting"
def test_conformance_query_string_is_passed_on(client: FlaskClient, item: Item) -> None:
    default = client.get(item.product + "?foo=bar", headers=PHONE)
    assert default.status_code == 307 and default.headers["Location"].endswith("?foo=bar")
    typed = client.get(item.product + "?linkType=gs1:certificationInfo&foo=bar&x=1")
    assert typed.headers["Location"].endswith("?foo=bar&x=1")
    # The label's own signature is not repeated on a target that already carries it.
    verification = client.get(item.path + "&linkType=gs1:verificationService&foo=bar").headers["Location"]
    assert verification.count("s=") == 1 and verification.endswith("&foo=bar")


# "SHOULD expose the full list of links available to the client in an HTTP Link header when
# redirecting."
def test_conformance_link_header_when_redirecting(client: FlaskClient, item: Item) -> None:
    header = client.get(item.path + "&linkType=gs1:pip").headers["Link"]
    for rel in ("verificationService", "certificationInfo", "pip", "recallStatus", "epcis"):
        assert f'rel="{VOC}{rel}"' in header


# "SHOULD tolerate trailing slashes at the end of GS1 Digital Link URIs, i.e. the resolver SHOULD
# NOT fail if one is present"
def test_conformance_trailing_slash(client: FlaskClient, item: Item) -> None:
    plain, slashed = client.get(item.product, headers=PHONE), client.get(item.product + "/", headers=PHONE)
    assert (plain.status_code, plain.headers["Location"]) == (
        slashed.status_code,
        slashed.headers["Location"],
    )


def test_product_pages_refuse_bad_and_unknown_gtins(client: FlaskClient, item: Item) -> None:
    assert client.get("/gs1/product/08934567890121").status_code == 400
    assert client.get("/gs1/certification/08934567890137").status_code == 404
    assert client.get(f"/gs1/recall/01/{GTIN}/21/1/10/A").status_code == 400


def test_expired_certification_keeps_its_info_link(
    client: FlaskClient, item: Item, app_session: Session
) -> None:
    from traceability.models import Certification

    cert = app_session.scalars(select(Certification)).one()
    cert.valid_until = cert.issued_on + timedelta(days=1)
    app_session.commit()
    assert client.get(f"/gs1/certification/{GTIN}").get_json()["valid_until"] == cert.valid_until.isoformat()
