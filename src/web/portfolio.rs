//! The portfolio panel (`data-testid="portfolio"`): the headline figures with their date and
//! source, a KZT/USD switch, small charts, the named projects and the count of the rest. It is
//! copied from `state::page_views::PortfolioPanel`, which changes only with the data, the
//! language or the currency; the control the visitor pressed keeps the focus. A
//! snapshot that failed to load is reported through the page's error overlay instead. The
//! toolbar's `portfolio-toggle` shows and hides it (hidden at first on small screens, where it
//! would cover the city, and following the window's size until the visitor toggles it).

use bevy::prelude::*;
use wasm_bindgen::JsValue;
use web_sys::Element;

use super::dom::{
    append, by_id, document, on_click_within, rebuild_keeping_focus, select_record_on_click, set,
    set_control_value, set_style, source_link,
};
use super::{dispatch_window_event, language_changed, queue_intent};
use crate::AppSystems;
use crate::model::format::Currency;
use crate::model::i18n::{Key, fill, text};
use crate::model::portfolio_view::PortfolioView;
use crate::state::Intent;
use crate::state::page_views::{PageViews, PortfolioPanel};
use crate::world::choices::{Language, ShownCurrency};
use crate::world::data::{DataFailure, SNAPSHOT_FILE_NAME};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Startup,
        (
            listen_for_currency_clicks,
            listen_for_project_clicks,
            set_up_the_portfolio_toggle,
        ),
    )
    .add_systems(
        Update,
        (
            render_portfolio
                .run_if(
                    resource_changed::<PortfolioPanel>.or_eager(resource_changed::<ShownCurrency>),
                )
                .after(PageViews),
            reflect_language_on_page.run_if(language_changed),
            report_data_failure.run_if(resource_added::<DataFailure>),
        )
            .in_set(AppSystems::Render),
    );
}

/// The panel's currency buttons, however often the panel is rebuilt.
fn listen_for_currency_clicks() {
    on_click_within("portfolio", "[data-currency]", |button| {
        let code = button.get_attribute("data-currency").unwrap_or_default();
        if let Some(currency) = Currency::from_code(&code) {
            queue_intent(Intent::SetCurrency(currency));
        }
    });
}

/// The class on `<html>` that hides the portfolio panel.
const PORTFOLIO_CLOSED_CLASS: &str = "portfolio-closed";
/// Windows where the panel starts hidden, because it would cover most of the city: a phone, a
/// short landscape window, a small laptop or an upright tablet.
const SMALL_SCREEN_QUERY: &str = "(max-width: 40rem), (max-height: 30rem), \
     (max-width: 75rem) and (max-height: 50rem), (max-width: 64rem) and (orientation: portrait)";

thread_local! {
    /// The visitor has shown or hidden the panel: a change of window size no longer does.
    static TOGGLED_BY_THE_VISITOR: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn show_portfolio(open: bool) {
    let Some(root) = document().and_then(|d| d.document_element()) else {
        return;
    };
    if root
        .class_list()
        .toggle_with_force(PORTFOLIO_CLOSED_CLASS, !open)
        .is_err()
    {
        warn!("could not show or hide the portfolio");
    }
    if let Some(toggle) = by_id("portfolio-toggle") {
        set(
            &toggle,
            "aria-expanded",
            if open { "true" } else { "false" },
        );
    }
}

fn small_screen_query() -> Option<web_sys::MediaQueryList> {
    web_sys::window()?.match_media(SMALL_SCREEN_QUERY).ok()?
}

/// The panel as a fresh load shows it: open, but on a small screen (and, until the visitor
/// toggles it, as the window's size says).
pub(super) fn show_portfolio_as_at_start() {
    TOGGLED_BY_THE_VISITOR.set(false);
    show_portfolio(!small_screen_query().is_some_and(|query| query.matches()));
}

fn set_up_the_portfolio_toggle() {
    show_portfolio_as_at_start();
    on_click_within("portfolio-toggle", "#portfolio-toggle", |toggle| {
        let open = toggle.get_attribute("aria-expanded").as_deref() == Some("true");
        TOGGLED_BY_THE_VISITOR.set(true);
        show_portfolio(!open);
    });
    // A window turned or resized across the query follows it, until the visitor chooses.
    if let Some(query) = small_screen_query() {
        let listener = wasm_bindgen::closure::Closure::<dyn Fn()>::new(|| {
            if !TOGGLED_BY_THE_VISITOR.get() {
                show_portfolio(!small_screen_query().is_some_and(|query| query.matches()));
            }
        });
        if query
            .add_event_listener_with_callback(
                "change",
                wasm_bindgen::JsCast::unchecked_ref(listener.as_ref()),
            )
            .is_err()
        {
            warn!("the portfolio cannot follow the window's size");
        }
        listener.forget();
    }
}

/// A project's name in the list selects it and flies there.
fn listen_for_project_clicks() {
    select_record_on_click("portfolio", "button[data-record]", true, || {});
}

fn render_portfolio(panel_view: Res<PortfolioPanel>, currency: Res<ShownCurrency>) {
    let (Some(panel), Some(view)) = (by_id("portfolio"), panel_view.0.as_ref()) else {
        return;
    };
    rebuild_keeping_focus(&panel, |panel| {
        if fill_panel(panel, view, currency.0).is_none() {
            warn!("the portfolio panel could not be built completely");
        }
    });
    if panel.remove_attribute("hidden").is_err() {
        warn!("could not show the portfolio panel");
    }
}

fn fill_panel(panel: &Element, view: &PortfolioView, currency: Currency) -> Option<()> {
    let title = append(panel, "h2", "panel-title", &view.title)?;
    set(&title, "id", "portfolio-title");
    let as_of = append(panel, "p", "as-of", &view.as_of)?;
    for source in &view.headline_sources {
        let separator = append(&as_of, "span", "", " · ")?;
        set(&separator, "aria-hidden", "true");
        source_link(&as_of, &source.text, source.url.as_deref())?;
    }

    let figures = append(panel, "dl", "headline", "")?;
    for figure in &view.headline {
        let cell = append(&figures, "div", "figure", "")?;
        let value = append(&cell, "dd", "value", &figure.value)?;
        set(&value, "data-testid", &format!("portfolio-{}", figure.id));
        append(&cell, "dt", "label", &figure.label)?;
    }

    let switch = append(panel, "div", "currency", "")?;
    set(&switch, "role", "group");
    set(&switch, "aria-label", &view.currency_label);
    for (option, label) in [(Currency::Kzt, "₸ KZT"), (Currency::Usd, "$ USD")] {
        let button = append(&switch, "button", "", label)?;
        set(&button, "type", "button");
        set(&button, "data-currency", option.code());
        set(
            &button,
            "aria-pressed",
            if option == currency { "true" } else { "false" },
        );
    }
    append(panel, "p", "note", &view.conversion_note)?;

    for chart in &view.charts {
        append(panel, "h3", "", &chart.title)?;
        let list = append(panel, "ul", "chart", "")?;
        for bar in &chart.bars {
            let row = append(&list, "li", "", "")?;
            append(&row, "span", "bar-label", &bar.label)?;
            let track = append(&row, "span", "bar-track", "")?;
            set(&track, "aria-hidden", "true");
            let fill_bar = append(&track, "span", "bar-amount", "")?;
            set_style(&fill_bar, "width", &format!("{:.1}%", bar.fraction * 100.0));
            if let Some(colour) = &bar.colour {
                set_style(&fill_bar, "background-color", colour);
            }
            append(&row, "span", "bar-value", &bar.value_text)?;
        }
    }

    append(panel, "h3", "", &view.projects_title)?;
    let projects = append(panel, "ul", "projects", "")?;
    set(&projects, "data-testid", "project-list");
    for project in &view.projects {
        let item = append(&projects, "li", "", "")?;
        let name = append(&item, "button", "project-name", &project.name)?;
        set(&name, "type", "button");
        set(&name, "data-record", &project.id);
        append(&item, "span", "project-details", &project.details)?;
    }
    let further = append(panel, "p", "further", &view.further)?;
    set(&further, "data-testid", "portfolio-further");
    append(panel, "p", "schematic", &view.schematic)?;

    append(panel, "h3", "", &view.sources_title)?;
    let sources = append(panel, "ul", "sources", "")?;
    for source in &view.sources {
        let item = append(&sources, "li", "", "")?;
        source_link(&item, &source.text, source.url.as_deref())?;
    }
    Some(())
}

fn reflect_language_on_page(lang: Res<Language>) {
    let lang = lang.0;
    if let Some(root) = document().and_then(|d| d.document_element()) {
        set(&root, "lang", lang.code());
    }
    // The language switch shows the language in force, under a label in that language.
    if let Some(toggle) = by_id("portfolio-toggle") {
        toggle.set_text_content(Some(text(Key::ShowPortfolio, lang)));
    }
    if let Some(label) = by_id("lang-label") {
        label.set_text_content(Some(text(Key::Language, lang)));
    }
    if let Some(select) = by_id("lang-select") {
        set_control_value(&select, lang.code());
    }
    // The 3D model's shapes are schematic; say so over the view, in the page's language.
    if let Some(note) = by_id("schematic-note") {
        note.set_text_content(Some(text(Key::SchematicLayout, lang)));
        if note.remove_attribute("hidden").is_err() {
            warn!("could not show the schematic-layout note");
        }
    }
}

fn report_data_failure(failure: Res<DataFailure>, lang: Res<Language>) {
    let lang = lang.0;
    let detail = js_sys::Object::new();
    let title = text(Key::DataErrorTitle, lang);
    let lead = fill(text(Key::DataErrorLead, lang), "file", SNAPSHOT_FILE_NAME);
    for (key, value) in [
        ("title", title.to_owned()),
        ("message", format!("{lead}\n\n{}", failure.message)),
    ] {
        if js_sys::Reflect::set(&detail, &JsValue::from_str(key), &JsValue::from_str(&value))
            .is_err()
        {
            warn!("could not describe the data failure");
        }
    }
    dispatch_window_event("alatau-data-error", &detail);
}
