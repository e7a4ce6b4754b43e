//! Keeps the URL hash and the app state in step: a link restores language, selection, tour step and camera on load
//! and on `hashchange`; the app writes its state back with `history.replaceState`, throttled
//! and after the frame, when the page is idle. Malformed entries are ignored with a console
//! warning.

use std::cell::RefCell;
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
/// The longest a hash waits for the page to be idle before it is written anyway.
const IDLE_WRITE_TIMEOUT_MS: u32 = 300;

thread_local! {
    /// The hash waiting to be written after the frame; `Some` while a write is scheduled.
    static PENDING_HASH: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Writes the pending hash: one callback for every write, made once.
    static PENDING_HASH_WRITER: Closure<dyn Fn()> = Closure::new(write_pending_hash);
}

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
        // A hash typed or followed now wins over the app's write still waiting for idle time.
        PENDING_HASH.with_borrow_mut(Option::take);
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
    write_hash_after_the_frame(&hash);
    *last_written = hash;
}

/// Schedules `hash` to be written when the page is next idle (or after a timeout), so that
/// `history.replaceState`, a few milliseconds on a slow phone, does not lengthen the frame
/// that starts a flight. A newer hash replaces one still waiting.
fn write_hash_after_the_frame(hash: &str) {
    let already_scheduled =
        PENDING_HASH.with_borrow_mut(|pending| pending.replace(format!("#{hash}")).is_some());
    if already_scheduled {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let scheduled = PENDING_HASH_WRITER.with(|writer| {
        let callback = writer.as_ref().unchecked_ref();
        let options = web_sys::IdleRequestOptions::new();
        options.set_timeout(IDLE_WRITE_TIMEOUT_MS);
        // Safari has no `requestIdleCallback`: a task after the frame instead.
        window
            .request_idle_callback_with_options(callback, &options)
            .is_ok()
            || window
                .set_timeout_with_callback_and_timeout_and_arguments_0(callback, 0)
                .is_ok()
    });
    if !scheduled {
        write_pending_hash();
    }
}

/// Writes the hash waiting, if any, with `history.replaceState` (no `hashchange`, no history
/// entry).
fn write_pending_hash() {
    let Some(url) = PENDING_HASH.with_borrow_mut(Option::take) else {
        return;
    };
    let Some(history) = web_sys::window().and_then(|window| window.history().ok()) else {
        return;
    };
    if history
        .replace_state_with_url(&JsValue::NULL, "", Some(&url))
        .is_err()
    {
        warn!("could not write the link's state into the address bar");
    }
}
