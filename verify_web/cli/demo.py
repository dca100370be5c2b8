"""``ocop demo``: the real examples from the domain notes, as a registry to try the site on.

Loads three products with a genuine, an expired and a revoked label, and a fourth whose labels
take the GS1 Digital Link form (issue 14). Running it again changes
nothing and prints the same URLs (Ed25519 signatures are deterministic).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from keys import PrivateKey
from labels import LabelPayload, LabelSerializer
from labels.linkcode import link_template, link_text
from labels.linkcode import sign as sign_link
from traceability.enums import (
    EventKind,
    LabelForm,
    ProducerKind,
    ProductGroup,
    RevocationReason,
    RevocationTarget,
)
from traceability.models import Label, Lot, Producer
from traceability.services import certifications, issuance, labels, lots, producers, revocations, users

from .common import domain_errors, keystore, passphrase, transaction

DEMO_ACTOR = "demo"
LABELS_PER_LOT = 12


@dataclass(frozen=True)
class DemoProduct:
    key: str
    producer: dict[str, str | None]
    product: dict[str, str | None]
    stars: int
    decision: str
    issued_on: date
    lot_code: str
    produced_on: date
    best_before: date | None
    place: str


# Facts from ../shared/domain.md; ratings, decision numbers and dates where the notes give
# none are illustrative, and marked so on the producer's contact line.
DEMO = (
    DemoProduct(
        key="genuine",
        producer={
            "legal_name": "HTX Dịch vụ tổng hợp Đông Cao",
            "kind": ProducerKind.COOPERATIVE,
            "commune": "xã Tráng Việt",
            "district": "huyện Mê Linh",
            "province": "Hà Nội",
            "contact": "Dữ liệu mẫu (demo)",
        },
        product={"name": "Củ cải trắng", "group": ProductGroup.FOOD, "gtin": "08938600000019"},
        stars=4,
        decision="QĐ 1234/QĐ-UBND (mẫu)",
        issued_on=date(2025, 3, 10),
        lot_code="DC-2026-11",
        produced_on=date(2026, 11, 2),
        best_before=date(2026, 12, 15),
        place="Đông Cao, Mê Linh, Hà Nội",
    ),
    DemoProduct(
        key="expired",
        producer={
            "legal_name": "Công ty TNHH MTV Newstar",
            "kind": ProducerKind.ENTERPRISE,
            "commune": "phường Hồng Hà",
            "district": "thành phố Hạ Long",
            "province": "Quảng Ninh",
            "contact": "Dữ liệu mẫu (demo)",
        },
        product={"name": "Nước mắm sá sùng", "group": ProductGroup.FOOD, "gtin": None},
        stars=3,
        decision="QĐ 567/QĐ-UBND (mẫu)",
        issued_on=date(2021, 6, 15),
        lot_code="NS-2024-05",
        produced_on=date(2024, 5, 20),
        best_before=date(2027, 5, 20),
        place="Hạ Long, Quảng Ninh",
    ),
    DemoProduct(
        key="revoked",
        producer={
            "legal_name": "Hộ kinh doanh Rượu mơ Yên Tử (mẫu)",
            "kind": ProducerKind.HOUSEHOLD,
            "commune": "xã Thượng Yên Công",
            "district": "thành phố Uông Bí",
            "province": "Quảng Ninh",
            "contact": "Dữ liệu mẫu (demo)",
        },
        product={"name": "Rượu mơ Yên Tử", "group": ProductGroup.BEVERAGE, "gtin": None},
        stars=5,
        decision="QĐ 89/QĐ-BNN (mẫu)",
        issued_on=date(2024, 9, 1),
        lot_code="YT-2026-01",
        produced_on=date(2026, 1, 15),
        best_before=date(2031, 1, 15),
        place="Yên Tử, Quảng Ninh",
    ),
    DemoProduct(
        key="gs1",
        producer={
            "legal_name": "HTX Mật ong bạc hà Mèo Vạc (mẫu)",
            "kind": ProducerKind.COOPERATIVE,
            "commune": "xã Mèo Vạc",
            "district": None,
            "province": "Tuyên Quang",
            "contact": "Dữ liệu mẫu (demo)",
        },
        # An illustrative GTIN under Việt Nam's GS1 prefix 893, labelled in the GS1 form.
        product={
            "name": "Mật ong bạc hà",
            "group": ProductGroup.FOOD,
            "gtin": "08938600000026",
            "label_form": LabelForm.GS1,
        },
        stars=4,
        decision="QĐ 2468/QĐ-UBND (mẫu)",
        issued_on=date(2025, 6, 1),
        lot_code="MV-2026-10",
        produced_on=date(2026, 10, 5),
        best_before=date(2028, 10, 5),
        place="Mèo Vạc, Tuyên Quang",
    ),
)


def label_url(label: Label, key: PrivateKey, serializer: LabelSerializer) -> str:
    """Return the QR text of a recorded label (re-signed: same key, same bytes), in the GS1
    form for a product that takes it."""
    lot, product = label.lot, label.lot.product
    if product.label_form is LabelForm.GS1 and product.gtin:
        template = link_template(serializer.base_url, product.gtin, lot.code, lot.best_before)
        linked = template.payload(
            label.key_id, label.serial, label.certification.stars, label.certification.valid_until
        )
        return link_text(linked, sign_link(linked, key), serializer.base_url)
    payload = LabelPayload(
        kid=label.key_id,
        serial=label.serial,
        stars=label.certification.stars,
        certified_until=label.certification.valid_until,
    )
    return serializer.dumps(payload, key)


def load(session: Session, signer: PrivateKey) -> dict[str, list[Label]]:
    """Create the demo registry if absent. Returns the labels of each demo product."""
    out: dict[str, list[Label]] = {}
    for demo in DEMO:
        producer = session.scalar(select(Producer).where(Producer.legal_name == demo.producer["legal_name"]))
        if producer is None:
            producer = producers.create_producer(session, actor=DEMO_ACTOR, **demo.producer)  # type: ignore[arg-type]
            product = producers.create_product(
                session,
                actor=DEMO_ACTOR,
                producer_id=producer.id,
                **demo.product,  # type: ignore[arg-type]
            )
            cert = certifications.certify(
                session,
                actor=DEMO_ACTOR,
                product_id=product.id,
                stars=demo.stars,
                number=demo.decision,
                issued_on=demo.issued_on,
            )
            lot = lots.create_lot(
                session,
                actor=DEMO_ACTOR,
                product_id=product.id,
                code=demo.lot_code,
                produced_on=demo.produced_on,
                best_before=demo.best_before,
            )
            _journey(session, lot, demo)
            issuance.record_labels(
                session,
                actor=DEMO_ACTOR,
                lot=lot,
                certification=cert,
                key_id=signer.kid,
                serials=labels.new_serials(LABELS_PER_LOT),
                first_number=1,
            )
            if demo.key == "revoked":
                first = session.scalar(select(Label.serial).where(Label.lot_id == lot.id, Label.number == 1))
                revocations.revoke(
                    session,
                    actor=DEMO_ACTOR,
                    target=RevocationTarget.LABEL,
                    ref={"serial": first},
                    reason=RevocationReason.COUNTERFEIT,
                    note="Tem sao chép phát hiện tại chợ Hạ Long (dữ liệu mẫu)",
                )
            session.flush()
        lot_ids = select(Lot.id).where(Lot.product_id.in_([p.id for p in producer.products]))
        found = session.scalars(select(Label).where(Label.lot_id.in_(lot_ids)).order_by(Label.number))
        out[demo.key] = list(found)
    return out


def _journey(session: Session, lot: Lot, demo: DemoProduct) -> None:
    base = datetime.combine(demo.produced_on, datetime.min.time(), UTC)
    steps = [
        (EventKind.HARVESTED, 6),
        (EventKind.PROCESSED, 9),
        (EventKind.PACKED, 14),
        (EventKind.INSPECTED, 16),
    ]
    for kind, hour in steps:
        when = base.replace(hour=hour)
        lots.add_event(
            session, actor=DEMO_ACTOR, lot_id=lot.id, kind=kind, occurred_at=when, place=demo.place
        )


@click.command("demo")
@click.option(
    "--accounts-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also create demo staff accounts with random passwords, kept in this owner-only file.",
)
@with_appcontext
@domain_errors
def demo(accounts_file: Path | None) -> None:
    """Load the demo registry and print a genuine, an expired, a revoked and a GS1-form label URL."""
    for line in demo_urls():
        click.echo(line)
    if accounts_file is not None:
        login = current_app.config["OCOP_BASE_URL"].lower() + "/login"
        click.echo(f"\nStaff sign-in at {login} (role, user name, password; kept in {accounts_file}):")
        for line in demo_accounts(accounts_file):
            click.echo(line)


DEMO_ACCOUNTS = (("admin", "admin"), ("thanhtra", "inspector"), ("dongcao", "producer"))


def demo_accounts(path: Path) -> list[str]:
    """Create the demo staff accounts once, with random passwords written to ``path`` (mode
    600), and return lines telling how to sign in. Passwords exist only on this machine."""
    lines = []
    with transaction() as session:
        if users.list_users(session):
            if path.exists():
                return [f"  {line}" for line in path.read_text("utf-8").splitlines()]
            return ["  (staff accounts exist already; add more with: ocop user add)"]
        producer = session.scalar(
            select(Producer).where(Producer.legal_name == DEMO[0].producer["legal_name"])
        )
        for username, role in DEMO_ACCOUNTS:
            password = secrets.token_urlsafe(12)
            users.create_user(
                session,
                actor=DEMO_ACTOR,
                username=username,
                password=password,
                role=role,
                producer_id=producer.id if role == "producer" and producer else None,
            )
            lines.append(f"{role:<10} {username:<9} {password}")
        try:
            # No accounts (a fresh or reset database): a file left from an older database
            # would print passwords that no longer work, so it is replaced.
            path.unlink(missing_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n")
        except OSError as e:
            # Raised inside the transaction, so the accounts are not created either.
            raise click.ClickException(f"cannot write {path}: {e.strerror}") from e
    return [f"  {line}" for line in lines]


def demo_urls() -> list[str]:
    """Load the demo data (needs a signing key and its passphrase) and return lines to print."""
    signer = keystore().signer(passphrase())
    serializer = LabelSerializer(current_app.config["OCOP_BASE_URL"], keystore().keyring())
    with transaction() as session:
        loaded = load(session, signer)
        lines = []
        for kind in ("genuine", "expired", "revoked", "gs1"):
            demo_labels = loaded[kind]
            label = demo_labels[0]
            key = signer if label.key_id == signer.kid else keystore().signer(passphrase(), label.key_id)
            lines.append(f"  {kind:<8} {label_url(label, key, serializer)}")
    return lines
