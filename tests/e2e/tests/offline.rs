//! End-to-end: the real service worker in a real browser, on a copy of the built site that the
//! test turns into a second release (a changed page, the worker written again with its
//! manifest). The public site: the first visit caches the release; the next visit after a new
//! release is still served whole from the old one while the new one is cached, and the visit
//! after that takes the new one before the app loads, with the old cache deleted; then, with the server stopped and
//! the network cut (CDP), a reload starts the city. A kiosk: a new release waits while a
//! visitor explores and is taken, by a reload, once the kiosk is between visitors.

use std::path::PathBuf;
use std::time::Duration;

use alatau_e2e::browser::{BrowserOptions, Page};
use alatau_e2e::server::SiteServer;
use alatau_e2e::{
    copy_tree, expect_reload_only_between_visitors, open_ready, precache, site_dir_from_env,
};

const WAIT: Duration = Duration::from_secs(120);
const SIZE: (u32, u32) = (480, 320);
/// What the second release changes: a line in the page's head.
const MARKER: &str = "<meta name=\"alatau-test-release\" content=\"two\">";

/// A copy of the built site this test may change, and its release id.
fn site_copy(name: &str) -> (PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("alatau-offline-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_tree(&site_dir_from_env(), &dir).expect("copy the site");
    let release = precache::release_id(&precache::manifest(&dir).expect("the manifest"));
    (dir, release)
}

/// The next release of the site in `dir`: the page changed, the worker written again.
fn next_release(dir: &std::path::Path) -> String {
    let index = dir.join("index.html");
    let page = std::fs::read_to_string(&index).expect("index.html");
    let head = "<meta name=\"color-scheme\" content=\"light\">";
    assert!(
        page.contains(head),
        "index.html keeps its color-scheme line"
    );
    std::fs::write(&index, page.replace(head, &format!("{head}\n  {MARKER}")))
        .expect("change the page");
    precache::write_service_worker(dir).expect("write the worker")
}

fn wait(page: &Page, expression: &str, what: &str) {
    if let Err(error) = page.wait_for(expression, WAIT) {
        panic!("{what}: {error}");
    }
}

fn wait_for_release(page: &Page, release: &str, what: &str) {
    wait(
        page,
        &format!(
            "window.alatau.debug.offlineStatus().then(s => !!s && s.release === '{release}' \
               && !!navigator.serviceWorker.controller)"
        ),
        what,
    );
}

/// The new release is cached, verified and waits to be taken.
fn wait_for_waiting_release(page: &Page) {
    wait(
        page,
        "navigator.serviceWorker.getRegistration().then(r => !!r && !!r.waiting)",
        "the new release is cached and waits",
    );
}

fn shows_second_release(page: &Page) -> bool {
    page.eval("!!document.querySelector('meta[name=alatau-test-release]')")
        .expect("the page")
        == serde_json::Value::Bool(true)
}

fn open(server: &SiteServer, query: &str) -> Page {
    open_ready(
        server,
        &format!("?debug=1&sw=1{query}"),
        &BrowserOptions {
            size: SIZE,
            ..BrowserOptions::default()
        },
    )
}

#[test]
fn the_public_site_takes_a_new_release_on_the_next_visit_and_starts_offline() {
    let (dir, first) = site_copy("public");
    let server = SiteServer::start(&dir, "127.0.0.1", 0).expect("serve the copy");
    let page = open(&server, "");
    wait_for_release(&page, &first, "the first visit caches the release");

    let second = next_release(&dir);
    assert_ne!(first, second);
    page.wait_for_reload(true, WAIT).expect("the next visit");
    assert!(
        !shows_second_release(&page),
        "a visit is served whole from the release it started with"
    );
    page.eval("window.alatau.debug.checkForRelease()")
        .expect("look for a release");
    wait_for_waiting_release(&page);
    page.wait_for_reload(true, WAIT).expect("the visit after");
    assert!(
        shows_second_release(&page),
        "the next visit takes the new release before the app loads"
    );
    wait_for_release(&page, &second, "the new release is active");
    assert_eq!(
        page.eval("caches.keys()").expect("caches"),
        serde_json::json!([format!("alatau-release-{second}")]),
        "the old release's cache is deleted"
    );

    // No server, no network: the city starts from the cache.
    drop(server);
    page.tab()
        .call_method(
            serde_json::from_value::<
                headless_chrome::protocol::cdp::Network::EmulateNetworkConditions,
            >(serde_json::json!({
                "offline": true, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1,
            }))
            .expect("a request"),
        )
        .expect("cut the network");
    page.wait_for_reload(true, WAIT).expect("a reload offline");
    assert!(shows_second_release(&page), "offline, the cached release");
    assert_eq!(
        page.state().expect("state")["scene"]["built"],
        true,
        "the city is ready offline"
    );
    assert_eq!(
        page.eval("fetch('assets/data/alatau.json').then(r => r.ok)")
            .expect("data"),
        true,
        "the data comes from the cache"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_kiosk_takes_a_new_release_only_between_visitors() {
    let (dir, first) = site_copy("kiosk");
    let server = SiteServer::start(&dir, "127.0.0.1", 0).expect("serve the copy");
    let page = open(&server, "&kiosk=1&idle=600");
    wait_for_release(&page, &first, "the kiosk caches the release");

    // A visitor explores; a release arrives and waits.
    page.tap(
        f64::from(SIZE.0) * 0.9,
        f64::from(SIZE.1) * 0.45,
        Duration::from_millis(700),
    )
    .expect("touch");
    wait(
        &page,
        "window.alatau.state().kiosk.stage === 'exploring'",
        "a visitor explores",
    );
    let second = next_release(&dir);
    page.eval("window.alatau.debug.checkForRelease()")
        .expect("look for a release");
    wait_for_waiting_release(&page);
    // Between visitors (the reset into the attract loop), the kiosk takes it.
    expect_reload_only_between_visitors(&page, WAIT);
    assert!(shows_second_release(&page), "the new release");
    wait_for_release(&page, &second, "the new release serves the kiosk");
    let _ = std::fs::remove_dir_all(&dir);
}
