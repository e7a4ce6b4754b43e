//! What the visitor switches and filters: each map layer's entities are shown or hidden with
//! the chosen [`MapLayers`], and records that do not pass the project
//! filter swap to a dimmed twin of their material (two shared materials, so no new pipelines).

use bevy::prelude::*;

use crate::AppSystems;
use crate::model::layers::Layer;
use crate::world::RecordId;
use crate::world::choices::{ActiveFilter, MapLayers};
use crate::world::data::CityData;
use crate::world::phase::data_is_in;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (show_chosen_layers, dim_filtered_records.run_if(data_is_in)).in_set(AppSystems::Render),
    );
}

/// The map layer an entity belongs to.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
#[require(Visibility)]
pub struct OnLayer(pub Layer);

/// A record's material when it passes the filter, and when it does not.
#[derive(Component, Debug, Clone)]
pub struct Dimmable {
    /// The normal material.
    pub bright: Handle<StandardMaterial>,
    /// The same, darkened.
    pub dim: Handle<StandardMaterial>,
}

/// How much a dimmed record keeps of its colour.
const DIMMED_TO: f32 = 0.35;

/// The dimmed twin of `material`: the same surface, darker.
pub fn dimmed(material: &StandardMaterial) -> StandardMaterial {
    let base = material.base_color.to_linear();
    StandardMaterial {
        base_color: Color::LinearRgba(LinearRgba {
            red: base.red * DIMMED_TO,
            green: base.green * DIMMED_TO,
            blue: base.blue * DIMMED_TO,
            alpha: base.alpha,
        }),
        ..material.clone()
    }
}

fn show_chosen_layers(
    layers: Res<MapLayers>,
    mut entities: Query<(&OnLayer, &mut Visibility)>,
    added: Query<(), Added<OnLayer>>,
) {
    if !layers.is_changed() && added.is_empty() {
        return;
    }
    for (layer, mut visibility) in &mut entities {
        let wanted = if layers.0.shows(layer.0) {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        };
        visibility.set_if_neq(wanted);
    }
}

fn dim_filtered_records(
    filter: Res<ActiveFilter>,
    data: Res<CityData>,
    mut records: Query<(&RecordId, &Dimmable, &mut MeshMaterial3d<StandardMaterial>)>,
    added: Query<(), Added<Dimmable>>,
) {
    if !filter.is_changed() && added.is_empty() {
        return;
    }
    for (id, dimmable, mut material) in &mut records {
        let wanted = if filter.0.keeps_bright(&data, &id.0) {
            &dimmable.bright
        } else {
            &dimmable.dim
        };
        if material.0 != *wanted {
            material.0 = wanted.clone();
        }
    }
}
