//! The tours in the page: the toolbar's `tours` button opens the tour list (`tour-list`, each
//! tour's title and summary; or why the tours are off), and while a tour plays the caption card
//! (`tour-caption`: step n of N, title, text, and `tour-prev`, `tour-play`, `tour-next`,
//! `tour-exit`, and `tour-present`, which opens the presenter console). Presentation keys work anywhere on the page but in text fields: Space plays and
//! pauses, Right/PageDown next, Left/PageUp previous, Escape exits.

use std::cell::Cell;

use bevy::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Element, KeyboardEvent};

use super::dom::{append, by_id, clear, on_click_within, rebuild_keeping_focus, set};
use super::language_changed;
use crate::AppSystems;
use crate::model::i18n::{Key, fill, text};
use crate::model::lang::Lang;
use crate::tour::{TourCommand, TourPlayback};
use crate::world::choices::Language;
use crate::world::tours::{TourData, TourFailure};

const LIST_ID: &str = "tour-list";
const CAPTION_ID: &str = "tour-caption";

thread_local! {
    /// Whether a tour is on, for the page's key listener (written by the app each frame).
    static TOUR_IS_ON: Cell<bool> = const { Cell::new(false) };
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Startup,
        (listen_for_tour_clicks, listen_for_presentation_keys),
    )
    .add_systems(
        Update,
        (
            translate_tours_button.run_if(language_changed),
            render_tour_list.run_if(
                language_changed
                    .or_eager(resource_exists_and_changed::<TourData>)
                    .or_eager(resource_added::<TourFailure>),
            ),
            render_caption,
        )
            .in_set(AppSystems::Render),
    );
}

/// A tour control from this page (to the audience's window, from a presenter's console).
fn send(command: TourCommand) {
    super::console::route(command);
}

fn show_list(open: bool) {
    if let Some(list) = by_id(LIST_ID) {
        if open {
            let _ = list.remove_attribute("hidden");
        } else {
            set(&list, "hidden", "");
        }
    }
    if let Some(button) = by_id("tours") {
        set(
            &button,
            "aria-expanded",
            if open { "true" } else { "false" },
        );
    }
}

fn listen_for_tour_clicks() {
    on_click_within("tours", "#tours", |button| {
        let open = button.get_attribute("aria-expanded").as_deref() == Some("true");
        show_list(!open);
    });
    on_click_within(LIST_ID, "[data-tour]", |choice| {
        if let Some(id) = choice.get_attribute("data-tour") {
            send(TourCommand::Start {
                id,
                step: 0,
                playing: true,
            });
            show_list(false);
        }
    });
    on_click_within(CAPTION_ID, "[data-tour-control]", |control| {
        let command = match control.get_attribute("data-tour-control").as_deref() {
            Some("present") => return super::console::open_console_window(),
            Some("prev") => TourCommand::Previous,
            Some("play") => TourCommand::TogglePlay,
            Some("next") => TourCommand::Next,
            Some("exit") => TourCommand::Stop,
            _ => return,
        };
        send(command);
    });
}

/// What presentation clickers send, anywhere on the page but in a text field.
fn listen_for_presentation_keys() {
    let Some(document) = super::dom::document() else {
        return;
    };
    let listener = Closure::<dyn Fn(KeyboardEvent)>::new(|event: KeyboardEvent| {
        if !TOUR_IS_ON.get() {
            return;
        }
        let typing = event
            .target()
            .and_then(|target| target.dyn_into::<Element>().ok())
            .is_some_and(|element| {
                matches!(element.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
            });
        if typing {
            return;
        }
        let command = match event.key().as_str() {
            " " => TourCommand::TogglePlay,
            "ArrowRight" | "PageDown" => TourCommand::Next,
            "ArrowLeft" | "PageUp" => TourCommand::Previous,
            "Escape" => TourCommand::Stop,
            _ => return,
        };
        // The key drives the tour, not the camera or the page's scrolling.
        event.prevent_default();
        event.stop_propagation();
        send(command);
    });
    if document
        .add_event_listener_with_callback_and_bool(
            "keydown",
            listener.as_ref().unchecked_ref(),
            true,
        )
        .is_err()
    {
        warn!("could not listen for presentation keys");
    }
    listener.forget();
}

fn translate_tours_button(lang: Res<Language>) {
    if let Some(button) = by_id("tours") {
        button.set_text_content(Some(text(Key::Tours, lang.0)));
    }
}

fn render_tour_list(
    lang: Res<Language>,
    tours: Option<Res<TourData>>,
    failure: Option<Res<TourFailure>>,
) {
    let Some(list) = by_id(LIST_ID) else {
        return;
    };
    let lang = lang.0;
    clear(&list);
    let Some(heading) = append(&list, "h2", "panel-title", text(Key::Tours, lang)) else {
        return;
    };
    set(&heading, "id", "tour-list-title");
    if let Some(failure) = failure {
        if let Some(note) = append(&list, "p", "tours-off", text(Key::ToursOff, lang)) {
            set(&note, "data-testid", "tours-off");
            append(&note, "span", "tours-off-detail", &failure.message);
        }
        return;
    }
    let Some(tours) = tours else {
        return;
    };
    let Some(items) = append(&list, "ul", "tour-choices", "") else {
        return;
    };
    for tour in &tours.tours {
        let Some(item) = append(&items, "li", "", "") else {
            continue;
        };
        let Some(button) = append(&item, "button", "tour-choice", "") else {
            continue;
        };
        set(&button, "type", "button");
        set(&button, "data-tour", &tour.id);
        append(&button, "span", "tour-choice-title", tour.title.get(lang));
        append(
            &button,
            "span",
            "tour-choice-summary",
            tour.summary.get(lang),
        );
    }
}

/// What the caption card shows: it is rebuilt only when this changes (not every frame the
/// tour's clock runs).
#[derive(Clone, Debug, PartialEq)]
struct CaptionView {
    lang: Lang,
    step: usize,
    steps: usize,
    title: String,
    text: String,
    playing: bool,
    paused_by_visitor: bool,
}

fn render_caption(
    playback: Res<TourPlayback>,
    tours: Option<Res<TourData>>,
    lang: Res<Language>,
    mut shown: Local<Option<CaptionView>>,
) {
    TOUR_IS_ON.set(playback.now.is_some());
    let view = playback.now.as_ref().and_then(|now| {
        let step = tours.as_ref()?.tour(&now.tour)?.steps.get(now.step)?;
        Some(CaptionView {
            lang: lang.0,
            step: now.step,
            steps: now.steps,
            title: step.caption.title.get(lang.0).to_owned(),
            text: step.caption.text.get(lang.0).to_owned(),
            playing: now.playing,
            paused_by_visitor: now.paused_by_visitor,
        })
    });
    if *shown == view {
        return;
    }
    *shown = view.clone();
    let Some(card) = by_id(CAPTION_ID) else {
        return;
    };
    let Some(view) = view else {
        clear(&card);
        set(&card, "hidden", "");
        return;
    };
    rebuild_keeping_focus(&card, |card| {
        if fill_caption(card, &view).is_none() {
            warn!("the tour caption could not be built completely");
        }
    });
    let _ = card.remove_attribute("hidden");
}

fn fill_caption(card: &Element, view: &CaptionView) -> Option<()> {
    let lang = view.lang;
    let position = fill(
        &fill(text(Key::TourStep, lang), "n", &(view.step + 1).to_string()),
        "total",
        &view.steps.to_string(),
    );
    let step = append(card, "p", "tour-step", &position)?;
    set(&step, "data-testid", "tour-step");
    let title = append(card, "h2", "tour-title", &view.title)?;
    set(&title, "data-testid", "tour-title");
    let body = append(card, "p", "tour-text", &view.text)?;
    set(&body, "data-testid", "tour-text");
    if view.paused_by_visitor {
        append(
            card,
            "p",
            "tour-paused",
            text(Key::TourPausedByVisitor, lang),
        )?;
    }
    let controls = append(card, "div", "tour-controls", "")?;
    append_tour_controls(
        &controls,
        lang,
        "tour",
        &PlayState {
            step: view.step,
            steps: view.steps,
            playing: view.playing,
            paused_by_visitor: view.paused_by_visitor,
        },
        &[("present", Key::PresenterConsole)],
    )
}

/// Where a tour is, as its controls show it.
pub(super) struct PlayState {
    /// The step shown, from 0.
    pub step: usize,
    /// How many steps the tour has.
    pub steps: usize,
    /// Whether its clock runs.
    pub playing: bool,
    /// The visitor took the camera (Play resumes).
    pub paused_by_visitor: bool,
}

/// Previous, Play (Pause, Resume), Next and Exit, then `extra`, as buttons in `controls`: each
/// with `data-{prefix}-control` and `data-testid="{prefix}-{control}"` (the caption card's
/// `tour`, the presenter console's `console`); Previous and Next disabled at the ends.
pub(super) fn append_tour_controls(
    controls: &Element,
    lang: Lang,
    prefix: &str,
    state: &PlayState,
    extra: &[(&str, Key)],
) -> Option<()> {
    let play_label = if state.paused_by_visitor {
        Key::TourResume
    } else if state.playing {
        Key::TourPause
    } else {
        Key::TourPlay
    };
    let standard = [
        ("prev", Key::TourPrevious),
        ("play", play_label),
        ("next", Key::TourNext),
        ("exit", Key::TourExit),
    ];
    for (control, label) in standard.iter().chain(extra) {
        let button = append(controls, "button", "", text(*label, lang))?;
        set(&button, "type", "button");
        set(&button, &format!("data-{prefix}-control"), control);
        set(&button, "data-testid", &format!("{prefix}-{control}"));
        let disabled = (*control == "prev" && state.step == 0)
            || (*control == "next" && state.step + 1 >= state.steps);
        if disabled {
            set(&button, "disabled", "");
        }
    }
    Some(())
}
