//! Browser integration (wasm only): the `window.alatau` bridge, URL-hash sync, the readiness
//! signal and panic reporting, and the panels. The only module that touches the DOM.
//!
//! Everything JavaScript tells the app (API calls, hash changes, clicks, typing, a lost graphics
//! context) goes into one page-event queue ([`queue`]), drained once a frame by
//! [`drain_page_events`] into intents, visitor activity and page signals.

mod console;
mod data_view;
mod dom;
mod hand_off;
mod info_panel;
mod js_api;
mod kiosk;
mod labels;
mod layers;
mod layout;
mod legend;
mod lifecycle;
mod portfolio;
mod probe;
mod search;
mod share;
mod timeline;
mod tours;
mod url_hash;

use std::cell::RefCell;

use bevy::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;

use crate::AppSystems;
use crate::camera::MotionPreference;
use crate::camera::controls::TrackpadPinch;
use crate::state::Intent;
use crate::world::activity::{ActivitySource, VisitorActivity};
use crate::world::choices::Language;
use crate::world::phase::AppPhase;

pub use lifecycle::report_panics_to_page;

/// The page around the 3D city.
pub(super) fn plugin(app: &mut App) {
    app.add_plugins((
        page_plugin,
        console::plugin,
        hand_off::plugin,
        kiosk::plugin,
        labels::plugin,
        layout::plugin,
        layers::plugin,
        lifecycle::plugin,
        probe::plugin,
        tours::plugin,
    ))
    .add_systems(
        Startup,
        (
            read_motion_preference,
            listen_for_context_loss,
            listen_for_trackpad_pinches,
        ),
    )
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
        timeline::plugin,
        url_hash::plugin,
    ))
    .add_message::<PageSignal>()
    // The data view has no tour player; its page may still ask for a tour (and is ignored).
    .add_message::<crate::tour::TourCommand>()
    .add_message::<console::ConsoleHeard>()
    .add_message::<crate::kiosk::KioskResetAsked>()
    .add_message::<hand_off::HandOffAsked>()
    .insert_non_send(probe::GroundProbes::default())
    .add_systems(Startup, listen_for_page_activity)
    .add_systems(Update, drain_page_events.in_set(AppSystems::ReadInput));
}

/// The presenter console without the 3D city (`?present=1`): the page's parts, the tours and
/// the link to the audience's window.
pub(super) fn console_view_plugin(app: &mut App) {
    app.add_plugins((
        page_plugin,
        tours::plugin,
        console::plugin,
        lifecycle::plugin,
    ))
    .add_systems(
        OnEnter(crate::world::phase::LoadStep::City),
        data_view::there_is_no_city_to_build,
    );
}

/// Whether the page is a presenter console (`?present=1`, marked on `<html>` by `web/boot.js`).
pub fn page_wants_console_view() -> bool {
    console::this_window_is_the_presenters()
}

/// Whether the page asked for the data view (`web/boot.js` found no WebGL 2).
pub fn page_wants_data_view() -> bool {
    dom::document()
        .and_then(|document| document.document_element())
        .is_some_and(|root| root.class_list().contains(data_view::PAGE_CLASS))
}

/// Something JavaScript told the app, waiting for the next frame.
#[derive(Debug)]
enum PageEvent {
    /// An intent: an API call, a hash change, a page control.
    Intent(Intent),
    /// The visitor pressed a key or a pointer somewhere on the page outside the 3D view.
    Activity,
    /// A page signal for the page's own systems.
    Signal(PageSignal),
    /// The browser took the graphics context away.
    ContextLost,
    /// A trackpad pinch over the 3D view (a wheel event with `ctrlKey`): its vertical delta.
    TrackpadPinch(f32),
    /// The browser suite asks where the ground is under a viewport point (`?debug=1`).
    GroundProbe(probe::GroundProbe),
    /// A tour control: the page's buttons and keys, a `tour=` link, the API.
    Tour(crate::tour::TourCommand),
    /// The browser suite asks a kiosk for a soft reset now (`?debug=1`).
    KioskResetAsked,
    /// A message from the other window of a presentation (`web/console.rs`).
    Console(crate::model::tour::console::ConsoleMessage),
    /// A kiosk visitor asked for a QR code: of the view, or of a source link.
    HandOff(hand_off::HandOffAsked),
}

/// What a page control asks of the page's own systems (not of the app state).
#[derive(Message, Clone, Copy, Debug, PartialEq, Eq)]
enum PageSignal {
    /// The share button was pressed.
    ShareAsked,
    /// The search box's text changed, or it took the focus.
    SearchChanged,
    /// The timeline's play button was pressed.
    YearPlayToggled,
}

thread_local! {
    /// The one queue from JavaScript callbacks to the app.
    static PAGE_EVENTS: RefCell<Vec<PageEvent>> = const { RefCell::new(Vec::new()) };
}

/// Queues an event from a JavaScript callback; the app takes it on its next frame.
fn queue(event: PageEvent) {
    PAGE_EVENTS.with_borrow_mut(|queue| queue.push(event));
}

/// Queues an intent from a JavaScript callback.
fn queue_intent(intent: Intent) {
    queue(PageEvent::Intent(intent));
}

/// Where the page's events go: messages for the app's systems.
#[derive(bevy::ecs::system::SystemParam)]
struct PageOutlets<'w> {
    intents: MessageWriter<'w, Intent>,
    activity: MessageWriter<'w, VisitorActivity>,
    signals: MessageWriter<'w, PageSignal>,
    pinches: MessageWriter<'w, TrackpadPinch>,
    tour_commands: MessageWriter<'w, crate::tour::TourCommand>,
    console_heard: MessageWriter<'w, console::ConsoleHeard>,
    kiosk_resets: MessageWriter<'w, crate::kiosk::KioskResetAsked>,
    hand_offs: MessageWriter<'w, hand_off::HandOffAsked>,
}

/// Takes this frame's page events: intents to the state, visitor activity, page signals.
fn drain_page_events(
    mut outlets: PageOutlets,
    mut probes: NonSendMut<probe::GroundProbes>,
    mut next_phase: ResMut<NextState<AppPhase>>,
) {
    let mut active = false;
    for event in PAGE_EVENTS.with_borrow_mut(std::mem::take) {
        match event {
            PageEvent::Intent(intent) => {
                outlets.intents.write(intent);
            }
            PageEvent::Activity => active = true,
            PageEvent::Signal(signal) => {
                outlets.signals.write(signal);
            }
            PageEvent::ContextLost => {
                error!("the graphics context was lost");
                next_phase.set(AppPhase::Failed);
            }
            PageEvent::TrackpadPinch(delta_y_px) => {
                outlets.pinches.write(TrackpadPinch { delta_y_px });
            }
            PageEvent::GroundProbe(probe) => probes.0.push(probe),
            PageEvent::Tour(command) => {
                outlets.tour_commands.write(command);
            }
            PageEvent::KioskResetAsked => {
                outlets.kiosk_resets.write(crate::kiosk::KioskResetAsked);
            }
            PageEvent::Console(message) => {
                outlets.console_heard.write(console::ConsoleHeard(message));
            }
            PageEvent::HandOff(ask) => {
                outlets.hand_offs.write(ask);
            }
        }
    }
    if active {
        outlets
            .activity
            .write(VisitorActivity(ActivitySource::Page));
    }
}

/// Run condition: the interface language changed (true on the first run too, so each page
/// part is translated once at start).
fn language_changed(lang: Res<Language>) -> bool {
    lang.is_changed()
}

/// A key or a pointer anywhere on the page outside the 3D view is visitor activity (the 3D
/// view's own input is read by Bevy).
fn listen_for_page_activity() {
    let listener = Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| {
        let on_canvas = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|element| element.id() == crate::CANVAS_SELECTOR.trim_start_matches('#'));
        if !on_canvas {
            queue(PageEvent::Activity);
        }
    });
    dom::on_document_events(&["pointerdown", "keydown"], listener);
}

/// A trackpad pinch arrives as a wheel event with `ctrlKey`, which would zoom the whole page:
/// over the 3D view it is kept from the page (and from the plain wheel path) and zooms the
/// camera instead.
fn listen_for_trackpad_pinches() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let canvas_id = crate::CANVAS_SELECTOR.trim_start_matches('#');
    let listener =
        Closure::<dyn Fn(web_sys::WheelEvent)>::new(move |event: web_sys::WheelEvent| {
            let over_canvas = event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|element| element.id() == canvas_id);
            if !event.ctrl_key() || !over_canvas {
                return;
            }
            event.prevent_default();
            event.stop_propagation();
            // Lines (Firefox) to pixels, as browsers do for pixel-based scrolling.
            let delta = match event.delta_mode() {
                web_sys::WheelEvent::DOM_DELTA_LINE => event.delta_y() * 16.0,
                _ => event.delta_y(),
            };
            queue(PageEvent::TrackpadPinch(delta as f32));
        });
    let options = web_sys::AddEventListenerOptions::new();
    options.set_capture(true);
    options.set_passive(false);
    if window
        .add_event_listener_with_callback_and_add_event_listener_options(
            "wheel",
            listener.as_ref().unchecked_ref(),
            &options,
        )
        .is_err()
    {
        warn!("could not listen for trackpad pinches");
    }
    listener.forget();
}

/// A lost WebGL context fails the app (the page shows the error overlay, `web/boot.js`).
fn listen_for_context_loss() {
    let Some(canvas) = dom::by_id(crate::CANVAS_SELECTOR.trim_start_matches('#')) else {
        return;
    };
    let listener = Closure::<dyn Fn()>::new(|| queue(PageEvent::ContextLost));
    if canvas
        .add_event_listener_with_callback("webglcontextlost", listener.as_ref().unchecked_ref())
        .is_err()
    {
        warn!("could not listen for a lost graphics context");
    }
    listener.forget();
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
