//! Reads a landmark model from a self-contained binary glTF (`.glb`): the meshes of the default
//! scene with their world transforms (relative to the model's root) and their PBR
//! metallic-roughness factors. This is all a landmark needs, without an engine's scene system:
//! triangles with positions, normals (or flat ones made here), indices and vertex colours; a
//! base colour, metallic, roughness, emission, blending and sidedness per part. Textures, skins,
//! morph targets, cameras and lights are left out, and the reader says so as a note.

use std::collections::BTreeSet;

/// A column-major 4×4 matrix, as glTF writes them.
pub type Matrix = [[f32; 4]; 4];

/// The identity matrix.
pub const IDENTITY: Matrix = [
    [1.0, 0.0, 0.0, 0.0],
    [0.0, 1.0, 0.0, 0.0],
    [0.0, 0.0, 1.0, 0.0],
    [0.0, 0.0, 0.0, 1.0],
];

/// One drawable piece of a model: a triangle list and its material.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelPart {
    /// The node's name, or `part N`.
    pub name: String,
    /// Vertex positions, in the node's space.
    pub positions: Vec<[f32; 3]>,
    /// Vertex normals: the file's, or flat ones made from the triangles.
    pub normals: Vec<[f32; 3]>,
    /// Linear RGBA vertex colours, when the file has them.
    pub colours: Option<Vec<[f32; 4]>>,
    /// Triangle indices into the vertices.
    pub indices: Vec<u32>,
    /// How the part looks.
    pub material: PartMaterial,
    /// From the node's space to the model's (all parent transforms applied).
    pub transform: Matrix,
}

/// A part's PBR metallic-roughness factors.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PartMaterial {
    /// Linear RGBA.
    pub base_colour: [f32; 4],
    /// 0 dielectric .. 1 metal.
    pub metallic: f32,
    /// 0 mirror .. 1 matte.
    pub roughness: f32,
    /// Linear RGB emission.
    pub emissive: [f32; 3],
    /// Alpha-blended (glTF `BLEND`) rather than opaque.
    pub blend: bool,
    /// Drawn from both sides.
    pub double_sided: bool,
}

impl Default for PartMaterial {
    /// glTF's default material.
    fn default() -> Self {
        PartMaterial {
            base_colour: [1.0; 4],
            metallic: 1.0,
            roughness: 1.0,
            emissive: [0.0; 3],
            blend: false,
            double_sided: false,
        }
    }
}

/// A model read from a `.glb`, with notes on what of the file it leaves out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Model {
    /// Its drawable parts.
    pub parts: Vec<ModelPart>,
    /// What the file holds that the model does not show ("textures", "line primitives", ...).
    pub left_out: BTreeSet<&'static str>,
}

/// Why a file cannot be read as a model.
#[derive(Clone, Debug, PartialEq)]
pub enum GlbError {
    /// Not a valid glTF (the glTF reader's words).
    Invalid(String),
    /// The file points at data outside itself (a `.gltf` with `.bin` files, or URIs).
    NotSelfContained,
    /// It has no scene to show.
    NoScene,
    /// A primitive's data cannot be read (`what` names the mesh and the attribute).
    BadPrimitive {
        /// The mesh and what is wrong with it.
        what: String,
    },
}

impl std::fmt::Display for GlbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GlbError::Invalid(reason) => write!(f, "not a valid glTF file: {reason}"),
            GlbError::NotSelfContained => write!(
                f,
                "the model's data is in other files: export a self-contained binary glTF (.glb)"
            ),
            GlbError::NoScene => write!(f, "the file has no scene"),
            GlbError::BadPrimitive { what } => write!(f, "unreadable mesh data: {what}"),
        }
    }
}

impl std::error::Error for GlbError {}

/// Reads `bytes` (a `.glb`) as a model.
pub fn read_glb(bytes: &[u8]) -> Result<Model, GlbError> {
    let file =
        gltf::Gltf::from_slice(bytes).map_err(|error| GlbError::Invalid(error.to_string()))?;
    let blob = file.blob.as_deref();
    if file
        .document
        .buffers()
        .any(|buffer| matches!(buffer.source(), gltf::buffer::Source::Uri(_)))
    {
        return Err(GlbError::NotSelfContained);
    }
    let scene = file
        .document
        .default_scene()
        .or_else(|| file.document.scenes().next())
        .ok_or(GlbError::NoScene)?;
    let mut model = Model::default();
    if file.document.textures().next().is_some() {
        model.left_out.insert("textures");
    }
    if file.document.skins().next().is_some() {
        model.left_out.insert("skins");
    }
    if file.document.animations().next().is_some() {
        model.left_out.insert("animations");
    }
    let mut stack: Vec<(gltf::Node, Matrix)> = scene.nodes().map(|node| (node, IDENTITY)).collect();
    // Each node is visited once per path from the scene; glTF forbids cycles, but a bound keeps
    // a malformed file from looping.
    let mut visits = 0_usize;
    while let Some((node, parent)) = stack.pop() {
        visits += 1;
        if visits > 100_000 {
            return Err(GlbError::Invalid(
                "the node tree is too deep or cyclic".into(),
            ));
        }
        let transform = multiply(&parent, &node.transform().matrix());
        if node.camera().is_some() {
            model.left_out.insert("cameras");
        }
        if let Some(mesh) = node.mesh() {
            let mesh_name = mesh
                .name()
                .or(node.name())
                .map_or_else(|| format!("mesh {}", mesh.index()), str::to_owned);
            for primitive in mesh.primitives() {
                if primitive.mode() != gltf::mesh::Mode::Triangles {
                    model
                        .left_out
                        .insert("primitives other than triangle lists");
                    continue;
                }
                if primitive.morph_targets().next().is_some() {
                    model.left_out.insert("morph targets");
                }
                let part = read_primitive(&primitive, blob, &mesh_name, transform)?;
                model.parts.push(part);
            }
        }
        stack.extend(node.children().map(|child| (child, transform)));
    }
    Ok(model)
}

fn read_primitive(
    primitive: &gltf::Primitive,
    blob: Option<&[u8]>,
    mesh_name: &str,
    transform: Matrix,
) -> Result<ModelPart, GlbError> {
    let bad = |what: &str| GlbError::BadPrimitive {
        what: format!("{mesh_name}: {what}"),
    };
    let reader = primitive.reader(|buffer| match buffer.source() {
        gltf::buffer::Source::Bin => blob,
        gltf::buffer::Source::Uri(_) => None,
    });
    let positions: Vec<[f32; 3]> = reader
        .read_positions()
        .ok_or_else(|| bad("no positions"))?
        .collect();
    let count = positions.len();
    if positions.iter().flatten().any(|value| !value.is_finite()) {
        return Err(bad("positions that are not numbers"));
    }
    let indices: Vec<u32> = match reader.read_indices() {
        Some(indices) => indices.into_u32().collect(),
        None => (0..count as u32).collect(),
    };
    if !indices.len().is_multiple_of(3) {
        return Err(bad("an index count that is not a multiple of 3"));
    }
    if indices.iter().any(|&index| index as usize >= count) {
        return Err(bad("indices past the last vertex"));
    }
    let normals = match reader.read_normals() {
        Some(normals) => normals.collect::<Vec<_>>(),
        None => flat_normals(&positions, &indices),
    };
    if normals.len() != count {
        return Err(bad("a normal count that differs from the vertex count"));
    }
    let colours = reader
        .read_colors(0)
        .map(|colours| colours.into_rgba_f32().collect::<Vec<_>>());
    if colours
        .as_ref()
        .is_some_and(|colours| colours.len() != count)
    {
        return Err(bad("a colour count that differs from the vertex count"));
    }
    let material = primitive.material();
    let pbr = material.pbr_metallic_roughness();
    Ok(ModelPart {
        name: mesh_name.to_owned(),
        positions,
        normals,
        colours,
        indices,
        material: PartMaterial {
            base_colour: pbr.base_color_factor(),
            metallic: pbr.metallic_factor(),
            roughness: pbr.roughness_factor(),
            emissive: material.emissive_factor(),
            blend: material.alpha_mode() == gltf::material::AlphaMode::Blend,
            double_sided: material.double_sided(),
        },
        transform,
    })
}

/// Per-vertex normals from the triangles around each vertex (area-weighted).
fn flat_normals(positions: &[[f32; 3]], indices: &[u32]) -> Vec<[f32; 3]> {
    let mut sums = vec![[0.0_f32; 3]; positions.len()];
    for triangle in indices.chunks_exact(3) {
        let [a, b, c] = [0, 1, 2].map(|k| positions[triangle[k] as usize]);
        let (u, v) = (sub(b, a), sub(c, a));
        let normal = [
            u[1] * v[2] - u[2] * v[1],
            u[2] * v[0] - u[0] * v[2],
            u[0] * v[1] - u[1] * v[0],
        ];
        for &index in triangle {
            for axis in 0..3 {
                sums[index as usize][axis] += normal[axis];
            }
        }
    }
    sums.into_iter()
        .map(|[x, y, z]| {
            let length = (x * x + y * y + z * z).sqrt();
            if length > 0.0 {
                [x / length, y / length, z / length]
            } else {
                [0.0, 1.0, 0.0]
            }
        })
        .collect()
}

fn sub(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// `a · b` for column-major matrices.
pub fn multiply(a: &Matrix, b: &Matrix) -> Matrix {
    let mut product = [[0.0; 4]; 4];
    for (column, b_column) in b.iter().enumerate() {
        for row in 0..4 {
            product[column][row] = (0..4).map(|k| a[k][row] * b_column[k]).sum();
        }
    }
    product
}

/// `matrix · point` (w = 1).
pub fn transform_point(matrix: &Matrix, point: [f32; 3]) -> [f32; 3] {
    let mut out = [0.0; 3];
    for (row, value) in out.iter_mut().enumerate() {
        *value = matrix[0][row] * point[0]
            + matrix[1][row] * point[1]
            + matrix[2][row] * point[2]
            + matrix[3][row];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../assets/models/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("bundled model")
    }

    /// The model's height: the top of its highest vertex above the lowest, in model space.
    fn height(model: &Model) -> f32 {
        let ys = model.parts.iter().flat_map(|part| {
            part.positions
                .iter()
                .map(|&point| transform_point(&part.transform, point)[1])
        });
        let (low, high) = ys.fold((f32::INFINITY, f32::NEG_INFINITY), |(low, high), y| {
            (low.min(y), high.max(y))
        });
        high - low
    }

    #[test]
    fn the_iconic_complex_reads_with_its_parts_materials_and_height() {
        let model = read_glb(&bundled("iconic_complex.glb")).expect("reads");
        let names: BTreeSet<&str> = model.parts.iter().map(|part| part.name.as_str()).collect();
        assert!(
            names.contains("MainTower") && names.contains("Podium"),
            "{names:?}"
        );
        assert!(
            (height(&model) - 272.0).abs() < 272.0 * 0.1,
            "{}",
            height(&model)
        );
        let glass = model
            .parts
            .iter()
            .map(|part| part.material)
            .find(|material| material.metallic > 0.5)
            .expect("a glass material");
        assert_eq!(glass.base_colour, [0.42, 0.55, 0.66, 1.0]);
        assert!(model.left_out.is_empty(), "{:?}", model.left_out);
        for part in &model.parts {
            assert_eq!(part.normals.len(), part.positions.len());
            assert_eq!(part.indices.len() % 3, 0);
        }
    }

    #[test]
    fn the_campus_reads() {
        let model = read_glb(&bundled("kaist_campus.glb")).expect("reads");
        assert!(model.parts.len() >= 3, "{}", model.parts.len());
    }

    #[test]
    fn garbage_and_truncated_files_are_refused_with_the_reason() {
        let error = read_glb(b"not a model at all").expect_err("garbage");
        assert!(matches!(error, GlbError::Invalid(_)), "{error:?}");
        assert!(
            error.to_string().starts_with("not a valid glTF file"),
            "{error}"
        );
        let whole = bundled("kaist_campus.glb");
        assert!(read_glb(&whole[..whole.len() / 2]).is_err(), "half a file");
    }

    #[test]
    fn matrices_compose_parent_first() {
        let translate = |x: f32| {
            let mut matrix = IDENTITY;
            matrix[3][0] = x;
            matrix
        };
        let mut scale = IDENTITY;
        scale[0][0] = 2.0;
        // Parent scales by 2, child moves by 3: the child's origin lands at 6.
        let child_in_model = multiply(&scale, &translate(3.0));
        assert_eq!(transform_point(&child_in_model, [0.0; 3]), [6.0, 0.0, 0.0]);
        assert_eq!(
            transform_point(&child_in_model, [1.0, 1.0, 1.0]),
            [8.0, 1.0, 1.0]
        );
    }

    #[test]
    fn missing_normals_are_made_from_the_triangles() {
        let positions = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, -1.0]];
        let normals = flat_normals(&positions, &[0, 1, 2]);
        assert_eq!(normals, vec![[0.0, 1.0, 0.0]; 3]);
    }
}
