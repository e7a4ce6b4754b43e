//! Direct manipulation of the camera goal: mouse drag and wheel, one- and two-finger touch, keys.
//! Each frame the visitor does any of it emits one [`VisitorActivity`] per kind of input.
//!
//! Left drag orbits, right drag (or shift + left drag) pans, the wheel (and a trackpad pinch)
//! zooms towards the point under the cursor; one finger orbits, two fingers pan, pinch-zoom and
//! twist to turn, held exactly under the fingers (`model::gesture`);
//! arrows/WASD pan, +/- zoom, Q/E rotate, Home resets.

use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit};
use bevy::input::touch::Touches;
use bevy::prelude::*;

use bevy::window::PrimaryWindow;

use super::commands::CameraCommand;
use super::orbit::OrbitCamera;
use crate::AppSystems;
use crate::model::camera_pose::CameraPose;
use crate::model::gesture::{Finger, Lens, ORBIT_DEG_PER_PX, TouchGesture};
use crate::world::activity::{ActivitySource, VisitorActivity};
use crate::world::ground::Ground;
use crate::world::phase::{AppPhase, DirectInput};

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
        (
            note_visitor_activity
                .in_set(AppSystems::ReadInput)
                .run_if(in_state(AppPhase::Ready)),
            (steer_with_mouse, steer_with_touch, steer_with_keys).in_set(DirectInput),
        ),
    );
}

/// A trackpad pinch over the 3D view (the browser's wheel event with `ctrlKey`, which the page
/// keeps from zooming the page): `delta_y_px` as the browser gives it, negative when spreading.
/// It zooms towards the cursor by `exp(delta / 100)`, the scale the browser derived it from, so
/// a pinch zooms as much as the fingers spread.
#[derive(Message, Clone, Copy, Debug, PartialEq)]
pub struct TrackpadPinch {
    /// The wheel event's vertical delta, pixels.
    pub delta_y_px: f32,
}

/// One [`VisitorActivity`] per kind of input the visitor used this frame: a press or a drag of
/// the mouse, the wheel, a finger, a key. In every mode, even where direct input does not steer
/// (a touch on a kiosk's attract loop must wake it).
fn note_visitor_activity(
    buttons: Res<ButtonInput<MouseButton>>,
    motion: Res<AccumulatedMouseMotion>,
    scroll: Res<AccumulatedMouseScroll>,
    touches: Res<Touches>,
    keys: Res<ButtonInput<KeyCode>>,
    mut pinches: MessageReader<TrackpadPinch>,
    mut activity: MessageWriter<VisitorActivity>,
) {
    let pressed = buttons.get_just_pressed().next().is_some();
    let dragged = buttons.get_pressed().next().is_some() && motion.delta != Vec2::ZERO;
    let used = [
        (pressed || dragged, ActivitySource::Pointer),
        (
            scroll.delta != Vec2::ZERO || pinches.read().next().is_some(),
            ActivitySource::Wheel,
        ),
        (
            touches.iter().next().is_some() || touches.iter_just_released().next().is_some(),
            ActivitySource::Touch,
        ),
        (
            keys.get_just_pressed().next().is_some(),
            ActivitySource::Keys,
        ),
    ];
    for (happened, source) in used {
        if happened {
            activity.write(VisitorActivity(source));
        }
    }
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

/// Multiplies the orbit distance by `factor` and moves the target towards (or away from) the
/// ground point `(x, z)` by the same factor, so the point under the cursor stays under it.
pub fn zoom_towards(pose: &CameraPose, factor: f32, (x, z): (f32, f32)) -> CameraPose {
    let zoomed = zoom(pose, factor);
    // The factor the limits allowed, not the one asked for: at a limit the target stays put.
    let applied = zoomed.distance / pose.distance;
    CameraPose {
        x: x + (pose.x - x) * applied,
        z: z + (pose.z - z) * applied,
        ..zoomed
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

/// The ground point (x, z) under the cursor, if the cursor is over the view and its ray meets
/// the ground plane at the target's height in front of the camera.
fn ground_under_cursor(
    windows: &Query<&Window, With<PrimaryWindow>>,
    camera: &Camera,
    transform: &GlobalTransform,
    target_height: f32,
) -> Option<(f32, f32)> {
    let cursor = windows.single().ok()?.cursor_position()?;
    let ray = camera.viewport_to_world(transform, cursor).ok()?;
    let along = ray.intersect_plane(
        Vec3::new(0.0, target_height, 0.0),
        InfinitePlane3d::new(Vec3::Y),
    )?;
    let point = ray.get_point(along);
    Some((point.x, point.z))
}

fn steer_with_mouse(
    buttons: Res<ButtonInput<MouseButton>>,
    keys: Res<ButtonInput<KeyCode>>,
    motion: Res<AccumulatedMouseMotion>,
    (scroll, mut pinches): (Res<AccumulatedMouseScroll>, MessageReader<TrackpadPinch>),
    windows: Query<&Window, With<PrimaryWindow>>,
    ground: Option<Res<Ground>>,
    mut cameras: Query<(&mut OrbitCamera, Option<(&Camera, &GlobalTransform)>)>,
) {
    let pinched: f32 = pinches.read().map(|pinch| pinch.delta_y_px).sum();
    let shift = keys.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight]);
    let panning =
        buttons.pressed(MouseButton::Right) || (shift && buttons.pressed(MouseButton::Left));
    let orbiting = !panning && buttons.pressed(MouseButton::Left);
    let lines = match scroll.unit {
        MouseScrollUnit::Line => scroll.delta.y,
        MouseScrollUnit::Pixel => scroll.delta.y / 100.0,
    };
    let zoom_by = ZOOM_PER_LINE.powf(-lines) * (pinched / 100.0).exp();
    if (!orbiting && !panning || motion.delta == Vec2::ZERO) && zoom_by == 1.0 {
        return;
    }
    for (mut camera, view) in &mut cameras {
        let mut goal = if camera.is_flying() {
            camera.current
        } else {
            camera.goal
        };
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
        if zoom_by != 1.0 {
            let factor = zoom_by;
            let target_height = ground.as_ref().map_or(0.0, |g| g.height(goal.x, goal.z));
            goal = match view.and_then(|(lens, transform)| {
                ground_under_cursor(&windows, lens, transform, target_height)
            }) {
                Some(point) => zoom_towards(&goal, factor, point),
                None => zoom(&goal, factor),
            };
        }
        camera.steer(|_| goal);
    }
}

/// Fingers as direct manipulation (`model::gesture`): measured from where they went down, so a
/// gesture is the same in one frame or sixty; the camera is held where the fingers put it.
fn steer_with_touch(
    touches: Res<Touches>,
    windows: Query<&Window, With<PrimaryWindow>>,
    ground: Option<Res<Ground>>,
    mut cameras: Query<(&mut OrbitCamera, Option<&Projection>)>,
    mut gesture: Local<TouchGesture>,
) {
    let finger = |touch: &bevy::input::touch::Touch| Finger {
        id: touch.id(),
        at: touch.position().to_array(),
        went_down_at: touch.start_position().to_array(),
    };
    let down: Vec<Finger> = touches.iter().map(finger).collect();
    let lifted: Vec<Finger> = touches
        .iter_just_released()
        .chain(touches.iter_just_canceled())
        .map(finger)
        .collect();
    if down.is_empty() && lifted.is_empty() && !gesture.is_active() {
        return;
    }
    let Ok(window) = windows.single() else {
        return;
    };
    for (mut camera, projection) in &mut cameras {
        let fov_y_deg = match projection {
            Some(Projection::Perspective(perspective)) => perspective.fov.to_degrees(),
            _ => 40.0,
        };
        let goal = camera.goal;
        let lens = Lens {
            width: window.width(),
            height: window.height(),
            fov_y_deg,
            ground_height_m: ground
                .as_ref()
                .map_or(0.0, |ground| ground.height(goal.x, goal.z).max(0.0)),
        };
        if let Some(pose) = gesture.update(goal, &down, &lifted, &lens) {
            camera.cut_to(pose);
        }
    }
}

fn steer_with_keys(
    keys: Res<ButtonInput<KeyCode>>,
    time: Res<Time>,
    mut camera_commands: MessageWriter<CameraCommand>,
    mut cameras: Query<&mut OrbitCamera>,
) {
    if keys.just_pressed(KeyCode::Home) {
        camera_commands.write(CameraCommand::fly_to(CameraPose::OVERVIEW));
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
        camera.steer(|goal| {
            let goal = pan(
                goal,
                right * KEY_PAN_PER_S * dt,
                forward * KEY_PAN_PER_S * dt,
            );
            let goal = orbit(&goal, rotate * KEY_ROTATE_DEG_PER_S * dt, 0.0);
            zoom(&goal, KEY_ZOOM_PER_S.powf(-zoom_in * dt))
        });
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
    fn zooming_towards_a_point_keeps_it_under_the_cursor() {
        let point = (400.0, -300.0);
        let closer = zoom_towards(&NORTH, 0.5, point);
        assert!((closer.distance - 500.0).abs() < 1e-3);
        // The target moved halfway to the point: the point keeps its place in the view.
        assert!(
            (closer.x - 200.0).abs() < 1e-3 && (closer.z + 150.0).abs() < 1e-3,
            "{closer:?}"
        );
        let farther = zoom_towards(&NORTH, 2.0, point);
        assert!(
            (farther.x + 400.0).abs() < 1e-3 && (farther.z - 300.0).abs() < 1e-3,
            "zooming out moves away from the point: {farther:?}"
        );
        // At the closest distance, more zoom neither zooms nor slides the target.
        let closest = CameraPose {
            distance: crate::model::camera_pose::MIN_DISTANCE_M,
            ..NORTH
        };
        assert_eq!(zoom_towards(&closest, 0.5, point), closest);
        // And the target never leaves the city.
        let edge = zoom_towards(&NORTH, 0.5, (1e9, 0.0));
        assert_eq!(edge.x, crate::model::camera_pose::TARGET_EXTENT_M);
    }

    #[test]
    fn orbit_never_tips_below_the_horizon() {
        let low = orbit(&NORTH, 0.0, -500.0);
        assert_eq!(low.pitch, crate::model::camera_pose::MIN_PITCH_DEG);
        assert_eq!(orbit(&NORTH, -30.0, 0.0).yaw, 330.0);
    }

    /// The controls in a headless app, as in a ready app in `mode`; input resources by hand.
    fn app_in(mode: crate::world::phase::AppMode) -> App {
        use crate::world::phase::AppPhase;
        let mut app = App::new();
        app.add_plugins(MinimalPlugins)
            .add_plugins(crate::world::tests::headless_world)
            .add_plugins((super::super::motion_plugin, plugin))
            .init_resource::<ButtonInput<KeyCode>>()
            .init_resource::<ButtonInput<MouseButton>>()
            .init_resource::<AccumulatedMouseMotion>()
            .init_resource::<AccumulatedMouseScroll>()
            .init_resource::<Touches>();
        crate::configure_app_systems(&mut app);
        app.world_mut().spawn(OrbitCamera::new(NORTH));
        app.world_mut()
            .resource_mut::<NextState<AppPhase>>()
            .set(AppPhase::Ready);
        app.update();
        app.world_mut()
            .resource_mut::<NextState<crate::world::phase::AppMode>>()
            .set(mode);
        app.update();
        app
    }

    fn drain<M: Message>(app: &mut App) -> Vec<M> {
        app.world_mut()
            .resource_mut::<Messages<M>>()
            .drain()
            .collect()
    }

    fn goal(app: &mut App) -> CameraPose {
        let mut query = app.world_mut().query::<&OrbitCamera>();
        query.single(app.world()).expect("one orbit camera").goal
    }

    /// Presses the left button and moves the mouse by `by` pixels this frame.
    fn drag(app: &mut App, by: Vec2) {
        app.world_mut()
            .resource_mut::<ButtonInput<MouseButton>>()
            .press(MouseButton::Left);
        app.world_mut()
            .resource_mut::<AccumulatedMouseMotion>()
            .delta = by;
        app.update();
    }

    #[test]
    fn home_key_asks_for_the_overview() {
        use crate::world::phase::AppMode;
        let mut app = app_in(AppMode::Explore);
        drain::<CameraCommand>(&mut app);
        app.world_mut()
            .resource_mut::<ButtonInput<KeyCode>>()
            .press(KeyCode::Home);
        app.update();
        assert_eq!(
            drain::<CameraCommand>(&mut app),
            [CameraCommand::fly_to(CameraPose::OVERVIEW)]
        );
        assert!(
            drain::<VisitorActivity>(&mut app).contains(&VisitorActivity(ActivitySource::Keys)),
            "a key on the view is visitor activity"
        );
    }

    #[test]
    fn a_drag_orbits_and_emits_activity() {
        use crate::world::phase::AppMode;
        let mut app = app_in(AppMode::Explore);
        drain::<VisitorActivity>(&mut app);
        drag(&mut app, Vec2::new(40.0, 0.0));
        assert_eq!(
            drain::<VisitorActivity>(&mut app),
            [VisitorActivity(ActivitySource::Pointer)],
            "one activity message for the drag"
        );
        assert!(
            (goal(&mut app).yaw - 10.0).abs() < 1e-3,
            "40 px orbit 10 degrees: {:?}",
            goal(&mut app)
        );
    }

    #[test]
    fn the_attract_mode_switches_direct_input_off() {
        use crate::world::phase::AppMode;
        let mut app = app_in(AppMode::Attract);
        drain::<VisitorActivity>(&mut app);
        drag(&mut app, Vec2::new(40.0, 0.0));
        assert_eq!(
            goal(&mut app),
            NORTH,
            "the drag does not steer in attract mode"
        );
        assert_eq!(
            drain::<VisitorActivity>(&mut app),
            [VisitorActivity(ActivitySource::Pointer)],
            "but it is activity: a touch wakes a kiosk"
        );
    }
}
