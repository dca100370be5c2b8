"""Writing a run of labels to files without ever leaving half a file behind: shared by
``ocop issue`` / ``ocop reprint`` (files beside their targets, renamed when complete) and the
staff web pages (an anonymous temporary file, sent only when complete)."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
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


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def staged(targets: list[Path]) -> Iterator[list[BinaryIO]]:
    """Yield a temporary file opened beside each target. On success the files are flushed to
    disk and renamed to their targets; on any error (Ctrl-C included) they are deleted."""
    handles: list[BinaryIO] = []
    temps: list[Path] = []
    try:
        for target in targets:
            fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
            temps.append(Path(name))
            # mkstemp makes the file owner-only; the finished file gets the usual umask mode.
            os.fchmod(fd, 0o666 & ~_umask())
            handles.append(os.fdopen(fd, "wb"))
        yield handles
        for handle in handles:
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
        for temp, target in zip(temps, targets, strict=True):
            os.replace(temp, target)
    finally:
        for handle in handles:
            handle.close()
        for temp in temps:
            temp.unlink(missing_ok=True)


def rendered(render: Callable[[BinaryIO], None]) -> BinaryIO:
    """Return an anonymous temporary file that ``render`` has completely written, rewound to
    its start; the caller closes it. If ``render`` raises, the file is closed (and so gone) and
    the error propagates."""
    out: BinaryIO = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller on success
    try:
        render(out)
        out.flush()
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out


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
