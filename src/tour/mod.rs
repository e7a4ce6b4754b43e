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
