//! The search box (`search-input`, `search-results`): a combobox over the records' names in all
//! three languages, ranked by `model::search`. Arrow keys move through the results, Enter or a
//! click selects the result and flies to it, Escape closes the list and then clears the box.

use bevy::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Element, HtmlInputElement, KeyboardEvent};

use super::dom::{append, by_id, clear, select_record_on_click, set};
use super::{PageEvent, PageSignal, language_changed, queue};
use crate::AppSystems;
use crate::model::i18n::{Key, text};
use crate::model::search::search;
use crate::world::choices::Language;
use crate::world::data::CityData;
use crate::world::phase::data_is_in;

const INPUT_ID: &str = "search-input";
const RESULTS_ID: &str = "search-results";

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, listen_to_the_search_box)
        .add_systems(
            Update,
            (
                translate_search_box.run_if(language_changed),
                show_search_results.run_if(data_is_in),
            )
                .chain()
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
    // A list closed by a choice stays closed for the signals queued before it; typing or
    // coming back to the box opens it again.
    let on_input = Closure::<dyn Fn()>::new(|| {
        if let Some(results) = by_id(RESULTS_ID) {
            let _ = results.remove_attribute(CLOSED_MARK);
        }
        queue(PageEvent::Signal(PageSignal::SearchChanged));
    });
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
    select_record_on_click(RESULTS_ID, "[data-record]", true, close_results);
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
                // The same as a click on the option: select it, fly there, close the list.
                if let Some(option) = option.dyn_ref::<web_sys::HtmlElement>() {
                    option.click();
                }
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

/// Set on the results while they are closed, until the next input or focus: a search signal
/// queued before the close (slow frames) must not open the list again.
const CLOSED_MARK: &str = "data-closed";

fn close_results() {
    if let Some(results) = by_id(RESULTS_ID) {
        clear(&results);
        set(&results, "hidden", "");
        set(&results, CLOSED_MARK, "");
    }
    if let Some(input) = by_id(INPUT_ID) {
        set(&input, "aria-expanded", "false");
        let _ = input.remove_attribute("aria-activedescendant");
    }
}

/// Only a new language: a selection must not reopen a list the visitor just closed.
fn translate_search_box(lang: Res<Language>, mut signals: MessageWriter<PageSignal>) {
    let lang = lang.0;
    if let Some(label) = by_id("search-label") {
        label.set_text_content(Some(text(Key::Search, lang)));
    }
    if let Some(input) = by_id(INPUT_ID) {
        set(&input, "placeholder", text(Key::SearchPlaceholder, lang));
    }
    // Results are in the interface language: redraw any that are open.
    if by_id(RESULTS_ID).is_some_and(|results| !results.has_attribute("hidden")) {
        signals.write(PageSignal::SearchChanged);
    }
}

fn show_search_results(
    data: Res<CityData>,
    lang: Res<Language>,
    mut signals: MessageReader<PageSignal>,
) {
    if !signals
        .read()
        .any(|signal| *signal == PageSignal::SearchChanged)
    {
        return;
    }
    let lang = lang.0;
    let (Some(input), Some(results)) = (search_input(), by_id(RESULTS_ID)) else {
        return;
    };
    if results.has_attribute(CLOSED_MARK) {
        return;
    }
    let query = input.value();
    if query.trim().is_empty() {
        close_results();
        return;
    }
    let hits = search(&data, &query, lang);
    clear(&results);
    if hits.is_empty() {
        let none = append(&results, "li", "no-results", text(Key::NoMatches, lang));
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
