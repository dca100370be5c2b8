"""Issuing a lot of labels: every check first, then sign, record and hand each label to a
renderer, a batch at a time, so 100,000 labels never sit in memory.

All rows go into the caller's session. :mod:`usecases.print_runs` (what the
``ocop`` command and the web pages call) commits it only once the output files are complete
and makes them visible only after that commit: a failure or Ctrl-C before the commit leaves
nothing recorded and no file, and a file under its final name always holds recorded labels.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from labels.encoding import short_code
from labels.exc import PayloadError
from labels.layout import GS1_QR_MODULES, QR_MODULES, LotFacts
from labels.linkcode import LinkTemplate, link_template
from labels.payload import LabelPayload
from labels.qr import encode
from labels.render import PrintLabel
from labels.secret import hash_secret, new_secret
from labels.serializer import LabelSerializer, code_to_text
from labels.signer import SigningKey, code_digest, sign
from traceability.enums import RecordStatus
from traceability.models import Certification
from traceability.services import issuance as registry
from traceability.services.labels import new_serials
from usecases.exc import IssueRefused, RefusalReason

MAX_COUNT = 100_000
BATCH = 1000


@dataclass(frozen=True)
class IssuePlan:
    """A checked request to issue ``count`` labels; ``warnings`` are for the operator.
    ``best_before`` is the lot's own best-before date (not the certificate's), if it has one;
    ``link`` is set when the product's labels take the GS1 Digital Link form."""

    count: int
    lot_id: int
    lot_code: str
    certification_id: int
    stars: int
    certified_until: date
    first_number: int
    facts: LotFacts
    warnings: tuple[str, ...] = field(default=())
    best_before: date | None = None
    link: LinkTemplate | None = None


def gs1_link(gtin: str | None, lot_code: str, best_before: date | None, base_url: str) -> LinkTemplate | None:
    """The GS1 form of the lot's labels, or ``None`` for today's form. Raises
    :class:`IssueRefused` (``lot_not_gs1``) for a lot code a GS1 label cannot carry."""
    if gtin is None:
        return None
    try:
        return link_template(base_url, gtin, lot_code, best_before)
    except PayloadError as e:
        raise IssueRefused(
            RefusalReason.LOT_NOT_GS1,
            f"lot code {lot_code!r} cannot go in a GS1 Digital Link label: {e}",
            lot=lot_code,
        ) from e


def ends_before_best_before(certified_until: date, best_before: date | None) -> bool:
    """True if the certificate ends before the lot's best-before date: its labels would then
    read "expired" on shop shelves (the warning every issue front end shows)."""
    return best_before is not None and certified_until < best_before


def _certification_in_force(ctx: registry.IssueContext, today: date) -> Certification:
    """Return the certification labels of ``ctx`` may carry. Raises :class:`IssueRefused`
    (producer, product or lot revoked; no active certification of 3 stars or more)."""
    if ctx.producer_status is RecordStatus.REVOKED:
        raise IssueRefused(
            RefusalReason.PRODUCER_REVOKED,
            f"producer {ctx.producer_name} is revoked",
            producer=ctx.producer_name,
        )
    if ctx.product_status is RecordStatus.REVOKED:
        raise IssueRefused(
            RefusalReason.PRODUCT_REVOKED, f"product {ctx.product_name} is revoked", product_id=ctx.product_id
        )
    if ctx.lot_status is RecordStatus.REVOKED:
        raise IssueRefused(RefusalReason.LOT_REVOKED, f"lot {ctx.lot_code} is revoked", lot=ctx.lot_code)
    cert = ctx.certification
    if cert is None or cert.stars < 3:
        raise IssueRefused(
            RefusalReason.NO_CERTIFICATION,
            f"{ctx.product_name} has no active OCOP certification of 3 stars or more valid on "
            f"{today.isoformat()}",
            product_id=ctx.product_id,
        )
    return cert


def plan_issue(
    session: Session, *, product_id: int, lot_code: str, count: object, today: date, base_url: str
) -> IssuePlan:
    """Check everything an issue run needs and return the plan. Reads only.

    Raises :class:`IssueRefused` (bad count, no active 3★+ certification, product, producer
    or lot revoked, a lot code the GS1 form cannot carry) and :class:`traceability.NotFound`
    (unknown product or lot).
    """
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise IssueRefused(
            RefusalReason.BAD_COUNT, f"the count must be a whole number from 1 to {MAX_COUNT:,}", count=count
        )
    ctx = registry.issue_context(session, product_id=product_id, lot_code=lot_code, today=today)
    cert = _certification_in_force(ctx, today)
    warnings = []
    if ctx.best_before is not None and ends_before_best_before(cert.valid_until, ctx.best_before):
        warnings.append(
            f"the certification ends on {cert.valid_until.isoformat()}, before the lot's best-before "
            f"date {ctx.best_before.isoformat()}: labels scanned after that will show 'expired'"
        )
    link = gs1_link(ctx.gs1_gtin, ctx.lot_code, ctx.best_before, base_url)
    facts = LotFacts(
        product=ctx.product_name,
        producer=ctx.producer_name,
        province=ctx.province,
        stars=cert.stars,
        lot_code=ctx.lot_code,
        base_url=base_url,
        qr_modules=GS1_QR_MODULES if link else QR_MODULES,
    )
    return IssuePlan(
        count=count,
        lot_id=ctx.lot_id,
        lot_code=ctx.lot_code,
        certification_id=cert.id,
        stars=cert.stars,
        certified_until=cert.valid_until,
        first_number=ctx.next_number,
        facts=facts,
        warnings=tuple(warnings),
        best_before=ctx.best_before,
        link=link,
    )


def issue(
    session: Session,
    plan: IssuePlan,
    *,
    key: SigningKey,
    serializer: LabelSerializer,
    actor: str,
    with_secret: bool = False,
    digest_key: bytes | None = None,
) -> Iterator[PrintLabel]:
    """Sign and record the plan's labels, yielding each to draw, in number order. With
    ``digest_key`` (the key store's) each label's code digest is recorded too, so the verify
    site recognises it without an Ed25519 verify.

    Each batch of rows is inserted before its labels are yielded; the audit entry is added
    after the last label. Nothing is committed here. Raises :class:`PayloadError` for a
    certification date the code cannot hold.
    """
    issued_at = datetime.now(UTC)
    number = plan.first_number
    left = plan.count
    while left:
        batch = _sign_batch(plan, key, serializer, number, min(BATCH, left), with_secret, digest_key)
        registry.insert_labels(
            session,
            lot_id=plan.lot_id,
            certification_id=plan.certification_id,
            key_id=key.kid,
            issued_at=issued_at,
            serials=batch.serials,
            first_number=number,
            secret_hashes=batch.hashes,
            code_digests=batch.digests,
        )
        yield from _labels(batch)
        number += len(batch.serials)
        left -= len(batch.serials)
    registry.record_issue(
        session,
        actor=actor,
        lot_id=plan.lot_id,
        lot_code=plan.lot_code,
        certification_id=plan.certification_id,
        key_id=key.kid,
        first_number=plan.first_number,
        count=plan.count,
        with_secret=with_secret,
    )


@dataclass(frozen=True)
class _Batch:
    first_number: int
    serials: list[int]
    short_codes: list[str]
    texts: list[str]
    secrets: list[str | None]
    hashes: list[str | None]
    digests: list[bytes | None]


def _sign_batch(
    plan: IssuePlan,
    key: SigningKey,
    serializer: LabelSerializer,
    first: int,
    size: int,
    with_secret: bool,
    digest_key: bytes | None,
) -> _Batch:
    serials = new_serials(size)
    secrets = [new_secret() if with_secret else None for _ in serials]
    hashes = [hash_secret(s, serial) if s else None for s, serial in zip(secrets, serials, strict=True)]
    if plan.link is not None:
        texts, digests = plan.link.sign_labels(
            key, serials, plan.stars, plan.certified_until, serializer.base_url, digest_key
        )
    else:
        payloads = [LabelPayload(key.kid, serial, plan.stars, plan.certified_until) for serial in serials]
        codes = [sign(p, key) for p in payloads]
        texts = [code_to_text(code, serializer.base_url) for code in codes]
        digests = [code_digest(code, digest_key) if digest_key else None for code in codes]
    return _Batch(first, serials, [short_code(s) for s in serials], texts, secrets, hashes, digests)


def _labels(batch: _Batch) -> Iterator[PrintLabel]:
    for i, text in enumerate(batch.texts):
        yield PrintLabel(
            batch.first_number + i,
            batch.serials[i],
            batch.short_codes[i],
            text,
            encode(text),
            batch.secrets[i],
        )
