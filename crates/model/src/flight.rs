//! A camera flight as a pure function of time: from one pose to another over a duration, with
//! an easing. Position and pitch ease linearly in the eased time, the distance in log space (so
//! zooming feels even from 60 km to 200 m) and the heading turns the short way round.

use crate::camera_pose::CameraPose;

/// How a flight spends its time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Easing {
    /// At an even pace.
    Linear,
    /// Starting and stopping gently (cubic ease-in-out).
    #[default]
    InOut,
    /// Leaving at once and settling gently (cubic ease-out).
    Out,
}

impl Easing {
    /// The share of the way covered at the share of time `t` (both 0..=1).
    pub fn apply(self, t: f32) -> f32 {
        let t = t.clamp(0.0, 1.0);
        match self {
            Easing::Linear => t,
            Easing::InOut if t < 0.5 => 4.0 * t * t * t,
            Easing::InOut => 1.0 - (-2.0 * t + 2.0).powi(3) / 2.0,
            Easing::Out => 1.0 - (1.0 - t).powi(3),
        }
    }
}

/// Shortest flight the app makes, seconds.
pub const MIN_FLIGHT_S: f32 = 0.6;
/// Longest flight the app makes, seconds.
pub const MAX_FLIGHT_S: f32 = 4.0;

/// A flight between two poses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Flight {
    /// Where it starts.
    pub from: CameraPose,
    /// Where it ends.
    pub to: CameraPose,
    /// How long it takes, seconds (0 or less: a cut).
    pub duration_s: f32,
    /// How it spends its time.
    pub easing: Easing,
    /// How far above the straight path the eye rises at mid-flight, metres (0: no arc).
    pub arc_m: f32,
}

/// How far a tour's flight keeps above the tallest thing it passes, metres.
pub const CLEARANCE_M: f32 = 60.0;
/// A journey's arc rises by at least this share of the ground it covers.
const ARC_PER_GROUND: f32 = 0.2;
/// Points along a flight where the eye is checked against the ground under it.
const CLEARANCE_SAMPLES: usize = 120;
/// The share of a flight at each end left to its poses (chosen by the tour's author): the arc
/// is lifted for the stretch between.
const CLEARANCE_ENDS: f32 = 0.15;

impl Flight {
    /// The pose `elapsed_s` seconds after take-off; exactly `to` once the flight is over.
    pub fn pose_at(&self, elapsed_s: f32) -> CameraPose {
        if self.is_over(elapsed_s) {
            return self.to;
        }
        if elapsed_s <= 0.0 {
            return self.from;
        }
        let t = elapsed_s / self.duration_s;
        let mut pose = self.from.lerp_towards(&self.to, self.easing.apply(t));
        if self.arc_m > 0.0 {
            // Raise the eye along its own line of sight: the view keeps its angle.
            let rise = self.arc_m * (std::f32::consts::PI * t).sin();
            pose.distance += rise / pose.pitch.to_radians().sin().max(0.05);
        }
        pose
    }

    /// A flight that rises over what stands between its ends: at mid-flight the eye is at
    /// least [`CLEARANCE_M`] above `tallest_m` (the tallest thing on the way) and above a share
    /// of the ground covered, as a map's fly-to arcs out and in; and away from its ends the eye
    /// keeps [`CLEARANCE_M`] above the terrain under it and the tallest building on top
    /// (`ground(x, z)`: the terrain's height at a point, in the poses' frame, where a pose's
    /// target sits on the ground).
    pub fn arcing(
        from: CameraPose,
        to: CameraPose,
        duration_s: f32,
        easing: Easing,
        tallest_m: f32,
        ground: impl Fn(f32, f32) -> f32,
    ) -> Flight {
        let straight = Flight {
            from,
            to,
            duration_s,
            easing,
            arc_m: 0.0,
        };
        let middle = from.lerp_towards(&to, 0.5);
        let eye_height = middle.distance * middle.pitch.to_radians().sin();
        let ground_covered = (to.x - from.x).hypot(to.z - from.z);
        let wanted = (tallest_m + CLEARANCE_M).max(ground_covered * ARC_PER_GROUND);
        let mut flight = Flight {
            arc_m: (wanted - eye_height).max(0.0),
            ..straight
        };
        // Lifting the eye also moves it back along its line of sight, over other ground: a few
        // rounds settle it.
        for _ in 0..12 {
            let lift = flight.lift_to_clear(tallest_m, &ground);
            if lift < 0.5 {
                break;
            }
            // A little over, so the stretches between the samples clear too.
            flight.arc_m += lift + 0.5 * CLEARANCE_M;
        }
        flight
    }

    /// How much more arc the flight needs for the eye to keep [`CLEARANCE_M`] above the ground
    /// under it and `tallest_m` on top, away from its ends.
    fn lift_to_clear(&self, tallest_m: f32, ground: &impl Fn(f32, f32) -> f32) -> f32 {
        (1..CLEARANCE_SAMPLES)
            .map(|i| i as f32 / CLEARANCE_SAMPLES as f32)
            .filter(|t| (CLEARANCE_ENDS..=1.0 - CLEARANCE_ENDS).contains(t))
            .map(|t| {
                let (eye, floor) = self.eye_and_floor_at(t * self.duration_s, tallest_m, ground);
                let share = (std::f32::consts::PI * t).sin();
                (floor - eye).max(0.0) / share
            })
            .fold(0.0, f32::max)
    }

    /// The eye's height at `elapsed_s` and the lowest it may be there (the ground under it, the
    /// tallest building and the clearance), in the frame of `ground`.
    fn eye_and_floor_at(
        &self,
        elapsed_s: f32,
        tallest_m: f32,
        ground: &impl Fn(f32, f32) -> f32,
    ) -> (f32, f32) {
        let pose = self.pose_at(elapsed_s);
        let [dx, dy, dz] = pose.eye_offset();
        let eye = ground(pose.x, pose.z).max(0.0) + dy;
        let under = ground(pose.x + dx, pose.z + dz).max(0.0);
        (eye, under + tallest_m + CLEARANCE_M)
    }

    /// The eye's height above the target at `elapsed_s`, metres.
    pub fn eye_height_at(&self, elapsed_s: f32) -> f32 {
        let pose = self.pose_at(elapsed_s);
        pose.distance * pose.pitch.to_radians().sin()
    }

    /// Whether the flight has landed `elapsed_s` seconds after take-off.
    pub fn is_over(&self, elapsed_s: f32) -> bool {
        self.duration_s.is_nan() || self.duration_s <= 0.0 || elapsed_s >= self.duration_s
    }

    /// A duration that grows with how far the view travels (ground covered relative to the
    /// views' size, zoom, turn), within [`MIN_FLIGHT_S`]..=[`MAX_FLIGHT_S`].
    pub fn natural_duration_s(from: &CameraPose, to: &CameraPose) -> f32 {
        let ground = ((to.x - from.x).powi(2) + (to.z - from.z).powi(2)).sqrt();
        let view_size = from.distance.min(to.distance).max(1.0);
        let across = (1.0 + ground / view_size).log2();
        let zoom = (to.distance / from.distance).log2().abs();
        let turn = ((to.yaw - from.yaw + 540.0).rem_euclid(360.0) - 180.0).abs() / 180.0;
        (MIN_FLIGHT_S + 0.35 * across + 0.2 * zoom + 0.6 * turn).clamp(MIN_FLIGHT_S, MAX_FLIGHT_S)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAR: CameraPose = CameraPose::OVERVIEW;
    const NEAR: CameraPose = CameraPose {
        x: -9_900.0,
        z: 27_600.0,
        distance: 1_200.0,
        yaw: 340.0,
        pitch: 35.0,
    };

    #[test]
    fn easings_start_at_zero_end_at_one_and_never_go_back() {
        for easing in [Easing::Linear, Easing::InOut, Easing::Out] {
            assert_eq!(easing.apply(0.0), 0.0, "{easing:?}");
            assert!((easing.apply(1.0) - 1.0).abs() < 1e-6, "{easing:?}");
            let samples: Vec<f32> = (0..=100).map(|i| easing.apply(i as f32 / 100.0)).collect();
            assert!(samples.windows(2).all(|w| w[1] >= w[0]), "{easing:?}");
        }
        assert!((Easing::InOut.apply(0.5) - 0.5).abs() < 1e-6);
        assert!(Easing::InOut.apply(0.1) < 0.1, "starts gently");
    }

    #[test]
    fn a_flight_lands_exactly_and_turns_the_short_way() {
        let flight = Flight {
            from: FAR,
            to: NEAR,
            duration_s: 2.0,
            easing: Easing::InOut,
            arc_m: 0.0,
        };
        assert_eq!(flight.pose_at(0.0), FAR);
        assert_eq!(flight.pose_at(2.0), NEAR);
        assert_eq!(flight.pose_at(9.0), NEAR);
        let middle = flight.pose_at(1.0);
        // 25 to 340 degrees is 45 degrees anticlockwise, through 0, not 315 clockwise.
        assert!(
            middle.yaw > 340.0 || middle.yaw < 25.0,
            "the heading turns through north: {middle:?}"
        );
        // Halfway in time, halfway in log distance: the geometric mean.
        let mean = (FAR.distance * NEAR.distance).sqrt();
        assert!((middle.distance / mean - 1.0).abs() < 1e-3, "{middle:?}");
        let cut = Flight {
            duration_s: 0.0,
            ..flight
        };
        assert_eq!(cut.pose_at(0.0), NEAR, "no duration is a cut");
    }

    #[test]
    fn a_flight_past_the_tower_rises_over_it_and_lands_exactly() {
        // Low views on either side of the 272 m tower (the Iconic Complex's position).
        let (tower_x, tower_z) = (-9_919.0, 27_665.0);
        let west = CameraPose {
            x: tower_x - 700.0,
            z: tower_z,
            distance: 400.0,
            yaw: 90.0,
            pitch: 10.0,
        };
        let east = CameraPose {
            x: tower_x + 700.0,
            yaw: 270.0,
            ..west
        };
        let straight = Flight {
            from: west,
            to: east,
            duration_s: 4.0,
            easing: Easing::InOut,
            arc_m: 0.0,
        };
        assert!(
            straight.eye_height_at(2.0) < 272.0,
            "the straight path would hit it"
        );
        let arcing = Flight::arcing(west, east, 4.0, Easing::InOut, 272.0, flat);
        let middle = arcing.eye_height_at(2.0);
        assert!(
            middle >= 272.0 + CLEARANCE_M - 0.5,
            "mid-flight the eye clears it: {middle}"
        );
        let heights: Vec<f32> = (0..=40)
            .map(|i| arcing.eye_height_at(i as f32 * 0.1))
            .collect();
        let peak = heights.iter().cloned().fold(0.0, f32::max);
        assert!((peak - middle).abs() < 1.0, "it peaks in the middle");
        assert_eq!(arcing.pose_at(0.0), west);
        assert_eq!(arcing.pose_at(4.0), east);
        // A long journey arcs out even over flat ground.
        let far = CameraPose {
            x: west.x + 20_000.0,
            ..west
        };
        let long = Flight::arcing(west, far, 4.0, Easing::InOut, 0.0, flat);
        assert!(long.eye_height_at(2.0) >= 20_000.0 * ARC_PER_GROUND - 1.0);
    }

    fn flat(_x: f32, _z: f32) -> f32 {
        0.0
    }

    #[test]
    fn a_flight_rises_over_a_ridge_between_its_ends() {
        // Two low views 6 km apart with a 1,500 m ridge between them (north-south, at x = 0).
        let ridge = |x: f32, _z: f32| 1_500.0 * (-(x / 900.0).powi(2)).exp();
        let west = CameraPose {
            x: -3_000.0,
            z: 0.0,
            distance: 1_000.0,
            yaw: 90.0,
            pitch: 20.0,
        };
        let east = CameraPose { x: 3_000.0, ..west };
        let over_flat = Flight::arcing(west, east, 4.0, Easing::InOut, 80.0, flat);
        let over_ridge = Flight::arcing(west, east, 4.0, Easing::InOut, 80.0, ridge);
        assert!(
            over_ridge.arc_m > over_flat.arc_m,
            "the ridge lifts the arc"
        );
        for i in 0..=100 {
            let t = i as f32 / 100.0;
            if !(CLEARANCE_ENDS..=1.0 - CLEARANCE_ENDS).contains(&t) {
                continue;
            }
            let (eye, floor) = over_ridge.eye_and_floor_at(t * 4.0, 80.0, &ridge);
            assert!(
                eye >= floor - 1.0,
                "at {t:.2} the eye ({eye:.0} m) stays above the ridge and a building on it ({floor:.0} m)"
            );
        }
        let flat_arc_hits_the_ridge = (0..=100).any(|i| {
            let (eye, floor) = over_flat.eye_and_floor_at(i as f32 * 0.04, 80.0, &ridge);
            eye < floor - 1.0
        });
        assert!(
            flat_arc_hits_the_ridge,
            "the flat-ground arc would not clear it"
        );
        assert_eq!(over_ridge.pose_at(0.0), west, "the ends stay the author's");
        assert_eq!(over_ridge.pose_at(4.0), east);
    }

    #[test]
    fn longer_journeys_take_longer_within_limits() {
        let short = Flight::natural_duration_s(&NEAR, &NEAR);
        let long = Flight::natural_duration_s(&FAR, &NEAR);
        assert_eq!(short, MIN_FLIGHT_S);
        assert!(long > short && long <= MAX_FLIGHT_S, "{long}");
    }
}
