//! Sun, ambient light and sky colour.

use bevy::prelude::*;

use super::palette;

pub(super) fn plugin(app: &mut App) {
    app.insert_resource(ClearColor(palette::HAZE))
        .insert_resource(GlobalAmbientLight {
            color: palette::HAZE,
            brightness: 900.0,
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
            // Shadows come with the landmarks; the placeholder needs none.
            shadow_maps_enabled: false,
            ..default()
        },
        // Afternoon sun from the south-west, 40 degrees high.
        Transform::from_rotation(Quat::from_euler(
            EulerRot::YXZ,
            (-135_f32).to_radians(),
            (-40_f32).to_radians(),
            0.0,
        )),
    ));
}
