"""Owner-only files: the SQLite database (password hashes, scratch-off hashes, reporters'
contacts), the key store and the uploaded photos are for the service's own user only.

Checked every time the app is built (web workers and every ``ocop`` command). Folders are made
0700 and the database file 0600 before SQLite first opens it (SQLite gives its -wal and -shm
files the database file's mode). Something found wider is *narrowed*, with one warning line in
the log naming the path and both modes: the service owns these files, and refusing to start
would take the office offline over something it can safely correct itself. A path it cannot
change (another owner) stops the app with a one-line :class:`ConfigError`.

The folder a SQLite database is in is narrowed only when it is one of those folders or the app
makes it. Any other folder that already exists is someone else's as well: narrowing it (found
with ``DATABASE_URL=sqlite:////tmp/x.db``, which made ``/tmp`` 0700 and locked every other
user out of it) would break what else lives there, so its mode is left as it is and only the
database file is made 0600; a folder every user may write to (``/tmp``) is refused, as another
user could replace the database or plant its ``-wal`` file there.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from flask import Flask

from verify_web.errors import ConfigError

FOLDER_MODE, FILE_MODE = 0o700, 0o600
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def secure(app: Flask) -> list[Path]:
    """Create or narrow the instance folder, key store, upload folder and SQLite database
    (with its side files); return the paths whose mode was narrowed.

    Raises :class:`ConfigError` if a path cannot be created or changed.
    """
    folders = [
        Path(app.instance_path),
        Path(app.config["OCOP_KEYS_DIR"]),
        Path(app.config["OCOP_UPLOAD_DIR"]),
    ]
    url = app.config["DATABASE_URL"]
    database = Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None
    ours = {folder.resolve() for folder in folders}
    if database is not None and (database.parent.resolve() in ours or not _exists_already(database.parent)):
        folders.append(database.parent)
    narrowed: list[Path] = []
    for folder in dict.fromkeys(folders):  # in order, once each
        _make(folder, narrowed, folder=True)
    if database is not None:
        _make(database, narrowed, folder=False)
        for suffix in _SQLITE_SIDE_FILES:
            side = database.with_name(database.name + suffix)
            if side.exists():
                _make(side, narrowed, folder=False)
    for path in narrowed:
        app.logger.warning("%s was readable by other users; narrowed to owner-only", path)
    return narrowed


def _make(path: Path, narrowed: list[Path], *, folder: bool) -> None:
    mode = FOLDER_MODE if folder else FILE_MODE
    try:
        if folder:
            path.mkdir(mode=mode, parents=True, exist_ok=True)
        elif not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, mode))
        current = stat.S_IMODE(path.stat().st_mode)
        if current & (stat.S_IRWXG | stat.S_IRWXO):
            path.chmod(current & ~(stat.S_IRWXG | stat.S_IRWXO))
            narrowed.append(path)
    except OSError as e:
        raise ConfigError("OCOP_INSTANCE", f"cannot make {path} owner-only: {e.strerror}") from e


def _exists_already(folder: Path) -> bool:
    """Return whether ``folder`` already exists (so it is not the app's to narrow).

    Raises :class:`ConfigError` if every user may write to it, or it cannot be looked at."""
    try:
        mode = folder.stat().st_mode
    except FileNotFoundError:
        return False
    except OSError as e:
        raise ConfigError("DATABASE_URL", f"cannot look at {folder}: {e.strerror}") from e
    if mode & stat.S_IWOTH:
        raise ConfigError(
            "DATABASE_URL",
            f"{folder} is writable by every user; put the SQLite database in a folder of its own",
        )
    return True
