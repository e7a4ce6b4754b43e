//! The app state's one writer: pointer, keys, page buttons, the URL hash and `window.alatau`
//! produce [`Intent`]s; [`apply::apply_intents`] applies them in order to the visitor's choices
//! (`world::choices`) and sends camera commands; the page's view models ([`page_views`]) follow
//! the fields they show; [`public`] gathers `state()`'s JSON.

pub mod apply;
pub mod intent;
pub mod page_views;
pub mod public;

pub use apply::PendingFlight;
pub use intent::Intent;
pub use public::{Choices, ExplorerState, public_state};

use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    app.add_plugins((apply::plugin, page_views::plugin));
}
