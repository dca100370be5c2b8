"""Partners' API tokens for EPCIS capture: one token per partner, for one producer's lots and
labels, stored as its SHA-256 only, revocable. Every change is audited."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import validate
from ..exc import Conflict, NotFound, StateError, TokenRefused
from ..models import Partner, utcnow
from . import audit
from .producers import get_producer

# Marks our tokens in logs and secret scanners; not a secret.
TOKEN_PREFIX = "ocop_"  # noqa: S105


def token_hash(token: str) -> str:
    """Return the stored form of a token: SHA-256, hex. A token is 256 random bits, so no salt
    or slow hash is needed (nothing to guess), and the lookup is one indexed read."""
    return hashlib.sha256(token.encode()).hexdigest()


def add_partner(session: Session, *, actor: str, name: str, producer_id: int) -> tuple[Partner, str]:
    """Add a partner for the producer and return it with its new token, which is never stored
    and cannot be shown again.

    Raises :class:`NotFound` (producer), :class:`ValidationError` (empty name),
    :class:`Conflict` (the name is taken).
    """
    producer = get_producer(session, producer_id)
    clean = validate.required_text("name", name, max_length=200)
    if session.scalar(select(Partner.id).where(Partner.name == clean)):
        raise Conflict("partner", clean, "a partner named %(name)s already exists", name=clean)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    partner = Partner(
        name=clean,
        producer_id=producer.id,
        token_hash=token_hash(token),
        token_hint=token[: len(TOKEN_PREFIX) + 4],
        created_by=actor,
    )
    session.add(partner)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="partner.create",
        entity="partner",
        entity_id=partner.id,
        summary=f"Partner {clean} may add events to {producer.legal_name}'s lots",
        detail={"name": clean, "producer_id": producer.id, "producer": producer.legal_name},
    )
    return partner, token


def list_partners(session: Session) -> Sequence[Partner]:
    """Return every partner, newest first (revoked ones too)."""
    return session.scalars(select(Partner).order_by(Partner.id.desc())).all()


def revoke_partner(session: Session, *, actor: str, partner_id: int) -> Partner:
    """End the partner's token and return the partner.

    Raises :class:`NotFound`, :class:`StateError` (already revoked).
    """
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("partner", partner_id)
    if partner.revoked_at is not None:
        raise StateError("partner", partner_id, "this partner's token was already revoked")
    partner.revoked_at = utcnow()
    partner.revoked_by = actor
    audit.record(
        session,
        actor=actor,
        action="partner.revoke",
        entity="partner",
        entity_id=partner.id,
        summary=f"Revoked the API token of partner {partner.name}",
        detail={"name": partner.name, "producer_id": partner.producer_id},
    )
    return partner


def authenticate(session: Session, token: str) -> Partner:
    """Return the partner holding ``token``.

    Raises :class:`TokenRefused` for an unknown token or a revoked one.
    """
    partner = session.scalar(select(Partner).where(Partner.token_hash == token_hash(token)))
    if partner is None:
        raise TokenRefused(revoked=False)
    if partner.revoked_at is not None:
        raise TokenRefused(revoked=True)
    return partner
