"""Reprinting a lot's labels: the same serials and the same signed bytes (Ed25519 signatures
are deterministic), streamed from the registry, with the reprint in the audit trail. Issuing a
new run is :mod:`usecases.issuance`; running either and publishing its files is
:mod:`usecases.print_runs`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session

from labels.encoding import short_code
from labels.layout import GS1_QR_MODULES, QR_MODULES, LotFacts
from labels.linkcode import LinkTemplate, link_text
from labels.linkcode import sign as sign_link
from labels.payload import LabelPayload
from labels.qr import encode
from labels.render import PrintLabel
from labels.serializer import LabelSerializer
from labels.signer import SigningKey
from traceability.services import issuance, reprints
from usecases.exc import IssueRefused, RefusalReason
from usecases.issuance import gs1_link


@dataclass(frozen=True)
class ReprintPlan:
    """A checked reprint of a lot's active labels numbered ``numbers`` (all if ``None``)."""

    lot_id: int
    lot_code: str
    numbers: tuple[int, int] | None
    count: int
    skipped_revoked: int
    facts: LotFacts
    link: LinkTemplate | None = None


def plan_reprint(
    session: Session, *, lot_code: str, product_id: int | None, numbers: tuple[int, int] | None, base_url: str
) -> ReprintPlan:
    """Check a reprint and return its plan. Reads only.

    Raises :class:`traceability.NotFound` (lot), :class:`traceability.ValidationError` (lot code
    used by several products and none named), :class:`IssueRefused` (no active label in range,
    or labels of different star ratings in one run: one design shows one rating).
    """
    lot = issuance.find_lot(session, code=lot_code, product_id=product_id)
    first, last = numbers if numbers else (None, None)
    summary = reprints.range_summary(session, lot_id=lot.id, first=first, last=last)
    span = f" numbered {first}–{last}" if numbers else ""
    if not summary.active:
        raise IssueRefused(
            RefusalReason.NOTHING_TO_REPRINT,
            f"lot {lot.code} has no active labels{span}",
            lot=lot.code,
            numbers=numbers,
        )
    if len(summary.stars) > 1:
        raise IssueRefused(
            RefusalReason.MIXED_RATINGS,
            f"the labels{span} of lot {lot.code} carry different star ratings "
            f"({', '.join(map(str, sorted(summary.stars)))}); reprint them in separate ranges",
            lot=lot.code,
            stars=sorted(summary.stars),
        )
    product, producer, province = issuance.product_facts(session, lot.product_id)
    gtin, best_before = issuance.gs1_facts(session, lot.id)
    link = gs1_link(gtin, lot.code, best_before, base_url)
    facts = LotFacts(
        product=product,
        producer=producer,
        province=province,
        stars=min(summary.stars),
        lot_code=lot.code,
        base_url=base_url,
        qr_modules=GS1_QR_MODULES if link else QR_MODULES,
    )
    return ReprintPlan(lot.id, lot.code, numbers, summary.active, summary.revoked, facts, link)


def reprint(
    session: Session,
    plan: ReprintPlan,
    *,
    signer_for: Callable[[str], SigningKey],
    serializer: LabelSerializer,
    actor: str,
) -> Iterator[PrintLabel]:
    """Record the reprint in the audit trail and yield the plan's labels to draw again, streamed
    from the database. ``signer_for(kid)`` returns the key that signed a label (asked once per
    key). Raises what ``signer_for`` raises (e.g. a wrong passphrase)."""
    reprints.record_reprint(
        session,
        actor=actor,
        lot_id=plan.lot_id,
        lot_code=plan.lot_code,
        numbers=plan.numbers,
        count=plan.count,
    )
    first, last = plan.numbers if plan.numbers else (None, None)
    signers: dict[str, SigningKey] = {}
    for recorded in reprints.lot_labels(
        session, lot_id=plan.lot_id, first=first, last=last, active_only=True
    ):
        if recorded.key_id not in signers:
            signers[recorded.key_id] = signer_for(recorded.key_id)
        yield reprint_label(recorded, signers[recorded.key_id], serializer, plan.link)


def reprint_label(
    recorded: reprints.RecordedLabel,
    key: SigningKey,
    serializer: LabelSerializer,
    link: LinkTemplate | None = None,
) -> PrintLabel:
    """Return an already recorded label to draw again: same serial, same bytes (Ed25519
    signatures are deterministic), in the GS1 form when ``link`` is given. Scratch-off secrets
    are not stored and so not reprinted."""
    if link is not None:
        linked = link.payload(recorded.key_id, recorded.serial, recorded.stars, recorded.certified_until)
        text = link_text(linked, sign_link(linked, key), serializer.base_url)
    else:
        payload = LabelPayload(
            kid=recorded.key_id,
            serial=recorded.serial,
            stars=recorded.stars,
            certified_until=recorded.certified_until,
        )
        text = serializer.dumps(payload, key)
    return PrintLabel(recorded.number, recorded.serial, short_code(recorded.serial), text, encode(text))
