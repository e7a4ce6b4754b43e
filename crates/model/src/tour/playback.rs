//! Tour playback as a pure function of time: how long a step's camera takes to arrive (a flight
//! grows with the distance flown; a cut takes none), how long it then holds (its own hold, or
//! longer when its caption takes longer to read in the visitor's language), and where a step is
//! after some time in it.

use super::{Arrival, Step};
use crate::camera_pose::CameraPose;
use crate::flight::Flight;
use crate::lang::Lang;

/// Characters a visitor reads per second (about 180 words a minute), and the glance before.
const READING_CHARS_PER_S: f32 = 15.0;
const READING_START_S: f32 = 1.5;
/// Tour flights are calmer than a visitor's jumps: this much longer, within these limits.
const TOUR_FLIGHT_PACE: f32 = 1.6;
const TOUR_FLIGHT_MIN_S: f32 = 2.0;
const TOUR_FLIGHT_MAX_S: f32 = 7.0;

/// Seconds to read the step's caption in `lang`.
pub fn reading_time_s(step: &Step, lang: Lang) -> f32 {
    let characters =
        step.caption.title.get(lang).chars().count() + step.caption.text.get(lang).chars().count();
    READING_START_S + characters as f32 / READING_CHARS_PER_S
}

/// Seconds the step holds after the camera arrives: its own hold, or the reading time.
pub fn hold_s(step: &Step, lang: Lang) -> f32 {
    step.hold_s.max(reading_time_s(step, lang))
}

/// Seconds the camera takes to arrive at `to` from `from`.
pub fn arrival_s(step: &Step, from: &CameraPose, to: &CameraPose) -> f32 {
    match step.arrive {
        Arrival::Cut => 0.0,
        Arrival::Fly => (Flight::natural_duration_s(from, to) * TOUR_FLIGHT_PACE)
            .clamp(TOUR_FLIGHT_MIN_S, TOUR_FLIGHT_MAX_S),
    }
}

/// Where a step is, some time after it began.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StepPhase {
    /// The camera is on its way; `progress` of the arrival (0..1).
    Arriving {
        /// Share of the arrival done.
        progress: f32,
    },
    /// The camera has arrived; the caption holds, `left_s` to go.
    Holding {
        /// Seconds since arrival.
        held_s: f32,
        /// Seconds left.
        left_s: f32,
    },
    /// The step is over: the next one begins.
    Over,
}

/// The phase of a step `elapsed_s` after it began, for an arrival of `arrival_s` and a hold of
/// `hold_s` (the hold counts from the arrival, not from the start).
pub fn phase_at(elapsed_s: f32, arrival_s: f32, hold_s: f32) -> StepPhase {
    if elapsed_s < arrival_s {
        return StepPhase::Arriving {
            progress: (elapsed_s / arrival_s).clamp(0.0, 1.0),
        };
    }
    let held_s = elapsed_s - arrival_s;
    if held_s < hold_s {
        StepPhase::Holding {
            held_s,
            left_s: hold_s - held_s,
        }
    } else {
        StepPhase::Over
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tour::bundled_tours;

    #[test]
    fn the_hold_counts_from_the_arrival() {
        assert_eq!(
            phase_at(0.0, 3.0, 5.0),
            StepPhase::Arriving { progress: 0.0 }
        );
        assert_eq!(
            phase_at(1.5, 3.0, 5.0),
            StepPhase::Arriving { progress: 0.5 }
        );
        assert_eq!(
            phase_at(4.0, 3.0, 5.0),
            StepPhase::Holding {
                held_s: 1.0,
                left_s: 4.0
            }
        );
        assert_eq!(phase_at(8.0, 3.0, 5.0), StepPhase::Over);
        assert_eq!(
            phase_at(0.0, 0.0, 5.0),
            StepPhase::Holding {
                held_s: 0.0,
                left_s: 5.0
            },
            "a cut holds at once"
        );
    }

    #[test]
    fn a_long_caption_holds_longer_in_the_language_that_runs_longer() {
        let tours = bundled_tours();
        let step = &tours.tours[0].steps[0];
        for lang in Lang::ALL {
            assert!(hold_s(step, lang) >= step.hold_s);
        }
        let mut wordy = step.clone();
        wordy.hold_s = 1.0;
        wordy.caption.text.ru = "слово ".repeat(60);
        assert!(hold_s(&wordy, Lang::Ru) > hold_s(&wordy, Lang::En));
        assert!((hold_s(&wordy, Lang::Ru) - reading_time_s(&wordy, Lang::Ru)).abs() < 1e-6);
    }

    #[test]
    fn flights_take_longer_for_longer_journeys_and_cuts_take_none() {
        let tours = bundled_tours();
        let mut step = tours.tours[0].steps[0].clone();
        let near = CameraPose {
            distance: 1_500.0,
            ..CameraPose::OVERVIEW
        };
        let far = CameraPose {
            x: 20_000.0,
            ..near
        };
        step.arrive = Arrival::Fly;
        let short = arrival_s(&step, &near, &near);
        let long = arrival_s(&step, &near, &far);
        assert!(short >= TOUR_FLIGHT_MIN_S && long > short && long <= TOUR_FLIGHT_MAX_S);
        step.arrive = Arrival::Cut;
        assert_eq!(arrival_s(&step, &near, &far), 0.0);
    }
}
