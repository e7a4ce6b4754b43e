//! The ground everything stands on: the sampled terrain ([`Ground`]) with its relief and
//! generation, the marker of what was built from its heights ([`OnGround`]) and the run
//! condition that lets builders run once per ground generation ([`ground_is_new`]). The scene
//! samples and draws it; the camera, the markers and the labels read heights from it.

use std::sync::Arc;

use bevy::prelude::*;

use crate::model::geo::Local;
use crate::model::terrain::{GridSpec, Heightfield, Landscape};

/// Built from the ground's heights: cleared when the relief changes, then built again.
#[derive(Component, Debug, Default)]
pub struct OnGround;

/// A run condition: the ground is one this system has not built on yet (true once per
/// generation, each time the relief changes).
pub fn ground_is_new(
    ground: Option<Res<Ground>>,
    mut built_for: bevy::ecs::system::Local<Option<u32>>,
) -> bool {
    let Some(ground) = ground else {
        return false;
    };
    if *built_for == Some(ground.generation) {
        return false;
    }
    *built_for = Some(ground.generation);
    true
}

/// Startup work after which [`Ground`] exists.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroundIsBuilt;

/// The sampled terrain: heights for placing anything on the ground, and the landscape's
/// functions (shoreline distance) for deciding where.
#[derive(Resource, Clone)]
pub struct Ground {
    /// The rendered surface.
    pub field: Arc<Heightfield>,
    /// The landscape it was sampled from.
    pub landscape: Arc<Landscape>,
    /// Its vertical exaggeration (1 = true scale).
    pub exaggeration: f32,
    /// Counts resamplings: what was built on an older generation is gone.
    pub generation: u32,
}

impl Ground {
    /// The ground of `landscape` at a vertical `exaggeration`, as the `generation`th sampling.
    pub fn sample(landscape: Arc<Landscape>, exaggeration: f32, generation: u32) -> Ground {
        let field = Heightfield::sample(&landscape, &GridSpec::REGION, exaggeration);
        Ground {
            field: Arc::new(field),
            landscape,
            exaggeration,
            generation,
        }
    }

    /// World height of the ground at `(x, z)`.
    pub fn height(&self, x: f32, z: f32) -> f32 {
        self.field.height_at(Local::new(x, z))
    }

    /// A point on the ground.
    pub fn point(&self, x: f32, z: f32) -> Vec3 {
        Vec3::new(x, self.height(x, z), z)
    }
}
