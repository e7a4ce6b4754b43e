// Alatau Explorer's service worker: the whole release (the page, the wasm, its glue, the style
// sheet, the data, the tours, the models) in one cache per release, so that after one visit the
// app starts and runs with the network gone. The build writes it to the site root as `sw.js`
// with the release's manifest in place of the line below (see tests/e2e/src/precache.rs): every
// file and the SHA-256 of its content. A file that does not match (a release half deployed) fails
// the install, which the browser tries again at its next update check; nothing mixed is cached.
//
// A release is taken whole: a page is served from one release's cache from its first request to
// its last. A new release, once cached, waits until a page says it may take over ("take-release"):
// a page that starts (the next visit), or a kiosk between visitors (web/offline.js); the page
// then reloads into it. Old releases' caches are deleted when a new one activates.

const PRECACHE = null;

const CACHE_PREFIX = "alatau-release-";
const CACHE = PRECACHE ? `${CACHE_PREFIX}${PRECACHE.release}` : null;

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function precache() {
  const cache = await caches.open(CACHE);
  for (const [path, sha256] of Object.entries(PRECACHE.files)) {
    const url = new URL(path, self.registration.scope).href;
    if (await cache.match(url)) continue; // An install tried again keeps what it verified.
    // Revalidated: the HTTP cache may answer only when the server says the file is current.
    const response = await fetch(url, { cache: "no-cache" });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    const digest = hex(await crypto.subtle.digest("SHA-256", await response.clone().arrayBuffer()));
    if (digest !== sha256) throw new Error(`${path}: its content is not the release's (${digest})`);
    await cache.put(url, response);
  }
}

self.addEventListener("install", (event) => {
  if (!PRECACHE) return; // The template itself, served by mistake: a worker that does nothing.
  event.waitUntil(precache());
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith(CACHE_PREFIX) && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "take-release") self.skipWaiting();
  if (event.data === "release?" && event.ports[0]) {
    event.ports[0].postMessage({ release: PRECACHE ? PRECACHE.release : null });
  }
});

/** The release's path for a request, or null when the release does not hold it. */
function releasePath(request) {
  if (!PRECACHE || request.method !== "GET") return null;
  const url = new URL(request.url);
  const scope = new URL(self.registration.scope);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return null;
  let path;
  try {
    path = decodeURIComponent(url.pathname.slice(scope.pathname.length));
  } catch {
    return null; // A malformed address is the network's to answer.
  }
  // The page itself, whatever its query (`?kiosk=1&idle=…`).
  if (path === "" || (request.mode === "navigate" && path === "index.html")) path = "index.html";
  return path in PRECACHE.files ? path : null;
}

self.addEventListener("fetch", (event) => {
  const path = releasePath(event.request);
  if (!path) return; // Not the release's: the network, as without a worker.
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const cached = await cache.match(new URL(path, self.registration.scope).href);
      return cached || fetch(event.request);
    })(),
  );
});
