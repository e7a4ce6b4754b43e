//! The presenter console and its link to the audience's window. A window opened with
//! `?present=1` (or from the caption's `tour-present` button) is the presenter's console
//! (`presenter-console`: the caption and notes, the next step, the step's and the tour's time
//! against the plan, the clock, the controls), an app without the 3D city. Every window
//! opens the same `BroadcastChannel` (same origin, no server): the presenter says hello and
//! sends commands, the audience's window (any explorer window that hears a presenter) plays the
//! tour, sends its status and hides its own tour controls (`html[data-presented]`). Either
//! window alone, after a goodbye or a silence, is a whole explorer again.

use std::cell::{Cell, RefCell};

use bevy::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BroadcastChannel, Element, MessageEvent};

use super::dom::{append, by_id, clear, on_click_within, rebuild_keeping_focus, set};
use super::tours::{PlayState, append_tour_controls};
use super::{PageEvent, queue};
use crate::AppSystems;
use crate::model::camera_pose::CameraPose;
use crate::model::i18n::{Key, fill, text};
use crate::model::lang::Lang;
use crate::model::tour::console::{
    CHANNEL_NAME, ConsoleMessage, PeerWatch, RemoteCommand, TourStatus, WindowRole, clock,
    planned_tour_s,
};
use crate::tour::{ConsoleLink, TourCommand, TourPlayback};
use crate::world::choices::Language;
use crate::world::data::CityData;
use crate::world::tours::TourData;

const CONSOLE_ID: &str = "presenter-console";
/// The presenter's window's name: the caption's button opens (or brings back) this one window.
const CONSOLE_WINDOW_NAME: &str = "alatau-presenter";
/// How often a window says hello, and the audience's window repeats its status.
const HELLO_EVERY_S: f64 = 1.0;

thread_local! {
    /// The channel to the other window, when the browser has one.
    static CHANNEL: RefCell<Option<BroadcastChannel>> = const { RefCell::new(None) };
    /// Whether the page's tour controls drive the audience's window (written each frame).
    static DRIVES_THE_AUDIENCE: Cell<bool> = const { Cell::new(false) };
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Conversation>()
        .add_systems(
            Startup,
            (
                take_this_windows_part,
                open_the_channel,
                listen_for_console_clicks,
            )
                .chain(),
        )
        .add_systems(
            Update,
            (
                hear_the_other_window.in_set(AppSystems::ReadInput),
                (
                    speak_to_the_other_window,
                    mark_the_audience_view,
                    render_console,
                )
                    .in_set(AppSystems::Render),
            ),
        );
}

/// A message from the other window, taken from the page queue.
#[derive(Message, Clone, Debug, PartialEq)]
pub(super) struct ConsoleHeard(pub ConsoleMessage);

/// What this window knows of the other and what it last told it.
#[derive(Resource, Debug, Default)]
struct Conversation {
    peer: PeerWatch,
    /// When this window last said hello (real seconds since start).
    said_hello_s: Option<f64>,
    /// The status the audience's window last sent, and when.
    status_sent: Option<(TourStatus, f64)>,
}

/// A tour control from this page: to the audience's window when this is a presenter's console
/// with an audience, else to this window's own player.
pub(super) fn route(command: TourCommand) {
    if DRIVES_THE_AUDIENCE.get() {
        let remote = match command {
            TourCommand::Start { id, step, .. } => RemoteCommand::Start { tour: id, step },
            TourCommand::Next => RemoteCommand::Next,
            TourCommand::Previous => RemoteCommand::Previous,
            TourCommand::TogglePlay => RemoteCommand::TogglePlay,
            TourCommand::Stop => RemoteCommand::Stop,
            TourCommand::Follow(_) => return,
        };
        post(&ConsoleMessage::Command(remote));
    } else {
        queue(PageEvent::Tour(command));
    }
}

/// Opens the presenter's console in its own window, on the tour and step this window shows.
pub(super) fn open_console_window() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    let url = format!(
        "{}?present=1{}",
        location.pathname().unwrap_or_default(),
        location.hash().unwrap_or_default()
    );
    match window.open_with_url_and_target_and_features(
        &url,
        CONSOLE_WINDOW_NAME,
        "popup,width=1280,height=800",
    ) {
        Ok(Some(_)) => info!("presenter console opened"),
        Ok(None) | Err(_) => warn!("the browser kept the presenter console from opening (popups)"),
    }
}

fn post(message: &ConsoleMessage) {
    CHANNEL.with_borrow(|channel| {
        if let Some(channel) = channel
            && channel
                .post_message(&wasm_bindgen::JsValue::from_str(&message.to_json()))
                .is_err()
        {
            warn!("could not reach the other window");
        }
    });
}

pub(super) fn this_window_is_the_presenters() -> bool {
    super::dom::document()
        .and_then(|document| document.document_element())
        .is_some_and(|root| root.has_attribute("data-present"))
}

fn own_role(link: &ConsoleLink) -> WindowRole {
    if link.presenter {
        WindowRole::Presenter
    } else {
        WindowRole::Audience
    }
}

fn take_this_windows_part(mut link: ResMut<ConsoleLink>) {
    link.presenter = this_window_is_the_presenters();
    if link.presenter {
        info!("presenter console: the tour plays in the audience's window when there is one");
        if let Some(console) = by_id(CONSOLE_ID) {
            let _ = console.remove_attribute("hidden");
        }
    }
}

fn open_the_channel(link: Res<ConsoleLink>) {
    let channel = match BroadcastChannel::new(CHANNEL_NAME) {
        Ok(channel) => channel,
        Err(_) => {
            warn!("no BroadcastChannel: the presenter console cannot reach another window");
            return;
        }
    };
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(|event: MessageEvent| {
        let Some(text) = event.data().as_string() else {
            return;
        };
        match ConsoleMessage::parse(&text) {
            Ok(message) => queue(PageEvent::Console(message)),
            Err(error) => warn!("presenter console: {error}"),
        }
    });
    channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    // A closing window says goodbye, so the other one is whole again at once.
    let goodbye = ConsoleMessage::Bye {
        role: own_role(&link),
    };
    let on_page_hide = Closure::<dyn Fn()>::new(move || post(&goodbye));
    if let Some(window) = web_sys::window()
        && window
            .add_event_listener_with_callback("pagehide", on_page_hide.as_ref().unchecked_ref())
            .is_err()
    {
        warn!("could not listen for the page closing");
    }
    on_page_hide.forget();
    CHANNEL.with_borrow_mut(|slot| *slot = Some(channel));
    post(&ConsoleMessage::Hello {
        role: own_role(&link),
    });
}

fn listen_for_console_clicks() {
    on_click_within(CONSOLE_ID, "[data-console-tour]", |choice| {
        if let Some(id) = choice.get_attribute("data-console-tour") {
            route(TourCommand::Start {
                id,
                step: 0,
                playing: true,
            });
        }
    });
    on_click_within(CONSOLE_ID, "[data-console-control]", |control| {
        let command = match control.get_attribute("data-console-control").as_deref() {
            Some("prev") => TourCommand::Previous,
            Some("play") => TourCommand::TogglePlay,
            Some("next") => TourCommand::Next,
            Some("exit") => TourCommand::Stop,
            _ => return,
        };
        route(command);
    });
}

/// Takes what the other window said: its presence, the audience's status (the presenter
/// follows it), the presenter's commands (the audience obeys them).
fn hear_the_other_window(
    mut heard: MessageReader<ConsoleHeard>,
    time: Res<Time<Real>>,
    mut link: ResMut<ConsoleLink>,
    mut talk: ResMut<Conversation>,
    mut tour_commands: MessageWriter<TourCommand>,
) {
    let now_s = time.elapsed_secs_f64();
    let peer_role = if link.presenter {
        WindowRole::Audience
    } else {
        WindowRole::Presenter
    };
    for ConsoleHeard(message) in heard.read() {
        match message {
            ConsoleMessage::Hello { role } if *role == peer_role => {
                if !talk.peer.is_present(now_s) {
                    info!("presenter console: the {role:?} window is here");
                    // A newcomer gets the status at once, not within the second.
                    talk.status_sent = None;
                }
                talk.peer.heard(now_s);
            }
            ConsoleMessage::Bye { role } if *role == peer_role => {
                info!("presenter console: the {role:?} window closed");
                talk.peer.gone();
            }
            ConsoleMessage::Status(status) if link.presenter => {
                talk.peer.heard(now_s);
                tour_commands.write(TourCommand::Follow(status.clone()));
            }
            ConsoleMessage::Command(command) if !link.presenter => {
                talk.peer.heard(now_s);
                tour_commands.write(match command.clone() {
                    RemoteCommand::Start { tour, step } => TourCommand::Start {
                        id: tour,
                        step,
                        playing: true,
                    },
                    RemoteCommand::Next => TourCommand::Next,
                    RemoteCommand::Previous => TourCommand::Previous,
                    RemoteCommand::TogglePlay => TourCommand::TogglePlay,
                    RemoteCommand::Stop => TourCommand::Stop,
                });
            }
            // The window's own role's messages (another presenter, another audience) and
            // messages meant for the other role.
            _ => {}
        }
    }
    let peer = talk.peer.is_present(now_s);
    if link.peer != peer {
        link.peer = peer;
    }
    DRIVES_THE_AUDIENCE.set(link.follows_the_audience());
}

/// Hello every second; the audience's window also sends its status when it changes and every
/// second while a presenter listens.
fn speak_to_the_other_window(
    time: Res<Time<Real>>,
    link: Res<ConsoleLink>,
    playback: Res<TourPlayback>,
    mut talk: ResMut<Conversation>,
) {
    let now_s = time.elapsed_secs_f64();
    let due = |since: Option<f64>| since.is_none_or(|then| now_s - then >= HELLO_EVERY_S);
    if due(talk.said_hello_s) {
        post(&ConsoleMessage::Hello {
            role: own_role(&link),
        });
        talk.said_hello_s = Some(now_s);
    }
    if !link.is_presented() {
        return;
    }
    let status = playback.status();
    let changed = talk
        .status_sent
        .as_ref()
        .is_none_or(|(sent, at)| !sent.same_place(&status) || due(Some(*at)));
    if changed {
        post(&ConsoleMessage::Status(status.clone()));
        talk.status_sent = Some((status, now_s));
    }
}

/// The audience's window hides its tour controls while a presenter drives it.
fn mark_the_audience_view(link: Res<ConsoleLink>) {
    if !link.is_changed() {
        return;
    }
    let Some(root) = super::dom::document().and_then(|document| document.document_element()) else {
        return;
    };
    if link.is_presented() {
        set(&root, "data-presented", "");
    } else {
        let _ = root.remove_attribute("data-presented");
    }
}

/// What the console shows, but the clocks: rebuilt only when this changes.
#[derive(Clone, Debug, PartialEq)]
struct ConsoleView {
    lang: Lang,
    channel: bool,
    audience: bool,
    tour: Option<TourView>,
    /// With no tour on: each tour's id, title and planned time.
    choices: Vec<(String, String, String)>,
}

#[derive(Clone, Debug, PartialEq)]
struct TourView {
    title: String,
    step: usize,
    steps: usize,
    caption_title: String,
    caption_text: String,
    notes: Option<String>,
    next_title: Option<String>,
    playing: bool,
    paused_by_visitor: bool,
}

/// The console's clocks, rewritten only when their text changes.
#[derive(Default, PartialEq)]
struct ClockTexts {
    step: String,
    tour: String,
    wall: String,
}

fn render_console(
    link: Res<ConsoleLink>,
    playback: Res<TourPlayback>,
    tours: Option<Res<TourData>>,
    city: Option<Res<CityData>>,
    lang: Res<Language>,
    mut shown: Local<Option<ConsoleView>>,
    mut clocks: Local<ClockTexts>,
) {
    if !link.presenter {
        return;
    }
    let (Some(tours), Some(city)) = (tours, city) else {
        return;
    };
    let lang = lang.0;
    let planned = |id: &str| {
        tours
            .tour(id)
            .map(|tour| planned_tour_s(tour, &city, lang, &CameraPose::OVERVIEW))
            .unwrap_or(0.0)
    };
    let tour = playback.now.as_ref().and_then(|now| {
        let tour = tours.tour(&now.tour)?;
        let step = tour.steps.get(now.step)?;
        Some(TourView {
            title: tour.title.get(lang).to_owned(),
            step: now.step,
            steps: now.steps,
            caption_title: step.caption.title.get(lang).to_owned(),
            caption_text: step.caption.text.get(lang).to_owned(),
            notes: step.notes.as_ref().map(|notes| notes.get(lang).to_owned()),
            next_title: tour
                .steps
                .get(now.step + 1)
                .map(|next| next.caption.title.get(lang).to_owned()),
            playing: now.playing,
            paused_by_visitor: now.paused_by_visitor,
        })
    });
    let choices = if tour.is_some() {
        Vec::new()
    } else {
        tours
            .tours
            .iter()
            .map(|tour| {
                (
                    tour.id.clone(),
                    tour.title.get(lang).to_owned(),
                    clock(planned(&tour.id)),
                )
            })
            .collect()
    };
    let view = ConsoleView {
        lang,
        channel: CHANNEL.with_borrow(Option::is_some),
        audience: link.peer,
        tour,
        choices,
    };
    let Some(console) = by_id(CONSOLE_ID) else {
        return;
    };
    if shown.as_ref() != Some(&view) {
        rebuild_keeping_focus(&console, |console| {
            if fill_console(console, &view).is_none() {
                warn!("the presenter console could not be built completely");
            }
        });
        *shown = Some(view);
        *clocks = ClockTexts::default();
    }
    let texts = ClockTexts {
        step: playback.now.as_ref().map_or_else(String::new, |now| {
            fill(
                &fill(
                    text(Key::ConsoleStepTime, lang),
                    "elapsed",
                    &clock(now.elapsed_s),
                ),
                "planned",
                &clock(now.arrival_s + now.hold_s),
            )
        }),
        tour: playback.now.as_ref().map_or_else(String::new, |now| {
            fill(
                &fill(
                    text(Key::ConsoleTourTime, lang),
                    "elapsed",
                    &clock(now.tour_elapsed_s),
                ),
                "planned",
                &clock(planned(&now.tour)),
            )
        }),
        wall: fill(text(Key::ConsoleClock, lang), "time", &wall_clock()),
    };
    if *clocks != texts {
        for (id, value, old) in [
            ("console-step-time", &texts.step, &clocks.step),
            ("console-tour-time", &texts.tour, &clocks.tour),
            ("console-clock", &texts.wall, &clocks.wall),
        ] {
            if value != old
                && let Some(element) = by_id(id)
            {
                element.set_text_content(Some(value));
            }
        }
        *clocks = texts;
    }
}

/// The local time of day, `hh:mm:ss`.
fn wall_clock() -> String {
    let now = js_sys::Date::new_0();
    format!(
        "{:02}:{:02}:{:02}",
        now.get_hours(),
        now.get_minutes(),
        now.get_seconds()
    )
}

fn fill_console(console: &Element, view: &ConsoleView) -> Option<()> {
    let lang = view.lang;
    clear(console);
    let header = append(console, "header", "console-header", "")?;
    let heading = append(
        &header,
        "h1",
        "console-heading",
        text(Key::PresenterConsole, lang),
    )?;
    set(&heading, "id", "presenter-console-title");
    let clock = append(&header, "p", "console-clock", "")?;
    set(&clock, "id", "console-clock");
    set(&clock, "data-testid", "console-clock");
    let peer_key = if !view.channel {
        Key::ConsoleNoChannel
    } else if view.audience {
        Key::ConsoleAudienceConnected
    } else {
        Key::ConsoleAudienceMissing
    };
    let peer = append(console, "p", "console-peer", text(peer_key, lang))?;
    set(&peer, "data-testid", "console-peer");
    set(
        &peer,
        "data-connected",
        if view.audience { "true" } else { "false" },
    );
    let Some(tour) = &view.tour else {
        append(
            console,
            "h2",
            "console-prompt",
            text(Key::ConsoleChooseTour, lang),
        )?;
        let list = append(console, "ul", "console-choices", "")?;
        for (id, title, planned) in &view.choices {
            let item = append(&list, "li", "", "")?;
            let button = append(&item, "button", "tour-choice", "")?;
            set(&button, "type", "button");
            set(&button, "data-console-tour", id);
            append(&button, "span", "tour-choice-title", title)?;
            append(&button, "span", "tour-choice-summary", planned)?;
        }
        return Some(());
    };
    let position = fill(
        &fill(text(Key::TourStep, lang), "n", &(tour.step + 1).to_string()),
        "total",
        &tour.steps.to_string(),
    );
    let step = append(
        console,
        "p",
        "tour-step",
        &format!("{} · {position}", tour.title),
    )?;
    set(&step, "data-testid", "console-step");
    let title = append(console, "h2", "console-title", &tour.caption_title)?;
    set(&title, "data-testid", "console-title");
    append(console, "p", "console-text", &tour.caption_text)?;
    append(
        console,
        "h3",
        "console-notes-heading",
        text(Key::PresenterNotes, lang),
    )?;
    let notes = append(
        console,
        "p",
        "console-notes",
        tour.notes
            .as_deref()
            .unwrap_or(text(Key::ConsoleNoNotes, lang)),
    )?;
    set(&notes, "data-testid", "console-notes");
    let next = match &tour.next_title {
        Some(title) => fill(text(Key::ConsoleNext, lang), "title", title),
        None => text(Key::ConsoleLastStep, lang).to_owned(),
    };
    let next = append(console, "p", "console-next", &next)?;
    set(&next, "data-testid", "console-next-step");
    let times = append(console, "p", "console-times", "")?;
    for id in ["console-step-time", "console-tour-time"] {
        let time = append(&times, "span", "console-time", "")?;
        set(&time, "id", id);
        set(&time, "data-testid", id);
    }
    if tour.paused_by_visitor {
        append(
            console,
            "p",
            "tour-paused",
            text(Key::TourPausedByVisitor, lang),
        )?;
    }
    let controls = append(console, "div", "console-controls", "")?;
    append_tour_controls(
        &controls,
        lang,
        "console",
        &PlayState {
            step: tour.step,
            steps: tour.steps,
            playing: tour.playing,
            paused_by_visitor: tour.paused_by_visitor,
        },
        &[],
    )
}
