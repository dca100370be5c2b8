"""Every staff route × anonymous, admin, inspector, producer and another producer: who gets in.

The routes are read from the app's URL map, so a new staff route without a role check (or
missing from the expectations here) fails this test.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from keys import PrivateKey
from tests.support.factories import issue, make_world
from tests.verify_web.staff import add_report, csrf, login, make_user

STAFF_PREFIXES = ("/admin", "/inspect", "/producer", "/account")
# Who may use each area; everyone else signed in gets 403, anonymous visitors go to /login.
ALLOWED = {
    "/admin": {"admin"},
    "/inspect": {"admin", "inspector"},
    "/producer": {"producer", "other"},
    "/account": {"admin", "inspector", "producer", "other"},
}
IDENTITIES = ("anonymous", "admin", "inspector", "producer", "other")


def staff_rules(app: Flask) -> list[tuple[str, str, str]]:
    """(method, rule, endpoint) for every staff route."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(STAFF_PREFIXES):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((method, rule.rule, rule.endpoint))
    return found


def test_every_staff_view_declares_roles(app: Flask) -> None:
    rules = staff_rules(app)
    assert len(rules) >= 30
    for _method, rule, endpoint in rules:
        roles = getattr(app.view_functions[endpoint], "roles", None)
        assert roles, f"{rule} has no roles_required"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_role_matrix(app: Flask, app_session: Session, app_signer: PrivateKey) -> None:
    mine = make_world(app_session)
    theirs = make_world(app_session)
    label = issue(app_session, mine, app_signer, 1)[0]
    app_session.commit()
    report_id = add_report(app_session, label, shop="Chợ Đồng Xuân")
    make_user(app_session, "admin1", "admin")
    make_user(app_session, "insp1", "inspector")
    make_user(app_session, "prod1", "producer", mine.product.producer_id)
    make_user(app_session, "prod2", "producer", theirs.product.producer_id)
    names = {"admin": "admin1", "inspector": "insp1", "producer": "prod1", "other": "prod2"}
    values = {
        "revocation_id": "999",
        "user_id": "999",
        "kid": "nokey",
        "producer_id": str(mine.product.producer_id),
        "certification_id": str(mine.certification.id),
        "lot_id": str(mine.lot.id),
        "label_id": str(label.id),
        "product_id": str(mine.product.id),
        "report_id": str(report_id),
        "token": "A" * 32,
        "partner_id": "999",
    }
    rules = staff_rules(app)
    # Printing from the browser (issue 5) has no URL parameters; its routes must be swept too.
    swept = {rule for _method, rule, _endpoint in rules}
    assert {"/admin/labels/issue", "/admin/labels/reprint", "/producer/labels/issue"} <= swept
    for identity in IDENTITIES:
        client = app.test_client()
        # Anonymous visitors carry a valid CSRF token too, so the role check itself is what refuses.
        token = login(client, names[identity]) if identity != "anonymous" else csrf(client)
        for method, rule, _endpoint in rules:
            path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], rule)
            area = "/" + path.split("/")[1]
            response = client.open(
                path, method=method, data={"csrf_token": token} if method == "POST" else None
            )
            where = f"{identity} {method} {path}"
            assert response.status_code < 500, where
            if identity == "anonymous":
                assert response.status_code == 302, where
                assert "/login" in response.headers["Location"], where
            elif identity in ALLOWED[area]:
                assert response.status_code != 403, where
                if response.status_code == 302:
                    assert "/login" not in response.headers["Location"], where
            else:
                assert response.status_code == 403, f"{where}: {response.status_code}"
        if identity != "anonymous":
            # Signing out last, so the sweep above ran signed in.
            assert client.post("/logout", data={"csrf_token": token}).status_code == 302
            assert client.get("/account/password").status_code == 302
