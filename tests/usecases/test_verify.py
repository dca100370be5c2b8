"""The one verification function against the registry, on SQLite and PostgreSQL."""

from datetime import date, timedelta

from keys import Keyring, KeyStatus, PublicKey
from labels import LabelPayload
from tests.support.factories import issue, make_world, url_for_label
from traceability.services import certifications, revocations
from usecases.verify import Status, VerdictWarning, verify_scan, verify_short_code

TODAY = date.today()


def test_genuine_label_has_registry_facts(session, test_key, keyring, serializer):
    world = make_world(session, stars=4, province="Hà Nội")
    label = issue(session, world, test_key, count=2)[1]
    verdict = verify_scan(
        url_for_label(label, test_key, serializer), keyring=keyring, today=TODAY, session=session
    )
    assert verdict.status is Status.GENUINE and verdict.reason is None
    assert verdict.facts is not None
    assert (verdict.facts.product_name, verdict.facts.province, verdict.facts.stars) == (
        "Củ cải trắng",
        "Hà Nội",
        4,
    )
    assert verdict.facts.number == 2 and verdict.facts.lot_code == world.lot.code
    assert VerdictWarning.OFFLINE not in verdict.warnings


def test_expired_certification(session, test_key, keyring, serializer):
    world = make_world(session, stars=3, issued_on=TODAY - timedelta(days=4 * 365))
    label = issue(session, world, test_key, count=1)[0]
    verdict = verify_scan(
        url_for_label(label, test_key, serializer), keyring=keyring, today=TODAY, session=session
    )
    assert (verdict.status, verdict.reason) == (Status.EXPIRED, "past_date")


def test_withdrawn_certification_is_expired(session, test_key, keyring, serializer):
    world = make_world(session)
    label = issue(session, world, test_key, count=1)[0]
    certifications.withdraw(
        session, actor="t", certification_id=world.certification.id, reason="Vi phạm", on=TODAY
    )
    verdict = verify_scan(
        url_for_label(label, test_key, serializer), keyring=keyring, today=TODAY, session=session
    )
    assert (verdict.status, verdict.reason) == (Status.EXPIRED, "withdrawn")


def test_revoked_label_carries_the_reason(session, test_key, keyring, serializer):
    world = make_world(session)
    first, second = issue(session, world, test_key, count=2)
    revocations.revoke(session, actor="t", target="label", ref={"serial": first.serial}, reason="counterfeit")
    session.expire_all()
    verdict = verify_scan(
        url_for_label(first, test_key, serializer), keyring=keyring, today=TODAY, session=session
    )
    assert (verdict.status, verdict.reason) == (Status.REVOKED, "counterfeit")
    other = verify_scan(
        url_for_label(second, test_key, serializer), keyring=keyring, today=TODAY, session=session
    )
    assert other.status is Status.GENUINE


def test_signed_but_unknown_serial_is_invalid(session, test_key, keyring, serializer):
    payload = LabelPayload(kid=test_key.kid, serial=123, stars=4, certified_until=TODAY + timedelta(days=9))
    verdict = verify_scan(serializer.dumps(payload, test_key), keyring=keyring, today=TODAY, session=session)
    assert (verdict.status, verdict.reason) == (Status.INVALID, "unknown_serial")


def test_code_disagreeing_with_registry_is_invalid(session, test_key, keyring, serializer):
    world = make_world(session, stars=4)
    label = issue(session, world, test_key, count=1)[0]
    lie = LabelPayload(
        kid=test_key.kid, serial=label.serial, stars=5, certified_until=world.certification.valid_until
    )
    verdict = verify_scan(serializer.dumps(lie, test_key), keyring=keyring, today=TODAY, session=session)
    assert (verdict.status, verdict.reason) == (Status.INVALID, "registry_mismatch")


def test_compromised_key_revokes_everything_it_signed(session, test_key, serializer):
    world = make_world(session)
    label = issue(session, world, test_key, count=1)[0]
    ring = Keyring([PublicKey(test_key.kid, test_key.public_key, KeyStatus.COMPROMISED, label.issued_at)])
    verdict = verify_scan(
        url_for_label(label, test_key, serializer), keyring=ring, today=TODAY, session=session
    )
    assert (verdict.status, verdict.reason) == (Status.REVOKED, "key_compromised")
    typed = verify_short_code(label_short(label), session=session, keyring=ring, today=TODAY)
    assert typed.status is Status.REVOKED


def test_short_code_entry(session, test_key, keyring):
    world = make_world(session)
    label = issue(session, world, test_key, count=1)[0]
    verdict = verify_short_code(label_short(label).lower(), session=session, keyring=keyring, today=TODAY)
    assert verdict.status is Status.GENUINE and verdict.facts and verdict.facts.serial == label.serial
    assert (
        verify_short_code("0000-0000-00000", session=session, keyring=keyring, today=TODAY).reason
        == "unknown_serial"
    )
    assert (
        verify_short_code("nonsense", session=session, keyring=keyring, today=TODAY).status is Status.INVALID
    )


def test_past_best_before_is_a_warning_not_a_verdict(session, test_key, keyring, serializer):
    world = make_world(session)
    world.lot.best_before = TODAY - timedelta(days=1)
    session.flush()
    label = issue(session, world, test_key, count=1)[0]
    verdict = verify_scan(
        url_for_label(label, test_key, serializer), keyring=keyring, today=TODAY, session=session
    )
    assert verdict.status is Status.GENUINE and VerdictWarning.PAST_BEST_BEFORE in verdict.warnings


def label_short(label):
    from labels import short_code

    return short_code(label.serial)


def test_lookup_gives_the_session_verdict(session, test_key, keyring, serializer):
    from functools import partial

    import pytest

    from traceability.services.labels import label_facts

    (label,) = issue(session, make_world(session), test_key, count=1)
    text = url_for_label(label, test_key, serializer)
    looked_up = verify_scan(text, keyring=keyring, today=TODAY, lookup=partial(label_facts, session))
    assert looked_up == verify_scan(text, keyring=keyring, today=TODAY, session=session)
    assert looked_up.status is Status.GENUINE
    with pytest.raises(TypeError):
        verify_scan(text, keyring=keyring, today=TODAY, session=session, lookup=partial(label_facts, session))
    with pytest.raises(TypeError):
        verify_short_code("0000-0000-00000", keyring=keyring, today=TODAY)


def test_code_digest_vouches_only_under_our_digest_key(session, test_key, keyring, serializer):
    """The registry's digest of the issued code stands in for the Ed25519 verify; a database
    writer without the key store's digest key cannot make a code pass, and a digest that does
    not match leaves the signature to decide."""
    from labels import parse
    from labels.serializer import code_to_text
    from labels.signer import code_digest

    ours, other = bytes(range(32)), bytes(32)
    genuine, tampered = issue(session, make_world(session), test_key, count=2)
    text = url_for_label(genuine, test_key, serializer)
    genuine.code_digest = code_digest(parse(text).code, ours)
    # Signature bytes changed: Ed25519 refuses it, so only the digest can make it pass.
    bad = bytearray(parse(url_for_label(tampered, test_key, serializer)).code)
    bad[-1] ^= 1
    forged = code_to_text(bytes(bad), serializer.base_url)
    tampered.code_digest = code_digest(bytes(bad), ours)
    session.flush()

    def judge(code: str, key: bytes | None) -> tuple[Status, str | None]:
        verdict = verify_scan(code, keyring=keyring, today=TODAY, session=session, digest_key=key)
        return verdict.status, verdict.reason

    assert judge(text, ours) == (Status.GENUINE, None)
    assert judge(text, other) == (Status.GENUINE, None)  # no match: the signature decides
    assert judge(text, None) == (Status.GENUINE, None)
    assert judge(forged, ours) == (Status.GENUINE, None)  # the digest vouched, as designed
    assert judge(forged, other) == (Status.INVALID, "bad_signature")
    assert judge(forged, None) == (Status.INVALID, "bad_signature")
