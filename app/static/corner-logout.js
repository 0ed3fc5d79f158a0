/* Logging out on a shared phone or tablet: the staff pages the corner's service worker kept
 * (app/static/sw.js, "corner-pages-v1") and the note of whose they were are thrown away
 * before the log-out is sent, so the next person cannot open them offline. Scans and session
 * saves still waiting stay in the queue (corner-queue.js): they are sent only in their own
 * staff member's name, after that person logs in again. No dependencies. */
(function () {
  "use strict";
  var forms = document.querySelectorAll('form[action="/logout"]');
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.caches) return;
      event.preventDefault();
      var sent = false;
      var send = function () { if (!sent) { sent = true; form.submit(); } };  // submit() fires no new event
      try { window.localStorage.removeItem("storycorner-corner-user"); } catch (e) { /* private mode */ }
      window.caches.delete("corner-pages-v1").then(send, send);
      setTimeout(send, 1500);  // never keep anyone from logging out
    });
  });
})();
