//! The presenter console's side of a tour: the messages the presenter's window and the audience's
//! window exchange over a `BroadcastChannel` ([`ConsoleMessage`], JSON), how long a tour is
//! planned to take ([`planned_tour_s`]), whether the other window is still there
//! ([`PeerWatch`]), and the clock format of the console ([`clock`]).
//!
//! The audience window (the projector) keeps the tour's time and sends its [`TourStatus`]; the
//! presenter's window sends commands and follows the status. Either window alone is a whole
//! explorer again.

use serde::{Deserialize, Serialize};

use super::Tour;
use super::playback::{arrival_s, hold_s};
use crate::camera_pose::CameraPose;
use crate::lang::Lang;
use crate::snapshot::Snapshot;

/// The channel both windows open (same origin only, by the browser's rule).
pub const CHANNEL_NAME: &str = "alatau-explorer-tour";

/// Seconds without a word from the other window before it counts as gone (it says hello every
/// second, and goodbye when it closes).
pub const PEER_TIMEOUT_S: f64 = 4.0;

/// Which window a message comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WindowRole {
    /// The presenter's console (`?present=1`).
    Presenter,
    /// The audience's view (the explorer on the projector).
    Audience,
}

/// What the presenter's window asks of the audience's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "kebab-case")]
pub enum RemoteCommand {
    /// Start the tour `tour` at `step` (from 0), playing.
    Start {
        /// The tour's id.
        tour: String,
        /// The step, from 0.
        step: usize,
    },
    /// The next step.
    Next,
    /// The previous step.
    Previous,
    /// Play, pause or resume.
    TogglePlay,
    /// End the tour.
    Stop,
}

/// Where the audience's tour is (`tour: None`: no tour plays).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TourStatus {
    /// The tour's id.
    pub tour: Option<String>,
    /// The step shown, from 0.
    pub step: usize,
    /// Whether its clock runs.
    pub playing: bool,
    /// Seconds since the step began.
    pub step_elapsed_s: f32,
    /// Seconds since the tour began.
    pub tour_elapsed_s: f32,
    /// Seconds the step's camera takes to arrive (the audience's own flight).
    pub arrival_s: f32,
    /// Seconds the step holds after arriving (in the audience's language).
    pub hold_s: f32,
}

impl TourStatus {
    /// The same place and play state (the clocks aside): what a follower must catch up with.
    pub fn same_place(&self, other: &TourStatus) -> bool {
        self.tour == other.tour && self.step == other.step && self.playing == other.playing
    }
}

/// One message on the channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ConsoleMessage {
    /// A window is there (sent on opening and every second).
    Hello {
        /// Who says it.
        role: WindowRole,
    },
    /// A window is closing.
    Bye {
        /// Who says it.
        role: WindowRole,
    },
    /// The audience's tour, when it changes and every second.
    Status(TourStatus),
    /// The presenter asks for something.
    Command(RemoteCommand),
}

impl ConsoleMessage {
    /// The message as JSON text.
    pub fn to_json(&self) -> String {
        // A plain enum of strings and numbers always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a message; another page's or version's message is an error to log, not to obey.
    pub fn parse(text: &str) -> Result<ConsoleMessage, String> {
        serde_json::from_str(text).map_err(|error| format!("not a console message: {error}"))
    }
}

/// Seconds the tour is planned to take in `lang`, starting from `from`: every step's arrival
/// (a flight grows with the distance) and hold (at least its reading time).
pub fn planned_tour_s(tour: &Tour, snapshot: &Snapshot, lang: Lang, from: &CameraPose) -> f32 {
    let mut at = *from;
    let mut total = 0.0;
    for step in &tour.steps {
        let to = step.pose(snapshot).unwrap_or(at);
        total += arrival_s(step, &at, &to) + hold_s(step, lang);
        at = to;
    }
    total
}

/// Seconds a step is planned to take (arrival and hold) when the camera comes from `from`.
pub fn planned_step_s(
    tour: &Tour,
    index: usize,
    snapshot: &Snapshot,
    lang: Lang,
    from: &CameraPose,
) -> Option<f32> {
    let step = tour.steps.get(index)?;
    let to = step.pose(snapshot).unwrap_or(*from);
    Some(arrival_s(step, from, &to) + hold_s(step, lang))
}

/// When the other window was last heard from.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PeerWatch {
    last_heard_s: Option<f64>,
}

impl PeerWatch {
    /// The other window spoke at `now_s`.
    pub fn heard(&mut self, now_s: f64) {
        self.last_heard_s = Some(now_s);
    }

    /// The other window said goodbye.
    pub fn gone(&mut self) {
        self.last_heard_s = None;
    }

    /// Whether the other window is there at `now_s`.
    pub fn is_present(&self, now_s: f64) -> bool {
        self.last_heard_s
            .is_some_and(|heard| now_s - heard <= PEER_TIMEOUT_S)
    }
}

/// `m:ss` (or `h:mm:ss` past an hour) for a count of seconds; negative counts as zero.
pub fn clock(seconds: f32) -> String {
    let total = seconds.max(0.0).floor() as u64;
    let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60);
    if hours > 0 {
        format!("{hours}:{minutes:02}:{secs:02}")
    } else {
        format!("{minutes}:{secs:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tour::load_tours;

    fn tours() -> (crate::tour::ToursFile, Snapshot) {
        let snapshot = crate::bundled_snapshot();
        let tours = load_tours(
            "tours.json",
            include_str!("../../../../assets/data/tours.json"),
            &snapshot,
        )
        .expect("the bundled tours");
        (tours, snapshot)
    }

    #[test]
    fn messages_round_trip_as_json() {
        let messages = [
            ConsoleMessage::Hello {
                role: WindowRole::Presenter,
            },
            ConsoleMessage::Bye {
                role: WindowRole::Audience,
            },
            ConsoleMessage::Status(TourStatus {
                tour: Some("corridor".into()),
                step: 2,
                playing: true,
                step_elapsed_s: 3.5,
                tour_elapsed_s: 40.0,
                arrival_s: 4.0,
                hold_s: 12.5,
            }),
            ConsoleMessage::Command(RemoteCommand::Start {
                tour: "corridor".into(),
                step: 1,
            }),
            ConsoleMessage::Command(RemoteCommand::TogglePlay),
        ];
        for message in messages {
            let text = message.to_json();
            assert_eq!(ConsoleMessage::parse(&text), Ok(message), "{text}");
        }
        assert_eq!(
            ConsoleMessage::Command(RemoteCommand::Next).to_json(),
            r#"{"kind":"command","command":"next"}"#
        );
    }

    #[test]
    fn foreign_messages_are_refused() {
        for text in [
            "",
            "42",
            r#"{"kind":"launch"}"#,
            r#"{"kind":"hello","role":"projector"}"#,
            r#"{"kind":"command","command":"start","tour":"corridor"}"#,
        ] {
            let parsed = ConsoleMessage::parse(text);
            assert!(
                parsed
                    .as_ref()
                    .is_err_and(|error| error.starts_with("not a console message")),
                "{text}: {parsed:?}"
            );
        }
    }

    #[test]
    fn a_tour_is_planned_as_its_arrivals_and_holds() {
        let (tours, snapshot) = tours();
        for tour in &tours.tours {
            let mut at = CameraPose::OVERVIEW;
            let mut sum = 0.0;
            for index in 0..tour.steps.len() {
                sum += planned_step_s(tour, index, &snapshot, Lang::En, &at).expect("a step");
                at = tour.steps[index].pose(&snapshot).unwrap_or(at);
            }
            let planned = planned_tour_s(tour, &snapshot, Lang::En, &CameraPose::OVERVIEW);
            assert!(
                (planned - sum).abs() < 1e-3,
                "{}: {planned} vs {sum}",
                tour.id
            );
            let reading: f32 = tour.steps.iter().map(|step| hold_s(step, Lang::En)).sum();
            assert!(
                planned > reading,
                "{}: the flights add to the reading",
                tour.id
            );
        }
        let corridor = tours.tour("corridor").expect("corridor");
        let planned = planned_tour_s(corridor, &snapshot, Lang::En, &CameraPose::OVERVIEW);
        assert!(
            (60.0..=240.0).contains(&planned),
            "the corridor in about two minutes: {planned}"
        );
        assert_eq!(
            planned_step_s(corridor, 99, &snapshot, Lang::En, &CameraPose::OVERVIEW),
            None
        );
    }

    #[test]
    fn the_peer_is_gone_after_its_goodbye_or_its_silence() {
        let mut watch = PeerWatch::default();
        assert!(!watch.is_present(0.0), "nobody spoke yet");
        watch.heard(10.0);
        assert!(watch.is_present(10.0 + PEER_TIMEOUT_S - 0.1));
        assert!(!watch.is_present(10.0 + PEER_TIMEOUT_S + 0.1));
        watch.heard(20.0);
        watch.gone();
        assert!(!watch.is_present(20.0));
    }

    #[test]
    fn clocks_read_minutes_and_seconds() {
        assert_eq!(clock(0.0), "0:00");
        assert_eq!(clock(-3.0), "0:00");
        assert_eq!(clock(59.9), "0:59");
        assert_eq!(clock(125.0), "2:05");
        assert_eq!(clock(3725.0), "1:02:05");
    }

    #[test]
    fn statuses_compare_by_place() {
        let a = TourStatus {
            tour: Some("corridor".into()),
            step: 1,
            playing: true,
            step_elapsed_s: 1.0,
            tour_elapsed_s: 9.0,
            arrival_s: 3.0,
            hold_s: 10.0,
        };
        let later = TourStatus {
            step_elapsed_s: 2.0,
            tour_elapsed_s: 10.0,
            ..a.clone()
        };
        assert!(a.same_place(&later));
        assert!(!a.same_place(&TourStatus {
            step: 2,
            ..a.clone()
        }));
        assert!(!a.same_place(&TourStatus::default()));
    }
}
