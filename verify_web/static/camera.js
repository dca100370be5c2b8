// Field check with the phone camera: the browser's own BarcodeDetector reads the QR (no
// third-party code, nothing leaves the page but the form post). Where the camera or the detector
// is missing, the button stays hidden and the photo upload remains.
(function () {
  "use strict";
  var button = document.getElementById("camera-start");
  var video = document.getElementById("camera-view");
  var form = document.getElementById("check-form");
  if (!button || !video || !form) { return; }
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      video.srcObject = stream;
      video.hidden = false;
      button.disabled = true;
      var tick = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stream.getTracks().forEach(function (track) { track.stop(); });
            form.elements.text.value = codes[0].rawValue;
            form.submit();
          } else {
            window.requestAnimationFrame(tick);
          }
        }, function () { window.requestAnimationFrame(tick); });
      };
      video.play().then(tick);
    }, function () {
      button.disabled = true;
    });
  });
}());
