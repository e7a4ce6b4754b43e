//! Map labels: HTML buttons over the canvas, anchored to districts and projects in 3D, placed
//! every frame the camera moves, decluttered by priority (`model::labels`), hidden behind the
//! camera, off screen or with the labels layer off. A click selects the record and flies there.

use bevy::prelude::*;
use bevy::transform::TransformSystems;
use bevy::window::PrimaryWindow;
use web_sys::Element;

use super::dom::{append, by_id, clear, select_record_on_click, set, set_style};
use crate::camera::OrbitCamera;
use crate::model::labels::{LabelBox, MapLabel, declutter, map_labels};
use crate::model::lang::Lang;
use crate::model::layers::Layer;
use crate::world::choices::{Language, MapLayers};
use crate::world::data::CityData;
use crate::world::ground::Ground;
use crate::world::phase::data_is_in;

const CONTAINER_ID: &str = "labels";
/// A label's height and the width of one character, CSS pixels (0.78rem text with padding).
const LABEL_HEIGHT_PX: f32 = 24.0;
const CHARACTER_WIDTH_PX: f32 = 7.2;
const LABEL_PADDING_PX: f32 = 18.0;
/// Labels float this far above the ground, metres.
const LABEL_LIFT_M: f32 = 40.0;

pub(super) fn plugin(app: &mut App) {
    // After transforms propagate, so labels sit where this frame draws their records.
    app.add_systems(Startup, listen_for_label_clicks)
        .add_systems(
            PostUpdate,
            place_labels
                .run_if(data_is_in)
                .after(TransformSystems::Propagate),
        );
}

fn listen_for_label_clicks() {
    select_record_on_click(CONTAINER_ID, "[data-record]", true, || {});
}

/// The labels on the page and where each was last put.
#[derive(Default)]
struct PlacedLabels {
    lang: Option<Lang>,
    labels: Vec<(MapLabel, Vec3, Element)>,
    last: Vec<Option<(i32, i32)>>,
}

fn rebuild(placed: &mut PlacedLabels, data: &CityData, ground: &Ground, lang: Lang) {
    let Some(container) = by_id(CONTAINER_ID) else {
        return;
    };
    clear(&container);
    placed.labels.clear();
    for label in map_labels(data, lang) {
        let Some(element) = append(&container, "button", "map-label", &label.text) else {
            continue;
        };
        set(&element, "type", "button");
        set(&element, "data-record", &label.id);
        set(&element, "tabindex", "-1");
        set(&element, "hidden", "");
        if label.priority == 0 {
            set(&element, "data-kind", "district");
        }
        let anchor = Vec3::new(
            label.at.x,
            ground.height(label.at.x, label.at.z).max(0.0) + LABEL_LIFT_M,
            label.at.z,
        );
        placed.labels.push((label, anchor, element));
    }
    placed.last = vec![None; placed.labels.len()];
    placed.lang = Some(lang);
}

fn place_labels(
    data: Res<CityData>,
    ground: Res<Ground>,
    lang: Res<Language>,
    layers: Res<MapLayers>,
    cameras: Query<(&Camera, &GlobalTransform), With<OrbitCamera>>,
    windows: Query<&Window, With<PrimaryWindow>>,
    mut placed: Local<PlacedLabels>,
) {
    if placed.lang != Some(lang.0) || ground.is_changed() {
        rebuild(&mut placed, &data, &ground, lang.0);
    }
    let Ok((camera, transform)) = cameras.single() else {
        return;
    };
    let Ok(window) = windows.single() else {
        return;
    };
    let size = window.size();
    let shown_layer = layers.0.shows(Layer::Labels);
    let boxes: Vec<Option<(LabelBox, u8)>> = placed
        .labels
        .iter()
        .map(|(label, anchor, _)| {
            if !shown_layer {
                return None;
            }
            let at = camera.world_to_viewport(transform, *anchor).ok()?;
            let width = label.text.chars().count() as f32 * CHARACTER_WIDTH_PX + LABEL_PADDING_PX;
            let bounds = LabelBox {
                x: at.x - width / 2.0,
                y: at.y - LABEL_HEIGHT_PX,
                width,
                height: LABEL_HEIGHT_PX,
            };
            let inside =
                bounds.x >= 0.0 && bounds.y >= 0.0 && bounds.x + width <= size.x && at.y <= size.y;
            inside.then_some((bounds, label.priority))
        })
        .collect();
    let shown = declutter(&boxes);
    let PlacedLabels { labels, last, .. } = &mut *placed;
    for (((_, _, element), bounds), (visible, last)) in labels
        .iter()
        .zip(&boxes)
        .zip(shown.iter().zip(last.iter_mut()))
    {
        let now = match (visible, bounds) {
            (true, Some((bounds, _))) => Some((bounds.x.round() as i32, bounds.y.round() as i32)),
            _ => None,
        };
        if now == *last {
            continue;
        }
        match now {
            Some((x, y)) => {
                set_style(element, "transform", &format!("translate({x}px, {y}px)"));
                if last.is_none() {
                    let _ = element.remove_attribute("hidden");
                }
            }
            None => set(element, "hidden", ""),
        }
        *last = now;
    }
}
