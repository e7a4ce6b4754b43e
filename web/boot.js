// Alatau Explorer boot loader: checks WebGL 2, streams and compiles the wasm behind a progress
// bar, defines `window.alatau`, and replaces the canvas with the error overlay on a panic, a crash
// or a lost graphics context, so a visitor never faces a frozen picture (a kiosk reloads itself
// from it, and its watchdog watches the frames: watchdog.js). Once the city is up it registers the
// offline service worker (offline.js). No data goes into the page as HTML: every string is set
// with textContent.

import { checkForRelease, offlineStatus, startOffline, takeReleaseAtStart } from "./offline.js";
import { meterFrames, recover, staffView, stopFrames, takeFrameTimes, watchKiosk } from "./watchdog.js";

const STRINGS = {
  en: {
    loading: "Loading the city…",
    preparing: "Preparing the 3D view…",
    errorTitle: "Something went wrong",
    crash: "The 3D view stopped unexpectedly.",
    contextLostTitle: "Graphics context lost",
    contextLost: "The browser took the 3D view's graphics away (a driver reset, or too many open tabs).",
    loadFailed: "The app could not be loaded.",
    reload: "Reload",
    reloadIn: "Reloading in {n} s…",
    noWebgl: "This browser cannot show the 3D city: WebGL 2 is not available.",
    canvas: "3D view of Alatau City",
    language: "Language",
  },
  ru: {
    loading: "Загрузка города…",
    preparing: "Подготовка 3D-вида…",
    errorTitle: "Что-то пошло не так",
    crash: "3D-вид неожиданно остановился.",
    contextLostTitle: "Графический контекст потерян",
    contextLost: "Браузер отключил графику 3D-вида (сброс драйвера или слишком много открытых вкладок).",
    loadFailed: "Не удалось загрузить приложение.",
    reload: "Перезагрузить",
    reloadIn: "Перезагрузка через {n} с…",
    noWebgl: "Этот браузер не может показать 3D-город: WebGL 2 недоступен.",
    canvas: "3D-вид города Алатау",
    language: "Язык",
  },
  kk: {
    loading: "Қала жүктелуде…",
    preparing: "3D көрініс дайындалуда…",
    errorTitle: "Қате орын алды",
    crash: "3D көрініс күтпеген жерден тоқтады.",
    contextLostTitle: "Графикалық контекст жоғалды",
    contextLost: "Браузер 3D көріністің графикасын өшірді (драйвер қайта іске қосылды немесе қойындылар тым көп).",
    loadFailed: "Қосымшаны жүктеу мүмкін болмады.",
    reload: "Қайта жүктеу",
    reloadIn: "{n} с кейін қайта жүктеледі…",
    noWebgl: "Бұл браузер 3D қаланы көрсете алмайды: WebGL 2 қолжетімсіз.",
    canvas: "Алатау қаласының 3D көрінісі",
    language: "Тіл",
  },
};

/** Seconds a kiosk waits on the error overlay before it reloads by itself. */
const KIOSK_RELOAD_S = 10;

const body = document.body;
const query = new URLSearchParams(location.search);
const kiosk = query.get("kiosk") === "1";
// Test and diagnostic hooks (`window.alatau.debug`) exist only with `?debug=1`, which the
// browser suite and the benchmark set; visitors never see them.
const debugHooks = query.get("debug") === "1";
if (debugHooks) document.documentElement.dataset.debug = "1";
// `?present=1`: this window is the presenter console of a tour (src/web/console.rs); it draws
// no city, so it needs no WebGL.
const presenting = query.get("present") === "1";
if (presenting) document.documentElement.dataset.present = "1";
const $ = (id) => document.getElementById(id);

/** Where the language choice is remembered between visits. */
const LANG_STORAGE_KEY = "alatau.lang";

function rememberedLang() {
  try {
    const stored = localStorage.getItem(LANG_STORAGE_KEY);
    return stored in STRINGS ? stored : null;
  } catch {
    return null; // Storage can be off (private mode, sandboxed frames): nothing is remembered.
  }
}

function rememberLang(code) {
  try {
    localStorage.setItem(LANG_STORAGE_KEY, code);
  } catch {
    // Not remembered; the URL hash still carries it.
  }
}

// A link names its language; otherwise the last choice is restored into the hash, which the app
// reads when it starts.
if (!/(?:^#|&)lang=/.test(location.hash) && rememberedLang()) {
  const rest = location.hash.replace(/^#/, "");
  history.replaceState(null, "", `#lang=${rememberedLang()}${rest ? `&${rest}` : ""}`);
}

function currentLang() {
  const fromHash = /(?:^#|&)lang=(en|ru|kk)(?:&|$)/.exec(location.hash);
  if (fromHash) return fromHash[1];
  const fromBrowser = (navigator.language || "en").slice(0, 2).toLowerCase();
  return fromBrowser in STRINGS ? fromBrowser : "en";
}

function t(key) {
  return (STRINGS[currentLang()] || STRINGS.en)[key] ?? STRINGS.en[key];
}

function localizeBootText() {
  document.documentElement.lang = currentLang();
  $("loading-text").textContent = t("loading");
  $("error-reload").textContent = t("reload");
  $("fallback-message").textContent = t("noWebgl");
  $("alatau-canvas").setAttribute("aria-label", t("canvas"));
  $("lang-label").textContent = t("language");
  $("lang-select").value = currentLang();
}

// The language switch: the app applies it (and keeps the hash); the choice is remembered.
$("lang-select").addEventListener("change", (event) => {
  const code = event.target.value;
  rememberLang(code);
  if (window.__alatauBridge && !failed) {
    window.alatau.setLang(code);
  } else {
    const rest = location.hash.replace(/^#/, "").split("&").filter((p) => p && !p.startsWith("lang="));
    history.replaceState(null, "", `#${[`lang=${code}`, ...rest].join("&")}`);
    localizeBootText();
  }
});

// ---- failure: one overlay, first cause wins --------------------------------------------------

let failed = false;
let resolveReady;
let rejectReady;
const ready = new Promise((resolve, reject) => {
  resolveReady = resolve;
  rejectReady = reject;
});
// Hosts that never await `ready` must not see an unhandled rejection.
ready.catch(() => {});

/** Shows the error overlay; on a kiosk it counts down and recovers, counting `cause`. */
function showError(title, message, cause) {
  if (failed) return;
  failed = true;
  $("loading").hidden = true;
  $("error-title").textContent = title;
  $("error-message").textContent = message;
  $("error-overlay").hidden = false;
  $("error-reload").focus();
  rejectReady(new Error(message));
  if (kiosk) startKioskCountdown(cause);
}

function startKioskCountdown(cause) {
  const note = $("error-countdown");
  let left = KIOSK_RELOAD_S;
  note.hidden = false;
  const tick = () => {
    note.textContent = t("reloadIn").replace("{n}", String(left));
    if (left-- <= 0) recover(cause);
    else setTimeout(tick, 1000);
  };
  tick();
}

$("error-reload").addEventListener("click", () => location.reload());

// A Rust panic: the message arrives before the wasm traps.
window.addEventListener("alatau-fatal", (event) => {
  showError(t("errorTitle"), `${t("crash")}\n\n${event.detail}`, "panic");
});
// The data snapshot was refused: the app says which file and why, in the visitor's language.
window.addEventListener("alatau-data-error", (event) => {
  showError(event.detail.title, event.detail.message, "data-error");
});
// Anything else uncaught (a trap, a JS error) also stops the frame loop.
window.addEventListener("error", (event) => {
  showError(t("errorTitle"), `${t("crash")}\n\n${event.message || event.error || "unknown error"}`, "error");
});
window.addEventListener("unhandledrejection", (event) => {
  showError(t("errorTitle"), `${t("crash")}\n\n${event.reason}`, "error");
});
$("alatau-canvas").addEventListener("webglcontextlost", () => {
  showError(t("contextLostTitle"), t("contextLost"), "context-lost");
});

// ---- window.alatau: the public API for embedding hosts and tests -----------------------------

let wasmExports = null;

function bridge(name) {
  const api = window.__alatauBridge;
  if (!api || failed) throw new Error(`alatau.${name}: the app is not running`);
  return api;
}

// Every animation frame (where the app's frame runs) is counted for the kiosk's watchdog; with
// `?debug=1` each is also timed on the main thread, for `cargo xtask bench`.
meterFrames(debugHooks);
let started = false;
const kioskWatch = kiosk
  ? watchKiosk({ query, debugHooks, isReady: () => started, memoryBytes: wasmMemoryBytes })
  : null;

function wasmMemoryBytes() {
  return wasmExports ? wasmExports.memory.buffer.byteLength : null;
}

const debug = Object.freeze({
  /** Main-thread milliseconds of each animation frame since the last call (and forgets them). */
  takeFrameTimes() {
    return takeFrameTimes();
  },
  /** Stops the frame loop, as a hung app would: a kiosk's watchdog reloads. */
  stopFrames() {
    stopFrames();
  },
  /** Sets a kiosk's wasm memory ceiling in bytes, as `memory=` does in MB. */
  setMemoryCeiling(bytes) {
    kioskWatch?.setMemoryCeiling(bytes);
  },
  /** Sets how long a kiosk's watchdog waits for a frame, as `stall=` does at load. */
  setStallSeconds(seconds) {
    kioskWatch?.setStallSeconds(seconds);
  },
  /** Looks for a new release of the site now (a kiosk does every ten minutes). */
  checkForRelease() {
    return checkForRelease();
  },
  /** The offline release the service worker serves: `{release, persistent}`, or null. */
  offlineStatus() {
    return offlineStatus();
  },
  /** Makes the app panic with `message`, to prove the error overlay. */
  panic(message) {
    bridge("debug.panic").debugPanic(String(message ?? "debug panic"));
  },
  /** A kiosk's soft reset now, as if its countdown had run out. */
  kioskReset() {
    bridge("debug.kioskReset").kioskReset();
  },
  /** Bytes of wasm linear memory now. */
  wasmMemoryBytes() {
    return wasmMemoryBytes();
  },
  /** The ground point `{x, z}` under a viewport point, after the next frame (or null). */
  groundAt(x, y) {
    const api = bridge("debug.groundAt");
    return new Promise((resolve) => api.groundAt(Number(x), Number(y), (json) => resolve(JSON.parse(json))));
  },
});

window.alatau = Object.freeze({
  /** Resolves after the first frame of the city; rejects if the app fails first. */
  ready,
  /** The app state as a plain object (selection, lang, tour, step, camera, frame, fps). */
  state() {
    const json = bridge("state").state();
    return json ? JSON.parse(json) : null;
  },
  /** Switches the language (`en`, `ru`, `kk`); false for anything else. */
  setLang(code) {
    return bridge("setLang").setLang(String(code));
  },
  /** Selects a record by id (a district, cluster zone or project) and flies to it; null clears. */
  select(id) {
    bridge("select").select(id == null ? null : String(id));
  },
  /** Shows the city at a year from 2024 to 2050 (null: the present); false for anything else. */
  setYear(year) {
    return bridge("setYear").setYear(year == null ? null : Number(year));
  },
  /** Flies to a record by id without selecting it. */
  flyTo(id) {
    bridge("flyTo").flyTo(String(id));
  },
  /** Starts the guided tour `id` (at `step` from 0), playing. */
  startTour(id, step) {
    bridge("startTour").startTour(String(id), step == null ? null : Number(step));
  },
  /** Ends the guided tour; the visitor explores from where the camera is. */
  stopTour() {
    bridge("stopTour").stopTour();
  },
  /** Flies back to the whole-city overview. */
  resetView() {
    bridge("resetView").resetView();
  },
  /** Diagnostics for the browser suite and the benchmark: only with `?debug=1`. */
  ...(debugHooks ? { debug } : {}),
});

// Start-up milestones from the app (first-frame, data, city-built), for `cargo xtask bench`.
window.addEventListener("alatau-milestone", (event) => {
  performance.mark(`alatau-${event.detail}`);
});

window.addEventListener("alatau-ready", () => {
  // Benchmarks read this mark: milliseconds from navigation to the first frame of the city.
  performance.mark("alatau-ready");
  started = true;
  $("loading").classList.add("done");
  setTimeout(() => { $("loading").hidden = true; }, 450);
  resolveReady();
});

// ---- loading ----------------------------------------------------------------------------------

function hasWebGl2() {
  const gl = document.createElement("canvas").getContext("webgl2");
  if (!gl) return false;
  // A software renderer (no GPU: SwiftShader, llvmpipe) gets the app's light settings.
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  const renderer = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : "";
  if (/swiftshader|llvmpipe|softpipe|software/i.test(renderer)) {
    document.documentElement.dataset.renderer = "software";
  }
  gl.getExtension("WEBGL_lose_context")?.loseContext();
  return true;
}

function setProgress(fraction) {
  const percent = Math.max(0, Math.min(100, Math.round(fraction * 100)));
  document.querySelector(".bar-fill").style.setProperty("width", `${percent}%`);
  document.querySelector(".bar").setAttribute("aria-valuenow", String(percent));
}

/** The same response, with a body that reports its progress as it streams into the compiler. */
function withProgress(response, expectedBytes) {
  if (!response.body || !expectedBytes) return response;
  let loaded = 0;
  const reader = response.body.getReader();
  const stream = new ReadableStream({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        setProgress(1);
        $("loading-text").textContent = t("preparing");
        controller.close();
        return;
      }
      loaded += value.byteLength;
      setProgress(loaded / expectedBytes);
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return new Response(stream, { headers: { "content-type": "application/wasm" } });
}

async function start() {
  localizeBootText();
  const wasmUrl = new URL(body.dataset.wasm, document.baseURI);
  const jsUrl = new URL(body.dataset.wasmJs, document.baseURI);
  // The downloads start first: they go on while the WebGL 2 check below creates its
  // throwaway context (tens of milliseconds with a software renderer).
  const loading = Promise.all([import(jsUrl.href), fetch(wasmUrl)]);
  loading.catch(() => {});
  if (!presenting && !hasWebGl2()) {
    // The data view: the app runs without a renderer and fills the panels and the table.
    document.documentElement.classList.add("data-view");
    $("loading").hidden = true;
    $("fallback").hidden = false;
    rejectReady(new Error("WebGL 2 is not available"));
  }
  try {
    const [bindings, response] = await loading;
    if (!response.ok) throw new Error(`${wasmUrl.pathname}: HTTP ${response.status}`);
    // The raw size comes from the page (a compressed transfer's Content-Length is smaller).
    const expected = Number(body.dataset.wasmBytes) || Number(response.headers.get("content-length")) || 0;
    wasmExports = await bindings.default({ module_or_path: withProgress(response, expected) });
    performance.mark("alatau-wasm-started");
  } catch (error) {
    showError(t("errorTitle"), `${t("loadFailed")}\n\n${error}`, "load-failed");
  }
}

// The staff view: `?diag=1` anywhere; on a kiosk also five taps in the top-left corner.
if (kiosk || query.get("diag") === "1") {
  staffView({
    query,
    lang: currentLang,
    about: () => {
      try {
        return window.alatau.state()?.about;
      } catch {
        return null;
      }
    },
    offline: offlineStatus,
    memoryBytes: wasmMemoryBytes,
  });
}

// Offline, once the city is up (or has failed): the suite and the benchmark opt in with `sw=1`.
const offline = !debugHooks || query.get("sw") === "1";
if (offline) ready.catch(() => {}).finally(() => startOffline({ kiosk }));

// A release cached since the last visit is taken before anything of the app loads.
// (Should the new release not take over within a few seconds, this page starts as it is.)
takeReleaseAtStart(offline).then((reloading) => {
  if (reloading) setTimeout(start, 5000);
  else start();
}, start);
