//! The orbit camera entity: its current and goal [`CameraPose`], the flight or the easing
//! between them, and the transform that follows from the current pose.

use bevy::core_pipeline::tonemapping::Tonemapping;
use bevy::pbr::{DistanceFog, FogFalloff};
use bevy::prelude::*;

use crate::model::camera_pose::CameraPose;
use crate::model::flight::Flight;
use crate::world::ground::Ground;
use crate::world::palette;
use crate::world::phase::AppPhase;

/// How fast the camera closes on its goal: the fraction left after one second is `exp(-RATE)`.
const EASING_RATE_PER_S: f32 = 6.0;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn_camera)
        .add_systems(OnEnter(AppPhase::Ready), start_drawing);
}

/// The motion of the camera, without the entity or the controls: flights and easing, then the
/// transform (headless tests use it alone).
pub(super) fn motion_plugin(app: &mut App) {
    app.add_systems(
        Update,
        (advance_flights_and_easing, place_camera)
            .chain()
            .in_set(CameraMotion),
    );
}

/// The camera moves (after its commands are applied) and its transform follows.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CameraMotion;

/// An orbit camera: where it is now, where it is going, and the flight taking it there.
#[derive(Component, Clone, Debug, PartialEq)]
pub struct OrbitCamera {
    /// The pose drawn this frame.
    pub current: CameraPose,
    /// The pose the camera flies or eases towards.
    pub goal: CameraPose,
    /// The flight under way, if any (the visitor's own steering eases instead).
    flight: Option<FlightUnderWay>,
}

/// A flight and how long it has been flying.
#[derive(Clone, Debug, PartialEq)]
struct FlightUnderWay {
    flight: Flight,
    elapsed_s: f32,
}

impl OrbitCamera {
    /// A camera resting at `pose`.
    pub fn new(pose: CameraPose) -> Self {
        Self {
            current: pose,
            goal: pose,
            flight: None,
        }
    }

    /// Jumps to `pose` at once, with no flight.
    pub fn cut_to(&mut self, pose: CameraPose) {
        self.current = pose;
        self.goal = pose;
        self.flight = None;
    }

    /// Flies from where the camera is now along `flight` (whose `from` is replaced by the
    /// current pose).
    pub fn fly(&mut self, flight: Flight) {
        let flight = Flight {
            from: self.current,
            ..flight
        };
        self.goal = flight.to;
        self.flight = Some(FlightUnderWay {
            flight,
            elapsed_s: 0.0,
        });
    }

    /// Whether a flight is under way.
    pub fn is_flying(&self) -> bool {
        self.flight.is_some()
    }

    /// The visitor steers: any flight stops where the camera is, and the goal becomes
    /// `steer(goal)` (the camera eases towards it).
    pub fn steer(&mut self, steer: impl FnOnce(&CameraPose) -> CameraPose) {
        if self.flight.take().is_some() {
            self.goal = self.current;
        }
        self.goal = steer(&self.goal);
    }
}

/// Closest the eye may come to the ground below it, metres.
const EYE_CLEARANCE_M: f32 = 25.0;

/// The transform of an eye at `pose`, looking at its target on the ground; `ground_height`
/// gives the terrain's height at a point (the eye is lifted to stay above it).
pub fn camera_transform(pose: &CameraPose, ground_height: impl Fn(f32, f32) -> f32) -> Transform {
    let target = Vec3::new(pose.x, ground_height(pose.x, pose.z).max(0.0), pose.z);
    let mut eye = target + Vec3::from_array(pose.eye_offset());
    eye.y = eye
        .y
        .max(ground_height(eye.x, eye.z).max(0.0) + EYE_CLEARANCE_M);
    Transform::from_translation(eye).looking_at(target, Vec3::Y)
}

/// Flat ground at the water's level, where no terrain exists (headless tests).
fn flat_ground(_x: f32, _z: f32) -> f32 {
    0.0
}

fn spawn_camera(mut commands: Commands) {
    let pose = CameraPose::OVERVIEW;
    commands.spawn((
        Name::new("Orbit camera"),
        Camera3d::default(),
        // Nothing is drawn until the city is built: the loading screen covers the canvas, and
        // frames of a half-built city would only slow the loading down (a software renderer
        // takes a second or more per frame).
        Camera {
            is_active: false,
            ..default()
        },
        Projection::Perspective(PerspectiveProjection {
            fov: 40_f32.to_radians(),
            near: near_plane_for(&pose),
            far: 400_000.0,
            ..default()
        }),
        // The neutral tonemappers need LUTs we do not ship; this one needs none.
        Tonemapping::ReinhardLuminance,
        DistanceFog {
            color: palette::HAZE_RADIANCE,
            directional_light_color: palette::SUN_GLARE,
            directional_light_exponent: 20.0,
            // Haze that barely touches the city at overview distance (~15 % at 56 km), softens
            // the far plain and hides the terrain's edge in the sky's horizon band.
            falloff: FogFalloff::from_visibility_squared(260_000.0),
        },
        OrbitCamera::new(pose),
        camera_transform(&pose, flat_ground),
        // Four taps per shadow lookup: the default Gaussian filter's many taps cost too much on
        // software renderers (kiosks without a GPU, CI).
        bevy::light::ShadowFilteringMethod::Hardware2x2,
    ));
}

/// The city is built: the camera starts drawing it.
fn start_drawing(mut cameras: Query<&mut Camera, With<OrbitCamera>>) {
    for mut camera in &mut cameras {
        camera.is_active = true;
    }
}

/// A flight follows its path in time; otherwise the camera eases towards its goal.
fn advance_flights_and_easing(time: Res<Time>, mut cameras: Query<&mut OrbitCamera>) {
    let dt = time.delta_secs();
    let t = 1.0 - (-EASING_RATE_PER_S * dt).exp();
    for mut camera in &mut cameras {
        if let Some(under_way) = camera.flight.as_mut() {
            under_way.elapsed_s += dt;
            let (flight, elapsed_s) = (under_way.flight, under_way.elapsed_s);
            camera.current = flight.pose_at(elapsed_s);
            if flight.is_over(elapsed_s) {
                camera.flight = None;
            }
            continue;
        }
        if camera.current.approx_eq(&camera.goal) {
            if camera.current != camera.goal {
                camera.current = camera.goal;
            }
            continue;
        }
        let goal = camera.goal;
        camera.current = camera.current.lerp_towards(&goal, t);
    }
}

/// The near clip plane for a pose: as far out as the view allows, because depth precision on
/// WebGL 2 (and SwiftShader) is too coarse at 40 km to keep water and roads above the plain with
/// a fixed near plane of a few metres.
pub fn near_plane_for(pose: &CameraPose) -> f32 {
    (pose.distance * 0.02).clamp(1.0, 1_000.0)
}

fn place_camera(
    mut cameras: Query<(Ref<OrbitCamera>, &mut Transform, &mut Projection)>,
    ground: Option<Res<Ground>>,
) {
    let new_ground = ground.as_ref().is_some_and(|ground| ground.is_changed());
    for (camera, mut transform, mut projection) in &mut cameras {
        if !camera.is_changed() && !new_ground {
            continue;
        }
        *transform = match ground.as_deref() {
            Some(ground) => camera_transform(&camera.current, |x, z| ground.height(x, z)),
            None => camera_transform(&camera.current, flat_ground),
        };
        if let Projection::Perspective(perspective) = projection.as_mut() {
            perspective.near = near_plane_for(&camera.current);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_sits_on_the_ground_and_the_eye_never_dips_under_a_hill() {
        // A ridge 3,000 m high everywhere south of z = 1,000 (behind an eye looking north).
        let ridge = |_x: f32, z: f32| if z > 1_000.0 { 3_000.0 } else { 150.0 };
        let pose = CameraPose {
            x: 0.0,
            z: 0.0,
            distance: 4_000.0,
            yaw: 0.0,
            pitch: 10.0,
        };
        let transform = camera_transform(&pose, ridge);
        assert!(
            transform.translation.y >= 3_000.0 + EYE_CLEARANCE_M - 0.01,
            "the eye is lifted over the ridge: {transform:?}"
        );
        let target = Vec3::new(0.0, 150.0, 0.0);
        let towards_target = (target - transform.translation).normalize();
        assert!(
            transform.forward().dot(towards_target) > 0.9999,
            "still looks at the target"
        );
    }

    #[test]
    fn the_camera_looks_at_its_target_from_above() {
        let pose = CameraPose {
            x: 500.0,
            z: -300.0,
            distance: 2000.0,
            yaw: 45.0,
            pitch: 30.0,
        };
        let transform = camera_transform(&pose, flat_ground);
        assert!(
            (transform.translation.y - 1000.0).abs() < 0.1,
            "{transform:?}"
        );
        let target = Vec3::new(500.0, 0.0, -300.0);
        let towards_target = (target - transform.translation).normalize();
        assert!(
            transform.forward().dot(towards_target) > 0.9999,
            "forward {:?} vs {towards_target:?}",
            transform.forward()
        );
        // Heading 45 degrees looks north-east: -z is north, +x is east.
        assert!(transform.forward().x > 0.0 && transform.forward().z < 0.0);
    }

    #[test]
    fn the_near_plane_grows_with_distance_but_stays_in_front_of_the_eye() {
        let close = CameraPose {
            distance: 200.0,
            ..CameraPose::OVERVIEW
        };
        let far = CameraPose {
            distance: 60_000.0,
            ..CameraPose::OVERVIEW
        };
        assert_eq!(near_plane_for(&close), 4.0);
        assert_eq!(near_plane_for(&far), 1_000.0);
        // The target must stay well beyond the near plane at every zoom.
        for pose in [close, far] {
            assert!(near_plane_for(&pose) < pose.distance / 10.0);
        }
    }

    #[test]
    fn easing_reaches_the_goal_and_then_rests() {
        let mut app = App::new();
        app.add_plugins(MinimalPlugins).add_plugins(motion_plugin);
        let goal = CameraPose {
            distance: 500.0,
            ..CameraPose::OVERVIEW
        };
        let entity = app
            .world_mut()
            .spawn((
                OrbitCamera {
                    goal,
                    ..OrbitCamera::new(CameraPose::OVERVIEW)
                },
                Transform::default(),
                Projection::Perspective(PerspectiveProjection::default()),
            ))
            .id();
        // Drive time by hand: 120 frames of 1/30 s.
        app.insert_resource(bevy::time::TimeUpdateStrategy::ManualDuration(
            std::time::Duration::from_secs_f32(1.0 / 30.0),
        ));
        let mut distances = Vec::new();
        for _ in 0..120 {
            app.update();
            let camera = app.world().get::<OrbitCamera>(entity).expect("camera");
            distances.push(camera.current.distance);
        }
        assert!(
            distances.windows(2).all(|pair| pair[1] <= pair[0]),
            "zooming in never overshoots back out"
        );
        let camera = app.world().get::<OrbitCamera>(entity).expect("camera");
        assert_eq!(
            camera.current, goal,
            "after 4 s the camera rests exactly on its goal"
        );
        let transform = app.world().get::<Transform>(entity).expect("transform");
        assert!(
            (transform.translation - camera_transform(&goal, flat_ground).translation).length()
                < 1e-3
        );
        let Some(Projection::Perspective(perspective)) = app.world().get::<Projection>(entity)
        else {
            panic!("perspective projection");
        };
        assert_eq!(
            perspective.near,
            near_plane_for(&goal),
            "near plane follows the zoom"
        );
    }
}
