// A located check, only with the shopper's consent: the button asks the browser for the
// phone's position (the browser asks the person); a phone that already allowed this site sends
// it without the button. Only the scan token and the coordinates go to our own server, which
// keeps the province alone. Without the Geolocation API the block stays hidden.
(function () {
  "use strict";
  var box = document.querySelector(".place");
  if (!box || !navigator.geolocation || !window.fetch) { return; }
  var button = box.querySelector(".place-ask");
  var done = box.querySelector(".place-done");
  box.hidden = false;

  function show(text) {
    done.textContent = text;
    done.hidden = false;
    button.hidden = true;
  }

  function send(position, tries) {
    fetch(box.getAttribute("data-place-url"), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        scan: box.getAttribute("data-scan"),
        lat: position.coords.latitude,
        lon: position.coords.longitude,
        accuracy: position.coords.accuracy
      })
    }).then(function (response) {
      if (response.status === 409 && tries > 0) {  // the scan is still being written
        window.setTimeout(function () { send(position, tries - 1); }, 1000);
        return null;
      }
      if (!response.ok) { show(done.getAttribute("data-fail")); return null; }
      return response.json();
    }).then(function (answer) {
      if (!answer) { return; }
      show(answer.province ? done.getAttribute("data-done").replace("%s", answer.province)
                           : done.getAttribute("data-none"));
    }).catch(function () { show(done.getAttribute("data-fail")); });
  }

  function locate() {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) { send(position, 3); },
      function () { button.disabled = false; },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 }
    );
  }

  button.addEventListener("click", locate);
  if (navigator.permissions && navigator.permissions.query) {
    navigator.permissions.query({ name: "geolocation" }).then(function (status) {
      if (status.state === "granted") { locate(); }
    }).catch(function () { return null; });
  }
}());
