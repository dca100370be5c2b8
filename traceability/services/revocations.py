"""Revoking labels — one, a number range, a lot, a product, a producer, or a signing key —
and reinstating a mistaken revocation. Each is one statement inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from .. import validate
from ..enums import RecordStatus, RevocationReason, RevocationTarget
from ..exc import NotFound, StateError, ValidationError
from ..models import Label, Lot, Producer, Product, Revocation, utcnow
from . import audit, revocation_feed
from .labels import lock_labels
from .lots import get_lot
from .producers import get_producer, get_product


def label_filter(session: Session, target: RevocationTarget, ref: dict[str, Any]) -> ColumnElement[bool]:
    """Return the SQL condition selecting the labels a revocation of ``target`` would hit.

    ``ref`` holds ``serial``, ``lot_id`` (+ ``first``/``last``), ``product_id``,
    ``producer_id`` or ``kid``. Raises :class:`NotFound` or :class:`ValidationError`.
    """
    if target is RevocationTarget.LABEL:
        serial = ref.get("serial")
        if not isinstance(serial, int) or not session.scalar(select(Label.id).where(Label.serial == serial)):
            raise NotFound("label", serial)
        return Label.serial == serial
    if target is RevocationTarget.RANGE:
        lot = get_lot(session, int(ref["lot_id"]))
        first, last = ref.get("first"), ref.get("last")
        if not isinstance(first, int) or not isinstance(last, int) or not 1 <= first <= last:
            raise ValidationError("range", "give label numbers first..last with 1 <= first <= last")
        return (Label.lot_id == lot.id) & Label.number.between(first, last)
    if target is RevocationTarget.LOT:
        return Label.lot_id == get_lot(session, int(ref["lot_id"])).id
    if target is RevocationTarget.PRODUCT:
        product = get_product(session, int(ref["product_id"]))
        return Label.lot_id.in_(select(Lot.id).where(Lot.product_id == product.id))
    if target is RevocationTarget.PRODUCER:
        producer = get_producer(session, int(ref["producer_id"]))
        products = select(Product.id).where(Product.producer_id == producer.id)
        return Label.lot_id.in_(select(Lot.id).where(Lot.product_id.in_(products)))
    return Label.key_id == str(ref["kid"])


def count_affected(session: Session, target: RevocationTarget, ref: dict[str, Any]) -> int:
    """Return how many still-valid labels a revocation would hit (shown before confirming)."""
    condition = label_filter(session, target, ref)
    return (
        session.scalar(
            select(func.count()).select_from(Label).where(condition, Label.status == RecordStatus.ACTIVE)
        )
        or 0
    )


def revoke(
    session: Session,
    *,
    actor: str,
    target: RevocationTarget | str,
    ref: dict[str, Any],
    reason: RevocationReason | str,
    note: str | None = None,
) -> Revocation:
    """Revoke every still-valid label selected by ``target``/``ref`` and return the revocation.

    Lots, products and producers are marked revoked too, so no new labels are issued for them.
    Labels already revoked keep their first revocation. Raises :class:`NotFound`,
    :class:`ValidationError`.
    """
    kind = validate.choice("target", target, RevocationTarget)
    why = validate.choice("reason", reason, RevocationReason)
    if why is RevocationReason.KEY_COMPROMISED and kind is not RevocationTarget.KEY:
        raise ValidationError("reason", "key_compromised applies only to a signing key")
    version = revocation_feed.bump(session)  # first: the list's lock comes before the labels'
    condition = label_filter(session, kind, ref)
    revocation = Revocation(
        target=kind,
        target_ref=_describe(kind, ref),
        target_data=_target_data(session, kind, ref),
        listed_version=version,
        reason=why,
        note=validate.text("note", note, max_length=2000, required=False),
        actor=actor,
    )
    session.add(revocation)
    session.flush()
    lock_labels(session, condition & (Label.status == RecordStatus.ACTIVE))
    result = session.execute(
        update(Label)
        .where(condition, Label.status == RecordStatus.ACTIVE)
        .values(status=RecordStatus.REVOKED, revocation_id=revocation.id)
        .execution_options(synchronize_session=False)
    )
    revocation.label_count = result.rowcount  # type: ignore[attr-defined]
    _mark_record(session, kind, ref, RecordStatus.REVOKED)
    audit.record(
        session,
        actor=actor,
        action="revocation.create",
        entity="revocation",
        entity_id=revocation.id,
        summary=f"Revoked {revocation.target_ref} ({why.value}): {revocation.label_count} labels",
        detail={
            "target": kind.value,
            "ref": ref,
            "reason": why.value,
            "note": revocation.note,
            "count": revocation.label_count,
        },
    )
    return revocation


def reinstate(session: Session, *, actor: str, revocation_id: int, note: str) -> Revocation:
    """Undo a mistaken revocation: its labels become valid again. Returns the revocation.

    Raises :class:`NotFound`, :class:`ValidationError` (no note), :class:`StateError` (already
    reinstated, or a compromised key, which can never be trusted again).
    """
    revocation = session.get(Revocation, revocation_id)
    if revocation is None:
        raise NotFound("revocation", revocation_id)
    if revocation.reinstated_at is not None:
        raise StateError("revocation", revocation_id, "this revocation was already reinstated")
    if revocation.target is RevocationTarget.KEY:
        raise StateError("revocation", revocation_id, "a compromised signing key cannot be reinstated")
    revocation.reinstated_note = validate.required_text("note", note, max_length=2000)
    revocation.unlisted_version = revocation_feed.bump(session)
    revocation.reinstated_at = utcnow()
    revocation.reinstated_by = actor
    lock_labels(session, Label.revocation_id == revocation.id)
    restored = session.execute(
        update(Label)
        .where(Label.revocation_id == revocation.id)
        .values(status=RecordStatus.ACTIVE, revocation_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    ref = _ref_of(revocation)
    if ref is not None:
        _mark_record(session, revocation.target, ref, RecordStatus.ACTIVE)
    audit.record(
        session,
        actor=actor,
        action="revocation.reinstate",
        entity="revocation",
        entity_id=revocation.id,
        summary=f"Reinstated {revocation.target_ref}: {restored} labels valid again",
        detail={"note": revocation.reinstated_note, "count": restored},
    )
    return revocation


def list_revocations(session: Session, *, limit: int = 500) -> Sequence[Revocation]:
    """Return revocations, newest first."""
    return session.scalars(select(Revocation).order_by(Revocation.id.desc()).limit(limit)).all()


def _describe(kind: RevocationTarget, ref: dict[str, Any]) -> str:
    if kind is RevocationTarget.LABEL:
        return f"label {ref['serial']}"
    if kind is RevocationTarget.RANGE:
        return f"lot {ref['lot_id']} labels {ref['first']}–{ref['last']}"
    key = {"lot": "lot_id", "product": "product_id", "producer": "producer_id", "key": "kid"}[kind.value]
    return f"{kind.value} {ref[key]}"


def _target_data(session: Session, kind: RevocationTarget, ref: dict[str, Any]) -> dict[str, Any]:
    """What was hit, as data for the offline list (``ref`` was checked by :func:`label_filter`).
    A lot or product with a GTIN also carries it (and the lot its code), as they are now: a
    GS1 Digital Link label holds both in its signed text, so an offline client can match it
    (docs/revocation-list.md §3). Kept with the revocation, so the list at a version never
    changes after it was served."""
    names = {
        RevocationTarget.LABEL: ("serial",),
        RevocationTarget.RANGE: ("lot_id", "first", "last"),
        RevocationTarget.LOT: ("lot_id",),
        RevocationTarget.PRODUCT: ("product_id",),
        RevocationTarget.PRODUCER: ("producer_id",),
    }.get(kind)
    if names is None:
        return {"kid": str(ref["kid"])}
    data: dict[str, Any] = {name: int(ref[name]) for name in names}
    if kind is RevocationTarget.LOT:
        lot = get_lot(session, data["lot_id"])
        if lot.product.gtin:
            data.update(gtin=lot.product.gtin, lot_code=lot.code)
    elif kind is RevocationTarget.PRODUCT:
        gtin = get_product(session, data["product_id"]).gtin
        if gtin:
            data["gtin"] = gtin
    return data


def _ref_of(revocation: Revocation) -> dict[str, Any] | None:
    kind, _, value = revocation.target_ref.partition(" ")
    if revocation.target in (RevocationTarget.LOT, RevocationTarget.PRODUCT, RevocationTarget.PRODUCER):
        return {f"{kind}_id": int(value)}
    return None


def _mark_record(session: Session, kind: RevocationTarget, ref: dict[str, Any], status: RecordStatus) -> None:
    record: Lot | Product | Producer | None
    if kind is RevocationTarget.LOT:
        record = session.get(Lot, int(ref["lot_id"]))
    elif kind is RevocationTarget.PRODUCT:
        record = session.get(Product, int(ref["product_id"]))
    elif kind is RevocationTarget.PRODUCER:
        record = session.get(Producer, int(ref["producer_id"]))
    else:
        return
    if record is not None:
        record.status = status
