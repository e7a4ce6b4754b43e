//! End-to-end: the built site in headless Chromium. The city renders, the API answers, links
//! restore state, and failures (a panic, a lost WebGL context, no WebGL at all) show the right
//! overlay instead of a frozen canvas.

use std::time::Duration;

use alatau_e2e::browser::{BrowserOptions, Page};
use alatau_e2e::image_stats::ImageStats;
use alatau_e2e::server::SiteServer;
use alatau_e2e::{output_dir_from_env, site_dir_from_env};
use serde_json::Value;

const OVERLAY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a page may take to react to a click or an API call.
const WAIT: Duration = Duration::from_secs(60);

fn serve() -> SiteServer {
    SiteServer::start(&site_dir_from_env(), "127.0.0.1", 0).expect("serve the built site")
}

fn open(server: &SiteServer, path: &str) -> Page {
    let url = format!("{}{}", server.url(), path.trim_start_matches('/'));
    Page::open(&url, &BrowserOptions::default()).expect("open the page in Chromium")
}

fn save_screenshot(page: &Page, name: &str) -> ImageStats {
    let png = page.screenshot().expect("screenshot");
    let path = output_dir_from_env().join(name);
    std::fs::write(&path, &png).expect("save screenshot");
    ImageStats::of_png(&png).expect("decode screenshot")
}

fn assert_no_console_errors(page: &Page) {
    let errors = page.console_errors();
    assert!(errors.is_empty(), "console errors: {errors:#?}");
}

#[test]
fn the_city_renders_and_the_api_reports_state() {
    let server = serve();
    let page = open(&server, "/");
    let took = page.wait_ready().expect("window.alatau.ready resolves");
    eprintln!("ready after {took:?}");

    let state = page.state().expect("state()");
    assert!(
        state["frame"].as_u64().unwrap_or(0) >= 3,
        "frames counted: {state}"
    );
    assert_eq!(state["lang"], "en", "{state}");
    assert!(
        state["camera"]["distance"].as_f64().unwrap_or(0.0) > 1000.0,
        "{state}"
    );
    assert!(state["fps"].as_f64().is_some(), "{state}");
    assert_eq!(
        page.eval("typeof window.alatau.debug + ' ' + typeof window.__alatauBridge.debugPanic")
            .expect("eval"),
        "undefined undefined",
        "the test hooks are not part of the visitor's API without ?debug=1"
    );

    // The frame counter keeps moving: the canvas is alive, not frozen.
    let frame = state["frame"].as_u64().unwrap_or(0);
    page.wait_for(
        &format!("window.alatau.state().frame > {}", frame + 2),
        Duration::from_secs(60),
    )
    .expect("frames keep coming");

    let stats = save_screenshot(&page, "overview.png");
    assert!(
        stats.looks_rendered(),
        "the canvas must show the city, not a flat colour: {stats:?}"
    );
    assert!(
        !page.is_visible("loading").expect("loading"),
        "the loading screen goes away"
    );
    assert!(
        !page.is_visible("error-overlay").expect("overlay"),
        "no error overlay"
    );
    assert_no_console_errors(&page);
}

#[test]
fn a_forced_panic_shows_the_error_overlay_with_its_message() {
    let server = serve();
    let page = open(&server, "/?debug=1");
    page.wait_ready().expect("ready");
    page.allow_console_errors();
    page.eval("window.alatau.debug.panic('e2e forced panic')")
        .expect("debug.panic is callable");
    page.wait_for(
        "!document.querySelector('[data-testid=\"error-overlay\"]').hidden",
        OVERLAY_TIMEOUT,
    )
    .expect("the error overlay appears");
    let text = page.text_of("error-overlay").expect("overlay text");
    assert!(
        text.contains("e2e forced panic"),
        "the panic message is shown: {text}"
    );
    assert!(
        text.contains("Reload"),
        "a reload button is offered: {text}"
    );
    save_screenshot(&page, "panic-overlay.png");
    let after = page.eval("(() => { try { window.alatau.state(); return 'answered'; } catch (e) { return 'refused'; } })()")
        .expect("state after panic");
    assert_eq!(after, "refused", "a dead app does not pretend to answer");
}

#[test]
fn a_lost_webgl_context_shows_the_error_overlay() {
    let server = serve();
    let page = open(&server, "/");
    page.wait_ready().expect("ready");
    page.allow_console_errors();
    page.eval(
        "document.getElementById('alatau-canvas').getContext('webgl2').getExtension('WEBGL_lose_context').loseContext()",
    )
    .expect("lose the context");
    page.wait_for(
        "!document.querySelector('[data-testid=\"error-overlay\"]').hidden",
        OVERLAY_TIMEOUT,
    )
    .expect("the error overlay appears");
    let text = page.text_of("error-overlay").expect("overlay text");
    assert!(text.contains("Graphics context lost"), "{text}");
    save_screenshot(&page, "context-lost-overlay.png");
}

#[test]
fn without_webgl_the_fallback_explains_and_ready_rejects() {
    let server = serve();
    let page = Page::open(
        &server.url(),
        &BrowserOptions {
            webgl: false,
            ..BrowserOptions::default()
        },
    )
    .expect("open without WebGL");
    let outcome = page
        .eval("window.alatau.ready.then(() => 'ready', e => 'rejected: ' + e.message)")
        .expect("ready settles");
    assert_eq!(outcome, "rejected: WebGL 2 is not available");
    assert!(
        page.is_visible("fallback").expect("fallback"),
        "the fallback is shown"
    );
    assert!(
        page.text_of("fallback").expect("text").contains("WebGL 2"),
        "it says why"
    );
    // The data view: every named project in a table, the portfolio beside it.
    page.wait_for(
        "document.querySelectorAll('[data-testid=\"project-table\"] tbody tr').length",
        WAIT,
    )
    .expect("the project table is filled");
    let listed = page
        .eval(
            "[...document.querySelectorAll('[data-testid=\"project-table\"] tbody [data-record]')]\
               .map(b => b.dataset.record)",
        )
        .expect("rows");
    let listed: Vec<&str> = listed
        .as_array()
        .map(|ids| ids.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let bundled = alatau_model::validate::load_snapshot(
        "alatau.json",
        include_str!("../../../assets/data/alatau.json"),
    )
    .expect("the bundled snapshot");
    let expected: Vec<&str> = bundled.projects.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(listed, expected, "the table lists every named project");
    assert!(
        page.text_of("project-table")
            .expect("table")
            .contains("not disclosed"),
        "undisclosed figures say so"
    );
    assert!(page.is_visible("portfolio").expect("portfolio"));
    assert!(!page.is_visible("error-overlay").expect("overlay"));

    // It is usable: a project opens its panel, the language switches, search finds.
    page.eval("document.querySelector('[data-record=\"iconic-complex\"]').click()")
        .expect("click a project");
    page.wait_for(
        "document.querySelector('[data-testid=\"info-panel\"]').textContent.includes('272')",
        WAIT,
    )
    .expect("the info panel shows the Iconic Complex");
    page.wait_for("window.alatau.state().selection === 'iconic-complex'", WAIT)
        .expect("state() follows");
    page.eval("window.alatau.setLang('ru')").expect("setLang");
    page.wait_for(
        "document.querySelector('[data-testid=\"project-table\"]').textContent.includes('Район')",
        WAIT,
    )
    .expect("the table follows the language");
    page.eval(
        "(() => { const i = document.querySelector('[data-testid=\"search-input\"]'); \
           i.value = 'KAIST'; i.dispatchEvent(new Event('input')); return true; })()",
    )
    .expect("search");
    page.wait_for(
        "document.querySelector('[data-testid=\"search-results\"]').textContent.includes('KAIST')",
        WAIT,
    )
    .expect("search works without the 3D view");
}

#[test]
fn a_link_restores_language_and_camera_and_ignores_garbage() {
    let server = serve();
    let page = open(
        &server,
        "/#lang=ru&cam=1500,-2500,3000,90,45&zoom=11&select=%3Cscript%3E",
    );
    page.wait_ready().expect("a link with garbage still loads");
    let state = page.state().expect("state");
    assert_eq!(state["lang"], "ru", "{state}");
    let camera = &state["camera"];
    assert_eq!(camera["x"], 1500.0, "{state}");
    assert_eq!(camera["z"], -2500.0, "{state}");
    assert_eq!(camera["distance"], 3000.0, "{state}");
    assert_eq!(camera["yaw"], 90.0, "{state}");
    assert_eq!(camera["pitch"], 45.0, "{state}");
    assert_eq!(
        state["selection"],
        Value::Null,
        "a malformed id selects nothing"
    );

    let warnings = page.console_warnings();
    for key in ["zoom=11", "select=%3Cscript%3E"] {
        assert!(
            warnings.iter().any(|w| w.contains(key)),
            "a console warning names `{key}`: {warnings:#?}"
        );
    }
    // The app writes its state back into the hash, dropping what it ignored.
    let hash = page
        .wait_for(
            "location.hash.includes('cam=') && !location.hash.includes('zoom') ? location.hash : null",
            Duration::from_secs(30),
        )
        .expect("the hash follows the state");
    let hash = hash.as_str().unwrap_or_default();
    assert!(
        hash.starts_with("#lang=ru&cam=1500,-2500,3000,90.0,45.0"),
        "{hash}"
    );
    assert_eq!(
        page.eval("document.documentElement.lang").expect("lang"),
        "ru"
    );
    assert_no_console_errors(&page);
}

#[test]
fn the_api_switches_language_and_resets_the_view() {
    let server = serve();
    let page = open(&server, "/#cam=0,0,900,0,60");
    page.wait_ready().expect("ready");
    assert_eq!(
        page.eval("window.alatau.setLang('kk')").expect("setLang"),
        true
    );
    assert_eq!(
        page.eval("window.alatau.setLang('xx')").expect("setLang"),
        false
    );
    page.wait_for(
        "window.alatau.state().lang === 'kk'",
        Duration::from_secs(30),
    )
    .expect("the language follows setLang");
    page.eval("window.alatau.resetView()").expect("resetView");
    let distance = page
        .wait_for(
            "(() => { const d = window.alatau.state().camera.distance; return d > 54000 ? d : null; })()",
            Duration::from_secs(60),
        )
        .expect("the camera flies back to the overview");
    assert!(distance.as_f64().unwrap_or(0.0) <= 56_000.5, "{distance}");
    page.wait_for("location.hash.includes('lang=kk')", Duration::from_secs(30))
        .expect("the hash follows the language");
}
