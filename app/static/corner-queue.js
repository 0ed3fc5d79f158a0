/* The corner's scans survive a lost network and a reload (staff scanning, the lending desk,
 * stocktakes). Each scan is stored in IndexedDB with an idempotency key made when it is
 * queued; the key travels as the scan's nonce (what the scan endpoints answer a retry from,
 * app/kernel/idempotency.py) and as the Idempotency-Key header. One sender replays the
 * stored scans in the order they were made, whatever page made them, when a page opens, when
 * the browser comes back online, and after a failure with a growing pause (1 s … 30 s); so a
 * replay, a second tab or a reload never records a scan twice. A refusal is kept and shown.
 * The page stays usable offline: /sw.js (app/static/sw.js) serves the scanning pages and
 * their files from its cache once they were opened online.
 *
 * window.StoryQueue.add(url, body, label, extra) queues a scan (or a form: extra.keyField
 * names the body's field that carries the key too, extra.replaces the key of a waiting item
 * it replaces, extra.draft the form's draft to throw away once it is recorded);
 * StoryQueue.watch(fn) calls fn(item) for this page's stored items now and on every change.
 * No dependencies, no build step. */
(function () {
  "use strict";
  var script = document.currentScript;
  var text = script.dataset;  // waiting ("… {n} …"), synced, offline, login, others
  var user = text.user || "";  // who is logged in: a scan is sent only in its own scanner's name
  var CACHE = "corner-pages-v1";
  var KEPT = /^\/staff\/(scan|desk|stocktakes\/\d+|sessions\/new)\/?$/;  // the pages sw.js keeps
  var DONE_KEPT_MS = 12 * 3600 * 1000;  // what was synced stays listed this long
  var page = location.pathname + location.search;
  var memory = [];  // the queue when the browser has no IndexedDB
  var watchers = [];
  var dbPromise = null;
  var sending = false;
  var pause = 1000;
  var timer = null;
  var status = document.getElementById("sync-status");

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  function csrf() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  /* Storage: one object store, items by auto-increment id (the order they were made). */
  function db() {
    if (!window.indexedDB) return Promise.resolve(null);
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve) {
        var request = window.indexedDB.open("storycorner-corner", 1);
        request.onupgradeneeded = function () { request.result.createObjectStore("scans", { keyPath: "id", autoIncrement: true }); };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { resolve(null); };
      });
    }
    return dbPromise;
  }

  function store(mode, work) {
    return db().then(function (handle) {
      if (!handle) return work(null);
      return new Promise(function (resolve, reject) {
        var tx = handle.transaction("scans", mode);
        var result = work(tx.objectStore("scans"));
        tx.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  function all() {
    return store("readonly", function (scans) {
      return scans ? scans.getAll() : memory.slice();
    });
  }

  function save(item) {
    return store("readwrite", function (scans) {
      if (!scans) {
        if (item.id === undefined) { item.id = memory.length + 1; memory.push(item); }
        return item.id;
      }
      return scans.put(item);
    }).then(function (id) { item.id = id; changed(item); return item; });
  }

  function find(key) {
    if (!key) return Promise.resolve(null);
    return all().then(function (items) { return items.filter(function (i) { return i.key === key; })[0] || null; });
  }

  /* A form's draft (localStorage `item.draft`, JSON naming the queued item's key as `queued`)
   * is kept until its queued save is recorded, then thrown away, whichever page sent it. */
  function dropDraft(item) {
    if (!item.draft || !item.answer || !item.answer.ok) return;
    try {
      var draft = JSON.parse(window.localStorage.getItem(item.draft) || "{}");
      if (draft.queued === item.key) window.localStorage.removeItem(item.draft);
    } catch (e) { /* no storage: nothing kept */ }
  }

  function forget(item) {
    return store("readwrite", function (scans) {
      if (scans) scans.delete(item.id); else memory.splice(memory.indexOf(item), 1);
    });
  }

  function changed(item) {
    if (item.page === page) shown([item]);
    count();
  }

  /* This page's items to its watchers; a finished one is shown once (then it is "seen"). */
  function shown(items, fns) {
    fns = fns || watchers;
    if (!fns.length) return;
    items.forEach(function (item) {
      if (item.page !== page) return;
      fns.forEach(function (fn) { fn(item); });
      if (item.state !== "waiting" && !item.seen) {
        item.seen = true;
        store("readwrite", function (scans) { if (scans) scans.put(item); });
      }
    });
  }

  function count() {
    if (!status) return;
    all().then(function (items) {
      var waiting = items.filter(function (i) { return i.state === "waiting"; }).length;
      var others = items.filter(function (i) { return i.state === "waiting" && !mine(i); }).length;
      status.hidden = false;
      status.classList.toggle("waiting", waiting > 0);
      status.dataset.waiting = String(waiting);
      var words = waiting ? text.waiting.replace("{n}", waiting) : text.synced;
      if (waiting && !navigator.onLine) words += " · " + text.offline;
      if (waiting && status.dataset.login) words += " · " + text.login;
      if (others) words += " · " + text.others.replace("{n}", others);
      status.textContent = words;
    });
  }

  /* Sending: the oldest waiting item first, one at a time, only the logged-in scanner's own
   * (on a shared tablet, a loan is never recorded in the name of whoever logs in next). */
  function mine(item) { return (item.user || "") === user; }

  function answerOf(response) {
    var kind = response.headers.get("content-type") || "";
    if (response.redirected || response.status === 401) return { login: true };  // the session ended
    if (response.status === 409 || response.status === 429 || response.status >= 500) return null;  // try again
    if (kind.indexOf("json") < 0) return response.status === 403 ? { login: true } : null;  // 403: the CSRF token
    return response.json().then(function (body) {
      if (response.ok) return body;  // {ok: true|false, message, ...}: the server's answer, kept and shown
      return { ok: false, message: body.detail || body.title || String(response.status), code: body.code };
    });
  }

  function sendOne(item) {
    var headers = { "Content-Type": "application/json", "Accept": "application/json", "x-csrftoken": csrf(), "Idempotency-Key": item.key };
    var abort = window.AbortController ? new AbortController() : null;
    var stop = abort && setTimeout(function () { abort.abort(); }, 15000);  // patchy Wi-Fi: do not wait for ever
    return fetch(item.url, {
      method: "POST", credentials: "same-origin", headers: headers, body: JSON.stringify(item.body),
      signal: abort ? abort.signal : undefined
    }).then(function (response) { clearTimeout(stop); return answerOf(response); });
  }

  function later() {
    if (timer) return;
    timer = setTimeout(function () { timer = null; pump(); }, pause);
    pause = Math.min(pause * 2, 30000);
  }

  function drain() {
    return all().then(function (items) {
      var item = items.filter(function (i) { return i.state === "waiting" && mine(i); })[0];
      if (!item) return true;
      return sendOne(item).then(function (answer) {
        if (!answer) return false;
        if (answer.login) { if (status) status.dataset.login = "1"; return false; }
        if (status) delete status.dataset.login;
        item.state = "done";
        item.answer = answer;
        item.done_at = Date.now();
        dropDraft(item);
        pause = 1000;
        return save(item).then(drain);
      }, function () { return false; });  // no network: it stays waiting
    });
  }

  function pump() {
    if (sending) return;
    sending = true;
    var run = function () { return drain(); };
    var locked = navigator.locks ? navigator.locks.request("storycorner-corner-sync", run) : run();
    Promise.resolve(locked).then(function (finished) {
      sending = false;
      count();
      if (!finished) later();
    }, function () { sending = false; later(); });
  }

  function tidy() {
    return all().then(function (items) {
      items.forEach(function (item) {
        if (item.state !== "waiting" && Date.now() - (item.done_at || 0) > DONE_KEPT_MS) forget(item);
      });
    });
  }

  /* The service worker (scope /staff/), and this page in its cache for the first visit,
   * before the worker controls it. A desk page naming a family is kept only as the worker
   * saw it opened (fetching it again would be another look at the family). Another staff
   * member logged in on this device: the pages kept for the previous one are thrown away. */
  function offlinePages() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register("/sw.js", { scope: "/staff/" }).catch(function () {});
    if (!window.caches || !user) return;
    var last = null;
    try { last = window.localStorage.getItem("storycorner-corner-user"); window.localStorage.setItem("storycorner-corner-user", user); } catch (e) { /* private mode */ }
    var cleared = last !== null && last !== user ? window.caches.delete(CACHE) : Promise.resolve(false);
    cleared.then(function (wasCleared) {
      if ((navigator.serviceWorker.controller && !wasCleared) || /[?&](family|find)=/.test(location.search)) return;
      if (!KEPT.test(location.pathname)) return;  // e.g. the session form shown again after a search
      var files = [location.href];
      var links = document.querySelectorAll("script[src], link[rel=stylesheet]");
      for (var i = 0; i < links.length; i++) files.push(links[i].src || links[i].href);
      return window.caches.open(CACHE).then(function (cache) { return cache.addAll(files); });
    }).catch(function () {});
  }

  window.StoryQueue = {
    add: function (url, body, label, extra) {
      extra = extra || {};
      return find(extra.replaces).then(function (old) {
        // A form saved again while its first save still waits: the same item, the same key.
        var item = old && old.state === "waiting" ? old : { url: url, key: newKey(), page: page, user: user, state: "waiting", at: Date.now() };
        var copy = {};
        for (var name in body) copy[name] = body[name];
        copy.nonce = item.key;
        if (extra.keyField) copy[extra.keyField] = item.key;
        item.body = copy;
        item.label = label || "";
        if (extra.draft) item.draft = extra.draft;
        return save(item).then(function (saved) { pump(); return saved; });
      });
    },
    watch: function (fn) {
      watchers.push(fn);
      all().then(function (items) {
        shown(items.filter(function (i) { return i.state === "waiting" || !i.seen; }), [fn]);
      });
    },
    sync: function () { pause = 1000; pump(); },
    // What this page's items are shown by, when not its address (a form reached by a POST).
    here: function (name) { page = name; }
  };

  window.addEventListener("online", function () { pause = 1000; count(); pump(); });
  window.addEventListener("offline", count);
  tidy().then(function () { count(); pump(); });
  offlinePages();
})();
