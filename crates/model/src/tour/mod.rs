//! Guided tours: the types of `assets/data/tours.json` ([`ToursFile`]), read and checked
//! against the snapshot by [`load_tours`] (syntax, types and domain rules with file, line and
//! JSON path, as for the snapshot), the caption-figures rule ([`figures`]: a caption carries no
//! number the snapshot does not hold), playback as a pure function of time ([`playback`]), and
//! the presenter console's messages and timing ([`console`]).

pub mod console;
pub mod figures;
pub mod playback;
mod rules;

use serde::{Deserialize, Serialize};

use crate::camera_pose::CameraPose;
use crate::record_view::focus;
use crate::snapshot::{I18nText, Snapshot, Status};
use crate::validate::{SnapshotError, SnapshotErrors, json};

/// The version of the tours format this build reads.
pub const TOURS_SCHEMA_VERSION: u32 = 1;

/// The tours file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToursFile {
    /// Format version, [`TOURS_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The tours, in the order the list shows them.
    pub tours: Vec<Tour>,
}

/// One guided tour.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tour {
    /// Stable kebab-case id (the URL's `tour=`).
    pub id: String,
    /// Its title.
    pub title: I18nText,
    /// A one-line summary for the list.
    pub summary: I18nText,
    /// Its steps, in order.
    pub steps: Vec<Step>,
}

/// One stop of a tour.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Where the camera goes.
    pub camera: StepCamera,
    /// A slow orbit round the target while the step holds, degrees per second (`null`: none).
    pub orbit_deg_per_s: Option<f32>,
    /// The record to select (its panel opens), if any.
    pub select: Option<String>,
    /// What the caption card says.
    pub caption: Caption,
    /// Notes for the presenter's console, if any.
    pub notes: Option<I18nText>,
    /// How long the step holds after the camera arrives, seconds (a long caption holds longer).
    pub hold_s: f32,
    /// How the camera arrives.
    pub arrive: Arrival,
    /// The map layers shown (codes, as in `state().layers`); `null` keeps the visitor's.
    pub layers: Option<Vec<String>>,
    /// The project filter shown; `null` keeps the visitor's.
    pub filter: Option<StepFilter>,
    /// The timeline's year shown (2024 to 2050); absent or `null` keeps the visitor's.
    #[serde(default)]
    pub year: Option<u16>,
}

/// Where a step's camera goes: a record to frame (from a heading and a look-down angle), or an
/// explicit pose; exactly one of `frame` and `pose`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepCamera {
    /// The record to frame.
    pub frame: Option<String>,
    /// An explicit pose.
    pub pose: Option<PoseSpec>,
    /// With `frame`: the compass heading, degrees (default the overview's).
    pub yaw: Option<f32>,
    /// With `frame`: the look-down angle, degrees (default 35).
    pub pitch: Option<f32>,
}

/// A camera pose in the file: target in local metres (x east, z south), distance, heading and
/// look-down angle.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoseSpec {
    /// Target east, metres.
    pub x: f32,
    /// Target south, metres.
    pub z: f32,
    /// Orbit distance, metres.
    pub distance: f32,
    /// Compass heading, degrees.
    pub yaw: f32,
    /// Look-down angle, degrees.
    pub pitch: f32,
}

impl From<PoseSpec> for CameraPose {
    fn from(spec: PoseSpec) -> Self {
        CameraPose {
            x: spec.x,
            z: spec.z,
            distance: spec.distance,
            yaw: spec.yaw,
            pitch: spec.pitch,
        }
    }
}

/// A step's caption card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Caption {
    /// The title.
    pub title: I18nText,
    /// The text.
    pub text: I18nText,
}

/// How the camera arrives at a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Arrival {
    /// A flight from where the camera is.
    Fly,
    /// A cut.
    Cut,
}

/// The project filter a step shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepFilter {
    /// Cluster zone id.
    pub cluster: Option<String>,
    /// Sector id.
    pub sector: Option<String>,
    /// Status.
    pub status: Option<Status>,
}

/// Default look-down angle of a framed record, degrees.
const FRAME_PITCH_DEG: f32 = 35.0;

impl Step {
    /// The pose the step's camera goes to, if its record has a place on the map.
    pub fn pose(&self, snapshot: &Snapshot) -> Option<CameraPose> {
        if let Some(spec) = self.camera.pose {
            return Some(CameraPose::from(spec).clamped());
        }
        let place = focus(snapshot, self.camera.frame.as_deref()?)?;
        let from = CameraPose {
            yaw: self.camera.yaw.unwrap_or(CameraPose::OVERVIEW.yaw),
            pitch: self.camera.pitch.unwrap_or(FRAME_PITCH_DEG),
            ..CameraPose::OVERVIEW
        };
        let framed = from.framing(place.at.x, place.at.z, place.radius_m);
        // `framing` looks down at least 25 degrees; a tour may choose its own angle.
        Some(
            CameraPose {
                pitch: from.pitch,
                ..framed
            }
            .clamped(),
        )
    }
}

impl ToursFile {
    /// A tour by id.
    pub fn tour(&self, id: &str) -> Option<&Tour> {
        self.tours.iter().find(|tour| tour.id == id)
    }
}

/// Parses and checks a tours file against `snapshot`; `file` names it in the errors.
pub fn load_tours(
    file: &str,
    text: &str,
    snapshot: &Snapshot,
) -> Result<ToursFile, SnapshotErrors> {
    let fail = |errors: Vec<SnapshotError>| SnapshotErrors {
        file: file.to_owned(),
        errors,
    };
    let tours: ToursFile = json::read_typed(text).map_err(|error| fail(vec![error]))?;
    let mut errors = rules::check(&tours, snapshot);
    for error in &mut errors {
        error.line = rules::tour_id_for_path(&tours, &error.path)
            .and_then(|id| json::line_of_record(text, id));
    }
    if errors.is_empty() {
        Ok(tours)
    } else {
        Err(fail(errors))
    }
}

/// The tours file bundled with the app, checked: the fixture of the unit tests.
#[cfg(test)]
pub(crate) fn bundled_tours() -> ToursFile {
    let text = include_str!("../../../../assets/data/tours.json");
    match load_tours("tours.json", text, &crate::bundled_snapshot()) {
        Ok(tours) => tours,
        Err(errors) => panic!("the bundled tours are invalid: {errors}"),
    }
}
