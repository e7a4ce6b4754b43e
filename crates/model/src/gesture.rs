//! Touch gestures as direct manipulation, the way map apps do it: one finger orbits; two
//! fingers pinch (the distance follows the ratio of the spreads), twist (the heading turns by the
//! angle the fingers turned) and pan (the ground point under their midpoint stays under it).
//!
//! A gesture is measured from its anchor (where its fingers went down, or where they were when
//! the set of fingers last changed) and the camera pose at that moment, never from per-frame
//! deltas, so it comes out the same whether it spans one frame or sixty; a finger arriving or
//! leaving re-anchors from where the camera is, without a jump. Pure: the app feeds it the
//! fingers of each frame and the camera's lens.

use crate::camera_pose::CameraPose;

/// Degrees of orbit per pixel dragged (the mouse's too).
pub const ORBIT_DEG_PER_PX: f32 = 0.25;

/// What the camera sees: the viewport in CSS pixels, the vertical field of view, and the height
/// of the ground round the target (world metres).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lens {
    /// Viewport width, pixels.
    pub width: f32,
    /// Viewport height, pixels.
    pub height: f32,
    /// Vertical field of view, degrees.
    pub fov_y_deg: f32,
    /// Height of the ground plane the fingers hold on to, metres.
    pub ground_height_m: f32,
}

/// A finger on the screen: where it is now and where it went down, in viewport pixels (x right,
/// y down).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Finger {
    /// The touch's id.
    pub id: u64,
    /// Where it is.
    pub at: [f32; 2],
    /// Where it went down.
    pub went_down_at: [f32; 2],
}

type Point = [f32; 2];

/// The ground point (x, z) seen at the screen point `at` from `pose`, if the ray meets the
/// ground plane in front of the camera.
pub fn ground_point(pose: &CameraPose, lens: &Lens, at: Point) -> Option<(f32, f32)> {
    let h = lens.ground_height_m;
    let offset = pose.eye_offset();
    let eye = [pose.x + offset[0], h + offset[1], pose.z + offset[2]];
    let forward = normalise([pose.x - eye[0], h - eye[1], pose.z - eye[2]])?;
    let right = normalise(cross(forward, [0.0, 1.0, 0.0]))?;
    let up = cross(right, forward);
    let tan = (lens.fov_y_deg.to_radians() / 2.0).tan();
    let aspect = lens.width / lens.height.max(1.0);
    let ndc_x = 2.0 * at[0] / lens.width.max(1.0) - 1.0;
    let ndc_y = 1.0 - 2.0 * at[1] / lens.height.max(1.0);
    let direction: Vec<f32> = (0..3)
        .map(|i| forward[i] + right[i] * ndc_x * tan * aspect + up[i] * ndc_y * tan)
        .collect();
    if direction[1] >= -1e-6 {
        return None;
    }
    let along = (h - eye[1]) / direction[1];
    Some((eye[0] + direction[0] * along, eye[2] + direction[2] * along))
}

fn cross(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn normalise(v: [f32; 3]) -> Option<[f32; 3]> {
    let length = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    (length > 1e-6).then(|| [v[0] / length, v[1] / length, v[2] / length])
}

/// How far (degrees) the line between two fingers turned from `before` to `now`, as a change of
/// heading: the city turns with the fingers.
pub fn twist_deg(before: (Point, Point), now: (Point, Point)) -> f32 {
    let a = [before.1[0] - before.0[0], before.1[1] - before.0[1]];
    let b = [now.1[0] - now.0[0], now.1[1] - now.0[1]];
    if a[0].hypot(a[1]) < 1.0 || b[0].hypot(b[1]) < 1.0 {
        return 0.0;
    }
    let cross = a[0] * b[1] - a[1] * b[0];
    let dot = a[0] * b[0] + a[1] * b[1];
    // Screen y points down: a positive cross product is a clockwise turn on screen.
    -cross.atan2(dot).to_degrees()
}

/// Where a gesture started: its fingers' anchor points and the camera pose then.
#[derive(Clone, Debug, PartialEq)]
struct Anchor {
    fingers: Vec<(u64, Point)>,
    pose: CameraPose,
}

impl Anchor {
    /// The pose with the gesture's fingers at `now` (one point per anchored finger).
    fn apply(&self, now: &[Point], lens: &Lens) -> CameraPose {
        let start = &self.pose;
        match (self.fingers.as_slice(), now) {
            ([(_, a0)], [a1]) => CameraPose {
                yaw: start.yaw + (a1[0] - a0[0]) * ORBIT_DEG_PER_PX,
                pitch: start.pitch + (a1[1] - a0[1]) * ORBIT_DEG_PER_PX,
                ..*start
            }
            .clamped(),
            ([(_, a0), (_, b0)], [a1, b1]) => two_fingers(start, (*a0, *b0), (*a1, *b1), lens),
            _ => *start,
        }
    }
}

/// Pinch, twist and pan at once, from the fingers at `before` (with the camera at `start`) to
/// the fingers at `now`.
fn two_fingers(
    start: &CameraPose,
    before: (Point, Point),
    now: (Point, Point),
    lens: &Lens,
) -> CameraPose {
    let spread = |(a, b): (Point, Point)| (b[0] - a[0]).hypot(b[1] - a[1]);
    let (spread_before, spread_now) = (spread(before), spread(now));
    let factor = if spread_before > 1.0 && spread_now > 1.0 {
        spread_before / spread_now
    } else {
        1.0
    };
    let mid = |(a, b): (Point, Point)| [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0];
    let turned = CameraPose {
        distance: start.distance * factor,
        yaw: start.yaw + twist_deg(before, now),
        ..*start
    }
    .clamped();
    // The ground under the midpoint then must be under the midpoint now.
    let held = ground_point(start, lens, mid(before));
    let seen = ground_point(&turned, lens, mid(now));
    match (held, seen) {
        (Some(held), Some(seen)) => CameraPose {
            x: turned.x + held.0 - seen.0,
            z: turned.z + held.1 - seen.1,
            ..turned
        }
        .clamped(),
        _ => turned,
    }
}

/// The touch gesture in progress.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TouchGesture {
    anchor: Option<Anchor>,
}

impl TouchGesture {
    /// Feeds one frame: the fingers `down` now, the fingers `lifted` this frame (at their last
    /// position) and the camera's `goal` (where a new gesture starts from). Returns the pose the
    /// fingers ask for, or `None` when no finger is involved.
    pub fn update(
        &mut self,
        goal: CameraPose,
        down: &[Finger],
        lifted: &[Finger],
        lens: &Lens,
    ) -> Option<CameraPose> {
        // First the gesture in progress, with its own fingers where they are (or left).
        let mut pose = self.anchor.as_ref().and_then(|anchor| {
            let now: Option<Vec<Point>> = anchor
                .fingers
                .iter()
                .map(|(id, _)| {
                    down.iter()
                        .chain(lifted)
                        .find(|finger| finger.id == *id)
                        .map(|finger| finger.at)
                })
                .collect();
            now.map(|now| anchor.apply(&now, lens))
        });
        // Then, if the fingers changed, a new gesture from here: fingers that were already down
        // hold on where they are, new ones from where they went down.
        let fingers: Vec<&Finger> = down.iter().take(2).collect();
        let ids: Vec<u64> = fingers.iter().map(|finger| finger.id).collect();
        let anchored: Vec<u64> = self
            .anchor
            .as_ref()
            .map(|anchor| anchor.fingers.iter().map(|(id, _)| *id).collect())
            .unwrap_or_default();
        if ids != anchored {
            self.anchor = (!fingers.is_empty()).then(|| Anchor {
                fingers: fingers
                    .iter()
                    .map(|finger| {
                        let from = if anchored.contains(&finger.id) {
                            finger.at
                        } else {
                            finger.went_down_at
                        };
                        (finger.id, from)
                    })
                    .collect(),
                pose: pose.unwrap_or(goal),
            });
            if let Some(anchor) = &self.anchor {
                let now: Vec<Point> = fingers.iter().map(|finger| finger.at).collect();
                pose = Some(anchor.apply(&now, lens));
            }
        }
        pose
    }

    /// Whether fingers are on the screen.
    pub fn is_active(&self) -> bool {
        self.anchor.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LENS: Lens = Lens {
        width: 400.0,
        height: 400.0,
        fov_y_deg: 40.0,
        ground_height_m: 0.0,
    };
    const START: CameraPose = CameraPose {
        x: 0.0,
        z: 0.0,
        distance: 4_000.0,
        yaw: 30.0,
        pitch: 45.0,
    };

    fn finger(id: u64, went_down_at: Point, at: Point) -> Finger {
        Finger {
            id,
            at,
            went_down_at,
        }
    }

    /// Moves two fingers from `from` to `to` in `frames` equal steps (both down at frame 0),
    /// then lifts them; returns the last pose.
    fn two_finger_gesture(from: (Point, Point), to: (Point, Point), frames: usize) -> CameraPose {
        let steps: Vec<f32> = (1..=frames).map(|k| k as f32 / frames as f32).collect();
        two_finger_gesture_at(from, to, &steps)
    }

    /// The same, with the fingers at the fractions `steps` of the way in successive frames.
    fn two_finger_gesture_at(
        from: (Point, Point),
        to: (Point, Point),
        steps: &[f32],
    ) -> CameraPose {
        let mut gesture = TouchGesture::default();
        let mut goal = START;
        let lerp =
            |a: Point, b: Point, t: f32| [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
        for &t in steps {
            let down = [
                finger(1, from.0, lerp(from.0, to.0, t)),
                finger(2, from.1, lerp(from.1, to.1, t)),
            ];
            if let Some(pose) = gesture.update(goal, &down, &[], &LENS) {
                goal = pose;
            }
        }
        let lifted = [finger(1, from.0, to.0), finger(2, from.1, to.1)];
        if let Some(pose) = gesture.update(goal, &[], &lifted, &LENS) {
            goal = pose;
        }
        assert!(!gesture.is_active());
        goal
    }

    #[test]
    fn the_centre_of_the_view_is_the_target() {
        let (x, z) = ground_point(&START, &LENS, [200.0, 200.0]).expect("the target");
        assert!(x.abs() < 0.5 && z.abs() < 0.5, "{x} {z}");
        // Above the middle of the view is farther ahead along the heading.
        let (ax, az) = ground_point(&START, &LENS, [200.0, 100.0]).expect("ahead");
        let heading = (START.yaw.to_radians().sin(), -START.yaw.to_radians().cos());
        assert!(ax * heading.0 + az * heading.1 > 100.0, "{ax} {az}");
    }

    #[test]
    fn a_pinch_that_doubles_the_spread_halves_the_distance_and_holds_the_midpoint() {
        let from = ([150.0, 250.0], [250.0, 250.0]);
        let to = ([100.0, 250.0], [300.0, 250.0]);
        let held = ground_point(&START, &LENS, [200.0, 250.0]).expect("ground");
        let pose = two_finger_gesture(from, to, 20);
        assert!(
            (pose.distance - START.distance / 2.0).abs() < 1.0,
            "{pose:?}"
        );
        let now = ground_point(&pose, &LENS, [200.0, 250.0]).expect("ground");
        assert!(
            (now.0 - held.0).hypot(now.1 - held.1) < 1.0,
            "the ground under the midpoint stays: {held:?} vs {now:?}"
        );
        assert!((pose.yaw - START.yaw).abs() < 1e-3, "no twist");
    }

    #[test]
    fn a_gesture_is_the_same_in_one_frame_or_sixty() {
        let from = ([120.0, 180.0], [260.0, 240.0]);
        let to = ([60.0, 140.0], [330.0, 300.0]);
        let one = two_finger_gesture(from, to, 1);
        let sixty = two_finger_gesture(from, to, 60);
        assert!(one.approx_eq(&sixty), "{one:?} vs {sixty:?}");
    }

    #[test]
    fn frames_of_different_lengths_give_the_same_gesture() {
        let from = ([150.0, 250.0], [250.0, 230.0]);
        let to = ([90.0, 280.0], [320.0, 200.0]);
        // A long frame, then short ones, a stall (the same positions twice), and a jump.
        let uneven = [0.6, 0.62, 0.65, 0.65, 0.9, 1.0];
        let steady = two_finger_gesture(from, to, 30);
        let jerky = two_finger_gesture_at(from, to, &uneven);
        assert!(steady.approx_eq(&jerky), "{steady:?} vs {jerky:?}");
    }

    #[test]
    fn a_thirty_degree_twist_turns_thirty_degrees() {
        let centre = [200.0, 200.0];
        let at = |angle: f32| {
            let (s, c) = angle.to_radians().sin_cos();
            (
                [centre[0] - 80.0 * c, centre[1] - 80.0 * s],
                [centre[0] + 80.0 * c, centre[1] + 80.0 * s],
            )
        };
        let pose = two_finger_gesture(at(0.0), at(30.0), 12);
        let turned = (pose.yaw - START.yaw + 540.0).rem_euclid(360.0) - 180.0;
        assert!((turned.abs() - 30.0).abs() < 0.01, "{turned}");
        assert!(
            (pose.distance - START.distance).abs() < 0.5,
            "no zoom: {pose:?}"
        );
        assert!(
            (pose.x.hypot(pose.z)) < 1.0,
            "the centre stays put: {pose:?}"
        );
    }

    #[test]
    fn two_fingers_moving_together_pan() {
        let pose = two_finger_gesture(
            ([150.0, 200.0], [250.0, 200.0]),
            ([150.0, 300.0], [250.0, 300.0]),
            10,
        );
        assert!((pose.distance - START.distance).abs() < 0.5);
        assert!(pose.x.hypot(pose.z) > 100.0, "the target moved: {pose:?}");
    }

    #[test]
    fn a_second_finger_mid_drag_and_a_finger_lifted_mid_pinch_do_not_jump() {
        let mut gesture = TouchGesture::default();
        // One finger drags 40 px right: 10 degrees of orbit.
        let a = |at: Point| finger(1, [100.0, 200.0], at);
        let after_drag = gesture
            .update(START, &[a([140.0, 200.0])], &[], &LENS)
            .expect("drag");
        assert!((after_drag.yaw - START.yaw - 10.0).abs() < 1e-3);
        // A second finger lands (it went down where it is): nothing moves.
        let b = |at: Point| finger(2, [300.0, 200.0], at);
        let landed = gesture
            .update(
                after_drag,
                &[a([140.0, 200.0]), b([300.0, 200.0])],
                &[],
                &LENS,
            )
            .expect("pinch");
        assert!(
            landed.approx_eq(&after_drag),
            "{landed:?} vs {after_drag:?}"
        );
        // Spread them: a pinch from there.
        let pinched = gesture
            .update(landed, &[a([60.0, 200.0]), b([380.0, 200.0])], &[], &LENS)
            .expect("pinch");
        assert!(pinched.distance < landed.distance);
        // Lift the second: the first goes on as a drag from where it is, without a jump.
        let lifted = gesture
            .update(pinched, &[a([60.0, 200.0])], &[b([380.0, 200.0])], &LENS)
            .expect("drag again");
        assert!(lifted.approx_eq(&pinched), "{lifted:?} vs {pinched:?}");
        let dragged = gesture
            .update(lifted, &[a([80.0, 200.0])], &[], &LENS)
            .expect("drag");
        assert!((dragged.yaw - lifted.yaw - 5.0).abs() < 1e-3, "{dragged:?}");
        assert_eq!(
            gesture.update(dragged, &[], &[a([80.0, 200.0])], &LENS),
            Some(dragged)
        );
        assert!(!gesture.is_active());
    }

    #[test]
    fn the_limits_hold_throughout() {
        let pose = two_finger_gesture(
            ([199.0, 200.0], [201.0, 200.0]),
            ([0.0, 200.0], [400.0, 200.0]),
            5,
        );
        assert_eq!(pose.distance, crate::camera_pose::MIN_DISTANCE_M);
        let mut gesture = TouchGesture::default();
        let tipped = gesture
            .update(
                START,
                &[finger(1, [200.0, 0.0], [200.0, 4_000.0])],
                &[],
                &LENS,
            )
            .expect("drag");
        assert_eq!(tipped.pitch, crate::camera_pose::MAX_PITCH_DEG);
    }

    #[test]
    fn twisting_sign_and_degenerate_cases() {
        let (a, b) = ([0.0, 0.0], [100.0, 0.0]);
        let clockwise = twist_deg((a, b), (a, [100.0, 100.0]));
        assert!((clockwise.abs() - 45.0).abs() < 1e-3, "{clockwise}");
        let anticlockwise = twist_deg((a, b), (a, [100.0, -100.0]));
        assert!((clockwise + anticlockwise).abs() < 1e-3);
        assert_eq!(twist_deg((a, a), (a, b)), 0.0);
    }
}
