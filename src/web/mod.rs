//! Browser integration (wasm only): the `window.alatau` bridge, URL-hash sync, the readiness
//! signal and panic reporting. The only module that touches the DOM.

mod dom;
mod info_panel;
mod js_api;
mod lifecycle;
mod portfolio;
mod url_hash;

use std::cell::RefCell;

use bevy::prelude::*;
use wasm_bindgen::JsValue;

use crate::AppSystems;
use crate::state::Intent;

pub use lifecycle::report_panics_to_page;

pub(super) fn plugin(app: &mut App) {
    app.add_plugins((
        info_panel::plugin,
        js_api::plugin,
        lifecycle::plugin,
        portfolio::plugin,
        url_hash::plugin,
    ))
    .add_systems(Update, forward_page_intents.in_set(AppSystems::ReadInput));
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
