//! A kiosk's hand-off to the visitor's phone: the "Take this view with you" button
//! (`take-view`) shows a QR code of the link to the current view (the kiosk's `share=` base, or
//! the page's own address without its kiosk query, plus the view's hash: language, selection,
//! camera, tour step) with the link beneath as text; a source link, which a kiosk never follows,
//! shows its address and code the same way. The card (`qr-card`) is made in the app
//! (`model::qr`), so it works offline, and closes with its button or the kiosk's reset.

use bevy::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use super::dom::{append, by_id, clear, document, on_click_within, on_document_events, set};
use super::url_hash::hash_of;
use super::{PageEvent, language_changed, queue};
use crate::AppSystems;
use crate::camera::OrbitCamera;
use crate::kiosk::{Kiosk, KioskReset};
use crate::model::i18n::{Key, text};
use crate::model::qr::QrSymbol;
use crate::state::Choices;
use crate::world::choices::Language;

const CARD_ID: &str = "qr-card";
const BUTTON_ID: &str = "take-view";
const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// What the visitor asked to take to the phone.
#[derive(Message, Clone, Debug, PartialEq, Eq)]
pub(super) enum HandOffAsked {
    /// The current view.
    ThisView,
    /// A source's address (a link the kiosk does not follow).
    Source(String),
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, offer_hand_off_on_a_kiosk)
        .add_systems(
            Update,
            (
                translate_the_button.run_if(language_changed),
                show_the_card,
                close_the_card_after_a_reset,
            )
                .run_if(resource_exists::<Kiosk>)
                .in_set(AppSystems::Render),
        );
}

fn offer_hand_off_on_a_kiosk(kiosk: Option<Res<Kiosk>>) {
    if kiosk.is_none() {
        return;
    }
    if let Some(button) = by_id(BUTTON_ID) {
        let _ = button.remove_attribute("hidden");
    }
    on_click_within(BUTTON_ID, "#take-view", |_| {
        queue(PageEvent::HandOff(HandOffAsked::ThisView));
    });
    on_click_within(CARD_ID, ".qr-close", |_| close_the_card());
    keep_source_links_on_the_kiosk();
}

/// Every link click on the page (a source, in the info panel or the project table) shows the
/// link's code instead of navigating: a kiosk never leaves the explorer.
fn keep_source_links_on_the_kiosk() {
    let listener = Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| {
        let link = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .and_then(|element| element.closest("a[href]").ok().flatten());
        let Some(link) = link else {
            return;
        };
        event.prevent_default();
        event.stop_propagation();
        if event.type_() == "click"
            && let Some(href) = link.get_attribute("href")
        {
            queue(PageEvent::HandOff(HandOffAsked::Source(href)));
        }
    });
    // `auxclick`: a middle click would open a tab.
    on_document_events(&["click", "auxclick"], listener);
}

fn translate_the_button(lang: Res<Language>) {
    if let Some(button) = by_id(BUTTON_ID) {
        button.set_text_content(Some(text(Key::KioskTakeThisView, lang.0)));
    }
}

/// Where a view's link points: the kiosk's public address, or this page's without its query
/// (the kiosk's settings are not the visitor's).
fn view_link(share_base: Option<&str>, hash: &str) -> Option<String> {
    let base = match share_base {
        Some(base) => base.to_owned(),
        None => {
            let location = web_sys::window()?.location();
            format!("{}{}", location.origin().ok()?, location.pathname().ok()?)
        }
    };
    Some(format!("{base}#{hash}"))
}

fn show_the_card(
    mut asks: MessageReader<HandOffAsked>,
    kiosk: Res<Kiosk>,
    choices: Choices,
    cameras: Query<&OrbitCamera>,
) {
    let Some(ask) = asks.read().last().cloned() else {
        return;
    };
    let state = choices.gather();
    let (kind, link, title, hint) = match ask {
        HandOffAsked::ThisView => {
            let hash = hash_of(&state, cameras.iter().next());
            let Some(link) = view_link(kiosk.settings.share_base.as_deref(), &hash) else {
                return;
            };
            (
                "view",
                link,
                Key::KioskTakeThisView,
                Key::KioskTakeThisViewHint,
            )
        }
        HandOffAsked::Source(href) => (
            "source",
            href,
            Key::KioskSourceOnYourPhone,
            Key::KioskSourceHint,
        ),
    };
    let Some(symbol) = QrSymbol::encode(&link) else {
        warn!(
            "kiosk: {} characters are too many for a QR code",
            link.len()
        );
        return;
    };
    let Some(card) = by_id(CARD_ID) else {
        return;
    };
    clear(&card);
    let lang = state.lang;
    let built = (|| {
        let heading = append(&card, "h2", "qr-title", text(title, lang))?;
        set(&heading, "id", "qr-title");
        let code = qr_svg(&symbol, &link)?;
        card.append_child(&code).ok()?;
        let shown = append(&card, "p", "qr-link", &link)?;
        set(&shown, "data-testid", "qr-link");
        append(&card, "p", "qr-hint", text(hint, lang))?;
        let close = append(&card, "button", "qr-close", text(Key::Close, lang))?;
        set(&close, "type", "button");
        set(&close, "data-testid", "qr-close");
        Some(())
    })();
    if built.is_none() {
        warn!("kiosk: the QR card could not be built completely");
    }
    set(&card, "data-kind", kind);
    let _ = card.remove_attribute("hidden");
}

/// The symbol as an `<svg>`: a white square with the quiet zone, the dark modules one black
/// path, edges kept crisp at any size.
fn qr_svg(symbol: &QrSymbol, link: &str) -> Option<web_sys::Element> {
    let document = document()?;
    let side = symbol.size_with_quiet_zone().to_string();
    let svg = document.create_element_ns(Some(SVG_NS), "svg").ok()?;
    set(&svg, "class", "qr-code");
    set(&svg, "data-testid", "qr-code");
    set(&svg, "data-link", link);
    set(&svg, "viewBox", &format!("0 0 {side} {side}"));
    set(&svg, "shape-rendering", "crispEdges");
    set(&svg, "role", "img");
    set(&svg, "aria-label", link);
    let background = document.create_element_ns(Some(SVG_NS), "rect").ok()?;
    for (name, value) in [
        ("width", side.as_str()),
        ("height", side.as_str()),
        ("fill", "#fff"),
    ] {
        set(&background, name, value);
    }
    svg.append_child(&background).ok()?;
    let modules = document.create_element_ns(Some(SVG_NS), "path").ok()?;
    set(&modules, "d", &symbol.svg_path());
    set(&modules, "fill", "#000");
    svg.append_child(&modules).ok()?;
    Some(svg)
}

fn close_the_card() {
    if let Some(card) = by_id(CARD_ID) {
        clear(&card);
        set(&card, "hidden", "");
    }
}

fn close_the_card_after_a_reset(mut resets: MessageReader<KioskReset>) {
    if resets.read().count() > 0 {
        close_the_card();
    }
}
