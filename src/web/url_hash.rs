//! Keeps the URL hash and the app state in step: a link restores language, selection, tour step and camera on load
//! and on `hashchange`; the app writes its state back with `history.replaceState`, throttled.
//! Malformed entries are ignored with a console warning.

use std::time::Duration;

use bevy::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::queue_intent;
use crate::AppSystems;
use crate::camera::OrbitCamera;
use crate::model::url_state::UrlState;
use crate::state::{Choices, ExplorerState, Intent};

/// At most this often the app rewrites the hash.
const WRITE_INTERVAL: Duration = Duration::from_millis(400);

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, restore_from_hash_and_listen)
        .add_systems(Update, write_state_to_hash.in_set(AppSystems::Render));
}

fn current_hash() -> Option<String> {
    web_sys::window()?.location().hash().ok()
}

/// Turns a hash into intents, warning about every entry it ignores.
fn queue_intents_from_hash(hash: &str) {
    let (link, warnings) = UrlState::parse(hash);
    for warning in warnings {
        warn!("{warning}");
    }
    if let Some(lang) = link.lang {
        queue_intent(Intent::SetLang(lang));
    }
    let linked_camera = link.cam.is_some();
    if let Some(pose) = link.cam {
        queue_intent(Intent::SetCamera(pose));
    }
    if let Some(year) = link.year {
        queue_intent(Intent::SetYear(Some(year)));
    }
    if let Some(id) = link.tour {
        // A shared tour link lands on its step, paused.
        super::queue(super::PageEvent::Tour(crate::tour::TourCommand::Start {
            id,
            step: link.step.map_or(0, |step| step as usize),
            playing: false,
        }));
    }
    if let Some(id) = link.select {
        // A link with its own camera keeps it; otherwise the view flies to the selection.
        queue_intent(Intent::Select {
            id: Some(id),
            fly: !linked_camera,
        });
    }
}

fn restore_from_hash_and_listen() {
    if let Some(hash) = current_hash() {
        queue_intents_from_hash(&hash);
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let on_hash_change = Closure::<dyn Fn()>::new(|| {
        if let Some(hash) = current_hash() {
            queue_intents_from_hash(&hash);
        }
    });
    if window
        .add_event_listener_with_callback("hashchange", on_hash_change.as_ref().unchecked_ref())
        .is_err()
    {
        warn!("could not listen for hash changes");
    }
    // The listener lives as long as the page.
    on_hash_change.forget();
}

/// The hash that restores `state` and the camera's view: where it rests, or where its flight
/// ends (a link taken mid-flight lands there, and a flight rewrites the hash once, not at every
/// interval of it: `history.replaceState` costs a frame about a millisecond).
pub(super) fn hash_of(state: &ExplorerState, camera: Option<&OrbitCamera>) -> String {
    UrlState {
        lang: Some(state.lang),
        select: state.selection.clone(),
        tour: state.tour.tour.clone(),
        step: state.tour.step.map(|step| step as u32),
        year: state.year,
        cam: camera.map(|camera| {
            if camera.is_flying() {
                camera.goal
            } else {
                camera.current
            }
        }),
    }
    .to_hash()
}

fn write_state_to_hash(
    time: Res<Time>,
    choices: Choices,
    cameras: Query<&OrbitCamera>,
    mut since_last_write: Local<Duration>,
    mut last_written: Local<String>,
) {
    *since_last_write += time.delta();
    if *since_last_write < WRITE_INTERVAL {
        return;
    }
    let hash = hash_of(&choices.gather(), cameras.iter().next());
    if hash == *last_written {
        return;
    }
    *since_last_write = Duration::ZERO;
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(history) = window.history() else {
        return;
    };
    let url = format!("#{hash}");
    if history
        .replace_state_with_url(&JsValue::NULL, "", Some(&url))
        .is_ok()
    {
        *last_written = hash;
    }
}
