//! Accumulates flat-shaded, vertex-coloured triangles into one mesh, so that thousands of
//! buildings or kilometres of ribbon cost one draw call. Every mesh of the city has the one
//! vertex layout these meshes have ([`with_city_vertex_layout`] for the others).

use bevy::asset::RenderAssetUsages;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;

/// How many recent colours a builder keeps converted to linear light.
const RECENT_COLOURS: usize = 4;

/// A growing triangle list with positions, normals and colours.
#[derive(Default)]
pub struct MeshBuilder {
    positions: Vec<[f32; 3]>,
    normals: Vec<[f32; 3]>,
    colours: Vec<[f32; 4]>,
    indices: Vec<u32>,
    /// The last few colours converted to linear light, and the slot the next one takes.
    /// Converting is three `powf`s, and most faces repeat a recent colour (a block's walls and
    /// roof, a tile's three greens, the streets).
    recent_colours: [Option<(Color, [f32; 4])>; RECENT_COLOURS],
    next_colour_slot: usize,
}

impl MeshBuilder {
    /// An empty builder with room for `quads` quads (or as many pairs of triangles) before it
    /// grows.
    pub fn with_room_for_quads(quads: usize) -> Self {
        MeshBuilder {
            positions: Vec::with_capacity(quads * 4),
            normals: Vec::with_capacity(quads * 4),
            colours: Vec::with_capacity(quads * 4),
            indices: Vec::with_capacity(quads * 6),
            ..MeshBuilder::default()
        }
    }

    /// Triangles so far.
    pub fn triangle_count(&self) -> usize {
        self.indices.len() / 3
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// Adds flat-shaded vertices; returns the index of the first.
    fn push_vertices(&mut self, corners: &[Vec3], normal: Vec3, colour: Color) -> u32 {
        let base = self.positions.len() as u32;
        let rgba = self.linear(colour);
        for corner in corners {
            self.positions.push(corner.to_array());
            self.normals.push(normal.to_array());
            self.colours.push(rgba);
        }
        base
    }

    /// `colour` in linear light, converted once while it is among the recent ones.
    fn linear(&mut self, colour: Color) -> [f32; 4] {
        if let Some((_, rgba)) = self
            .recent_colours
            .iter()
            .flatten()
            .find(|(recent, _)| *recent == colour)
        {
            return *rgba;
        }
        let rgba = colour.to_linear().to_f32_array();
        self.recent_colours[self.next_colour_slot] = Some((colour, rgba));
        self.next_colour_slot = (self.next_colour_slot + 1) % RECENT_COLOURS;
        rgba
    }

    /// A flat quad `a b c d` (counter-clockwise seen from the side it faces).
    pub fn quad(&mut self, corners: [Vec3; 4], colour: Color) {
        let normal = (corners[1] - corners[0])
            .cross(corners[2] - corners[0])
            .normalize_or(Vec3::Y);
        let base = self.push_vertices(&corners, normal, colour);
        self.indices
            .extend([base, base + 1, base + 2, base, base + 2, base + 3]);
    }

    /// A triangle with per-vertex positions, one normal and one colour.
    pub fn triangle(&mut self, corners: [Vec3; 3], normal: Vec3, colour: Color) {
        let base = self.push_vertices(&corners, normal, colour);
        self.indices.extend([base, base + 1, base + 2]);
    }

    /// A box standing on `base` (its bottom centre), rotated by `yaw` about the vertical, with
    /// walls and roof (no floor: it stands on the ground).
    pub fn block(&mut self, base: Vec3, yaw: f32, size: Vec3, walls: Color, roof: Color) {
        let rotation = Quat::from_rotation_y(-yaw);
        let half = size / 2.0;
        let corner =
            |sx: f32, y: f32, sz: f32| base + rotation * Vec3::new(sx * half.x, y, sz * half.z);
        let (b, t) = (0.0, size.y);
        // Roof.
        self.quad(
            [
                corner(-1.0, t, 1.0),
                corner(1.0, t, 1.0),
                corner(1.0, t, -1.0),
                corner(-1.0, t, -1.0),
            ],
            roof,
        );
        // Walls, each counter-clockwise seen from outside.
        let sides = [
            ((-1.0, 1.0), (1.0, 1.0)),
            ((1.0, 1.0), (1.0, -1.0)),
            ((1.0, -1.0), (-1.0, -1.0)),
            ((-1.0, -1.0), (-1.0, 1.0)),
        ];
        for ((ax, az), (bx, bz)) in sides {
            self.quad(
                [
                    corner(ax, b, az),
                    corner(bx, b, bz),
                    corner(bx, t, bz),
                    corner(ax, t, az),
                ],
                walls,
            );
        }
    }

    /// A flat strip `width` wide along `points` (already at their heights), lifted by `lift`.
    pub fn ribbon(&mut self, points: &[Vec3], width: f32, lift: f32, colour: Color) {
        for pair in points.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let along = Vec3::new(b.x - a.x, 0.0, b.z - a.z).normalize_or(Vec3::X);
            let side = Vec3::new(-along.z, 0.0, along.x) * (width / 2.0);
            let up = Vec3::Y * lift;
            // Overlap the joints a little so bends show no gaps.
            let extend = along * (width / 2.0);
            let (a, b) = (a - extend, b + extend);
            self.quad(
                [a + side + up, b + side + up, b - side + up, a - side + up],
                colour,
            );
        }
    }

    /// The finished mesh.
    pub fn build(self) -> Mesh {
        coloured_mesh(self.positions, self.normals, self.colours, self.indices)
    }
}

/// An indexed triangle list with normals and linear vertex colours, for the render world only.
pub fn coloured_mesh(
    positions: Vec<[f32; 3]>,
    normals: Vec<[f32; 3]>,
    colours: Vec<[f32; 4]>,
    indices: Vec<u32>,
) -> Mesh {
    Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::RENDER_WORLD,
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, positions)
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, normals)
    .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, colours)
    .with_inserted_indices(Indices::U32(indices))
}

/// Gives `mesh` the vertex layout of every mesh of the city: position, normal and linear
/// colour (white where it had none, which leaves the material's colour as it is), no texture
/// coordinates. Surfaces of one material kind then share one render pipeline: each more layout
/// is one more shader program (about 100 kB of GLSL) to compile and link before the city's
/// first frame, a tenth of a second or more on a slow machine.
pub fn with_city_vertex_layout(mut mesh: Mesh) -> Mesh {
    mesh.remove_attribute(Mesh::ATTRIBUTE_UV_0);
    if mesh.attribute(Mesh::ATTRIBUTE_COLOR).is_none() {
        let white = vec![[1.0_f32; 4]; mesh.count_vertices()];
        mesh.insert_attribute(Mesh::ATTRIBUTE_COLOR, white);
    }
    mesh
}

/// Splits a long polyline so that no piece is longer than `max_step`, for draping on terrain.
pub fn densify(points: &[Vec2], max_step: f32) -> Vec<Vec2> {
    let mut out = Vec::new();
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let pieces = ((b - a).length() / max_step).ceil().max(1.0) as usize;
        for k in 0..pieces {
            out.push(a.lerp(b, k as f32 / pieces as f32));
        }
    }
    if let Some(last) = points.last() {
        out.push(*last);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bevy::mesh::{VertexAttributeValues, VertexFormat};

    #[test]
    fn a_block_has_a_roof_and_four_walls_facing_out() {
        let mut builder = MeshBuilder::default();
        builder.block(
            Vec3::ZERO,
            0.3,
            Vec3::new(10.0, 20.0, 6.0),
            Color::WHITE,
            Color::BLACK,
        );
        assert_eq!(builder.triangle_count(), 10);
        // Every face normal points away from the box's centre.
        let centre = Vec3::new(0.0, 10.0, 0.0);
        for (position, normal) in builder.positions.iter().zip(&builder.normals) {
            let outwards = Vec3::from_array(*position) - centre;
            assert!(
                outwards.dot(Vec3::from_array(*normal)) > 0.0,
                "{position:?} {normal:?}"
            );
        }
        let top = builder
            .positions
            .iter()
            .map(|p| p[1])
            .fold(f32::MIN, f32::max);
        assert_eq!(top, 20.0);
    }

    #[test]
    fn every_vertex_has_its_faces_colour_in_linear_light_whatever_the_recent_colours() {
        // More colours than the builder keeps converted, in an order that reuses and evicts.
        let palette: Vec<Color> = (0..7)
            .map(|k| Color::srgb(0.1 * k as f32, 0.5, 1.0 - 0.12 * k as f32))
            .collect();
        let order = [0, 1, 0, 2, 3, 4, 5, 0, 6, 1, 1, 3, 6, 2, 5, 4, 0];
        let mut builder = MeshBuilder::with_room_for_quads(2);
        for &k in &order {
            builder.quad(
                [Vec3::ZERO, Vec3::X, Vec3::new(1.0, 0.0, 1.0), Vec3::Z],
                palette[k],
            );
        }
        let expected: Vec<[f32; 4]> = order
            .iter()
            .flat_map(|&k| [palette[k].to_linear().to_f32_array(); 4])
            .collect();
        assert_eq!(builder.colours, expected);
    }

    /// The vertex attributes of `mesh` and their formats, in the order of the layout.
    fn layout(mesh: &Mesh) -> Vec<(bevy::mesh::MeshVertexAttributeId, VertexFormat)> {
        mesh.attributes()
            .map(|(attribute, _)| (attribute.id, attribute.format))
            .collect()
    }

    #[test]
    fn shapes_and_models_take_the_layout_of_the_built_meshes() {
        let mut builder = MeshBuilder::default();
        builder.block(Vec3::ZERO, 0.0, Vec3::ONE, Color::WHITE, Color::WHITE);
        let built = layout(&builder.build());
        let plane = with_city_vertex_layout(Mesh::from(Plane3d::default().mesh().size(2.0, 2.0)));
        assert_eq!(layout(&plane), built);
        let colours = plane.attribute(Mesh::ATTRIBUTE_COLOR).expect("colours");
        assert_eq!(colours.len(), plane.count_vertices());
        assert_eq!(
            layout(&with_city_vertex_layout(Cuboid::default().into())),
            built
        );
        let own = [0.2, 0.3, 0.4, 1.0];
        let coloured = with_city_vertex_layout(coloured_mesh(
            vec![[0.0; 3]; 3],
            vec![[0.0, 1.0, 0.0]; 3],
            vec![own; 3],
            vec![0, 1, 2],
        ));
        assert!(
            matches!(
                coloured.attribute(Mesh::ATTRIBUTE_COLOR),
                Some(VertexAttributeValues::Float32x4(colours)) if colours == &vec![own; 3]
            ),
            "a mesh's own colours are kept"
        );
    }

    #[test]
    fn densify_keeps_the_ends_and_limits_the_step() {
        let line = [Vec2::ZERO, Vec2::new(1_000.0, 0.0)];
        let dense = densify(&line, 300.0);
        assert_eq!(dense.first(), Some(&Vec2::ZERO));
        assert_eq!(dense.last(), Some(&Vec2::new(1_000.0, 0.0)));
        assert!(
            dense
                .windows(2)
                .all(|p| (p[1] - p[0]).length() <= 300.0 + 1e-3)
        );
    }
}
