//! The page's layout, measured: every third frame the boxes of the page's parts (toolbar,
//! panels, map tools, cards) are read, so the map labels keep clear of them (`PageParts`), and
//! the toolbar's bottom and the map tools' top and bottom are written as CSS variables
//! (`--toolbar-bottom`, `--tools-top`, `--tools-bottom`) that the panels size themselves by, whatever the
//! language makes the toolbar's width or the year control's height.

use bevy::diagnostic::FrameCount;
use bevy::prelude::*;
use wasm_bindgen::JsCast;

use super::dom::document;
use crate::model::labels::LabelBox;

/// The page's parts that labels never cover (display: none measures as nothing).
const PARTS: &str = "#toolbar, #portfolio, #info-panel, #map-tools .tool-row, #timeline, \
     #schematic-note, #tour-caption, #tour-list, #attract-prompt, #still-there, #qr-card, \
     #staff-view, #search-results, #share-status";
/// How often the layout is read, in frames (a few boxes: one layout pass the page does anyway).
const MEASURE_EVERY_FRAMES: u32 = 3;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<PageParts>()
        .add_systems(PreUpdate, measure_the_page);
}

/// The page parts' boxes in CSS pixels, as last measured.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct PageParts {
    /// Every part shown, as a box.
    pub boxes: Vec<LabelBox>,
    /// The toolbar's bottom and the map tools' top and bottom, CSS pixels.
    edges: Option<[i32; 3]>,
}

fn measure_the_page(frames: Res<FrameCount>, mut parts: ResMut<PageParts>) {
    if !frames.0.is_multiple_of(MEASURE_EVERY_FRAMES) {
        return;
    }
    let Some(document) = document() else {
        return;
    };
    let mut boxes = Vec::new();
    if let Ok(list) = document.query_selector_all(PARTS) {
        for element in (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|node| node.dyn_into::<web_sys::Element>().ok())
        {
            let rect = element.get_bounding_client_rect();
            if rect.width() > 0.0 && rect.height() > 0.0 {
                boxes.push(LabelBox {
                    x: rect.left() as f32,
                    y: rect.top() as f32,
                    width: rect.width() as f32,
                    height: rect.height() as f32,
                });
            }
        }
    }
    let rect_of = |id: &str| {
        document
            .get_element_by_id(id)
            .map(|element| element.get_bounding_client_rect())
    };
    let edges = rect_of("toolbar")
        .zip(rect_of("map-tools"))
        .map(|(toolbar, tools)| {
            [toolbar.bottom(), tools.top(), tools.bottom()].map(|edge| edge.round() as i32)
        });
    if edges != parts.edges
        && let (Some([toolbar_bottom, tools_top, tools_bottom]), Some(root)) = (
            edges,
            document
                .document_element()
                .and_then(|root| root.dyn_into::<web_sys::HtmlElement>().ok()),
        )
    {
        let style = root.style();
        for (name, value) in [
            ("--toolbar-bottom", toolbar_bottom),
            ("--tools-top", tools_top),
            ("--tools-bottom", tools_bottom),
        ] {
            let _ = style.set_property(name, &format!("{value}px"));
        }
    }
    let measured = PageParts { boxes, edges };
    parts.set_if_neq(measured);
}
