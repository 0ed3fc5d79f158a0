/* The session log's draft (reading programme): every change is kept in localStorage, so a
 * lost connection or a closed tab loses nothing; the draft keeps the form's client_key, so
 * sending it again after a dropped answer still records the session once. The sessions list
 * forgets the draft whose key was saved. Enter in a one-line field moves on (in the book
 * search it searches) instead of sending half a form. No dependencies. */
(function () {
  "use strict";
  var PREFIX = "storycorner:session-draft:";
  var MAX_AGE = 3 * 24 * 3600 * 1000;
  var store;
  try { store = window.localStorage; store.getItem(PREFIX); } catch (e) { return; }

  function forget(clientKey) {
    for (var i = store.length - 1; i >= 0; i--) {
      var name = store.key(i);
      if (!name || name.indexOf(PREFIX) !== 0) continue;
      try {
        var draft = JSON.parse(store.getItem(name) || "{}");
        var old = !draft.at || Date.now() - draft.at > MAX_AGE;
        if (old || (clientKey && draft.fields && draft.fields.client_key === clientKey)) store.removeItem(name);
      } catch (e) { store.removeItem(name); }
    }
  }

  var saved = document.getElementById("saved-session");
  if (saved) { forget(saved.dataset.key); return; }

  var form = document.getElementById("session-form");
  if (!form || !form.dataset.draftKey) return;
  var key = PREFIX + form.dataset.draftKey;
  var SKIP = { _csrf_token: 1, action: 1, q: 1 };
  var MANY = { book_id: 1, lead_reader_id: 1 };

  function collect() {
    var fields = { book_id: [], lead_reader_id: [] };
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (!el.name || SKIP[el.name] || el.type === "submit" || el.type === "button") continue;
      if (MANY[el.name]) {
        if (el.type !== "checkbox" || el.checked) (fields[el.name] = fields[el.name] || []).push(el.value);
      } else {
        fields[el.name] = el.value;
      }
    }
    return fields;
  }

  function keep() {
    try { store.setItem(key, JSON.stringify({ at: Date.now(), fields: collect() })); } catch (e) { /* full */ }
  }

  function restore(fields) {
    var boxes = {};
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (!el.name || SKIP[el.name] || el.type === "submit" || el.type === "button") continue;
      if (MANY[el.name]) {
        if (el.type === "checkbox") el.checked = (fields[el.name] || []).indexOf(el.value) >= 0;
        boxes[el.name + ":" + el.value] = true;
      } else if (Object.prototype.hasOwnProperty.call(fields, el.name)) {
        el.value = fields[el.name];
      }
    }
    // Books ticked in a search that is no longer on the page travel as hidden fields.
    (fields.book_id || []).forEach(function (id) {
      if (boxes["book_id:" + id]) return;
      var hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = "book_id"; hidden.value = id;
      form.appendChild(hidden);
    });
  }

  var notice = document.getElementById("draft-notice");
  var raw = store.getItem(key);
  if (raw && form.dataset.fresh === "1") {
    try {
      var draft = JSON.parse(raw);
      if (draft.at && Date.now() - draft.at < MAX_AGE && draft.fields) {
        restore(draft.fields);
        if (notice) notice.hidden = false;
      }
    } catch (e) { store.removeItem(key); }
  }
  keep();

  form.addEventListener("input", keep);
  form.addEventListener("change", keep);

  var discard = document.getElementById("draft-discard");
  if (discard) {
    discard.addEventListener("click", function () {
      store.removeItem(key);
      window.location.reload();
    });
  }

  form.addEventListener("keydown", function (event) {
    var el = event.target;
    if (event.key !== "Enter" || !el || el.tagName !== "INPUT" || el.type === "submit" || el.type === "checkbox") return;
    event.preventDefault();
    if (el.name === "q") {
      document.getElementById("search-books").click();
      return;
    }
    var fields = Array.prototype.filter.call(form.elements, function (f) {
      return !f.hidden && f.type !== "hidden" && !f.disabled && (f.tagName === "INPUT" || f.tagName === "SELECT" || f.tagName === "TEXTAREA");
    });
    var next = fields[fields.indexOf(el) + 1];
    if (next) next.focus();
  });

  var offline = document.getElementById("offline-notice");
  form.addEventListener("submit", function (event) {
    keep();
    if (navigator.onLine === false) {
      event.preventDefault();
      if (offline) offline.hidden = false;
    }
  });
  window.addEventListener("online", function () { if (offline) offline.hidden = true; });
})();
