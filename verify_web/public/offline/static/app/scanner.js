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
  // Loaded and compiled now, so a reader that cannot load (a blocked or missing .wasm) rejects
  // here, before the camera opens, instead of failing every frame unseen.
  await ponyfill.prepareZXingModule({
    overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? WASM : prefix + path) },
    fireImmediately: true,
  });
  return { reader: "wasm", detector: new ponyfill.BarcodeDetector({ formats: ["qr_code"] }) };
}

/**
 * Open the back camera into `video` and read frames until one holds a QR code; then stop the
 * camera and call `found(text, { reader, frameMs })` (frameMs: reading the frame that held it).
 * Returns { reader, stop }: which reader runs, and a function that stops scanning. Rejects if
 * the reader cannot be loaded or the camera cannot be opened (getUserMedia's error, so its
 * `name` says why: NotAllowedError, NotFoundError, …). Shared by the offline app and the
 * inspectors' field check (verify_web/static/camera.js).
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
  try {
    await video.play();
  } catch (error) {
    stop(); // the camera is not left on behind a video that will not play
    throw error;
  }
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
