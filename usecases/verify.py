"""The one verification function. Web pages, the JSON API, inspectors and the CLI all call
:func:`verify_scan` (or :func:`verify_short_code` for a code typed by hand)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from functools import partial

from sqlalchemy.orm import Session

from keys import Keyring, KeyStatus, PublicKey
from labels.encoding import digits_to_bytes, parse_short_code
from labels.exc import DecodeError, LabelError, Reason, SignatureError
from labels.linkcode import CARRIED_SIZE, LinkPayload, best_before_ai, digest_input, open_link
from labels.payload import LabelPayload
from labels.scanned import Address, host_of, split
from labels.signer import CODE_SIZE, code_digest, open_code
from traceability.enums import CertificationStatus, RecordStatus
from traceability.services.labels import LabelFacts, label_facts


class Status(StrEnum):
    GENUINE = "genuine"
    EXPIRED = "expired"  # certification past its date or withdrawn
    REVOKED = "revoked"
    INVALID = "invalid"  # not a genuine label


class VerdictWarning(StrEnum):
    """Listed in a verdict in this order (docs/label-code.md §4.4)."""

    FOREIGN_DOMAIN = "foreign_domain"  # the QR does not open our own address (host, port, user, path)
    PAST_BEST_BEFORE = "past_best_before"  # the product itself is past its hạn sử dụng
    OFFLINE = "offline"  # judged from the code alone, without the registry


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer to "is this a genuine OCOP label?" and the facts behind it.

    ``reason`` is machine-readable: for ``invalid`` a :class:`labels.exc.Reason` value or
    ``unknown_serial``/``registry_mismatch``; for ``revoked`` the revocation reason; for
    ``expired`` ``past_date`` or ``withdrawn``.

    ``status`` judges the code; ``warnings`` qualify it. A verdict with :attr:`foreign_domain`
    set must never be shown as plain genuine, whatever its status: the QR itself would open
    another address (``scanned_base_url``, ``scanned_host``) than ours.
    """

    status: Status
    checked_on: date
    reason: str | None = None
    payload: LabelPayload | LinkPayload | None = None
    key: PublicKey | None = None
    facts: LabelFacts | None = None
    scanned_base_url: str | None = None
    warnings: tuple[VerdictWarning, ...] = field(default=())
    scanned_host: str | None = None

    @property
    def foreign_domain(self) -> bool:
        """True if the scanned QR names an address other than ours (its own warning state)."""
        return VerdictWarning.FOREIGN_DOMAIN in self.warnings


# How a verification asks the registry about a serial: by default label_facts on a session.
FactsLookup = Callable[[int], LabelFacts | None]


def _lookup(session: Session | None, lookup: FactsLookup | None) -> FactsLookup | None:
    if session is not None and lookup is not None:
        raise TypeError("give session or lookup, not both")
    return partial(label_facts, session) if session is not None else lookup


def verify_scan(
    text: object,
    *,
    keyring: Keyring,
    today: date,
    session: Session | None = None,
    lookup: FactsLookup | None = None,
    digest_key: bytes | None = None,
    our_base_url: str | None = None,
) -> Verdict:
    """Judge scanned QR text. Never raises for any input: a bad code is an ``invalid`` verdict.

    With ``session`` the registry adds names, lot and live status (revocations, withdrawals);
    without it the verdict rests on the code and ``keyring`` alone (offline). ``lookup``
    instead of ``session`` reads the registry's :class:`LabelFacts` another way (the verify
    site reads them with the scan history in one statement). With the key store's
    ``digest_key``, a code whose digest the registry holds from its issue is recognised
    without its Ed25519 verify (the same proof, see :func:`labels.signer.code_digest`); any
    other code is verified by its signature. With ``our_base_url`` a URL that a browser would
    not open at that address gets the ``foreign_domain`` warning, whatever the verdict
    (docs/label-code.md §4). The GS1 form (§9) is judged the same way; its GTIN, lot and
    printed best-before must also agree with the registry. Raises :class:`TypeError` if both
    ``session`` and ``lookup`` are given.
    """
    registry = _lookup(session, lookup)
    looked_up: list[LabelFacts | None] = []

    def issued(payload: LabelPayload | LinkPayload) -> bool:
        # Called only with a registry and a digest key: one lookup, kept for the verdict.
        assert registry is not None and digest_key is not None
        facts = registry(payload.serial)
        looked_up.append(facts)
        stored = facts.code_digest if facts is not None else None
        signed = digest_input(payload, code) if isinstance(payload, LinkPayload) else code
        return stored is not None and hmac.compare_digest(stored, code_digest(signed, digest_key))

    try:
        scanned = split(text)
    except DecodeError as e:
        return Verdict(Status.INVALID, today, reason=e.reason.value)
    address = scanned.address
    warnings: list[VerdictWarning] = []
    if our_base_url and address and not is_ours(address, our_base_url):
        warnings.append(VerdictWarning.FOREIGN_DOMAIN)
    where = _where(address, today)
    vouch = issued if registry is not None and digest_key else None
    payload: LabelPayload | LinkPayload
    try:
        if scanned.link is None:
            code = digits_to_bytes(scanned.digits, CODE_SIZE)
            payload, key = open_code(code, keyring, issued=vouch)
        else:
            code = digits_to_bytes(scanned.digits, CARRIED_SIZE)
            payload, key = open_link(code, scanned.link, keyring, issued=vouch)
    except (DecodeError, SignatureError) as e:
        return replace(where, reason=e.reason.value, warnings=tuple(warnings))
    return _opened(where, payload, key, registry, looked_up, warnings)


def _where(address: Address | None, today: date) -> Verdict:
    """Return the ``invalid`` verdict that every later verdict of this scan starts from: the
    scanned address, no payload yet."""
    return Verdict(
        Status.INVALID,
        today,
        scanned_base_url=address.base if address else None,
        scanned_host=address.hostname if address else None,
    )


def _opened(
    where: Verdict,
    payload: LabelPayload | LinkPayload,
    key: PublicKey,
    registry: FactsLookup | None,
    looked_up: list[LabelFacts | None],
    warnings: list[VerdictWarning],
) -> Verdict:
    """Return the verdict on a code whose signature (or issued digest) held: the key's state,
    then the code alone (offline, no ``registry``) or the registry's facts, reusing the one
    lookup the digest check made (``looked_up``). ``where`` (the scan's address, see
    :func:`_where`) is copied once, with everything found, into the verdict returned: each
    ``dataclasses.replace`` of a verdict costs about twice building one, and this runs on
    every first verification of a label."""
    opened = partial(replace, where, payload=payload, key=key)
    if key.status is KeyStatus.COMPROMISED:
        return opened(status=Status.REVOKED, reason="key_compromised", warnings=tuple(warnings))
    if registry is None:
        warnings.append(VerdictWarning.OFFLINE)
        if where.checked_on > payload.certified_until:
            return opened(status=Status.EXPIRED, reason="past_date", warnings=tuple(warnings))
        return opened(status=Status.GENUINE, warnings=tuple(warnings))
    facts = looked_up[0] if looked_up else registry(payload.serial)
    if facts is None:
        return opened(reason="unknown_serial", warnings=tuple(warnings))
    if (facts.stars, facts.certified_until, facts.key_id) != (
        payload.stars,
        payload.certified_until,
        payload.kid,
    ) or (isinstance(payload, LinkPayload) and not _same_item(payload, facts)):
        # Signed by us yet disagreeing with the registry: never show it as genuine.
        return opened(reason="registry_mismatch", facts=facts, warnings=tuple(warnings))
    status, reason = _registry_status(where.checked_on, facts, warnings)
    return opened(status=status, reason=reason, facts=facts, warnings=tuple(warnings))


def _same_item(payload: LinkPayload, facts: LabelFacts) -> bool:
    """True if a GS1-form code names the registry's GTIN, lot and (if printed) best-before."""
    printed = best_before_ai(facts.best_before) if facts.best_before else None
    return (
        payload.gtin == facts.gtin
        and payload.lot == facts.lot_code
        and payload.best_before in (None, printed)
    )


def verify_short_code(
    text: str,
    *,
    session: Session | None = None,
    lookup: FactsLookup | None = None,
    keyring: Keyring,
    today: date,
) -> Verdict:
    """Judge a short code typed by hand (when the QR is damaged). Registry only: there is no
    signature to check, so the verdict says what the registry knows about that serial. The
    registry is read through ``session`` or ``lookup`` (as :func:`verify_scan`). Raises
    :class:`TypeError` unless exactly one of them is given."""
    registry = _lookup(session, lookup)
    if registry is None:
        raise TypeError("a short code needs the registry: give session or lookup")
    try:
        serial = parse_short_code(text)
    except DecodeError as e:
        return Verdict(Status.INVALID, today, reason=e.reason.value)
    facts = registry(serial)
    if facts is None:
        return Verdict(Status.INVALID, today, reason="unknown_serial")
    key = keyring.get(facts.key_id) if facts.key_id in keyring else None
    if key is not None and key.status is KeyStatus.COMPROMISED:
        return Verdict(Status.REVOKED, today, reason="key_compromised", key=key, facts=facts)
    warnings: list[VerdictWarning] = []
    status, reason = _registry_status(today, facts, warnings)
    return Verdict(status, today, reason=reason, key=key, facts=facts, warnings=tuple(warnings))


def _registry_status(
    checked_on: date, facts: LabelFacts, warnings: list[VerdictWarning]
) -> tuple[Status, str | None]:
    """The registry's judgement of a known label on ``checked_on``: revoked, expired or
    genuine, with its reason; a product past its best-before is added to ``warnings``."""
    if facts.best_before is not None and checked_on > facts.best_before:
        warnings.append(VerdictWarning.PAST_BEST_BEFORE)
    if facts.status is RecordStatus.REVOKED:
        return Status.REVOKED, facts.revocation.reason.value if facts.revocation else "other"
    if facts.certification_status is CertificationStatus.WITHDRAWN:
        return Status.EXPIRED, "withdrawn"
    if checked_on > facts.certified_until:
        return Status.EXPIRED, "past_date"
    return Status.GENUINE, None


def is_ours(address: Address, our_base_url: str) -> bool:
    """True if a browser opening ``address`` reaches our label page (see :meth:`Address.is_ours`)."""
    try:
        return address.is_ours(host_of(our_base_url))
    except ValueError:
        return False


__all__ = [
    "FactsLookup",
    "LabelError",
    "Reason",
    "Status",
    "Verdict",
    "VerdictWarning",
    "is_ours",
    "verify_scan",
    "verify_short_code",
]
