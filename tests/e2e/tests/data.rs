//! End-to-end: the data snapshot in the page. The portfolio panel shows the headline in each
//! language and currency; a broken snapshot is named in the error overlay; hostile text stays
//! text.

use std::collections::HashMap;
use std::time::Duration;

use alatau_e2e::browser::{BrowserOptions, Page};
use alatau_e2e::server::SiteServer;
use alatau_e2e::{output_dir_from_env, site_dir_from_env};
use serde_json::Value;

const SNAPSHOT_URL_PATH: &str = "/assets/data/alatau.json";
const WAIT: Duration = Duration::from_secs(60);

fn bundled_snapshot() -> String {
    let path = site_dir_from_env().join("assets/data/alatau.json");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn serve_with_snapshot(snapshot: Option<String>) -> SiteServer {
    let overrides = snapshot
        .map(|text| HashMap::from([(SNAPSHOT_URL_PATH.to_owned(), text.into_bytes())]))
        .unwrap_or_default();
    SiteServer::start_with_overrides(&site_dir_from_env(), "127.0.0.1", 0, overrides)
        .expect("serve the built site")
}

fn open(server: &SiteServer, path: &str, size: (u32, u32)) -> Page {
    let url = format!("{}{}", server.url(), path.trim_start_matches('/'));
    Page::open(
        &url,
        &BrowserOptions {
            size,
            ..BrowserOptions::default()
        },
    )
    .expect("open the page")
}

fn text_of(page: &Page, test_id: &str) -> String {
    page.text_of(test_id)
        .expect("read text")
        .replace('\u{a0}', " ")
}

#[test]
fn the_portfolio_shows_the_headline_with_date_and_source() {
    let server = serve_with_snapshot(None);
    let page = open(&server, "/", (1280, 800));
    page.wait_ready().expect("ready");
    assert!(
        page.is_visible("portfolio").expect("panel"),
        "the panel is shown"
    );
    assert_eq!(text_of(&page, "portfolio-projects"), "44");
    assert_eq!(text_of(&page, "portfolio-jobs"), "more than 30,000");
    assert_eq!(
        text_of(&page, "portfolio-investment"),
        "about 1.8 trillion ₸"
    );
    let panel = text_of(&page, "portfolio");
    assert!(panel.contains("as of 3 February 2026"), "{panel}");
    assert!(
        panel.contains("Meeting of the Alatau City Development Council"),
        "{panel}"
    );
    assert!(
        text_of(&page, "portfolio-further")
            .starts_with("The portfolio's projects are not itemised publicly"),
        "no named project is placed inside the 44 without a source"
    );
    let rows = page
        .eval("[...document.querySelectorAll('[data-testid=project-list] li [data-record]')].map(b => b.dataset.record)")
        .expect("rows");
    let rows: Vec<&str> = rows
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let snapshot = alatau_model::validate::load_snapshot("alatau.json", &bundled_snapshot())
        .expect("the bundled snapshot");
    let year = alatau_model::timeline::present_year(&snapshot);
    let standing: Vec<&str> = snapshot
        .projects
        .iter()
        .filter(|p| alatau_model::timeline::project_at(p, year).stage.is_shown())
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(
        rows, standing,
        "every named project a source names by {year}"
    );
    assert!(
        rows.contains(&"iconic-complex") && rows.contains(&"kaist-kazakhstan"),
        "{rows:?}"
    );
    let iconic = page
        .eval("document.querySelector('[data-testid=project-list] [data-record=iconic-complex]').closest('li').textContent")
        .expect("iconic row");
    assert!(
        iconic
            .as_str()
            .unwrap_or_default()
            .contains("not disclosed"),
        "{iconic}"
    );
    std::fs::write(
        output_dir_from_env().join("portfolio.png"),
        page.screenshot().expect("png"),
    )
    .expect("save screenshot");
    assert!(
        page.console_errors().is_empty(),
        "{:#?}",
        page.console_errors()
    );
}

#[test]
fn sources_open_in_a_new_tab_without_an_opener() {
    let server = serve_with_snapshot(None);
    let page = open(&server, "/", (800, 600));
    page.wait_ready().expect("ready");
    let links = page
        .eval("[...document.querySelectorAll('[data-testid=portfolio] a')].map(a => [a.target, a.rel, a.protocol])")
        .expect("links");
    let links = links.as_array().cloned().unwrap_or_default();
    assert!(
        links.len() >= 5,
        "the cited sources are listed as links: {links:?}"
    );
    for link in &links {
        assert_eq!(link[0], "_blank", "{link}");
        assert!(
            link[1].as_str().unwrap_or_default().contains("noopener"),
            "{link}"
        );
        assert_eq!(link[2], "https:", "{link}");
    }
}

#[test]
fn russian_and_dollars_change_the_figures() {
    let server = serve_with_snapshot(None);
    let page = open(&server, "/#lang=ru", (800, 600));
    page.wait_ready().expect("ready");
    page.wait_for(
        "document.querySelector('[data-testid=portfolio-jobs]')?.textContent.includes('000')",
        WAIT,
    )
    .expect("panel rendered");
    assert_eq!(text_of(&page, "portfolio-investment"), "около 1,8 трлн ₸");
    assert_eq!(text_of(&page, "portfolio-jobs"), "более 30 000");
    page.eval("document.querySelector('[data-currency=usd]').click()")
        .expect("click USD");
    page.wait_for(
        "document.querySelector('[data-testid=portfolio-investment]').textContent.includes('$')",
        WAIT,
    )
    .expect("the switch converts");
    assert_eq!(text_of(&page, "portfolio-investment"), "около 3,53 млрд $");
    assert_eq!(
        page.eval("document.querySelector('[data-currency=usd]').getAttribute('aria-pressed')")
            .expect("pressed"),
        "true"
    );
    page.eval("window.alatau.setLang('kk')").expect("setLang");
    page.wait_for(
        "document.querySelector('[data-testid=portfolio-further]').textContent.startsWith('Портфель жобалары')",
        WAIT,
    )
    .expect("Kazakh");
    assert_eq!(
        page.eval("document.documentElement.lang").expect("lang"),
        "kk"
    );
}

#[test]
fn a_truncated_snapshot_shows_the_error_overlay_naming_the_file() {
    let full = bundled_snapshot();
    let mut cut = full.len() / 2;
    while !full.is_char_boundary(cut) {
        cut -= 1;
    }
    let truncated = full[..cut].to_owned();
    let server = serve_with_snapshot(Some(truncated));
    let page = open(&server, "/", (640, 480));
    page.allow_console_errors();
    let outcome = page
        .eval("window.alatau.ready.then(() => 'ready', e => 'rejected')")
        .expect("ready settles");
    assert_eq!(outcome, "rejected", "a broken snapshot is not a city");
    assert!(page.is_visible("error-overlay").expect("overlay"));
    let text = text_of(&page, "error-overlay");
    assert!(text.contains("The city data could not be loaded"), "{text}");
    assert!(text.contains("alatau.json:"), "the file is named: {text}");
    assert!(text.contains("ends too early"), "and the problem: {text}");
    std::fs::write(
        output_dir_from_env().join("data-error.png"),
        page.screenshot().expect("png"),
    )
    .expect("save screenshot");
}

#[test]
fn hostile_text_in_the_data_stays_text() {
    let mut snapshot: Value = serde_json::from_str(&bundled_snapshot()).expect("bundled JSON");
    let hostile = "<img src=x onerror=\"window.__pwned=1\">";
    snapshot["projects"][0]["name"]["en"] = Value::from(hostile);
    let server = serve_with_snapshot(Some(snapshot.to_string()));
    let page = open(&server, "/", (800, 600));
    page.wait_ready().expect("ready");
    let name = page
        .eval("document.querySelector('[data-testid=project-list] .project-name[data-record=iconic-complex]').textContent")
        .expect("name");
    assert_eq!(name, hostile, "shown literally");
    assert_eq!(
        page.eval("document.querySelectorAll('[data-testid=portfolio] img').length")
            .expect("imgs"),
        0
    );
    assert_eq!(
        page.eval("window.__pwned ?? null").expect("flag"),
        Value::Null
    );
}

#[test]
fn the_portfolio_changes_only_with_its_own_fields_and_keeps_the_pressed_button_focused() {
    let server = serve_with_snapshot(None);
    let page = open(&server, "/", (1280, 800));
    page.wait_ready().expect("ready");
    page.wait_for(
        "document.querySelector('[data-currency=usd]') !== null",
        WAIT,
    )
    .expect("panel rendered");
    // Count every change to the panel from here on.
    page.eval(
        "(() => { window.__portfolioMutations = 0; \
           new MutationObserver((records) => { window.__portfolioMutations += records.length; }) \
             .observe(document.querySelector('[data-testid=portfolio]'), \
               { subtree: true, childList: true, characterData: true, attributes: true }); \
           return true; })()",
    )
    .expect("observe the panel");
    // A selection, a filter and a layer: none of them is shown by the portfolio.
    page.eval("window.alatau.select('iconic-complex')")
        .expect("select");
    page.eval(
        "(() => { const menu = document.querySelector('[data-testid=filter-cluster]'); \
           menu.value = 'cluster-logistics'; \
           menu.dispatchEvent(new Event('change', { bubbles: true })); return true; })()",
    )
    .expect("filter");
    page.eval("document.querySelector('[data-testid=layer-labels]').click()")
        .expect("labels off");
    page.wait_for(
        "(() => { const s = window.alatau.state(); return s.selection === 'iconic-complex' \
           && s.filter.cluster === 'cluster-logistics' && !s.layers.includes('labels'); })()",
        WAIT,
    )
    .expect("the state took all three");
    page.wait_frames(3, WAIT).expect("frames after the changes");
    assert_eq!(
        page.eval("window.__portfolioMutations").expect("count"),
        0,
        "the portfolio is not touched by a selection, a filter or a layer"
    );

    // The keyboard presses the dollar button: the figures convert, the focus stays on it. (Below
    // a wide desktop the record's panel takes the portfolio's place: close the record first.)
    page.eval("window.alatau.select(null)")
        .expect("clear the selection");
    page.wait_for(
        "document.querySelector('[data-currency=usd]').getClientRects().length > 0",
        WAIT,
    )
    .expect("the portfolio is back");
    page.eval("document.querySelector('[data-currency=usd]').focus()")
        .expect("focus the USD button");
    page.tab().press_key("Enter").expect("press Enter");
    page.wait_for(
        "document.querySelector('[data-testid=portfolio-investment]').textContent.includes('$')",
        WAIT,
    )
    .expect("the switch converts");
    assert_eq!(
        page.eval("document.activeElement?.getAttribute('data-currency') ?? 'nothing'")
            .expect("focus"),
        "usd",
        "the keyboard focus is still on the pressed button"
    );
    assert!(
        page.eval("window.__portfolioMutations")
            .expect("count")
            .as_u64()
            .unwrap_or(0)
            > 0,
        "the currency is one of the portfolio's fields"
    );
}
