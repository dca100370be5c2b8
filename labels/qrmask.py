"""Choosing a QR symbol's mask (ISO/IEC 18004 §7.8) ourselves, on the whole matrix at once.

zxing-cpp's encoder (zint inside) tries the eight masks module by module: ~75 % of its time for
a version 6 or 8 symbol. Here zxing-cpp encodes once with mask 0; the other seven symbols are
derived from it, and the four penalty rules are counted on the matrix held as one Python
``int`` (shifts, ``&`` and ``bit_count``, a few dozen operations per mask whatever the size).
The rules are counted as zint counts them, ties going to the lowest mask, so the chosen symbol
is the one zxing-cpp would have made (``tests/labels/test_qr_mask.py`` checks both).

Layout of the board: module (x, y) is bit ``(y + PAD) * stride + x + PAD`` with ``stride =
size + PAD``; the padding modules are light, which is how the finder-like rule treats the
outside of the symbol.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

PAD = 4
_ASCII = bytes(48 + (v & 1) for v in range(256))  # module byte 0/1 -> b"0"/b"1"
_FROM_ASCII = bytes(v - 48 if v in (48, 49) else 0 for v in range(256))
_MASKS: tuple[Callable[[int, int], bool], ...] = (
    lambda x, y: (x + y) % 2 == 0,
    lambda x, y: y % 2 == 0,
    lambda x, y: x % 3 == 0,
    lambda x, y: (x + y) % 3 == 0,
    lambda x, y: (y // 2 + x // 3) % 2 == 0,
    lambda x, y: (x * y) % 2 + (x * y) % 3 == 0,
    lambda x, y: ((x * y) % 2 + (x * y) % 3) % 2 == 0,
    lambda x, y: ((x + y) % 2 + (x * y) % 3) % 2 == 0,
)


def _alignment_centres(version: int) -> list[int]:
    if version == 1:
        return []
    count = version // 7 + 2
    step = 26 if version == 32 else (version * 4 + count * 2 + 1) // (count * 2 - 2) * 2
    centres = [6]
    pos = version * 4 + 10
    while len(centres) < count:
        centres.insert(1, pos)
        pos -= step
    return centres


def _format_places(size: int) -> list[list[tuple[int, int]]]:
    """For each of the 15 format bits, its two places (x, y)."""
    places: list[list[tuple[int, int]]] = [[] for _ in range(15)]
    for i in range(6):
        places[i].append((8, i))
        places[i + 9].append((5 - i, 8))
    places[6].append((8, 7))
    places[7].append((8, 8))
    places[8].append((7, 8))
    for i in range(8):
        places[i].append((size - 1 - i, 8))
    for i in range(7):
        places[i + 8].append((8, size - 7 + i))
    return places


def _format_word(mask: int) -> int:
    """The 15 format bits for level M (error correction bits 00) and ``mask``, BCH-coded."""
    rem = mask
    for _ in range(10):
        rem = (rem << 1) ^ ((rem >> 9) * 0x537)
    return (mask << 10 | rem) ^ 0x5412


@dataclass(frozen=True, slots=True)
class Board:
    """The masks of one symbol size, as board ints (see the module docstring)."""

    size: int
    stride: int
    full: int  # every bit of the board, padding included
    x_pairs: int  # real modules with a right neighbour (x <= size - 2)
    y_pairs: int
    x_five: int  # a run of five fits to the right (x <= size - 5)
    y_five: int
    x_first: int  # x >= 1
    y_first: int
    x_seven: int
    y_seven: int
    blocks: int  # top-left of a 2 x 2 block
    keep: int  # all but the format modules
    masks: tuple[int, ...]  # each mask pattern, data modules only
    formats: tuple[int, ...]  # each mask's format modules

    def load(self, dark: bytes) -> int:
        """Return the board of a ``size * size`` matrix of 0/1 bytes."""
        return _load(self.size, dark)

    def dump(self, board: int) -> bytes:
        """Return the ``size * size`` matrix of 0/1 bytes of a board."""
        n, s = self.size, self.stride
        bits = format(board, f"0{(n + 2 * PAD) * s}b")[::-1]
        start = PAD * s + PAD
        return (
            "".join([bits[start + y * s : start + y * s + n] for y in range(n)])
            .encode()
            .translate(_FROM_ASCII)
        )


def _load(n: int, dark: bytes) -> int:
    s = n + PAD
    rows = b"\0" * PAD + (b"\0" * PAD).join([dark[y * n : (y + 1) * n] for y in range(n)])
    raw = b"\0" * (PAD * s) + rows + b"\0" * (PAD * s)
    return int(raw.translate(_ASCII)[::-1], 2)


@cache
def board(size: int) -> Board:
    """Return the masks of a ``size``-module symbol (versions 1-40). Raises ``ValueError``
    for a size that is no QR version."""
    version, rest = divmod(size - 17, 4)
    if rest or not 1 <= version <= 40:
        raise ValueError(f"no QR version has {size} modules")
    n = size

    def where(test: Callable[[int, int], bool]) -> int:
        return _load(n, bytes(test(x, y) for y in range(n) for x in range(n)))

    centres = _alignment_centres(version)
    corners = {(6, 6), (6, centres[-1]), (centres[-1], 6)} if centres else set()
    aligned = {
        (cx + dx, cy + dy)
        for cx in centres
        for cy in centres
        if (cx, cy) not in corners
        for dx in range(-2, 3)
        for dy in range(-2, 3)
    }

    def function(x: int, y: int) -> bool:
        finder = (x <= 8 and y <= 8) or (x >= n - 8 and y <= 8) or (x <= 8 and y >= n - 8)
        version_info = version >= 7 and ((x >= n - 11 and y <= 5) or (y >= n - 11 and x <= 5))
        return finder or version_info or x == 6 or y == 6 or (x, y) in aligned

    places = _format_places(n)
    format_modules = {place for bit in places for place in bit}

    def formats(mask: int) -> int:
        word = _format_word(mask)
        return where(lambda x, y: any((x, y) in bit and word >> i & 1 for i, bit in enumerate(places)))

    def data_modules(mask: Callable[[int, int], bool]) -> int:
        return where(lambda x, y: not function(x, y) and mask(x, y))

    full = (1 << ((n + 2 * PAD) * (n + PAD))) - 1
    return Board(
        size=n,
        stride=n + PAD,
        full=full,
        x_pairs=where(lambda x, y: x <= n - 2),
        y_pairs=where(lambda x, y: y <= n - 2),
        x_five=where(lambda x, y: x <= n - 5),
        y_five=where(lambda x, y: y <= n - 5),
        x_first=where(lambda x, y: x >= 1),
        y_first=where(lambda x, y: y >= 1),
        x_seven=where(lambda x, y: x <= n - 7),
        y_seven=where(lambda x, y: y <= n - 7),
        blocks=where(lambda x, y: x <= n - 2 and y <= n - 2),
        keep=full ^ where(lambda x, y: (x, y) in format_modules),
        masks=tuple(data_modules(m) for m in _MASKS),
        formats=tuple(formats(m) for m in range(8)),
    )


def _runs(same: int, step: int, five: int, first: int, full: int) -> int:
    """Rule 1 along one direction: ``same`` has a bit where a module equals the next one."""
    windows = same & same >> step & same >> 2 * step & same >> 3 * step & five
    starts = windows & (full ^ (same << step & first))
    # A run of n >= 5 holds n - 4 windows and one start: n - 2 = windows + 2 * starts.
    return windows.bit_count() + 2 * starts.bit_count()


def _finder_like(dark: int, light: int, step: int, seven: int) -> int:
    """Rule 3 along one direction: 1:1:3:1:1 with four light modules before or after."""
    s = step
    found = dark & light >> s & dark >> 2 * s & dark >> 3 * s & dark >> 4 * s & light >> 5 * s & dark >> 6 * s
    found &= seven
    before = light << s & light << 2 * s & light << 3 * s & light << 4 * s
    after = light >> 7 * s & light >> 8 * s & light >> 9 * s & light >> 10 * s
    return (found & (before | after)).bit_count()


def penalty(b: Board, dark: int) -> int:
    """Return the ISO/IEC 18004 penalty of a board, counted as zint counts it."""
    s, full = b.stride, b.full
    light = full ^ dark
    same_h = full ^ (dark ^ dark >> 1)
    same_v = full ^ (dark ^ dark >> s)
    score = _runs(same_h & b.x_pairs, 1, b.x_five, b.x_first, full)
    score += _runs(same_v & b.y_pairs, s, b.y_five, b.y_first, full)
    score += 3 * (same_h & same_v & same_v >> 1 & b.blocks).bit_count()
    score += 40 * (_finder_like(dark, light, 1, b.x_seven) + _finder_like(dark, light, s, b.y_seven))
    percent = 100.0 * dark.bit_count() / (b.size * b.size)
    return score + 10 * int(abs(percent - 50.0) / 5.0)


def remask(b: Board, masked0: int, mask: int) -> int:
    """Return the board of the symbol with ``mask`` from the board of the same data with mask 0."""
    data = (masked0 ^ b.masks[0] ^ b.masks[mask]) & b.keep
    return data | b.formats[mask]


def best_mask(dark0: bytes, size: int) -> tuple[int, bytes]:
    """Return the mask with the lowest penalty (the lowest such mask on a tie) and its matrix,
    from the ``size * size`` 0/1 matrix of the same data with mask 0."""
    b = board(size)
    masked0 = b.load(dark0)
    boards = [masked0] + [remask(b, masked0, m) for m in range(1, 8)]
    scores = [penalty(b, d) for d in boards]
    best = scores.index(min(scores))
    return best, (dark0 if best == 0 else b.dump(boards[best]))
