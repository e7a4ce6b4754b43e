//! The `.glb` loader for the landmark models: the file is read by the model crate's
//! [`read_glb`](crate::model::glb::read_glb) into parts (a mesh, a material and a transform
//! each), added as labelled sub-assets; a landmark's parts are spawned as its children once the
//! model is in. No scene system and no reflection: the models hold nothing but meshes.

use bevy::asset::io::Reader;
use bevy::asset::{AssetLoader, LoadContext, RenderAssetUsages};
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;
use bevy::render::render_resource::Face;

use super::mesh_builder::with_city_vertex_layout;
use crate::model::glb::{Model, ModelPart, read_glb};

pub(super) fn plugin(app: &mut App) {
    app.init_asset::<LandmarkModel>()
        .register_asset_loader(GlbModelLoader);
}

/// A landmark model: its parts, ready to spawn.
#[derive(Asset, TypePath, Debug)]
pub struct LandmarkModel {
    /// The drawable parts.
    pub parts: Vec<LandmarkPart>,
}

/// One part of a landmark model.
#[derive(Debug)]
pub struct LandmarkPart {
    /// The node's name in the file.
    pub name: String,
    /// Its triangles.
    pub mesh: Handle<Mesh>,
    /// Its look.
    pub material: Handle<StandardMaterial>,
    /// Where it sits in the model.
    pub transform: Transform,
}

/// The landmark entity's model file.
#[derive(Component, Debug)]
pub struct LandmarkModelRoot(pub Handle<LandmarkModel>);

/// Reads `.glb` files as [`LandmarkModel`]s.
#[derive(TypePath, Default)]
pub struct GlbModelLoader;

/// Why a `.glb` could not be loaded.
#[derive(Debug)]
pub enum GlbLoadError {
    /// The file could not be read.
    Io(std::io::Error),
    /// Its contents are not a model (the reader's words).
    Model(crate::model::glb::GlbError),
}

impl std::fmt::Display for GlbLoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GlbLoadError::Io(error) => write!(f, "cannot read the file: {error}"),
            GlbLoadError::Model(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for GlbLoadError {}

impl AssetLoader for GlbModelLoader {
    type Asset = LandmarkModel;
    type Settings = ();
    type Error = GlbLoadError;

    async fn load(
        &self,
        reader: &mut dyn Reader,
        _settings: &(),
        load_context: &mut LoadContext<'_>,
    ) -> Result<LandmarkModel, GlbLoadError> {
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .await
            .map_err(GlbLoadError::Io)?;
        let model = read_glb(&bytes).map_err(GlbLoadError::Model)?;
        if !model.left_out.is_empty() {
            let left_out: Vec<&str> = model.left_out.iter().copied().collect();
            warn!(
                "{}: shown without its {}",
                load_context.path(),
                left_out.join(", ")
            );
        }
        Ok(add_parts(model, load_context))
    }

    fn extensions(&self) -> &[&str] {
        &["glb"]
    }
}

fn add_parts(model: Model, load_context: &mut LoadContext<'_>) -> LandmarkModel {
    let parts = model
        .parts
        .into_iter()
        .enumerate()
        .map(|(index, part)| {
            let name = part.name.clone();
            let transform = Transform::from_matrix(Mat4::from_cols_array_2d(&part.transform));
            let material =
                load_context.add_labeled_asset(format!("Material{index}"), part_material(&part));
            let mesh = load_context.add_labeled_asset(format!("Mesh{index}"), part_mesh(part));
            LandmarkPart {
                name,
                mesh,
                material,
                transform,
            }
        })
        .collect();
    LandmarkModel { parts }
}

fn part_mesh(part: ModelPart) -> Mesh {
    // Kept in the main world too: the run-time check measures it, and picking casts rays at the
    // bounds Bevy computes from it.
    let mut mesh = Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::default(),
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, part.positions)
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, part.normals)
    .with_inserted_indices(Indices::U32(part.indices));
    if let Some(colours) = part.colours {
        mesh.insert_attribute(Mesh::ATTRIBUTE_COLOR, colours);
    }
    with_city_vertex_layout(mesh)
}

fn part_material(part: &ModelPart) -> StandardMaterial {
    let look = part.material;
    let [r, g, b, a] = look.base_colour;
    let [er, eg, eb] = look.emissive;
    StandardMaterial {
        base_color: Color::linear_rgba(r, g, b, a),
        metallic: look.metallic,
        perceptual_roughness: look.roughness,
        emissive: LinearRgba::rgb(er, eg, eb),
        alpha_mode: if look.blend {
            AlphaMode::Blend
        } else {
            AlphaMode::Opaque
        },
        double_sided: look.double_sided,
        cull_mode: if look.double_sided {
            None
        } else {
            Some(Face::Back)
        },
        ..default()
    }
}

/// Spawns the parts of `model` as children of `landmark`.
pub fn spawn_parts(commands: &mut Commands, landmark: Entity, model: &LandmarkModel) {
    commands.entity(landmark).with_children(|children| {
        for part in &model.parts {
            children.spawn((
                Name::new(part.name.clone()),
                Mesh3d(part.mesh.clone()),
                MeshMaterial3d(part.material.clone()),
                part.transform,
            ));
        }
    });
}
