"""The key store: a directory with the public key set and the encrypted private keys.

Layout::

    keys/keyring.json      public keys and their status (JWKS), safe to publish
    keys/<kid>.pem         encrypted PKCS#8 private key, mode 0600
    keys/code-digest.key   32 random bytes, mode 0600: the key of the issued codes' digests
                           (see labels.signer.code_digest), made with the first signing key

Writers take an exclusive lock and replace ``keyring.json`` atomically, so readers in other
processes (the web workers) see either the old or the new set, and pick up a change on their
next call to :meth:`Keystore.keyring`.
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from . import ed25519
from .ed25519 import PrivateKey
from .exc import KeyStateError, KeystoreError, NoActiveKey
from .keyring import Keyring, KeyStatus, PublicKey

KEYRING_FILE = "keyring.json"
DIGEST_KEY_FILE = "code-digest.key"
DIGEST_KEY_SIZE = 32


class Keystore:
    """Signing keys kept in one directory. Cheap to create; reads nothing until asked."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self._keyring_file = str(self.directory / KEYRING_FILE)
        self._cache: tuple[tuple[int, int, int], Keyring] | None = None
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
        return Keyring.from_jwks(document)

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
        path = self.directory / f"{public.kid}.pem"
        try:
            st = path.stat()
            data = path.read_bytes()
        except OSError as e:
            raise KeystoreError(f"cannot read private key {path}: {e.strerror}", path=path) from e
        if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeystoreError(f"private key {path} is readable by others; run: chmod 600 {path}", path=path)
        key = ed25519.load_encrypted_pem(data, passphrase, source=str(path))
        if key.kid != public.kid:
            raise KeystoreError(f"private key {path} does not match key {public.kid}", path=path)
        return key

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

        Raises :class:`KeyNotFound`, or :class:`KeyStateError` unless the key is active.
        """
        return self._change(kid, KeyStatus.RETIRED, "retire", allowed={KeyStatus.ACTIVE})

    def mark_compromised(self, kid: str) -> PublicKey:
        """Mark ``kid`` compromised: every label it signed now verifies as revoked.

        Raises :class:`KeyNotFound`, or :class:`KeyStateError` if it is compromised already.
        """
        return self._change(
            kid, KeyStatus.COMPROMISED, "mark compromised", allowed={KeyStatus.ACTIVE, KeyStatus.RETIRED}
        )

    def _change(self, kid: str, status: KeyStatus, action: str, *, allowed: set[KeyStatus]) -> PublicKey:
        with self._locked() as keys:
            key = Keyring(keys).get(kid)
            if key.status not in allowed:
                raise KeyStateError(kid, key.status.value, action)
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
        """Return the key of the issued codes' digests, or ``None`` if none was made yet. It
        never changes once made, so it is read once per process. Raises
        :class:`KeystoreError` if the file is readable by others or damaged."""
        if self._digest_key is None:
            path = self.directory / DIGEST_KEY_FILE
            try:
                with open(path, "rb") as f:
                    mode, data = os.fstat(f.fileno()).st_mode, f.read()
            except FileNotFoundError:
                return None
            except OSError as e:
                raise KeystoreError(f"cannot read {path}: {e.strerror}", path=path) from e
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise KeystoreError(f"{path} is readable by others; run: chmod 600 {path}", path=path)
            if len(data) != DIGEST_KEY_SIZE:
                raise KeystoreError(f"{path} is damaged: not {DIGEST_KEY_SIZE} bytes", path=path)
            self._digest_key = data
        return self._digest_key

    def ensure_digest_key(self) -> bytes:
        """Return the digest key, making it first if there is none (a key store from before
        it existed gets one at its next issue). Raises :class:`KeystoreError`."""
        found = self.digest_key()
        if found is not None:
            return found
        path = self.directory / DIGEST_KEY_FILE
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(os.urandom(DIGEST_KEY_SIZE))
        except FileExistsError:
            pass  # another process made it first: use theirs
        except OSError as e:
            raise KeystoreError(f"cannot write {path}: {e.strerror}", path=path) from e
        made = self.digest_key()
        assert made is not None
        return made

    def _create(self, passphrase: bytes, existing: list[PublicKey]) -> PublicKey:
        private = ed25519.generate()
        if any(k.kid == private.kid for k in existing):  # 2**-32 odds; never reuse a kid
            return self._create(passphrase, existing)
        pem = private.to_encrypted_pem(passphrase)
        path = self.directory / f"{private.kid}.pem"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
        except OSError as e:
            raise KeystoreError(f"cannot write private key {path}: {e.strerror}", path=path) from e
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
