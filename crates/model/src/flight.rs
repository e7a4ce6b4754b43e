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
}

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
        self.from.lerp_towards(&self.to, self.easing.apply(t))
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
    fn longer_journeys_take_longer_within_limits() {
        let short = Flight::natural_duration_s(&NEAR, &NEAR);
        let long = Flight::natural_duration_s(&FAR, &NEAR);
        assert_eq!(short, MIN_FLIGHT_S);
        assert!(long > short && long <= MAX_FLIGHT_S, "{long}");
    }
}
