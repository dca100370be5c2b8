"""The private key file format: an Ed25519 seed sealed with AES-256-GCM under a key derived
from the passphrase by Argon2id (RFC 9106), memory-hard so that each passphrase guess costs an
attacker with a stolen file 64 MiB and a few hundred milliseconds of one core.

A file is one JSON object (UTF-8), described in ``docs/key-file.md``::

    {"format": "ocop-ed25519-key", "version": 1, "kid": "1a2b3c4d",
     "kdf": {"name": "argon2id", "memory_kib": 65536, "iterations": 3, "lanes": 4,
             "salt": "<base64url, 16 bytes>"},
     "cipher": {"name": "aes-256-gcm", "nonce": "<base64url, 12 bytes>"},
     "sealed": "<base64url: the 32-byte seed encrypted, then the 16-byte tag>"}

Everything but ``sealed`` is the associated data (as canonical JSON: sorted keys, no spaces),
so a changed header or key id fails authentication just like a wrong passphrase.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from .exc import KeystoreError, PassphraseError

FORMAT, VERSION = "ocop-ed25519-key", 1
# RFC 9106's second recommended option (for memory-constrained hosts): 64 MiB, 3 passes, 4 lanes.
MEMORY_KIB, ITERATIONS, LANES = 64 * 1024, 3, 4
# What a file may ask for when read: enough range for a stronger setting later, not enough for
# a planted file to make a worker allocate gigabytes.
_MEMORY_RANGE, _ITERATIONS_RANGE, _LANES_RANGE = (8 * 1024, 1024 * 1024), (1, 20), (1, 16)
SEED_SIZE = 32


def derive(passphrase: bytes, salt: bytes, *, memory_kib: int, iterations: int, lanes: int) -> bytes:
    """Return the 32-byte Argon2id key for ``passphrase`` (the slow step, measured in bench)."""
    return Argon2id(salt=salt, length=32, iterations=iterations, lanes=lanes, memory_cost=memory_kib).derive(
        passphrase
    )


def seal(seed: bytes, kid: str, passphrase: bytes) -> bytes:
    """Return the key file content for the Ed25519 ``seed`` of key ``kid``.

    Raises :class:`PassphraseError` for an empty passphrase.
    """
    if not passphrase:
        raise PassphraseError("refusing to write a private key without a passphrase")
    salt, nonce = os.urandom(16), os.urandom(12)
    header: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "kid": kid,
        "kdf": {
            "name": "argon2id",
            "memory_kib": MEMORY_KIB,
            "iterations": ITERATIONS,
            "lanes": LANES,
            "salt": _b64(salt),
        },
        "cipher": {"name": "aes-256-gcm", "nonce": _b64(nonce)},
    }
    key = derive(passphrase, salt, memory_kib=MEMORY_KIB, iterations=ITERATIONS, lanes=LANES)
    sealed = AESGCM(key).encrypt(nonce, seed, _canonical(header))
    return (json.dumps({**header, "sealed": _b64(sealed)}, indent=2) + "\n").encode()


def is_key_file(data: bytes) -> bool:
    """True if ``data`` looks like this format (a JSON object), not a legacy PEM file."""
    return data.lstrip()[:1] == b"{"


def unseal(data: bytes, passphrase: bytes, *, source: str) -> tuple[str, bytes]:
    """Return ``(kid, seed)`` from key file ``data``.

    Raises :class:`KeystoreError` if the file is not this format or asks for KDF settings out
    of range, and :class:`PassphraseError` if the passphrase is wrong or the file was altered.
    """
    try:
        document = json.loads(data)
        header = {k: v for k, v in document.items() if k != "sealed"}
        kdf, cipher = header["kdf"], header["cipher"]
        if (header["format"], header["version"], kdf["name"], cipher["name"]) != (
            FORMAT,
            VERSION,
            "argon2id",
            "aes-256-gcm",
        ):
            raise KeystoreError(f"{source} is not an OCOP key file of version {VERSION}")
        memory, iterations, lanes = int(kdf["memory_kib"]), int(kdf["iterations"]), int(kdf["lanes"])
        salt, nonce, sealed = _unb64(kdf["salt"]), _unb64(cipher["nonce"]), _unb64(document["sealed"])
        kid = str(header["kid"])
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise KeystoreError(f"{source} is not a readable OCOP key file") from e
    if (
        not (
            _within(memory, _MEMORY_RANGE)
            and _within(iterations, _ITERATIONS_RANGE)
            and _within(lanes, _LANES_RANGE)
        )
        or len(nonce) != 12
    ):
        raise KeystoreError(f"{source} asks for key derivation settings out of range")
    key = derive(passphrase, salt, memory_kib=memory, iterations=iterations, lanes=lanes)
    try:
        seed = AESGCM(key).decrypt(nonce, sealed, _canonical(header))
    except InvalidTag as e:
        raise PassphraseError(
            f"cannot decrypt {source}: wrong passphrase or damaged file", source=source
        ) from e
    if len(seed) != SEED_SIZE:
        raise KeystoreError(f"{source} does not hold an Ed25519 key")
    return kid, seed


def _within(value: int, bounds: tuple[int, int]) -> bool:
    return bounds[0] <= value <= bounds[1]


def _canonical(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise TypeError("expected base64url text")
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode("ascii"))
