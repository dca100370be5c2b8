// The camera: the browser's own BarcodeDetector where it reads QR codes, otherwise ZXing compiled
// to WebAssembly (barcode-detector's ponyfill, vendored; its .wasm is served from this site,
// never from the package's default CDN).
const PONYFILL = new URL("../vendor/barcode-detector/ponyfill.js", import.meta.url).href;
const WASM = new URL("../vendor/barcode-detector/zxing_reader.wasm", import.meta.url).href;

/** { reader: "native" | "wasm", detector } for QR codes. */
export async function qrDetector() {
  if ("BarcodeDetector" in globalThis) {
    try {
      const formats = await globalThis.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) {
        return { reader: "native", detector: new globalThis.BarcodeDetector({ formats: ["qr_code"] }) };
      }
    } catch {
      // a detector that cannot list its formats is not used
    }
  }
  const ponyfill = await import(PONYFILL);
  ponyfill.prepareZXingModule({
    overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? WASM : prefix + path) },
  });
  return { reader: "wasm", detector: new ponyfill.BarcodeDetector({ formats: ["qr_code"] }) };
}

/**
 * Open the back camera into `video` and read frames until one holds a QR code; then stop the
 * camera and call `found(text, { reader, frameMs })` (frameMs: reading the frame that held it).
 * Returns a function that stops scanning. Rejects if the camera cannot be opened.
 */
export async function scan(video, found) {
  const { reader, detector } = await qrDetector();
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  let stopped = false;
  const stop = () => {
    stopped = true;
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  video.srcObject = stream;
  await video.play();
  const tick = async () => {
    if (stopped) return;
    if (video.readyState >= 2) {
      const started = performance.now();
      let codes = [];
      try {
        codes = await detector.detect(video);
      } catch {
        codes = []; // a frame the reader could not take: try the next one
      }
      if (stopped) return;
      if (codes.length) {
        const frameMs = performance.now() - started;
        stop();
        found(codes[0].rawValue, { reader, frameMs, started });
        return;
      }
    }
    setTimeout(tick, 50);
  };
  tick();
  return { reader, stop };
}
