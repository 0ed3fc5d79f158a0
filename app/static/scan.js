/* Staff scanning: camera (BarcodeDetector where present, jsQR otherwise) and keyboard-wedge
 * scanners. Every scan gets a nonce and waits in a queue; the queue sends one at a time and
 * retries a failed request with the same nonce, so fast scanning never loses or doubles one. */
(function () {
  "use strict";
  var script = document.currentScript;
  var text = { pending: script.dataset.pending, retry: script.dataset.retry, invalid: script.dataset.invalid };
  var results = document.getElementById("results");
  var queue = [];
  var busy = false;
  var lastToken = null;
  var lastAt = 0;

  function csrf() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function nonce() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function tokenOf(value) {
    var match = String(value).trim().match(/\/q\/([A-Za-z0-9_.~-]+)\s*$/);
    if (match) return match[1];
    return /^[A-Za-z0-9_.~-]{16,96}$/.test(String(value).trim()) ? String(value).trim() : null;
  }

  function add(value) {
    var token = tokenOf(value);
    var now = Date.now();
    var item = document.createElement("li");
    item.className = "card";
    results.insertBefore(item, results.firstChild);
    if (!token) { item.textContent = text.invalid; item.classList.add("bad"); return; }
    if (token === lastToken && now - lastAt < 3000) { results.removeChild(item); return; }  // the camera sees one code many times
    lastToken = token; lastAt = now;
    item.textContent = text.pending;
    queue.push({ token: token, nonce: nonce(), item: item });
    pump();
  }

  function pump() {
    if (busy || !queue.length) return;
    busy = true;
    var job = queue[0];
    fetch("/staff/scan/check-in", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "x-csrftoken": csrf() },
      body: JSON.stringify({ token: job.token, nonce: job.nonce })
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (answer) {
      queue.shift();
      job.item.textContent = answer.message + (answer.checked_in_at ? " · " + answer.checked_in_at : "");
      job.item.classList.add(answer.ok ? "good" : "bad");
      busy = false;
      pump();
    }).catch(function () {
      job.item.textContent = text.retry;
      busy = false;
      setTimeout(pump, 1500);  // same nonce: the server answers a retry from the first
    });
  }

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
