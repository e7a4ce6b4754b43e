//! `cargo xtask bake-models`: the landmark models as binary glTF 2.0, written with the `gltf`
//! crate's JSON types: the Iconic Complex (a 272 m, 56-storey tower and an 80 m hotel tower on a
//! shared three-storey podium, floor plates summing to its published 276,800 m²) and the KAIST
//! Kazakhstan campus (academic buildings round a quad).
//!
//! Units are metres, y up, the origin at ground level in the middle of the plot, the long side
//! along +x. Every part is a named node with its own PBR material.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use gltf::json;
use json::validation::Checked::Valid;
use json::validation::USize64;

use crate::paths;

/// Written into each model's `asset.generator`.
pub const GENERATOR: &str = "alatau-explorer xtask bake-models";

/// The Iconic Complex's published figures.
pub mod iconic {
    /// Height of the main tower, metres.
    pub const MAIN_TOWER_HEIGHT_M: f32 = 272.0;
    /// Storeys of the main tower.
    pub const MAIN_TOWER_STOREYS: usize = 56;
    /// Height of the hotel tower, metres.
    pub const HOTEL_TOWER_HEIGHT_M: f32 = 80.0;
    /// Storeys of the shared podium.
    pub const PODIUM_STOREYS: usize = 3;
    /// Total floor area, square metres.
    pub const TOTAL_FLOOR_AREA_M2: f32 = 276_800.0;
}

/// A PBR material.
#[derive(Clone, Copy, Debug)]
pub struct Material {
    /// Its name in the file.
    pub name: &'static str,
    /// Linear base colour.
    pub base_colour: [f32; 4],
    /// Metalness.
    pub metallic: f32,
    /// Roughness.
    pub roughness: f32,
}

/// Flat-shaded triangles of one material.
#[derive(Clone, Debug, Default)]
pub struct Geometry {
    /// Vertex positions.
    pub positions: Vec<[f32; 3]>,
    /// Vertex normals.
    pub normals: Vec<[f32; 3]>,
    /// Triangle indices.
    pub indices: Vec<u32>,
}

impl Geometry {
    /// Triangles.
    pub fn triangle_count(&self) -> usize {
        self.indices.len() / 3
    }

    fn quad(&mut self, a: [f32; 3], b: [f32; 3], c: [f32; 3], d: [f32; 3]) {
        let sub = |p: [f32; 3], q: [f32; 3]| [p[0] - q[0], p[1] - q[1], p[2] - q[2]];
        let (u, v) = (sub(b, a), sub(c, a));
        let n = [
            u[1] * v[2] - u[2] * v[1],
            u[2] * v[0] - u[0] * v[2],
            u[0] * v[1] - u[1] * v[0],
        ];
        let length = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2])
            .sqrt()
            .max(f32::EPSILON);
        let normal = [n[0] / length, n[1] / length, n[2] / length];
        let base = self.positions.len() as u32;
        for p in [a, b, c, d] {
            self.positions.push(p);
            self.normals.push(normal);
        }
        self.indices
            .extend([base, base + 1, base + 2, base, base + 2, base + 3]);
    }

    /// A vertical prism between `bottom` and `top` over a convex outline (x, z pairs, counter-
    /// clockwise seen from above: x east, z south), with a cap on top; `outline_top` lets the
    /// top differ (taper, twist).
    fn prism(
        &mut self,
        outline: &[[f32; 2]],
        outline_top: &[[f32; 2]],
        bottom: f32,
        top: f32,
        cap: bool,
    ) {
        let n = outline.len();
        for i in 0..n {
            let j = (i + 1) % n;
            let (a, b) = (outline[i], outline[j]);
            let (at, bt) = (outline_top[i], outline_top[j]);
            self.quad(
                [a[0], bottom, a[1]],
                [b[0], bottom, b[1]],
                [bt[0], top, bt[1]],
                [at[0], top, at[1]],
            );
        }
        if cap {
            let base = self.positions.len() as u32;
            for p in outline_top {
                self.positions.push([p[0], top, p[1]]);
                self.normals.push([0.0, 1.0, 0.0]);
            }
            // The outline runs counter-clockwise seen from above: a fan keeps that winding,
            // so the cap faces up.
            for k in 1..n as u32 - 1 {
                self.indices.extend([base, base + k, base + k + 1]);
            }
        }
    }

    /// An axis-aligned box standing on the ground at `(x, z)`.
    fn cuboid(&mut self, x: f32, z: f32, width: f32, depth: f32, bottom: f32, top: f32) {
        let outline = rectangle(x, z, width, depth);
        self.prism(&outline, &outline, bottom, top, true);
    }

    /// The highest point.
    pub fn top(&self) -> f32 {
        self.positions.iter().map(|p| p[1]).fold(f32::MIN, f32::max)
    }
}

/// A rectangle's corners, counter-clockwise seen from above with x east and z south.
fn rectangle(x: f32, z: f32, width: f32, depth: f32) -> Vec<[f32; 2]> {
    let (hx, hz) = (width / 2.0, depth / 2.0);
    vec![
        [x - hx, z + hz],
        [x + hx, z + hz],
        [x + hx, z - hz],
        [x - hx, z - hz],
    ]
}

/// A superellipse ("squircle") outline of half-widths `a` (x) and `b` (z), rotated by `twist`.
fn squircle(x: f32, z: f32, a: f32, b: f32, twist: f32, segments: usize) -> Vec<[f32; 2]> {
    const EXPONENT: f32 = 4.0;
    (0..segments)
        .map(|k| {
            // Counter-clockwise seen from above with z south: decreasing angle in (x, z).
            let t = -std::f32::consts::TAU * k as f32 / segments as f32;
            let (s, c) = t.sin_cos();
            let px = a * c.signum() * c.abs().powf(2.0 / EXPONENT);
            let pz = b * s.signum() * s.abs().powf(2.0 / EXPONENT);
            let (ts, tc) = twist.sin_cos();
            [x + px * tc - pz * ts, z + px * ts + pz * tc]
        })
        .collect()
}

/// Area of a polygon of (x, z) points.
pub fn outline_area(outline: &[[f32; 2]]) -> f32 {
    let mut sum = 0.0;
    for (i, p) in outline.iter().enumerate() {
        let q = outline[(i + 1) % outline.len()];
        sum += p[0] * q[1] - q[0] * p[1];
    }
    sum.abs() / 2.0
}

/// One named part of a model.
pub struct Part {
    /// Node name.
    pub name: &'static str,
    /// Index into the model's materials.
    pub material: usize,
    /// Its triangles.
    pub geometry: Geometry,
}

/// A whole model: a named root node over its parts.
pub struct Model {
    /// Root node name.
    pub name: &'static str,
    /// File name under `assets/models/`.
    pub file: &'static str,
    /// Materials.
    pub materials: Vec<Material>,
    /// Parts.
    pub parts: Vec<Part>,
    /// Gross floor area of every storey, square metres (the figure the plates must add up to).
    pub floor_area_m2: f32,
}

const GLASS: Material = Material {
    name: "Glass",
    base_colour: [0.42, 0.55, 0.66, 1.0],
    metallic: 0.55,
    roughness: 0.12,
};
const SLAB: Material = Material {
    name: "SlabEdge",
    base_colour: [0.86, 0.86, 0.84, 1.0],
    metallic: 0.0,
    roughness: 0.65,
};
const STONE: Material = Material {
    name: "PodiumStone",
    base_colour: [0.80, 0.74, 0.64, 1.0],
    metallic: 0.0,
    roughness: 0.6,
};
const FACADE: Material = Material {
    name: "CampusFacade",
    base_colour: [0.88, 0.84, 0.78, 1.0],
    metallic: 0.0,
    roughness: 0.7,
};
const LAWN: Material = Material {
    name: "Lawn",
    base_colour: [0.23, 0.42, 0.18, 1.0],
    metallic: 0.0,
    roughness: 0.95,
};

/// A tower of glass floors with slab edges: `storeys` floors from `base` to `roof`, the plate
/// at height fraction `t` given by `plate(t)`; returns (glass, slabs, summed plate area).
fn stacked_tower(
    storeys: usize,
    base: f32,
    roof: f32,
    plate: impl Fn(f32) -> Vec<[f32; 2]>,
) -> (Geometry, Geometry, f32) {
    let (mut glass, mut slabs) = (Geometry::default(), Geometry::default());
    let storey_height = (roof - base) / storeys as f32;
    let mut area = 0.0;
    for storey in 0..storeys {
        let (t0, t1) = (
            storey as f32 / storeys as f32,
            (storey + 1) as f32 / storeys as f32,
        );
        let (lower, upper) = (plate(t0), plate(t1));
        area += outline_area(&lower);
        let y0 = base + storey as f32 * storey_height;
        let slab_top = y0 + 0.7;
        // A slab edge standing 0.35 m proud of the glass, then the glazing up to the next slab.
        let proud: Vec<[f32; 2]> = grow(&lower, 0.35);
        slabs.prism(&proud, &proud, y0, slab_top, false);
        glass.prism(
            &lower,
            &upper,
            slab_top,
            y0 + storey_height,
            storey + 1 == storeys,
        );
    }
    (glass, slabs, area)
}

/// An outline pushed outwards from its centroid by `by` metres (for convex outlines).
fn grow(outline: &[[f32; 2]], by: f32) -> Vec<[f32; 2]> {
    let n = outline.len() as f32;
    let cx = outline.iter().map(|p| p[0]).sum::<f32>() / n;
    let cz = outline.iter().map(|p| p[1]).sum::<f32>() / n;
    outline
        .iter()
        .map(|p| {
            let (dx, dz) = (p[0] - cx, p[1] - cz);
            let length = dx.hypot(dz).max(f32::EPSILON);
            [p[0] + dx / length * by, p[1] + dz / length * by]
        })
        .collect()
}

/// Half-widths of a squircle of `area` with aspect `a / b`.
fn squircle_half_widths(area: f32, aspect: f32) -> (f32, f32) {
    // A squircle with exponent 4 covers ~0.927 of its bounding box.
    let b = (area / (4.0 * 0.927 * aspect)).sqrt();
    (aspect * b, b)
}

/// The Iconic Complex.
pub fn iconic_complex() -> Model {
    use iconic::*;
    const PODIUM_STOREY_M: f32 = 5.5;
    let podium_top = PODIUM_STOREYS as f32 * PODIUM_STOREY_M;
    let (podium_w, podium_d) = (170.0, 115.0);

    // Podium: three storeys over the whole plot (the 58,000 m² shopping and cultural centre).
    let mut podium = Geometry::default();
    podium.cuboid(0.0, 0.0, podium_w, podium_d, 0.0, podium_top);
    let podium_area = PODIUM_STOREYS as f32 * podium_w * podium_d;

    // Hotel tower: 80 m, a rounded slab to the east.
    const HOTEL_PLATE_M2: f32 = 1_300.0;
    let hotel_storeys = 15;
    let hotel_roof = HOTEL_TOWER_HEIGHT_M - 6.0;
    let (ha, hb) = squircle_half_widths(HOTEL_PLATE_M2, 2.0);
    let (hotel_glass, hotel_slabs, hotel_area) =
        stacked_tower(hotel_storeys, podium_top, hotel_roof, |_| {
            squircle(52.0, 8.0, ha, hb, 0.0, 20)
        });
    let mut hotel_crown = Geometry::default();
    let crown = squircle(52.0, 8.0, ha * 0.9, hb * 0.9, 0.0, 20);
    hotel_crown.prism(&crown, &crown, hotel_roof, HOTEL_TOWER_HEIGHT_M, true);

    // Main tower: 56 storeys, of which the podium holds three; tapering plates with a quarter
    // twist, sized so that every storey sums to the published floor area.
    let tower_storeys = MAIN_TOWER_STOREYS - PODIUM_STOREYS;
    let main_roof = MAIN_TOWER_HEIGHT_M - 17.0;
    let remaining = TOTAL_FLOOR_AREA_M2 - podium_area - hotel_area - HOTEL_PLATE_M2 * 0.0;
    let average_plate = remaining / tower_storeys as f32;
    let plate_at = |t: f32| average_plate * (1.16 - 0.32 * t);
    let twist = 18_f32.to_radians();
    let (main_glass, main_slabs, main_area) =
        stacked_tower(tower_storeys, podium_top, main_roof, |t| {
            let (a, b) = squircle_half_widths(plate_at(t), 1.25);
            squircle(-30.0, -4.0, a, b, twist * t, 28)
        });
    // Crown: a tapering glass lantern to the full height.
    let (a, b) = squircle_half_widths(plate_at(1.0), 1.25);
    let crown_base = squircle(-30.0, -4.0, a, b, twist, 28);
    let crown_top = squircle(-30.0, -4.0, a * 0.45, b * 0.45, twist * 1.15, 28);
    let mut main_crown = Geometry::default();
    main_crown.prism(
        &crown_base,
        &crown_top,
        main_roof,
        MAIN_TOWER_HEIGHT_M,
        true,
    );

    let mut main_tower = main_glass;
    append(&mut main_tower, &main_crown);
    let mut hotel_tower = hotel_glass;
    append(&mut hotel_tower, &hotel_crown);

    Model {
        name: "IconicComplex",
        file: "iconic_complex.glb",
        materials: vec![GLASS, SLAB, STONE],
        parts: vec![
            Part {
                name: "Podium",
                material: 2,
                geometry: podium,
            },
            Part {
                name: "MainTower",
                material: 0,
                geometry: main_tower,
            },
            Part {
                name: "MainTowerSlabs",
                material: 1,
                geometry: main_slabs,
            },
            Part {
                name: "HotelTower",
                material: 0,
                geometry: hotel_tower,
            },
            Part {
                name: "HotelTowerSlabs",
                material: 1,
                geometry: hotel_slabs,
            },
        ],
        floor_area_m2: podium_area + hotel_area + main_area,
    }
}

fn append(into: &mut Geometry, from: &Geometry) {
    let base = into.positions.len() as u32;
    into.positions.extend_from_slice(&from.positions);
    into.normals.extend_from_slice(&from.normals);
    into.indices.extend(from.indices.iter().map(|i| i + base));
}

/// The KAIST Kazakhstan campus: four academic halls round a quad, a library and a research
/// tower. Size and site are not published: this is a schematic campus.
pub fn kaist_campus() -> Model {
    let mut halls = Geometry::default();
    let mut area = 0.0;
    let mut hall = |g: &mut Geometry, x: f32, z: f32, w: f32, d: f32, storeys: usize| {
        g.cuboid(x, z, w, d, 0.0, storeys as f32 * 4.2);
        area += w * d * storeys as f32;
    };
    // The quad is 240 x 160 m; halls on its four sides.
    hall(&mut halls, 0.0, -98.0, 250.0, 30.0, 6);
    hall(&mut halls, 0.0, 98.0, 250.0, 30.0, 6);
    hall(&mut halls, -142.0, 0.0, 30.0, 166.0, 5);
    hall(&mut halls, 142.0, 0.0, 30.0, 166.0, 5);
    // A research tower at the north-east corner.
    hall(&mut halls, 190.0, -140.0, 42.0, 42.0, 12);
    let mut library = Geometry::default();
    let drum = squircle(-190.0, 130.0, 38.0, 38.0, 0.0, 28);
    library.prism(&drum, &drum, 0.0, 24.0, true);
    area += outline_area(&drum) * 4.0;
    let mut quad = Geometry::default();
    let lawn = rectangle(0.0, 0.0, 254.0, 166.0);
    quad.prism(&lawn, &lawn, 0.0, 0.3, true);
    Model {
        name: "KaistCampus",
        file: "kaist_campus.glb",
        materials: vec![FACADE, GLASS, LAWN],
        parts: vec![
            Part {
                name: "AcademicHalls",
                material: 0,
                geometry: halls,
            },
            Part {
                name: "Library",
                material: 1,
                geometry: library,
            },
            Part {
                name: "Quad",
                material: 2,
                geometry: quad,
            },
        ],
        floor_area_m2: area,
    }
}

/// Every model the app loads.
pub fn all() -> Vec<Model> {
    vec![iconic_complex(), kaist_campus()]
}

fn pad_to_four(bytes: &mut Vec<u8>, with: u8) {
    while !bytes.len().is_multiple_of(4) {
        bytes.push(with);
    }
}

fn bounds(points: &[[f32; 3]]) -> ([f32; 3], [f32; 3]) {
    let mut min = [f32::MAX; 3];
    let mut max = [f32::MIN; 3];
    for p in points {
        for axis in 0..3 {
            min[axis] = min[axis].min(p[axis]);
            max[axis] = max[axis].max(p[axis]);
        }
    }
    (min, max)
}

/// The model as a GLB file.
pub fn to_glb(model: &Model) -> Result<Vec<u8>> {
    let mut root = json::Root {
        asset: json::Asset {
            generator: Some(GENERATOR.to_owned()),
            ..Default::default()
        },
        ..Default::default()
    };
    let mut bin: Vec<u8> = Vec::new();
    let materials: Vec<_> = model
        .materials
        .iter()
        .map(|material| {
            root.push(json::Material {
                name: Some(material.name.to_owned()),
                pbr_metallic_roughness: json::material::PbrMetallicRoughness {
                    base_color_factor: json::material::PbrBaseColorFactor(material.base_colour),
                    metallic_factor: json::material::StrengthFactor(material.metallic),
                    roughness_factor: json::material::StrengthFactor(material.roughness),
                    ..Default::default()
                },
                ..Default::default()
            })
        })
        .collect();
    let buffer = json::Index::new(0);
    let view = |bin: &mut Vec<u8>, root: &mut json::Root, bytes: Vec<u8>, target| {
        let offset = bin.len();
        bin.extend_from_slice(&bytes);
        pad_to_four(bin, 0);
        root.push(json::buffer::View {
            buffer,
            byte_length: USize64::from(bytes.len()),
            byte_offset: Some(USize64::from(offset)),
            byte_stride: None,
            extensions: Default::default(),
            extras: Default::default(),
            name: None,
            target: Some(Valid(target)),
        })
    };
    let accessor = |root: &mut json::Root,
                    view,
                    count: usize,
                    kind,
                    component,
                    min_max: Option<([f32; 3], [f32; 3])>| {
        root.push(json::Accessor {
            buffer_view: Some(view),
            byte_offset: Some(USize64(0)),
            count: USize64::from(count),
            component_type: Valid(json::accessor::GenericComponentType(component)),
            extensions: Default::default(),
            extras: Default::default(),
            type_: Valid(kind),
            min: min_max.map(|(min, _)| json::Value::from(min.to_vec())),
            max: min_max.map(|(_, max)| json::Value::from(max.to_vec())),
            name: None,
            normalized: false,
            sparse: None,
        })
    };
    let mut children = Vec::new();
    for part in &model.parts {
        let geometry = &part.geometry;
        let floats = |values: &[[f32; 3]]| -> Vec<u8> {
            values
                .iter()
                .flatten()
                .flat_map(|v| v.to_le_bytes())
                .collect()
        };
        let positions_view = view(
            &mut bin,
            &mut root,
            floats(&geometry.positions),
            json::buffer::Target::ArrayBuffer,
        );
        let normals_view = view(
            &mut bin,
            &mut root,
            floats(&geometry.normals),
            json::buffer::Target::ArrayBuffer,
        );
        let index_bytes: Vec<u8> = geometry
            .indices
            .iter()
            .flat_map(|i| i.to_le_bytes())
            .collect();
        let indices_view = view(
            &mut bin,
            &mut root,
            index_bytes,
            json::buffer::Target::ElementArrayBuffer,
        );
        let count = geometry.positions.len();
        let positions = accessor(
            &mut root,
            positions_view,
            count,
            json::accessor::Type::Vec3,
            json::accessor::ComponentType::F32,
            Some(bounds(&geometry.positions)),
        );
        let normals = accessor(
            &mut root,
            normals_view,
            count,
            json::accessor::Type::Vec3,
            json::accessor::ComponentType::F32,
            None,
        );
        let indices = accessor(
            &mut root,
            indices_view,
            geometry.indices.len(),
            json::accessor::Type::Scalar,
            json::accessor::ComponentType::U32,
            None,
        );
        let mesh = root.push(json::Mesh {
            extensions: Default::default(),
            extras: Default::default(),
            name: Some(part.name.to_owned()),
            primitives: vec![json::mesh::Primitive {
                attributes: BTreeMap::from([
                    (Valid(json::mesh::Semantic::Positions), positions),
                    (Valid(json::mesh::Semantic::Normals), normals),
                ]),
                extensions: Default::default(),
                extras: Default::default(),
                indices: Some(indices),
                material: Some(materials[part.material]),
                mode: Valid(json::mesh::Mode::Triangles),
                targets: None,
            }],
            weights: None,
        });
        children.push(root.push(json::Node {
            name: Some(part.name.to_owned()),
            mesh: Some(mesh),
            ..Default::default()
        }));
    }
    let model_node = root.push(json::Node {
        name: Some(model.name.to_owned()),
        children: Some(children),
        ..Default::default()
    });
    root.push(json::Buffer {
        byte_length: USize64::from(bin.len()),
        extensions: Default::default(),
        extras: Default::default(),
        name: None,
        uri: None,
    });
    let scene = root.push(json::Scene {
        extensions: Default::default(),
        extras: Default::default(),
        name: Some(model.name.to_owned()),
        nodes: vec![model_node],
    });
    root.scene = Some(scene);

    let mut json_bytes = json::serialize::to_vec(&root).context("serialise glTF JSON")?;
    pad_to_four(&mut json_bytes, b' ');
    let length = 12 + 8 + json_bytes.len() + 8 + bin.len();
    let glb = gltf::binary::Glb {
        header: gltf::binary::Header {
            magic: *b"glTF",
            version: 2,
            length: u32::try_from(length).context("model larger than 4 GB")?,
        },
        json: Cow::Owned(json_bytes),
        bin: Some(Cow::Owned(bin)),
    };
    glb.to_vec().context("write GLB")
}

/// Where the committed models live.
pub fn models_dir() -> PathBuf {
    paths::root().join("assets").join("models")
}

/// Writes every model into `dir`; returns the files written.
pub fn bake_into(dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for model in all() {
        let path = dir.join(model.file);
        std::fs::write(&path, to_glb(&model)?)
            .with_context(|| format!("write {}", path.display()))?;
        let triangles: usize = model
            .parts
            .iter()
            .map(|p| p.geometry.triangle_count())
            .sum();
        println!(
            "{}: {} parts, {triangles} triangles, {:.0} m², top {:.1} m",
            path.display(),
            model.parts.len(),
            model.floor_area_m2,
            model
                .parts
                .iter()
                .map(|p| p.geometry.top())
                .fold(0.0, f32::max)
        );
        written.push(path);
    }
    Ok(written)
}

/// `cargo xtask bake-models`.
pub fn bake() -> Result<()> {
    bake_into(&models_dir()).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model file as the app will see it: parsed by the `gltf` crate.
    struct Parsed {
        names: Vec<String>,
        triangles: usize,
        top: f32,
        node_tops: BTreeMap<String, f32>,
        generator: Option<String>,
    }

    fn parse(bytes: &[u8]) -> Parsed {
        let gltf = gltf::Gltf::from_slice(bytes).expect("a valid glTF file");
        let blob = gltf.blob.clone().expect("a GLB binary chunk");
        let mut node_tops = BTreeMap::new();
        let mut triangles = 0;
        let mut names = Vec::new();
        for node in gltf.nodes() {
            let name = node.name().unwrap_or_default().to_owned();
            names.push(name.clone());
            let Some(mesh) = node.mesh() else { continue };
            let mut top = f32::MIN;
            for primitive in mesh.primitives() {
                let reader = primitive.reader(|_| Some(&blob));
                for p in reader.read_positions().expect("positions") {
                    top = top.max(p[1]);
                }
                let indices: Vec<u32> =
                    reader.read_indices().expect("indices").into_u32().collect();
                assert_eq!(indices.len() % 3, 0, "{name}: whole triangles");
                triangles += indices.len() / 3;
                // The accessor's declared bounds match the data.
                let declared = primitive.bounding_box();
                assert!(
                    (declared.max[1] - top).abs() < 1e-3,
                    "{name}: max y {} vs {top}",
                    declared.max[1]
                );
            }
            node_tops.insert(name, top);
        }
        let top = node_tops.values().copied().fold(f32::MIN, f32::max);
        Parsed {
            names,
            triangles,
            top,
            node_tops,
            generator: gltf.document.as_json().asset.generator.clone(),
        }
    }

    fn committed(file: &str) -> Vec<u8> {
        std::fs::read(models_dir().join(file))
            .unwrap_or_else(|e| panic!("assets/models/{file}: {e}"))
    }

    #[test]
    fn the_iconic_complex_has_its_towers_podium_and_true_heights() {
        let parsed = parse(&committed("iconic_complex.glb"));
        for name in ["IconicComplex", "Podium", "MainTower", "HotelTower"] {
            assert!(
                parsed.names.iter().any(|n| n == name),
                "node {name} in {:?}",
                parsed.names
            );
        }
        assert!(
            (parsed.top - 272.0).abs() <= 1.0,
            "main tower {} m",
            parsed.top
        );
        let hotel = parsed.node_tops["HotelTower"];
        assert!((hotel - 80.0).abs() <= 1.0, "hotel tower {hotel} m");
        let podium = parsed.node_tops["Podium"];
        assert!(
            (12.0..20.0).contains(&podium),
            "a three-storey podium, {podium} m"
        );
        assert!(
            (5_000..40_000).contains(&parsed.triangles),
            "{} triangles",
            parsed.triangles
        );
    }

    #[test]
    fn the_kaist_campus_has_halls_round_a_quad() {
        let parsed = parse(&committed("kaist_campus.glb"));
        for name in ["KaistCampus", "AcademicHalls", "Library", "Quad"] {
            assert!(
                parsed.names.iter().any(|n| n == name),
                "node {name} in {:?}",
                parsed.names
            );
        }
        assert!(
            (20.0..60.0).contains(&parsed.top),
            "campus top {} m",
            parsed.top
        );
        assert!(
            (100..5_000).contains(&parsed.triangles),
            "{} triangles",
            parsed.triangles
        );
    }

    #[test]
    fn the_iconic_complex_floor_plates_add_up_to_276_800_m2() {
        let model = iconic_complex();
        let error =
            (model.floor_area_m2 - iconic::TOTAL_FLOOR_AREA_M2).abs() / iconic::TOTAL_FLOOR_AREA_M2;
        assert!(error < 0.02, "{} m² vs 276,800 m²", model.floor_area_m2);
        // 53 tower storeys above the three-storey podium: 56 in all.
        let slabs = model
            .parts
            .iter()
            .find(|p| p.name == "MainTowerSlabs")
            .expect("slabs");
        let slab_rings = slabs.geometry.triangle_count() / (28 * 2);
        assert_eq!(
            slab_rings + iconic::PODIUM_STOREYS,
            iconic::MAIN_TOWER_STOREYS
        );
    }

    #[test]
    fn committed_models_are_what_the_baker_writes_unless_replaced() {
        for model in all() {
            let bytes = committed(model.file);
            let parsed = parse(&bytes);
            if parsed.generator.as_deref() == Some(GENERATOR) {
                assert!(
                    bytes == to_glb(&model).expect("bake"),
                    "assets/models/{} is stale: run `cargo xtask bake-models`",
                    model.file
                );
            }
        }
    }

    #[test]
    fn every_triangle_faces_the_way_its_normal_says() {
        for model in all() {
            for part in &model.parts {
                let g = &part.geometry;
                for triangle in g.indices.chunks_exact(3) {
                    let [a, b, c] = [0, 1, 2].map(|k| g.positions[triangle[k] as usize]);
                    let (u, v) = (
                        [b[0] - a[0], b[1] - a[1], b[2] - a[2]],
                        [c[0] - a[0], c[1] - a[1], c[2] - a[2]],
                    );
                    let winding = [
                        u[1] * v[2] - u[2] * v[1],
                        u[2] * v[0] - u[0] * v[2],
                        u[0] * v[1] - u[1] * v[0],
                    ];
                    let normal = g.normals[triangle[0] as usize];
                    let dot: f32 = (0..3).map(|k| winding[k] * normal[k]).sum();
                    assert!(
                        dot > 0.0,
                        "{}/{}: triangle {triangle:?} is wound against its normal (culled)",
                        model.name,
                        part.name
                    );
                }
            }
        }
    }

    #[test]
    fn superellipse_area_matches_its_target() {
        let (a, b) = squircle_half_widths(3_000.0, 1.25);
        let area = outline_area(&squircle(0.0, 0.0, a, b, 0.3, 64));
        assert!((area - 3_000.0).abs() / 3_000.0 < 0.03, "{area}");
    }
}
