//! The 3D world: lighting and sky, and (until the real geography lands) a placeholder landscape
//! at true scale that proves the rendering path end to end.

pub mod palette;

mod lighting;
mod placeholder;

use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    app.add_plugins((lighting::plugin, placeholder::plugin));
}

/// Marks the root entity of the city; its presence means the world has been spawned.
#[derive(Component, Debug, Default)]
pub struct CityRoot;
