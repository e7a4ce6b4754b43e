//! End-to-end: guided tours on one page (reused for every check) and the invalid-file case on
//! another. A tour starts from the list with step 1's caption and the camera reaches its pose;
//! next, previous, Space and Escape work; a drag on the view pauses and Resume plays on; a
//! `#tour=…&step=2` link lands on step 2, paused; a language switch mid-tour changes the
//! caption in place;
//! a tours file naming no record leaves the city working and says which file is at fault.

use std::collections::HashMap;
use std::time::Duration;

use alatau_e2e::browser::{BrowserOptions, Page};
use alatau_e2e::server::SiteServer;
use alatau_e2e::{output_dir_from_env, site_dir_from_env};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(90);

fn serve(overrides: HashMap<String, Vec<u8>>) -> SiteServer {
    SiteServer::start_with_overrides(&site_dir_from_env(), "127.0.0.1", 0, overrides)
        .expect("serve the built site")
}

fn open(server: &SiteServer, hash: &str, size: (u32, u32)) -> Page {
    let page = Page::open(
        &format!("{}{hash}", server.url()),
        &BrowserOptions {
            size,
            ..BrowserOptions::default()
        },
    )
    .expect("open the page");
    page.wait_ready().expect("ready");
    page
}

fn state(page: &Page) -> Value {
    page.state().expect("state")
}

fn click(page: &Page, test_id: &str) {
    page.eval(&format!(
        "document.querySelector('[data-testid=\"{test_id}\"]').click()"
    ))
    .unwrap_or_else(|error| panic!("click {test_id}: {error}"));
}

fn wait_step(page: &Page, step: u64) {
    page.wait_for(&format!("window.alatau.state().step === {step}"), WAIT)
        .unwrap_or_else(|error| panic!("step {step}: {error}"));
}

fn caption_title(page: &Page) -> String {
    page.text_of("tour-title").expect("caption title")
}

fn screenshot(page: &Page, name: &str) {
    let png = page.screenshot().expect("screenshot");
    std::fs::write(output_dir_from_env().join(name), png).expect("save screenshot");
}

#[test]
fn a_tour_plays_steps_pauses_for_the_visitor_and_follows_links_and_languages() {
    let server = serve(HashMap::new());
    let page = open(&server, "", (960, 540));

    // From the list: step 1's caption, and the tour plays.
    click(&page, "tours");
    page.wait_for(
        "document.querySelectorAll('[data-testid=\"tour-list\"] [data-tour]').length === 4",
        WAIT,
    )
    .expect("four tours in the list");
    page.eval("document.querySelector('[data-tour=\"gate-and-golden\"]').click()")
        .expect("choose a tour");
    page.wait_for("window.alatau.state().tour === 'gate-and-golden'", WAIT)
        .expect("the tour starts");
    let started = state(&page);
    assert_eq!(started["step"], 0, "{started}");
    assert_eq!(started["playing"], true, "{started}");
    assert_eq!(caption_title(&page), "Gate District");
    assert!(
        page.text_of("tour-step").expect("step").contains("1"),
        "the caption says which step"
    );
    assert!(
        !page.is_visible("tour-list").expect("list"),
        "the list closes when a tour starts"
    );

    // Next: the Iconic Complex, and the camera gets there.
    click(&page, "tour-next");
    wait_step(&page, 1);
    page.wait_for(
        "(() => { const c = window.alatau.state().camera; \
           return Math.hypot(c.x + 9919, c.z - 27665) < 50 && c.distance < 2500; })()",
        WAIT,
    )
    .unwrap_or_else(|error| {
        panic!(
            "the camera reaches the Iconic Complex: {error}; state {}",
            state(&page)
        )
    });
    assert_eq!(caption_title(&page), "The Iconic Complex");
    assert_eq!(state(&page)["selection"], "iconic-complex");
    screenshot(&page, "tour-caption.png");

    // The caption's Presenter console button opens the console's window on this tour and step
    // (the window itself is the presenter suite's: a headless popup draws nothing to check).
    page.eval(
        "(() => { window.__opened = []; window.open = (...args) => { window.__opened.push(args); return {}; }; })()",
    )
    .expect("watch window.open");
    click(&page, "tour-present");
    let opened = page.eval("window.__opened").expect("opened");
    let url = opened[0][0].as_str().unwrap_or_default().to_owned();
    assert!(
        url.contains("?present=1")
            && url.contains("tour=gate-and-golden")
            && url.contains("step=1"),
        "the console opens on this step: {opened}"
    );
    assert_eq!(
        opened[0][1], "alatau-presenter",
        "one console window, reused"
    );

    // Pause (the button), so the checks below meet the same step.
    click(&page, "tour-play");
    page.wait_for("window.alatau.state().playing === false", WAIT)
        .expect("paused");
    assert_eq!(page.text_of("tour-play").expect("play"), "Play");

    // A language switch changes the caption in place, on the same step.
    page.eval("window.alatau.setLang('ru')").expect("setLang");
    page.wait_for(
        "document.querySelector('[data-testid=\"tour-step\"]').textContent.startsWith('Шаг')",
        WAIT,
    )
    .expect("the caption in Russian");
    assert_eq!(caption_title(&page), "Iconic Complex");
    assert_eq!(state(&page)["step"], 1, "the same step");
    page.eval("window.alatau.setLang('en')").expect("setLang");

    // Previous, by the key a presentation clicker sends; Space plays again.
    page.tab().press_key("PageUp").expect("PageUp");
    wait_step(&page, 0);
    page.tab().press_key(" ").expect("Space");
    page.wait_for("window.alatau.state().playing === true", WAIT)
        .expect("Space plays");

    // A drag on the view pauses the tour where it is; Resume flies back and goes on. The drag
    // starts where the canvas itself is under the pointer (labels are page buttons that slide
    // with the camera; a press on one is a page control, not the visitor taking the camera).
    let from = page
        .eval(
            "(() => { for (let y = 0.3; y <= 0.62; y += 0.04) for (let x = 0.55; x <= 0.95; x += 0.04) { \
               const p = [innerWidth * x, innerHeight * y]; \
               const e = document.elementFromPoint(p[0], p[1]); \
               if (e && e.id === 'alatau-canvas') return p; } return null; })()",
        )
        .expect("a point on the canvas");
    let (x, y) = (
        from[0].as_f64().expect("a canvas point"),
        from[1].as_f64().expect("a canvas point"),
    );
    page.drag((x, y), (x - 120.0, y + 20.0)).expect("drag");
    page.wait_for("window.alatau.state().playing === false", WAIT)
        .expect("the drag pauses the tour");
    page.wait_for(
        "document.querySelector('[data-testid=\"tour-play\"]').textContent === 'Resume'",
        WAIT,
    )
    .expect("the caption offers Resume");
    assert!(
        page.eval("document.querySelector('.tour-paused') !== null")
            .expect("paused note")
            == Value::Bool(true),
        "the caption says why it paused"
    );
    assert_eq!(state(&page)["step"], 0, "paused where it was");
    click(&page, "tour-play");
    page.wait_for("window.alatau.state().playing === true", WAIT)
        .expect("Resume plays on");
    assert_eq!(state(&page)["step"], 0, "on the same step");

    // Escape ends the tour.
    page.tab().press_key("Escape").expect("Escape");
    page.wait_for("window.alatau.state().tour === null", WAIT)
        .expect("Escape exits");
    assert!(!page.is_visible("tour-caption").expect("caption"));

    // A shared link lands on its step, paused.
    page.eval("location.hash = 'tour=gate-and-golden&step=2'")
        .expect("link");
    page.wait_for(
        "window.alatau.state().tour === 'gate-and-golden' && window.alatau.state().step === 2",
        WAIT,
    )
    .expect("the link's step");
    assert_eq!(state(&page)["playing"], false, "a link lands paused");
    assert_eq!(caption_title(&page), "A podium for the city");
    page.wait_for(
        "location.hash.includes('tour=gate-and-golden') && location.hash.includes('step=2')",
        WAIT,
    )
    .expect("the hash follows the tour");

    // Out of range: dropped with a warning, the page goes on.
    page.allow_console_errors();
    page.eval("window.alatau.stopTour()").expect("stop");
    page.eval("location.hash = 'tour=corridor&step=40'")
        .expect("link");
    page.wait_frames(4, WAIT).expect("frames");
    assert!(
        state(&page)["tour"].is_null(),
        "an out-of-range step starts nothing"
    );
    assert!(
        page.console()
            .iter()
            .any(|entry| entry.text.contains("step 40 is dropped")),
        "a console warning names it"
    );
}

#[test]
fn a_tour_caption_fits_a_phone() {
    let server = serve(HashMap::new());
    let page = open(&server, "#tour=corridor&step=1", (390, 844));
    page.wait_for("window.alatau.state().step === 1", WAIT)
        .expect("the linked step");
    assert_eq!(caption_title(&page), "Gate District");
    // The camera flies to the step even though the tour is paused.
    page.wait_for(
        "(() => { const c = window.alatau.state().camera; \
           const still = window.__lastPose === JSON.stringify(c); window.__lastPose = JSON.stringify(c); \
           return still && c.distance < 20000 && c.z > 20000; })()",
        WAIT,
    )
    .expect("the camera reaches the Gate District and rests");
    let inside = page
        .eval(
            "(() => { const r = document.querySelector('[data-testid=\"tour-caption\"]').getBoundingClientRect(); \
               return r.left >= 0 && r.right <= innerWidth && r.bottom <= innerHeight && r.top > innerHeight / 2; })()",
        )
        .expect("caption box");
    assert_eq!(
        inside, true,
        "the caption sits in the lower half of the phone, inside it"
    );
    screenshot(&page, "tour-caption-phone.png");
}

#[test]
fn an_invalid_tours_file_leaves_the_city_working_and_names_the_file() {
    let path = site_dir_from_env().join("assets/data/tours.json");
    let text = std::fs::read_to_string(&path).expect("bundled tours");
    let broken = text.replacen("\"frame\": \"gate-district\"", "\"frame\": \"atlantis\"", 1);
    let server = serve(HashMap::from([(
        "/assets/data/tours.json".to_owned(),
        broken.into_bytes(),
    )]));
    let page = Page::open(
        &server.url(),
        &BrowserOptions {
            size: (800, 600),
            strict_console: false,
            ..BrowserOptions::default()
        },
    )
    .expect("open");
    page.wait_ready().expect("the city still starts");
    click(&page, "tours");
    page.wait_for(
        "document.querySelector('[data-testid=\"tours-off\"]')?.textContent.includes('tours.json')",
        WAIT,
    )
    .expect("the list says the tours are off and names the file");
    let message = page.text_of("tours-off").expect("message");
    assert!(message.contains("atlantis"), "and the error: {message}");
    assert!(
        !page.is_visible("error-overlay").expect("overlay"),
        "no error overlay: the city works"
    );
    page.eval("window.alatau.select('kaist-kazakhstan')")
        .expect("select");
    page.wait_for(
        "window.alatau.state().selection === 'kaist-kazakhstan'",
        WAIT,
    )
    .expect("the city answers");
}
