// The offline app's service worker. The server puts SHELL (the URLs of the app shell) and
// SHELL_VERSION (a hash of their bytes) in front of this file, so a changed shell is a new worker.
//
// - The shell is precached on install and served from the cache first (it works with no signal).
// - The key set and the revocation list are fetched from the network first and kept in the
//   cache; with no network the last copy is answered, marked X-OCOP-Kept-Copy. The page checks
//   the list's signature, version and expiry (revlist.js) before it trusts it, and never counts
//   a kept copy as a refresh: this cache is only transport.
// - Everything else (the scan page, the API, posts) goes to the network untouched.
/* global SHELL, SHELL_VERSION */
"use strict";

const SHELL_CACHE = `ocop-shell-${SHELL_VERSION}`;
const DATA_CACHE = "ocop-data";
const DATA = ["/.well-known/ocop-keys.json", "/api/v1/revocation-list"];

self.addEventListener("install", (event) => {
  // "no-cache": revalidated with the server (a 304 without a body for what the page has just
  // loaded), never taken unchecked from the HTTP cache.
  event.waitUntil(
    caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "no-cache" })))),
  );
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("ocop-shell-") && n !== SHELL_CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

async function networkFirst(request) {
  const cache = await caches.open(DATA_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) {
      // One copy per address: the delta since the version held replaces the one before it.
      const path = new URL(request.url).pathname;
      for (const kept of await cache.keys()) if (new URL(kept.url).pathname === path) await cache.delete(kept);
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const kept = await cache.match(request);
    if (!kept) throw error;
    // Marked, so the page never takes a kept copy for a refresh (lists.js); its own stored
    // lists, checked when they arrived, are what it verifies with.
    const headers = new Headers(kept.headers);
    headers.set("X-OCOP-Kept-Copy", "1");
    return new Response(await kept.blob(), { status: kept.status, headers });
  }
}

async function shellFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  const key = request.mode === "navigate" ? "/app/" : request;
  const kept = await cache.match(key, { ignoreSearch: request.mode === "navigate" });
  return kept ?? fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (DATA.some((path) => url.pathname.startsWith(path))) {
    event.respondWith(networkFirst(request));
  } else if (url.pathname === "/app/" || SHELL.includes(url.pathname)) {
    event.respondWith(shellFirst(request));
  }
});
