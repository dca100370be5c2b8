"""The published key set (docs/label-code.md §5): what a verifier trusts, and what a generic JOSE
library sees in it."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from keys import Keyring, KeyStatus, KeystoreError, PublicKey, key_id, private_key_from_seed

CREATED = datetime(2026, 1, 1, tzinfo=UTC)
OLD, NEW, THIRD = (private_key_from_seed(bytes([n]) * 32) for n in (1, 2, 3))


def _ring() -> Keyring:
    return Keyring(
        [
            PublicKey(OLD.kid, OLD.public_key, KeyStatus.COMPROMISED, CREATED, compromised_at=CREATED),
            PublicKey(THIRD.kid, THIRD.public_key, KeyStatus.RETIRED, CREATED, retired_at=CREATED),
            PublicKey(NEW.kid, NEW.public_key, KeyStatus.ACTIVE, datetime(2026, 6, 1, tzinfo=UTC)),
        ]
    )


def _jwk(key, **extra):
    x = base64.urlsafe_b64encode(key.public_key).rstrip(b"=").decode()
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": key.kid} | extra


def test_compromised_keys_leave_the_keys_array_and_carry_their_time():
    document = _ring().to_jwks()
    assert [k["kid"] for k in document["keys"]] == [THIRD.kid, NEW.kid]
    assert [(k["kid"], k["compromised_at"]) for k in document["compromised"]] == [
        (OLD.kid, CREATED.isoformat())
    ]
    again = Keyring.from_jwks(document, strict=True)
    assert again.get(OLD.kid).status is KeyStatus.COMPROMISED
    assert again.get(OLD.kid).compromised_at == CREATED


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
def test_a_generic_jose_library_finds_no_compromised_key():
    document = _ring().to_jwks()
    key_set = KeySet.import_key_set(document)
    assert sorted(k.kid for k in key_set.keys) == sorted([THIRD.kid, NEW.kid])
    with pytest.raises(JoseError):
        key_set.get_by_kid(OLD.kid)
    # A token signed by the compromised key does not verify against the published set.
    from joserfc.jwk import OKPKey

    private = OKPKey.import_key(
        _jwk(OLD, d=base64.urlsafe_b64encode(bytes([1]) * 32).rstrip(b"=").decode())
    )
    token = jws.serialize_compact({"alg": "EdDSA", "kid": OLD.kid}, b"label", private, algorithms=["EdDSA"])
    with pytest.raises(JoseError):
        jws.deserialize_compact(token, key_set, algorithms=["EdDSA"])
    good = OKPKey.import_key(_jwk(NEW, d=base64.urlsafe_b64encode(bytes([2]) * 32).rstrip(b"=").decode()))
    token = jws.serialize_compact({"alg": "EdDSA", "kid": NEW.kid}, b"label", good, algorithms=["EdDSA"])
    assert jws.deserialize_compact(token, key_set, algorithms=["EdDSA"]).payload == b"label"


def test_old_key_sets_with_compromised_status_inside_keys_still_read_as_compromised():
    ring = Keyring.from_jwks({"keys": [_jwk(OLD, status="compromised"), _jwk(NEW)]})
    assert ring.get(OLD.kid).status is KeyStatus.COMPROMISED
    assert ring.get(NEW.kid).status is KeyStatus.ACTIVE  # a missing status means active


@pytest.mark.parametrize(
    "entry",
    [
        _jwk(NEW, kid=OLD.kid),  # kid does not match x
        _jwk(NEW, kid=NEW.kid.upper()),  # kid in upper case
        _jwk(NEW, status="suspended"),  # unknown status
        _jwk(NEW, x=_jwk(NEW)["x"] + "="),  # padded
        _jwk(NEW, crv="Ed448"),
        "not an object",
    ],
    ids=["kid-mismatch", "kid-upper-case", "unknown-status", "padded-x", "ed448", "not-an-object"],
)
def test_unusable_entries_are_ignored_by_a_verifier_and_refused_by_the_store(entry):
    ring = Keyring.from_jwks({"keys": [entry, _jwk(THIRD)]})
    assert NEW.kid not in ring and THIRD.kid in ring
    with pytest.raises(KeystoreError):
        Keyring.from_jwks({"keys": [entry, _jwk(THIRD)]}, strict=True)


def test_one_key_listed_twice_takes_its_most_severe_status():
    ring = Keyring.from_jwks({"keys": [_jwk(NEW, status="active")], "compromised": [_jwk(NEW)]})
    assert ring.get(NEW.kid).status is KeyStatus.COMPROMISED
    ring = Keyring.from_jwks({"keys": [_jwk(NEW, status="retired"), _jwk(NEW, status="active")]})
    assert ring.get(NEW.kid).status is KeyStatus.RETIRED


def test_two_different_keys_under_one_kid_are_both_ignored():
    # Two 32-byte values whose kids (4 bytes of SHA-256) collide, found by a birthday search.
    a, b = (hashlib.sha256(b"ocop kid clash %d" % n).digest() for n in (13867, 40662))
    assert key_id(a) == key_id(b) == "6160e53c" and a != b
    b64 = [base64.urlsafe_b64encode(x).rstrip(b"=").decode() for x in (a, b)]
    entries = [{"kty": "OKP", "crv": "Ed25519", "x": x} for x in b64]
    ring = Keyring.from_jwks({"keys": [*entries, _jwk(NEW)]})
    assert "6160e53c" not in ring and NEW.kid in ring
    with pytest.raises(KeystoreError, match="two different keys"):
        Keyring.from_jwks({"keys": entries}, strict=True)


def test_timestamps_are_informational_for_a_verifier():
    ring = Keyring.from_jwks({"keys": [_jwk(NEW, created_at="yesterday")]})
    assert ring.get(NEW.kid).status is KeyStatus.ACTIVE
    with pytest.raises(KeystoreError):
        Keyring.from_jwks({"keys": [_jwk(NEW, created_at="yesterday")]}, strict=True)
