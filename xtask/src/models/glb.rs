//! The binary glTF 2.0 writer: one buffer, an accessor per attribute, a mesh and a named node
//! per part under the model's root node, PBR metallic-roughness materials, written with the
//! `gltf` crate's JSON types.

use std::borrow::Cow;
use std::collections::BTreeMap;

use anyhow::{Context, Result};
use gltf::json;
use json::validation::Checked::Valid;
use json::validation::USize64;

use super::{GENERATOR, Model};

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
