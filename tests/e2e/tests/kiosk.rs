//! End-to-end: the kiosk's idle policy on one page (`?kiosk=1&idle=3`: a short idle keeps it
//! quick). It starts in its attract loop (the playlist's first tour, "Touch to explore" in three
//! languages, no toolbar); a touch returns to exploring at the start view, which equals a fresh
//! load's; idle brings "Still there?" and a touch dismisses it; idle again and the countdown
//! bring a soft reset into the attract loop; the next visitor finds nothing of the last one; 30
//! resets in a row leave no page elements or memory behind; a malformed parameter is a warning.

use std::time::Duration;

use alatau_e2e::browser::{BrowserOptions, Page};
use alatau_e2e::server::SiteServer;
use alatau_e2e::{open_ready, output_dir_from_env, site_dir_from_env};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(90);
/// The idle the URL sets, and enough for it plus the 20 s countdown on a slow renderer.
const IDLE_S: u64 = 4;
const RESET_WAIT: Duration = Duration::from_secs(90);
const SIZE: (u32, u32) = (640, 400);

fn open(server: &SiteServer, query: &str) -> Page {
    open_ready(
        server,
        &format!("?debug=1{query}"),
        &BrowserOptions {
            size: SIZE,
            ..BrowserOptions::default()
        },
    )
}

fn state(page: &Page) -> Value {
    page.state().expect("state")
}

fn wait(page: &Page, expression: &str, timeout: Duration, what: &str) {
    if let Err(error) = page.wait_for(expression, timeout) {
        panic!("{what}: {error}; state: {}", state(page));
    }
}

/// A finger on the right of the view, off again: on the canvas (the attract loop's labels take
/// no touches; the caption is at the bottom, the prompt at the top).
fn touch_the_view(page: &Page) {
    let (x, y) = (f64::from(SIZE.0) * 0.9, f64::from(SIZE.1) * 0.45);
    // Held across a frame or two of a slow software renderer, as a real finger is.
    page.tap(x, y, Duration::from_millis(700)).expect("touch");
}

/// The parts of `state()` a visitor leaves behind, and the camera at rest.
fn start_view(page: &Page) -> Value {
    wait(
        page,
        "(() => { const c = JSON.stringify(window.alatau.state().camera); \
           const still = window.__lastCamera === c; window.__lastCamera = c; return still; })()",
        WAIT,
        "the camera comes to rest",
    );
    let now = state(page);
    let mut view = serde_json::json!({});
    for key in [
        "lang",
        "selection",
        "filter",
        "layers",
        "relief",
        "tour",
        "step",
        "camera",
    ] {
        view[key] = now[key].clone();
    }
    view
}

/// Starts noting, on every animation frame, the kiosk stage, the selection, whether the
/// "Still there?" card shows and the tour, into `window.__kioskSeen` (one entry per change).
/// Exploring lasts only the short idle before the next question: with the record, a slow poll
/// cannot miss it.
fn record_stages(page: &Page) {
    page.eval(
        "(() => { window.__kioskSeen = []; let last = ''; \
           const generation = window.__kioskRecorder = (window.__kioskRecorder || 0) + 1; \
           const note = () => { if (generation !== window.__kioskRecorder) return; \
             const s = window.alatau.state(); \
             const card = document.querySelector('[data-testid=\"still-there\"]'); \
             const entry = [s.kiosk.stage, s.selection, !!card && !card.hidden \
               && card.getClientRects().length > 0, s.tour]; \
             const key = JSON.stringify(entry); \
             if (key !== last) { last = key; window.__kioskSeen.push(entry); } \
             requestAnimationFrame(note); }; \
           note(); return true; })()",
    )
    .expect("record the stages");
}

fn page_elements(page: &Page) -> u64 {
    page.eval("document.getElementsByTagName('*').length")
        .expect("elements")
        .as_u64()
        .unwrap_or(0)
}

#[test]
fn idle_asks_resets_into_the_attract_loop_and_a_touch_explores_from_the_start() {
    let server =
        SiteServer::start(&site_dir_from_env(), "127.0.0.1", 0).expect("serve the built site");
    // What a fresh load shows, from a page that is no kiosk.
    let fresh = {
        let page = open(&server, "");
        start_view(&page)
    };

    let page = open(
        &server,
        &format!("&kiosk=1&idle={IDLE_S}&tours=gate-and-golden,corridor&langs=en,ru&share=nope"),
    );
    assert!(
        page.console()
            .iter()
            .any(|entry| entry.kind == "warning" && entry.text.contains("share=nope")),
        "a malformed parameter is a console warning"
    );

    // The attract loop: the playlist's first tour, the prompt, no toolbar.
    wait(
        &page,
        "window.alatau.state().kiosk.stage === 'attract' && window.alatau.state().tour === 'gate-and-golden'",
        WAIT,
        "the attract loop plays",
    );
    assert!(page.is_visible("attract-prompt").expect("prompt"));
    let prompt = page.text_of("attract-prompt").expect("prompt text");
    for words in ["Touch to explore", "Коснитесь", "түртіңіз"] {
        assert!(prompt.contains(words), "{words} in {prompt}");
    }
    assert!(
        !page.is_visible("share").expect("toolbar"),
        "no toolbar in the loop"
    );
    std::fs::write(
        output_dir_from_env().join("kiosk-attract.png"),
        page.screenshot().expect("screenshot"),
    )
    .expect("save the screenshot");

    // A touch: exploring, from the start view a fresh load shows.
    record_stages(&page);
    touch_the_view(&page);
    wait(
        &page,
        "window.__kioskSeen.some(([stage, , , tour]) => stage === 'exploring' && tour === null)",
        WAIT,
        "a touch ends the loop",
    );
    assert!(!page.is_visible("attract-prompt").expect("prompt"));
    assert_eq!(start_view(&page), fresh, "the start view is a fresh load's");
    let elements = page_elements(&page);

    // A visitor leaves traces: a record, a language, search text, the tour list.
    page.eval("(window.alatau.select('iconic-complex'), window.alatau.setLang('ru'))")
        .expect("choose");
    page.eval(
        "(() => { const i = document.getElementById('search-input'); i.value = 'KAIST'; \
           document.getElementById('tours').click(); })()",
    )
    .expect("type and open");
    wait(
        &page,
        "window.alatau.state().lang === 'ru' && window.alatau.state().selection === 'iconic-complex'",
        WAIT,
        "the visitor's choices apply",
    );

    // Idle: "Still there?", and a touch dismisses it.
    wait(
        &page,
        "window.alatau.state().kiosk.stage === 'still-there'",
        WAIT,
        "idle asks",
    );
    assert!(page.is_visible("still-there").expect("card"));
    // The API calls are no activity, so on a slow renderer the question may come before the
    // frame that applies the language: the card follows it.
    wait(
        &page,
        "document.querySelector('[data-testid=\"still-there-count\"]')?.textContent \
           .includes('Начнём заново')",
        WAIT,
        "the card speaks the visitor's language",
    );
    record_stages(&page);
    touch_the_view(&page);
    wait(
        &page,
        "window.__kioskSeen.some(([stage, selection, card]) => stage === 'exploring' \
           && selection === 'iconic-complex' && !card)",
        WAIT,
        "a touch dismisses it: exploring on, with the selection and without the card",
    );

    // Idle again, the countdown runs out: the soft reset and the attract loop.
    wait(
        &page,
        "window.alatau.state().kiosk.stage === 'still-there'",
        WAIT,
        "idle asks again",
    );
    wait(
        &page,
        "window.alatau.state().kiosk.stage === 'attract' && window.alatau.state().kiosk.resets === 1",
        RESET_WAIT,
        "the countdown resets the kiosk",
    );
    assert_eq!(
        page.eval("document.getElementById('search-input').value")
            .expect("search"),
        "",
        "no search text"
    );
    assert!(!page.is_visible("tour-list").expect("list"), "no open menu");
    wait(
        &page,
        "window.alatau.state().tour === 'gate-and-golden'",
        WAIT,
        "the loop starts over",
    );

    // 30 resets in a row leave nothing behind.
    let memory = page
        .eval("window.alatau.debug.wasmMemoryBytes()")
        .expect("memory")
        .as_f64()
        .unwrap_or(0.0);
    for reset in 2..=31 {
        page.eval("window.alatau.debug.kioskReset()")
            .expect("reset");
        wait(
            &page,
            &format!("window.alatau.state().kiosk.resets === {reset}"),
            WAIT,
            "a reset",
        );
    }
    wait(
        &page,
        "window.alatau.state().tour === 'gate-and-golden'",
        WAIT,
        "the loop plays after the resets",
    );
    let memory_after = page
        .eval("window.alatau.debug.wasmMemoryBytes()")
        .expect("memory")
        .as_f64()
        .unwrap_or(0.0);
    assert!(
        memory_after <= memory * 1.05,
        "wasm memory before and after 30 resets: {memory}, {memory_after}"
    );

    // The next visitor: nothing of the last one, the start view of a fresh load.
    record_stages(&page);
    touch_the_view(&page);
    wait(
        &page,
        "window.__kioskSeen.some(([stage, , , tour]) => stage === 'exploring' && tour === null)",
        WAIT,
        "the next visitor",
    );
    assert_eq!(
        start_view(&page),
        fresh,
        "after the resets, a fresh load's view"
    );
    let after = page_elements(&page);
    assert!(
        after.abs_diff(elements) <= 2,
        "page elements at the start view before and after 30 resets: {elements}, {after}"
    );
}
