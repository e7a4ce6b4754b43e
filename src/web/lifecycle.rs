//! Tells the page when the city is on screen (`alatau-ready`) and when the app has died
//! (`alatau-fatal`, with the panic message), so `web/boot.js` can resolve `window.alatau.ready`
//! or show the error overlay instead of a frozen canvas. On the way it reports start-up
//! milestones (`alatau-milestone`: the first frame, the data, the built city), which the page
//! records as `performance` marks for `cargo xtask bench`.

use bevy::diagnostic::FrameCount;
use bevy::prelude::*;
use wasm_bindgen::JsValue;

use super::dispatch_window_event;
use crate::AppSystems;
use crate::world::phase::{AppPhase, LoadStep};

/// Frames to render after the city is built before calling it ready: the first frames compile
/// pipelines and upload meshes.
const FRAMES_BEFORE_READY: u32 = 2;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (announce_ready.run_if(city_is_drawn), report_milestones).in_set(AppSystems::Render),
    );
}

/// Start-up milestones, each reported once: `first-frame`, `data`, `city-built`.
fn report_milestones(
    phase: Res<State<AppPhase>>,
    step: Option<Res<State<LoadStep>>>,
    mut reported: Local<Vec<&'static str>>,
) {
    let ready = *phase.get() == AppPhase::Ready;
    let building = step.is_some_and(|step| *step.get() == LoadStep::City);
    let reached = [
        ("first-frame", true),
        ("data", building || ready),
        ("city-built", ready),
    ];
    for (milestone, now) in reached {
        if now && !reported.contains(&milestone) {
            reported.push(milestone);
            dispatch_window_event("alatau-milestone", &JsValue::from_str(milestone));
        }
    }
}

fn city_is_drawn(
    frames: Res<FrameCount>,
    phase: Res<State<AppPhase>>,
    mut built_at: Local<Option<u32>>,
) -> bool {
    if *phase.get() != AppPhase::Ready {
        return false;
    }
    let since = *built_at.get_or_insert(frames.0);
    frames.0.saturating_sub(since) >= FRAMES_BEFORE_READY
}

fn announce_ready(mut announced: Local<bool>) {
    if !*announced {
        *announced = true;
        info!("the city is on screen");
        dispatch_window_event("alatau-ready", &JsValue::NULL);
    }
}

/// Chains a panic hook that hands the message to the page before the wasm traps.
pub fn report_panics_to_page() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = match info.payload_as_str() {
            Some(text) => text.to_owned(),
            None => "unknown panic".to_owned(),
        };
        let location = info
            .location()
            .map(|at| format!(" ({}:{})", at.file(), at.line()))
            .unwrap_or_default();
        dispatch_window_event(
            "alatau-fatal",
            &JsValue::from_str(&format!("{message}{location}")),
        );
        previous(info);
    }));
}
