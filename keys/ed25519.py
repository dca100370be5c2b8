"""Ed25519 primitives. With :mod:`keys.keyfile` (the private key file format) the only code of
the project that touches ``cryptography.hazmat``.

Everything here speaks raw bytes so the rest of the code never sees a hazmat object.
"""

from __future__ import annotations

import base64
import functools
import hashlib

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from . import keyfile
from .exc import BadSignature, KeystoreError, PassphraseError

PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64
KID_BYTES = 4


def key_id(public_key: bytes) -> str:
    """Return the short key id of a raw public key: the first 4 bytes of its SHA-256, in hex.

    The label code carries these 4 bytes to pick the key; the signature, not the id, is what
    proves authenticity, so a short id is enough.
    """
    return hashlib.sha256(public_key).digest()[:KID_BYTES].hex()


class PrivateKey:
    """An Ed25519 private key. ``repr`` never shows key material."""

    __slots__ = ("_key", "kid", "public_key")

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self.public_key: bytes = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.kid: str = key_id(self.public_key)

    def __repr__(self) -> str:
        return f"<PrivateKey kid={self.kid}>"

    def sign(self, message: bytes) -> bytes:
        """Return the 64-byte Ed25519 signature of ``message``."""
        return self._key.sign(message)

    def to_key_file(self, passphrase: bytes) -> bytes:
        """Return the key file content (:mod:`keys.keyfile`: Argon2id, 64 MiB, then AES-256-GCM).

        Slow on purpose (a few hundred ms). Raises :class:`PassphraseError` for an empty
        passphrase.
        """
        seed = self._key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return keyfile.seal(seed, self.kid, passphrase)


def generate() -> PrivateKey:
    """Return a new random Ed25519 private key."""
    return PrivateKey(Ed25519PrivateKey.generate())


def private_key_from_seed(seed: bytes) -> PrivateKey:
    """Return the private key for a 32-byte seed (used only for the published test vectors)."""
    return PrivateKey(Ed25519PrivateKey.from_private_bytes(seed))


def load_key_file(data: bytes, passphrase: bytes, *, source: str = "key file") -> PrivateKey:
    """Return the private key in key file ``data`` (:mod:`keys.keyfile`).

    Raises :class:`PassphraseError` (wrong passphrase or altered file) and
    :class:`KeystoreError` (not a key file, or its key id does not match the key inside).
    """
    kid, seed = keyfile.unseal(data, passphrase, source=source)
    key = private_key_from_seed(seed)
    if key.kid != kid:
        raise KeystoreError(f"{source} names key {kid} but holds key {key.kid}")
    return key


def load_encrypted_pem(data: bytes, passphrase: bytes, *, source: str = "key file") -> PrivateKey:
    """Return the private key in legacy encrypted PKCS#8 PEM ``data``, as written before key
    files (cryptography's best available encryption: PBKDF2-HMAC-SHA256 with only 2,048
    iterations, about a millisecond per guess). ``ocop keys migrate`` rewrites such files.

    Raises :class:`PassphraseError` if the passphrase is wrong and :class:`KeystoreError` if the
    data is not an Ed25519 private key.
    """
    try:
        key = serialization.load_pem_private_key(data, password=passphrase)
    except TypeError as e:
        # cryptography raises TypeError when the PEM is not encrypted: refuse plaintext keys.
        raise KeystoreError(f"{source} is not encrypted; private keys must be") from e
    except ValueError as e:
        # Wrong passphrase and corrupt data are indistinguishable by design of PKCS#8.
        raise PassphraseError(
            f"cannot decrypt {source}: wrong passphrase or damaged file", source=source
        ) from e
    except UnsupportedAlgorithm as e:
        raise KeystoreError(f"{source} uses an unsupported algorithm") from e
    if not isinstance(key, Ed25519PrivateKey):
        raise KeystoreError(f"{source} is not an Ed25519 key")
    return PrivateKey(key)


@functools.lru_cache(maxsize=64)
def _public(public_key: bytes) -> Ed25519PublicKey:
    # Loading the key costs a quarter of a verification; a key set holds a handful of keys.
    return Ed25519PublicKey.from_public_bytes(public_key)


def verify(public_key: bytes, message: bytes, signature: bytes, *, kid: str) -> None:
    """Check an Ed25519 signature. Returns ``None``; raises :class:`BadSignature` if it fails."""
    try:
        _public(public_key).verify(signature, message)
    except (InvalidSignature, ValueError) as e:
        raise BadSignature(kid) from e


def b64url(data: bytes) -> str:
    """Return unpadded base64url text (as used by JWK)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Return the bytes of unpadded base64url ``text``. Raises ``ValueError`` on bad input."""
    padded = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii"))
