//! The 3D world: the terrain and the reservoir, the sky and the light, the fixed geography's
//! lines, and, from the data snapshot, the districts, cluster zones, procedural massing and the
//! landmark models.

pub mod landmarks;
pub mod massing;
pub mod mesh_builder;
pub mod palette;
pub mod terrain;
pub mod zones;

mod ground_lines;
mod lighting;
mod sky;

use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn_city_root.before(terrain::GroundIsBuilt))
        .add_plugins((
            lighting::plugin,
            sky::plugin,
            terrain::plugin,
            ground_lines::plugin,
            zones::plugin,
            massing::plugin,
            landmarks::plugin,
        ));
}

/// Marks the root entity of the city; everything in the world hangs under it.
#[derive(Component, Debug, Default)]
pub struct CityRoot;

/// The snapshot record (district, cluster zone, project) an entity shows.
#[derive(Component, Debug, Clone, PartialEq, Eq)]
pub struct RecordId(pub String);

/// Present once everything the snapshot places is in the world, landmarks included.
#[derive(Resource, Debug)]
pub struct CityBuilt;

fn spawn_city_root(mut commands: Commands) {
    commands.spawn((
        Name::new("City"),
        CityRoot,
        Transform::default(),
        Visibility::default(),
    ));
}
