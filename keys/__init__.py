"""Ed25519 signing keys for OCOP labels: generation, rotation, status and the public key set.

This package imports nothing else of ours, and it is the only one that touches
``cryptography.hazmat``.
"""

from .ed25519 import PrivateKey, generate, key_id, private_key_from_seed
from .exc import (
    BadSignature,
    KeyNotFound,
    KeysError,
    KeyStateError,
    KeystoreError,
    LastActiveKey,
    NoActiveKey,
    PassphraseError,
)
from .keyring import Keyring, KeyStatus, PublicKey
from .passphrase import load_passphrase
from .store import Keystore

__all__ = [
    "BadSignature",
    "KeyNotFound",
    "KeyStateError",
    "KeyStatus",
    "Keyring",
    "KeysError",
    "Keystore",
    "KeystoreError",
    "LastActiveKey",
    "NoActiveKey",
    "PassphraseError",
    "PrivateKey",
    "PublicKey",
    "generate",
    "key_id",
    "load_passphrase",
    "private_key_from_seed",
]
