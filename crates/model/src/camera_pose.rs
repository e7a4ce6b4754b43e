//! Where the camera looks from: an orbit around a ground target, with the limits that keep a
//! visitor from getting lost (under the terrain, out of the region, too close or too far).

use serde::Serialize;

/// Half the side of the square (metres, centred on the local origin) the camera target stays in.
pub const TARGET_EXTENT_M: f32 = 45_000.0;
/// Closest orbit distance, metres: the foot of a tower.
pub const MIN_DISTANCE_M: f32 = 200.0;
/// Farthest orbit distance, metres: the whole region.
pub const MAX_DISTANCE_M: f32 = 60_000.0;
/// Lowest pitch above the horizon, degrees: never level with or below the ground.
pub const MIN_PITCH_DEG: f32 = 8.0;
/// Highest pitch, degrees: just short of straight down, where yaw becomes meaningless.
pub const MAX_PITCH_DEG: f32 = 88.0;

/// An orbit camera pose in the local metric frame (x east, z south, metres; angles in degrees).
///
/// `yaw` is the compass direction the camera looks towards (0 = north, 90 = east); `pitch` is the
/// angle below the horizon at which it looks down on the target.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CameraPose {
    /// Target east coordinate, metres.
    pub x: f32,
    /// Target south coordinate, metres.
    pub z: f32,
    /// Distance from the target to the eye, metres.
    pub distance: f32,
    /// Compass heading of the view, degrees in `[0, 360)`.
    pub yaw: f32,
    /// Look-down angle, degrees.
    pub pitch: f32,
}

impl CameraPose {
    /// The start view: the whole corridor seen from the south-west, looking north-east towards
    /// the reservoir.
    pub const OVERVIEW: CameraPose = CameraPose {
        x: 1_500.0,
        z: 1_000.0,
        distance: 56_000.0,
        yaw: 25.0,
        pitch: 20.0,
    };

    /// The same pose brought inside the limits; non-finite numbers fall back to the overview's.
    pub fn clamped(self) -> CameraPose {
        let or = |value: f32, fallback: f32| if value.is_finite() { value } else { fallback };
        let overview = CameraPose::OVERVIEW;
        CameraPose {
            x: or(self.x, overview.x).clamp(-TARGET_EXTENT_M, TARGET_EXTENT_M),
            z: or(self.z, overview.z).clamp(-TARGET_EXTENT_M, TARGET_EXTENT_M),
            distance: or(self.distance, overview.distance).clamp(MIN_DISTANCE_M, MAX_DISTANCE_M),
            yaw: or(self.yaw, overview.yaw).rem_euclid(360.0),
            pitch: or(self.pitch, overview.pitch).clamp(MIN_PITCH_DEG, MAX_PITCH_DEG),
        }
    }

    /// Eye position relative to the target (x east, y up, z south), metres.
    pub fn eye_offset(&self) -> [f32; 3] {
        let (yaw, pitch) = (self.yaw.to_radians(), self.pitch.to_radians());
        // The view heads towards `yaw`, so the eye sits on the opposite side of the target.
        let horizontal = self.distance * pitch.cos();
        [
            -horizontal * yaw.sin(),
            self.distance * pitch.sin(),
            horizontal * yaw.cos(),
        ]
    }

    /// Moves towards `goal` by the fraction `t` (0..=1), taking the short way round in yaw.
    pub fn lerp_towards(&self, goal: &CameraPose, t: f32) -> CameraPose {
        let t = t.clamp(0.0, 1.0);
        let mix = |a: f32, b: f32| a + (b - a) * t;
        let yaw_step = (goal.yaw - self.yaw + 540.0).rem_euclid(360.0) - 180.0;
        CameraPose {
            x: mix(self.x, goal.x),
            z: mix(self.z, goal.z),
            // Distance eases in log space so zooming feels even from 60 km to 200 m.
            distance: mix(self.distance.ln(), goal.distance.ln()).exp(),
            yaw: (self.yaw + yaw_step * t).rem_euclid(360.0),
            pitch: mix(self.pitch, goal.pitch),
        }
    }

    /// The pose that frames a circle of `radius_m` round `(x, z)`, keeping this pose's heading
    /// and looking down at least 25 degrees.
    pub fn framing(&self, x: f32, z: f32, radius_m: f32) -> CameraPose {
        CameraPose {
            x,
            z,
            distance: radius_m * 2.8,
            yaw: self.yaw,
            pitch: self.pitch.max(25.0),
        }
        .clamped()
    }

    /// True when two poses differ by less than a visitor could see.
    pub fn approx_eq(&self, other: &CameraPose) -> bool {
        let yaw_gap = ((self.yaw - other.yaw + 540.0).rem_euclid(360.0) - 180.0).abs();
        (self.x - other.x).abs() < 0.5
            && (self.z - other.z).abs() < 0.5
            && (self.distance / other.distance - 1.0).abs() < 1e-3
            && yaw_gap < 0.05
            && (self.pitch - other.pitch).abs() < 0.05
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_keeps_the_heading_and_looks_down_enough() {
        let from = CameraPose {
            pitch: 10.0,
            yaw: 200.0,
            ..CameraPose::OVERVIEW
        };
        let pose = from.framing(100.0, 200.0, 450.0);
        assert_eq!(
            (pose.x, pose.z, pose.yaw, pose.pitch),
            (100.0, 200.0, 200.0, 25.0)
        );
        assert_eq!(pose.distance, 1_260.0);
        let tiny = from.framing(0.0, 0.0, 1.0);
        assert_eq!(tiny.distance, MIN_DISTANCE_M);
    }

    #[test]
    fn clamping_keeps_the_camera_inside_the_limits() {
        let wild = CameraPose {
            x: 1e9,
            z: -1e9,
            distance: 5.0,
            yaw: -90.0,
            pitch: -10.0,
        }
        .clamped();
        assert_eq!(wild.x, TARGET_EXTENT_M);
        assert_eq!(wild.z, -TARGET_EXTENT_M);
        assert_eq!(wild.distance, MIN_DISTANCE_M);
        assert_eq!(wild.yaw, 270.0, "yaw wraps into [0, 360)");
        assert_eq!(wild.pitch, MIN_PITCH_DEG, "never below the horizon");
    }

    #[test]
    fn clamping_replaces_non_finite_numbers() {
        let pose = CameraPose {
            x: f32::NAN,
            z: f32::INFINITY,
            distance: f32::NAN,
            yaw: f32::NEG_INFINITY,
            pitch: f32::NAN,
        }
        .clamped();
        assert_eq!(pose, CameraPose::OVERVIEW.clamped());
    }

    #[test]
    fn eye_sits_behind_and_above_the_target() {
        let north = CameraPose {
            x: 0.0,
            z: 0.0,
            distance: 1000.0,
            yaw: 0.0,
            pitch: 30.0,
        };
        let [x, y, z] = north.eye_offset();
        assert!(
            x.abs() < 1e-3,
            "looking north, the eye is not east or west: {x}"
        );
        assert!(
            (y - 500.0).abs() < 1e-2,
            "height is distance * sin(pitch): {y}"
        );
        assert!(
            z > 860.0,
            "looking north, the eye is south of the target: {z}"
        );
    }

    #[test]
    fn easing_takes_the_short_way_round_and_arrives() {
        let from = CameraPose {
            yaw: 350.0,
            ..CameraPose::OVERVIEW
        };
        let goal = CameraPose {
            yaw: 10.0,
            distance: 400.0,
            ..CameraPose::OVERVIEW
        };
        let half = from.lerp_towards(&goal, 0.5);
        assert!(
            half.yaw.abs() < 1e-3 || (half.yaw - 360.0).abs() < 1e-3,
            "{}",
            half.yaw
        );
        let expected = (from.distance * goal.distance).sqrt();
        assert!(
            (half.distance / expected - 1.0).abs() < 1e-4,
            "log-space zoom"
        );
        assert!(from.lerp_towards(&goal, 1.0).approx_eq(&goal));
        assert!(from.lerp_towards(&goal, 0.0).approx_eq(&from));
    }
}
