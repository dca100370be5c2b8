"""The public side of the signing keys: what a verifier needs, and nothing secret."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from . import ed25519
from .exc import KeyNotFound, KeystoreError


class KeyStatus(StrEnum):
    """Lifecycle of a signing key. ``compromised`` is final."""

    ACTIVE = "active"  # signs new labels; exactly one key at most
    RETIRED = "retired"  # signs nothing new, still verifies what it signed
    COMPROMISED = "compromised"  # everything it signed must fail as revoked


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A public key with its status and history."""

    kid: str
    public_key: bytes
    status: KeyStatus
    created_at: datetime
    retired_at: datetime | None = None
    compromised_at: datetime | None = None

    def to_jwk(self) -> dict[str, Any]:
        """Return the key as an RFC 8037 ``OKP``/``Ed25519`` JWK with our status members."""
        jwk: dict[str, Any] = {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": ed25519.b64url(self.public_key),
            "kid": self.kid,
            "use": "sig",
            "alg": "EdDSA",
            "status": self.status.value,
            "created_at": self.created_at.isoformat(),
        }
        if self.retired_at:
            jwk["retired_at"] = self.retired_at.isoformat()
        if self.compromised_at:
            jwk["compromised_at"] = self.compromised_at.isoformat()
        return jwk

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> PublicKey:
        """Return the key described by ``jwk``. Raises :class:`KeystoreError` if it is malformed."""
        try:
            if jwk["kty"] != "OKP" or jwk["crv"] != "Ed25519":
                raise ValueError("not an OKP Ed25519 key")
            raw = ed25519.b64url_decode(jwk["x"])
            if len(raw) != ed25519.PUBLIC_KEY_SIZE:
                raise ValueError("public key must be 32 bytes")
            kid = ed25519.key_id(raw)
            if jwk.get("kid", kid) != kid:
                raise ValueError(f"kid {jwk['kid']!r} does not match the key (expected {kid})")

            def when(name: str) -> datetime | None:
                value = jwk.get(name)
                return datetime.fromisoformat(value) if value else None

            return cls(
                kid=kid,
                public_key=raw,
                status=KeyStatus(jwk.get("status", KeyStatus.ACTIVE)),
                created_at=when("created_at") or datetime.fromtimestamp(0),
                retired_at=when("retired_at"),
                compromised_at=when("compromised_at"),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise KeystoreError(f"malformed JWK: {e}") from e


class Keyring:
    """An immutable set of public keys, looked up by key id."""

    def __init__(self, keys: Iterable[PublicKey] = ()) -> None:
        self._keys: dict[str, PublicKey] = {k.kid: k for k in keys}

    def __iter__(self) -> Iterator[PublicKey]:
        return iter(self._keys.values())

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, kid: object) -> bool:
        return kid in self._keys

    def get(self, kid: str) -> PublicKey:
        """Return the key with id ``kid``. Raises :class:`KeyNotFound`."""
        try:
            return self._keys[kid]
        except KeyError:
            raise KeyNotFound(kid) from None

    def verify(self, kid: str, message: bytes, signature: bytes) -> PublicKey:
        """Check ``signature`` over ``message`` with key ``kid`` and return that key.

        The key's status is not judged here: a compromised key still verifies its own
        signatures, and the caller turns that into a "revoked" verdict.
        Raises :class:`KeyNotFound` or :class:`BadSignature`.
        """
        key = self.get(kid)
        ed25519.verify(key.public_key, message, signature, kid=kid)
        return key

    def to_jwks(self) -> dict[str, Any]:
        """Return the key set as a JWKS document (RFC 7517)."""
        return {"keys": [k.to_jwk() for k in sorted(self, key=lambda k: k.created_at)]}

    @classmethod
    def from_jwks(cls, document: Mapping[str, Any]) -> Keyring:
        """Return the key set in a JWKS document. Raises :class:`KeystoreError` if malformed."""
        keys = document.get("keys") if isinstance(document, Mapping) else None
        if not isinstance(keys, list):
            raise KeystoreError("a JWKS document needs a 'keys' list")
        return cls(PublicKey.from_jwk(k) for k in keys)
