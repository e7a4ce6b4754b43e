//! The data view for browsers without WebGL 2 (`data-testid="fallback"`): under the page's
//! explanation, a table of the named projects (`project-table`) whose names open their info
//! panel. The portfolio panel, search and the language switch work as in the 3D view.

use bevy::prelude::*;
use web_sys::Element;

use super::dom::{append, by_id, clear, on_click_within, set};
use super::queue_page_intent;
use crate::AppSystems;
use crate::data::CityData;
use crate::model::project_table::ProjectTable;
use crate::state::{ExplorerState, Intent};

/// The class `web/boot.js` puts on `<html>` when the page has no WebGL 2.
pub const PAGE_CLASS: &str = "data-view";

const HOST_ID: &str = "fallback-projects";

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, listen_for_project_clicks)
        .add_systems(
            Update,
            render_project_table
                .run_if(resource_exists::<CityData>)
                .in_set(AppSystems::Render),
        );
}

/// A project's name in the table opens its info panel.
fn listen_for_project_clicks() {
    on_click_within(HOST_ID, "button[data-record]", |button| {
        if let Some(id) = button.get_attribute("data-record") {
            queue_page_intent(Intent::Select {
                id: Some(id),
                fly: false,
            });
        }
    });
}

fn render_project_table(data: Res<CityData>, state: Res<ExplorerState>) {
    if !(data.is_added() || state.is_changed()) {
        return;
    }
    let Some(host) = by_id(HOST_ID) else {
        return;
    };
    clear(&host);
    let table = ProjectTable::build(&data, state.lang, state.currency);
    if fill_table(&host, &table).is_none() {
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
