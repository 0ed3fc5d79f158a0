/* Scan-driven lending pages (desk, receiving, stocktake): a keyboard-wedge scanner types a
 * code and Enter, or the camera reads a label's QR code. Every scan gets its own nonce and
 * waits in a queue; the queue sends one at a time as JSON (session cookie + x-csrftoken)
 * and retries a failed request with the same nonce, so the server answers a retry from the
 * first and fast scanning never loses or doubles a loan. Without script the form posts.
 * Where the page loads the corner's durable queue first (app/static/corner-queue.js: the desk
 * and stocktakes), scans wait there instead, kept across a reload and a lost network.
 * The camera is app/static/camera.js (load it, and vendor/jsQR.min.js, first). */
(function () {
  "use strict";
  var script = document.currentScript;
  var text = { pending: script.dataset.pending, retry: script.dataset.retry, queued: script.dataset.queued };

  function csrf() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function nonce() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function show(item, answer) {
    item.textContent = "";
    var title = document.createElement("strong");
    title.className = "title";
    title.textContent = answer.title || "";
    if (answer.barcode && answer.barcode !== answer.title) {
      var code = document.createElement("span");
      code.className = "code mono";
      code.textContent = " · " + answer.barcode;
      title.appendChild(code);
    }
    var message = document.createElement("span");
    message.className = "message";
    message.textContent = answer.message || "";
    item.appendChild(title);
    item.appendChild(message);
    item.classList.remove("pending");
    item.classList.add(answer.ok ? "good" : "bad");
    if (answer.goes_to) item.classList.add("goes-" + answer.goes_to);
  }

  function Queue(form) {
    this.form = form;
    this.url = form.getAttribute("action");
    this.results = document.getElementById(form.dataset.results);
    this.input = form.querySelector("input[name=code]");
    this.jobs = [];
    this.busy = false;
    this.lastCode = null;
    this.lastAt = 0;
    this.fields = {};
    var hidden = form.querySelectorAll("input[type=hidden]");
    for (var i = 0; i < hidden.length; i++) {
      var name = hidden[i].name;
      if (name !== "_csrf_token" && name !== "nonce") this.fields[name] = hidden[i].value;
    }
  }

  Queue.prototype.add = function (code, fromCamera) {
    code = String(code).trim();
    if (!code) return;
    var now = Date.now();
    if (fromCamera && code === this.lastCode && now - this.lastAt < 3000) return;  // the camera sees one code many times
    this.lastCode = code; this.lastAt = now;
    var body = { code: code };
    for (var key in this.fields) body[key] = this.fields[key];
    if (window.StoryQueue) {  // the desk and stocktakes: the corner's durable queue sends it (its key is the nonce)
      window.StoryQueue.add(this.url, body, code);
      return;
    }
    body.nonce = nonce();
    var item = document.createElement("li");
    item.className = "card pending";
    item.textContent = code.length > 40 ? text.pending : code + " · " + text.pending;
    this.results.insertBefore(item, this.results.firstChild);
    this.jobs.push({ body: body, item: item });
    this.pump();
  };

  Queue.prototype.pump = function () {
    var self = this;
    if (self.busy || !self.jobs.length) return;
    self.busy = true;
    var job = self.jobs[0];
    fetch(self.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "x-csrftoken": csrf() },
      body: JSON.stringify(job.body)
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);  // 409 = the same scan still in progress
      return response.json();
    }).then(function (answer) {
      self.jobs.shift();
      show(job.item, answer);
      if (answer.count !== undefined) {
        var counter = document.getElementById("open-count") || document.getElementById("scan-count");
        if (counter) counter.textContent = answer.count;
      }
      self.busy = false;
      self.pump();
    }).catch(function () {
      job.item.textContent = text.retry;
      self.busy = false;
      setTimeout(function () { self.pump(); }, 1500);  // same nonce: a retry is answered from the first
    });
  };

  /* A scan kept in the corner's queue (app/static/corner-queue.js): waiting, then its answer. */
  Queue.prototype.watch = function () {
    var self = this;
    var lines = {};
    var opened = Date.now();
    window.StoryQueue.watch(function (stored) {
      if (stored.url !== self.url) return;
      var item = lines[stored.id];
      if (!item) {
        item = lines[stored.id] = document.createElement("li");
        item.dataset.key = stored.key;
        self.results.insertBefore(item, self.results.firstChild);
      }
      if (stored.state === "waiting") {
        item.className = "card pending queued";
        var words = navigator.onLine ? text.pending : text.queued;
        item.textContent = stored.label.length > 40 ? words : stored.label + " · " + words;
        return;
      }
      item.className = "card";
      show(item, stored.answer || {});
      var counter = document.getElementById("open-count") || document.getElementById("scan-count");
      if (counter && stored.answer && stored.answer.count !== undefined && stored.done_at > opened) {
        counter.textContent = stored.answer.count;
      }
    });
  };

  function camera(form, queue) {
    var button = form.querySelector(".start-camera");
    var video = form.querySelector("video.camera");
    if (!button || !video || !window.StoryCamera || !window.StoryCamera.available()) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      button.hidden = true;
      // QR codes only: a label's Code 128 is for desk scanners (both read at once would be two scans).
      window.StoryCamera.start(video, ["qr_code"], function (code) { queue.add(code, true); })
        .catch(function () { button.hidden = false; });
    });
  }

  var forms = document.querySelectorAll("form.scan-form");
  for (var i = 0; i < forms.length; i++) {
    (function (form) {
      var queue = new Queue(form);
      if (window.StoryQueue) queue.watch();
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        queue.add(queue.input.value, false);
        queue.input.value = "";
        queue.input.focus();
      });
      camera(form, queue);
      form.dataset.queue = "ready";  // scans from now on wait in the queue (tests wait for this)
    })(forms[i]);
  }

  /* Transfers: each scan is added to the list of barcodes to send (nothing is sent until the
   * form is submitted). */
  var collect = document.querySelectorAll("[data-collect]");
  for (var j = 0; j < collect.length; j++) {
    (function (input) {
      var target = document.getElementById(input.dataset.collect);
      var counter = document.getElementById(input.dataset.counter);
      function count() {
        var n = target.value.split(/[\s,]+/).filter(function (v) { return v; }).length;
        if (counter) counter.textContent = n;
      }
      input.addEventListener("keydown", function (event) {
        if (event.key !== "Enter") return;
        event.preventDefault();
        var value = input.value.trim();
        if (value) target.value = (target.value.trim() ? target.value.trim() + "\n" : "") + value;
        input.value = "";
        count();
      });
      target.addEventListener("input", count);
      count();
    })(collect[j]);
  }
})();
