//! The camera: an orbit around a ground target, driven by mouse, touch and keys, easing towards
//! its goal pose.

mod controls;
mod orbit;

pub use orbit::OrbitCamera;

use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    app.add_plugins((orbit::plugin, controls::plugin));
}
