//! Small helpers for building page elements from Rust. Text goes in only through
//! `textContent`, never as HTML, so data can never become markup.

use bevy::prelude::*;
use wasm_bindgen::JsCast;
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

/// Removes every child of `element`.
pub fn clear(element: &Element) {
    element.set_text_content(None);
}
