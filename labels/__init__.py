"""Signed OCOP label codes: the payload, its Ed25519 signature, its URL form, and verification.

Layers, each in its own module (like itsdangerous): :mod:`encoding` (digits, short codes) →
:mod:`payload` (15-byte body) → :mod:`signer` (79-byte signed code) → :mod:`serializer`
(the URL in the QR). The verdict, with the registry, is :mod:`usecases.verify`.
"""

from .encoding import parse_short_code, short_code
from .exc import BaseURLError, DecodeError, LabelError, PayloadError, Reason, SignatureError
from .payload import LabelPayload
from .serializer import CODE_DIGITS, LabelSerializer, ScannedCode, code_to_text, normalize_base_url, parse
from .signer import CODE_SIZE, open_code, sign

__all__ = [
    "CODE_DIGITS",
    "CODE_SIZE",
    "BaseURLError",
    "DecodeError",
    "LabelError",
    "LabelPayload",
    "LabelSerializer",
    "PayloadError",
    "Reason",
    "ScannedCode",
    "SignatureError",
    "code_to_text",
    "normalize_base_url",
    "open_code",
    "parse",
    "parse_short_code",
    "short_code",
    "sign",
]
