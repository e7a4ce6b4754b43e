//! Lines on the ground from the fixed geography: the A3 highway, the Turksib railway, the
//! rivers and the airfield's runway, draped on the terrain: transport in one mesh (a layer the
//! visitor can hide), rivers in another.

use bevy::light::NotShadowCaster;
use bevy::prelude::*;

use super::CityRoot;
use super::layers::OnLayer;
use super::mesh_builder::{MeshBuilder, densify};
use crate::model::geo::{LatLon, to_local};
use crate::model::geography::{
    A3_HIGHWAY, AIRFIELD, ILI_RIVER, KASKELEN_RIVER, MALAYA_ALMATINKA_RIVER, TURKSIB_RAILWAY,
};
use crate::model::layers::Layer;
use crate::world::ground::{Ground, OnGround, ground_is_new};
use crate::world::palette;

/// Drawn widths, metres: wider than life where life would vanish from the overview.
const HIGHWAY_WIDTH_M: f32 = 70.0;
const RAILWAY_WIDTH_M: f32 = 30.0;
const RUNWAY_LENGTH_M: f32 = 3_000.0;
const RUNWAY_WIDTH_M: f32 = 60.0;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, spawn_ground_lines.run_if(ground_is_new));
}

/// A polyline of WGS84 points, draped on the ground every 250 m.
pub fn draped(ground: &Ground, points: &[LatLon]) -> Vec<Vec3> {
    let flat: Vec<Vec2> = points
        .iter()
        .map(|&point| {
            let local = to_local(point);
            Vec2::new(local.x, local.z)
        })
        .collect();
    densify(&flat, 250.0)
        .into_iter()
        .map(|p| {
            let mut at = ground.point(p.x, p.y);
            // Never under the water surface.
            at.y = at.y.max(0.0);
            at
        })
        .collect()
}

fn spawn_ground_lines(
    mut commands: Commands,
    ground: Res<Ground>,
    root: Single<Entity, With<CityRoot>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let mut rivers = MeshBuilder::default();
    for (river, width) in [
        (&KASKELEN_RIVER[..], 90.0),
        (&MALAYA_ALMATINKA_RIVER[..], 70.0),
        (&ILI_RIVER[..], 220.0),
    ] {
        rivers.ribbon(&draped(&ground, river), width, 1.5, palette::RIVER);
    }
    let mut lines = MeshBuilder::default();
    lines.ribbon(
        &draped(&ground, &TURKSIB_RAILWAY),
        RAILWAY_WIDTH_M,
        3.0,
        palette::RAIL,
    );
    lines.ribbon(
        &draped(&ground, &A3_HIGHWAY),
        HIGHWAY_WIDTH_M,
        3.5,
        palette::ROAD,
    );

    // The airfield's runway, north-south through its position.
    let centre = to_local(AIRFIELD.at);
    let half = RUNWAY_LENGTH_M / 2.0;
    let runway = [
        ground.point(centre.x, centre.z + half),
        ground.point(centre.x, centre.z),
        ground.point(centre.x, centre.z - half),
    ];
    lines.ribbon(&runway, RUNWAY_WIDTH_M, 3.0, palette::RUNWAY);

    let material = materials.add(StandardMaterial {
        perceptual_roughness: 0.9,
        reflectance: 0.2,
        ..default()
    });
    let transport = commands
        .spawn((
            Name::new("Highway, railway and runway"),
            Mesh3d(meshes.add(lines.build())),
            MeshMaterial3d(material.clone()),
            NotShadowCaster,
            OnLayer(Layer::Transport),
            OnGround,
        ))
        .id();
    let rivers = commands
        .spawn((
            Name::new("Rivers"),
            Mesh3d(meshes.add(rivers.build())),
            MeshMaterial3d(material),
            NotShadowCaster,
            OnGround,
        ))
        .id();
    commands.entity(*root).add_children(&[transport, rivers]);
}
