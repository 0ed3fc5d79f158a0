/* The corner's service worker, served at /sw.js and registered for /staff/ by
 * app/static/corner-queue.js. It keeps the scanning pages (/staff/scan, the desk, a
 * stocktake, the volunteer's session form) and the static files they use, so a volunteer whose Wi-Fi drops can still open
 * or reload them; the scans themselves wait in IndexedDB (corner-queue.js), never here.
 * Pages: the network first, the copy kept from the last visit when there is none or when the
 * server fails (5xx). Static files: a content-hashed name never changes meaning, so the cache
 * first; a plain name, the network first.
 * Everything else, POSTs included, goes to the network untouched. */
"use strict";
var CACHE = "corner-pages-v1";
var PAGES = /^\/staff\/(scan|desk|stocktakes\/\d+|sessions\/new)\/?$/;
var HASHED = /^\/static\/.+\.[0-9a-f]{8}\.[A-Za-z0-9]+$/;
var OFFLINE = "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
  "<title>离线</title><p>网络已断开，这个页面还没有在本机保存过。联网后打开一次，以后断网也能用。</p>" +
  "<p lang=en>You are offline and this page was not saved on this device yet.</p>";

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function keep(request, response) {
  if (response.ok && response.type === "basic" && !response.redirected) {
    var copy = response.clone();
    caches.open(CACHE).then(function (cache) { return cache.put(request, copy); });
  }
  return response;
}

function networkFirst(request, fallback) {
  function kept() {
    return caches.match(request, { ignoreVary: true }).then(function (hit) { return hit || fallback(); });
  }
  // Never the kept copy while the server answers: a page reached after a change (a stocktake
  // finished, a loan made) must show it.
  return fetch(request).then(function (response) {
    if (response.status >= 500) return kept().then(function (hit) { return hit.ok ? hit : response; });  // the server is down
    return keep(request, response);
  }, kept);
}

function cacheFirst(request) {
  return caches.match(request, { ignoreVary: true }).then(function (hit) {
    return hit || fetch(request).then(function (response) { return keep(request, response); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && PAGES.test(url.pathname)) {
    event.respondWith(networkFirst(request, function () {
      return new Response(OFFLINE, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
    }));
  } else if (HASHED.test(url.pathname)) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(networkFirst(request, function () { return Response.error(); }));
  }
});
