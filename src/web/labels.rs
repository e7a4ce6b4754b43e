//! Map labels: HTML buttons over the canvas, anchored to districts and projects in 3D, placed
//! every frame the camera moves, decluttered by priority (`model::labels`) and against the
//! page's own parts (`layout`) and the selected project, hidden behind the camera, off screen or
//! with the labels layer off. No label hides a landmark's map symbol (its halo from afar): the
//! landmark's own label stands above it and a district's label moves off it. A click selects the record and flies there.
//! A project's label shows its stage at the timeline's year (`data-stage`: a light outline while
//! planned, hatched while under construction, solid when built, grey when undated) and is not
//! shown before any source names it.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::transform::TransformSystems;
use bevy::window::PrimaryWindow;
use web_sys::Element;

use super::dom::{append, by_id, clear, select_record_on_click, set, set_style};
use super::layout::PageParts;
use crate::camera::OrbitCamera;
use crate::model::labels::{
    LabelBox, MapLabel, Symbol, declutter_around, map_labels, set_off_symbols,
};
use crate::model::landmark_check::published_height_m;
use crate::model::lang::Lang;
use crate::model::layers::Layer;
use crate::model::timeline::{Stage, project_at};
use crate::scene::landmark_halo::LandmarkHalo;
use crate::world::RecordId;
use crate::world::choices::{Language, MapLayers, Selection, ShownYear};
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
    /// Each label's project stage at the year last shown (`None`: not a project).
    stages: Vec<Option<Stage>>,
    year: Option<u16>,
    /// Each label's size as the page drew it, once it has shown (CSS pixels); the estimate from
    /// its characters until then. Forgotten when the window's size changes (the 4K font).
    sizes: Vec<Option<(f32, f32)>>,
    window: Vec2,
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
    placed.stages = vec![None; placed.labels.len()];
    placed.sizes = vec![None; placed.labels.len()];
    placed.year = None;
    placed.lang = Some(lang);
}

/// How tall a selected project is taken to stand where no height is published, metres.
const SELECTED_HEIGHT_M: f32 = 80.0;
/// Half the width kept clear around a selected project, CSS pixels.
const SELECTED_HALF_WIDTH_PX: f32 = 40.0;

/// The screen box of the selected project, from its ground to its published height (labels
/// keep clear of it); `None` without a selected, labelled project in view.
fn selected_box(
    placed: &PlacedLabels,
    data: &CityData,
    selection: &Selection,
    camera: &Camera,
    transform: &GlobalTransform,
) -> Option<(String, LabelBox)> {
    let id = selection.0.as_deref()?;
    let project = data.project(id)?;
    let (_, anchor, _) = placed.labels.iter().find(|(label, _, _)| label.id == id)?;
    let height = published_height_m(project).unwrap_or(SELECTED_HEIGHT_M);
    let ground = *anchor - Vec3::Y * LABEL_LIFT_M;
    let foot = camera.world_to_viewport(transform, ground).ok()?;
    let top = camera
        .world_to_viewport(transform, ground + Vec3::Y * height)
        .ok()?;
    let left = foot.x.min(top.x) - SELECTED_HALF_WIDTH_PX;
    let right = foot.x.max(top.x) + SELECTED_HALF_WIDTH_PX;
    Some((
        id.to_owned(),
        LabelBox {
            x: left,
            y: top.y.min(foot.y),
            width: right - left,
            height: (foot.y - top.y).abs(),
        },
    ))
}

/// Marks each project label with its stage at `year`.
fn show_stages(placed: &mut PlacedLabels, data: &CityData, year: u16) {
    if placed.year == Some(year) {
        return;
    }
    let PlacedLabels { labels, stages, .. } = placed;
    for ((label, _, element), stage) in labels.iter().zip(stages.iter_mut()) {
        *stage = data
            .project(&label.id)
            .map(|project| project_at(project, year).stage);
        if let Some(stage) = stage {
            set(element, "data-stage", stage.code());
        }
    }
    placed.year = Some(year);
}

/// What decides which labels show and how: the language, the layers, the year, the selection
/// and the page's own parts.
#[derive(SystemParam)]
struct WhatLabelsShow<'w> {
    lang: Res<'w, Language>,
    layers: Res<'w, MapLayers>,
    year: Res<'w, ShownYear>,
    selection: Res<'w, Selection>,
    page: Res<'w, PageParts>,
}

/// The landmarks' halos and whose they are, for [`symbols_on_screen`].
#[derive(SystemParam)]
struct LandmarkSymbols<'w, 's> {
    halos: Query<'w, 's, (&'static LandmarkHalo, &'static InheritedVisibility)>,
    records: Query<'w, 's, &'static RecordId>,
}

/// The screen boxes of the landmark halos drawn this frame.
fn symbols_on_screen(
    symbols: &LandmarkSymbols,
    camera: &Camera,
    transform: &GlobalTransform,
) -> Vec<Symbol> {
    let eye = transform.translation();
    symbols
        .halos
        .iter()
        .filter(|(halo, shown)| shown.get() && halo.drawn_from(eye))
        .filter_map(|(halo, _)| {
            let id = symbols.records.get(halo.of).ok()?.0.clone();
            let rim = [Vec3::X, Vec3::NEG_X, Vec3::Z, Vec3::NEG_Z]
                .map(|side| camera.world_to_viewport(transform, halo.at + side * halo.radius));
            let (mut low, mut high) = (Vec2::MAX, Vec2::MIN);
            for point in rim {
                let point = point.ok()?;
                low = low.min(point);
                high = high.max(point);
            }
            Some(Symbol {
                id,
                bounds: LabelBox {
                    x: low.x,
                    y: low.y,
                    width: high.x - low.x,
                    height: high.y - low.y,
                },
            })
        })
        .collect()
}

fn place_labels(
    data: Res<CityData>,
    ground: Res<Ground>,
    shown: WhatLabelsShow,
    landmark_symbols: LandmarkSymbols,
    cameras: Query<(&Camera, &GlobalTransform), With<OrbitCamera>>,
    windows: Query<&Window, With<PrimaryWindow>>,
    mut placed: Local<PlacedLabels>,
) {
    if placed.lang != Some(shown.lang.0) || ground.is_changed() {
        rebuild(&mut placed, &data, &ground, shown.lang.0);
    }
    show_stages(&mut placed, &data, shown.year.resolve(&data));
    let Ok((camera, transform)) = cameras.single() else {
        return;
    };
    let Ok(window) = windows.single() else {
        return;
    };
    let size = window.size();
    if placed.window != size {
        placed.window = size;
        placed
            .sizes
            .iter_mut()
            .for_each(|measured| *measured = None);
    }
    let shown_layer = shown.layers.0.shows(Layer::Labels);
    let selected = selected_box(&placed, &data, &shown.selection, camera, transform);
    let symbols = symbols_on_screen(&landmark_symbols, camera, transform);
    let boxes: Vec<Option<(LabelBox, u8)>> = placed
        .labels
        .iter()
        .zip(placed.stages.iter().zip(&placed.sizes))
        .map(|((label, anchor, _), (stage, measured))| {
            if !shown_layer || stage.is_some_and(|stage| !stage.is_shown()) {
                return None;
            }
            let at = camera.world_to_viewport(transform, *anchor).ok()?;
            let (width, height) = measured.unwrap_or((
                label.text.chars().count() as f32 * CHARACTER_WIDTH_PX + LABEL_PADDING_PX,
                LABEL_HEIGHT_PX,
            ));
            let anchored = LabelBox {
                x: at.x - width / 2.0,
                y: at.y - height,
                width,
                height,
            };
            let bounds = set_off_symbols(&label.id, anchored, &symbols, (size.x, size.y));
            let inside = bounds.x >= 0.0
                && bounds.y >= 0.0
                && bounds.x + width <= size.x
                && bounds.y + height <= size.y;
            // Other labels keep clear of the selected project.
            let over_selection = selected
                .as_ref()
                .is_some_and(|(id, selected)| *id != label.id && selected.overlaps(&bounds));
            (inside && !over_selection).then_some((bounds, label.priority))
        })
        .collect();
    let shown = declutter_around(&boxes, &shown.page.boxes);
    let PlacedLabels {
        labels,
        last,
        sizes,
        ..
    } = &mut *placed;
    // Every read of the page before any write: a size read after a label was moved or shown
    // would make the browser lay the page out again, once per label (it did at a flight's
    // start, when new labels come into view).
    for (((_, _, element), (visible, last)), measured) in labels
        .iter()
        .zip(shown.iter().zip(last.iter()))
        .zip(sizes.iter_mut())
    {
        if *visible && measured.is_none() && last.is_some() {
            let rect = element.get_bounding_client_rect();
            if rect.width() > 0.0 {
                *measured = Some((rect.width() as f32, rect.height() as f32));
            }
        }
    }
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
