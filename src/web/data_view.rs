//! The data view for browsers without WebGL 2 (`data-testid="fallback"`): under the page's
//! explanation, a table of the named projects (`project-table`) whose names open their info
//! panel. The portfolio panel, search and the language switch work as in the 3D view.

use bevy::prelude::*;
use web_sys::Element;

use super::dom::{append, by_id, clear, select_record_on_click, set};
use crate::AppSystems;
use crate::model::project_table::ProjectTable;
use crate::state::page_views::{PageViews, ProjectTablePanel};
use crate::world::phase::{AppPhase, LoadStep};

/// The class `web/boot.js` puts on `<html>` when the page has no WebGL 2.
pub const PAGE_CLASS: &str = "data-view";

const HOST_ID: &str = "fallback-projects";

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, listen_for_project_clicks)
        .add_systems(OnEnter(LoadStep::City), there_is_no_city_to_build)
        .add_systems(
            Update,
            render_project_table
                .run_if(resource_changed::<ProjectTablePanel>)
                .after(PageViews)
                .in_set(AppSystems::Render),
        );
}

/// The data view (and the presenter console) draws no city: once the data is in, the app is
/// ready.
pub(super) fn there_is_no_city_to_build(mut next_phase: ResMut<NextState<AppPhase>>) {
    next_phase.set(AppPhase::Ready);
}

/// A project's name in the table opens its info panel.
fn listen_for_project_clicks() {
    select_record_on_click(HOST_ID, "button[data-record]", false, || {});
}

fn render_project_table(table: Res<ProjectTablePanel>) {
    let (Some(host), Some(table)) = (by_id(HOST_ID), table.0.as_ref()) else {
        return;
    };
    clear(&host);
    if fill_table(&host, table).is_none() {
        warn!("the project table could not be built completely");
    }
}

fn fill_table(host: &Element, table: &ProjectTable) -> Option<()> {
    let scroller = append(host, "div", "table-scroller", "")?;
    let element = append(&scroller, "table", "project-table", "")?;
    set(&element, "data-testid", "project-table");
    append(&element, "caption", "", &table.caption)?;
    let head = append(&element, "thead", "", "")?;
    let head_row = append(&head, "tr", "", "")?;
    for header in &table.headers {
        let cell = append(&head_row, "th", "", header)?;
        set(&cell, "scope", "col");
    }
    let body = append(&element, "tbody", "", "")?;
    for row in &table.rows {
        let line = append(&body, "tr", "", "")?;
        let name_cell = append(&line, "th", "", "")?;
        set(&name_cell, "scope", "row");
        let name = append(&name_cell, "button", "project-name", &row.name)?;
        set(&name, "type", "button");
        set(&name, "data-record", &row.id);
        for cell in &row.cells {
            append(&line, "td", "", cell)?;
        }
    }
    Some(())
}
