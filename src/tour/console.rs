//! The tour's side of the presenter console: [`ConsoleLink`] says whether this window is the
//! presenter's and whether the other window is there. While both are true the presenter's
//! window follows the audience's status (`TourCommand::Follow`) and keeps no time of its own;
//! alone, either window plays tours itself.

use bevy::prelude::*;

use super::TourPlayback;
use crate::model::tour::console::TourStatus;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<ConsoleLink>();
}

/// This window's part in a presentation.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ConsoleLink {
    /// This window is the presenter's console (`?present=1`).
    pub presenter: bool,
    /// The other window (the audience's for a presenter, the presenter's for the audience) has
    /// been heard from lately.
    pub peer: bool,
}

impl ConsoleLink {
    /// The presenter's window with an audience window to follow: it sends its commands there
    /// and takes the tour's place from there.
    pub fn follows_the_audience(&self) -> bool {
        self.presenter && self.peer
    }

    /// The audience's window with a presenter's console driving it.
    pub fn is_presented(&self) -> bool {
        !self.presenter && self.peer
    }
}

impl TourPlayback {
    /// Where the tour is, as the audience's window tells the presenter's.
    pub fn status(&self) -> TourStatus {
        match &self.now {
            None => TourStatus::default(),
            Some(now) => TourStatus {
                tour: Some(now.tour.clone()),
                step: now.step,
                playing: now.playing,
                step_elapsed_s: now.elapsed_s,
                tour_elapsed_s: now.tour_elapsed_s,
                arrival_s: now.arrival_s,
                hold_s: now.hold_s,
            },
        }
    }
}
