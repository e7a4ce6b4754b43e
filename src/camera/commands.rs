//! Camera commands: how everything that is not the visitor's own hand moves the camera (the
//! app state on a selection or a reset, a link, a tour step). `camera/` applies them; the
//! reduced-motion rule lives here: with `prefers-reduced-motion` every flight is a cut.

use bevy::prelude::*;

use super::orbit::{CameraMotion, OrbitCamera};
use crate::AppSystems;
use crate::model::camera_pose::CameraPose;
use crate::model::flight::{Easing, Flight};
use crate::world::ground::Ground;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<CameraCommand>()
        .init_resource::<MotionPreference>()
        .configure_sets(Update, CameraMotion.in_set(AppSystems::Animate))
        .add_systems(
            Update,
            apply_camera_commands
                .in_set(AppSystems::Animate)
                .before(CameraMotion),
        );
}

/// Asks the camera to move.
#[derive(Message, Clone, Copy, Debug, PartialEq)]
pub enum CameraCommand {
    /// Fly to `to` over `duration_s` seconds (`None`: a duration that grows with the distance
    /// flown) with `easing`.
    Fly {
        /// Where to.
        to: CameraPose,
        /// How long, seconds.
        duration_s: Option<f32>,
        /// How the flight spends its time.
        easing: Easing,
    },
    /// Fly to `to` over `duration_s` seconds on an arc that keeps the eye above `tallest_m`
    /// (the tallest thing on the way) and the terrain under it, and rises with the ground
    /// covered: a tour's flight.
    FlyOver {
        /// Where to.
        to: CameraPose,
        /// How long, seconds.
        duration_s: f32,
        /// Height the path must clear, metres.
        tallest_m: f32,
    },
    /// Jump to a pose at once.
    Cut(CameraPose),
    /// Fly to frame a circle of `radius_m` round `(x, z)`, keeping the heading.
    Frame {
        /// East, metres.
        x: f32,
        /// South, metres.
        z: f32,
        /// Radius to frame, metres.
        radius_m: f32,
    },
}

impl CameraCommand {
    /// A flight to `to` at the natural pace.
    pub fn fly_to(to: CameraPose) -> CameraCommand {
        CameraCommand::Fly {
            to,
            duration_s: None,
            easing: Easing::InOut,
        }
    }
}

/// Whether the visitor asked for less motion (`prefers-reduced-motion`): camera flights become
/// cuts. The page sets it; elsewhere (tests, native) motion is allowed.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MotionPreference {
    /// Flights cut straight to their goal.
    pub reduced: bool,
}

fn apply_camera_commands(
    mut commands: MessageReader<CameraCommand>,
    motion: Res<MotionPreference>,
    ground: Option<Res<Ground>>,
    mut cameras: Query<&mut OrbitCamera>,
) {
    for command in commands.read() {
        for mut camera in &mut cameras {
            let (to, duration_s, easing) = match *command {
                CameraCommand::Cut(pose) => {
                    camera.cut_to(pose.clamped());
                    continue;
                }
                CameraCommand::FlyOver {
                    to,
                    duration_s,
                    tallest_m,
                } => {
                    let to = to.clamped();
                    if motion.reduced || duration_s <= 0.0 {
                        camera.cut_to(to);
                    } else {
                        let from = camera.current;
                        camera.fly(Flight::arcing(
                            from,
                            to,
                            duration_s,
                            Easing::InOut,
                            tallest_m,
                            |x, z| ground.as_deref().map_or(0.0, |ground| ground.height(x, z)),
                        ));
                    }
                    continue;
                }
                CameraCommand::Fly {
                    to,
                    duration_s,
                    easing,
                } => (to.clamped(), duration_s, easing),
                CameraCommand::Frame { x, z, radius_m } => {
                    (camera.goal.framing(x, z, radius_m), None, Easing::InOut)
                }
            };
            if motion.reduced {
                camera.cut_to(to);
                continue;
            }
            let duration_s =
                duration_s.unwrap_or_else(|| Flight::natural_duration_s(&camera.current, &to));
            let from = camera.current;
            camera.fly(Flight {
                from,
                to,
                duration_s,
                easing,
                arc_m: 0.0,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const START: CameraPose = CameraPose::OVERVIEW;
    const THERE: CameraPose = CameraPose {
        x: -7_000.0,
        z: 20_000.0,
        distance: 1_500.0,
        yaw: 300.0,
        pitch: 40.0,
    };

    /// Commands and motion, time stepped by hand at 1/10 s a frame.
    fn app() -> App {
        let mut app = App::new();
        app.add_plugins(MinimalPlugins)
            .add_plugins((plugin, super::super::orbit::motion_plugin));
        crate::configure_app_systems(&mut app);
        app.insert_resource(bevy::time::TimeUpdateStrategy::ManualDuration(
            Duration::from_millis(100),
        ));
        app.world_mut().spawn(OrbitCamera::new(START));
        app.update();
        app
    }

    fn camera(app: &mut App) -> OrbitCamera {
        let mut query = app.world_mut().query::<&OrbitCamera>();
        query.single(app.world()).expect("one orbit camera").clone()
    }

    #[test]
    fn a_fly_command_flies_over_its_duration_and_lands_on_the_pose() {
        let mut app = app();
        app.world_mut().write_message(CameraCommand::Fly {
            to: THERE,
            duration_s: Some(2.0),
            easing: Easing::Linear,
        });
        app.update();
        let mut distances = vec![camera(&mut app).current.distance];
        assert!(camera(&mut app).is_flying());
        assert_eq!(camera(&mut app).goal, THERE, "the goal is the destination");
        for _ in 0..25 {
            app.update();
            distances.push(camera(&mut app).current.distance);
        }
        let first = distances[0];
        assert!(
            first < START.distance && first > THERE.distance * 10.0,
            "a flight, not a cut: {first} m after the first frame"
        );
        assert!(
            distances.windows(2).all(|pair| pair[1] <= pair[0]),
            "closing in all the way: {distances:?}"
        );
        let landed = camera(&mut app);
        assert_eq!(landed.current, THERE, "lands exactly");
        assert!(!landed.is_flying());
    }

    #[test]
    fn a_cut_command_jumps_at_once_and_stops_a_flight() {
        let mut app = app();
        app.world_mut().write_message(CameraCommand::fly_to(THERE));
        app.update();
        assert!(camera(&mut app).is_flying());
        let elsewhere = CameraPose { x: 500.0, ..THERE };
        app.world_mut().write_message(CameraCommand::Cut(elsewhere));
        app.update();
        let cut = camera(&mut app);
        assert_eq!(cut.current, elsewhere);
        assert_eq!(cut.goal, elsewhere);
        assert!(!cut.is_flying());
    }

    #[test]
    fn with_reduced_motion_a_flight_is_a_cut() {
        let mut app = app();
        app.insert_resource(MotionPreference { reduced: true });
        app.world_mut().write_message(CameraCommand::fly_to(THERE));
        app.update();
        assert_eq!(camera(&mut app).current, THERE);
    }

    #[test]
    fn framing_keeps_the_heading() {
        let mut app = app();
        app.world_mut().write_message(CameraCommand::Frame {
            x: 100.0,
            z: 200.0,
            radius_m: 450.0,
        });
        app.update();
        let goal = camera(&mut app).goal;
        assert_eq!((goal.x, goal.z, goal.yaw), (100.0, 200.0, START.yaw));
    }

    #[test]
    fn the_visitor_steering_stops_a_flight_where_it_is() {
        let mut app = app();
        app.world_mut().write_message(CameraCommand::fly_to(THERE));
        app.update();
        app.update();
        let mut query = app.world_mut().query::<&mut OrbitCamera>();
        let mut camera_now = query.single_mut(app.world_mut()).expect("camera");
        let here = camera_now.current;
        camera_now.steer(|goal| *goal);
        assert!(!camera_now.is_flying());
        assert_eq!(
            camera_now.goal, here,
            "the flight stops where the camera is"
        );
    }
}
