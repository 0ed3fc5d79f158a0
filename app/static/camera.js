/* The phone's camera as a code reader, for every scanning page: BarcodeDetector where the
 * browser has one (QR codes, and the formats asked for: a book's EAN-13, a label's Code 128),
 * the vendored jsQR otherwise (QR codes only; load vendor/jsQR.min.js first).
 *
 *   StoryCamera.available()                 a camera can be asked for
 *   StoryCamera.start(video, formats, onCode) → Promise of stop(): every code seen goes to
 *                                             onCode(text), four times a second */
(function () {
  "use strict";

  function available() {
    return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  }

  function detector(formats) {
    if (!("BarcodeDetector" in window)) return Promise.resolve(null);
    var Detector = window.BarcodeDetector;
    var supported = Detector.getSupportedFormats ? Detector.getSupportedFormats() : Promise.resolve(formats);
    return supported.then(function (have) {
      var use = formats.filter(function (f) { return have.indexOf(f) >= 0; });
      return use.length ? new Detector({ formats: use }) : null;
    }).catch(function () { return null; });
  }

  function start(video, formats, onCode) {
    var canvas = document.createElement("canvas");
    var stopped = false;
    var camera = navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    return Promise.all([detector(formats), camera]).then(function (got) {
      var found = got[0];
      var stream = got[1];
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      function tick() {
        if (stopped) return;
        if (video.readyState >= 2) {
          if (found) {
            found.detect(video).then(function (codes) {
              codes.forEach(function (c) { if (!stopped) onCode(c.rawValue); });
            }).catch(function () {});
          } else if (window.jsQR && video.videoWidth) {
            canvas.width = video.videoWidth;
            canvas.height = video.videoHeight;
            var context = canvas.getContext("2d", { willReadFrequently: true });
            context.drawImage(video, 0, 0);
            var qr = window.jsQR(context.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
            if (qr && qr.data) onCode(qr.data);
          }
        }
        setTimeout(tick, 250);
      }
      tick();
      return function stop() {
        stopped = true;
        stream.getTracks().forEach(function (track) { track.stop(); });
        video.srcObject = null;
        video.hidden = true;
      };
    });
  }

  window.StoryCamera = { available: available, start: start };
})();
