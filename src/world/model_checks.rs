//! What the run-time check of the landmark models found, by record id: the scene writes it when
//! it puts a stand-in block in a refused model's place; the info panel and `state()` read it.

use std::collections::BTreeMap;

use bevy::prelude::*;

use crate::model::landmark_check::ModelProblem;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<LandmarkProblems>();
}

/// A refused model: why, and how high the block standing in for it is.
#[derive(Clone, Debug, PartialEq)]
pub struct RefusedModel {
    /// What is wrong with it.
    pub problem: ModelProblem,
    /// The stand-in block's height, metres.
    pub stand_in_m: f32,
}

/// The refused landmark models, by project id (empty while every model is fine).
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct LandmarkProblems(pub BTreeMap<String, RefusedModel>);
