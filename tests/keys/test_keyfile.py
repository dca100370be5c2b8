"""Private key files (Argon2id + AES-256-GCM), the legacy PKCS#8 files they replace, their
migration, and the in-process cache that keeps signing from paying the KDF per label."""

from __future__ import annotations

import json
import logging
import os
import stat
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from keys import KeyStatus, Keystore, KeystoreError, PassphraseError, PublicKey, private_key_from_seed
from keys.ed25519 import load_key_file
from keys.keyring import Keyring

PASS = b"a test passphrase, twelve+"


def _legacy_store(directory: Path, count: int = 2, passphrase: bytes = PASS) -> tuple[Keystore, list[str]]:
    """A key store as earlier versions wrote it: PKCS#8 PEM files with PBKDF2."""
    directory.mkdir(mode=0o700)
    keys = []
    for n in range(count):
        raw = Ed25519PrivateKey.generate()
        pem = raw.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase),
        )
        seed = raw.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        key = private_key_from_seed(seed)
        path = directory / f"{key.kid}.pem"
        path.write_bytes(pem)
        path.chmod(0o600)
        status = KeyStatus.ACTIVE if n == count - 1 else KeyStatus.RETIRED
        keys.append(PublicKey(key.kid, key.public_key, status, created_at=_created()))
    (directory / "keyring.json").write_text(json.dumps(Keyring(keys).to_jwks()))
    return Keystore(directory), [k.kid for k in keys]


def _created():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime(2026, 1, 1, tzinfo=UTC)


def test_legacy_keys_still_load_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store, kids = _legacy_store(tmp_path / "keys")
    with caplog.at_level(logging.WARNING, logger="keys.store"):
        assert store.signer(PASS).kid == kids[-1]
    assert "ocop keys migrate" in caplog.text
    assert store.legacy_keys() == kids


def test_migrate_rewrites_every_legacy_key_and_they_still_sign(tmp_path: Path) -> None:
    store, kids = _legacy_store(tmp_path / "keys")
    signature = store.signer(PASS, kids[0]).sign(b"label")
    assert sorted(store.migrate(PASS)) == sorted(kids)
    for kid in kids:
        assert not (store.directory / f"{kid}.pem").exists()
        path = store.directory / f"{kid}.key"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert json.loads(path.read_text())["kdf"]["name"] == "argon2id"
    fresh = Keystore(store.directory)
    assert fresh.legacy_keys() == []
    assert fresh.signer(PASS, kids[0]).sign(b"label") == signature  # the same key, re-sealed
    assert fresh.migrate(PASS) == []  # nothing left to do


def test_migrate_with_a_wrong_passphrase_changes_nothing(tmp_path: Path) -> None:
    store, _kids = _legacy_store(tmp_path / "keys")
    before = sorted(os.listdir(store.directory))
    with pytest.raises(PassphraseError):
        store.migrate(b"not the passphrase at all")
    assert sorted(set(os.listdir(store.directory)) - {".lock"}) == before


def test_altered_key_file_is_refused(tmp_path: Path) -> None:
    store = Keystore(tmp_path / "keys")
    key = store.generate(PASS)
    path = store.directory / f"{key.kid}.key"
    document = json.loads(path.read_text())
    weakened = {**document, "kdf": {**document["kdf"], "iterations": 1}}
    with pytest.raises(PassphraseError):  # the header is authenticated
        load_key_file(json.dumps(weakened).encode(), PASS)
    greedy = {**document, "kdf": {**document["kdf"], "memory_kib": 64 * 1024 * 1024}}
    with pytest.raises(KeystoreError, match="out of range"):
        load_key_file(json.dumps(greedy).encode(), PASS)
    with pytest.raises(KeystoreError):
        load_key_file(b"{not json", PASS)
    assert load_key_file(path.read_bytes(), PASS).kid == key.kid


def test_decrypted_key_is_cached_until_the_file_or_passphrase_changes(tmp_path: Path) -> None:
    maker = Keystore(tmp_path / "keys")
    key = maker.generate(PASS)
    store = Keystore(maker.directory)
    started = time.perf_counter()
    first = store.signer(PASS)
    slow = time.perf_counter() - started
    started = time.perf_counter()
    again = [store.signer(PASS) for _ in range(100)]
    fast = time.perf_counter() - started
    assert all(k is first for k in again)
    assert fast < slow  # 100 cached look-ups cost less than one derivation
    with pytest.raises(PassphraseError):
        store.signer(b"wrong passphrase, cached key")  # the cache never skips the check
    path = store.directory / f"{key.kid}.key"
    path.write_bytes(path.read_bytes().replace(b'"sealed": "', b'"sealed": "A'))
    with pytest.raises((PassphraseError, KeystoreError)):
        store.signer(PASS)  # a changed file is read again
