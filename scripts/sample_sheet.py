"""Regenerate docs/sample-sheet.pdf and docs/sample-sheet.png: one A4 sheet of 40 sample labels.

Signed with a throwaway key derived from a public phrase, lot code "MẪU-SAMPLE": these labels
verify nowhere and say so on every label. Needs poppler's pdftoppm for the PNG preview.

    .venv/bin/python scripts/sample_sheet.py
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from keys import Keyring, private_key_from_seed
from labels import LabelPayload, LabelSerializer
from labels.layout import LotFacts, design, parse_stock
from labels.pdf import PdfWriter
from labels.qr import encode
from labels.render import PrintLabel

DOCS = Path(__file__).resolve().parents[1] / "docs"


def main() -> None:
    seed = hashlib.sha256(b"OCOP sample sheet - throwaway key, not for real labels").digest()
    key = private_key_from_seed(seed)
    serializer = LabelSerializer("https://xacthuc.ocop.vn", Keyring([]))
    facts = LotFacts(
        "Củ cải trắng", "HTX Dịch vụ tổng hợp Đông Cao", "Hà Nội", 4, "MẪU-SAMPLE", serializer.base_url
    )
    pdf = DOCS / "sample-sheet.pdf"
    with pdf.open("wb") as f:
        writer = PdfWriter(f, design(parse_stock("a4-40"), facts))
        for number in range(1, 41):
            serial = int.from_bytes(hashlib.sha256(b"sample %d" % number).digest()[:8], "big") >> 4
            payload = LabelPayload(key.kid, serial, 4, date(2028, 3, 10))
            text = serializer.dumps(payload, key)
            writer.add(PrintLabel(number, serial, payload.short_code, text, encode(text)))
        writer.close()
    exe = shutil.which("pdftoppm")
    if exe is None:
        sys.exit("pdftoppm not found: install Debian's poppler-utils for the PNG preview")
    with tempfile.TemporaryDirectory() as tmp:
        command = [exe, "-r", "150", "-gray", "-png", "-singlefile", str(pdf), f"{tmp}/sheet"]
        subprocess.run(command, check=True)  # noqa: S603 - our own fixed arguments
        shutil.move(f"{tmp}/sheet.png", DOCS / "sample-sheet.png")
    print(f"wrote {pdf} and {DOCS / 'sample-sheet.png'}")


if __name__ == "__main__":
    main()
