//! What the visitor (or a tour, or a link) has chosen, one resource per field, so that each part
//! of the scene and the page reacts to the fields it shows and to nothing else: a new selection
//! does not rebuild the portfolio, a new tour step does not touch the legend. Only
//! `state::apply_intents` writes them.

use bevy::prelude::*;

use crate::model::format::Currency;
use crate::model::lang::Lang;
use crate::model::layers::{Layers, Relief};
use crate::model::legend::ProjectFilter;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Language>()
        .init_resource::<Selection>()
        .init_resource::<ShownCurrency>()
        .init_resource::<ActiveFilter>()
        .init_resource::<MapLayers>()
        .init_resource::<TerrainRelief>()
        .init_resource::<ShownYear>()
        .init_resource::<TourPosition>();
}

/// The interface language.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Language(pub Lang);

/// The selected record's id, if any.
#[derive(Resource, Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection(pub Option<String>);

/// The currency amounts are shown in.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShownCurrency(pub Currency);

/// Which projects are kept bright (what does not match is dimmed).
#[derive(Resource, Debug, Clone, Default, PartialEq, Eq)]
pub struct ActiveFilter(pub ProjectFilter);

/// Which layers of the map are shown.
#[derive(Resource, Debug, Clone, Default, PartialEq, Eq)]
pub struct MapLayers(pub Layers);

/// The terrain's vertical exaggeration.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TerrainRelief(pub Relief);

/// The timeline's year: `None` is the present (the snapshot's year), which a link leaves out.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShownYear(pub Option<u16>);

impl ShownYear {
    /// The year shown: the chosen one, or the snapshot's.
    pub fn resolve(self, snapshot: &crate::model::snapshot::Snapshot) -> u16 {
        self.0
            .unwrap_or_else(|| crate::model::timeline::present_year(snapshot))
    }
}

/// The guided tour playing and its step, if any (`state()`'s `tour` and `step`, the URL's
/// `tour=` and `step=`).
#[derive(Resource, Debug, Clone, Default, PartialEq, Eq)]
pub struct TourPosition {
    /// The tour's id.
    pub tour: Option<String>,
    /// The step shown, from 0.
    pub step: Option<usize>,
}
