"""Scratch-off secrets: a second code hidden on the label, claimed once by the buyer.

Only a salted hash is stored. The secret carries 50 random bits, so a fast keyed hash
(BLAKE2b with a per-label salt) is enough and keeps issuing 100,000 labels fast; a leaked
hash still costs about 2**49 guesses to reverse for one label.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from .encoding import CROCKFORD
from .exc import DecodeError, Reason

SECRET_CHARS = 10
_PERSON = b"ocop-secret-v1"
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_secret() -> str:
    """Return a fresh secret for printing under a scratch-off layer, as ``XXXXX-XXXXX``."""
    chars = "".join(secrets.choice(CROCKFORD) for _ in range(SECRET_CHARS))
    return f"{chars[:5]}-{chars[5:]}"


def normalize_secret(text: str) -> str:
    """Return the canonical 10-character form of a typed secret (case, spaces, hyphens and
    O/I/L look-alikes forgiven). Raises :class:`DecodeError` if it cannot be a secret."""
    cleaned = "".join(str(text).split()).replace("-", "").upper().translate(_ALIASES)
    if len(cleaned) != SECRET_CHARS or any(ch not in CROCKFORD for ch in cleaned):
        raise DecodeError(Reason.BAD_LENGTH, f"a scratch-off code has {SECRET_CHARS} letters and digits")
    return cleaned


def hash_secret(secret: str, serial: int) -> str:
    """Return the stored form ``b2$<salt>$<digest>`` of a secret for the label ``serial``.

    The serial is mixed in so a hash copied to another label's row does not match there.
    """
    salt = secrets.token_bytes(16)
    return f"b2${salt.hex()}${_digest(normalize_secret(secret), serial, salt)}"


def check_secret(secret: str, serial: int, stored: str) -> bool:
    """True if ``secret`` matches the stored hash for ``serial``. Never raises for bad input."""
    try:
        scheme, salt_hex, digest = stored.split("$")
        salt = bytes.fromhex(salt_hex)
        candidate = normalize_secret(secret)
    except (ValueError, DecodeError):
        return False
    return scheme == "b2" and hmac.compare_digest(_digest(candidate, serial, salt), digest)


def _digest(secret: str, serial: int, salt: bytes) -> str:
    message = secret.encode("ascii") + serial.to_bytes(8, "big")
    return hashlib.blake2b(message, salt=salt, person=_PERSON, digest_size=32).hexdigest()
