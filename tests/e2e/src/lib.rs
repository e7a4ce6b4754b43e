//! Browser harness for Alatau Explorer: a static server for the built site (used by
//! `cargo xtask serve` too) and a headless-Chromium session over CDP (used by the end-to-end
//! suite in `tests/`, `cargo xtask shoot` and `cargo xtask bench`).

pub mod browser;
pub mod budgets;
pub mod image_stats;
pub mod nginx;
pub mod precache;
pub mod server;
pub mod soak;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;

use browser::{BrowserOptions, Page};
use server::SiteServer;

/// Opens the served site at `hash` (`""` or `"#lang=ru&..."`) and waits until `ready` resolves;
/// a page that does not start fails the test with the console's story.
pub fn open_ready(server: &SiteServer, hash: &str, options: &BrowserOptions) -> Page {
    let url = format!("{}{hash}", server.url());
    let page = Page::open(&url, options).expect("open the page in Chromium");
    if let Err(error) = page.wait_ready() {
        panic!("window.alatau.ready did not resolve: {error}");
    }
    page
}

/// A kiosk page under a visitor's hands stays (three seconds, nothing reloads it); the reset
/// into the attract loop (between visitors) makes it reload, and the new document starts.
pub fn expect_reload_only_between_visitors(page: &Page, timeout: std::time::Duration) {
    let stays = page.stays_for(std::time::Duration::from_secs(3));
    assert!(
        stays.expect("the page"),
        "no reload while a visitor explores"
    );
    page.eval("window.alatau.debug.kioskReset()")
        .expect("reset");
    if let Err(error) = page.wait_for_reload(false, timeout) {
        panic!("the kiosk reloads between visitors: {error}");
    }
}

/// The built site the suite tests: `ALATAU_SITE_DIR`, set by `cargo xtask test`.
pub fn site_dir_from_env() -> PathBuf {
    match std::env::var_os("ALATAU_SITE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => panic!(
            "ALATAU_SITE_DIR is not set: the browser suite tests a built site; run `cargo xtask test`"
        ),
    }
}

/// The development site packaged as `dist` packages a release (hashed names, `.br`/`.gz`):
/// `ALATAU_PACKAGED_SITE_DIR`, set by `cargo xtask test`, for the deployment test.
pub fn packaged_site_dir_from_env() -> PathBuf {
    match std::env::var_os("ALATAU_PACKAGED_SITE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => panic!(
            "ALATAU_PACKAGED_SITE_DIR is not set: the deployment test serves a release-shaped site; run `cargo xtask test`"
        ),
    }
}

/// Where the suite saves screenshots: `ALATAU_E2E_OUT`, else `target/e2e`.
pub fn output_dir_from_env() -> PathBuf {
    let dir = std::env::var_os("ALATAU_E2E_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/e2e"));
    if let Err(error) = std::fs::create_dir_all(&dir) {
        panic!("cannot create {}: {error}", dir.display());
    }
    dir
}

/// Copies `from` into `to`, recursively.
pub fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}
