/* Zoufang's service worker, version {{ version }} (zoufang/offline, decision 0039).
   Served by Django at /sw.js so that its scope is the whole site. Workbox and idb are the
   copies in /static/vendor/: nothing is loaded from another origin.
   - The shell (styles, scripts, fonts, icons, the fallback page) is precached by Workbox.
   - Pages on the user's list (/offline/pages.json) are fetched from the network first and
     kept, sealed, in IndexedDB; without network the kept copy is served.
   - Records saved offline are sent by the pages (offline.js), not here: they hold the
     session's CSRF token and can ask the officer to log in again. */
"use strict";
importScripts("{{ workbox_sw|escapejs }}");
workbox.setConfig({ modulePathPrefix: "{{ workbox_prefix|escapejs }}", debug: false });
importScripts("{{ idb|escapejs }}", "{{ store|escapejs }}");

const VERSION = "{{ version|escapejs }}";
const FALLBACK = "{{ fallback|escapejs }}";
const NETWORK_TIMEOUT_MS = 10000;
const { precaching, routing, core } = workbox;

core.setCacheNameDetails({ prefix: "zoufang", suffix: "" });
// Static URLs carry their version in the name (or the revision below); a query string such as
// the icon font's "?e348…" is ignored when matching.
precaching.precacheAndRoute([...{{ precache|safe }}, { url: FALLBACK, revision: VERSION }], {
  ignoreURLParametersMatching: [/.*/],
});
precaching.cleanupOutdatedCaches();

// A new version takes over at once: the queue lives in IndexedDB, not in the caches this
// replaces, so nothing waiting to be sent is lost.
self.addEventListener("install", () => self.skipWaiting());
core.clientsClaim();

function fetchWithTimeout(request) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), NETWORK_TIMEOUT_MS);
  return fetch(request, { signal: controller.signal }).finally(() => clearTimeout(timer));
}

async function keptList() {
  return (await zfStore.metaGet("keep")) || { user: "", pages: [] };
}

async function keepCopy(path, response) {
  const list = await keptList();
  if (!list.user || !list.pages.includes(path)) return;
  const html = await response.text();
  await zfStore.pagePut(path, list.user, html, response.headers.get("Content-Security-Policy") || "");
}

async function page({ request, event }) {
  const url = new URL(request.url);
  const path = url.pathname + url.search;
  try {
    const response = await fetchWithTimeout(request);
    const type = response.headers.get("Content-Type") || "";
    if (response.status === 200 && !response.redirected && type.startsWith("text/html")) {
      event.waitUntil(keepCopy(path, response.clone()).catch(() => {}));
    }
    return response;
  } catch (err) {
    const list = await keptList();
    const kept = list.user ? await zfStore.pageGet(path, list.user) : null;
    if (kept) return kept;
    return (await precaching.matchPrecache(FALLBACK)) || Response.error();
  }
}

routing.registerRoute(
  ({ request, url }) =>
    request.mode === "navigate" &&
    url.origin === self.location.origin &&
    !url.pathname.startsWith("/admin/") &&
    !url.pathname.startsWith("/api/"),
  page
);

// Fetch and seal the pages on the user's list; drop the rest (another user's, yesterday's).
async function keep(user, pages) {
  await zfStore.metaSet("keep", { user, pages });
  await zfStore.pagesPrune(user, pages);
  for (const path of pages) {
    try {
      const response = await fetchWithTimeout(new Request(path, { credentials: "same-origin" }));
      const type = response.headers.get("Content-Type") || "";
      if (response.status === 200 && !response.redirected && type.startsWith("text/html")) {
        await keepCopy(path, response);
      }
    } catch (err) {
      return; // the network went: keep what was stored so far
    }
  }
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const reply = (value) => event.ports[0] && event.ports[0].postMessage(value);
  if (data.type === "keep") {
    event.waitUntil(keep(String(data.user), data.pages || []).then(() => reply({ ok: true, version: VERSION })));
  } else if (data.type === "wipe") {
    event.waitUntil(zfStore.wipe().then(() => reply({ ok: true })));
  } else if (data.type === "version") {
    reply({ version: VERSION });
  }
});
