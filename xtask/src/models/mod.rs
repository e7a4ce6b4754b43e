//! `cargo xtask bake-models`: the landmark models as binary glTF 2.0, written with the `gltf`
//! crate's JSON types: the Iconic Complex (a 272 m, 56-storey tower and an 80 m hotel tower on a
//! shared three-storey podium, floor plates summing to its published 276,800 m²) and the KAIST
//! Kazakhstan campus (academic buildings round a quad).
//!
//! Units are metres, y up, the origin at ground level in the middle of the plot, the long side
//! along +x. Every part is a named node with its own PBR material.
//!
//! The parts: `geometry` (triangles and outlines), `landmarks` (the two models' shapes and
//! materials), `glb` (the binary glTF writer).

mod geometry;
mod glb;
mod landmarks;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

pub use geometry::Geometry;
pub use glb::to_glb;
pub use landmarks::{iconic_complex, kaist_campus};

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

/// Every model the app loads.
pub fn all() -> Vec<Model> {
    vec![iconic_complex(), kaist_campus()]
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
    use std::collections::BTreeMap;

    use super::geometry::{outline_area, squircle, squircle_half_widths};
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
