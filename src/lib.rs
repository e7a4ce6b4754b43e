//! Alatau Explorer: an in-browser 3D explorer of Alatau City, Kazakhstan.
//!
//! [`AppPlugin`] is the whole app: Bevy's default plugins trimmed for the web, then one plugin per
//! feature folder. Input of every kind becomes an [`state::Intent`]; one system applies intents to
//! the app state; the scene, camera and the page only render that state.

pub mod camera;
pub mod data;
pub mod scene;
pub mod selection;
pub mod state;
#[cfg(target_arch = "wasm32")]
mod web;

/// The pure domain logic, in its own crate so the compiler keeps it free of Bevy and web-sys.
pub use alatau_model as model;

use bevy::prelude::*;

/// The order of the app's work within a frame, declared once.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppSystems {
    /// Gather input from the pointer, keys, the page and the URL, as intents.
    ReadInput,
    /// Apply intents to the app state.
    ApplyIntents,
    /// Move things (camera easing, animations) towards the state.
    Animate,
    /// Show the state: scene highlights, the page, the URL.
    Render,
}

/// The canvas the page provides for the 3D view.
pub const CANVAS_SELECTOR: &str = "#alatau-canvas";

/// Everything Alatau Explorer adds to Bevy's default plugins.
pub struct AppPlugin;

impl Plugin for AppPlugin {
    fn build(&self, app: &mut App) {
        app.configure_sets(
            Update,
            (
                AppSystems::ReadInput,
                AppSystems::ApplyIntents,
                AppSystems::Animate,
                AppSystems::Render,
            )
                .chain(),
        );
        app.add_plugins((
            state::plugin,
            data::plugin,
            scene::plugin,
            camera::plugin,
            selection::plugin,
        ));
        #[cfg(target_arch = "wasm32")]
        app.add_plugins(web::plugin);
    }
}

/// Builds and runs the app in the page's canvas (or a native window).
pub fn run() {
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title: "Alatau Explorer".into(),
                    canvas: Some(CANVAS_SELECTOR.into()),
                    fit_canvas_to_parent: true,
                    // Let the page keep its own keys (Tab, F5, text fields) working.
                    prevent_default_event_handling: false,
                    ..default()
                }),
                ..default()
            })
            .set(AssetPlugin {
                // A deployer may replace data and models without a rebuild; never look for
                // `.meta` files the site does not have.
                meta_check: bevy::asset::AssetMetaCheck::Never,
                ..default()
            }),
    )
    .add_plugins(AppPlugin);
    // After Bevy's own panic handler, so the page learns of a panic before the trap.
    #[cfg(target_arch = "wasm32")]
    web::report_panics_to_page();
    app.run();
}
