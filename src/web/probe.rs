//! A diagnostic for the browser suite (`?debug=1` only): `window.alatau.debug.groundAt(x, y)`
//! answers, after the next frame is placed, with the ground point (metres, x east, z south)
//! under a viewport point, found with the real camera's ray against the ground plane at the
//! camera target's height. Touch tests use it to check that a pinch keeps the ground under the
//! fingers' midpoint.

use bevy::prelude::*;
use bevy::transform::TransformSystems;
use wasm_bindgen::JsValue;

use crate::camera::OrbitCamera;
use crate::world::ground::Ground;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        PostUpdate,
        answer_ground_probes.after(TransformSystems::Propagate),
    );
}

/// A question from the page: the viewport point, and the function that takes the answer.
#[derive(Debug)]
pub(super) struct GroundProbe {
    pub at: Vec2,
    pub reply: js_sys::Function,
}

/// The probes waiting for a frame (not `Send`: they hold JavaScript functions).
#[derive(Debug, Default)]
pub(super) struct GroundProbes(pub Vec<GroundProbe>);

fn answer_ground_probes(
    mut probes: NonSendMut<GroundProbes>,
    cameras: Query<(&Camera, &GlobalTransform, &OrbitCamera)>,
    ground: Option<Res<Ground>>,
) {
    if probes.0.is_empty() {
        return;
    }
    let Ok((camera, transform, orbit)) = cameras.single() else {
        return;
    };
    let height = ground.as_ref().map_or(0.0, |ground| {
        ground.height(orbit.current.x, orbit.current.z).max(0.0)
    });
    for probe in probes.0.drain(..) {
        let answer = camera
            .viewport_to_world(transform, probe.at)
            .ok()
            .and_then(|ray| {
                let along = ray
                    .intersect_plane(Vec3::new(0.0, height, 0.0), InfinitePlane3d::new(Vec3::Y))?;
                let point = ray.get_point(along);
                Some(serde_json::json!({ "x": point.x, "z": point.z }).to_string())
            })
            .unwrap_or_else(|| "null".to_owned());
        if probe
            .reply
            .call1(&JsValue::NULL, &JsValue::from_str(&answer))
            .is_err()
        {
            warn!("groundAt: the page refused the answer");
        }
    }
}
