"""What a renderer gets for each label, and the interface every output format implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .qr import QRSymbol


@dataclass(frozen=True, slots=True)
class PrintLabel:
    """One label to draw: its place in the lot, the QR text and symbol, and the typed codes."""

    number: int
    serial: int
    short_code: str
    text: str
    symbol: QRSymbol
    secret: str | None = None


class LabelWriter(Protocol):
    """A streaming output: labels go in one at a time; ``close`` finishes the file."""

    def add(self, label: PrintLabel) -> None: ...

    def close(self) -> None: ...
