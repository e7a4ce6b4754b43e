//! [`Intent`]: something a user, a link, an embedding host (and soon a tour step, a kiosk reset
//! or a timeline change) asks the app to do. One closed enum, one writer (`apply_intents`).

use bevy::prelude::*;

use crate::model::camera_pose::CameraPose;
use crate::model::format::Currency;
use crate::model::lang::Lang;
use crate::model::layers::{Layer, Relief};
use crate::model::legend::ProjectFilter;

/// Something a user, a link or an embedding host asks the app to do.
#[derive(Message, Clone, Debug, PartialEq)]
pub enum Intent {
    /// Switch the interface language.
    SetLang(Lang),
    /// Show amounts in tenge or dollars.
    SetCurrency(Currency),
    /// Fly back to the overview.
    ResetView,
    /// Move the camera to a pose (from a link): a cut, not a flight.
    SetCamera(CameraPose),
    /// Select a record (`None` clears the selection); `fly` also flies the camera to it.
    Select {
        /// Record id, or `None` to clear.
        id: Option<String>,
        /// Whether to fly to it.
        fly: bool,
    },
    /// Fly to a record without changing the selection.
    FlyTo(String),
    /// Filter the projects by cluster, sector and status (what does not match is dimmed).
    SetFilter(ProjectFilter),
    /// Show or hide a layer of the map.
    ShowLayer(Layer, bool),
    /// Exaggerate the terrain's relief.
    SetRelief(Relief),
    /// Show the city at a year of the timeline (`None`: the present).
    SetYear(Option<u16>),
    /// Stop everything with this panic message: proves the page's error overlay.
    DebugPanic(String),
}
