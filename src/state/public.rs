//! `window.alatau.state()`: the visitor's choices gathered from their resources
//! ([`Choices`] into an [`ExplorerState`]) and turned into the documented JSON.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use serde_json::json;

use crate::model::camera_pose::CameraPose;
use crate::model::format::Currency;
use crate::model::lang::Lang;
use crate::model::layers::{Layers, Relief};
use crate::model::legend::{ProjectFilter, status_code};
use crate::world::choices::{
    ActiveFilter, Language, MapLayers, Selection, ShownCurrency, ShownYear, TerrainRelief,
    TourPosition,
};

/// Everything the visitor has chosen, gathered in one value (for `state()` and the URL hash).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExplorerState {
    /// Interface language.
    pub lang: Lang,
    /// Selected record id, if any.
    pub selection: Option<String>,
    /// Currency of the amounts shown.
    pub currency: Currency,
    /// Which projects are kept bright.
    pub filter: ProjectFilter,
    /// Which layers of the map are shown.
    pub layers: Layers,
    /// The terrain's vertical exaggeration.
    pub relief: Relief,
    /// The tour playing and its step.
    pub tour: TourPosition,
    /// The timeline's year, when one is chosen (`None`: the present).
    pub year: Option<u16>,
}

/// The choices' resources, read together.
#[derive(SystemParam)]
pub struct Choices<'w> {
    lang: Res<'w, Language>,
    selection: Res<'w, Selection>,
    currency: Res<'w, ShownCurrency>,
    filter: Res<'w, ActiveFilter>,
    layers: Res<'w, MapLayers>,
    relief: Res<'w, TerrainRelief>,
    tour: Res<'w, TourPosition>,
    year: Res<'w, ShownYear>,
}

impl Choices<'_> {
    /// The choices as one value.
    pub fn gather(&self) -> ExplorerState {
        ExplorerState {
            lang: self.lang.0,
            selection: self.selection.0.clone(),
            currency: self.currency.0,
            filter: self.filter.0.clone(),
            layers: self.layers.0.clone(),
            relief: self.relief.0,
            tour: self.tour.clone(),
            year: self.year.0,
        }
    }

    /// The timeline's year as chosen.
    pub fn year(&self) -> ShownYear {
        *self.year
    }

    /// Whether any choice changed since the system last ran.
    pub fn any_changed(&self) -> bool {
        self.lang.is_changed()
            || self.selection.is_changed()
            || self.currency.is_changed()
            || self.filter.is_changed()
            || self.layers.is_changed()
            || self.relief.is_changed()
            || self.tour.is_changed()
            || self.year.is_changed()
    }
}

/// The JSON that `window.alatau.state()` returns.
pub fn public_state(
    state: &ExplorerState,
    camera: Option<&CameraPose>,
    frame: u32,
    fps: f64,
) -> serde_json::Value {
    json!({
        "lang": state.lang.code(),
        "selection": state.selection,
        "tour": state.tour.tour,
        "step": state.tour.step,
        "camera": camera,
        "frame": frame,
        "fps": (fps * 10.0).round() / 10.0,
        "filter": {
            "cluster": state.filter.cluster,
            "sector": state.filter.sector,
            "status": state.filter.status.map(status_code),
        },
        "relief": state.relief.factor(),
        "layers": state.layers.shown_codes(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::layers::Layer;

    #[test]
    fn public_state_has_the_documented_fields() {
        let state = ExplorerState {
            lang: Lang::Ru,
            selection: Some("iconic-complex".into()),
            ..default()
        };
        let value = public_state(&state, Some(&CameraPose::OVERVIEW), 42, 29.96);
        assert_eq!(value["lang"], "ru");
        assert_eq!(value["selection"], "iconic-complex");
        assert_eq!(value["frame"], 42);
        assert_eq!(value["fps"], 30.0);
        assert_eq!(value["camera"]["distance"], CameraPose::OVERVIEW.distance);
        assert!(value["tour"].is_null() && value["step"].is_null());
        assert_eq!(
            value["layers"],
            json!(["zones", "buildings", "labels", "transport"])
        );
        assert!(value["filter"]["cluster"].is_null());
    }

    #[test]
    fn filters_layers_relief_and_the_tour_are_published() {
        let mut state = ExplorerState {
            filter: ProjectFilter {
                status: Some(crate::model::snapshot::Status::Operating),
                ..ProjectFilter::default()
            },
            relief: Relief::Triple,
            tour: TourPosition {
                tour: Some("corridor".into()),
                step: Some(2),
            },
            ..default()
        };
        state.layers.set(Layer::Buildings, false);
        let published = public_state(&state, None, 1, 1.0);
        assert_eq!(published["filter"]["status"], "operating");
        assert_eq!(published["layers"], json!(["zones", "labels", "transport"]));
        assert_eq!(published["relief"], 3.0);
        assert_eq!(published["tour"], "corridor");
        assert_eq!(published["step"], 2);
    }
}
