"""Where the private-key passphrase comes from: an environment variable or an owner-only file."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from .exc import PassphraseError

ENV_VALUE = "OCOP_KEY_PASSPHRASE"
ENV_FILE = "OCOP_KEY_PASSPHRASE_FILE"
MIN_LENGTH = 12


def load_passphrase(environ: Mapping[str, str]) -> bytes:
    """Return the passphrase from ``OCOP_KEY_PASSPHRASE`` or the file named by
    ``OCOP_KEY_PASSPHRASE_FILE``.

    Raises :class:`PassphraseError` if neither is set, both are set, the file is readable by
    anyone but its owner, or the passphrase is shorter than 12 characters.
    """
    value = environ.get(ENV_VALUE)
    file_name = environ.get(ENV_FILE)
    if value and file_name:
        raise PassphraseError(f"set only one of {ENV_VALUE} and {ENV_FILE}", source=ENV_VALUE)
    if file_name:
        return read_passphrase_file(Path(file_name))
    if not value:
        raise PassphraseError(
            f"no key passphrase: set {ENV_FILE} (a file only you can read) or {ENV_VALUE}",
            source=ENV_VALUE,
        )
    return _checked(value.encode("utf-8"), ENV_VALUE)


def read_passphrase_file(path: Path) -> bytes:
    """Return the passphrase stored in ``path`` (one line, trailing newline ignored).

    Raises :class:`PassphraseError` if the file is missing or group/other can read it.
    """
    source = str(path)
    try:
        st = path.stat()
    except OSError as e:
        raise PassphraseError(f"cannot read passphrase file {path}: {e.strerror}", source=source) from e
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PassphraseError(
            f"passphrase file {path} is readable by others; run: chmod 600 {path}", source=source
        )
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise PassphraseError(f"passphrase file {path} is not owned by this user", source=source)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise PassphraseError(f"cannot read passphrase file {path}: {e.strerror}", source=source) from e
    return _checked(data.rstrip(b"\r\n"), source)


def _checked(passphrase: bytes, source: str) -> bytes:
    if len(passphrase) < MIN_LENGTH:
        raise PassphraseError(
            f"key passphrase from {source} is too short (at least {MIN_LENGTH} characters)",
            source=source,
        )
    return passphrase
