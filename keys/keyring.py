"""The public side of the signing keys: what a verifier needs, and nothing secret."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
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
    def from_jwk(
        cls, jwk: Mapping[str, Any], *, status: KeyStatus | None = None, strict: bool = True
    ) -> PublicKey:
        """Return the key described by ``jwk`` (its ``status`` member, or ``status`` if given).

        The timestamps are informational: without ``strict`` an unreadable one is left out.

        The kid is computed from ``x``; a ``kid`` member must equal it exactly (lower-case hex).
        A missing ``status`` means ``active``. Raises :class:`KeystoreError` for anything else:
        another key type, ``x`` not 43 canonical base64url characters, an unknown status or an
        unreadable timestamp.
        """
        try:
            if jwk["kty"] != "OKP" or jwk["crv"] != "Ed25519":
                raise ValueError("not an OKP Ed25519 key")
            x = jwk["x"]
            if not (isinstance(x, str) and _X.fullmatch(x)):
                raise ValueError("x must be 43 base64url characters (32 bytes, no padding)")
            raw = ed25519.b64url_decode(x)
            kid = ed25519.key_id(raw)
            if jwk.get("kid", kid) != kid:
                raise ValueError(f"kid {jwk['kid']!r} does not match the key (expected {kid})")

            def when(name: str) -> datetime | None:
                value = jwk.get(name)
                try:
                    return datetime.fromisoformat(value) if value else None
                except (TypeError, ValueError):
                    if strict:
                        raise
                    return None

            return cls(
                kid=kid,
                public_key=raw,
                status=status or KeyStatus(jwk.get("status", KeyStatus.ACTIVE)),
                created_at=when("created_at") or _EPOCH,
                retired_at=when("retired_at"),
                compromised_at=when("compromised_at"),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise KeystoreError(f"malformed JWK: {e}") from e


_X = re.compile(r"[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]")  # canonical unpadded base64url of 32 bytes
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# When one key is listed twice, the most severe status wins.
_SEVERITY = {KeyStatus.ACTIVE: 0, KeyStatus.RETIRED: 1, KeyStatus.COMPROMISED: 2}
COMPROMISED_MEMBER = "compromised"


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
        """Return the key set as a JWKS document (RFC 7517).

        ``keys`` holds only keys to trust (active and retired), so a generic JOSE library that
        ignores our own members never trusts a compromised key; compromised keys are listed in
        the ``compromised`` member, each with its ``compromised_at`` time.
        """
        ordered = sorted(self, key=lambda k: k.created_at)
        return {
            "keys": [k.to_jwk() for k in ordered if k.status is not KeyStatus.COMPROMISED],
            COMPROMISED_MEMBER: [k.to_jwk() for k in ordered if k.status is KeyStatus.COMPROMISED],
        }

    @classmethod
    def from_jwks(cls, document: Mapping[str, Any], *, strict: bool = False) -> Keyring:
        """Return the key set in a JWKS document, by the rules of docs/label-code.md §5.

        Entries of ``keys`` and ``compromised`` that are not usable Ed25519 keys (see
        :meth:`PublicKey.from_jwk`) are ignored, and so is every entry of a kid listed with two
        different keys; one key listed twice takes its most severe status. With ``strict`` (our
        own key store) any such entry raises instead. Raises :class:`KeystoreError` if the
        document is not an object with a ``keys`` list (and, if present, a ``compromised`` list).
        """
        keys = document.get("keys") if isinstance(document, Mapping) else None
        compromised = document.get(COMPROMISED_MEMBER, []) if isinstance(document, Mapping) else None
        if not isinstance(keys, list) or not isinstance(compromised, list):
            raise KeystoreError(f"a JWKS document needs a 'keys' list (and '{COMPROMISED_MEMBER}' a list)")
        found: dict[str, PublicKey] = {}
        clashing: set[str] = set()
        listed = [(jwk, None) for jwk in keys] + [(jwk, KeyStatus.COMPROMISED) for jwk in compromised]
        for jwk, status in listed:
            try:
                key = PublicKey.from_jwk(jwk, status=status, strict=strict)
            except KeystoreError:
                if strict:
                    raise
                continue
            seen = found.get(key.kid)
            if seen is not None and seen.public_key != key.public_key:
                if strict:
                    raise KeystoreError(f"kid {key.kid} is listed with two different keys")
                clashing.add(key.kid)
            elif seen is None or _SEVERITY[key.status] > _SEVERITY[seen.status]:
                found[key.kid] = key
        return cls(k for kid, k in found.items() if kid not in clashing)
