// Field check with the phone camera. The QR is read by the offline app's scanner (its
// scanner.js, loaded from the button's data-scanner): the browser's own BarcodeDetector where it
// reads QR codes, otherwise the vendored ZXing WebAssembly reader, so every browser with a
// camera API gets the button. What it reads is posted in the form's text field, exactly as if
// pasted. A refused or missing camera is said on the button; the photo upload always remains,
// and without JavaScript the form works as it is.
const button = document.getElementById("camera-start");
const video = document.getElementById("camera-view");
const form = document.getElementById("check-form");

// getUserMedia's error names: the user or the browser refused, or there is no (back) camera.
const REFUSED = new Set(["NotAllowedError", "SecurityError"]);
const ABSENT = new Set(["NotFoundError", "OverconstrainedError"]);

if (button && video && form && navigator.mediaDevices?.getUserMedia) {
  let scanning = null;

  const show = (state) => {
    button.dataset.camera = state;
    button.textContent = button.dataset[state];
  };

  const reset = (state) => {
    scanning = null;
    video.hidden = true;
    show(state);
  };

  const stop = () => {
    scanning?.stop();
    reset("idle");
  };

  const start = async () => {
    show("scanning");
    video.hidden = false;
    try {
      const { scan } = await import(button.dataset.scanner);
      const session = await scan(video, (text) => {
        reset("idle"); // scan() has released the camera already
        form.elements.text.value = text;
        form.elements.photo.value = ""; // a chosen photo would be checked instead of the read
        form.submit();
      });
      if (button.dataset.camera === "scanning") scanning = session; // not already read
    } catch (error) {
      reset(REFUSED.has(error?.name) ? "refused" : ABSENT.has(error?.name) ? "absent" : "failed");
    }
  };

  button.hidden = false;
  button.addEventListener("click", () => {
    if (scanning) stop();
    else if (button.dataset.camera !== "scanning") start(); // not while the camera is opening
  });
  window.addEventListener("pagehide", () => scanning?.stop());
}
