"""Reading and writing one private key file of the key store: owner-only (mode 0600), written
under a temporary name and moved into place, so a crash leaves the old file whole. What the
bytes hold is :mod:`keys.keyfile`'s business; which file is which is :mod:`keys.store`'s."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .exc import KeystoreError

# (inode, modification time in ns, size): a file replaced or rewritten gets another stamp.
Stamp = tuple[int, int, int]


def stamp(path: Path) -> Stamp:
    """Return the file's :data:`Stamp`.

    Raises :class:`KeystoreError` if it cannot be read, or if others may read it (a private
    key must be owner-only).
    """
    try:
        st = path.stat()
    except OSError as e:
        raise KeystoreError(f"cannot read private key {path}: {e.strerror}", path=path) from e
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeystoreError(f"private key {path} is readable by others; run: chmod 600 {path}", path=path)
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def read(path: Path) -> bytes:
    """Return the file's bytes. Raises :class:`KeystoreError` if it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as e:
        raise KeystoreError(f"cannot read private key {path}: {e.strerror}", path=path) from e


def write(path: Path, data: bytes, *, replace_existing: bool = False) -> None:
    """Write ``data`` to ``path`` with mode 0600, flushed to disk before it takes the name.

    Raises :class:`KeystoreError` if it cannot be written, or if ``path`` exists and
    ``replace_existing`` is false.
    """
    tmp = path.with_suffix(".tmp-key")
    try:
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if not replace_existing and path.exists():
            raise FileExistsError(17, "File exists")
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise KeystoreError(f"cannot write private key {path}: {e.strerror}", path=path) from e
