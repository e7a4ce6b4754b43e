//! Alatau Explorer: an in-browser 3D explorer of Alatau City, Kazakhstan.
//!
//! [`AppPlugin`] is the whole app: Bevy's default plugins trimmed for the web, then one plugin per
//! feature folder. Input of every kind becomes an [`state::Intent`]; one system applies intents to
//! the visitor's choices and sends camera commands; the scene, camera and the page only render
//! what was chosen. The folders are layered, each using only those beneath it: `model`, then
//! [`world`], then [`scene`] and [`camera`], then [`state`], then [`picking`] and [`selection`], then [`tour`],
//! then [`kiosk`], then `web`.

pub mod camera;
pub mod kiosk;
pub mod picking;
pub mod scene;
pub mod selection;
pub mod state;
pub mod tour;
#[cfg(target_arch = "wasm32")]
mod web;
pub mod world;

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
        configure_app_systems(app);
        app.add_plugins((
            world::plugin,
            state::plugin,
            scene::plugin,
            camera::plugin,
            selection::plugin,
            tour::plugin,
            kiosk::plugin,
        ));
        #[cfg(target_arch = "wasm32")]
        app.add_plugins(web::plugin);
    }
}

/// Declares the frame order of [`AppSystems`] (also for headless test apps).
pub(crate) fn configure_app_systems(app: &mut App) {
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
}

/// Builds and runs the app in the page's canvas (or a native window). A page without WebGL 2
/// gets the data view instead: the same data, panels and API, with no renderer.
pub fn run() {
    #[cfg(target_arch = "wasm32")]
    if web::page_wants_console_view() {
        run_console_view();
        return;
    }
    #[cfg(target_arch = "wasm32")]
    if web::page_wants_data_view() {
        run_data_view();
        return;
    }
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

/// The app without a renderer, for a page that cannot draw the city (no WebGL 2): the snapshot
/// is loaded and validated as usual and the page shows the portfolio, the project table, the
/// info panel, search and the language switch, driven by the same state and intents.
#[cfg(target_arch = "wasm32")]
fn run_data_view() {
    let mut app = app_without_renderer();
    app.add_plugins((
        world::plugin,
        state::plugin,
        camera::motion_plugin,
        web::data_view_plugin,
    ));
    web::report_panics_to_page();
    app.run();
}

/// The presenter console (`?present=1`): the tours without a renderer. The city is drawn once,
/// in the audience's window; a console that drew it too would halve the projector's frame rate
/// on the presenter's laptop (a popup shares its opener's main thread).
#[cfg(target_arch = "wasm32")]
fn run_console_view() {
    let mut app = app_without_renderer();
    app.add_plugins((
        world::plugin,
        state::plugin,
        camera::motion_plugin,
        tour::plugin,
        web::console_view_plugin,
    ));
    web::report_panics_to_page();
    app.run();
}

/// Bevy without window or renderer for a page's panels: a 50 ms tick (enough for clicks,
/// typing and a console's clocks), logging, assets, states and the frame order.
#[cfg(target_arch = "wasm32")]
fn app_without_renderer() -> App {
    const TICK: std::time::Duration = std::time::Duration::from_millis(50);
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins.set(bevy::app::ScheduleRunnerPlugin::run_loop(TICK)),
        bevy::log::LogPlugin::default(),
        AssetPlugin {
            meta_check: bevy::asset::AssetMetaCheck::Never,
            ..default()
        },
        bevy::state::app::StatesPlugin,
    ));
    configure_app_systems(&mut app);
    app
}
