//! End-to-end: exploring by selection. A link with `select=` opens the info panel on that
//! record, `window.alatau.select` updates `state()` and the URL, the close button and Escape
//! clear the selection, and a link naming no record selects nothing (with a warning). The app
//! writes the hash when the page is idle, and a link followed before that wins.

use std::time::Duration;

use alatau_e2e::browser::{BrowserOptions, Page};
use alatau_e2e::server::SiteServer;
use alatau_e2e::{open_ready, site_dir_from_env};

const WAIT: Duration = Duration::from_secs(60);

fn open(server: &SiteServer, hash: &str) -> Page {
    open_ready(server, hash, &BrowserOptions::default())
}

fn panel_shows(page: &Page, needle: &str) {
    page.wait_for(
        &format!(
            "(() => {{ const p = document.querySelector('[data-testid=\"info-panel\"]'); \
               return !!p && !p.hidden && p.textContent.includes({needle:?}); }})()"
        ),
        WAIT,
    )
    .unwrap_or_else(|e| panic!("the info panel shows {needle:?}: {e}"));
}

#[test]
fn a_select_link_opens_the_iconic_complex_with_its_272_m_tower() {
    let server = SiteServer::start(&site_dir_from_env(), "127.0.0.1", 0).expect("serve");
    let page = open(&server, "#select=iconic-complex");
    panel_shows(&page, "272\u{a0}m");
    panel_shows(&page, "Iconic Complex");
    panel_shows(&page, "not disclosed");
    assert_eq!(page.state().expect("state")["selection"], "iconic-complex");
    // The camera flies to it: its target comes close to the tower's position.
    page.wait_for(
        "(() => { const c = window.alatau.state().camera; \
           return Math.hypot(c.x + 9919, c.z - 27665) < 300 && c.distance < 3000; })()",
        WAIT,
    )
    .expect("the camera flies to the Iconic Complex");
    assert!(
        page.console_errors().is_empty(),
        "{:#?}",
        page.console_errors()
    );
}

#[test]
fn the_api_selects_updates_state_and_the_url_and_the_panel_closes() {
    let server = SiteServer::start(&site_dir_from_env(), "127.0.0.1", 0).expect("serve");
    let page = open(&server, "#lang=ru");
    page.eval("window.alatau.select('kaist-kazakhstan')")
        .expect("select");
    page.wait_for(
        "window.alatau.state().selection === 'kaist-kazakhstan'",
        WAIT,
    )
    .expect("state() follows select()");
    page.wait_for("location.hash.includes('select=kaist-kazakhstan')", WAIT)
        .expect("the URL follows the selection");
    panel_shows(&page, "KAIST");
    panel_shows(&page, "не раскрывается");

    page.eval("document.querySelector('[data-testid=\"info-close\"]').click()")
        .expect("close");
    page.wait_for("window.alatau.state().selection === null", WAIT)
        .expect("the close button clears the selection");
    assert!(
        !page.is_visible("info-panel").expect("panel"),
        "the panel hides"
    );
    page.wait_for("!location.hash.includes('select=')", WAIT)
        .expect("the URL drops the selection");

    // Escape clears it too (the canvas has the keyboard).
    page.eval("window.alatau.select('gate-district')")
        .expect("select");
    panel_shows(&page, "4\u{a0}000\u{a0}га");
    page.eval("document.querySelector('canvas').focus()")
        .expect("focus");
    page.tab().press_key("Escape").expect("press Escape");
    page.wait_for("window.alatau.state().selection === null", WAIT)
        .expect("Escape clears the selection");
    assert!(
        page.console_errors().is_empty(),
        "{:#?}",
        page.console_errors()
    );
}

#[test]
fn a_link_naming_no_record_selects_nothing_and_warns() {
    let server = SiteServer::start(&site_dir_from_env(), "127.0.0.1", 0).expect("serve");
    let page = open(&server, "#select=atlantis");
    page.wait_for(
        "window.alatau.state().frame > 10 && window.alatau.state().selection === null",
        WAIT,
    )
    .expect("no selection");
    assert!(!page.is_visible("info-panel").expect("panel"));
    let warned = page
        .console()
        .iter()
        .any(|entry| entry.text.contains("no record `atlantis`"));
    assert!(warned, "a console warning names the bad id");
}

#[test]
fn the_language_switch_translates_the_page_and_is_remembered() {
    let server = SiteServer::start(&site_dir_from_env(), "127.0.0.1", 0).expect("serve");
    let page = open(&server, "");
    page.eval(
        "(() => { const s = document.querySelector('[data-testid=\"lang-select\"]'); \
           s.value = 'kk'; s.dispatchEvent(new Event('change')); return true; })()",
    )
    .expect("choose Kazakh");
    page.wait_for("window.alatau.state().lang === 'kk'", WAIT)
        .expect("the app follows the switch");
    page.wait_for("location.hash.includes('lang=kk')", WAIT)
        .expect("the hash carries the language");
    page.wait_for(
        "document.querySelector('[data-testid=\"portfolio\"]').textContent.includes('Инвестициялық портфель')",
        WAIT,
    )
    .expect("the portfolio is in Kazakh");
    assert_eq!(
        page.eval("document.getElementById('lang-label').textContent")
            .expect("label"),
        "Тіл"
    );

    // A new visit without a language in the link comes back in Kazakh.
    page.tab()
        .navigate_to(&server.url())
        .and_then(|tab| tab.wait_until_navigated())
        .expect("open the site again");
    page.wait_ready().expect("ready again");
    page.wait_for("window.alatau.state().lang === 'kk'", WAIT)
        .expect("the choice is remembered");
    assert_eq!(
        page.eval("document.querySelector('[data-testid=\"lang-select\"]').value")
            .expect("switch"),
        "kk"
    );
    assert!(
        page.console_errors().is_empty(),
        "{:#?}",
        page.console_errors()
    );
}

/// Runs before the page's own scripts: while `window.__holdIdle` is set, idle callbacks wait in
/// `window.__heldIdle` until the test runs them.
const HOLD_IDLE_CALLBACKS: &str = "window.__heldIdle = []; window.__holdIdle = false; \
    const requestIdle = window.requestIdleCallback.bind(window); \
    window.requestIdleCallback = (callback, options) => window.__holdIdle \
      ? window.__heldIdle.push(callback) : requestIdle(callback, options);";

#[test]
fn the_hash_is_written_when_the_page_is_idle_and_a_link_followed_meanwhile_wins() {
    let server = SiteServer::start(&site_dir_from_env(), "127.0.0.1", 0).expect("serve");
    let page = open_ready(
        &server,
        "",
        &BrowserOptions {
            before_page_script: Some(HOLD_IDLE_CALLBACKS.into()),
            ..BrowserOptions::default()
        },
    );
    page.eval("window.__holdIdle = true").expect("hold");
    page.eval("window.alatau.select('kaist-kazakhstan')")
        .expect("select");
    // The frame asks for idle time to write the hash; until it gets it, the hash waits.
    page.wait_for("window.__heldIdle.length > 0", WAIT)
        .expect("the hash's write waits for idle time");
    page.wait_for(
        "window.alatau.state().selection === 'kaist-kazakhstan'",
        WAIT,
    )
    .expect("selected");
    assert_eq!(
        page.eval("location.hash.includes('select=kaist-kazakhstan')")
            .expect("hash"),
        false,
        "written in the frame, not when idle"
    );
    // A link followed now wins over the write still waiting: once the `hashchange` has been
    // handled, the held write writes nothing.
    let hash = page
        .eval(
            "new Promise(resolve => { \
               addEventListener('hashchange', () => { \
                 window.__heldIdle.splice(0).forEach(callback => callback()); \
                 resolve(location.hash); }, { once: true }); \
               location.hash = '#select=gate-district'; })",
        )
        .expect("follow a link");
    assert_eq!(hash, "#select=gate-district");
    page.wait_for("window.alatau.state().selection === 'gate-district'", WAIT)
        .expect("the link's selection applies");
    // Idle time given again, the hash follows the app's state.
    page.eval(
        "(window.__holdIdle = false, window.__heldIdle.splice(0).forEach(callback => callback()), true)",
    )
    .expect("release");
    page.eval("window.alatau.select('iconic-complex')")
        .expect("select");
    page.wait_for("location.hash.includes('select=iconic-complex')", WAIT)
        .expect("the URL follows the selection");
    assert!(
        page.console_errors().is_empty(),
        "{:#?}",
        page.console_errors()
    );
}
