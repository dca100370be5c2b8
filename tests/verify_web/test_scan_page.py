"""The scan page through Flask's test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.codes import SECRET, Codes
from traceability.models import Label, Scan
from traceability.services import clones, recent_scans
from verify_web.hotpath import scan_recorder
from verify_web.hotpath.scan_recorder import writer

PHONE_UA = "Mozilla/5.0 (Linux; Android 12; SM-A125F) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36"


def verdict_of(html: str) -> str:
    match = re.search(r'<h1 class="verdict" data-status="(\w+)">', html)
    assert match, html[:500]
    return match.group(1)


def get(client: FlaskClient, url: str, *, ip: str = "203.0.113.7", **kw: object) -> str:
    response = client.get(
        Codes.path(url), headers={"User-Agent": PHONE_UA}, environ_base={"REMOTE_ADDR": ip}, **kw
    )  # type: ignore[arg-type]
    assert response.status_code == 200
    writer(client.application).flush()  # scans are written in the background; wait for them
    return response.get_data(as_text=True)


def test_genuine_page_shows_facts_journey_and_history(client: FlaskClient, codes: Codes) -> None:
    html = get(client, codes.genuine)
    assert verdict_of(html) == "genuine"
    assert "Sản phẩm OCOP chính hãng" in html
    for fact in (
        "Củ cải trắng",
        "HTX Dịch vụ tổng hợp Đông Cao",
        "huyện Mê Linh",
        "Hà Nội",
        "4★",
        "Hội đồng cấp tỉnh",
        "Thu hoạch",
        "Hạn sử dụng (sản phẩm)",
    ):
        assert fact in html
    assert "Đã quét 1 lần" in html
    assert "Đã quét 2 lần" in get(client, codes.genuine)


def test_lowercase_path_and_english(client: FlaskClient, codes: Codes) -> None:
    html = client.get(Codes.path(codes.genuine).replace("/V/", "/v/") + "?lang=en").get_data(as_text=True)
    assert verdict_of(html) == "genuine"
    assert "Genuine OCOP product" in html


def test_each_verdict(client: FlaskClient, codes: Codes) -> None:
    expired = get(client, codes.expired)
    assert verdict_of(expired) == "expired" and "Chứng nhận OCOP đã hết hạn" in expired
    revoked = get(client, codes.revoked)
    assert verdict_of(revoked) == "revoked" and "Tem đã bị thu hồi" in revoked and "hàng giả" in revoked
    forged = get(client, codes.forged)
    assert verdict_of(forged) == "invalid" and "Không phải tem OCOP thật" in forged
    assert "/report?code=" in forged
    cloned = get(client, codes.cloned)
    # Its own headline: issued by us, but this item may carry a copy; never the green one.
    assert verdict_of(cloned) == "clone_suspected" and "có thể mang mã sao chép" in cloned
    assert "Sản phẩm OCOP chính hãng" not in cloned and "verdict-box genuine" not in cloned
    assert verdict_of(get(client, codes.genuine)) == "genuine"


def test_many_networks_at_once_raise_the_clone_state(client: FlaskClient, codes: Codes) -> None:
    # Within two days: the sixth network's scan fires sources_at_once, shown from the next one
    # (many_sources over the month: tests/traceability/test_scans_service.py).
    for n in range(clones.BURST_MONTH_SOURCES):
        assert verdict_of(get(client, codes.genuine, ip=f"198.51.100.{n}")) == "genuine"
    assert verdict_of(get(client, codes.genuine, ip="198.51.100.99")) == "clone_suspected"


def test_one_network_rechecking_is_one_source(client: FlaskClient, codes: Codes) -> None:
    # The hash of a network holds for a source period (30 days), so a buyer re-checking at
    # home, however often, never adds up to many sources.
    for _ in range(recent_scans.CLONE_SOURCES + 1):
        assert verdict_of(get(client, codes.genuine, ip="198.51.100.7")) == "genuine"


def test_an_ipv6_network_is_its_64_prefix(client: FlaskClient, codes: Codes, app_session: Session) -> None:
    # Phones on one home's IPv6 Wi-Fi pick new addresses within its /64 every day (RFC 8981).
    for address in (
        "2001:db8:1:2::10",
        "2001:db8:1:2:a1b2:c3d4:e5f6:1",
        "2001:db8:1:3::10",
        "::ffff:192.0.2.9",
    ):
        get(client, codes.genuine, ip=address)
    get(client, codes.genuine, ip="192.0.2.9")
    sources = app_session.scalars(
        select(Scan.source_hash).where(Scan.label_id == codes.genuine_label.id)
    ).all()
    assert len(sources) == 5 and len(set(sources)) == 3
    assert scan_recorder.network("2001:db8:1:2:a1b2::1") == "2001:db8:1:2::/64"
    assert scan_recorder.network("::ffff:192.0.2.9") == scan_recorder.network("192.0.2.9") == "192.0.2.9"


def test_scans_are_recorded_without_raw_ip(client: FlaskClient, codes: Codes, app_session: Session) -> None:
    get(client, codes.genuine, ip="192.0.2.55")
    client.head(Codes.path(codes.genuine))
    client.get(Codes.path(codes.genuine), headers={"User-Agent": "facebookexternalhit/1.1"})
    client.get(Codes.path(codes.genuine), headers={"User-Agent": PHONE_UA, "Sec-Purpose": "prefetch"})
    writer(client.application).flush()
    rows = app_session.scalars(select(Scan).where(Scan.label_id == codes.genuine_label.id)).all()
    assert len(rows) == 1
    (scan,) = rows
    assert (scan.verdict, scan.channel, scan.device) == ("genuine", "web", "Android")
    assert scan.source_hash and "192.0.2.55" not in scan.source_hash and len(scan.source_hash) == 32


def test_crawlers_are_told_apart_whatever_the_user_agents_length() -> None:
    # A user agent is judged once per worker and kept, unless it is too long to keep.
    long_phone = PHONE_UA + " " + "x" * scan_recorder.MAX_KEPT_AGENT
    long_bot = "Mozilla/5.0 " + "y" * scan_recorder.MAX_KEPT_AGENT + " Googlebot/2.1"
    bot = "Mozilla/5.0 (compatible; bingbot/2.0)"
    for _again in range(2):
        assert scan_recorder.is_human_request({"HTTP_USER_AGENT": PHONE_UA})
        assert not scan_recorder.is_human_request({"HTTP_USER_AGENT": bot})
        assert scan_recorder.is_human_request({"HTTP_USER_AGENT": long_phone})
        assert not scan_recorder.is_human_request({"HTTP_USER_AGENT": long_bot})
        assert not scan_recorder.is_human_request({"HTTP_USER_AGENT": PHONE_UA, "REQUEST_METHOD": "HEAD"})


def test_forged_scan_is_recorded_too(client: FlaskClient, codes: Codes, app_session: Session) -> None:
    get(client, codes.forged)
    scan = app_session.scalars(select(Scan).where(Scan.verdict == "invalid")).one()
    assert scan.label_id is None


def test_short_code_entry(client: FlaskClient, codes: Codes) -> None:
    from labels import short_code

    html = client.get("/check", query_string={"code": short_code(codes.genuine_label.serial)}).get_data(
        as_text=True
    )
    assert verdict_of(html) == "genuine"
    bad = client.get("/check", query_string={"code": "ZZZZ-ZZZZ-ZZZZZ"}).get_data(as_text=True)
    assert verdict_of(bad) == "invalid"
    assert client.get("/check").status_code == 302


def _csrf(client: FlaskClient, url: str) -> str:
    html = client.get(Codes.path(url)).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_claim_once_then_already_claimed(client: FlaskClient, codes: Codes, app_session: Session) -> None:
    token = _csrf(client, codes.claimable)
    action = Codes.path(codes.claimable) + "/claim"
    wrong = client.post(action, data={"csrf_token": token, "secret": "AAAAA-AAAAA"}).get_data(as_text=True)
    assert "Mã cào không khớp" in wrong
    first = client.post(action, data={"csrf_token": token, "secret": SECRET.lower()}).get_data(as_text=True)
    assert "Đã kích hoạt" in first and verdict_of(first) == "genuine"
    assert "Đã kích hoạt: người mua đã xác nhận món hàng này ngày" in first
    second = client.post(action, data={"csrf_token": token, "secret": SECRET}).get_data(as_text=True)
    assert "Đã bán: mã này đã được kích hoạt ngày" in second
    assert verdict_of(second) == "clone_suspected"  # a double claim is a clone signal
    app_session.expire_all()
    label = app_session.scalars(select(Label).where(Label.id == codes.claimable_label.id)).one()
    assert label.claimed_at is not None and label.claim_attempts == 2


def test_claim_needs_csrf(client: FlaskClient, codes: Codes) -> None:
    response = client.post(Codes.path(codes.claimable) + "/claim", data={"secret": SECRET})
    assert response.status_code == 400


def test_scan_page_and_css_under_30_kb(client: FlaskClient, codes: Codes) -> None:
    html = client.get(Codes.path(codes.cloned)).data
    css = (Path(__file__).resolve().parents[2] / "verify_web" / "static" / "site.css").read_bytes()
    assert len(html) + len(css) < 30 * 1024
    # No third-party requests: every src/href is local.
    assert not re.search(rb'(src|href)="(https?:)?//', html)
    # Our one script (the located check), no inline code.
    assert re.findall(rb"<script[^>]*>", html) == [b'<script src="/static/place.js" defer>']


def test_home_page(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert 'action="/check"' in html and "3★" in html and "36 tháng" in html


def test_page_fragment_cache_is_bounded(app, monkeypatch) -> None:
    from verify_web.hotpath import verdict_cache as verdicts

    monkeypatch.setattr(verdicts, "MAX_FRAGMENTS", 3)
    cache = verdicts.VerdictCache(version=(1, 1))
    with app.test_request_context("/"):
        from flask import g

        g.ocop_cache = (cache, None, None)
        g.ocop_version_checked = True
        for n in range(10):
            key = ("scan", str(n), None)
            cache.verdicts[key] = object()  # type: ignore[assignment]
            checked = verdicts.Checked(verdict=None, history=None, key=key)  # type: ignore[arg-type]
            assert verdicts.fragment(checked, "top", "vi", lambda n=n: f"<p>{n}</p>") == f"<p>{n}</p>"
            assert len(cache.fragments) <= 3


def test_history_area_is_escaped_in_both_languages(
    client: FlaskClient, codes: Codes, app_session: Session
) -> None:
    """An area an API caller names is kept as its claim, and never shown or used as the place."""
    digits = Codes.path(codes.genuine)[len("/V/") :]
    answer = client.get(f"/api/v1/verify/{digits}", query_string={"province": "<b>Huế</b>"})
    assert answer.status_code == 200 and answer.get_json()["scans"]["first_area"] is None
    assert answer.get_json()["state"] == "genuine"
    writer(client.application).flush()
    claimed = app_session.execute(
        select(Scan.claimed_area, Scan.area).where(Scan.label_id == codes.genuine_label.id)
    ).all()
    assert [tuple(row) for row in claimed] == [("<b>Huế</b>", None)]
    first_at = app_session.scalars(
        select(Label.first_scanned_at).where(Label.id == codes.genuine_label.id)
    ).one()
    assert first_at is not None
    zone = ZoneInfo(client.application.config["OCOP_TIMEZONE"])
    on = first_at.astimezone(zone).strftime("%d/%m/%Y")
    english = get(client.application.test_client(), codes.genuine, query_string={"lang": "en"})
    assert f"Scanned 2 times, first checked on {on}." in english
    vietnamese = get(client, codes.genuine)
    assert f"Đã quét 3 lần, lần đầu được kiểm tra ngày {on}." in vietnamese
    for html in (english, vietnamese):
        assert "Huế" not in html


def test_labels_of_one_lot_share_the_shell_not_their_serials(
    client: FlaskClient, codes: Codes, app_session: Session
) -> None:
    from labels import short_code

    genuine = app_session.get(Label, codes.genuine_label.id)
    other = app_session.get(Label, codes.claimable_label.id)  # the same lot, number 4
    first, second = get(client, codes.genuine), get(client, codes.claimable)
    assert genuine is not None and other is not None and other.lot_id == genuine.lot_id
    assert verdict_of(first) == verdict_of(second) == "genuine"
    for html, label, url in ((first, genuine, codes.genuine), (second, other, codes.claimable)):
        assert f"{short_code(label.serial)} · #{label.number}" in html
        assert f'href="/report?code={Codes.path(url)[3:]}"' in html
    assert short_code(genuine.serial) not in second and Codes.path(codes.genuine)[3:] not in second
    assert "Rượu mơ" not in second and "Củ cải trắng" in second
