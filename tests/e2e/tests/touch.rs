//! End-to-end: real touch events (CDP `Input.dispatchTouchEvent`) on the 3D view, on one page
//! reused for every gesture. A pinch zooms by the ratio of the finger spreads and keeps the
//! ground under the fingers' midpoint; a twist turns the heading by the fingers' angle; two
//! fingers moving together pan; a gesture sent within one frame gives what the same gesture
//! spread over many frames gives; a finger arriving or leaving mid-gesture causes no jump; a
//! trackpad pinch (a wheel event with Ctrl) zooms the view, not the page.

use std::time::Duration;

use alatau_e2e::browser::{BrowserOptions, Page};
use alatau_e2e::server::SiteServer;
use alatau_e2e::site_dir_from_env;
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(90);
/// The pose every gesture starts from: `cam=` of the URL hash.
const START: &str = "cam=0,0,4000,30,45";
const START_DISTANCE: f64 = 4_000.0;
const START_YAW: f64 = 30.0;

fn open() -> (SiteServer, Page) {
    let server =
        SiteServer::start(&site_dir_from_env(), "127.0.0.1", 0).expect("serve the built site");
    let url = format!("{}?debug=1#{START}", server.url());
    let page = Page::open(
        &url,
        &BrowserOptions {
            size: (400, 400),
            ..BrowserOptions::default()
        },
    )
    .expect("open the page");
    page.wait_ready().expect("ready");
    // The gestures are the canvas's: the page's tools, which on so small a window take most of
    // it (the layout test checks where they go), are put out of the fingers' way.
    page.eval(
        "['toolbar', 'map-tools', 'schematic-note', 'portfolio']\
           .forEach(id => { const e = document.getElementById(id); if (e) e.style.display = 'none'; })",
    )
    .expect("hide the page's tools");
    (server, page)
}

fn camera(page: &Page) -> Value {
    page.state().expect("state")["camera"].clone()
}

fn number(value: &Value, key: &str) -> f64 {
    value[key].as_f64().unwrap_or(f64::NAN)
}

/// Waits until two more frames have been drawn: whatever was sent has been applied.
fn next_frames(page: &Page) {
    page.wait_frames(2, WAIT).expect("frames");
}

/// Puts the camera back at the start pose (a link's `cam=` is a cut).
fn reset(page: &Page) {
    page.eval("location.hash = ''").expect("clear the hash");
    next_frames(page);
    page.eval(&format!("location.hash = '{START}'"))
        .expect("set the hash");
    page.wait_for(
        &format!(
            "Math.abs(window.alatau.state().camera.distance - {START_DISTANCE}) < 0.5 \
             && Math.abs(window.alatau.state().camera.yaw - {START_YAW}) < 0.01"
        ),
        WAIT,
    )
    .expect("back at the start pose");
    next_frames(page);
}

fn ground_at(page: &Page, x: f64, y: f64) -> (f64, f64) {
    let point = page
        .eval(&format!("window.alatau.debug.groundAt({x}, {y})"))
        .expect("groundAt");
    (number(&point, "x"), number(&point, "z"))
}

type Fingers = [(u32, f64, f64); 2];

/// Two fingers go down at `from`, move to `to` in `steps` moves, and lift. `slow` waits for
/// frames between the moves; otherwise the whole gesture lands within one frame.
fn two_finger_gesture(page: &Page, from: Fingers, to: Fingers, steps: u32, slow: bool) {
    page.touch("start", &from).expect("touch start");
    for step in 1..=steps {
        let t = f64::from(step) / f64::from(steps);
        let at = |i: usize| {
            (
                from[i].0,
                from[i].1 + (to[i].1 - from[i].1) * t,
                from[i].2 + (to[i].2 - from[i].2) * t,
            )
        };
        page.touch("move", &[at(0), at(1)]).expect("touch move");
        if slow {
            next_frames(page);
        }
    }
    page.touch("end", &[]).expect("touch end");
    next_frames(page);
}

fn heading_change(after: &Value) -> f64 {
    (number(after, "yaw") - START_YAW + 540.0).rem_euclid(360.0) - 180.0
}

#[test]
fn touch_gestures_follow_the_fingers() {
    let (_server, page) = open();

    // A slow pinch that doubles the spread: half the distance, the midpoint's ground held.
    reset(&page);
    let spread = [(1, 150.0, 250.0), (2, 250.0, 250.0)];
    let doubled = [(1, 100.0, 250.0), (2, 300.0, 250.0)];
    let held = ground_at(&page, 200.0, 250.0);
    two_finger_gesture(&page, spread, doubled, 8, true);
    let slow = camera(&page);
    let zoom = START_DISTANCE / number(&slow, "distance");
    assert!(
        (zoom - 2.0).abs() <= 0.2,
        "a 2x pinch zooms 2x: {zoom:.3} ({slow})"
    );
    let now = ground_at(&page, 200.0, 250.0);
    let slip = (now.0 - held.0).hypot(now.1 - held.1);
    assert!(
        slip < 0.03 * number(&slow, "distance"),
        "the ground under the midpoint stays under it: slipped {slip:.1} m ({held:?} -> {now:?})"
    );

    // The same pinch within one frame gives the same view.
    reset(&page);
    two_finger_gesture(&page, spread, doubled, 8, false);
    let fast = camera(&page);
    for key in ["distance", "x", "z"] {
        let (a, b) = (number(&slow, key), number(&fast, key));
        assert!(
            (a - b).abs() <= 0.02 * START_DISTANCE,
            "{key}: slow {a:.1} vs fast {b:.1}"
        );
    }

    // A 30 degree twist round the middle turns the heading 30 degrees, slow or fast.
    let around = |degrees: f64| -> Fingers {
        let (s, c) = degrees.to_radians().sin_cos();
        [
            (1, 200.0 - 80.0 * c, 200.0 - 80.0 * s),
            (2, 200.0 + 80.0 * c, 200.0 + 80.0 * s),
        ]
    };
    for slow in [true, false] {
        reset(&page);
        let from = around(0.0);
        page.touch("start", &from).expect("touch start");
        for step in 1..=6 {
            page.touch("move", &around(f64::from(step) * 5.0))
                .expect("touch move");
            if slow {
                next_frames(&page);
            }
        }
        page.touch("end", &[]).expect("touch end");
        next_frames(&page);
        let twisted = camera(&page);
        let turned = heading_change(&twisted);
        assert!(
            (turned.abs() - 30.0).abs() <= 3.0,
            "a 30 degree twist turns 30 degrees (slow: {slow}): {turned:.2} ({twisted})"
        );
        let zoom = START_DISTANCE / number(&twisted, "distance");
        assert!((zoom - 1.0).abs() < 0.05, "a twist does not zoom: {zoom}");
    }

    // Two fingers moving together pan, without zooming or turning.
    reset(&page);
    two_finger_gesture(
        &page,
        [(1, 150.0, 220.0), (2, 250.0, 220.0)],
        [(1, 150.0, 300.0), (2, 250.0, 300.0)],
        5,
        true,
    );
    let panned = camera(&page);
    assert!(
        number(&panned, "x").hypot(number(&panned, "z")) > 300.0,
        "the target moved: {panned}"
    );
    assert!((START_DISTANCE / number(&panned, "distance") - 1.0).abs() < 0.05);
    assert!(heading_change(&panned).abs() < 1.0, "{panned}");

    // One finger drags; a second lands mid-drag; then one lifts mid-pinch: no jumps.
    reset(&page);
    page.touch("start", &[(1, 150.0, 200.0)])
        .expect("one finger");
    page.touch("move", &[(1, 190.0, 200.0)]).expect("drag");
    next_frames(&page);
    let dragged = camera(&page);
    assert!(
        (heading_change(&dragged) - 10.0).abs() < 1.0,
        "40 px of one-finger drag orbit 10 degrees: {dragged}"
    );
    page.touch("start", &[(1, 190.0, 200.0), (2, 290.0, 200.0)])
        .expect("a second finger");
    next_frames(&page);
    let landed = camera(&page);
    assert_eq!(landed, dragged, "a second finger landing moves nothing");
    page.touch("move", &[(1, 140.0, 200.0), (2, 340.0, 200.0)])
        .expect("pinch");
    next_frames(&page);
    let pinched = camera(&page);
    let zoom = number(&landed, "distance") / number(&pinched, "distance");
    assert!((zoom - 2.0).abs() <= 0.2, "then a 2x pinch: {zoom:.3}");
    page.touch("end", &[(2, 340.0, 200.0)])
        .expect("lift the second finger");
    next_frames(&page);
    let lifted = camera(&page);
    assert_eq!(lifted, pinched, "lifting a finger moves nothing");
    page.touch("move", &[(1, 180.0, 200.0)]).expect("drag on");
    next_frames(&page);
    let dragged_on = camera(&page);
    let orbit =
        (number(&dragged_on, "yaw") - number(&lifted, "yaw") + 540.0).rem_euclid(360.0) - 180.0;
    assert!(
        (orbit - 10.0).abs() < 1.0,
        "the remaining finger drags on from where it is: {orbit:.2}"
    );
    page.touch("end", &[]).expect("lift");

    // A trackpad pinch (a wheel event with Ctrl) zooms the view by the browser's scale,
    // exp(-delta / 100), and not the page.
    reset(&page);
    page.wheel(200.0, 200.0, -100.0 * 2_f64.ln(), true)
        .expect("pinch on the trackpad");
    next_frames(&page);
    // The wheel's zoom eases in (frames are slow here): wait for it to come within 10 %.
    page.wait_for(
        &format!("Math.abs({START_DISTANCE} / window.alatau.state().camera.distance - 2) <= 0.2"),
        WAIT,
    )
    .expect("the zoom eases to 2x");
    let pinched = camera(&page);
    let zoom = START_DISTANCE / number(&pinched, "distance");
    assert!(
        (zoom - 2.0).abs() <= 0.2,
        "a trackpad pinch to 2x zooms 2x: {zoom:.3}"
    );
    assert_eq!(
        page.eval("window.visualViewport.scale")
            .expect("page scale"),
        1,
        "the page itself is not zoomed"
    );
}
