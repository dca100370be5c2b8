"""Signing and opening the 79-byte label code: 15-byte body followed by a 64-byte signature."""

from __future__ import annotations

from typing import Protocol

from keys import BadSignature, KeyNotFound, Keyring, PublicKey

from .exc import DecodeError, PayloadError, Reason, SignatureError
from .payload import BODY_SIZE, LabelPayload

SIGNATURE_SIZE = 64
CODE_SIZE = BODY_SIZE + SIGNATURE_SIZE
# Domain separation: a signature made for a label can never be valid for anything else the
# same key might sign, and vice versa.
CONTEXT = b"OCOP-LABEL\x00"


class SigningKey(Protocol):
    """What signing needs: a key id and a sign function (:class:`keys.PrivateKey` is one)."""

    @property
    def kid(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...


def sign(payload: LabelPayload, key: SigningKey) -> bytes:
    """Return the 79-byte signed code for ``payload``.

    Raises :class:`PayloadError` if the payload's key id is not the signing key's.
    """
    if payload.kid != key.kid:
        raise PayloadError("kid", payload.kid, f"payload names key {payload.kid}, signer is {key.kid}")
    body = payload.pack()
    return body + key.sign(CONTEXT + body)


def open_code(code: bytes, keyring: Keyring) -> tuple[LabelPayload, PublicKey]:
    """Check a 79-byte code and return its payload and the key that signed it.

    The key's status is returned, not judged: a compromised key's code opens, and the caller
    reports it as revoked. Raises :class:`DecodeError` or :class:`SignatureError`.
    """
    if len(code) != CODE_SIZE:
        raise DecodeError(Reason.BAD_LENGTH, f"a label code has {CODE_SIZE} bytes, not {len(code)}")
    body, signature = code[:BODY_SIZE], code[BODY_SIZE:]
    payload = LabelPayload.unpack(body)
    try:
        key = keyring.verify(payload.kid, CONTEXT + body, signature)
    except KeyNotFound as e:
        raise SignatureError(Reason.UNKNOWN_KEY, payload.kid, f"signed by unknown key {payload.kid}") from e
    except BadSignature as e:
        raise SignatureError(
            Reason.BAD_SIGNATURE, payload.kid, "the signature does not match the code"
        ) from e
    return payload, key
