//! End-to-end: the city over time. One page goes through the years: a malformed `year=` is
//! ignored with a warning, the slider (pointer value, arrow keys, play) changes `state()`, the
//! hash and the milestone list; at 2024 fewer named projects stand under construction or built
//! than at 2030, on the labels and in the stage legend, as the model says; the portfolio and the
//! info panel show the record as of the year, with its qualifiers in Russian and Kazakh; the
//! growth tour sets the year. Without WebGL the data view has the same control.

use std::time::Duration;

use alatau_e2e::browser::{BrowserOptions, Page};
use alatau_e2e::server::SiteServer;
use alatau_e2e::{open_ready, output_dir_from_env, site_dir_from_env};
use alatau_model::lang::Lang;
use alatau_model::snapshot::Snapshot;
use alatau_model::timeline::{Stage, entries_until, present_year, stage_counts};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(60);

fn serve() -> SiteServer {
    SiteServer::start(&site_dir_from_env(), "127.0.0.1", 0).expect("serve the built site")
}

fn bundled() -> Snapshot {
    alatau_model::validate::load_snapshot(
        "alatau.json",
        include_str!("../../../assets/data/alatau.json"),
    )
    .expect("the bundled snapshot")
}

/// Moves the slider as a pointer would: a new value and an `input` event.
fn slide_to(page: &Page, year: u16) {
    page.eval(&format!(
        "(() => {{ const s = document.querySelector('[data-testid=timeline-year]'); \
           s.value = '{year}'; s.dispatchEvent(new Event('input', {{ bubbles: true }})); return true; }})()"
    ))
    .expect("move the slider");
    wait_for_year(page, year);
}

fn wait_for_year(page: &Page, year: u16) {
    page.wait_for(
        &format!(
            "window.alatau.state().year === {year} \
               && document.querySelector('[data-testid=timeline]').dataset.year === '{year}' \
               && location.hash.includes('year={year}')"
        ),
        WAIT,
    )
    .unwrap_or_else(|e| panic!("the state, the control and the hash show {year}: {e}"));
}

/// The stage legend's counts as the page shows them.
fn shown_counts(page: &Page) -> Vec<(String, u64)> {
    let counts = page
        .eval(
            "[...document.querySelectorAll('[data-testid=timeline-stages] li')]\
               .map(li => [li.dataset.stage, Number(li.querySelector('.stage-count').textContent)])",
        )
        .expect("stage counts");
    counts
        .as_array()
        .into_iter()
        .flatten()
        .map(|pair| {
            (
                pair[0].as_str().unwrap_or_default().to_owned(),
                pair[1].as_u64().unwrap_or(u64::MAX),
            )
        })
        .collect()
}

fn model_counts(snapshot: &Snapshot, year: u16) -> Vec<(String, u64)> {
    stage_counts(snapshot, year)
        .into_iter()
        .map(|(stage, count)| (stage.code().to_owned(), count as u64))
        .collect()
}

/// Project labels under construction or built, by their `data-stage`.
fn standing_labels(page: &Page) -> u64 {
    page.eval(
        "document.querySelectorAll('#labels [data-stage=under-construction], #labels [data-stage=built]').length",
    )
    .expect("labels")
    .as_u64()
    .unwrap_or(0)
}

fn milestone_dates(page: &Page) -> Vec<String> {
    page.eval(
        "[...document.querySelectorAll('[data-testid=timeline-milestones] li.timeline-entry')].map(li => li.dataset.date)",
    )
    .expect("milestones")
    .as_array()
    .into_iter()
    .flatten()
    .filter_map(|date| date.as_str().map(str::to_owned))
    .collect()
}

fn text_of(page: &Page, test_id: &str) -> String {
    page.text_of(test_id)
        .expect("text")
        .replace(['\u{a0}', '\u{202f}'], " ")
}

fn save(page: &Page, name: &str) {
    let png = page.screenshot().expect("screenshot");
    std::fs::write(output_dir_from_env().join(name), png).expect("save screenshot");
}

#[test]
fn the_year_changes_the_city_the_state_the_hash_and_the_milestones() {
    let snapshot = bundled();
    let server = serve();
    let page = open_ready(
        &server,
        // Over the Gate District, the Iconic Complex in the middle (the screenshots' view).
        "#year=abc&cam=-9700,27400,2600,200,20",
        &BrowserOptions {
            size: (1280, 800),
            ..BrowserOptions::default()
        },
    );
    let warnings = page.console_warnings();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("year=abc") && w.contains("not a year of the timeline")),
        "a malformed year is named in a warning: {warnings:#?}"
    );
    let present = present_year(&snapshot);
    assert_eq!(
        page.state().expect("state")["year"],
        Value::from(present),
        "a malformed year leaves the present"
    );
    assert!(page.is_visible("timeline").expect("timeline"));
    page.wait_for(
        &format!("document.querySelector('[data-testid=timeline-year]').value === '{present}'"),
        WAIT,
    )
    .expect("the slider starts at the present year");
    let thumb = page
        .eval(
            "(() => { const s = document.querySelector('[data-testid=timeline-year]').getBoundingClientRect(); \
               const rule = [...document.styleSheets].flatMap(sheet => [...sheet.cssRules]) \
                 .find(r => r.selectorText === '.timeline-year::-webkit-slider-thumb'); \
               return [s.height, rule?.style.width ?? null, rule?.style.height ?? null]; })()",
        )
        .expect("thumb");
    // The thumb's own box is not in the DOM: its rule in the page's stylesheet sizes it.
    assert!(
        thumb[0].as_f64().unwrap_or(0.0) >= 44.0 && thumb[1] == "44px" && thumb[2] == "44px",
        "a thumb a finger can take: {thumb}"
    );
    let ticks = page
        .eval("document.querySelectorAll('[data-testid=timeline-ticks] .timeline-tick').length")
        .expect("ticks");
    assert_eq!(
        ticks,
        Value::from(alatau_model::timeline::tick_years(&snapshot).len()),
        "a tick at every dated year"
    );

    // 2024 and 2030: what stands, on the labels and in the legend, as the model says.
    slide_to(&page, 2024);
    page.wait_for(
        &format!(
            "document.querySelector('[data-testid=timeline-milestones]').children.length === {}",
            entries_until(&snapshot, 2024, Lang::En).len()
        ),
        WAIT,
    )
    .expect("the milestones up to 2024");
    assert!(
        milestone_dates(&page)
            .iter()
            .all(|date| date.as_str() < "2025"),
        "nothing after 2024: {:?}",
        milestone_dates(&page)
    );
    assert!(
        text_of(&page, "timeline-milestones").contains("becomes the town of Alatau"),
        "{}",
        text_of(&page, "timeline-milestones")
    );
    assert_eq!(shown_counts(&page), model_counts(&snapshot, 2024));
    let labels_2024 = standing_labels(&page);
    page.wait_for(
        "!document.querySelector('[data-testid=portfolio-projects]') \
           && document.querySelector('[data-testid=portfolio]').textContent.includes('No portfolio figures were reported by 2024')",
        WAIT,
    )
    .expect("no portfolio figure before its first report");
    page.eval("document.querySelector('.timeline-milestones-box').open = true")
        .expect("open the milestones");
    save(&page, "timeline-2024.png");

    slide_to(&page, 2030);
    assert_eq!(shown_counts(&page), model_counts(&snapshot, 2030));
    let standing = |year: u16| {
        stage_counts(&snapshot, year)
            .into_iter()
            .filter(|(stage, _)| matches!(stage, Stage::UnderConstruction | Stage::Built))
            .map(|(_, count)| count)
            .sum::<usize>()
    };
    assert!(
        standing(2024) < standing(2030),
        "the model: {} then {}",
        standing(2024),
        standing(2030)
    );
    let labels_2030 = standing_labels(&page);
    assert!(
        labels_2024 < labels_2030,
        "fewer labels stand under construction or built in 2024 ({labels_2024}) than in 2030 ({labels_2030})"
    );
    let dates = milestone_dates(&page);
    assert_eq!(dates.len(), entries_until(&snapshot, 2030, Lang::En).len());
    assert!(
        dates.iter().any(|date| date.starts_with("2027")),
        "{dates:?}"
    );
    assert!(dates.iter().all(|date| date.as_str() < "2031"), "{dates:?}");
    save(&page, "timeline-2030.png");

    // The keyboard moves the slider a year at a time.
    page.eval("document.querySelector('[data-testid=timeline-year]').focus()")
        .expect("focus");
    page.tab().press_key("ArrowLeft").expect("press ArrowLeft");
    wait_for_year(&page, 2029);

    // Play runs the years to 2050 and stops there.
    slide_to(&page, 2048);
    page.eval("document.querySelector('[data-testid=timeline-play]').click()")
        .expect("play");
    page.wait_for(
        "document.querySelector('[data-testid=timeline-play]').getAttribute('aria-pressed') === 'true'",
        WAIT,
    )
    .expect("the play button says it plays");
    wait_for_year(&page, 2050);
    page.wait_for(
        "document.querySelector('[data-testid=timeline-play]').getAttribute('aria-pressed') === 'false'",
        WAIT,
    )
    .expect("and stops at the last year");

    // The portfolio as last reported by a year: 42 projects in November 2025.
    slide_to(&page, 2025);
    page.wait_for(
        "document.querySelector('[data-testid=portfolio-projects]').textContent === '42'",
        WAIT,
    )
    .expect("the portfolio as of 2025");

    // The info panel: a project's stage at the year, and the qualifiers in three languages.
    page.eval("window.alatau.select('pepsico-snack-plant')")
        .expect("select");
    page.wait_for(
        "document.querySelector('[data-testid=info-at-year]')?.textContent.startsWith('In 2025: under construction')",
        WAIT,
    )
    .expect("PepsiCo in 2025");
    slide_to(&page, 2024);
    page.wait_for(
        "document.querySelector('[data-testid=info-at-year]')?.textContent.startsWith('In 2024: not yet named')",
        WAIT,
    )
    .expect("PepsiCo in 2024");
    page.eval("window.alatau.select('gate-district')")
        .expect("select Gate");
    page.eval("window.alatau.setLang('ru')").expect("ru");
    page.wait_for(
        "document.querySelector('[data-testid=info-panel]').textContent.replace(/\\u00a0/g, ' ').includes('более 220 000')",
        WAIT,
    )
    .expect("more than 220,000 in Russian");
    page.eval("window.alatau.setLang('kk')").expect("kk");
    page.wait_for(
        "document.querySelector('[data-testid=info-panel]').textContent.replace(/\\u00a0/g, ' ').includes('220 000-нан астам')",
        WAIT,
    )
    .expect("more than 220,000 in Kazakh");
    assert!(
        text_of(&page, "timeline").contains("салынуда"),
        "the stage legend follows the language"
    );

    // The API, and a tour step that sets the year.
    assert_eq!(
        page.eval("window.alatau.setYear(2030)").expect("setYear"),
        true
    );
    wait_for_year(&page, 2030);
    for bad in ["'abc'", "2051", "2030.5"] {
        assert_eq!(
            page.eval(&format!("window.alatau.setYear({bad})"))
                .expect("setYear"),
            false,
            "setYear({bad})"
        );
    }
    page.eval("window.alatau.startTour('city-grows', 1)")
        .expect("start the growth tour");
    wait_for_year(&page, 2025);
    page.eval("window.alatau.stopTour()").expect("stop");
    assert_eq!(
        page.eval("window.alatau.setYear(null)").expect("setYear"),
        true
    );
    page.wait_for(
        &format!("window.alatau.state().year === {present} && !location.hash.includes('year=')"),
        WAIT,
    )
    .expect("null goes back to the present and the hash forgets the year");
    assert!(
        page.console_errors().is_empty(),
        "{:#?}",
        page.console_errors()
    );
}

#[test]
fn without_webgl_the_data_view_has_the_year_control_and_milestones() {
    let snapshot = bundled();
    let server = serve();
    let page = Page::open(
        &format!("{}#year=2030", server.url()),
        &BrowserOptions {
            webgl: false,
            size: (1024, 900),
            ..BrowserOptions::default()
        },
    )
    .expect("open without WebGL");
    page.wait_for(
        "document.querySelectorAll('[data-testid=project-table] tbody tr').length > 0",
        WAIT,
    )
    .expect("the data view");
    assert!(page.is_visible("timeline").expect("timeline"));
    page.wait_for(
        "document.querySelector('[data-testid=timeline-year]')?.value === '2030'",
        WAIT,
    )
    .expect("the year from the link");
    assert_eq!(
        milestone_dates(&page).len(),
        entries_until(&snapshot, 2030, Lang::En).len()
    );
    assert!(
        text_of(&page, "project-table").contains("In 2030"),
        "the table has the year's column"
    );
    slide_to(&page, 2024);
    assert_eq!(shown_counts(&page), model_counts(&snapshot, 2024));
    save(&page, "timeline-data-view.png");
}
