/* The service worker (GET /sw.js, scope /): lets /scan open without network, so the offline queue
   survives a reload or an evicted tab. It caches only two things:
   - the /scan page, network first: a fresh page when online, the last good one when offline;
   - /static/* files, cache first, in a cache named after the static version (old ones dropped).
   Everything else (the API, other pages, POSTs) goes to the network untouched. */
"use strict";

const VERSION = {{ static_version|tojson }};
const STATIC_CACHE = `pt-static-${VERSION}`;
const PAGE_CACHE = "pt-page"; // one entry: "/scan"
const PAGE = "/scan";
const PRECACHE = {{ precache|tojson }};
// On a trickle of mobile data a request may hang rather than fail: after this long, answer with
// the cached page and let the network answer refresh the cache whenever it comes.
const NETWORK_WAIT_MS = 6000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(STATIC_CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => keepPage(fetch(PAGE, { credentials: "same-origin", redirect: "manual" })).catch(() => undefined))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== STATIC_CACHE && n !== PAGE_CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

function dropPage() {
  return caches.open(PAGE_CACHE).then((cache) => cache.delete(PAGE));
}

/** Keep the page a /scan request answered with. Only a 200 page for /scan itself is kept: a
    redirect (to /login when the session is over, or another role's page) is never stored and
    drops the copy kept so far. Resolves to the response. */
async function keepPage(answer) {
  const response = await answer;
  if (response.ok && response.type === "basic" && !response.redirected) {
    const cache = await caches.open(PAGE_CACHE);
    await cache.put(PAGE, response.clone());
  } else if (response.type === "opaqueredirect" || response.redirected || response.status === 401 || response.status === 403) {
    await dropPage();
  }
  return response;
}

/** Network first for /scan (the copy is taken when the worker installs, then at each visit). */
function scanPage(event) {
  const network = keepPage(fetch(event.request));
  event.waitUntil(network.catch(() => undefined));
  const cached = () => caches.match(PAGE, { cacheName: PAGE_CACHE });
  const slow = new Promise((resolve) => setTimeout(resolve, NETWORK_WAIT_MS)).then(cached);
  const fallback = (response) => cached().then((copy) => copy || response || Response.error());
  return Promise.race([
    network.then((response) => (response.status >= 500 ? fallback(response) : response), () => fallback(null)),
    slow.then((copy) => copy || network.catch(() => fallback(null))),
  ]);
}

/** Cache first for /static/*; a file of an older version (a page cached before an upgrade) is
    answered with the current one when the network is not there. */
async function staticFile(request) {
  const cache = await caches.open(STATIC_CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic") await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const other = await cache.match(request, { ignoreSearch: true });
    if (other) return other;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === "/logout") {
    // Logging out (the form posts here) drops the page first: it carries the user's name and id.
    event.respondWith(dropPage().then(() => fetch(request)));
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname === PAGE && request.mode === "navigate") {
    event.respondWith(scanPage(event));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(request));
  }
});
