import json
import os
import stat

import pytest

from keys import (
    BadSignature,
    KeyNotFound,
    Keyring,
    KeyStateError,
    KeyStatus,
    Keystore,
    KeystoreError,
    LastActiveKey,
    NoActiveKey,
    PassphraseError,
    generate,
    key_id,
)
from keys.ed25519 import load_encrypted_pem

PASS = b"correct horse battery staple"


@pytest.fixture
def store(tmp_path):
    return Keystore(tmp_path / "keys")


def test_generate_writes_encrypted_owner_only_key(store):
    key = store.generate(PASS)
    key_path = store.directory / f"{key.kid}.key"
    sealed = json.loads(key_path.read_text())
    assert sealed["kdf"]["name"] == "argon2id" and sealed["kdf"]["memory_kib"] >= 64 * 1024
    assert sealed["cipher"]["name"] == "aes-256-gcm" and sealed["kid"] == key.kid
    assert not (store.directory / f"{key.kid}.pem").exists()
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700
    # The public key set holds no private material.
    document = json.loads(store.keyring_path.read_text())
    assert set(document["keys"][0]) >= {"kty", "crv", "x", "kid", "status"}
    assert "d" not in document["keys"][0]
    assert key.kid == key_id(key.public_key) and len(key.kid) == 8


def test_signer_round_trip_and_wrong_passphrase(store):
    public = store.generate(PASS)
    signer = store.signer(PASS)
    assert signer.kid == public.kid
    signature = signer.sign(b"hello")
    assert store.keyring().verify(public.kid, b"hello", signature).kid == public.kid
    with pytest.raises(BadSignature) as info:
        store.keyring().verify(public.kid, b"hellO", signature)
    assert info.value.kid == public.kid
    with pytest.raises(PassphraseError):
        store.signer(b"wrong passphrase entirely")
    assert "PrivateKey" in repr(signer) and public.kid in repr(signer)


def test_generate_twice_is_refused(store):
    store.generate(PASS)
    with pytest.raises(KeyStateError) as info:
        store.generate(PASS)
    assert info.value.status == "active"


def test_rotate_retires_the_old_key_which_still_verifies(store):
    old = store.generate(PASS)
    old_signature = store.signer(PASS).sign(b"label")
    new = store.rotate(PASS)
    ring = store.keyring()
    assert ring.get(old.kid).status is KeyStatus.RETIRED
    assert ring.get(new.kid).status is KeyStatus.ACTIVE
    assert store.signer(PASS).kid == new.kid
    assert ring.verify(old.kid, b"label", old_signature).status is KeyStatus.RETIRED
    # A retired key may still be loaded to re-print what it signed.
    assert store.signer(PASS, old.kid).kid == old.kid


def test_last_active_key_cannot_be_retired(store):
    key = store.generate(PASS)
    with pytest.raises(LastActiveKey) as refused:
        store.retire(key.kid)
    assert refused.value.kid == key.kid
    assert store.keyring().get(key.kid).status is KeyStatus.ACTIVE
    assert store.signer(PASS).kid == key.kid  # issuing still works


def test_retire_and_compromise_transitions(store):
    key = store.generate(PASS)
    store.mark_compromised(key.kid)
    with pytest.raises(NoActiveKey):
        store.signer(PASS)
    with pytest.raises(KeyStateError):
        store.retire(key.kid)
    old = store.generate(PASS)
    newer = store.rotate(PASS)
    with pytest.raises(KeyStateError):
        store.retire(old.kid)  # rotated out: already retired
    key = newer
    compromised = store.mark_compromised(key.kid)
    assert compromised.status is KeyStatus.COMPROMISED and compromised.compromised_at
    with pytest.raises(KeyStateError):
        store.mark_compromised(key.kid)
    with pytest.raises(KeyStateError):
        store.signer(PASS, key.kid)
    with pytest.raises(KeyNotFound):
        store.retire("deadbeef")


def test_keyring_reloads_when_another_process_changes_it(tmp_path):
    writer, reader = Keystore(tmp_path), Keystore(tmp_path)
    key = writer.generate(PASS)
    assert reader.keyring().get(key.kid).status is KeyStatus.ACTIVE
    writer.mark_compromised(key.kid)
    assert reader.keyring().get(key.kid).status is KeyStatus.COMPROMISED


def test_corrupt_keyring_is_a_clear_error(store):
    store.directory.mkdir(parents=True)
    store.keyring_path.write_text("{not json")
    with pytest.raises(KeystoreError) as info:
        store.keyring()
    assert info.value.path == store.keyring_path


def test_private_key_readable_by_others_is_refused(store):
    key = store.generate(PASS)
    os.chmod(store.directory / f"{key.kid}.key", 0o644)
    with pytest.raises(KeystoreError, match="chmod 600"):
        store.signer(PASS)


def test_plaintext_private_key_is_refused():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(KeystoreError, match="not encrypted"):
        load_encrypted_pem(pem, PASS)


def test_jwks_round_trip_and_rfc8037_shape(store):
    store.generate(PASS)
    store.rotate(PASS)
    document = store.keyring().to_jwks()
    assert [k["status"] for k in document["keys"]] == ["retired", "active"]
    for jwk in document["keys"]:
        assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == ("OKP", "Ed25519", "EdDSA", "sig")
        assert "=" not in jwk["x"] and len(jwk["x"]) == 43
    again = Keyring.from_jwks(document)
    assert {k.kid for k in again} == {k.kid for k in store.keyring()}


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"keys": "nope"},
        {"keys": [], "compromised": {}},
        {"keys": [{"kty": "RSA"}]},
        {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}]},
        {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "A" * 43, "kid": "00000000"}]},
    ],
)
def test_malformed_jwks_is_refused_by_the_key_store(document):
    """Our own key file must be exact: any unusable entry stops the store (strict mode)."""
    with pytest.raises(KeystoreError):
        Keyring.from_jwks(document, strict=True)


def test_private_key_file_needs_a_passphrase():
    with pytest.raises(PassphraseError):
        generate().to_key_file(b"")


def test_digest_key_made_with_the_first_key_owner_only_and_stable(tmp_path):
    bare = Keystore(tmp_path / "old")
    assert bare.digest_key() is None
    made = bare.ensure_digest_key()  # a store from before the digest key gets one at its next issue
    assert len(made) == 32 and Keystore(tmp_path / "old").digest_key() == made
    store = Keystore(tmp_path / "keys")
    store.generate(PASS)
    path = store.directory / "code-digest.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.digest_key() == Keystore(store.directory).ensure_digest_key() == path.read_bytes()
    path.chmod(0o644)
    with pytest.raises(KeystoreError, match="readable by others"):
        Keystore(store.directory).digest_key()
