//! The landmark models checked at run time, once each: a model whose height is more than 10 %
//! off its record's published height (a model in centimetres), one out of all scale, one with
//! no geometry, or a file that cannot be read is not shown as it is. Its parts are hidden, a
//! plain block at the published height stands in (selectable like the model), the console
//! says why, and `LandmarkProblems` tells the info panel and `state()`. The city stays ready.

use bevy::asset::LoadState;
use bevy::camera::primitives::Aabb;
use bevy::prelude::*;

use super::landmark_model::LandmarkModelRoot;
use super::landmarks::{Landmark, LandmarkShown};
use super::mesh_builder::with_city_vertex_layout;
use super::phasing::ShownLook;
use crate::model::landmark_check::{
    ModelProblem, check_model, published_height_m, stand_in_height_m,
};
use crate::world::RecordId;
use crate::world::data::CityData;
use crate::world::model_checks::{LandmarkProblems, RefusedModel};
use crate::world::palette;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (check_loaded_models, stand_in_for_unreadable_models).run_if(resource_exists::<CityData>),
    );
}

/// The landmark's model has been checked (and, if refused, replaced by a stand-in).
#[derive(Component, Debug)]
pub struct ModelChecked;

/// The block standing in for a refused model.
#[derive(Component, Debug, Clone)]
pub struct StandIn {
    /// The record it stands for.
    pub project: String,
}

/// The stand-in block's side, metres.
const STAND_IN_SIDE_M: f32 = 60.0;

type UncheckedLandmark = (With<Landmark>, With<LandmarkShown>, Without<ModelChecked>);
type UnreadLandmark = (With<Landmark>, Without<ModelChecked>);

/// Measures each newly shown model (world-space bounds of its meshes, once they have them) and
/// refuses what the model's check refuses.
#[allow(clippy::too_many_arguments)]
fn check_loaded_models(
    mut commands: Commands,
    data: Res<CityData>,
    landmarks: Query<(Entity, &RecordId, &GlobalTransform), UncheckedLandmark>,
    children: Query<&Children>,
    parts: Query<(&GlobalTransform, Option<&Aabb>), With<Mesh3d>>,
    mut problems: ResMut<LandmarkProblems>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    for (entity, id, root) in &landmarks {
        let mut low = Vec3::splat(f32::INFINITY);
        let mut high = Vec3::splat(f32::NEG_INFINITY);
        let mut waiting = false;
        for part in children.iter_descendants(entity) {
            let Ok((transform, bounds)) = parts.get(part) else {
                continue;
            };
            let Some(bounds) = bounds else {
                // Bounds are computed after a mesh first appears: check next frame.
                waiting = true;
                break;
            };
            let (min, max) = (Vec3::from(bounds.min()), Vec3::from(bounds.max()));
            for corner in 0..8 {
                let local = Vec3::new(
                    if corner & 1 == 0 { min.x } else { max.x },
                    if corner & 2 == 0 { min.y } else { max.y },
                    if corner & 4 == 0 { min.z } else { max.z },
                );
                let world = transform.transform_point(local);
                low = low.min(world);
                high = high.max(world);
            }
        }
        if waiting {
            continue;
        }
        let published = data.project(&id.0).and_then(published_height_m);
        let (height, extent) = if high.y.is_finite() {
            (
                high.y - root.translation().y,
                (high.x - low.x).max(high.z - low.z),
            )
        } else {
            (0.0, 0.0)
        };
        commands.entity(entity).insert(ModelChecked);
        if let Err(problem) = check_model(published, height, extent) {
            for part in children.iter_descendants(entity) {
                commands.entity(part).insert(Visibility::Hidden);
            }
            refuse(
                &mut commands,
                entity,
                &id.0,
                problem,
                published,
                &mut problems,
                &mut meshes,
                &mut materials,
            );
        }
    }
}

/// A model file that failed to load gets its stand-in too.
fn stand_in_for_unreadable_models(
    mut commands: Commands,
    data: Res<CityData>,
    asset_server: Res<AssetServer>,
    landmarks: Query<(Entity, &RecordId, &LandmarkModelRoot), UnreadLandmark>,
    mut problems: ResMut<LandmarkProblems>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    for (entity, id, root) in &landmarks {
        let LoadState::Failed(error) = asset_server.load_state(root.0.id()) else {
            continue;
        };
        commands.entity(entity).insert(ModelChecked);
        let published = data.project(&id.0).and_then(published_height_m);
        refuse(
            &mut commands,
            entity,
            &id.0,
            ModelProblem::Unreadable {
                reason: error.to_string(),
            },
            published,
            &mut problems,
            &mut meshes,
            &mut materials,
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn refuse(
    commands: &mut Commands,
    landmark: Entity,
    project: &str,
    problem: ModelProblem,
    published: Option<f32>,
    problems: &mut LandmarkProblems,
    meshes: &mut Assets<Mesh>,
    materials: &mut Assets<StandardMaterial>,
) {
    let height = stand_in_height_m(published);
    warn!("{}", problem.log_line(project, height));
    let block = commands
        .spawn((
            Name::new(format!("Stand-in for {project}")),
            StandIn {
                project: project.to_owned(),
            },
            RecordId(project.to_owned()),
            Mesh3d(meshes.add(with_city_vertex_layout(
                Cuboid::new(STAND_IN_SIDE_M, height, STAND_IN_SIDE_M).into(),
            ))),
            MeshMaterial3d(materials.add(StandardMaterial {
                base_color: palette::GLASS,
                perceptual_roughness: 0.8,
                ..default()
            })),
            Transform::from_xyz(0.0, height / 2.0, 0.0),
        ))
        .id();
    // The timeline's look is applied again, now to the stand-in too.
    commands
        .entity(landmark)
        .add_child(block)
        .remove::<ShownLook>();
    problems.0.insert(
        project.to_owned(),
        RefusedModel {
            problem,
            stand_in_m: height,
        },
    );
}
