//! The sky: a dome graded from haze at the horizon to blue overhead that travels with the
//! camera, and the distance haze (fog) that blends the land into it.

use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::prelude::*;

use super::mesh_builder::coloured_mesh;
use crate::AppSystems;
use crate::model::terrain::smoothstep;
use crate::world::palette;

/// Radius of the sky dome, metres: inside the camera's far plane.
const SKY_RADIUS_M: f32 = 350_000.0;

pub(super) fn plugin(app: &mut App) {
    app.insert_resource(ClearColor(palette::HAZE_RADIANCE))
        .add_systems(Startup, spawn_sky)
        .add_systems(Update, follow_camera.in_set(AppSystems::Render));
}

/// The dome.
#[derive(Component)]
struct SkyDome;

/// A hemisphere (and a skirt below the horizon) seen from inside, coloured by elevation.
fn dome_mesh() -> Mesh {
    const RINGS: usize = 16;
    const SEGMENTS: usize = 32;
    let (haze, zenith) = (
        palette::HAZE_RADIANCE.to_linear(),
        palette::ZENITH_RADIANCE.to_linear(),
    );
    let mut positions = Vec::new();
    let mut colours = Vec::new();
    for ring in 0..=RINGS {
        // From 30 degrees below the horizon (haze, under the far terrain) to the zenith; the
        // haze holds for the first degrees above the horizon, where the far land fades into it.
        let elevation = (-30.0 + 120.0 * ring as f32 / RINGS as f32).to_radians();
        let t = smoothstep(0.02, 0.6, elevation.sin());
        let colour = haze.mix(&zenith, t).to_f32_array();
        for segment in 0..=SEGMENTS {
            let azimuth = std::f32::consts::TAU * segment as f32 / SEGMENTS as f32;
            positions.push([
                elevation.cos() * azimuth.cos(),
                elevation.sin(),
                elevation.cos() * azimuth.sin(),
            ]);
            colours.push(colour);
        }
    }
    let mut indices = Vec::new();
    let stride = (SEGMENTS + 1) as u32;
    for ring in 0..RINGS as u32 {
        for segment in 0..SEGMENTS as u32 {
            let a = ring * stride + segment;
            let (b, c, d) = (a + 1, a + stride, a + stride + 1);
            // Wound to face inwards.
            indices.extend([a, b, c, b, d, c]);
        }
    }
    let normals = positions
        .iter()
        .map(|p| [-p[0], -p[1], -p[2]])
        .collect::<Vec<_>>();
    coloured_mesh(positions, normals, colours, indices)
}

fn spawn_sky(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    commands.spawn((
        Name::new("Sky"),
        SkyDome,
        Mesh3d(meshes.add(dome_mesh())),
        MeshMaterial3d(materials.add(StandardMaterial {
            base_color: Color::WHITE,
            unlit: true,
            fog_enabled: false,
            cull_mode: None,
            ..default()
        })),
        Transform::from_scale(Vec3::splat(SKY_RADIUS_M)),
        NotShadowCaster,
        NotShadowReceiver,
    ));
}

fn follow_camera(
    camera: Single<&Transform, (With<Camera3d>, Without<SkyDome>)>,
    mut sky: Single<&mut Transform, With<SkyDome>>,
) {
    // Centred on the eye, so the haze band sits on the horizon from any height.
    sky.translation = camera.translation;
}
