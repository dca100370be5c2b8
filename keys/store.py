"""The key store: a directory with the public key set and the encrypted private keys.

Layout::

    keys/keyring.json      public keys and their status (JWKS), safe to publish
    keys/<kid>.key         private key sealed under the passphrase with Argon2id and
                           AES-256-GCM (:mod:`keys.keyfile`, docs/key-file.md), mode 0600
    keys/<kid>.pem         legacy: encrypted PKCS#8 (PBKDF2, 2,048 iterations) from before key
                           files; still read, with a warning, until ``ocop keys migrate``
    keys/code-digest.key   32 random bytes, mode 0600: the key of the issued codes' digests
                           (see labels.signer.code_digest), made with the first signing key

Deriving the key from the passphrase is slow on purpose, so a :class:`Keystore` keeps each key
it decrypted (or made) and hands it out again while the file is unchanged and the same
passphrase is given: issuing 10,000 labels pays for one derivation, not 10,000.

Writers take an exclusive lock and replace ``keyring.json`` atomically, so readers in other
processes (the web workers) see either the old or the new set, and pick up a change on their
next call to :meth:`Keystore.keyring`.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from . import digest_file, ed25519, keyfile, private_file
from .ed25519 import PrivateKey
from .exc import KeyStateError, KeystoreError, LastActiveKey, NoActiveKey
from .keyring import Keyring, KeyStatus, PublicKey
from .private_file import Stamp

KEYRING_FILE = "keyring.json"
log = logging.getLogger(__name__)


class Keystore:
    """Signing keys kept in one directory. Cheap to create; reads nothing until asked."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self._keyring_file = str(self.directory / KEYRING_FILE)
        self._cache: tuple[Stamp, Keyring] | None = None
        # kid -> (file stamp, keyed hash of the passphrase, key): see the module docstring.
        self._unlocked: dict[str, tuple[Stamp, bytes, PrivateKey]] = {}
        self._tag_key = os.urandom(32)
        self._digest_key: bytes | None = None

    @property
    def keyring_path(self) -> Path:
        return self.directory / KEYRING_FILE

    # -- reading ---------------------------------------------------------------------------

    def keyring(self) -> Keyring:
        """Return the current public key set (empty if no key was ever made).

        The file is re-read only when it changed, so calling this on every request costs one
        ``stat``. Raises :class:`KeystoreError` if the file is corrupt.
        """
        try:
            st = os.stat(self._keyring_file)  # a plain str path: this runs on every verification
        except FileNotFoundError:
            return Keyring()
        except OSError as e:
            raise KeystoreError(
                f"cannot read {self.keyring_path}: {e.strerror}", path=self.keyring_path
            ) from e
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        if self._cache and self._cache[0] == stamp:
            return self._cache[1]
        keyring = self._read()
        self._cache = (stamp, keyring)
        return keyring

    def _read(self) -> Keyring:
        try:
            document = json.loads(self.keyring_path.read_text("utf-8"))
        except FileNotFoundError:
            return Keyring()
        except (OSError, ValueError) as e:
            raise KeystoreError(
                f"key set {self.keyring_path} is unreadable: {e}", path=self.keyring_path
            ) from e
        return Keyring.from_jwks(document, strict=True)

    def active(self) -> PublicKey:
        """Return the key that signs new labels. Raises :class:`NoActiveKey`."""
        for key in self.keyring():
            if key.status is KeyStatus.ACTIVE:
                return key
        raise NoActiveKey()

    def signer(self, passphrase: bytes, kid: str | None = None) -> PrivateKey:
        """Return the active private key (or key ``kid``, to reprint what it signed), decrypted.

        Raises :class:`NoActiveKey`, :class:`KeyNotFound`, :class:`KeyStateError` (a
        compromised key never signs again), :class:`PassphraseError` (wrong passphrase) or
        :class:`KeystoreError` (file missing, unsafe permissions, not matching the key set).
        """
        public = self.active() if kid is None else self.keyring().get(kid)
        if public.status is KeyStatus.COMPROMISED:
            raise KeyStateError(public.kid, public.status.value, "sign")
        path = self._private_path(public.kid)
        stamp, tag = private_file.stamp(path), self._tag(passphrase)
        cached = self._unlocked.get(public.kid)
        if cached and cached[0] == stamp and hmac.compare_digest(cached[1], tag):
            return cached[2]
        key = self._load(path, passphrase)
        if key.kid != public.kid:
            raise KeystoreError(f"private key {path} does not match key {public.kid}", path=path)
        self._unlocked[public.kid] = (stamp, tag, key)
        return key

    def _private_path(self, kid: str) -> Path:
        current = self.directory / f"{kid}.key"
        legacy = self.directory / f"{kid}.pem"
        return legacy if not current.exists() and legacy.exists() else current

    def _load(self, path: Path, passphrase: bytes) -> PrivateKey:
        data = private_file.read(path)
        if keyfile.is_key_file(data):
            return ed25519.load_key_file(data, passphrase, source=str(path))
        log.warning(
            "private key %s is in the legacy PKCS#8 format (PBKDF2, ~1 ms a guess); run: ocop keys migrate",
            path,
        )
        return ed25519.load_encrypted_pem(data, passphrase, source=str(path))

    def _tag(self, passphrase: bytes) -> bytes:
        return hmac.new(self._tag_key, passphrase, hashlib.sha256).digest()

    def legacy_keys(self) -> list[str]:
        """Return the ids of keys whose private key file is still in the legacy PEM format."""
        return [k.kid for k in self.keyring() if self._private_path(k.kid).suffix == ".pem"]

    def migrate(self, passphrase: bytes) -> list[str]:
        """Rewrite every legacy PEM private key as a key file, then delete the PEM; return the
        ids of the keys rewritten (none if there were none).

        All legacy keys are decrypted before anything is written, so a wrong passphrase changes
        nothing. Raises :class:`PassphraseError` or :class:`KeystoreError`.
        """
        with self._locked() as keys:
            legacy = [
                self.directory / f"{k.kid}.pem" for k in keys if self._private_path(k.kid).suffix == ".pem"
            ]
            unlocked = [
                (path, ed25519.load_encrypted_pem(private_file.read(path), passphrase, source=str(path)))
                for path in legacy
            ]
            for path, key in unlocked:
                private_file.write(
                    path.with_suffix(".key"), key.to_key_file(passphrase), replace_existing=True
                )
                path.unlink()
            self._unlocked.clear()
            return [key.kid for _path, key in unlocked]

    # -- changing --------------------------------------------------------------------------

    def generate(self, passphrase: bytes) -> PublicKey:
        """Create the first signing key and return it.

        Raises :class:`KeyStateError` if an active key exists already (use :meth:`rotate`).
        """
        with self._locked() as keys:
            current = [k for k in keys if k.status is KeyStatus.ACTIVE]
            if current:
                raise KeyStateError(current[0].kid, "active", "generate another key; use rotate")
            new = self._create(passphrase, keys)
            self._write([*keys, new])
        self.ensure_digest_key()
        return new

    def rotate(self, passphrase: bytes) -> PublicKey:
        """Create a new active key, retire the previous one, and return the new key.

        Labels signed by the retired key keep verifying.
        """
        with self._locked() as keys:
            new = self._create(passphrase, keys)
            now = _now()
            kept = [
                replace(k, status=KeyStatus.RETIRED, retired_at=now) if k.status is KeyStatus.ACTIVE else k
                for k in keys
            ]
            self._write([*kept, new])
            return new

    def retire(self, kid: str) -> PublicKey:
        """Stop signing with ``kid`` (it keeps verifying) and return it.

        Raises :class:`KeyNotFound`, :class:`KeyStateError` unless the key is active, or
        :class:`LastActiveKey` if no other key is active (issuing would then be impossible).
        """
        return self._change(kid, KeyStatus.RETIRED, "retire", allowed={KeyStatus.ACTIVE}, keep_one=True)

    def mark_compromised(self, kid: str) -> PublicKey:
        """Mark ``kid`` compromised: every label it signed now verifies as revoked.

        Raises :class:`KeyNotFound`, or :class:`KeyStateError` if it is compromised already.
        """
        return self._change(
            kid, KeyStatus.COMPROMISED, "mark compromised", allowed={KeyStatus.ACTIVE, KeyStatus.RETIRED}
        )

    def _change(
        self, kid: str, status: KeyStatus, action: str, *, allowed: set[KeyStatus], keep_one: bool = False
    ) -> PublicKey:
        with self._locked() as keys:
            key = Keyring(keys).get(kid)
            if key.status not in allowed:
                raise KeyStateError(kid, key.status.value, action)
            if keep_one and not any(k.status is KeyStatus.ACTIVE and k.kid != kid for k in keys):
                raise LastActiveKey(kid)
            now = _now()
            changed = replace(
                key,
                status=status,
                retired_at=key.retired_at or now,
                compromised_at=now if status is KeyStatus.COMPROMISED else None,
            )
            self._write([changed if k.kid == kid else k for k in keys])
            return changed

    def digest_key(self) -> bytes | None:
        """Return the key of the issued codes' digests (:mod:`keys.digest_file`), or ``None``
        if none was made yet. It never changes once made, so it is read once per process.
        Raises :class:`KeystoreError` if the file is readable by others or damaged."""
        if self._digest_key is None:
            self._digest_key = digest_file.read(self.directory)
        return self._digest_key

    def ensure_digest_key(self) -> bytes:
        """Return the digest key, making it first if there is none (a key store from before
        it existed gets one at its next issue). Raises :class:`KeystoreError`."""
        found = self.digest_key()
        if found is not None:
            return found
        digest_file.create(self.directory)
        made = self.digest_key()
        assert made is not None
        return made

    def _create(self, passphrase: bytes, existing: list[PublicKey]) -> PublicKey:
        private = ed25519.generate()
        if any(k.kid == private.kid for k in existing):  # 2**-32 odds; never reuse a kid
            return self._create(passphrase, existing)
        path = self.directory / f"{private.kid}.key"
        private_file.write(path, private.to_key_file(passphrase))
        self._unlocked[private.kid] = (private_file.stamp(path), self._tag(passphrase), private)
        return PublicKey(
            kid=private.kid, public_key=private.public_key, status=KeyStatus.ACTIVE, created_at=_now()
        )

    @contextmanager
    def _locked(self) -> Iterator[list[PublicKey]]:
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            lock = open(self.directory / ".lock", "a")  # noqa: SIM115 - held for the block
        except OSError as e:
            raise KeystoreError(
                f"cannot use key directory {self.directory}: {e.strerror}", path=self.directory
            ) from e
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield list(self._read())

    def _write(self, keys: list[PublicKey]) -> None:
        document = Keyring(keys).to_jwks()
        tmp = self.keyring_path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(document, indent=2) + "\n", "utf-8")
            os.replace(tmp, self.keyring_path)
        except OSError as e:
            raise KeystoreError(
                f"cannot write {self.keyring_path}: {e.strerror}", path=self.keyring_path
            ) from e
        self._cache = None


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
