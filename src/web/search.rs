//! The search box (`search-input`, `search-results`): a combobox over the records' names in all
//! three languages, ranked by `model::search`. Arrow keys move through the results, Enter or a
//! click selects the result and flies to it, Escape closes the list and then clears the box.

use std::cell::Cell;

use bevy::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Element, HtmlInputElement, KeyboardEvent};

use super::dom::{append, by_id, clear, on_click_within, set};
use super::queue_page_intent;
use crate::AppSystems;
use crate::data::CityData;
use crate::model::i18n::{Key, text};
use crate::model::lang::Lang;
use crate::model::search::search;
use crate::state::{ExplorerState, Intent};

const INPUT_ID: &str = "search-input";
const RESULTS_ID: &str = "search-results";

thread_local! {
    /// The query changed since the results were last drawn.
    static QUERY_CHANGED: Cell<bool> = const { Cell::new(false) };
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, listen_to_the_search_box)
        .add_systems(
            Update,
            (
                translate_search_box,
                show_search_results.run_if(resource_exists::<CityData>),
            )
                .in_set(AppSystems::Render),
        );
}

fn search_input() -> Option<HtmlInputElement> {
    by_id(INPUT_ID)?.dyn_into::<HtmlInputElement>().ok()
}

fn listen_to_the_search_box() {
    let Some(input) = search_input() else {
        return;
    };
    let on_input = Closure::<dyn Fn()>::new(|| QUERY_CHANGED.set(true));
    let on_key = Closure::<dyn Fn(KeyboardEvent)>::new(handle_key);
    for (event, listener) in [
        ("input", on_input.as_ref()),
        ("focus", on_input.as_ref()),
        ("keydown", on_key.as_ref()),
    ] {
        if input
            .add_event_listener_with_callback(event, listener.unchecked_ref())
            .is_err()
        {
            warn!("could not listen for {event} on the search box");
        }
    }
    // The listeners live as long as the page.
    on_input.forget();
    on_key.forget();
    on_click_within(RESULTS_ID, "[data-record]", choose);
}

/// The results' options that lead to a record.
fn options() -> Vec<Element> {
    let Some(results) = by_id(RESULTS_ID) else {
        return Vec::new();
    };
    let Ok(list) = results.query_selector_all("[data-record]") else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
        .collect()
}

fn handle_key(event: KeyboardEvent) {
    let options = options();
    let active = options
        .iter()
        .position(|option| option.get_attribute("aria-selected").as_deref() == Some("true"));
    match event.key().as_str() {
        "ArrowDown" | "ArrowUp" if !options.is_empty() => {
            event.prevent_default();
            let last = options.len() - 1;
            let next = match (event.key().as_str(), active) {
                ("ArrowDown", Some(i)) if i < last => i + 1,
                ("ArrowDown", _) => 0,
                (_, Some(i)) if i > 0 => i - 1,
                _ => last,
            };
            mark_active(&options, next);
        }
        "Enter" => {
            if let Some(option) = options.get(active.unwrap_or(0)) {
                event.prevent_default();
                choose(option);
            }
        }
        "Escape" => {
            let Some(input) = search_input() else {
                return;
            };
            if !options.is_empty() {
                close_results();
            } else {
                input.set_value("");
            }
            event.stop_propagation();
        }
        _ => {}
    }
}

fn mark_active(options: &[Element], active: usize) {
    for (i, option) in options.iter().enumerate() {
        set(
            option,
            "aria-selected",
            if i == active { "true" } else { "false" },
        );
    }
    if let (Some(input), Some(option)) = (by_id(INPUT_ID), options.get(active)) {
        set(&input, "aria-activedescendant", &option.id());
        option.scroll_into_view_with_bool(false);
    }
}

/// Selects the option's record and flies there; the list closes.
fn choose(option: &Element) {
    let Some(id) = option.get_attribute("data-record") else {
        return;
    };
    queue_page_intent(Intent::Select {
        id: Some(id),
        fly: true,
    });
    close_results();
}

fn close_results() {
    if let Some(results) = by_id(RESULTS_ID) {
        clear(&results);
        set(&results, "hidden", "");
    }
    if let Some(input) = by_id(INPUT_ID) {
        set(&input, "aria-expanded", "false");
        let _ = input.remove_attribute("aria-activedescendant");
    }
}

fn translate_search_box(state: Res<ExplorerState>, mut translated_to: Local<Option<Lang>>) {
    // Only a new language: a selection must not reopen a list the visitor just closed.
    if *translated_to == Some(state.lang) {
        return;
    }
    *translated_to = Some(state.lang);
    if let Some(label) = by_id("search-label") {
        label.set_text_content(Some(text(Key::Search, state.lang)));
    }
    if let Some(input) = by_id(INPUT_ID) {
        set(
            &input,
            "placeholder",
            text(Key::SearchPlaceholder, state.lang),
        );
    }
    // Results are in the interface language: redraw any that are open.
    if by_id(RESULTS_ID).is_some_and(|results| !results.has_attribute("hidden")) {
        QUERY_CHANGED.set(true);
    }
}

fn show_search_results(data: Res<CityData>, state: Res<ExplorerState>) {
    if !QUERY_CHANGED.replace(false) {
        return;
    }
    let (Some(input), Some(results)) = (search_input(), by_id(RESULTS_ID)) else {
        return;
    };
    let query = input.value();
    if query.trim().is_empty() {
        close_results();
        return;
    }
    let hits = search(&data, &query, state.lang);
    clear(&results);
    if hits.is_empty() {
        let none = append(
            &results,
            "li",
            "no-results",
            text(Key::NoMatches, state.lang),
        );
        if let Some(none) = none {
            set(&none, "role", "option");
            set(&none, "aria-disabled", "true");
        }
    }
    for (i, hit) in hits.iter().enumerate() {
        let Some(option) = append(&results, "li", "result", "") else {
            continue;
        };
        set(&option, "id", &format!("search-option-{i}"));
        set(&option, "role", "option");
        set(&option, "aria-selected", "false");
        set(&option, "data-record", &hit.id);
        append(&option, "span", "result-name", &hit.name);
        append(&option, "span", "result-kind", &hit.kind_label);
    }
    let _ = results.remove_attribute("hidden");
    set(&input, "aria-expanded", "true");
    let _ = input.remove_attribute("aria-activedescendant");
}
