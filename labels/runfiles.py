"""Writing a run of labels to files without ever leaving half a file behind, or a file whose
labels are not recorded: shared by ``ocop issue`` / ``ocop reprint`` (files named only after
the run is committed, see :func:`staged`) and the staff web pages (an anonymous temporary file,
handed on only after the commit, see :func:`rendered`)."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .render import LabelWriter, PrintLabel

_RANGE = re.compile(r"\s*(\d{1,20})\s*(?:\.\.\s*(\d{1,20})\s*)?")
MAX_NUMBER = 2**31 - 1  # label numbers are a 32-bit INTEGER column


def write_all(labels: Iterable[PrintLabel], writers: list[LabelWriter]) -> None:
    """Hand every label to every writer, then close the writers (which finishes each file)."""
    for label in labels:
        for writer in writers:
            writer.add(label)
    for writer in writers:
        writer.close()


# Owner-only, like the key files: a sheet of issued labels is as good as the goods' labels
# themselves to whoever can read it (print it, and the copies verify as genuine).
LABEL_FILE_MODE = 0o600


@dataclass
class _Staged:
    """One output being written: its target, open handle and (fallback only) temporary name."""

    target: Path
    handle: BinaryIO
    temp: Path | None  # None: an anonymous O_TMPFILE file, gone by itself if the process dies


def _open_anonymous(target: Path) -> _Staged | None:
    """An unnamed file in the target's folder (Linux ``O_TMPFILE``), or ``None`` where the
    platform or file system has none."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag:
        return None
    try:
        fd = os.open(target.parent, flag | os.O_WRONLY, LABEL_FILE_MODE)
    except OSError as e:
        if e.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
            return None
        raise
    return _Staged(target, os.fdopen(fd, "wb"), None)


def _open_named(target: Path) -> _Staged:
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    os.fchmod(fd, LABEL_FILE_MODE)  # mkstemp's own mode, said once more: the file stays owner-only
    return _Staged(target, os.fdopen(fd, "wb"), Path(name))


def _link(handle: BinaryIO, target: Path) -> None:
    """Give the unnamed file ``handle`` the name ``target`` (never replacing a file there)."""
    folder = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        # A directory fd makes os.link call linkat(…, AT_SYMLINK_FOLLOW), which links the file
        # behind /proc/self/fd/N rather than that magic link itself.
        os.link(f"/proc/self/fd/{handle.fileno()}", target.name, dst_dir_fd=folder)
    finally:
        os.close(folder)


@contextlib.contextmanager
def staged(targets: list[Path], *, commit: Callable[[], None]) -> Iterator[list[BinaryIO]]:
    """Yield a file for each target, to be written completely inside the block; then flush
    them to disk, call ``commit`` (which records what the files hold) and only then give each
    file its target name. On any error before that (Ctrl-C included, or ``commit`` failing)
    the files are deleted and nothing appears under a target name.

    A file is never visible under its target name before ``commit`` returned, so a process
    killed at any moment leaves no file, or files whose every label is recorded. On Linux the
    files have no name at all until then (``O_TMPFILE``; a kill leaves nothing behind); where
    that is missing they are hidden ``.NAME.*.partial`` files beside the targets, renamed after
    the commit (a kill before it may leave such a hidden file, never a target). A target that
    appeared meanwhile is never overwritten (``FileExistsError``) on Linux.
    """
    files: list[_Staged] = []
    try:
        for target in targets:
            files.append(_open_anonymous(target) or _open_named(target))
        yield [f.handle for f in files]
        for f in files:
            f.handle.flush()
            os.fsync(f.handle.fileno())
        commit()
        for f in files:
            if f.temp is None:
                _link(f.handle, f.target)
            else:
                os.replace(f.temp, f.target)
                f.temp = None
    finally:
        for f in files:
            f.handle.close()
            if f.temp is not None:
                f.temp.unlink(missing_ok=True)


@contextlib.contextmanager
def rendered(*, commit: Callable[[BinaryIO], None]) -> Iterator[list[BinaryIO]]:
    """Yield one anonymous temporary file, to be written completely inside the block; then
    rewind it and call ``commit(file)``, which records what the file holds and takes it (to
    send or copy it; the taker closes it). If the block or ``commit`` raises, the file is
    closed (and so gone) and the error propagates: a file is handed on only once ``commit``
    recorded its labels."""
    out: BinaryIO = tempfile.TemporaryFile()  # noqa: SIM115 - handed to ``commit`` on success
    try:
        yield [out]
        out.flush()
        out.seek(0)
        commit(out)
    except BaseException:
        out.close()
        raise


def parse_numbers(value: str) -> tuple[int, int]:
    """Return ``(first, last)`` from ``"A..B"`` or ``"A"`` (label numbers within a lot).

    Raises :class:`ValueError` for anything else, for 0, for a number above
    :data:`MAX_NUMBER` or for a first above the last.
    """
    match = _RANGE.fullmatch(value)
    if not match:
        raise ValueError(f"{value!r} is not a number range; use A..B, e.g. 120..180")
    first = int(match[1])
    last = int(match[2]) if match[2] else first
    if first < 1 or last < first:
        raise ValueError("the range must be 1 or more, the first not above the last")
    if last > MAX_NUMBER:
        raise ValueError(f"label numbers go up to {MAX_NUMBER:,}")
    return first, last
