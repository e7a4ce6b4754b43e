//! Pure domain logic: no Bevy, no web-sys, so everything here runs and is tested natively.
//!
//! The app turns these types into ECS resources and DOM text; nothing here knows about either.

pub mod camera_pose;
pub mod lang;
pub mod url_state;
