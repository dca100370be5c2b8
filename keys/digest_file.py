"""The key store's ``code-digest.key``: 32 random bytes, owner-only (mode 0600), the key of the
issued codes' digests (see labels.signer.code_digest). Made once, with the first signing key
(or at the next issue of a key store from before it existed), and never changed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .exc import KeystoreError

DIGEST_KEY_FILE = "code-digest.key"
DIGEST_KEY_SIZE = 32


def read(directory: Path) -> bytes | None:
    """Return the digest key kept in ``directory``, or ``None`` if none was made yet.

    Raises :class:`KeystoreError` if the file is readable by others, damaged or unreadable.
    """
    path = directory / DIGEST_KEY_FILE
    try:
        with open(path, "rb") as f:
            mode, data = os.fstat(f.fileno()).st_mode, f.read()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise KeystoreError(f"cannot read {path}: {e.strerror}", path=path) from e
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeystoreError(f"{path} is readable by others; run: chmod 600 {path}", path=path)
    if len(data) != DIGEST_KEY_SIZE:
        raise KeystoreError(f"{path} is damaged: not {DIGEST_KEY_SIZE} bytes", path=path)
    return data


def create(directory: Path) -> None:
    """Make the digest key in ``directory`` unless one exists (another process may make it at
    the same moment: the first file stays). Raises :class:`KeystoreError`."""
    path = directory / DIGEST_KEY_FILE
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(DIGEST_KEY_SIZE))
    except FileExistsError:
        pass  # another process made it first: use theirs
    except OSError as e:
        raise KeystoreError(f"cannot write {path}: {e.strerror}", path=path) from e
