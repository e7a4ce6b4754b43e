//! The ground: samples the [`Ground`] resource everything else stands on, and draws the terrain
//! heightfield as one vertex-coloured mesh and the reservoir's water. Changing the terrain relief (vertical
//! exaggeration) resamples the ground and clears what stood on the old one ([`OnGround`]); the
//! builders run again for the new ground generation ([`ground_is_new`]).

use std::sync::Arc;

use bevy::light::NotShadowCaster;
use bevy::platform::time::Instant;
use bevy::prelude::*;

use super::CityRoot;
use super::mesh_builder::{coloured_mesh, with_city_vertex_layout};
use crate::AppSystems;
use crate::model::geo::Local;
use crate::model::terrain::{Landscape, fbm, smoothstep};
use crate::world::choices::TerrainRelief;
use crate::world::ground::{Ground, GroundIsBuilt, OnGround, ground_is_new};
use crate::world::palette;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Startup,
        (build_ground, spawn_water).chain().in_set(GroundIsBuilt),
    )
    .add_systems(
        Update,
        (
            resample_for_relief.in_set(AppSystems::ApplyIntents),
            spawn_terrain.run_if(ground_is_new),
        ),
    );
}

fn build_ground(mut commands: Commands, relief: Option<Res<TerrainRelief>>) {
    let started = Instant::now();
    let relief = relief.map_or_else(Default::default, |relief| relief.0);
    let ground = Ground::sample(Arc::new(Landscape::new()), relief.factor(), 0);
    info!(
        "ground sampled in {:.0} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    commands.insert_resource(ground);
}

/// A new relief: the ground is sampled again and everything built on the old one is cleared.
fn resample_for_relief(
    mut commands: Commands,
    relief: Res<TerrainRelief>,
    ground: Option<Res<Ground>>,
    built: Query<Entity, With<OnGround>>,
) {
    let Some(ground) = ground else {
        return;
    };
    let factor = relief.0.factor();
    if ground.exaggeration == factor {
        return;
    }
    info!("terrain relief ×{factor}: rebuilding the ground and what stands on it");
    for entity in &built {
        commands.entity(entity).despawn();
    }
    commands.insert_resource(Ground::sample(
        Arc::clone(&ground.landscape),
        factor,
        ground.generation + 1,
    ));
}

/// The land's colours in linear light, converted from the palette's sRGB once for the whole
/// ground (three `powf`s a colour: five colours at each of the ground's vertices were most of
/// the time the terrain took to build).
struct LandColours {
    steppe: LinearRgba,
    meadow: LinearRgba,
    rock: LinearRgba,
    snow: LinearRgba,
    sand: LinearRgba,
}

impl LandColours {
    fn from_palette() -> Self {
        LandColours {
            steppe: palette::STEPPE.to_linear(),
            meadow: palette::MEADOW.to_linear(),
            rock: palette::ROCK.to_linear(),
            snow: palette::SNOW.to_linear(),
            sand: palette::SAND.to_linear(),
        }
    }
}

/// The colour of the land at an altitude, on a slope (`steepness` 0 flat .. 1 cliff), at a
/// distance from the water.
fn land_colour(
    land: &LandColours,
    at: Local,
    altitude: f32,
    steepness: f32,
    shore_distance: f32,
) -> LinearRgba {
    let LandColours {
        steppe,
        meadow,
        rock,
        snow,
        sand,
    } = land;
    // Irrigated greener land near the water and the foothills, steppe between.
    let green = (1.0 - smoothstep(800.0, 4_000.0, shore_distance)) * 0.6
        + smoothstep(750.0, 1_100.0, altitude) * (1.0 - smoothstep(1_600.0, 2_400.0, altitude));
    // Patches of fields and fallow, so the plain reads as land rather than a flat card.
    let patches = fbm(at.x / 2_500.0, at.z / 2_500.0, 3);
    let green = green + (patches - 0.5) * 0.7;
    let mut colour = steppe.mix(meadow, green.clamp(0.0, 1.0));
    colour = colour.mix(sand, 1.0 - smoothstep(0.0, 350.0, shore_distance));
    let rocky = smoothstep(1_700.0, 2_800.0, altitude).max(smoothstep(0.35, 0.7, steepness));
    colour = colour.mix(rock, rocky);
    // A ragged snowline on the highest crests only.
    let snowline = 3_750.0 + (patches - 0.5) * 500.0;
    let snowy =
        smoothstep(snowline, snowline + 450.0, altitude) * (1.0 - smoothstep(0.35, 0.6, steepness));
    colour.mix(snow, snowy)
}

fn terrain_mesh(ground: &Ground) -> Mesh {
    let field = &ground.field;
    let (columns, rows) = (field.xs.len(), field.zs.len());
    let mut positions = Vec::with_capacity(columns * rows);
    let mut normals = Vec::with_capacity(columns * rows);
    let mut colours = Vec::with_capacity(columns * rows);
    let land = LandColours::from_palette();
    for j in 0..rows {
        for i in 0..columns {
            let (x, z) = (field.xs[i], field.zs[j]);
            let height = field.heights[field.index(i, j)];
            positions.push([x, height, z]);
            // Central differences over the neighbouring vertices.
            let (i0, i1) = (i.saturating_sub(1), (i + 1).min(columns - 1));
            let (j0, j1) = (j.saturating_sub(1), (j + 1).min(rows - 1));
            let dx = (field.heights[field.index(i1, j)] - field.heights[field.index(i0, j)])
                / (field.xs[i1] - field.xs[i0]);
            let dz = (field.heights[field.index(i, j1)] - field.heights[field.index(i, j0)])
                / (field.zs[j1] - field.zs[j0]);
            let normal = Vec3::new(-dx, 1.0, -dz).normalize();
            normals.push(normal.to_array());
            let altitude = field.altitudes[field.index(i, j)];
            let shore = field.shore_distances[field.index(i, j)];
            let colour = land_colour(&land, Local::new(x, z), altitude, 1.0 - normal.y, shore);
            colours.push(colour.to_f32_array());
        }
    }
    coloured_mesh(positions, normals, colours, field.triangle_indices())
}

fn spawn_terrain(
    mut commands: Commands,
    ground: Res<Ground>,
    root: Single<Entity, With<CityRoot>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let terrain = commands
        .spawn((
            Name::new("Terrain"),
            Mesh3d(meshes.add(terrain_mesh(&ground))),
            MeshMaterial3d(materials.add(StandardMaterial {
                base_color: Color::WHITE,
                perceptual_roughness: 0.97,
                reflectance: 0.15,
                ..default()
            })),
            NotShadowCaster,
            OnGround,
        ))
        .id();
    commands.entity(*root).add_child(terrain);
}

/// The water is a plane at the reservoir's level over the basin's extent; the terrain rises
/// above it everywhere else, so the shoreline is where the two meet (at any relief: the
/// reservoir's level is the height zero).
fn spawn_water(
    mut commands: Commands,
    root: Single<Entity, With<CityRoot>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let (min_x, max_x) = (-25_000.0, 130_000.0);
    let (min_z, max_z) = (-50_000.0, -3_000.0);
    let water = commands
        .spawn((
            Name::new("Kapchagay reservoir"),
            Mesh3d(
                meshes.add(with_city_vertex_layout(
                    Plane3d::default()
                        .mesh()
                        .size(max_x - min_x, max_z - min_z)
                        .subdivisions(32)
                        .build(),
                )),
            ),
            MeshMaterial3d(materials.add(StandardMaterial {
                base_color: palette::WATER,
                perceptual_roughness: 0.12,
                reflectance: 0.6,
                ..default()
            })),
            Transform::from_xyz((min_x + max_x) / 2.0, 0.0, (min_z + max_z) / 2.0),
            NotShadowCaster,
        ))
        .id();
    commands.entity(*root).add_child(water);
}
