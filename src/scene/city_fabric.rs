//! The ground of the procedural city as meshes: the streets (asphalt under every plot of a street
//! grid, showing between them), each plot's cover (paving, gardens, lawns, yards, parks), and the
//! trees, merged per tile of the map so that only the tiles near the camera are drawn.
//! `scene::massing` spawns them with the buildings, from the same plan.

use std::collections::BTreeMap;

use bevy::prelude::*;

use super::mesh_builder::MeshBuilder;
use crate::model::massing::{Cover, MassingPlan, PLOT_SHARE, Plot, Tree};
use crate::world::ground::Ground;
use crate::world::palette;

/// Height of the streets above the ground (over the district plates, 2 m, and the cluster
/// zones, 3 m), metres.
const STREET_LIFT_M: f32 = 3.6;
/// Height of a plot's cover above the ground, over its streets, metres.
const COVER_LIFT_M: f32 = 4.2;
/// Side of a tile of trees, metres.
pub const TREE_TILE_M: f32 = 4_000.0;

/// The colour of a plot's cover.
fn cover_colour(cover: Cover) -> Color {
    match cover {
        Cover::Paved => palette::PAVING,
        Cover::Garden => palette::GARDEN,
        Cover::Lawn => palette::LAWN,
        Cover::Yard => palette::YARD,
        Cover::Park => palette::PARK,
    }
}

/// A flat square on the ground, turned by `yaw`, `side` metres across, at `lift` over the
/// ground at each corner.
fn square(
    builder: &mut MeshBuilder,
    ground: &Ground,
    plot: &Plot,
    side: f32,
    lift: f32,
    colour: Color,
) {
    let (sin, cos) = plot.yaw.sin_cos();
    let half = side / 2.0;
    let corner = |dx: f32, dz: f32| {
        let (x, z) = (
            plot.centre.x + dx * cos - dz * sin,
            plot.centre.z + dx * sin + dz * cos,
        );
        ground.point(x, z) + Vec3::Y * lift
    };
    let corners = [
        corner(-half, -half),
        corner(-half, half),
        corner(half, half),
        corner(half, -half),
    ];
    // Face up whichever way the corners turn.
    let normal = (corners[1] - corners[0]).cross(corners[2] - corners[0]);
    if normal.y >= 0.0 {
        builder.quad(corners, colour);
    } else {
        builder.quad([corners[3], corners[2], corners[1], corners[0]], colour);
    }
}

/// How much of a cluster zone's colour its plots' covers take, so that the zones still read by
/// colour where the city covers them.
const ACCENT_SHARE: f32 = 0.3;

/// The streets and the plots' covers of the whole plan, one mesh: the asphalt square under each
/// plot reaches to the middle of its streets, so neighbours meet and the streets run on. A plot
/// of a group in `accents` (a cluster zone) is tinted with its colour.
pub fn ground_cover(
    plan: &MassingPlan,
    ground: &Ground,
    accents: &BTreeMap<&str, Color>,
) -> MeshBuilder {
    // Two squares a plot: its street square and its cover.
    let mut builder = MeshBuilder::with_room_for_quads(plan.plots.len() * 2);
    for plot in &plan.plots {
        let mut colour = cover_colour(plot.cover);
        if let Some(accent) = accents.get(plot.group.as_str()) {
            colour = Color::LinearRgba(colour.to_linear().mix(&accent.to_linear(), ACCENT_SHARE));
        }
        let pitch = plot.side / PLOT_SHARE;
        square(
            &mut builder,
            ground,
            plot,
            pitch,
            STREET_LIFT_M,
            palette::STREET,
        );
        square(&mut builder, ground, plot, plot.side, COVER_LIFT_M, colour);
    }
    builder
}

/// A tree: a three-sided crown standing on the ground, flat-shaded. No underside: the camera
/// never comes lower than a crown (its lowest pitch and closest distance keep it above 25 m).
fn tree(builder: &mut MeshBuilder, ground: &Ground, tree: &Tree, colour: Color) {
    let base = ground.point(tree.at.x, tree.at.z);
    let top = base + Vec3::Y * tree.height;
    let rim = base + Vec3::Y * (tree.height * 0.3);
    let ring: [Vec3; 3] = std::array::from_fn(|k| {
        let angle = std::f32::consts::TAU * k as f32 / 3.0 + tree.at.x;
        rim + Vec3::new(tree.crown * angle.cos(), 0.0, tree.crown * angle.sin())
    });
    for k in 0..3 {
        let (a, b) = (ring[k], ring[(k + 1) % 3]);
        let outward = (a - top).cross(b - top);
        // Whichever way the ring turns, each face faces out.
        if outward.y >= 0.0 {
            builder.triangle([top, a, b], outward.normalize_or(Vec3::Y), colour);
        } else {
            builder.triangle([top, b, a], (-outward).normalize_or(Vec3::Y), colour);
        }
    }
}

/// The plan's trees, one mesh per tile of [`TREE_TILE_M`], keyed by the tile.
pub fn tree_tiles(plan: &MassingPlan, ground: &Ground) -> BTreeMap<(i32, i32), MeshBuilder> {
    let greens = [palette::TREE, palette::TREE_LIGHT, palette::TREE_DARK];
    let mut tiles: BTreeMap<(i32, i32), MeshBuilder> = BTreeMap::new();
    for (index, each) in plan.trees.iter().enumerate() {
        let key = (
            (each.at.x / TREE_TILE_M).floor() as i32,
            (each.at.z / TREE_TILE_M).floor() as i32,
        );
        let colour = greens[index.wrapping_mul(2_654_435_761) % greens.len()];
        tree(tiles.entry(key).or_default(), ground, each, colour);
    }
    tiles
}
