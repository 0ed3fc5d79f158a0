/* The reading log's camera button: scan a book's ISBN barcode (where the browser reads
 * barcodes) or a library copy's QR code, and it lands in the ISBN field, ready to log. Without
 * a camera (or without script) the button stays hidden and the field is typed. */
(function () {
  "use strict";
  var button = document.querySelector("[data-camera-for]");
  if (!button || !window.StoryCamera || !window.StoryCamera.available()) return;
  var input = document.getElementById(button.dataset.cameraFor);
  var video = document.getElementById(button.dataset.video);
  var status = document.getElementById(button.dataset.status);
  var submit = document.getElementById(button.dataset.submit);
  var label = button.textContent;
  var stop = null;
  var running = false;

  function finish() {
    running = false;
    if (stop) stop();
    stop = null;
    button.textContent = label;
    button.setAttribute("aria-pressed", "false");
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    if (running) { finish(); status.textContent = ""; return; }
    running = true;
    button.textContent = button.dataset.stop;
    button.setAttribute("aria-pressed", "true");
    status.textContent = button.dataset.looking;
    window.StoryCamera.start(video, ["ean_13", "qr_code", "code_128"], function (code) {
      if (!running) return;
      finish();
      input.value = String(code).trim();
      input.removeAttribute("aria-invalid");
      status.textContent = button.dataset.found;
      if (submit) submit.focus();
    }).then(function (stopper) {
      if (running) stop = stopper; else stopper();
    }).catch(function () {
      finish();
      status.textContent = button.dataset.denied;
    });
  });
})();
