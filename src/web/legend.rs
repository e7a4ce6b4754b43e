//! The legend and filters (`data-testid="legend"`): each cluster zone's colour, name and count of
//! matching named projects, and menus that filter the projects by cluster, sector and status.
//! The menus are rebuilt only when the language changes, so a keyboard user keeps their place;
//! a filter change only updates the counts.

use bevy::prelude::*;
use web_sys::Element;

use super::dom::{
    append, by_id, clear, control_value, on_change_within, set, set_control_value, set_style,
};
use super::queue_intent;
use crate::AppSystems;
use crate::model::legend::{LegendView, ProjectFilter, status_from_code};
use crate::state::Intent;
use crate::world::choices::{ActiveFilter, Language};
use crate::world::data::CityData;
use crate::world::phase::data_is_in;

const LEGEND_ID: &str = "legend";

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, listen_for_filter_changes)
        .add_systems(
            Update,
            render_legend
                .run_if(
                    data_is_in.and_then(
                        resource_changed::<Language>
                            .or_eager(resource_changed::<ActiveFilter>)
                            .or_eager(resource_changed::<CityData>),
                    ),
                )
                .in_set(AppSystems::Render),
        );
}

fn menu(name: &str) -> Option<Element> {
    by_id(LEGEND_ID)?
        .query_selector(&format!("select[data-filter={name}]"))
        .ok()
        .flatten()
}

/// Any menu's change sets the whole filter from the three menus.
fn listen_for_filter_changes() {
    on_change_within(LEGEND_ID, "select[data-filter]", |_| {
        let chosen = |name: &str| {
            menu(name)
                .map(|menu| control_value(&menu))
                .filter(|value| !value.is_empty())
        };
        queue_intent(Intent::SetFilter(ProjectFilter {
            cluster: chosen("cluster"),
            sector: chosen("sector"),
            status: chosen("status").and_then(|code| status_from_code(&code)),
        }));
    });
}

/// Rebuilt when the language or the data changes; a filter change updates it in place.
fn render_legend(data: Res<CityData>, lang: Res<Language>, filter: Res<ActiveFilter>) {
    let Some(legend) = by_id(LEGEND_ID) else {
        return;
    };
    let view = LegendView::build(&data, &filter.0, lang.0);
    if lang.is_changed() || data.is_changed() {
        if let Some(summary) = by_id("legend-summary") {
            summary.set_text_content(Some(&view.title));
        }
        clear(&legend);
        if build_legend(&legend, &view).is_none() {
            warn!("the legend could not be built completely");
        }
    }
    update_counts(&legend, &view);
}

fn build_legend(legend: &Element, view: &LegendView) -> Option<()> {
    let entries = append(legend, "ul", "legend-entries", "")?;
    for entry in &view.entries {
        let row = append(&entries, "li", "", "")?;
        let swatch = append(&row, "span", "swatch", "")?;
        set(&swatch, "aria-hidden", "true");
        set_style(&swatch, "background-color", &entry.colour);
        append(&row, "span", "legend-name", &entry.name)?;
        let count = append(&row, "span", "legend-count", "")?;
        set(&count, "data-count-for", &entry.id);
    }
    let menus = append(legend, "div", "filters", "")?;
    for filter in &view.menus {
        let label = append(&menus, "label", "", "")?;
        append(&label, "span", "filter-label", &filter.label)?;
        let select = append(&label, "select", "", "")?;
        set(&select, "data-filter", filter.name);
        set(&select, "data-testid", &format!("filter-{}", filter.name));
        for option in &filter.options {
            let element = append(&select, "option", "", &option.label)?;
            set(&element, "value", &option.value);
        }
    }
    let matching = append(legend, "p", "matching", "")?;
    set(&matching, "role", "status");
    Some(())
}

fn update_counts(legend: &Element, view: &LegendView) {
    for entry in &view.entries {
        if let Ok(Some(count)) =
            legend.query_selector(&format!("[data-count-for=\"{}\"]", entry.id))
        {
            count.set_text_content(Some(&entry.count.to_string()));
        }
    }
    for filter in &view.menus {
        if let Some(select) = menu(filter.name) {
            set_control_value(&select, &filter.chosen);
        }
    }
    if let Ok(Some(matching)) = legend.query_selector(".matching") {
        matching.set_text_content(Some(&view.matching));
    }
}
