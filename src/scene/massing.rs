//! The procedural city from `model::massing`: every group's buildings (a district, a cluster
//! zone, a town) merged into one mesh, coloured by kind, standing on the terrain, and from afar
//! (beyond [`MASSING_VISIBLE_WITHIN_M`]) one coarse block per plot in its place; the streets,
//! plot covers and trees of `scene::city_fabric`; the golf greens, the race-track outline and
//! the rail sidings.

use std::collections::BTreeMap;

use bevy::camera::visibility::VisibilityRange;
use bevy::light::NotShadowCaster;
use bevy::platform::time::Instant;
use bevy::prelude::*;

use super::CityRoot;
use super::city_fabric::{ground_cover, tree_tiles};
use super::layers::{Dimmable, OnLayer, dimmed};
use super::mesh_builder::MeshBuilder;
use super::zones::{drape_area, parse_hex_colour};
use crate::model::layers::Layer;
use crate::model::massing::coarse::coarse_blocks;
use crate::model::massing::{Building, BuildingKind, plan};
use crate::world::data::CityData;
use crate::world::ground::{Ground, OnGround, ground_is_new};
use crate::world::phase::data_is_in;
use crate::world::pick_outline::PickOutline;
use crate::world::{RecordId, palette};

/// Beyond this distance from the camera a group's buildings are smaller than a pixel: its
/// coarse blocks (`model::massing::coarse`, one per plot) stand in their place, which keeps the
/// overview's built form in half the triangles and spares software renderers a sea of sub-pixel
/// triangles.
const MASSING_VISIBLE_WITHIN_M: f32 = 32_000.0;
/// Trees are drawn within this distance of the camera (a crown is a pixel or two at 5 km).
const TREES_VISIBLE_WITHIN_M: f32 = 5_000.0;

/// How far walls reach below the ground, metres, so slopes show no gaps under them.
const FOUNDATION_M: f32 = 3.0;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        spawn_massing.run_if(data_is_in.and_then(ground_is_new)),
    );
}

/// Counts of what the massing holds, for the bench and tests.
#[derive(Resource, Debug, Default, Clone, Copy)]
pub struct MassingStats {
    /// Buildings.
    pub buildings: usize,
    /// Triangles in the merged meshes drawn near (buildings, streets, covers, trees).
    pub triangles: usize,
    /// Triangles of the coarse blocks drawn from afar in the buildings' place.
    pub coarse_triangles: usize,
    /// Plots of the street grids.
    pub plots: usize,
    /// Trees.
    pub trees: usize,
    /// Merged meshes but the trees' (a group's near and far meshes are never drawn together).
    pub meshes: usize,
    /// Meshes of trees, one per tile, each drawn only near the camera.
    pub tree_tiles: usize,
}

/// Wall and roof colours of a kind of building; cluster buildings carry the cluster's accent
/// on their roofs.
fn colours(kind: BuildingKind, accent: Option<Color>, variation: f32) -> (Color, Color) {
    let shade = |colour: Color, by: f32| {
        let linear = colour.to_linear();
        Color::LinearRgba(LinearRgba::rgb(
            linear.red * by,
            linear.green * by,
            linear.blue * by,
        ))
    };
    let white = shade(palette::MASSING, 0.94 + 0.06 * variation);
    let roof = accent.map_or(white, |accent| {
        Color::LinearRgba(white.to_linear().mix(&accent.to_linear(), 0.55))
    });
    match kind {
        BuildingKind::Tower => (shade(palette::GLASS, 0.9 + 0.1 * variation), white),
        BuildingKind::Containers => {
            let options = [
                palette::CONTAINER_RUST,
                palette::CONTAINER_BLUE,
                palette::CONTAINER_TEAL,
            ];
            let pick = options[((variation * 3.0) as usize).min(2)];
            (pick, pick)
        }
        BuildingKind::Pier => (palette::PIER, palette::PIER),
        _ => (white, roof),
    }
}

fn build_group(
    buildings: &[Building],
    group: &str,
    ground: &Ground,
    accent: Option<Color>,
    town: bool,
) -> MeshBuilder {
    // A block is five quads: its roof and four walls.
    let blocks = buildings.iter().filter(|b| b.group == group).count();
    let mut builder = MeshBuilder::with_room_for_quads(blocks * 5);
    for (index, building) in buildings.iter().filter(|b| b.group == group).enumerate() {
        let variation = ((index as u32).wrapping_mul(2_654_435_761) >> 24) as f32 / 255.0;
        let (mut walls, mut roof) = colours(building.kind, accent, variation);
        if town {
            walls = palette::TOWN;
            roof = palette::TOWN;
        }
        let (x, z) = (building.centre.x, building.centre.z);
        let base_height = if building.kind == BuildingKind::Pier {
            0.0
        } else {
            ground.height(x, z) - FOUNDATION_M
        };
        let height = if building.kind == BuildingKind::Pier {
            building.height
        } else {
            building.height + FOUNDATION_M
        };
        builder.block(
            Vec3::new(x, base_height, z),
            building.yaw,
            Vec3::new(building.width, height, building.depth),
            walls,
            roof,
        );
    }
    builder
}

fn spawn_massing(
    mut commands: Commands,
    data: Res<CityData>,
    ground: Res<Ground>,
    root: Single<Entity, With<CityRoot>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let started = Instant::now();
    let plan = plan(&data, &ground.landscape);
    let surface = StandardMaterial {
        perceptual_roughness: 0.85,
        reflectance: 0.3,
        ..default()
    };
    let dim = materials.add(dimmed(&surface));
    let material = materials.add(surface);
    let accents: BTreeMap<&str, Color> = data
        .clusters
        .iter()
        .filter_map(|cluster| Some((cluster.id.as_str(), parse_hex_colour(&cluster.colour)?)))
        .collect();
    let groups: std::collections::BTreeSet<&str> =
        plan.buildings.iter().map(|b| b.group.as_str()).collect();
    let record_ids: std::collections::HashSet<&str> = data
        .districts
        .iter()
        .map(|d| d.id.as_str())
        .chain(data.clusters.iter().map(|c| c.id.as_str()))
        .collect();

    let coarse = coarse_blocks(&plan);
    let mut stats = MassingStats {
        buildings: plan.buildings.len(),
        plots: plan.plots.len(),
        trees: plan.trees.len(),
        ..default()
    };
    let mut children = Vec::new();
    for group in groups {
        let town = !record_ids.contains(group);
        let accent = accents.get(group).copied();
        let near = build_group(&plan.buildings, group, &ground, accent, town);
        let far = build_group(&coarse, group, &ground, accent, town);
        stats.triangles += near.triangle_count();
        stats.coarse_triangles += far.triangle_count();
        stats.meshes += 2;
        let ranges = [
            (
                "",
                near,
                VisibilityRange::abrupt(0.0, MASSING_VISIBLE_WITHIN_M),
            ),
            (
                " from afar",
                far,
                VisibilityRange::abrupt(MASSING_VISIBLE_WITHIN_M, f32::MAX),
            ),
        ];
        for (suffix, builder, range) in ranges {
            if builder.is_empty() {
                continue;
            }
            let mut entity = commands.spawn((
                Name::new(format!("Massing {group}{suffix}")),
                Mesh3d(meshes.add(builder.build())),
                MeshMaterial3d(material.clone()),
                VisibilityRange {
                    use_aabb: true,
                    ..range
                },
                OnLayer(Layer::Buildings),
                OnGround,
            ));
            if !town {
                if let Some(outline) = PickOutline::of_area(&data, group) {
                    entity.insert(outline);
                }
                entity.insert((
                    RecordId(group.to_owned()),
                    Dimmable {
                        bright: material.clone(),
                        dim: dim.clone(),
                    },
                ));
            }
            children.push(entity.id());
        }
    }

    // The streets and the plots' covers, one mesh; the trees, one mesh per tile.
    let cover = ground_cover(&plan, &ground, &accents);
    stats.triangles += cover.triangle_count();
    stats.meshes += 1;
    children.push(
        commands
            .spawn((
                Name::new("Streets and plots"),
                Mesh3d(meshes.add(cover.build())),
                MeshMaterial3d(material.clone()),
                NotShadowCaster,
                OnLayer(Layer::Buildings),
                OnGround,
            ))
            .id(),
    );
    for ((column, row), trees) in tree_tiles(&plan, &ground) {
        stats.triangles += trees.triangle_count();
        stats.tree_tiles += 1;
        children.push(
            commands
                .spawn((
                    Name::new(format!("Trees {column},{row}")),
                    Mesh3d(meshes.add(trees.build())),
                    MeshMaterial3d(material.clone()),
                    NotShadowCaster,
                    VisibilityRange {
                        use_aabb: true,
                        ..VisibilityRange::abrupt(0.0, TREES_VISIBLE_WITHIN_M)
                    },
                    OnLayer(Layer::Buildings),
                    OnGround,
                ))
                .id(),
        );
    }

    // Flat features: golf greens, the race track, rail sidings.
    let mut flat = MeshBuilder::default();
    for green in &plan.greens {
        drape_area(&mut flat, &ground, green, 4.0, palette::GOLF, None);
    }
    for track in &plan.tracks {
        let mut ring: Vec<Vec3> = track.iter().map(|p| ground.point(p.x, p.z)).collect();
        if let Some(first) = ring.first().copied() {
            ring.push(first);
        }
        flat.ribbon(&ring, 24.0, 4.5, palette::ROAD);
    }
    for siding in &plan.sidings {
        let line: Vec<Vec3> = siding.iter().map(|p| ground.point(p.x, p.z)).collect();
        flat.ribbon(&line, 12.0, 4.0, palette::RAIL);
    }
    if !flat.is_empty() {
        stats.triangles += flat.triangle_count();
        stats.meshes += 1;
        children.push(
            commands
                .spawn((
                    Name::new("Golf, race track and sidings"),
                    Mesh3d(meshes.add(flat.build())),
                    MeshMaterial3d(material.clone()),
                    NotShadowCaster,
                    OnLayer(Layer::Buildings),
                    OnGround,
                ))
                .id(),
        );
    }
    info!(
        "massing: {} buildings on {} plots, {} trees, {} triangles near and {} from afar in {} \
         meshes and {} tiles of trees, planned and built in {:.0} ms",
        stats.buildings,
        stats.plots,
        stats.trees,
        stats.triangles,
        stats.coarse_triangles,
        stats.meshes,
        stats.tree_tiles,
        started.elapsed().as_secs_f64() * 1e3
    );
    commands.insert_resource(stats);
    commands.entity(*root).add_children(&children);
}
