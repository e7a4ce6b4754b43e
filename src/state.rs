//! The app state and the one system that changes it.
//!
//! Pointer, keys, page buttons, the URL hash and `window.alatau` all produce [`Intent`]s;
//! [`apply_intents`] applies them in order; everything else only reads [`ExplorerState`].

use bevy::prelude::*;
use serde_json::json;

use crate::AppSystems;
use crate::camera::OrbitCamera;
use crate::model::camera_pose::CameraPose;
use crate::model::format::Currency;
use crate::model::lang::Lang;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<Intent>()
        .init_resource::<ExplorerState>()
        .add_systems(Update, apply_intents.in_set(AppSystems::ApplyIntents));
}

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
    /// Stop everything with this panic message: proves the page's error overlay.
    DebugPanic(String),
}

/// What the app shows, apart from the camera (which lives on [`OrbitCamera`]).
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct ExplorerState {
    /// Interface language.
    pub lang: Lang,
    /// Selected record id, if any.
    pub selection: Option<String>,
    /// Currency of the amounts shown.
    pub currency: Currency,
}

/// Applies every pending intent to the state, in the order they came.
pub fn apply_intents(
    mut intents: MessageReader<Intent>,
    mut state: ResMut<ExplorerState>,
    mut cameras: Query<&mut OrbitCamera>,
) {
    for intent in intents.read() {
        match intent {
            Intent::SetLang(lang) => {
                if state.lang != *lang {
                    state.lang = *lang;
                }
            }
            Intent::SetCurrency(currency) => {
                if state.currency != *currency {
                    state.currency = *currency;
                }
            }
            Intent::ResetView => {
                for mut camera in &mut cameras {
                    camera.goal = CameraPose::OVERVIEW;
                }
            }
            Intent::SetCamera(pose) => {
                for mut camera in &mut cameras {
                    camera.cut_to(pose.clamped());
                }
            }
            Intent::DebugPanic(message) => panic!("{message}"),
        }
    }
}

/// The JSON that `window.alatau.state()` returns.
pub fn public_state(
    state: &ExplorerState,
    camera: Option<&CameraPose>,
    frame: u32,
    fps: f64,
) -> serde_json::Value {
    json!({
        "lang": state.lang.code(),
        "selection": state.selection,
        "tour": null,
        "step": null,
        "camera": camera,
        "frame": frame,
        "fps": (fps * 10.0).round() / 10.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app_with_camera() -> App {
        let mut app = App::new();
        app.add_plugins(MinimalPlugins).add_plugins(plugin);
        app.world_mut()
            .spawn(OrbitCamera::new(CameraPose::OVERVIEW));
        app
    }

    fn camera(app: &mut App) -> OrbitCamera {
        let mut query = app.world_mut().query::<&OrbitCamera>();
        query.single(app.world()).expect("one orbit camera").clone()
    }

    #[test]
    fn intents_apply_in_order() {
        let mut app = app_with_camera();
        app.world_mut().write_message(Intent::SetLang(Lang::Ru));
        app.world_mut().write_message(Intent::SetLang(Lang::Kk));
        app.update();
        assert_eq!(
            app.world().resource::<ExplorerState>().lang,
            Lang::Kk,
            "the last intent wins"
        );
        app.world_mut()
            .write_message(Intent::SetCurrency(Currency::Usd));
        app.update();
        assert_eq!(
            app.world().resource::<ExplorerState>().currency,
            Currency::Usd
        );
    }

    #[test]
    fn set_camera_cuts_and_reset_view_flies_back() {
        let mut app = app_with_camera();
        let pose = CameraPose {
            x: 100.0,
            z: -200.0,
            distance: 900.0,
            yaw: 90.0,
            pitch: 40.0,
        };
        app.world_mut().write_message(Intent::SetCamera(pose));
        app.update();
        let cut = camera(&mut app);
        assert_eq!(cut.current, pose, "a link's camera is a cut, not a flight");
        assert_eq!(cut.goal, pose);

        app.world_mut().write_message(Intent::ResetView);
        app.update();
        let back = camera(&mut app);
        assert_eq!(
            back.goal,
            CameraPose::OVERVIEW,
            "reset aims at the overview"
        );
    }

    #[test]
    fn set_camera_clamps_what_it_is_given() {
        let mut app = app_with_camera();
        let wild = CameraPose {
            x: 0.0,
            z: 0.0,
            distance: 1.0,
            yaw: 0.0,
            pitch: -45.0,
        };
        app.world_mut().write_message(Intent::SetCamera(wild));
        app.update();
        assert_eq!(camera(&mut app).current, wild.clamped());
    }

    #[test]
    fn public_state_has_the_documented_fields() {
        let state = ExplorerState {
            lang: Lang::Ru,
            selection: Some("iconic-complex".into()),
            ..default()
        };
        let value = public_state(&state, Some(&CameraPose::OVERVIEW), 42, 29.96);
        assert_eq!(value["lang"], "ru");
        assert_eq!(value["selection"], "iconic-complex");
        assert_eq!(value["frame"], 42);
        assert_eq!(value["fps"], 30.0);
        assert_eq!(value["camera"]["distance"], CameraPose::OVERVIEW.distance);
        assert!(value["tour"].is_null() && value["step"].is_null());
    }
}
