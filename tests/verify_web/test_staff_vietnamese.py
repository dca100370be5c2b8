"""Staff pages in Vietnamese show no English from the catalogue, times on Việt Nam's clock,
labels by lot and number, and the safety rules of issue 13 (keys, reports, revocations)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from keys import PrivateKey
from labels import short_code
from tests.verify_web.staff import Office, counts, login, make_office

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
TRANSLATIONS = Path(__file__).resolve().parents[2] / "verify_web" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sd]")
# Words the same in both languages, or names of things (variables, formats, the programme).
SAME_IN_BOTH = {"OCOP", "GTIN", "CSV", "PDF", "PNG", "SVG", "API", "QR", "ZIP", "Email"}


def english_phrases() -> set[str]:
    """Return the catalogue's English msgid fragments whose Vietnamese differs: each literal
    run between placeholders with at least three letters, as it would show on a page (shorter
    runs such as "in" are Vietnamese words too)."""
    with (TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    phrases: set[str] = set()
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            if not msgid or msgid in strings:
                continue
            for part in PLACEHOLDER.split(msgid):
                part = part.strip(" .,:;()·…–-")
                if len(re.findall(r"[A-Za-z]", part)) >= 3 and part not in SAME_IN_BOTH:
                    phrases.add(part)
    return phrases


def visible_text(page: str) -> str:
    """Return the text a reader sees (tags, attributes and the language switch removed)."""
    body = re.sub(r"(?s)<(script|style|title)\b.*?</\1>", " ", page)
    body = re.sub(r"(?s)<!--.*?-->", " ", body)
    body = re.sub(r"(?s)<a [^>]*lang=[^>]*>.*?</a>", " ", body)  # the "English" switch
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def english_on(page: str, phrases: set[str]) -> list[str]:
    text = " ".join(visible_text(page).split())
    return sorted(p for p in phrases if re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", text))


@pytest.fixture
def office(client: FlaskClient, app_session: Session, app_signer: PrivateKey) -> Office:
    return make_office(app_session, app_signer)


ADMIN_PAGES = [
    "/admin",
    "/admin/registry",
    "/admin/revocations",
    "/admin/labels",
    "/admin/followup",
    "/admin/audit",
    "/admin/keys",
    "/admin/keys/rotate",
    "/admin/users",
]
INSPECTOR_PAGES = ["/inspect", "/inspect/suspects", "/inspect/reports", "/inspect/check"]
PRODUCER_PAGES = ["/producer", "/producer/labels"]


def test_staff_pages_in_vietnamese_show_no_english(
    client: FlaskClient, app_session: Session, office: Office
) -> None:
    phrases = english_phrases()
    assert {"Scans per day", "Record", "Harvested", "Genuine OCOP label"} <= phrases  # the net holds
    world = office.world
    labels = office.labels
    pages = {
        "chanh": [
            *ADMIN_PAGES,
            f"/admin/registry/producers/{world.product.producer_id}",
            f"/admin/keys/{labels[0].key_id}/compromise",
        ],
        "kiem": [*INSPECTOR_PAGES, f"/inspect/suspects/{labels[0].id}"],
        "dongcao": [*PRODUCER_PAGES, f"/producer/lots/{world.lot.id}"],
    }
    found: dict[str, list[str]] = {}
    for user, paths in pages.items():
        client.get("/?lang=vi")
        login(client, user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            if english := english_on(response.get_data(as_text=True), phrases):
                found[path] = english
        client.post("/logout", data={"csrf_token": login(client, user)})
        client.delete_cookie("session")
    assert found == {}


def test_english_is_the_switch(client: FlaskClient, office: Office) -> None:
    login(client, "chanh")
    english = client.get("/admin?lang=en").get_data(as_text=True)
    assert "products certified today" in english and "Verdicts this week" in english
    assert {"Verdicts this week", "Audit log"} <= set(
        english_on(english, english_phrases())
    )  # detector works
    vietnamese = client.get("/admin?lang=vi").get_data(as_text=True)
    assert "sản phẩm đang được chứng nhận" in vietnamese


def test_times_are_on_the_programme_clock(client: FlaskClient, office: Office) -> None:
    login(client, "kiem")
    labels = office.labels
    timeline = client.get(f"/inspect/suspects/{labels[1].id}").get_data(as_text=True)
    assert office.morning_local in timeline and "08:04" not in timeline  # 08:04 UTC is 15:04 here
    assert "Asia/Ho_Chi_Minh" in timeline


def test_admin_dashboard_reports_the_office_figures(client: FlaskClient, office: Office) -> None:
    login(client, "chanh")
    page = client.get("/admin").get_data(as_text=True)

    def figure(name: str) -> str:
        match = re.search(rf'id="fig-{name}"><span class="figure">([^<]+)</span>', page)
        assert match, name
        return match.group(1)

    assert figure("certified") == "1" and figure("labels") == "5" and figure("scans") == "6"
    assert figure("reports") == "2" and figure("ending") == "0"
    assert '<rect class="bar-genuine"' in page and '<rect class="bar-invalid"' in page
    certified = page.split('id="certified"')[1].split("</table>")[0]
    assert '<th scope="row">thực phẩm</th><td>0</td><td>1</td><td>0</td>' in certified  # one 4★ food
    by_reason = page.split('id="revocations-by-reason"')[1].split("</table>")[0]
    assert "<td>tem hỏng hoặc thất lạc</td><td>1</td><td>2</td>" in by_reason


def test_reports_show_what_an_inspector_acts_on(client: FlaskClient, office: Office) -> None:
    login(client, "kiem")
    page = client.get("/inspect/reports").get_data(as_text=True)
    labels = office.labels
    world = office.world
    ours, forged = page.split('class="card report"')[2], page.split('class="card report"')[1]
    assert "0912 345 678" in ours and "Chợ Đồng Xuân" in ours
    assert short_code(labels[0].serial) in ours and f"Lô {world.lot.code}, tem số 1" in ours
    assert f"/inspect/suspects/{labels[0].id}" in ours and "Tem OCOP chính hãng" in ours
    assert re.search(r"PA-\d{4}-\d{5}", ours)
    assert "confirm_report" not in forged and "/confirm" not in forged  # nothing to revoke there
    assert "/confirm" in ours and "Không phải tem của hệ thống" in forged


def test_last_active_key_cannot_be_retired(
    client: FlaskClient, app_session: Session, office: Office, app_signer: PrivateKey
) -> None:
    token = login(client, "chanh")
    keys_page = client.get("/admin/keys").get_data(as_text=True)
    assert f"/admin/keys/{app_signer.kid}/retire" not in keys_page and 'id="last-key"' in keys_page
    before = counts(app_session)
    refused = client.post(f"/admin/keys/{app_signer.kid}/retire", data={"csrf_token": token})
    assert refused.status_code == 400
    assert "khóa duy nhất đang hoạt động" in refused.get_data(as_text=True)
    assert counts(app_session) == before
    assert client.get("/admin/labels").status_code == 200
    rotate = client.get("/admin/keys/rotate").get_data(as_text=True)
    assert f"Khóa {app_signer.kid} ngừng ký" in rotate
    compromise = client.get(f"/admin/keys/{app_signer.kid}/compromise").get_data(as_text=True)
    assert 'data-count="3" data-lots="1"' in compromise  # 5 issued, 2 already revoked


def test_revocation_preview_names_product_lot_and_numbers(client: FlaskClient, office: Office) -> None:
    token = login(client, "chanh")
    world = office.world
    form = {
        "target": "lot",
        "value": str(world.lot.id),
        "reason": "recalled",
        "note": "",
        "csrf_token": token,
    }
    page = client.post("/admin/revocations/preview", data=form).get_data(as_text=True)
    hits = page.split('id="hits"')[1].split("</table>")[0]
    assert "Mật ong bạc hà" in hits and world.lot.code in hits
    assert "<td>3</td><td>1–3</td><td>1, 2, 3</td>" in hits
    history = client.get("/admin/revocations").get_data(as_text=True)
    assert f"Lô {world.lot.code}, tem số 4–5" in history
