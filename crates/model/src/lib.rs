//! Alatau Explorer's pure domain logic: no Bevy, no web-sys, so everything here runs and is
//! tested natively, and `cargo xtask validate-data` uses it without compiling the engine.
//!
//! The app turns these types into ECS resources and DOM text; nothing here knows about either.

pub mod camera_pose;
pub mod figure;
pub mod flight;
pub mod format;
pub mod geo;
pub mod geography;
pub mod gesture;
pub mod glb;
pub mod i18n;
pub mod kiosk;
pub mod labels;
pub mod landmark_check;
pub mod lang;
pub mod layers;
pub mod legend;
pub mod massing;
pub mod polygon;
pub mod portfolio_view;
pub mod project_table;
pub mod qr;
pub mod record_view;
pub mod search;
pub mod snapshot;
pub mod terrain;
pub mod timeline;
pub mod tour;
pub mod url_state;
pub mod validate;

/// The snapshot bundled with the app, validated: the fixture of the unit tests.
#[cfg(test)]
pub(crate) fn bundled_snapshot() -> snapshot::Snapshot {
    let text = include_str!("../../../assets/data/alatau.json");
    match validate::load_snapshot("alatau.json", text) {
        Ok(snapshot) => snapshot,
        Err(errors) => panic!("the bundled snapshot is invalid: {errors}"),
    }
}
