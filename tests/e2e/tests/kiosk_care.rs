//! End-to-end: what keeps a kiosk in service and what it hands to a visitor, on one kiosk page.
//! "Take this view with you" shows a QR code that an independent decoder (`rqrr`), reading a
//! screenshot, finds to be exactly the share link (the `share=` base plus the view's hash); a
//! source link shows its address and code and navigates nowhere; frames that stop (a short
//! watchdog clock, `debug.setStallSeconds`) and a lost graphics context each make the page reload itself, and the staff
//! view, opened with five taps in the corner, counts both recoveries with their causes; past
//! its memory ceiling the kiosk reloads only between visitors.

use std::time::Duration;

use alatau_e2e::browser::{BrowserOptions, Page};
use alatau_e2e::server::SiteServer;
use alatau_e2e::{
    expect_reload_only_between_visitors, open_ready, output_dir_from_env, site_dir_from_env,
};

const WAIT: Duration = Duration::from_secs(90);
/// A reload on the software renderer: the wait for it, the new load and the kiosk's 10 s
/// countdown on the error overlay.
const RELOAD_WAIT: Duration = Duration::from_secs(240);
const SIZE: (u32, u32) = (640, 480);
const SHARE: &str = "https://example.org/alatau/";
const HOLD: Duration = Duration::from_millis(700);

fn wait(page: &Page, expression: &str, what: &str) {
    if let Err(error) = page.wait_for(expression, WAIT) {
        panic!("{what}: {error}; state: {:?}", page.state().ok());
    }
}

/// The QR codes a screenshot shows, decoded.
fn qr_codes_in(png_bytes: &[u8]) -> Vec<String> {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("the PNG's pixels");
    let channels = info.color_type.samples();
    let (width, height) = (info.width as usize, info.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        let at = (y * width + x) * channels;
        let rgb = &pixels[at..at + 3];
        ((u32::from(rgb[0]) * 3 + u32::from(rgb[1]) * 6 + u32::from(rgb[2])) / 10) as u8
    });
    image
        .detect_grids()
        .iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, content)| content))
        .collect()
}

fn tap_test_id(page: &Page, test_id: &str) {
    let (x, y) = page.center_of(test_id).expect("where it is");
    page.tap(x, y, HOLD).expect("tap");
}

fn open_kiosk(server: &SiteServer) -> Page {
    let page = open_ready(
        server,
        &format!("?debug=1&kiosk=1&idle=600&share={SHARE}"),
        &BrowserOptions {
            size: SIZE,
            ..BrowserOptions::default()
        },
    );
    wait(
        &page,
        "window.alatau.state().kiosk.stage === 'attract'",
        "the kiosk starts in its attract loop",
    );
    // A visitor: a touch on the view wakes it.
    page.tap(f64::from(SIZE.0) * 0.9, f64::from(SIZE.1) * 0.45, HOLD)
        .expect("touch");
    wait(
        &page,
        "window.alatau.state().kiosk.stage === 'exploring'",
        "a touch explores",
    );
    page
}

#[test]
fn the_qr_code_is_the_share_link_and_source_links_stay_on_the_kiosk() {
    let server =
        SiteServer::start(&site_dir_from_env(), "127.0.0.1", 0).expect("serve the built site");
    let page = open_kiosk(&server);
    page.eval("(window.alatau.select('iconic-complex'), window.alatau.setLang('kk'))")
        .expect("choose");
    wait(
        &page,
        "(() => { const s = window.alatau.state(); const c = JSON.stringify(s.camera); \
           const rest = window.__rest; \
           if (!rest || rest.camera !== c) { window.__rest = { camera: c, frame: s.frame }; return false; } \
           return s.frame >= rest.frame + 3 && location.hash.includes('select=iconic-complex') \
             && location.hash.includes(`cam=${s.camera.x.toFixed(0)},`); })()",
        "the camera comes to rest on the record, and the hash follows it",
    );
    assert!(
        !page.is_visible("share").expect("share"),
        "a kiosk offers the code, not the clipboard"
    );

    tap_test_id(&page, "take-view");
    wait(
        &page,
        "document.querySelector('[data-testid=qr-card]')?.dataset.kind === 'view'",
        "the card shows the view's code",
    );
    let hash = page.eval("location.hash").expect("hash");
    let expected = format!("{SHARE}{}", hash.as_str().expect("a hash"));
    assert_eq!(page.text_of("qr-link").expect("link"), expected);
    let screenshot = page.screenshot().expect("screenshot");
    std::fs::write(output_dir_from_env().join("kiosk-qr.png"), &screenshot).expect("save");
    assert_eq!(
        qr_codes_in(&screenshot),
        vec![expected.clone()],
        "the decoder reads exactly the share link"
    );
    assert!(
        expected.contains("lang=kk") && expected.contains("cam="),
        "{expected}"
    );
    assert!(
        page.text_of("qr-card").expect("card").contains("өзіңізбен"),
        "in the visitor's language"
    );
    tap_test_id(&page, "qr-close");
    wait(
        &page,
        "document.querySelector('[data-testid=qr-card]').hidden",
        "Close closes it",
    );

    // A source link: its address and code, no navigation, no new tab.
    let href = page
        .eval("document.querySelector('#info-panel a.source')?.href ?? null")
        .expect("a source link");
    let href = href
        .as_str()
        .expect("the record cites a source with an address")
        .to_owned();
    let url_before = page.eval("location.href").expect("url");
    page.eval(
        "(() => { const a = document.querySelector('#info-panel a.source'); \
           a.scrollIntoView({block: 'center'}); a.dataset.testid = 'first-source'; })()",
    )
    .expect("mark the link");
    tap_test_id(&page, "first-source");
    wait(
        &page,
        "document.querySelector('[data-testid=qr-card]')?.dataset.kind === 'source'",
        "a source shows its code",
    );
    assert_eq!(page.text_of("qr-link").expect("link"), href);
    assert_eq!(
        qr_codes_in(&page.screenshot().expect("screenshot")),
        vec![href.clone()],
        "the source's code"
    );
    // A script's click and a middle click do not navigate either.
    page.eval(
        "(() => { const a = document.querySelector('#info-panel a.source'); a.click(); \
           a.dispatchEvent(new MouseEvent('auxclick', {button: 1, bubbles: true, cancelable: true})); })()",
    )
    .expect("click by script");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        page.eval("location.href").expect("url"),
        url_before,
        "still here"
    );
    let targets = page
        .tab()
        .call_method(
            serde_json::from_value::<headless_chrome::protocol::cdp::Target::GetTargets>(
                serde_json::json!({}),
            )
            .expect("a request"),
        )
        .expect("the browser's targets");
    let pages = targets
        .target_infos
        .iter()
        .filter(|target| target.Type == "page" && !target.url.starts_with("chrome://"))
        .count();
    assert_eq!(pages, 1, "no tab was opened: {:?}", targets.target_infos);

    // The kiosk's reset closes the card.
    page.eval("window.alatau.debug.kioskReset()")
        .expect("reset");
    wait(
        &page,
        "document.querySelector('[data-testid=qr-card]').hidden && window.alatau.state().kiosk.stage === 'attract'",
        "the reset closes the card",
    );
}

#[test]
fn stopped_frames_and_a_lost_context_reload_the_kiosk_and_the_staff_view_counts_them() {
    let server =
        SiteServer::start(&site_dir_from_env(), "127.0.0.1", 0).expect("serve the built site");
    let page = open_kiosk(&server);
    page.allow_console_errors(); // The lost context is reported as an error.
    page.eval("localStorage.removeItem('alatau.kiosk.recoveries')")
        .expect("a kiosk with no history");

    // The frame loop stops, as a hung app's would: the watchdog reloads after 5 s. (Set only
    // now: a frame of the software renderer on a busy machine can itself take seconds.)
    page.eval("(window.alatau.debug.setStallSeconds(5), window.alatau.debug.stopFrames())")
        .expect("stop");
    page.wait_for_reload(false, RELOAD_WAIT)
        .expect("the watchdog reloads");

    // The graphics context is lost: the overlay counts down and the kiosk reloads.
    page.eval(
        "document.getElementById('alatau-canvas').getContext('webgl2')\
           .getExtension('WEBGL_lose_context').loseContext()",
    )
    .expect("lose the context");
    wait(
        &page,
        "!document.getElementById('error-overlay').hidden",
        "the overlay shows the loss",
    );
    page.wait_for_reload(false, RELOAD_WAIT)
        .expect("the countdown reloads");

    // Five taps in the top-left corner open the staff view.
    // (As pointer events on the page: a real touch through CDP waits for a frame of the
    // software renderer, a second or more, and five would not fit in the gesture's six seconds.)
    page.eval(
        "(() => { for (let i = 0; i < 5; i++) for (const type of ['pointerdown', 'pointerup']) \
           document.body.dispatchEvent(new PointerEvent(type, \
             { clientX: 12, clientY: 12, bubbles: true, pointerType: 'touch' })); })()",
    )
    .expect("five taps");
    wait(
        &page,
        "!document.getElementById('staff-view').hidden",
        "five taps open it",
    );
    wait(
        &page,
        "document.querySelector('[data-testid=staff-recoveries]')?.dataset.count === '2'",
        "two recoveries counted across the reloads",
    );
    let causes = page
        .eval("document.querySelector('[data-testid=staff-causes]').dataset.causes")
        .expect("causes");
    assert_eq!(causes, "context-lost,frames-stopped", "newest first");
    let text = page.text_of("staff-view").expect("staff view");
    for shown in [
        "frames stopped",
        "graphics context lost",
        "MB",
        "0.1.0",
        "2026-",
    ] {
        assert!(text.contains(shown), "{shown} in {text}");
    }
    wait(
        &page,
        "/\\d fps/.test(document.querySelector('[data-testid=staff-fps]').textContent)",
        "the frame rate shows",
    );
    std::fs::write(
        output_dir_from_env().join("kiosk-staff-view.png"),
        page.screenshot().expect("screenshot"),
    )
    .expect("save");
    tap_test_id(&page, "staff-close");
    wait(
        &page,
        "document.getElementById('staff-view').hidden",
        "Close closes it",
    );

    // Past the memory ceiling: no reload under a visitor's hands, one between visitors.
    page.tap(f64::from(SIZE.0) * 0.9, f64::from(SIZE.1) * 0.45, HOLD)
        .expect("touch");
    wait(
        &page,
        "window.alatau.state().kiosk.stage === 'exploring'",
        "a visitor",
    );
    page.eval("window.alatau.debug.setMemoryCeiling(1e6)")
        .expect("a low ceiling");
    expect_reload_only_between_visitors(&page, RELOAD_WAIT);
    assert_eq!(
        page.eval("JSON.parse(localStorage.getItem('alatau.kiosk.recoveries')).recent[0].cause")
            .expect("the log"),
        "memory"
    );
}
