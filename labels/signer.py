"""Signing and opening the 79-byte label code: 15-byte body followed by a 64-byte signature."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Protocol

from keys import BadSignature, KeyNotFound, Keyring, PublicKey

from .exc import DecodeError, PayloadError, Reason, SignatureError
from .payload import BODY_SIZE, LabelPayload

SIGNATURE_SIZE = 64
CODE_SIZE = BODY_SIZE + SIGNATURE_SIZE
# Domain separation: a signature made for a label can never be valid for anything else the
# same key might sign, and vice versa.
CONTEXT = b"OCOP-LABEL\x00"
DIGEST_CONTEXT = b"OCOP-LABEL-DIGEST\x00"
DIGEST_SIZE = 16


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


def code_digest(code: bytes, key: bytes) -> bytes:
    """Return the registry's digest of an issued 79-byte code: HMAC-SHA-256 under the key
    store's digest key, cut to 16 bytes. Stored at issue, it lets the verifier recognise a
    code it issued without an Ed25519 verify (see :func:`open_code` and docs/performance.md)."""
    return hmac.new(key, DIGEST_CONTEXT + code, hashlib.sha256).digest()[:DIGEST_SIZE]


def open_code(
    code: bytes, keyring: Keyring, *, issued: Callable[[LabelPayload], bool] | None = None
) -> tuple[LabelPayload, PublicKey]:
    """Check a 79-byte code and return its payload and the key that signed it.

    ``issued`` may vouch for the code instead of its signature: it is asked with the unpacked
    payload and answers True only if the registry holds this code's digest
    (:func:`code_digest`), i.e. we signed exactly these bytes at issue. Otherwise the
    signature is verified. The key's status is returned, not judged: a compromised key's code
    opens, and the caller reports it as revoked. Raises :class:`DecodeError` or
    :class:`SignatureError`.
    """
    if len(code) != CODE_SIZE:
        raise DecodeError(Reason.BAD_LENGTH, f"a label code has {CODE_SIZE} bytes, not {len(code)}")
    body, signature = code[:BODY_SIZE], code[BODY_SIZE:]
    payload = LabelPayload.unpack(body)
    try:
        if issued is not None and payload.kid in keyring and issued(payload):
            return payload, keyring.get(payload.kid)
        key = keyring.verify(payload.kid, CONTEXT + body, signature)
    except KeyNotFound as e:
        raise SignatureError(Reason.UNKNOWN_KEY, payload.kid, f"signed by unknown key {payload.kid}") from e
    except BadSignature as e:
        raise SignatureError(
            Reason.BAD_SIGNATURE, payload.kid, "the signature does not match the code"
        ) from e
    return payload, key
