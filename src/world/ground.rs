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

    /// Where a ray from `origin` along `direction` (of unit length) first meets the ground
    /// within `reach` metres: its distance along the ray. Marches in steps of the height over
    /// the ground (safe for the gentle slopes of this plain), then halves the last step.
    pub fn ray_hit(&self, origin: Vec3, direction: Vec3, reach: f32) -> Option<f32> {
        const CLOSE_ENOUGH_M: f32 = 0.5;
        const SMALLEST_STEP_M: f32 = 5.0;
        let gap = |t: f32| {
            let p = origin + direction * t;
            p.y - self.height(p.x, p.z)
        };
        if gap(0.0) <= 0.0 {
            return Some(0.0);
        }
        let (mut above, mut t) = (0.0, 0.0);
        for _ in 0..2_000 {
            let height_over = gap(t);
            if height_over <= 0.0 {
                // Between `above` and `t`: halve until close enough.
                let mut below = t;
                while below - above > CLOSE_ENOUGH_M {
                    let middle = (above + below) / 2.0;
                    if gap(middle) > 0.0 {
                        above = middle;
                    } else {
                        below = middle;
                    }
                }
                return Some(below);
            }
            if t >= reach {
                return None;
            }
            above = t;
            t = (t + (height_over * 0.8).max(SMALLEST_STEP_M)).min(reach);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ground() -> Ground {
        Ground::sample(Arc::new(Landscape::new()), 1.0, 0)
    }

    #[test]
    fn a_ray_down_at_the_ground_meets_it_where_the_ground_is() {
        let ground = ground();
        let below = ground.point(-9_400.0, 27_000.0);
        // Straight down from 5 km over it, and slanting in from 40 km away.
        let from_above = below + Vec3::Y * 5_000.0;
        let t = ground
            .ray_hit(from_above, Vec3::NEG_Y, 100_000.0)
            .expect("a hit");
        assert!((from_above + Vec3::NEG_Y * t).distance(below) < 1.0, "{t}");
        let eye = below + Vec3::new(30_000.0, 25_000.0, 10_000.0);
        let direction = (below - eye).normalize();
        let t = ground.ray_hit(eye, direction, 200_000.0).expect("a hit");
        let hit = eye + direction * t;
        assert!(hit.distance(below) < 5.0, "{hit} for {below}");
    }

    #[test]
    fn a_ray_up_or_out_of_reach_meets_nothing() {
        let ground = ground();
        let eye = ground.point(0.0, 0.0) + Vec3::Y * 1_000.0;
        assert_eq!(ground.ray_hit(eye, Vec3::Y, 100_000.0), None);
        let slanting = Vec3::new(1.0, -0.01, 0.0).normalize();
        assert_eq!(ground.ray_hit(eye, slanting, 2_000.0), None, "beyond reach");
    }
}
