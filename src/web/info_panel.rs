//! The info panel (`data-testid="info-panel"`): the selected record's name, classification,
//! figures ("not disclosed" where the data has none), description, timeline and sources, built
//! from `model::record_view` with text-only DOM helpers; it is copied from
//! `state::page_views::InfoPanel`, which changes only with the selection, the data, the
//! language or the currency. Its close button clears the selection.

use bevy::prelude::*;
use web_sys::Element;

use super::dom::{append, by_id, on_click_within, rebuild_keeping_focus, set, source_link};
use super::queue_intent;
use crate::AppSystems;
use crate::model::i18n::{Key, text};
use crate::model::lang::Lang;
use crate::model::record_view::RecordView;
use crate::state::Intent;
use crate::state::page_views::{InfoPanel, PageViews};
use crate::world::choices::Language;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, listen_for_close_clicks)
        .add_systems(
            Update,
            render_info_panel
                .run_if(resource_changed::<InfoPanel>)
                .after(PageViews)
                .in_set(AppSystems::Render),
        );
}

/// The panel's close button, however often the panel is rebuilt.
fn listen_for_close_clicks() {
    on_click_within("info-panel", "[data-testid=info-close]", |_| {
        queue_intent(Intent::Select {
            id: None,
            fly: false,
        });
    });
}

fn render_info_panel(info: Res<InfoPanel>, lang: Res<Language>) {
    let Some(panel) = by_id("info-panel") else {
        return;
    };
    let Some(view) = info.0.as_ref() else {
        super::dom::clear(&panel);
        set(&panel, "hidden", "");
        return;
    };
    rebuild_keeping_focus(&panel, |panel| {
        if fill_panel(panel, view, lang.0).is_none() {
            warn!("the info panel could not be built completely");
        }
    });
    if panel.remove_attribute("hidden").is_err() {
        warn!("could not show the info panel");
    }
}

fn fill_panel(panel: &Element, view: &RecordView, lang: Lang) -> Option<()> {
    let header = append(panel, "header", "info-header", "")?;
    append(&header, "p", "info-kind", &view.kind_label)?;
    let title = append(&header, "h2", "info-title", &view.title)?;
    set(&title, "id", "info-title");
    let close = append(&header, "button", "info-close", text(Key::Close, lang))?;
    set(&close, "type", "button");
    set(&close, "data-testid", "info-close");

    if !view.at_year.is_empty() {
        let at_year = append(panel, "p", "info-at-year", &view.at_year)?;
        set(&at_year, "data-testid", "info-at-year");
    }
    let facts = append(panel, "dl", "info-facts", "")?;
    for row in &view.rows {
        append(&facts, "dt", "", &row.label)?;
        append(&facts, "dd", "", &row.value)?;
    }
    if !view.description.is_empty() {
        append(panel, "p", "info-description", &view.description)?;
    }
    if let Some(note) = &view.model_note {
        let note = append(panel, "p", "info-model-note", note)?;
        set(&note, "data-testid", "info-model-note");
    }
    if !view.timeline.is_empty() {
        append(panel, "h3", "", text(Key::Timeline, lang))?;
        let list = append(panel, "ul", "info-timeline", "")?;
        for line in &view.timeline {
            let item = append(&list, "li", if line.later { "later" } else { "" }, "")?;
            append(&item, "span", "info-date", &line.date)?;
            append(&item, "span", "", &line.event)?;
        }
    }
    if !view.sources.is_empty() {
        append(panel, "h3", "", text(Key::Sources, lang))?;
        let list = append(panel, "ul", "info-sources", "")?;
        for source in &view.sources {
            let item = append(&list, "li", "", "")?;
            source_link(&item, &source.text, source.url.as_deref())?;
        }
    }
    Some(())
}
