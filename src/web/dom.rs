//! Small helpers for building page elements from Rust. Text goes in only through
//! `textContent`, never as HTML, so data can never become markup.

use bevy::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlElement};

/// The page's document.
pub fn document() -> Option<Document> {
    web_sys::window()?.document()
}

/// The element with `id`, or a warning.
pub fn by_id(id: &str) -> Option<Element> {
    let element = document()?.get_element_by_id(id);
    if element.is_none() {
        warn!("the page has no #{id}");
    }
    element
}

/// A new `<tag class=...>` holding `text`, appended to `parent`.
pub fn append(parent: &Element, tag: &str, class: &str, text: &str) -> Option<Element> {
    let element = document()?.create_element(tag).ok()?;
    if !class.is_empty() {
        element.set_class_name(class);
    }
    if !text.is_empty() {
        element.set_text_content(Some(text));
    }
    parent.append_child(&element).ok()?;
    Some(element)
}

/// Sets an attribute, logging the (unlikely) failure.
pub fn set(element: &Element, name: &str, value: &str) {
    if element.set_attribute(name, value).is_err() {
        warn!("could not set {name} on <{}>", element.tag_name());
    }
}

/// Sets one CSS property through the CSSOM (allowed under the strict CSP, unlike a `style`
/// attribute).
pub fn set_style(element: &Element, property: &str, value: &str) {
    if let Some(html) = element.dyn_ref::<HtmlElement>()
        && html.style().set_property(property, value).is_err()
    {
        warn!("could not set {property}");
    }
}

/// A form control's live `value` (a `<select>` or `<input>`), not its attribute.
pub fn control_value(control: &Element) -> String {
    js_sys::Reflect::get(control, &JsValue::from_str("value"))
        .ok()
        .and_then(|value| value.as_string())
        .unwrap_or_default()
}

/// Sets a form control's live `value` when it differs, logging the (unlikely) failure.
pub fn set_control_value(control: &Element, value: &str) {
    if control_value(control) != value
        && js_sys::Reflect::set(
            control,
            &JsValue::from_str("value"),
            &JsValue::from_str(value),
        )
        .is_err()
    {
        warn!("could not set the value of <{}>", control.tag_name());
    }
}

/// Whether a checkbox is ticked.
pub fn is_checked(checkbox: &Element) -> bool {
    js_sys::Reflect::get(checkbox, &JsValue::from_str("checked"))
        .ok()
        .and_then(|value| value.as_bool())
        .unwrap_or(true)
}

/// Ticks or clears a checkbox when it differs.
pub fn set_checked(checkbox: &Element, checked: bool) {
    if is_checked(checkbox) != checked
        && js_sys::Reflect::set(
            checkbox,
            &JsValue::from_str("checked"),
            &JsValue::from_bool(checked),
        )
        .is_err()
    {
        warn!("could not set a checkbox");
    }
}

/// One listener for the document's events `names`, in the capture phase, for the page's life.
pub fn on_document_events(names: &[&str], listener: Closure<dyn Fn(web_sys::Event)>) {
    let Some(document) = document() else {
        return;
    };
    for name in names {
        if document
            .add_event_listener_with_callback_and_bool(
                name,
                listener.as_ref().unchecked_ref(),
                true,
            )
            .is_err()
        {
            warn!("could not listen for {name} on the page");
        }
    }
    listener.forget();
}

/// Removes every child of `element`.
pub fn clear(element: &Element) {
    element.set_text_content(None);
}

/// A link that opens in a new tab without handing it `window.opener`, or plain text when the
/// source has no address.
pub fn source_link(parent: &Element, label: &str, url: Option<&str>) -> Option<Element> {
    match url {
        Some(url) => {
            let link = append(parent, "a", "source", label)?;
            set(&link, "href", url);
            set(&link, "target", "_blank");
            set(&link, "rel", "noopener noreferrer");
            Some(link)
        }
        None => append(parent, "span", "source", label),
    }
}

/// One click listener on the element with `container_id` for every descendant matching
/// `selector`, however often the container's content is rebuilt; `on_click` gets the match.
pub fn on_click_within(
    container_id: &str,
    selector: &'static str,
    on_click: impl Fn(&Element) + 'static,
) {
    on_event_within(container_id, "click", selector, on_click);
}

/// Like [`on_click_within`], for `change` events of form controls.
pub fn on_change_within(
    container_id: &str,
    selector: &'static str,
    on_change: impl Fn(&Element) + 'static,
) {
    on_event_within(container_id, "change", selector, on_change);
}

/// Like [`on_click_within`], for `input` events (a range slider as it moves).
pub fn on_input_within(
    container_id: &str,
    selector: &'static str,
    on_input: impl Fn(&Element) + 'static,
) {
    on_event_within(container_id, "input", selector, on_input);
}

/// A click on a record button (`selector` matching elements with `data-record`) inside
/// `container_id` selects the record; `fly` also flies the camera there. `after` runs next
/// (a list may close).
pub fn select_record_on_click(
    container_id: &str,
    selector: &'static str,
    fly: bool,
    after: impl Fn() + 'static,
) {
    on_click_within(container_id, selector, move |button| {
        if let Some(id) = button.get_attribute("data-record") {
            super::queue_intent(crate::state::Intent::Select { id: Some(id), fly });
            after();
        }
    });
}

/// Rebuilds `container`'s content with `fill` and gives the keyboard focus and the scroll
/// position back: a control the visitor pressed (found again by its `data-*` identity) keeps
/// the focus across the rebuild.
pub fn rebuild_keeping_focus(container: &Element, fill: impl FnOnce(&Element)) {
    const IDENTITIES: [&str; 3] = ["data-currency", "data-record", "data-testid"];
    let focused = document()
        .and_then(|document| document.active_element())
        .filter(|active| container.contains(Some(active)) && active != container)
        .and_then(|active| {
            IDENTITIES.iter().find_map(|name| {
                active
                    .get_attribute(name)
                    .map(|value| format!("[{name}=\"{value}\"]"))
            })
        });
    // Reading or writing the scroll position lays the page out first: done only where there is
    // one to keep (a hidden container has none, one at the top stays there).
    let scrolled = if container.has_attribute("hidden") {
        0
    } else {
        container.scroll_top()
    };
    clear(container);
    fill(container);
    if scrolled != 0 {
        container.set_scroll_top(scrolled);
    }
    if let Some(selector) = focused
        && let Ok(Some(again)) = container.query_selector(&selector)
        && let Some(again) = again.dyn_ref::<HtmlElement>()
        && again.focus().is_err()
    {
        warn!("could not give the focus back");
    }
}

fn on_event_within(
    container_id: &str,
    event_name: &'static str,
    selector: &'static str,
    handler: impl Fn(&Element) + 'static,
) {
    let Some(container) = by_id(container_id) else {
        return;
    };
    let listener = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
        let Some(target) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
            return;
        };
        if let Ok(Some(matched)) = target.closest(selector) {
            handler(&matched);
        }
    });
    if container
        .add_event_listener_with_callback(event_name, listener.as_ref().unchecked_ref())
        .is_err()
    {
        warn!("could not listen for {event_name} on {selector} in #{container_id}");
    }
    // The listener lives as long as the page.
    listener.forget();
}
