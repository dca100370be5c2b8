"""Finished print runs kept for their download: issuing from the browser answers with a result
page ("400 labels issued, numbers 1–400 of lot …") and a link, not a bare file, so the operator
sees what was recorded. The file is kept under ``<instance>/print-runs/`` (folder 0700, files
0600: it may hold scratch-off codes) for :data:`KEEP`, and only its issuer may download it."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app

KEEP = 3600  # seconds; long enough to download again after a browser hiccup
TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


@dataclass(frozen=True, slots=True)
class Run:
    """A stored run: who issued it, the file's name and type, and what it holds."""

    token: str
    owner: str
    filename: str
    mimetype: str
    product: str
    lot_code: str
    count: int
    first: int
    last: int


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "print-runs"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


def store(out: BinaryIO, run: Run) -> None:
    """Copy the completed file ``out`` into the run folder under ``run.token`` and forget runs
    older than :data:`KEEP`. Raises :class:`OSError` if the file cannot be written (the caller
    then records nothing)."""
    folder = _folder()
    _forget_old(folder)
    out.seek(0)
    data_path = folder / run.token
    fd = os.open(data_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        shutil.copyfileobj(out, f)
    meta = os.open(folder / f"{run.token}.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(meta, "w", encoding="utf-8") as f:
        json.dump(asdict(run), f, ensure_ascii=False)


def discard(token: str) -> None:
    """Remove a stored run (its issue was not committed after all)."""
    for path in (_folder() / token, _folder() / f"{token}.json"):
        path.unlink(missing_ok=True)


def find(token: str, owner: str) -> tuple[Run, Path] | None:
    """Return the run ``token`` of ``owner`` and its file, or ``None`` if there is none (an
    unknown, expired or malformed token, or somebody else's run)."""
    if not TOKEN.fullmatch(token):
        return None
    folder = _folder()
    try:
        with (folder / f"{token}.json").open(encoding="utf-8") as f:
            run = Run(**json.load(f))
    except (OSError, ValueError, TypeError):
        return None
    path = folder / token
    if run.owner != owner or not path.is_file() or time.time() - path.stat().st_mtime > KEEP:
        return None
    return run, path


def new_token() -> str:
    """Return a fresh, unguessable run token (32 URL-safe characters)."""
    return secrets.token_urlsafe(24)


def _forget_old(folder: Path) -> None:
    now = time.time()
    for path in folder.iterdir():
        try:
            if now - path.stat().st_mtime > KEEP:
                path.unlink()
        except FileNotFoundError:  # another worker removed it first
            continue
