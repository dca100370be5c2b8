"""The one error hierarchy of :mod:`keys`. Every error carries the data a caller needs."""

from __future__ import annotations

from pathlib import Path


class KeysError(Exception):
    """Base class of every error raised by :mod:`keys`."""


class PassphraseError(KeysError):
    """The passphrase that protects private keys is missing, unreadable or wrong.

    ``source`` names where it was looked for (an environment variable or a file).
    """

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(message)
        self.source = source


class KeystoreError(KeysError):
    """The key store on disk cannot be used (missing, unreadable, corrupt, unsafe permissions)."""

    def __init__(self, message: str, *, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class KeyNotFound(KeysError):
    """No key with this key id is known."""

    def __init__(self, kid: str) -> None:
        super().__init__(f"no signing key with id {kid!r}")
        self.kid = kid


class KeyStateError(KeysError):
    """The key exists but its status forbids the operation (e.g. signing with a retired key)."""

    def __init__(self, kid: str, status: str, action: str) -> None:
        super().__init__(f"key {kid} is {status}: cannot {action}")
        self.kid = kid
        self.status = status
        self.action = action


class NoActiveKey(KeysError):
    """The key store has no active key, so nothing can be signed."""

    def __init__(self) -> None:
        super().__init__("there is no active signing key; run 'ocop keys generate'")


class LastActiveKey(KeysError):
    """Retiring ``kid`` would leave no active key, so nothing could be signed; rotate instead."""

    def __init__(self, kid: str) -> None:
        super().__init__(f"key {kid} is the only active key: rotate to a new key instead of retiring it")
        self.kid = kid


class BadSignature(KeysError):
    """A signature did not verify under the key named by ``kid``."""

    def __init__(self, kid: str) -> None:
        super().__init__(f"signature does not verify under key {kid}")
        self.kid = kid
