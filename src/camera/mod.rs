//! The camera: an orbit round a ground target. It moves by camera commands (flights and cuts,
//! from the app state and tours) and by the visitor's direct manipulation (mouse, touch, keys),
//! which emits visitor activity; it eases towards its goal.

pub mod commands;
pub mod controls;
mod orbit;

pub use commands::{CameraCommand, MotionPreference};
pub use orbit::OrbitCamera;

use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    app.add_plugins((motion_plugin, orbit::plugin, controls::plugin));
}

/// Commands, flights and easing without the camera entity or the controls (headless tests,
/// and the data view, whose page still sends trackpad pinches).
pub fn motion_plugin(app: &mut App) {
    app.add_message::<controls::TrackpadPinch>()
        .add_plugins((commands::plugin, orbit::motion_plugin));
}
