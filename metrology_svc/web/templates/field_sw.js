// The field page's service worker, served as /web/inspections/sw.js with scope /web/ (the
// answer carries Service-Worker-Allowed: /web/). Workbox comes pinned from npm (package-lock.json,
// copied by scripts/build-js into /web/static/vendor/); web/field_offline.py writes BUILD below:
// this build's version and the shell files with their content hashes.
//
// What it keeps:
// - the shell (styles, scripts, the QR decoder, the icons): precached, served from the cache,
//   replaced when a file's hash changes (a new worker version);
// - the published stamp keys (/api/v1/stamps/keys): network first, the cache when offline;
// - one user's field pages, the inspections list and each site's stamp status list: network
//   first, the cache when offline. Only answers carrying X-Field-User are kept; an answer for
//   another user, a redirect to the login form, a log-in or a log-out empties that cache first,
//   so nobody logged out, and no other user, is ever shown a kept page.
// The queue of unsynced entries lives in the page's IndexedDB, which this worker never touches:
// a new version replaces caches, never the queue.
/* global workbox */
importScripts("/web/static/vendor/workbox-sw.js");
workbox.setConfig({ debug: false, modulePathPrefix: "/web/static/vendor/" });

var BUILD = /*BUILD*/ {};
var USER_CACHE = "metrology-field-user";
var KEYS_CACHE = "metrology-field-keys";
var OWNER_KEY = "/web/inspections/__owner__";  // a pseudo-entry naming the user the cache holds
var USER_PAGES = /^\/web\/inspections(\/\d+(\/stamps\.json)?)?$/;
var SESSION_POSTS = /^\/web\/(login|logout)$|^\/web\/.*\/logout$/;

workbox.core.setCacheNameDetails({ prefix: "metrology-field" });

// One change of the user cache at a time: a log-out's wipe never interleaves with a put.
var chain = Promise.resolve();
function inOrder(task) {
  chain = chain.then(task, task);
  return chain;
}

function forget() {
  return inOrder(function () { return caches.delete(USER_CACHE); });
}

function ownerOf(cache) {
  return cache.match(OWNER_KEY).then(function (r) { return r ? r.text() : null; });
}

// Keep an answer only if it is a user's own page (200, not redirected, with the user header);
// the first answer for a different user empties the cache before it is kept.
var userPlugin = {
  cacheWillUpdate: function (args) {
    var response = args.response;
    var who = response.headers.get(BUILD.user_header);
    if (response.type === "opaqueredirect" || response.redirected || response.status === 401 ||
        (response.status === 200 && !who)) {
      return forget().then(function () { return null; });  // logged out: keep nothing
    }
    if (response.status !== 200) return Promise.resolve(null);
    return inOrder(function () {
      return caches.open(USER_CACHE).then(function (cache) {
        return ownerOf(cache).then(function (owner) {
          if (owner === who) return null;
          return caches.delete(USER_CACHE).then(function () {
            return caches.open(USER_CACHE);
          }).then(function (fresh) {
            return fresh.put(OWNER_KEY, new Response(who));
          });
        });
      });
    }).then(function () { return response; });
  }
};

var userPages = new workbox.strategies.NetworkFirst({
  cacheName: USER_CACHE, networkTimeoutSeconds: 5, plugins: [userPlugin]
});
var keys = new workbox.strategies.NetworkFirst({ cacheName: KEYS_CACHE, networkTimeoutSeconds: 5 });

// A log-in or log-out (a form post anywhere under /web/) empties the user cache.
self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method === "POST" && url.origin === self.location.origin &&
      SESSION_POSTS.test(url.pathname)) {
    event.waitUntil(forget());
  }
});

self.addEventListener("install", function () { self.skipWaiting(); });
workbox.core.clientsClaim();
workbox.precaching.cleanupOutdatedCaches();
workbox.precaching.precacheAndRoute(BUILD.precache);

workbox.routing.registerRoute(function (o) {
  return o.url.origin === self.location.origin && USER_PAGES.test(o.url.pathname);
}, userPages);
workbox.routing.registerRoute(function (o) {
  return o.url.origin === self.location.origin && o.url.pathname === "/api/v1/stamps/keys";
}, keys);

// The page asks: which version is running, and "keep these addresses now" (its first visit
// was answered before this worker controlled it, so nothing of it was kept yet).
self.addEventListener("message", function (event) {
  var data = event.data || {};
  var reply = function (msg) { if (event.ports && event.ports[0]) event.ports[0].postMessage(msg); };
  if (data.type === "version") {
    reply({ version: BUILD.version });
  } else if (data.type === "keep") {
    var urls = (data.urls || []).filter(function (u) {
      var url = new URL(u, self.location.origin);
      return url.origin === self.location.origin;
    });
    event.waitUntil(Promise.all(urls.map(function (u) {
      var url = new URL(u, self.location.origin);
      var request = new Request(url.href, { credentials: "same-origin" });
      var strategy = url.pathname === "/api/v1/stamps/keys" ? keys : userPages;
      return strategy.handle({ event: event, request: request }).then(function (r) {
        return r && r.ok;
      }, function () { return false; });
    })).then(function (kept) {
      reply({ version: BUILD.version, kept: kept.every(Boolean) });
    }));
  }
});
