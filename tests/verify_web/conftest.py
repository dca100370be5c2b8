"""Labels in every state the public site must tell apart, issued through the real services."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from keys import PrivateKey
from labels import LabelSerializer
from labels.secret import hash_secret
from tests.support.codes import SECRET, Codes
from tests.support.factories import issue, make_world, url_for_label
from traceability.services import lots, recent_scans, revocations, scans
from verify_web.core.services import services
from verify_web.hotpath.scan_recorder import writer


@pytest.fixture(autouse=True)
def _drain_scan_writer(app: Flask) -> Iterator[None]:
    """Scans are written in the background: let them land before the database goes away."""
    yield
    writer(app).close()


@pytest.fixture
def codes(
    app: Flask,
    app_session: Session,
    app_signer: PrivateKey,
    test_key: PrivateKey,
    serializer: LabelSerializer,
) -> Codes:
    ours = LabelSerializer(app.config["OCOP_BASE_URL"], services(app).keystore.keyring())
    world = make_world(app_session)
    lots.add_event(
        app_session,
        actor="test",
        lot_id=world.lot.id,
        kind="harvested",
        occurred_at=datetime.now(UTC) - timedelta(days=90),
        place="xã Tráng Việt",
    )
    genuine, revoked, cloned, claimable = issue(app_session, world, app_signer, 4)
    old = make_world(app_session, issued_on=date.today() - timedelta(days=40 * 31), name="Rượu mơ Yên Tử")
    (expired,) = issue(app_session, old, app_signer, 1)
    revocations.revoke(
        app_session,
        actor="test",
        target="label",
        ref={"serial": revoked.serial},
        reason="counterfeit",
        note="test",
    )
    for n in range(recent_scans.CLONE_SOURCES):
        scans.record_scan(
            app_session,
            serial=cloned.serial,
            label_id=cloned.id,
            verdict="genuine",
            channel="web",
            area=None,
            device="Android",
            source_hash=f"src{n}",
        )
    claimable.secret_hash = hash_secret(SECRET, claimable.serial)
    app_session.commit()
    # Signed by a key this site does not know: a well-formed forgery.
    forged = url_for_label(genuine, test_key, serializer)
    return Codes(
        genuine=url_for_label(genuine, app_signer, ours),
        expired=url_for_label(expired, app_signer, ours),
        revoked=url_for_label(revoked, app_signer, ours),
        cloned=url_for_label(cloned, app_signer, ours),
        forged=forged,
        claimable=url_for_label(claimable, app_signer, ours),
        genuine_label=genuine,
        claimable_label=claimable,
        cloned_label=cloned,
    )
