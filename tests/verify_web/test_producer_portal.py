"""The producer portal shows a producer only its own records."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from keys import PrivateKey
from labels import short_code
from tests.support.factories import issue, make_world
from tests.verify_web.staff import add_scan, login, make_user


def test_producer_sees_only_its_own(app: Flask, app_session: Session, app_signer: PrivateKey) -> None:
    mine = make_world(app_session, name="Củ cải trắng")
    theirs = make_world(app_session, name="Rượu mơ Yên Tử", province="Quảng Ninh")
    my_label = issue(app_session, mine, app_signer, 2)[0]
    their_label = issue(app_session, theirs, app_signer, 2)[0]
    app_session.commit()
    add_scan(app_session, my_label, area="1")  # located checks: province codes
    add_scan(app_session, their_label, area="96")
    make_user(app_session, "dongcao", "producer", mine.product.producer_id)
    client = app.test_client()
    login(client, "dongcao")
    home = client.get("/producer").get_data(as_text=True)
    assert "Củ cải trắng" in home and "Thành phố Hà Nội" in home
    assert "Rượu mơ Yên Tử" not in home and "Cà Mau" not in home
    assert mine.product.producer.legal_name in home and theirs.product.producer.legal_name not in home
    lot = client.get(f"/producer/lots/{mine.lot.id}")
    assert lot.status_code == 200 and short_code(my_label.serial) in lot.get_data(as_text=True)
    assert str(my_label.serial) not in lot.get_data(as_text=True)
    assert client.get(f"/producer/lots/{theirs.lot.id}").status_code == 404
    assert client.get("/producer/lots/999999").status_code == 404
    # Staff areas stay closed to producers.
    for path in ("/admin", "/admin/registry", "/inspect", "/inspect/reports.csv"):
        assert client.get(path).status_code == 403, path
