// Offline: registers the release's service worker (`sw.js`, written by the build with the
// precache manifest) once the city is up, so that it never competes with the first load. A new
// release, cached in the background, waits; it is taken, with a reload, when a page starts (so
// the public site's next visit gets it, before any of the app loads) or, on a kiosk, when the
// attract loop plays between visitors. A kiosk also looks for a release every ten minutes and
// asks for persistent storage. With `?debug=1` (the test suite, the benchmark) the worker is
// registered only with `sw=1`.

/** How often a kiosk looks for a new release. */
const UPDATE_EVERY_MS = 10 * 60 * 1000;

let registration = null;
let persistent = false;

/** Asks the active worker which release it serves: `{release, persistent}` or null. */
export async function offlineStatus() {
  const worker = registration && registration.active;
  if (!worker) return null;
  const reply = await new Promise((resolve) => {
    const channel = new MessageChannel();
    const timeout = setTimeout(() => resolve(null), 1000);
    channel.port1.onmessage = (event) => {
      clearTimeout(timeout);
      resolve(event.data);
    };
    worker.postMessage("release?", [channel.port2]);
  });
  return reply && { release: reply.release, persistent };
}

/** Looks for a new release now (a kiosk does every ten minutes; the test calls it). */
export async function checkForRelease() {
  if (registration) await registration.update();
}

/** Lets a waiting release take over and reloads into it; false when none waits. */
function takeWaitingRelease(waiting) {
  if (!waiting) return false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    location.reload(); // (A replace with the same address and a hash would only scroll.)
  });
  waiting.postMessage("take-release");
  return true;
}

/**
 * At a page's start: a release cached since the last visit is taken now, before the app loads.
 * Resolves true when the page is about to reload into it (the caller loads nothing).
 */
export async function takeReleaseAtStart(enabled) {
  if (!enabled || !("serviceWorker" in navigator)) return false;
  const existing = await navigator.serviceWorker.getRegistration().catch(() => null);
  return takeWaitingRelease(existing && existing.active ? existing.waiting : null);
}

/** Registers the worker; on a kiosk also the release checks and persistent storage. */
export async function startOffline({ kiosk }) {
  if (!("serviceWorker" in navigator)) return;
  try {
    registration = await navigator.serviceWorker.register("sw.js", { updateViaCache: "none" });
  } catch (error) {
    console.warn(`offline: the service worker could not be registered: ${error}`);
    return;
  }
  if (!kiosk) return;
  if (navigator.storage && navigator.storage.persist) {
    persistent = await navigator.storage.persist().catch(() => false);
  }
  let taking = false;
  setInterval(() => {
    const between = document.documentElement.dataset.kioskStage === "attract";
    if (!taking && between) taking = takeWaitingRelease(registration.waiting);
  }, 1000);
  setInterval(() => checkForRelease().catch(() => {}), UPDATE_EVERY_MS);
}
