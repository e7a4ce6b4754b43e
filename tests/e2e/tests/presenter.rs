//! End-to-end: the presenter console and the audience's view, two real windows of the app
//! (same-origin frames of one page, each its own document, app and `BroadcastChannel`; frames,
//! not tabs, because a headless background tab draws no frames). The console starts a tour in the
//! audience's window, shows its caption, notes, next step and clocks; next, pause and the
//! audience's own keys keep both on the same step; the audience's view has no tour controls
//! while the console drives it; closing the console gives the audience its controls back, and
//! closing the audience leaves the console driving a tour of its own.

use std::collections::HashMap;
use std::time::Duration;

use alatau_e2e::browser::{BrowserOptions, Page};
use alatau_e2e::output_dir_from_env;
use alatau_e2e::server::SiteServer;
use alatau_e2e::site_dir_from_env;
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(90);
/// Long enough for a goodbye or, failing that, the peer's silence (`PEER_TIMEOUT_S`, 4 s).
const PEER_WAIT: Duration = Duration::from_secs(20);

/// The two windows side by side: the audience's (the explorer) and the presenter's console,
/// which `Windows::open` loads once the audience's app is ready.
const TWO_WINDOWS: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>Two windows</title>
<style>body { margin: 0; display: flex; gap: 8px; background: #333; } iframe { border: 0; height: 640px; }</style>
</head><body>
<iframe id="audience" src="/" width="720"></iframe>
<iframe id="presenter" width="880"></iframe>
</body></html>"#;

struct Windows {
    page: Page,
}

impl Windows {
    fn open(server: &SiteServer) -> Windows {
        let page = Page::open(
            &format!("{}two-windows.html", server.url()),
            &BrowserOptions {
                size: (1608, 640),
                ..BrowserOptions::default()
            },
        )
        .expect("open the two windows");
        let windows = Windows { page };
        // The audience's window first, then the console, as a presenter opens them. (Loaded
        // both at once on a busy machine, one window's app now and then waited for a landmark
        // model whose fetch never finished; not understood yet.)
        windows.wait_ready("audience");
        windows.eval("presenter", "(f.src = '/?present=1', true)");
        windows.wait_ready("presenter");
        windows
    }

    /// `expression` evaluated in frame `frame` (`w` is its window).
    fn eval(&self, frame: &str, expression: &str) -> Value {
        self.page
            .eval(&in_frame(frame, expression))
            .unwrap_or_else(|error| panic!("{frame}: {expression}: {error}"))
    }

    fn wait(&self, frame: &str, expression: &str, timeout: Duration, what: &str) {
        if let Err(error) = self.page.wait_for(&in_frame(frame, expression), timeout) {
            panic!(
                "{what} ({frame}: {expression}); {frame} state: {}; its document: {}; {error}",
                self.eval(frame, "w.alatau ? w.alatau.state() : null"),
                self.eval(
                    frame,
                    "w && { href: w.location.href, readyState: w.document.readyState, \
                       controlled: !!w.navigator.serviceWorker?.controller, \
                       resources: w.performance.getEntriesByType('resource') \
                         .map(r => `${r.name.replace(w.location.origin, '')} ${Math.round(r.duration)} ms`) }"
                )
            );
        }
    }

    fn wait_ready(&self, frame: &str) {
        self.wait(
            frame,
            "w && w.alatau && (w.__ready || (w.alatau.ready.then(() => w.__ready = true), false))",
            WAIT,
            "the app starts",
        );
    }

    fn state(&self, frame: &str) -> Value {
        self.eval(frame, "w.alatau.state()")
    }

    fn click(&self, frame: &str, selector: &str) {
        self.eval(
            frame,
            &format!("w.document.querySelector('{selector}').click()"),
        );
    }

    fn text(&self, frame: &str, test_id: &str) -> String {
        self.eval(
            frame,
            &format!("w.document.querySelector('[data-testid=\"{test_id}\"]').textContent"),
        )
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// Whether the element is drawn at all (`display: none` anywhere up its tree: not).
    fn shown(&self, frame: &str, selector: &str) -> bool {
        self.eval(
            frame,
            &format!(
                "(() => {{ const e = w.document.querySelector('{selector}'); \
                 return !!e && e.getClientRects().length > 0; }})()"
            ),
        ) == Value::Bool(true)
    }

    fn wait_both_on(&self, tour: &str, step: u64) {
        for frame in ["audience", "presenter"] {
            self.wait(
                frame,
                &format!("w.alatau.state().tour === '{tour}' && w.alatau.state().step === {step}"),
                WAIT,
                &format!("on step {step} of {tour}"),
            );
        }
    }

    fn close(&self, frame: &str) {
        self.page
            .eval(&format!("document.getElementById('{frame}').remove()"))
            .expect("close the frame");
    }

    fn reopen(&self, frame: &str, src: &str) {
        self.page
            .eval(&format!(
                "(() => {{ const f = document.createElement('iframe'); f.id = '{frame}'; \
                 f.src = '{src}'; f.width = '880'; document.body.append(f); }})()"
            ))
            .expect("open the frame again");
        self.wait_ready(frame);
    }
}

fn in_frame(frame: &str, expression: &str) -> String {
    format!(
        "(() => {{ const f = document.getElementById('{frame}'); \
         const w = f && f.contentWindow; return ({expression}); }})()"
    )
}

#[test]
fn the_console_drives_the_audience_and_either_window_alone_stays_usable() {
    let server = SiteServer::start_with_overrides(
        &site_dir_from_env(),
        "127.0.0.1",
        0,
        HashMap::from([(
            "/two-windows.html".to_owned(),
            TWO_WINDOWS.as_bytes().to_vec(),
        )]),
    )
    .expect("serve the built site");
    let started = std::time::Instant::now();
    let windows = Windows::open(&server);
    eprintln!("both windows ready after {:?}", started.elapsed());

    // They find each other: the console says so, the audience's view hides its tour menu.
    windows.wait(
        "presenter",
        "w.document.querySelector('[data-testid=\"console-peer\"]').dataset.connected === 'true'",
        PEER_WAIT,
        "the console sees the audience",
    );
    windows.wait(
        "audience",
        "w.document.documentElement.hasAttribute('data-presented')",
        PEER_WAIT,
        "the audience sees the console",
    );
    assert!(
        !windows.shown("audience", "#tours"),
        "no tour menu on the projector"
    );
    assert!(
        !windows.shown("presenter", "#tour-caption"),
        "the console shows no caption card of its own"
    );

    // The console starts a tour: it plays in the audience's window, and the console follows.
    windows.click("presenter", "[data-console-tour=\"corridor\"]");
    windows.wait_both_on("corridor", 0);
    let audience = windows.state("audience");
    assert_eq!(audience["playing"], true, "{audience}");
    assert_eq!(windows.text("presenter", "console-title"), "Alatau City");
    assert!(
        windows
            .text("presenter", "console-notes")
            .starts_with("Start wide"),
        "the step's notes: {}",
        windows.text("presenter", "console-notes")
    );
    assert_eq!(
        windows.text("presenter", "console-next-step"),
        "Next: Gate District"
    );
    assert_eq!(windows.text("audience", "tour-title"), "Alatau City");
    assert!(
        windows.shown("audience", "[data-testid=\"tour-caption\"]"),
        "the audience sees the caption"
    );
    assert!(
        !windows.shown("audience", "[data-testid=\"tour-next\"]"),
        "but not its controls"
    );

    // The clocks run: the wall clock, the step's time against its plan.
    windows.wait(
        "presenter",
        "/^Clock \\d\\d:\\d\\d:\\d\\d$/.test(w.document.getElementById('console-clock').textContent)",
        WAIT,
        "the wall clock",
    );
    windows.wait(
        "presenter",
        "/^Step 0:0[1-9] of \\d+:\\d\\d$/.test(w.document.getElementById('console-step-time').textContent)",
        WAIT,
        "the step's time runs",
    );
    let tour_time = windows.eval(
        "presenter",
        "w.document.getElementById('console-tour-time').textContent",
    );
    assert!(
        tour_time
            .as_str()
            .is_some_and(|text| text.starts_with("Tour 0:") && text.contains(" of ")),
        "{tour_time}"
    );

    eprintln!("the tour runs after {:?}", started.elapsed());
    // Pause from the console pauses the audience's tour (and keeps the steps below from
    // racing its clock).
    windows.click("presenter", "[data-testid=\"console-play\"]");
    for frame in ["audience", "presenter"] {
        windows.wait(frame, "w.alatau.state().playing === false", WAIT, "paused");
    }

    // Next from the console; Next from the audience's own keys (a clicker on the projector).
    windows.click("presenter", "[data-testid=\"console-next\"]");
    windows.wait_both_on("corridor", 1);
    windows.wait(
        "presenter",
        "w.document.querySelector('[data-testid=\"console-title\"]').textContent === 'Gate District'",
        WAIT,
        "the console shows step 2",
    );
    windows.eval(
        "audience",
        "w.document.dispatchEvent(new w.KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }))",
    );
    windows.wait_both_on("corridor", 2);
    std::fs::write(
        output_dir_from_env().join("presenter-console.png"),
        windows.page.screenshot().expect("screenshot"),
    )
    .expect("save the screenshot");

    eprintln!("paused after {:?}", started.elapsed());
    // The console closes: the audience's window has its controls back and plays alone.
    windows.close("presenter");
    windows.wait(
        "audience",
        "!w.document.documentElement.hasAttribute('data-presented')",
        PEER_WAIT,
        "the audience's controls come back",
    );
    assert!(windows.shown("audience", "[data-testid=\"tour-next\"]"));
    windows.click("audience", "[data-testid=\"tour-next\"]");
    windows.wait(
        "audience",
        "w.alatau.state().step === 3",
        WAIT,
        "the audience steps on alone",
    );

    // A new console catches up with the audience; then the audience closes, and the console
    // plays the tour itself.
    eprintln!("the audience alone after {:?}", started.elapsed());
    windows.reopen("presenter", "/?present=1");
    windows.wait_both_on("corridor", 3);
    eprintln!("the console back after {:?}", started.elapsed());
    windows.close("audience");
    windows.wait(
        "presenter",
        "w.document.querySelector('[data-testid=\"console-peer\"]').dataset.connected === 'false'",
        PEER_WAIT,
        "the console sees the audience go",
    );
    windows.click("presenter", "[data-testid=\"console-next\"]");
    windows.wait(
        "presenter",
        "w.alatau.state().step === 4",
        WAIT,
        "the console steps on alone",
    );
}
