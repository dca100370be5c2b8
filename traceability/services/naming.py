"""Labels named as they are printed: the product, the lot code and the label's number in its
lot. The internal serial is for detail views only; the short code (derived from the serial)
is added by the web layer, which owns the label code format."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from ..enums import RecordStatus, RevocationTarget
from ..models import Label, Lot, Producer, Product, Revocation
from .revocations import label_filter


@dataclass(frozen=True, slots=True)
class PrintedName:
    """One label as printed: ``serial`` is kept for the short code and detail views."""

    label_id: int
    serial: int
    product_name: str
    lot_code: str
    number: int


@dataclass(frozen=True, slots=True)
class LotHit:
    """The labels of one lot a revocation would hit: how many, the number range, a sample."""

    product_name: str
    producer_name: str
    lot_code: str
    count: int
    first: int
    last: int
    sample: tuple[int, ...]


def _named(session: Session, condition: ColumnElement[bool]) -> list[PrintedName]:
    rows = session.execute(
        select(Label.id, Label.serial, Product.name, Lot.code, Label.number)
        .join(Lot, Label.lot_id == Lot.id)
        .join(Product, Lot.product_id == Product.id)
        .where(condition)
    ).all()
    return [PrintedName(*r) for r in rows]


def by_label_id(session: Session, label_ids: Iterable[int]) -> dict[int, PrintedName]:
    """Return the printed name of each of ``label_ids`` that exists, by label id."""
    wanted = set(label_ids)
    if not wanted:
        return {}
    return {n.label_id: n for n in _named(session, Label.id.in_(wanted))}


def by_serial(session: Session, serials: Iterable[int | None]) -> dict[int, PrintedName]:
    """Return the printed name of each of ``serials`` that is one of our labels, by serial."""
    wanted = {s for s in serials if s is not None}
    if not wanted:
        return {}
    return {n.serial: n for n in _named(session, Label.serial.in_(wanted))}


@dataclass(frozen=True, slots=True)
class TargetName:
    """What a revocation hit, for its history row: the kind and the names to show."""

    kind: str
    label: PrintedName | None = None
    lot_code: str | None = None
    product_name: str | None = None
    producer_name: str | None = None
    first: int | None = None
    last: int | None = None
    kid: str | None = None


def revocation_targets(session: Session, found: Sequence[Revocation]) -> dict[int, TargetName]:
    """Return, by revocation id, what each revocation hit in printed terms (read back from its
    audit reference ``target_ref``: "label SERIAL", "lot ID labels A–B", "lot ID", …)."""
    named: dict[int, TargetName] = {}
    for r in found:
        named[r.id] = _target(session, r.target, r.target_ref.partition(" ")[2])
    return named


def _target(session: Session, target: RevocationTarget, value: str) -> TargetName:
    head, _, span = value.partition(" labels ")
    if target is RevocationTarget.KEY:
        return TargetName(target.value, kid=value)
    if not head.isdigit():
        return TargetName(target.value)
    key = int(head)
    if target is RevocationTarget.LABEL:
        return TargetName(target.value, label=by_serial(session, [key]).get(key))
    if target in (RevocationTarget.LOT, RevocationTarget.RANGE):
        lot = session.get(Lot, key)
        if lot is None:
            return TargetName(target.value)
        first, _, last = span.partition("–")
        return TargetName(
            target.value,
            lot_code=lot.code,
            product_name=lot.product.name,
            first=int(first) if first.isdigit() else None,
            last=int(last) if last.isdigit() else None,
        )
    if target is RevocationTarget.PRODUCT:
        product = session.get(Product, key)
        return TargetName(target.value, product_name=product.name if product else None)
    producer = session.get(Producer, key)
    return TargetName(target.value, producer_name=producer.legal_name if producer else None)


def preview(
    session: Session, target: RevocationTarget, ref: dict[str, Any], *, sample: int = 5
) -> list[LotHit]:
    """Return, lot by lot, the still-valid labels a revocation would hit: product, producer,
    lot code, count, lowest and highest number, and up to ``sample`` numbers from the start.
    Raises :class:`NotFound` or :class:`ValidationError` as :func:`label_filter` does."""
    condition = label_filter(session, target, ref) & (Label.status == RecordStatus.ACTIVE)
    rows = session.execute(
        select(
            Lot.id,
            Product.name,
            Producer.legal_name,
            Lot.code,
            func.count(),
            func.min(Label.number),
            func.max(Label.number),
        )
        .select_from(Label)
        .join(Lot, Label.lot_id == Lot.id)
        .join(Product, Lot.product_id == Product.id)
        .join(Producer, Product.producer_id == Producer.id)
        .where(condition)
        .group_by(Lot.id, Product.name, Producer.legal_name, Lot.code)
        .order_by(Lot.id)
    ).all()
    hits = []
    for lot_id, product, producer, code, count, first, last in rows:
        numbers = session.scalars(
            select(Label.number).where(condition, Label.lot_id == lot_id).order_by(Label.number).limit(sample)
        ).all()
        hits.append(LotHit(product, producer, code, int(count), int(first), int(last), tuple(numbers)))
    return hits
