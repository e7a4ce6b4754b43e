//! The share button (`data-testid="share"`): copies a link to the current view (language,
//! selection, camera) to the clipboard and shows it, selected, so it can also be copied by hand
//! where the clipboard is not available (an insecure origin, a refused permission).

use bevy::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::HtmlInputElement;

use super::dom::{append, by_id, clear, on_click_within, set};
use super::url_hash::hash_of;
use super::{PageEvent, PageSignal, language_changed, queue};
use crate::AppSystems;
use crate::camera::OrbitCamera;
use crate::model::i18n::{Key, text};
use crate::state::Choices;
use crate::world::choices::Language;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, listen_for_share_clicks)
        .add_systems(
            Update,
            (
                translate_share_button.run_if(language_changed),
                share_the_view,
            )
                .in_set(AppSystems::Render),
        );
}

fn listen_for_share_clicks() {
    on_click_within("share", "#share", |_| {
        queue(PageEvent::Signal(PageSignal::ShareAsked));
    });
}

fn translate_share_button(lang: Res<Language>) {
    if let Some(button) = by_id("share") {
        button.set_text_content(Some(text(Key::Share, lang.0)));
    }
}

/// The page's address with `hash` in place of its own.
fn link_with_hash(hash: &str) -> Option<String> {
    let location = web_sys::window()?.location();
    let href = location.href().ok()?;
    let base = href.split('#').next().unwrap_or(&href);
    Some(format!("{base}#{hash}"))
}

fn share_the_view(
    mut signals: MessageReader<PageSignal>,
    choices: Choices,
    cameras: Query<&OrbitCamera>,
) {
    if !signals
        .read()
        .any(|signal| *signal == PageSignal::ShareAsked)
    {
        return;
    }
    let state = choices.gather();
    let Some(link) = link_with_hash(&hash_of(&state, cameras.iter().next())) else {
        return;
    };
    let copied = web_sys::window().map(|window| window.navigator().clipboard().write_text(&link));
    let lang = state.lang;
    show_link(&link, text(Key::CopyThisLink, lang));
    if let Some(promise) = copied {
        let on_copied = Closure::once(move |_: wasm_bindgen::JsValue| {
            if let Some(message) = by_id("share-message") {
                message.set_text_content(Some(text(Key::LinkCopied, lang)));
            }
        });
        let on_refused = Closure::once(|_: wasm_bindgen::JsValue| {
            // The message already asks to copy the shown link by hand.
        });
        let _ = promise.then2(&on_copied, &on_refused);
        on_copied.forget();
        on_refused.forget();
    }
}

/// Shows `link` under the button, selected, with `message` before it.
fn show_link(link: &str, message: &str) {
    let Some(status) = by_id("share-status") else {
        return;
    };
    clear(&status);
    let Some(note) = append(&status, "span", "", message) else {
        return;
    };
    set(&note, "id", "share-message");
    let Some(field) = append(&status, "input", "share-link", "") else {
        return;
    };
    set(&field, "readonly", "");
    set(&field, "aria-label", message);
    set(&field, "data-testid", "share-link");
    if let Ok(field) = field.dyn_into::<HtmlInputElement>() {
        field.set_value(link);
        field.select();
    }
    let _ = status.remove_attribute("hidden");
}
