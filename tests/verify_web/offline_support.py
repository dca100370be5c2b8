"""Helpers of the offline app's browser tests: a printed label as a fake camera's video, and
waiting for the app to be ready and controlled by its service worker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image

from labels import short_code
from labels.layout import LotFacts, design, parse_stock
from labels.qr import encode
from labels.raster import LabelRaster
from labels.render import PrintLabel

FRAME = (640, 480)

# The barcode-detector polyfill as window.BarcodeDetector: Linux Chromium has no BarcodeDetector
# of its own, so this is how the app's "browser's own detector" branch is driven here (the same
# ZXing reader behind the standard API, installed before the page's scripts run).
POLYFILL_AS_NATIVE = """
window.BarcodeDetector = class {
  static async getSupportedFormats() { return ["qr_code"]; }
  constructor(options) {
    this.inner = import("/app/static/vendor/barcode-detector/ponyfill.js").then((m) => {
      const wasm = "/app/static/vendor/barcode-detector/zxing_reader.wasm";
      m.prepareZXingModule({ overrides: { locateFile: () => wasm } });
      return new m.BarcodeDetector(options);
    });
  }
  async detect(source) { return (await this.inner).detect(source); }
};
"""
NO_DETECTOR = "delete window.BarcodeDetector;"


def label_image(text: str, serial: int) -> Image.Image:
    """The label as printed on A4 sheets (our own renderer, 300 dpi), QR holding ``text``."""
    facts = LotFacts(
        product="Củ cải trắng",
        producer="HTX Đồng Cao",
        province="Hà Nội",
        stars=4,
        lot_code="DC-2026-11",
        base_url="https://xacthuc.ocop.vn",
    )
    raster = LabelRaster(design(parse_stock("a4-40"), facts), dpi=300)
    return raster.label(PrintLabel(1, serial, short_code(serial), text, encode(text)))


def write_y4m(image: Image.Image, path: Path, frames: int = 10) -> Path:
    """Write ``image``, centred on a grey 640×480 frame, as a Y4M video Chromium's fake camera
    plays in a loop (4:2:0, the format its --use-file-for-fake-video-capture reads)."""
    frame = Image.new("RGB", FRAME, (128, 128, 128))
    label = image.convert("RGB")
    label.thumbnail((FRAME[0] - 40, FRAME[1] - 40))
    frame.paste(label, ((FRAME[0] - label.width) // 2, (FRAME[1] - label.height) // 2))
    y, u, v = frame.convert("YCbCr").split()
    half = (FRAME[0] // 2, FRAME[1] // 2)
    planes = y.tobytes() + u.resize(half).tobytes() + v.resize(half).tobytes()
    header = f"YUV4MPEG2 W{FRAME[0]} H{FRAME[1]} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"".join(b"FRAME\n" + planes for _ in range(frames)))
    return path


def open_app(page: Any, url: str) -> None:
    """Open the app, wait until it has refreshed its lists and its service worker controls it."""
    page.goto(url + "/app/")
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.reload()  # a load the service worker answered: what a phone sees next time
    page.wait_for_selector("body[data-ready=true]")


def check(page: Any, text: str) -> str:
    """Paste ``text`` into the app and return the verdict box's state."""
    page.fill("#qr", text)
    # The previous verdict goes first, so the wait below is for this text's verdict (under
    # load the old box was read before the new one was drawn).
    page.evaluate("document.querySelector('#result').replaceChildren()")
    page.click("#paste button[type=submit]")
    page.wait_for_selector("#result .verdict-box")
    state: str = page.get_attribute("#result .verdict-box", "data-state")
    return state
