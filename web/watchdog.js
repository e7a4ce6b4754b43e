// The kiosk's watchdog and staff view, in the page outside the wasm, so that they outlive a
// trap in it. Every animation frame is counted (the app draws in them); on a kiosk (`?kiosk=1`)
// the page reloads itself when the frames stop for 30 s, when the app has not started after
// five minutes, and when the wasm memory passes its ceiling (`memory=<MB>`, default 512) while
// the attract loop plays, that is between visitors. (A panic and a lost graphics context reach
// the error overlay, whose countdown reloads a kiosk: boot.js.) Every recovery is counted in
// localStorage across reloads with its cause, and the staff view (`?diag=1`, or five taps in
// the top-left corner within six seconds) shows them with the uptime, the memory, the frame
// rate, the app's version, the data's date and the offline release. Text goes in as text only.

const STRINGS = {
  en: {
    title: "Staff view",
    uptime: "Up for",
    since: "Running since",
    recoveries: "Recoveries",
    none: "none",
    latest: "Latest",
    memory: "Memory",
    wasm: "wasm",
    heap: "JS heap",
    frameRate: "Frame rate",
    version: "App version",
    data: "Data as of",
    release: "Offline release",
    notOffline: "not cached",
    storage: "Persistent storage",
    yes: "yes",
    no: "no",
    close: "Close",
    "frames-stopped": "frames stopped",
    "start-timeout": "did not start",
    memoryCause: "memory ceiling",
    panic: "panic",
    "context-lost": "graphics context lost",
    error: "script error",
    "load-failed": "load failed",
    "data-error": "data refused",
    "new-release": "new release",
  },
  ru: {
    title: "Служебный вид",
    uptime: "Работает",
    since: "Запущен с",
    recoveries: "Восстановления",
    none: "нет",
    latest: "Последние",
    memory: "Память",
    wasm: "wasm",
    heap: "JS-куча",
    frameRate: "Частота кадров",
    version: "Версия приложения",
    data: "Данные на",
    release: "Офлайн-выпуск",
    notOffline: "не сохранён",
    storage: "Постоянное хранилище",
    yes: "да",
    no: "нет",
    close: "Закрыть",
    "frames-stopped": "кадры остановились",
    "start-timeout": "не запустилось",
    memoryCause: "предел памяти",
    panic: "паника",
    "context-lost": "потерян графический контекст",
    error: "ошибка скрипта",
    "load-failed": "не загрузилось",
    "data-error": "данные отклонены",
    "new-release": "новый выпуск",
  },
  kk: {
    title: "Қызметкер көрінісі",
    uptime: "Жұмыс уақыты",
    since: "Іске қосылған уақыты",
    recoveries: "Қалпына келтірулер",
    none: "жоқ",
    latest: "Соңғылары",
    memory: "Жад",
    wasm: "wasm",
    heap: "JS үйіндісі",
    frameRate: "Кадр жиілігі",
    version: "Қосымша нұсқасы",
    data: "Деректер күні",
    release: "Офлайн шығарылым",
    notOffline: "сақталмаған",
    storage: "Тұрақты жад",
    yes: "иә",
    no: "жоқ",
    close: "Жабу",
    "frames-stopped": "кадрлар тоқтады",
    "start-timeout": "іске қосылмады",
    memoryCause: "жад шегі",
    panic: "апат",
    "context-lost": "графикалық контекст жоғалды",
    error: "скрипт қатесі",
    "load-failed": "жүктелмеді",
    "data-error": "деректер қабылданбады",
    "new-release": "жаңа шығарылым",
  },
};

/** Seconds without a frame before a kiosk reloads (`stall=` overrides it with `debug=1`). */
const STALL_S = 30;
/** Seconds a kiosk waits for the app to start before it reloads. */
const START_LIMIT_S = 300;
/** The wasm memory ceiling in MB by default, and the range `memory=` may set. */
const MEMORY_CEILING_MB = 512;
const MEMORY_RANGE_MB = [64, 16384];
/** Where recoveries are counted across reloads, and how many recent ones are kept. */
const RECOVERIES_KEY = "alatau.kiosk.recoveries";
const RECENT_KEPT = 12;
/** The staff view's corner (CSS px), taps and the time they must fall in. */
const CORNER_PX = 64;
const CORNER_TAPS = 5;
const CORNER_WINDOW_MS = 6000;

// ---- frames: counted always, timed with `?debug=1` (cargo xtask bench) -----------------------

const frames = { last: performance.now(), count: 0, stopped: false, times: [] };
const FRAME_TIMES_KEPT = 4000;

/** Wraps requestAnimationFrame to count frames (and time each with `timeEach`). */
export function meterFrames(timeEach) {
  const request = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (callback) =>
    request((timestamp) => {
      // `debug.stopFrames()`: the frame is dropped, and with it the app's loop, as a hung one.
      if (frames.stopped) return;
      frames.last = performance.now();
      frames.count += 1;
      if (!timeEach) {
        callback(timestamp);
        return;
      }
      const start = performance.now();
      try {
        callback(timestamp);
      } finally {
        frames.times.push(performance.now() - start);
        if (frames.times.length > FRAME_TIMES_KEPT) frames.times.shift();
      }
    });
}

/** Main-thread milliseconds of each frame since the last call (`?debug=1` only). */
export function takeFrameTimes() {
  return frames.times.splice(0, frames.times.length);
}

/** Stops the frame loop, for the watchdog's test. */
export function stopFrames() {
  frames.stopped = true;
}

// ---- recoveries, counted across reloads ---------------------------------------------------------

export function readRecoveries() {
  try {
    const stored = JSON.parse(localStorage.getItem(RECOVERIES_KEY) || "null");
    if (stored && Number.isInteger(stored.total) && Array.isArray(stored.recent)) return stored;
  } catch {
    // Unreadable: counted from zero again.
  }
  return { total: 0, causes: {}, recent: [], since: new Date().toISOString() };
}

function writeRecoveries(recoveries) {
  try {
    localStorage.setItem(RECOVERIES_KEY, JSON.stringify(recoveries));
  } catch {
    // Storage off: the reload still happens, uncounted.
  }
}

/** Counts a recovery for `cause` and reloads the kiosk from its start (the URL without hash). */
export function recover(cause) {
  const recoveries = readRecoveries();
  recoveries.total += 1;
  recoveries.causes[cause] = (recoveries.causes[cause] || 0) + 1;
  recoveries.recent.unshift({ cause, at: new Date().toISOString() });
  recoveries.recent.length = Math.min(recoveries.recent.length, RECENT_KEPT);
  writeRecoveries(recoveries);
  console.warn(`kiosk: recovering (${cause}): reloading`);
  location.replace(location.pathname + location.search);
}

// ---- the watchdog ---------------------------------------------------------------------------------

function memoryCeilingBytes(query) {
  const given = query.get("memory");
  if (given === null) return MEMORY_CEILING_MB * 1e6;
  const mb = Number(given);
  if (Number.isFinite(mb) && mb >= MEMORY_RANGE_MB[0] && mb <= MEMORY_RANGE_MB[1]) return mb * 1e6;
  console.warn(
    `kiosk: memory=${given} is not a number of MB from ${MEMORY_RANGE_MB[0]} to ${MEMORY_RANGE_MB[1]}: the ceiling is ${MEMORY_CEILING_MB} MB`,
  );
  return MEMORY_CEILING_MB * 1e6;
}

function stallSeconds(query, debugHooks) {
  const given = Number(query.get("stall"));
  return debugHooks && Number.isFinite(given) && given > 0 ? given : STALL_S;
}

/**
 * Watches a kiosk: `isReady()` says the city is up, `memoryBytes()` the wasm memory now.
 * Returns `setMemoryCeiling(bytes)` and `setStallSeconds(s)`, for the tests.
 */
export function watchKiosk({ query, debugHooks, isReady, memoryBytes }) {
  let stallMs = stallSeconds(query, debugHooks) * 1000;
  let ceiling = memoryCeilingBytes(query);
  const loadedAt = performance.now();
  let warnedCeiling = false;
  // A ceiling below a fresh load's memory would reload forever: for the first minute it only
  // warns (a ceiling set at run time, by the test, applies at once).
  let graceUntil = loadedAt + 60_000;
  writeRecoveries(readRecoveries()); // The kiosk's first start is "running since".
  setInterval(() => {
    const now = performance.now();
    // The data view (no WebGL 2) draws no frames and never gets "ready": nothing to watch.
    if (document.documentElement.classList.contains("data-view")) return;
    if (document.hidden) {
      frames.last = now; // A hidden page gets no frames, rightly.
      return;
    }
    if (!isReady()) {
      if (now - loadedAt > START_LIMIT_S * 1000 && !document.querySelector("#error-overlay:not([hidden])")) {
        recover("start-timeout");
      }
      return;
    }
    if (now - frames.last > stallMs) {
      recover("frames-stopped");
      return;
    }
    const bytes = memoryBytes();
    if (bytes && bytes > ceiling && document.documentElement.dataset.kioskStage === "attract") {
      if (now < graceUntil) {
        if (!warnedCeiling) console.warn(`kiosk: the memory ceiling ${ceiling} B is below a fresh load's ${bytes} B`);
        warnedCeiling = true;
        return;
      }
      recover("memory");
    }
  }, 1000);
  return {
    setMemoryCeiling(bytes) {
      ceiling = Number(bytes);
      graceUntil = 0;
    },
    setStallSeconds(seconds) {
      if (Number(seconds) > 0) stallMs = Number(seconds) * 1000;
    },
  };
}

// ---- the staff view ---------------------------------------------------------------------------

function formatDuration(seconds) {
  const s = Math.floor(seconds);
  const parts = [Math.floor(s / 86400), Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60, s % 60];
  const [days, ...clock] = parts;
  const hms = clock.map((n) => String(n).padStart(2, "0")).join(":");
  return days ? `${days} d ${hms}` : hms;
}

function megabytes(bytes) {
  return bytes == null ? "—" : `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * The staff view: opened by `?diag=1` or five taps in the top-left corner. `about()` gives
 * `{version, data}`, `offline()` a promise of `{release, persistent}`, `lang()` the language.
 */
export function staffView({ query, lang, about, offline, memoryBytes }) {
  const panel = document.getElementById("staff-view");
  if (!panel) return;
  let timer = null;
  let taps = [];
  const fps = { count: frames.count, at: performance.now(), rate: null };
  const strings = () => STRINGS[lang()] || STRINGS.en;

  const row = (list, label, value, testId) => {
    const term = document.createElement("dt");
    term.textContent = label;
    const detail = document.createElement("dd");
    detail.textContent = value;
    if (testId) detail.dataset.testid = testId;
    list.append(term, detail);
    return detail;
  };

  const render = async () => {
    const s = strings();
    const now = performance.now();
    if (now - fps.at >= 900) {
      fps.rate = ((frames.count - fps.count) * 1000) / (now - fps.at);
      fps.count = frames.count;
      fps.at = now;
    }
    const recoveries = readRecoveries();
    const info = about() || {};
    const release = await offline().catch(() => null);
    const heap = performance.memory ? performance.memory.usedJSHeapSize : null;
    const title = document.createElement("h2");
    title.id = "staff-view-title";
    title.textContent = s.title;
    const list = document.createElement("dl");
    row(list, s.uptime, formatDuration(now / 1000));
    row(list, s.since, new Date(recoveries.since).toLocaleString(lang()));
    const count = row(list, s.recoveries, String(recoveries.total), "staff-recoveries");
    count.dataset.count = String(recoveries.total);
    const causes = recoveries.recent.map((r) => {
      const name = r.cause === "memory" ? s.memoryCause : s[r.cause] || r.cause;
      return `${new Date(r.at).toLocaleString(lang())}: ${name}`;
    });
    const causeList = row(list, s.latest, "", "staff-causes");
    for (const line of causes.length ? causes : [s.none]) {
      const item = document.createElement("div");
      item.textContent = line;
      causeList.append(item);
    }
    causeList.dataset.causes = recoveries.recent.map((r) => r.cause).join(",");
    row(list, s.memory, `${s.wasm} ${megabytes(memoryBytes())} · ${s.heap} ${megabytes(heap)}`, "staff-memory");
    row(list, s.frameRate, fps.rate == null ? "—" : `${fps.rate.toFixed(1)} fps`, "staff-fps");
    row(list, s.version, info.version || "—", "staff-version");
    row(list, s.data, info.data || "—", "staff-data");
    row(list, s.release, release && release.release ? release.release : s.notOffline, "staff-release");
    row(list, s.storage, release && release.persistent ? s.yes : s.no);
    const close = document.createElement("button");
    close.type = "button";
    close.dataset.testid = "staff-close";
    close.textContent = s.close;
    close.addEventListener("click", hide);
    panel.replaceChildren(title, list, close);
  };

  function show() {
    panel.hidden = false;
    render();
    if (!timer) timer = setInterval(render, 1000);
  }

  function hide() {
    panel.hidden = true;
    clearInterval(timer);
    timer = null;
  }

  window.addEventListener(
    "pointerdown",
    (event) => {
      if (event.clientX > CORNER_PX || event.clientY > CORNER_PX) return;
      const now = performance.now();
      taps = taps.filter((at) => now - at < CORNER_WINDOW_MS);
      taps.push(now);
      if (taps.length >= CORNER_TAPS) {
        taps = [];
        show();
      }
    },
    { capture: true },
  );
  if (query.get("diag") === "1") show();
}
