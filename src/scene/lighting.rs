//! Sun and ambient light: a soft afternoon sun from the south-west whose shadows reach a few
//! kilometres from the eye (the landmarks and the blocks around them), and a sky-tinted ambient
//! that keeps shaded walls readable.

use bevy::light::CascadeShadowConfigBuilder;
use bevy::prelude::*;

use crate::world::palette;

pub(super) fn plugin(app: &mut App) {
    app.insert_resource(GlobalAmbientLight {
        color: palette::HAZE,
        brightness: 1_100.0,
        ..default()
    })
    .add_systems(Startup, spawn_sun);
}

fn spawn_sun(mut commands: Commands) {
    commands.spawn((
        Name::new("Sun"),
        DirectionalLight {
            color: palette::SUN,
            illuminance: 9_000.0,
            shadow_maps_enabled: true,
            ..default()
        },
        CascadeShadowConfigBuilder {
            num_cascades: 1,
            minimum_distance: 10.0,
            maximum_distance: 4_000.0,
            ..default()
        }
        .build(),
        // Afternoon sun from the south-west, 38 degrees high.
        Transform::from_rotation(Quat::from_euler(
            EulerRot::YXZ,
            (-135_f32).to_radians(),
            (-38_f32).to_radians(),
            0.0,
        )),
    ));
}
