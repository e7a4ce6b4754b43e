//! The one system that changes the visitor's choices, [`apply_intents`], and the settling of
//! what arrived before the data ([`settle_selection_and_flights`]). The camera is moved only by
//! camera commands.

use bevy::prelude::*;

use super::Intent;
use crate::AppSystems;
use crate::camera::CameraCommand;
use crate::model::camera_pose::CameraPose;
use crate::model::record_view::focus;
use crate::world::choices::{
    ActiveFilter, Language, MapLayers, Selection, ShownCurrency, ShownYear, TerrainRelief,
};
use crate::world::data::CityData;
use crate::world::phase::data_is_in;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<Intent>()
        .init_resource::<PendingFlight>()
        .add_systems(
            Update,
            (
                apply_intents,
                settle_selection_and_flights.run_if(data_is_in),
            )
                .chain()
                .in_set(AppSystems::ApplyIntents),
        );
}

/// A flight asked for before the data arrived (a link opened with `select=`), or now.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct PendingFlight(pub Option<String>);

/// The choices' resources, each changed only when its value does (so each reader sees the
/// fields it shows change, and nothing else).
#[derive(bevy::ecs::system::SystemParam)]
pub struct ChoicesMut<'w> {
    lang: ResMut<'w, Language>,
    selection: ResMut<'w, Selection>,
    currency: ResMut<'w, ShownCurrency>,
    filter: ResMut<'w, ActiveFilter>,
    layers: ResMut<'w, MapLayers>,
    relief: ResMut<'w, TerrainRelief>,
    year: ResMut<'w, ShownYear>,
}

/// Applies every pending intent, in the order they came.
pub fn apply_intents(
    mut intents: MessageReader<Intent>,
    mut choices: ChoicesMut,
    mut pending: ResMut<PendingFlight>,
    mut camera: MessageWriter<CameraCommand>,
) {
    for intent in intents.read() {
        match intent {
            Intent::SetLang(lang) => {
                choices.lang.set_if_neq(Language(*lang));
            }
            Intent::SetCurrency(currency) => {
                choices.currency.set_if_neq(ShownCurrency(*currency));
            }
            Intent::ResetView => {
                camera.write(CameraCommand::fly_to(CameraPose::OVERVIEW));
            }
            Intent::SetCamera(pose) => {
                camera.write(CameraCommand::Cut(pose.clamped()));
            }
            Intent::Select { id, fly } => {
                choices.selection.set_if_neq(Selection(id.clone()));
                match (id, fly) {
                    (Some(id), true) => pending.0 = Some(id.clone()),
                    // A cleared selection flies nowhere later (a kiosk's reset).
                    (None, _) => pending.0 = None,
                    (Some(_), false) => {}
                }
            }
            Intent::FlyTo(id) => pending.0 = Some(id.clone()),
            Intent::SetFilter(filter) => {
                choices.filter.set_if_neq(ActiveFilter(filter.clone()));
            }
            Intent::SetRelief(relief) => {
                choices.relief.set_if_neq(TerrainRelief(*relief));
            }
            Intent::SetYear(year) => {
                let in_range = year.is_none_or(|year| {
                    (crate::model::timeline::FIRST_YEAR..=crate::model::timeline::LAST_YEAR)
                        .contains(&year)
                });
                if in_range {
                    choices.year.set_if_neq(ShownYear(*year));
                } else {
                    warn!("setYear: {year:?} is not a year of the timeline (2024 to 2050)");
                }
            }
            Intent::ShowLayer(layer, shown) => {
                if choices.layers.0.shows(*layer) != *shown {
                    choices.layers.0.set(*layer, *shown);
                }
            }
            Intent::DebugPanic(message) => panic!("{message}"),
        }
    }
}

/// Once the data is in: drops a selection that names no record (with a warning) and flies to
/// the pending record, keeping the view's heading and looking down at least 25 degrees.
pub fn settle_selection_and_flights(
    data: Res<CityData>,
    mut selection: ResMut<Selection>,
    mut pending: ResMut<PendingFlight>,
    mut camera: MessageWriter<CameraCommand>,
    mut checked_once: Local<bool>,
) {
    let selection_is_new = selection.is_changed() || !*checked_once;
    *checked_once = true;
    if selection_is_new
        && let Some(id) = selection.0.clone()
        && data.record(&id).is_none()
    {
        warn!("select: no record `{id}` in the data; the selection is cleared");
        selection.0 = None;
    }
    let Some(id) = pending.0.take() else {
        return;
    };
    let Some(focus) = focus(&data, &id) else {
        warn!("flyTo: `{id}` has no place on the map");
        return;
    };
    camera.write(CameraCommand::Frame {
        x: focus.at.x,
        z: focus.at.z,
        radius_m: focus.radius_m,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::camera::{MotionPreference, OrbitCamera};
    use crate::model::format::Currency;
    use crate::model::lang::Lang;
    use crate::model::layers::{Layer, Layers, Relief};
    use crate::model::legend::ProjectFilter;

    /// The state's plugin with the camera's motion, headless, with the camera at the overview.
    fn app_with_camera() -> App {
        let mut app = App::new();
        app.add_plugins(MinimalPlugins)
            .add_plugins(crate::world::tests::headless_world)
            .add_plugins((plugin, crate::camera::motion_plugin));
        crate::configure_app_systems(&mut app);
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
            app.world().resource::<Language>().0,
            Lang::Kk,
            "the last intent wins"
        );
        app.world_mut()
            .write_message(Intent::SetCurrency(Currency::Usd));
        app.update();
        assert_eq!(app.world().resource::<ShownCurrency>().0, Currency::Usd);
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
    fn reduced_motion_turns_flights_into_cuts() {
        let mut app = with_data(app_with_camera());
        app.insert_resource(MotionPreference { reduced: true });
        app.world_mut()
            .write_message(Intent::FlyTo("kaist-kazakhstan".into()));
        app.update();
        let at_kaist = camera(&mut app);
        assert_eq!(
            at_kaist.current, at_kaist.goal,
            "with reduced motion the camera is already there"
        );
        assert!(
            (at_kaist.current.x + 7_097.0).abs() < 5.0,
            "and there is KAIST: {:?}",
            at_kaist.current
        );
        app.world_mut().write_message(Intent::ResetView);
        app.update();
        assert_eq!(camera(&mut app).current, CameraPose::OVERVIEW);
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

    fn with_data(mut app: App) -> App {
        crate::world::data::provide_bundled_data(&mut app);
        app
    }

    #[test]
    fn selecting_a_record_flies_to_it_and_a_bad_id_is_dropped() {
        let mut app = with_data(app_with_camera());
        app.world_mut().write_message(Intent::Select {
            id: Some("iconic-complex".into()),
            fly: true,
        });
        app.update();
        let selection = app.world().resource::<Selection>().clone();
        assert_eq!(selection.0.as_deref(), Some("iconic-complex"));
        let goal = camera(&mut app).goal;
        assert!(
            (goal.x + 9_919.0).abs() < 5.0 && (goal.z - 27_665.0).abs() < 5.0,
            "the camera aims at the Iconic Complex: {goal:?}"
        );
        assert!(goal.distance < 2_000.0, "close enough to see it: {goal:?}");

        app.world_mut().write_message(Intent::Select {
            id: Some("no-such-record".into()),
            fly: true,
        });
        app.update();
        app.update();
        assert_eq!(
            app.world().resource::<Selection>().0,
            None,
            "an unknown id selects nothing"
        );
    }

    #[test]
    fn a_link_selection_waits_for_the_data_then_flies() {
        let mut app = app_with_camera();
        app.world_mut().write_message(Intent::Select {
            id: Some("kaist-kazakhstan".into()),
            fly: true,
        });
        app.update();
        assert_eq!(
            camera(&mut app).goal,
            CameraPose::OVERVIEW,
            "no data yet: no flight"
        );
        let mut app = with_data(app);
        app.update();
        let goal = camera(&mut app).goal;
        assert!(
            (goal.x + 7_097.0).abs() < 5.0,
            "flies once the data is in: {goal:?}"
        );
        app.world_mut().write_message(Intent::Select {
            id: None,
            fly: false,
        });
        app.update();
        assert_eq!(app.world().resource::<Selection>().0, None);
    }

    #[test]
    fn filters_and_layers_follow_their_intents() {
        let mut app = app_with_camera();
        let filter = ProjectFilter {
            status: Some(crate::model::snapshot::Status::Operating),
            ..ProjectFilter::default()
        };
        app.world_mut()
            .write_message(Intent::SetFilter(filter.clone()));
        app.world_mut()
            .write_message(Intent::ShowLayer(Layer::Buildings, false));
        app.update();
        assert_eq!(app.world().resource::<ActiveFilter>().0, filter);
        let layers = app.world().resource::<MapLayers>().0.clone();
        assert!(!layers.shows(Layer::Buildings));
        assert!(layers.shows(Layer::Zones));

        app.world_mut()
            .write_message(Intent::ShowLayer(Layer::Buildings, true));
        app.update();
        assert_eq!(
            app.world().resource::<MapLayers>().0,
            Layers::default(),
            "shown again"
        );
        app.world_mut()
            .write_message(Intent::SetRelief(Relief::Triple));
        app.update();
        assert_eq!(app.world().resource::<TerrainRelief>().0, Relief::Triple);
    }
}
