//! The visitor acted: every direct manipulation of the camera (drag, pinch, wheel, canvas keys,
//! a click in the view) and every page control emits one [`VisitorActivity`]. A tour pauses on
//! it; a kiosk restarts its idle timer on it.

use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<VisitorActivity>();
}

/// One act of the visitor's, this frame.
#[derive(Message, Clone, Copy, Debug, PartialEq, Eq)]
pub struct VisitorActivity(pub ActivitySource);

/// What the visitor used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActivitySource {
    /// The mouse: moved, dragged, clicked in the view.
    Pointer,
    /// The mouse wheel or a trackpad scroll.
    Wheel,
    /// Fingers on the touch screen.
    Touch,
    /// Keys, with the 3D view focused.
    Keys,
    /// A control of the page (a button, a menu, the search box).
    Page,
}
