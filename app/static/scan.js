/* Staff scanning: camera (BarcodeDetector where present, jsQR otherwise) and keyboard-wedge
 * scanners. Every scan waits in the corner's durable queue (app/static/corner-queue.js:
 * IndexedDB, an idempotency key each, sent in order, kept across a reload and a lost
 * network), so fast scanning or a dropped Wi-Fi never loses or doubles one; each scan's
 * line shows when it waits and what the server answered once it was sent. */
(function () {
  "use strict";
  var script = document.currentScript;
  var text = { pending: script.dataset.pending, queued: script.dataset.queued, invalid: script.dataset.invalid };
  var results = document.getElementById("results");
  var lines = {};
  var lastToken = null;
  var lastAt = 0;

  function tokenOf(value) {
    var match = String(value).trim().match(/\/q\/([A-Za-z0-9_.~-]+)\s*$/);
    if (match) return match[1];
    return /^[A-Za-z0-9_.~-]{16,96}$/.test(String(value).trim()) ? String(value).trim() : null;
  }

  function show(item) {
    var line = lines[item.id];
    if (!line) {
      line = lines[item.id] = document.createElement("li");
      line.className = "card";
      line.dataset.key = item.key;
      results.insertBefore(line, results.firstChild);
    }
    if (item.state === "waiting") {
      line.textContent = navigator.onLine ? text.pending : text.queued;
      line.classList.add("queued");
      return;
    }
    var answer = item.answer || {};
    line.textContent = (answer.message || "") + (answer.checked_in_at ? " · " + answer.checked_in_at : "");
    line.classList.remove("queued");
    line.classList.add(answer.ok ? "good" : "bad");
  }

  function add(value) {
    var token = tokenOf(value);
    var now = Date.now();
    if (!token) {
      var item = document.createElement("li");
      item.className = "card bad";
      item.textContent = text.invalid;
      results.insertBefore(item, results.firstChild);
      return;
    }
    if (token === lastToken && now - lastAt < 3000) return;  // the camera sees one code many times
    lastToken = token; lastAt = now;
    window.StoryQueue.add("/staff/scan/check-in", { token: token }, "");
  }

  window.StoryQueue.watch(show);

  document.getElementById("wedge").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = document.getElementById("wedge-input");
    if (input.value.trim()) add(input.value);
    input.value = "";
    input.focus();
  });

  document.getElementById("start-camera").addEventListener("click", function () {
    var video = document.getElementById("camera");
    var canvas = document.getElementById("frame");
    var detector = "BarcodeDetector" in window ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      function tick() {
        if (video.readyState >= 2) {
          if (detector) {
            detector.detect(video).then(function (codes) { codes.forEach(function (c) { add(c.rawValue); }); });
          } else if (window.jsQR) {
            canvas.width = video.videoWidth; canvas.height = video.videoHeight;
            var context = canvas.getContext("2d");
            context.drawImage(video, 0, 0);
            var found = window.jsQR(context.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
            if (found) add(found.data);
          }
        }
        setTimeout(tick, 250);
      }
      tick();
    });
  });
})();
