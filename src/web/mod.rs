//! Browser integration (wasm only): the `window.alatau` bridge, URL-hash sync, the readiness
//! signal and panic reporting. The only module that touches the DOM.

mod data_view;
mod dom;
mod info_panel;
mod js_api;
mod labels;
mod layers;
mod legend;
mod lifecycle;
mod portfolio;
mod search;
mod share;
mod url_hash;

use std::cell::RefCell;

use bevy::prelude::*;
use wasm_bindgen::JsValue;

use crate::AppSystems;
use crate::state::{Intent, MotionPreference};

pub use lifecycle::report_panics_to_page;

/// The page around the 3D city.
pub(super) fn plugin(app: &mut App) {
    app.add_plugins((
        page_plugin,
        labels::plugin,
        layers::plugin,
        lifecycle::plugin,
    ))
    .add_systems(Startup, read_motion_preference)
    .add_systems(PostStartup, lighten_for_software_rendering);
}

/// The page without the 3D city (no WebGL 2): the panels, search and API, and the project table.
pub(super) fn data_view_plugin(app: &mut App) {
    app.add_plugins((page_plugin, data_view::plugin));
}

/// What both views share: panels, search, sharing, the API and the URL hash.
fn page_plugin(app: &mut App) {
    app.add_plugins((
        info_panel::plugin,
        js_api::plugin,
        legend::plugin,
        portfolio::plugin,
        search::plugin,
        share::plugin,
        url_hash::plugin,
    ))
    .add_systems(Update, forward_page_intents.in_set(AppSystems::ReadInput));
}

/// Whether the page asked for the data view (`web/boot.js` found no WebGL 2).
pub fn page_wants_data_view() -> bool {
    dom::document()
        .and_then(|document| document.document_element())
        .is_some_and(|root| root.class_list().contains(data_view::PAGE_CLASS))
}

thread_local! {
    /// Intents from JavaScript callbacks (API calls, hash changes), waiting for the next frame.
    static PAGE_INTENTS: RefCell<Vec<Intent>> = const { RefCell::new(Vec::new()) };
}

/// Queues an intent from a JavaScript callback; the app applies it on its next frame.
fn queue_page_intent(intent: Intent) {
    PAGE_INTENTS.with_borrow_mut(|queue| queue.push(intent));
}

fn forward_page_intents(mut intents: MessageWriter<Intent>) {
    let pending = PAGE_INTENTS.with_borrow_mut(std::mem::take);
    intents.write_batch(pending);
}

/// Reads `prefers-reduced-motion`: a visitor who asked for less motion gets cuts, not flights.
fn read_motion_preference(mut motion: ResMut<MotionPreference>) {
    let reduced = web_sys::window()
        .and_then(|window| window.match_media("(prefers-reduced-motion: reduce)").ok())
        .flatten()
        .is_some_and(|query| query.matches());
    if reduced {
        info!("prefers-reduced-motion: camera flights are cuts");
    }
    motion.reduced = reduced;
}

/// Without a GPU (`<html data-renderer="software">`, set by `web/boot.js`) every pixel is
/// shaded on the CPU: multisampling is turned off, which makes each frame cheaper there and
/// costs only smoother edges.
fn lighten_for_software_rendering(
    mut commands: Commands,
    cameras: Query<Entity, With<crate::camera::OrbitCamera>>,
) {
    let software = dom::document()
        .and_then(|document| document.document_element())
        .and_then(|root| root.get_attribute("data-renderer"))
        .is_some_and(|renderer| renderer == "software");
    if !software {
        return;
    }
    info!("software rendering: multisampling off");
    for camera in &cameras {
        commands.entity(camera).insert(Msaa::Off);
    }
}

/// Dispatches a `CustomEvent` named `name` on `window`, for `web/boot.js` to hear.
fn dispatch_window_event(name: &str, detail: &JsValue) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let init = web_sys::CustomEventInit::new();
    init.set_detail(detail);
    match web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
        Ok(event) => {
            let _ = window.dispatch_event(&event);
        }
        Err(error) => warn!("could not create the {name} event: {error:?}"),
    }
}
