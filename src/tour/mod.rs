//! Guided tours at run time: [`TourCommand`]s (from the page, the URL and `window.alatau`)
//! start, step through, pause and stop a tour of `world::tours::TourData`; playback sends the
//! camera commands and intents of each step, keeps `world::choices::TourPosition` and
//! [`TourPlayback`] up to date, puts the app in `AppMode::Tour`, and pauses when the visitor
//! takes the camera (a drag, a pinch, the wheel, keys on the view). With a presenter console
//! ([`ConsoleLink`]), the presenter's window follows the audience's tour instead of keeping its
//! own time.

mod console;
mod playback;

pub use console::ConsoleLink;
pub use playback::{Playing, TourPlayback};

use crate::model::tour::console::TourStatus;

use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    app.add_plugins((console::plugin, playback::plugin));
}

/// Something asked of the tour player.
#[derive(Message, Clone, Debug, PartialEq)]
pub enum TourCommand {
    /// Start the tour `id` at `step` (from 0), playing or paused (a shared link lands paused).
    Start {
        /// The tour's id.
        id: String,
        /// The step to start on.
        step: usize,
        /// Whether it plays at once.
        playing: bool,
    },
    /// Stop the tour; the visitor explores from where the camera is.
    Stop,
    /// The next step (past the last, the tour ends).
    Next,
    /// The previous step.
    Previous,
    /// Play or pause; after the visitor took the camera, resume: fly back to the step and go on.
    TogglePlay,
    /// The presenter's window catches up with the audience's tour (its step, play state and
    /// clocks).
    Follow(TourStatus),
}

/// A ready headless app with the bundled data and tours, the state, the camera's motion and the
/// tour player (and what `add` adds before it starts), time stepped by hand at 1/5 s a frame.
#[cfg(test)]
pub(crate) fn headless_app_with_tours(add: impl FnOnce(&mut App)) -> App {
    use std::sync::Arc;
    use std::time::Duration;

    use crate::camera::OrbitCamera;
    use crate::model::camera_pose::CameraPose;
    use crate::world::phase::AppPhase;
    use crate::world::tours::TourData;

    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .add_plugins(crate::world::tests::headless_world)
        .add_plugins((crate::state::plugin, crate::camera::motion_plugin, plugin));
    crate::configure_app_systems(&mut app);
    crate::world::data::provide_bundled_data(&mut app);
    let snapshot = crate::world::data::bundled_city_data();
    let tours = crate::model::tour::load_tours(
        "tours.json",
        include_str!("../../assets/data/tours.json"),
        &snapshot,
    )
    .expect("the bundled tours");
    app.insert_resource(TourData(Arc::new(tours)));
    app.insert_resource(bevy::time::TimeUpdateStrategy::ManualDuration(
        Duration::from_millis(200),
    ));
    add(&mut app);
    app.world_mut()
        .spawn(OrbitCamera::new(CameraPose::OVERVIEW));
    app.update();
    app.world_mut()
        .resource_mut::<NextState<AppPhase>>()
        .set(AppPhase::Ready);
    app.update();
    app
}
