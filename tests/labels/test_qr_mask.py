"""labels.qrmask against zxing-cpp: the derived symbols and the chosen mask are zxing-cpp's own."""

from __future__ import annotations

import random

import pytest
import zxingcpp

from labels.qr import encode
from labels.qrmask import best_mask, board, remask

_DARK = bytes([1 if v < 128 else 0 for v in range(256)])
_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcxyz/:.-?=&%"


def _zxing(text: str, **options: int) -> tuple[int, bytes]:
    """zxing-cpp's own symbol (mask chosen by it, or ``data_mask``) as size and 0/1 modules."""
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M", **options)
    image = memoryview(barcode.to_image(scale=1, add_quiet_zones=False))  # type: ignore[arg-type]
    return int(image.shape[0]), image.tobytes().translate(_DARK)  # type: ignore[index]


def _text_of_version(version: int, seed: int) -> str:
    """A text of random characters whose level-M symbol is ``version``."""
    rnd = random.Random(seed)
    length = 1
    while True:
        text = "".join(rnd.choice(_CHARS) for _ in range(length))
        size, _ = _zxing(text)
        if (size - 17) // 4 >= version:
            return text
        length += max(1, version * 3)


@pytest.mark.parametrize("version", [*range(1, 13), 20, 32, 40])
def test_every_mask_derived_from_mask_0_is_zxing_cpps_symbol(version: int) -> None:
    text = _text_of_version(version, version)
    size, masked0 = _zxing(text, data_mask=0)
    b = board(size)
    start = b.load(masked0)
    assert b.dump(start) == masked0
    for mask in range(1, 8):
        assert b.dump(remask(b, start, mask)) == _zxing(text, data_mask=mask)[1], mask


def test_the_chosen_mask_is_the_one_zxing_cpp_chooses() -> None:
    rnd = random.Random(14)
    texts = [
        "https://XACTHUC.OCOP.VN/V/" + "".join(rnd.choice("0123456789") for _ in range(172)),
        "https://XACTHUC.OCOP.VN/01/08934567890120/10/DC-2026-11/21/364093465518043139?17=271201&s="
        + "".join(rnd.choice("0123456789") for _ in range(171)),
    ] * 20
    texts += ["".join(rnd.choice(_CHARS) for _ in range(rnd.randint(1, 400))) for _ in range(120)]
    masks = set()
    for text in texts:
        size, masked0 = _zxing(text, data_mask=0)
        mask, dark = best_mask(masked0, size)
        masks.add(mask)
        assert dark == _zxing(text)[1], text
        assert encode(text).dark == dark
    assert masks == set(range(8))  # every mask was chosen at least once: all eight are scored


def test_a_size_that_is_no_qr_version_is_refused() -> None:
    with pytest.raises(ValueError, match="no QR version"):
        board(42)
