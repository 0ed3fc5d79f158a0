/* The session log's draft (reading programme): every change is kept in localStorage, so a
 * lost connection or a closed tab loses nothing; the draft keeps the form's client_key, so
 * sending it again after a dropped answer still records the session once. The sessions list
 * forgets the draft whose key was saved. Enter in a one-line field moves on (in the book
 * search it searches) instead of sending half a form.
 * Saved without a network, the form joins the corner's durable queue (corner-queue.js, loaded
 * before this script): its queue key is its client_key, so a replay records it once; the
 * draft names the waiting save (`queued`) and is thrown away only once the save is recorded,
 * then the page goes to the sessions list as an online save does. No other dependencies. */
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
    try { store.setItem(key, JSON.stringify({ at: Date.now(), fields: collect(), queued: queued })); } catch (e) { /* full */ }
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
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

  var queue = window.StoryQueue;
  if (queue) queue.here("session-form:" + form.dataset.draftKey);  // the same form after a search too
  var queued = null;  // the key of this form's save waiting in the corner's queue
  var notice = document.getElementById("draft-notice");
  var raw = store.getItem(key);
  var restored = false;
  if (raw && form.dataset.fresh === "1") {
    try {
      var draft = JSON.parse(raw);
      if (draft.at && Date.now() - draft.at < MAX_AGE && draft.fields) {
        restore(draft.fields);
        queued = draft.queued || null;
        restored = true;
        if (notice) notice.hidden = false;
      }
    } catch (e) { store.removeItem(key); }
  }
  // A fresh form may be the copy the service worker kept, its key already used: a new one.
  if (!restored && form.dataset.fresh === "1" && form.elements.client_key) form.elements.client_key.value = newKey();
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
  var waitingNotice = document.getElementById("queued-notice");
  form.addEventListener("submit", function (event) {
    keep();
    if (navigator.onLine !== false) return;
    event.preventDefault();
    var searching = event.submitter && event.submitter.value === "search";
    if (searching || !queue) {
      if (offline) offline.hidden = false;
      return;
    }
    var fields = collect();
    var label = (fields.started_at || "").replace("T", " ") + (fields.theme ? " · " + fields.theme : "");
    var extra = { keyField: "client_key", replaces: queued, draft: key };
    queue.add(form.getAttribute("action"), fields, label, extra).then(function (item) {
      queued = item.key;
      if (form.elements.client_key) form.elements.client_key.value = item.key;  // saved online later: still once
      keep();
      if (waitingNotice) waitingNotice.hidden = false;
    });
  });
  window.addEventListener("online", function () { if (offline) offline.hidden = true; });

  /* This form's saves in the queue: waiting, recorded (a link to it) or refused (the words). */
  var list = document.getElementById("session-queue");
  var words = list ? list.dataset : {};
  var waitedHere = {};
  if (!queue || !list) return;
  queue.watch(function (item) {
    var line = list.querySelector('[data-key="' + item.key + '"]');
    if (!line) {
      line = document.createElement("li");
      line.className = "card";
      line.dataset.key = item.key;
      list.insertBefore(line, list.firstChild);
    }
    var answer = item.answer || {};
    line.textContent = (item.label ? item.label + " · " : "") + (item.state === "waiting" ? words.queued : answer.message || "");
    line.classList.toggle("queued", item.state === "waiting");
    line.classList.toggle("good", item.state !== "waiting" && !!answer.ok);
    line.classList.toggle("bad", item.state !== "waiting" && !answer.ok);
    if (item.state === "waiting") { waitedHere[item.key] = true; return; }
    if (answer.ok && answer.href) {
      var link = document.createElement("a");
      link.href = answer.href;
      link.textContent = words.view;
      line.appendChild(document.createTextNode(" "));
      line.appendChild(link);
    }
    if (item.key !== queued) return;
    queued = null;
    if (waitingNotice) waitingNotice.hidden = true;
    if (answer.ok && waitedHere[item.key] && answer.href) { window.location.assign(answer.href); return; }
    keep();  // refused: the draft stays, no longer waiting, for the volunteer to put right
  });
})();
