//! The four districts and the cluster zones as tinted ground areas with crisp outlines, draped
//! on the terrain, read from the snapshot's footprints.

use bevy::light::NotShadowCaster;
use bevy::prelude::*;

use super::CityRoot;
use super::layers::{Dimmable, OnLayer, dimmed};
use super::mesh_builder::{MeshBuilder, densify};
use crate::model::geo::Local;
use crate::model::layers::Layer;
use crate::model::polygon::triangulate;
use crate::model::validate::footprint_local;
use crate::world::data::CityData;
use crate::world::ground::{Ground, OnGround, ground_is_new};
use crate::world::phase::data_is_in;
use crate::world::pick_outline::PickOutline;
use crate::world::{RecordId, palette};

/// Height of district areas above the terrain, metres.
pub const DISTRICT_LIFT_M: f32 = 2.0;
/// Height of cluster zones above the terrain, metres (above the districts they lie in).
pub const CLUSTER_LIFT_M: f32 = 3.0;

/// Longest edge of a draped triangle, metres: short enough to follow the terrain.
const DRAPE_EDGE_M: f32 = 450.0;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        spawn_zones.run_if(data_is_in.and_then(ground_is_new)),
    );
}

/// Parses `#rrggbb` (validated with the snapshot) into a colour.
pub fn parse_hex_colour(hex: &str) -> Option<Color> {
    let digits = hex.strip_prefix('#')?;
    if digits.len() != 6 {
        return None;
    }
    let channel = |range: std::ops::Range<usize>| u8::from_str_radix(digits.get(range)?, 16).ok();
    Some(Color::srgb_u8(
        channel(0..2)?,
        channel(2..4)?,
        channel(4..6)?,
    ))
}

/// Splits a triangle until no edge is longer than `max_edge`.
fn subdivide(triangle: [Vec2; 3], max_edge: f32, out: &mut Vec<[Vec2; 3]>) {
    let [a, b, c] = triangle;
    let edges = [(a - b).length(), (b - c).length(), (c - a).length()];
    let longest = edges.iter().copied().fold(0.0, f32::max);
    if longest <= max_edge || out.len() > 200_000 {
        out.push(triangle);
        return;
    }
    // Split the longest edge at its middle.
    if longest == edges[0] {
        let m = (a + b) / 2.0;
        subdivide([a, m, c], max_edge, out);
        subdivide([m, b, c], max_edge, out);
    } else if longest == edges[1] {
        let m = (b + c) / 2.0;
        subdivide([a, b, m], max_edge, out);
        subdivide([a, m, c], max_edge, out);
    } else {
        let m = (c + a) / 2.0;
        subdivide([a, b, m], max_edge, out);
        subdivide([m, b, c], max_edge, out);
    }
}

/// A filled outline draped on the ground `lift` metres up, plus its border line.
pub fn drape_area(
    builder: &mut MeshBuilder,
    ground: &Ground,
    outline: &[Local],
    lift: f32,
    fill: Color,
    border: Option<(Color, f32)>,
) {
    let flat: Vec<Vec2> = outline.iter().map(|p| Vec2::new(p.x, p.z)).collect();
    let mut pieces = Vec::new();
    for [a, b, c] in triangulate(outline) {
        subdivide([flat[a], flat[b], flat[c]], DRAPE_EDGE_M, &mut pieces);
    }
    for [a, b, c] in pieces {
        let lifted = |p: Vec2| ground.point(p.x, p.y) + Vec3::Y * lift;
        let (pa, pb, pc) = (lifted(a), lifted(b), lifted(c));
        let normal = (pc - pa).cross(pb - pa).normalize_or(Vec3::Y);
        // Face up whichever way the outline winds.
        if normal.y >= 0.0 {
            builder.triangle([pa, pc, pb], normal, fill);
        } else {
            builder.triangle([pa, pb, pc], -normal, fill);
        }
    }
    if let Some((colour, width)) = border {
        let mut ring = flat.clone();
        if let Some(first) = flat.first() {
            ring.push(*first);
        }
        let line: Vec<Vec3> = densify(&ring, 250.0)
            .into_iter()
            .map(|p| ground.point(p.x, p.y))
            .collect();
        builder.ribbon(&line, width, lift + 0.5, colour);
    }
}

fn spawn_zones(
    mut commands: Commands,
    data: Res<CityData>,
    ground: Res<Ground>,
    root: Single<Entity, With<CityRoot>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let surface = StandardMaterial {
        perceptual_roughness: 0.95,
        reflectance: 0.1,
        ..default()
    };
    let dim = materials.add(dimmed(&surface));
    let material = materials.add(surface);
    let paper = palette::DISTRICT.to_linear();
    let mut children = Vec::new();
    for district in &data.districts {
        let mut builder = MeshBuilder::default();
        let outline = footprint_local(&district.footprint);
        let border = Color::LinearRgba(paper * 0.72);
        drape_area(
            &mut builder,
            &ground,
            &outline,
            2.0,
            palette::DISTRICT,
            Some((border, 45.0)),
        );
        children.push(
            commands
                .spawn((
                    Name::new(format!("District {}", district.id)),
                    RecordId(district.id.clone()),
                    PickOutline {
                        outline,
                        on_top: false,
                    },
                    Mesh3d(meshes.add(builder.build())),
                    MeshMaterial3d(material.clone()),
                    NotShadowCaster,
                    OnLayer(Layer::Zones),
                    OnGround,
                ))
                .id(),
        );
    }
    for cluster in &data.clusters {
        let Some(accent) = parse_hex_colour(&cluster.colour) else {
            warn!("cluster {} has no usable colour", cluster.id);
            continue;
        };
        let mut builder = MeshBuilder::default();
        let outline = footprint_local(&cluster.footprint);
        let fill = Color::LinearRgba(paper.mix(&accent.to_linear(), 0.45));
        drape_area(
            &mut builder,
            &ground,
            &outline,
            3.0,
            fill,
            Some((accent, 55.0)),
        );
        children.push(
            commands
                .spawn((
                    Name::new(format!("Cluster zone {}", cluster.id)),
                    RecordId(cluster.id.clone()),
                    PickOutline {
                        outline,
                        on_top: true,
                    },
                    Mesh3d(meshes.add(builder.build())),
                    MeshMaterial3d(material.clone()),
                    NotShadowCaster,
                    OnLayer(Layer::Zones),
                    OnGround,
                    Dimmable {
                        bright: material.clone(),
                        dim: dim.clone(),
                    },
                ))
                .id(),
        );
    }
    commands.entity(*root).add_children(&children);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legend_colours_parse() {
        let colour = parse_hex_colour("#c8553d").expect("colour").to_srgba();
        assert!((colour.red - 200.0 / 255.0).abs() < 1e-6);
        assert!((colour.blue - 61.0 / 255.0).abs() < 1e-6);
        assert_eq!(parse_hex_colour("c8553d"), None);
        assert_eq!(parse_hex_colour("#c8553"), None);
        assert_eq!(parse_hex_colour("#zz553d"), None);
    }

    #[test]
    fn subdivision_limits_edges_and_keeps_the_area() {
        let triangle = [Vec2::ZERO, Vec2::new(3_000.0, 0.0), Vec2::new(0.0, 2_000.0)];
        let mut pieces = Vec::new();
        subdivide(triangle, 450.0, &mut pieces);
        let area = |[a, b, c]: [Vec2; 3]| ((b - a).perp_dot(c - a) / 2.0).abs();
        let total: f32 = pieces.iter().map(|&t| area(t)).sum();
        assert!((total - area(triangle)).abs() < 1.0, "{total}");
        for [a, b, c] in pieces {
            for edge in [(a - b).length(), (b - c).length(), (c - a).length()] {
                assert!(edge <= 450.0 + 1e-3, "edge {edge}");
            }
        }
    }
}
