//! End-to-end: finding and sharing. Typing in the search box lists matching records and Enter
//! flies to one; the keyboard alone reaches the search, the language switch and a project;
//! `#lang=kk` translates the toolbar; the share button hands out a link that restores the view;
//! with `prefers-reduced-motion` a flight is a cut; the legend filters, the layers (and the
//! terrain relief) switch, and the map labels declutter and select.

use std::time::Duration;

use alatau_e2e::browser::{BrowserOptions, Page};
use alatau_e2e::server::SiteServer;
use alatau_e2e::{open_ready, site_dir_from_env};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(60);

/// KAIST Kazakhstan in the local frame (metres east and south of Zhetygen).
const KAIST_AT: (f64, f64) = (-7_097.0, 12_666.0);

fn open(server: &SiteServer, hash: &str) -> Page {
    open_ready(server, hash, &BrowserOptions::default())
}

fn camera_distance_to(state: &Value, (x, z): (f64, f64)) -> f64 {
    let camera = &state["camera"];
    let (cx, cz) = (
        camera["x"].as_f64().unwrap_or(f64::MAX),
        camera["z"].as_f64().unwrap_or(f64::MAX),
    );
    (cx - x).hypot(cz - z)
}

fn results_text(page: &Page) -> String {
    page.text_of("search-results").expect("search results")
}

#[test]
fn typing_kaist_lists_it_and_enter_flies_there() {
    let server = SiteServer::start(&site_dir_from_env(), "127.0.0.1", 0).expect("serve");
    let page = open(&server, "#lang=en");
    let before = page.state().expect("state");

    page.tab()
        .find_element("[data-testid=search-input]")
        .and_then(|input| input.click().map(|_| ()))
        .expect("click the search box");
    page.tab().type_str("kaist").expect("type");
    // The list follows the box a frame later, and "ka" already lists KAIST among others: wait
    // for the whole word's list.
    page.wait_for(
        "(() => { const r = document.querySelector('[data-testid=\"search-results\"]'); \
           const i = document.querySelector('[data-testid=\"search-input\"]'); \
           return i.value === 'kaist' && !r.hidden && r.textContent.includes('KAIST Kazakhstan'); })()",
        WAIT,
    )
    .unwrap_or_else(|e| panic!("the results list KAIST: {e}"));
    // The prefix match comes first once the list has caught up with the last letter.
    page.wait_for(
        "document.querySelector('[data-testid=\"search-results\"]').textContent.startsWith('KAIST Kazakhstan')",
        WAIT,
    )
    .unwrap_or_else(|e| panic!("the prefix match comes first: {e}; list: {}", results_text(&page)));
    // Typing into the box must not steer the camera (W, A, S, D pan it on the canvas).
    let typed = page.state().expect("state");
    assert!(
        camera_distance_to(&typed, (1_500.0, 1_000.0)) < 1.0
            && (typed["camera"]["distance"].as_f64() == before["camera"]["distance"].as_f64()),
        "typing moved the camera: {} -> {}",
        before["camera"],
        typed["camera"]
    );

    page.tab().press_key("Enter").expect("press Enter");
    page.wait_for(
        "window.alatau.state().selection === 'kaist-kazakhstan'",
        WAIT,
    )
    .expect("Enter selects the first result");
    // The list closes when the page renders the choice (the same frame or the next).
    page.wait_for(
        "(() => { const e = document.querySelector('[data-testid=\"search-results\"]'); \
           return !e || e.hidden || e.getClientRects().length === 0; })()",
        WAIT,
    )
    .expect("the list closes");
    page.wait_for(
        &format!(
            "(() => {{ const c = window.alatau.state().camera; \
               return Math.hypot(c.x - ({}), c.z - ({})) < 300 && c.distance < 3000; }})()",
            KAIST_AT.0, KAIST_AT.1
        ),
        WAIT,
    )
    .expect("the camera flies to KAIST");

    // Kazakh letters and case do not matter: "гылыми" finds "Ғылыми-медициналық кластер".
    page.eval(
        "(() => { const i = document.querySelector('[data-testid=\"search-input\"]'); \
           i.value = 'ГЫЛЫМИ'; i.dispatchEvent(new Event('input')); return true; })()",
    )
    .expect("type");
    page.wait_for(
        "document.querySelector('[data-testid=\"search-results\"]').textContent.includes('cluster')",
        WAIT,
    )
    .expect("the Kazakh name of the scientific-medical cluster matches without its letters");
    // Nothing found is said, not left blank.
    page.eval(
        "(() => { const i = document.querySelector('[data-testid=\"search-input\"]'); \
           i.value = 'zzzz'; i.dispatchEvent(new Event('input')); return true; })()",
    )
    .expect("type");
    page.wait_for(
        "document.querySelector('[data-testid=\"search-results\"]').textContent === 'Nothing found'",
        WAIT,
    )
    .expect("an empty result says so");
    assert!(
        page.console_errors().is_empty(),
        "{:#?}",
        page.console_errors()
    );
}

/// What has the keyboard focus: its test id, else its id, else its record.
const FOCUSED: &str = "(() => { const e = document.activeElement; \
     return e.dataset.testid || e.id || (e.dataset.record ? 'record:' + e.dataset.record : e.tagName); })()";

#[test]
fn the_keyboard_alone_reaches_search_language_and_a_project() {
    let server = SiteServer::start(&site_dir_from_env(), "127.0.0.1", 0).expect("serve");
    let page = open(&server, "#lang=kk");
    // The toolbar speaks Kazakh.
    assert_eq!(
        page.eval("document.getElementById('search-input').placeholder")
            .expect("placeholder"),
        "Аудан не жобаны табу"
    );
    assert_eq!(page.text_of("share").expect("share"), "Бөлісу");
    assert_eq!(
        page.text_of("portfolio-toggle").expect("toggle"),
        "Портфель"
    );

    // On this small screen the portfolio starts folded away; its toggle opens it.
    assert!(!page.is_visible("portfolio").expect("portfolio"));
    let mut reached = Vec::new();
    for _ in 0..60 {
        page.tab().press_key("Tab").expect("press Tab");
        let focused = page.eval(FOCUSED).expect("focus");
        let focused = focused.as_str().unwrap_or_default().to_owned();
        if focused == "portfolio-toggle" && !page.is_visible("portfolio").expect("portfolio") {
            page.tab().press_key("Enter").expect("open the portfolio");
            page.wait_for(
                "document.getElementById('portfolio-toggle').getAttribute('aria-expanded') === 'true'",
                WAIT,
            )
            .expect("the toggle opens the portfolio");
            assert!(page.is_visible("portfolio").expect("portfolio"));
        }
        let done = focused.starts_with("record:");
        reached.push(focused);
        if done {
            break;
        }
    }
    for control in ["search-input", "lang-select", "share", "portfolio-toggle"] {
        assert!(
            reached.iter().any(|f| f == control),
            "Tab reaches {control}: {reached:?}"
        );
    }
    let project = reached
        .last()
        .and_then(|f| f.strip_prefix("record:"))
        .unwrap_or_else(|| panic!("Tab reaches a project: {reached:?}"))
        .to_owned();
    // Focus is visible: the focused project's outline is drawn.
    let outline = page
        .eval("getComputedStyle(document.activeElement).outlineStyle")
        .expect("outline");
    assert_eq!(outline, "solid", "a focus ring shows");

    page.tab().press_key("Enter").expect("press Enter");
    page.wait_for(
        &format!("window.alatau.state().selection === {project:?}"),
        WAIT,
    )
    .expect("Enter on a project selects it");
    page.wait_for(
        "(() => { const p = document.querySelector('[data-testid=\"info-panel\"]'); return !p.hidden; })()",
        WAIT,
    )
    .expect("its panel opens");
    assert!(
        page.console_errors().is_empty(),
        "{:#?}",
        page.console_errors()
    );
}

#[test]
fn share_hands_out_a_link_that_restores_the_view() {
    let server = SiteServer::start(&site_dir_from_env(), "127.0.0.1", 0).expect("serve");
    let page = open_ready(
        &server,
        "#lang=ru&select=kaist-kazakhstan",
        &BrowserOptions {
            reduced_motion: true,
            ..BrowserOptions::default()
        },
    );
    // With reduced motion the link's flight is a cut: the camera is there at once.
    let state = page.state().expect("state");
    assert!(
        camera_distance_to(&state, KAIST_AT) < 5.0,
        "the camera cut to KAIST: {}",
        state["camera"]
    );

    page.eval("document.querySelector('[data-testid=\"share\"]').click()")
        .expect("share");
    let link = page
        .wait_for(
            "document.querySelector('[data-testid=\"share-link\"]')?.value",
            WAIT,
        )
        .expect("the link is shown");
    let link = link.as_str().unwrap_or_default().to_owned();
    for part in ["lang=ru", "select=kaist-kazakhstan", "cam="] {
        assert!(link.contains(part), "{link} carries {part}");
    }
    assert!(
        page.text_of("share").expect("share") == "Поделиться",
        "the button is in Russian"
    );

    // The link opens the same view in a fresh browser.
    let again = open(
        &server,
        &format!("#{}", link.split('#').nth(1).unwrap_or("")),
    );
    let restored = again.state().expect("state");
    assert_eq!(restored["selection"], "kaist-kazakhstan");
    assert_eq!(restored["lang"], "ru");
    assert!(
        camera_distance_to(&restored, KAIST_AT) < 5.0,
        "{}",
        restored["camera"]
    );
    assert!(
        page.console_errors().is_empty(),
        "{:#?}",
        page.console_errors()
    );
}

/// How many map labels are on screen.
const LABELS_SHOWN: &str =
    "[...document.querySelectorAll('#labels .map-label')].filter(l => !l.hidden).length";

#[test]
fn legend_filters_dim_and_layers_hide_and_labels_select() {
    let server = SiteServer::start(&site_dir_from_env(), "127.0.0.1", 0).expect("serve");
    let page = open_ready(
        &server,
        "#lang=en",
        &BrowserOptions {
            size: (800, 600),
            ..BrowserOptions::default()
        },
    );
    // The legend lists the four cluster zones with their colours and counts.
    page.eval("document.getElementById('legend-summary').click()")
        .expect("open the legend");
    assert!(page.is_visible("legend").expect("legend"));
    let legend = page.text_of("legend").expect("legend text");
    for name in [
        "Logistics cluster",
        "Tourism cluster",
        "of the named projects match",
    ] {
        assert!(legend.contains(name), "{name} in {legend}");
    }
    let swatches = page
        .eval("[...document.querySelectorAll('#legend .swatch')].map(s => getComputedStyle(s).backgroundColor)")
        .expect("swatches");
    let swatches: Vec<&str> = swatches
        .as_array()
        .map(|all| all.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert_eq!(swatches.len(), 4, "{swatches:?}");
    assert!(
        swatches.iter().all(|c| c.starts_with("rgb(")),
        "{swatches:?}"
    );

    // Filtering by the logistics cluster: the state follows, other clusters count nothing.
    page.eval(
        "(() => { const s = document.querySelector('[data-testid=\"filter-cluster\"]'); \
           s.value = 'cluster-logistics'; s.dispatchEvent(new Event('change', { bubbles: true })); return true; })()",
    )
    .expect("choose a cluster");
    page.wait_for(
        "window.alatau.state().filter.cluster === 'cluster-logistics'",
        WAIT,
    )
    .expect("state() follows the filter");
    page.wait_for(
        "document.querySelector('[data-count-for=\"cluster-tourism\"]').textContent === '0' && \
         document.querySelector('[data-count-for=\"cluster-logistics\"]').textContent !== '0'",
        WAIT,
    )
    .expect("the counts follow the filter");

    // Labels: on screen at the overview, decluttered (none overlap), gone with their layer. The
    // legend closes first: no label shows under it.
    page.eval("document.getElementById('legend-box').open = false")
        .expect("close the legend");
    let shown = page.wait_for(LABELS_SHOWN, WAIT).expect("labels show");
    assert!(shown.as_u64().unwrap_or(0) >= 3, "{shown} labels");
    let overlaps = page
        .eval(
            "(() => { const r = [...document.querySelectorAll('#labels .map-label')].filter(l => !l.hidden)\
               .map(l => l.getBoundingClientRect()); let n = 0; \
               for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) \
                 if (r[i].left < r[j].right && r[j].left < r[i].right && r[i].top < r[j].bottom && r[j].top < r[i].bottom) n++; \
               return n; })()",
        )
        .expect("overlaps");
    assert_eq!(overlaps, 0, "labels are decluttered");
    page.eval("document.getElementById('layers-summary').click()")
        .expect("open the layers");
    assert!(page.is_visible("layers").expect("layers"));
    for layer in ["labels", "buildings"] {
        page.eval(&format!(
            "document.querySelector('[data-testid=\"layer-{layer}\"]').click()"
        ))
        .expect("switch a layer off");
    }
    page.wait_for(
        "JSON.stringify(window.alatau.state().layers) === '[\"zones\",\"transport\"]'",
        WAIT,
    )
    .expect("state() lists the layers still shown");
    page.wait_for(&format!("{LABELS_SHOWN} === 0"), WAIT)
        .expect("the labels layer hides the labels");
    // Terrain relief: tripled heights rebuild the ground; the city stays and keeps drawing.
    page.eval(
        "(() => { const s = document.querySelector('[data-testid=\"relief\"]'); \
           s.value = '3'; s.dispatchEvent(new Event('change', { bubbles: true })); return true; })()",
    )
    .expect("choose ×3");
    page.wait_for("window.alatau.state().relief === 3", WAIT)
        .expect("state() follows the relief");
    let frame = page.state().expect("state")["frame"].as_u64().unwrap_or(0);
    page.wait_for(
        &format!(
            "window.alatau.state().frame > {} && window.alatau.state().scene.built",
            frame + 2
        ),
        WAIT,
    )
    .expect("the view keeps drawing after the rebuild");
    page.eval("document.querySelector('[data-testid=\"layer-labels\"]').click()")
        .expect("labels back on");
    page.wait_for(&format!("{LABELS_SHOWN} > 0"), WAIT)
        .expect("the labels come back");

    // A label is a button: clicking it selects its record.
    let id = page
        .eval("(() => { const l = [...document.querySelectorAll('#labels .map-label')].find(l => !l.hidden); l.click(); return l.dataset.record; })()")
        .expect("click a label");
    let id = id.as_str().unwrap_or_default().to_owned();
    page.wait_for(&format!("window.alatau.state().selection === {id:?}"), WAIT)
        .expect("the label selects its record");
    assert!(
        page.console_errors().is_empty(),
        "{:#?}",
        page.console_errors()
    );
}
