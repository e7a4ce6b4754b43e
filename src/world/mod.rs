//! What the scene, the camera and everything above them stand on: the app's phases and modes,
//! the data snapshot and the tours, what the landmark models' check refused, the ground, the palette, the visitor's choices (one resource per field)
//! and the visitor-activity message. Uses only `model`.

pub mod activity;
pub mod choices;
pub mod data;
pub mod ground;
pub mod model_checks;
pub mod palette;
pub mod phase;
pub mod pick_outline;
pub mod tours;

use bevy::prelude::*;

/// The phases, the data, the choices and the activity message; `run` and `run_data_view` both
/// add it before any feature plugin.
pub(super) fn plugin(app: &mut App) {
    app.add_plugins((
        phase::plugin,
        data::plugin,
        tours::plugin,
        choices::plugin,
        activity::plugin,
        model_checks::plugin,
    ));
}

/// Starts loading `path` while the app is being built, so that its request goes out before the
/// first frame rather than after it: on wasm an asset's fetch starts only when the frame that
/// asked for it has ended, and the first frame (schedules set up, the renderer started) takes
/// hundreds of milliseconds on a slow machine. The asset's loader must be registered already.
pub fn load_before_first_frame<A: Asset>(app: &App, path: &'static str) -> Handle<A> {
    app.world().resource::<AssetServer>().load(path)
}

/// The snapshot record (district, cluster zone, project) an entity shows.
#[derive(Component, Debug, Clone, PartialEq, Eq)]
pub struct RecordId(pub String);

/// Test support: the world's phases, choices and activity message without the data loader, for
/// headless apps that provide their own data (`data::provide_bundled_data`).
#[cfg(test)]
pub mod tests {
    use bevy::prelude::*;

    /// States, phases, choices and the activity message.
    pub fn headless_world(app: &mut App) {
        app.add_plugins(bevy::state::app::StatesPlugin)
            .add_plugins((
                super::phase::plugin,
                super::choices::plugin,
                super::activity::plugin,
                super::model_checks::plugin,
            ));
    }
}
