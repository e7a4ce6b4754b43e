//! Direct manipulation of the camera goal: mouse drag and wheel, one- and two-finger touch, keys.
//!
//! Left drag orbits, right drag (or shift + left drag) pans, the wheel zooms; one finger orbits,
//! two fingers pan and pinch-zoom; arrows/WASD pan, +/- zoom, Q/E rotate, Home resets.

use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit};
use bevy::input::touch::Touches;
use bevy::prelude::*;

use super::orbit::OrbitCamera;
use crate::AppSystems;
use crate::model::camera_pose::CameraPose;
use crate::state::Intent;

/// Degrees of orbit per pixel dragged.
const ORBIT_DEG_PER_PX: f32 = 0.25;
/// Fraction of the orbit distance the target moves per pixel panned.
const PAN_PER_PX: f32 = 0.0015;
/// Zoom factor per wheel line (one notch).
const ZOOM_PER_LINE: f32 = 1.15;
/// Key pan speed as a fraction of the orbit distance per second.
const KEY_PAN_PER_S: f32 = 0.8;
/// Key rotation speed, degrees per second.
const KEY_ROTATE_DEG_PER_S: f32 = 60.0;
/// Key zoom factor per second.
const KEY_ZOOM_PER_S: f32 = 2.5;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (steer_with_mouse, steer_with_touch, steer_with_keys).in_set(AppSystems::ReadInput),
    );
}

/// Rotates the pose by `yaw` and `pitch` degrees.
pub fn orbit(pose: &CameraPose, yaw: f32, pitch: f32) -> CameraPose {
    CameraPose {
        yaw: pose.yaw + yaw,
        pitch: pose.pitch + pitch,
        ..*pose
    }
    .clamped()
}

/// Moves the target by `right` and `forward` fractions of the orbit distance, along the ground
/// relative to the view heading.
pub fn pan(pose: &CameraPose, right: f32, forward: f32) -> CameraPose {
    let yaw = pose.yaw.to_radians();
    let (east, south) = (
        right * yaw.cos() + forward * yaw.sin(),
        right * yaw.sin() - forward * yaw.cos(),
    );
    CameraPose {
        x: pose.x + east * pose.distance,
        z: pose.z + south * pose.distance,
        ..*pose
    }
    .clamped()
}

/// Multiplies the orbit distance by `factor` (below 1 zooms in).
pub fn zoom(pose: &CameraPose, factor: f32) -> CameraPose {
    CameraPose {
        distance: pose.distance * factor,
        ..*pose
    }
    .clamped()
}

fn steer_with_mouse(
    buttons: Res<ButtonInput<MouseButton>>,
    keys: Res<ButtonInput<KeyCode>>,
    motion: Res<AccumulatedMouseMotion>,
    scroll: Res<AccumulatedMouseScroll>,
    mut cameras: Query<&mut OrbitCamera>,
) {
    let shift = keys.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight]);
    let panning =
        buttons.pressed(MouseButton::Right) || (shift && buttons.pressed(MouseButton::Left));
    let orbiting = !panning && buttons.pressed(MouseButton::Left);
    let lines = match scroll.unit {
        MouseScrollUnit::Line => scroll.delta.y,
        MouseScrollUnit::Pixel => scroll.delta.y / 100.0,
    };
    if motion.delta == Vec2::ZERO && lines == 0.0 {
        return;
    }
    for mut camera in &mut cameras {
        let mut goal = camera.goal;
        if orbiting {
            goal = orbit(
                &goal,
                motion.delta.x * ORBIT_DEG_PER_PX,
                motion.delta.y * ORBIT_DEG_PER_PX,
            );
        } else if panning {
            goal = pan(
                &goal,
                -motion.delta.x * PAN_PER_PX,
                motion.delta.y * PAN_PER_PX,
            );
        }
        if lines != 0.0 {
            goal = zoom(&goal, ZOOM_PER_LINE.powf(-lines));
        }
        camera.goal = goal;
    }
}

fn steer_with_touch(touches: Res<Touches>, mut cameras: Query<&mut OrbitCamera>) {
    let active: Vec<_> = touches.iter().collect();
    let (orbit_by, pan_by, zoom_by) = match active.as_slice() {
        [one] => (one.delta(), Vec2::ZERO, 1.0),
        [a, b, ..] => {
            let before = a.previous_position().distance(b.previous_position());
            let now = a.position().distance(b.position());
            let factor = if now > 1.0 && before > 1.0 {
                before / now
            } else {
                1.0
            };
            (Vec2::ZERO, (a.delta() + b.delta()) / 2.0, factor)
        }
        [] => return,
    };
    for mut camera in &mut cameras {
        let mut goal = camera.goal;
        goal = orbit(
            &goal,
            orbit_by.x * ORBIT_DEG_PER_PX,
            orbit_by.y * ORBIT_DEG_PER_PX,
        );
        goal = pan(&goal, -pan_by.x * PAN_PER_PX, pan_by.y * PAN_PER_PX);
        goal = zoom(&goal, zoom_by);
        camera.goal = goal;
    }
}

fn steer_with_keys(
    keys: Res<ButtonInput<KeyCode>>,
    time: Res<Time>,
    mut intents: MessageWriter<Intent>,
    mut cameras: Query<&mut OrbitCamera>,
) {
    if keys.just_pressed(KeyCode::Home) {
        intents.write(Intent::ResetView);
        return;
    }
    let axis = |plus: [KeyCode; 2], minus: [KeyCode; 2]| {
        f32::from(u8::from(keys.any_pressed(plus))) - f32::from(u8::from(keys.any_pressed(minus)))
    };
    let right = axis(
        [KeyCode::ArrowRight, KeyCode::KeyD],
        [KeyCode::ArrowLeft, KeyCode::KeyA],
    );
    let forward = axis(
        [KeyCode::ArrowUp, KeyCode::KeyW],
        [KeyCode::ArrowDown, KeyCode::KeyS],
    );
    let rotate = axis(
        [KeyCode::KeyE, KeyCode::KeyE],
        [KeyCode::KeyQ, KeyCode::KeyQ],
    );
    let zoom_in = axis(
        [KeyCode::Equal, KeyCode::NumpadAdd],
        [KeyCode::Minus, KeyCode::NumpadSubtract],
    );
    if right == 0.0 && forward == 0.0 && rotate == 0.0 && zoom_in == 0.0 {
        return;
    }
    let dt = time.delta_secs();
    for mut camera in &mut cameras {
        let mut goal = camera.goal;
        goal = pan(
            &goal,
            right * KEY_PAN_PER_S * dt,
            forward * KEY_PAN_PER_S * dt,
        );
        goal = orbit(&goal, rotate * KEY_ROTATE_DEG_PER_S * dt, 0.0);
        goal = zoom(&goal, KEY_ZOOM_PER_S.powf(-zoom_in * dt));
        camera.goal = goal;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NORTH: CameraPose = CameraPose {
        x: 0.0,
        z: 0.0,
        distance: 1000.0,
        yaw: 0.0,
        pitch: 45.0,
    };

    #[test]
    fn panning_forward_moves_along_the_view_heading() {
        let north = pan(&NORTH, 0.0, 0.5);
        assert!(
            north.x.abs() < 1e-3 && (north.z + 500.0).abs() < 1e-3,
            "{north:?}"
        );
        let east_facing = CameraPose { yaw: 90.0, ..NORTH };
        let moved = pan(&east_facing, 0.0, 0.5);
        assert!(
            (moved.x - 500.0).abs() < 1e-3 && moved.z.abs() < 1e-3,
            "{moved:?}"
        );
        let right = pan(&NORTH, 0.5, 0.0);
        assert!(
            (right.x - 500.0).abs() < 1e-3,
            "right of north is east: {right:?}"
        );
    }

    #[test]
    fn zoom_scales_with_distance_and_respects_limits() {
        assert!((zoom(&NORTH, 0.5).distance - 500.0).abs() < 1e-3);
        assert_eq!(
            zoom(&NORTH, 1e-6).distance,
            crate::model::camera_pose::MIN_DISTANCE_M
        );
        assert_eq!(
            zoom(&NORTH, 1e6).distance,
            crate::model::camera_pose::MAX_DISTANCE_M
        );
    }

    #[test]
    fn orbit_never_tips_below_the_horizon() {
        let low = orbit(&NORTH, 0.0, -500.0);
        assert_eq!(low.pitch, crate::model::camera_pose::MIN_PITCH_DEG);
        assert_eq!(orbit(&NORTH, -30.0, 0.0).yaw, 330.0);
    }

    #[test]
    fn home_key_asks_for_the_overview() {
        let mut app = App::new();
        app.add_plugins(MinimalPlugins)
            .init_resource::<ButtonInput<KeyCode>>()
            .add_message::<Intent>()
            .add_systems(Update, steer_with_keys);
        app.world_mut().spawn(OrbitCamera::new(NORTH));
        app.world_mut()
            .resource_mut::<ButtonInput<KeyCode>>()
            .press(KeyCode::Home);
        app.update();
        let intents: Vec<Intent> = app
            .world_mut()
            .resource_mut::<Messages<Intent>>()
            .drain()
            .collect();
        assert_eq!(intents, [Intent::ResetView]);
    }
}
