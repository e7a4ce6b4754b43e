//! The app state and the one system that changes it.
//!
//! Pointer, keys, page buttons, the URL hash and `window.alatau` all produce [`Intent`]s;
//! [`apply_intents`] applies them in order; everything else only reads [`ExplorerState`].

use bevy::prelude::*;
use serde_json::json;

use crate::AppSystems;
use crate::camera::OrbitCamera;
use crate::data::CityData;
use crate::model::camera_pose::CameraPose;
use crate::model::format::Currency;
use crate::model::lang::Lang;
use crate::model::legend::{ProjectFilter, status_code};
use crate::model::record_view::focus;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<Intent>()
        .init_resource::<ExplorerState>()
        .init_resource::<PendingFlight>()
        .init_resource::<MotionPreference>()
        .add_systems(
            Update,
            (apply_intents, settle_selection_and_flights)
                .chain()
                .in_set(AppSystems::ApplyIntents),
        );
}

/// A flight asked for before the data arrived (a link opened with `select=`), or now.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct PendingFlight(pub Option<String>);

/// Whether the visitor asked for less motion (`prefers-reduced-motion`): camera flights become
/// cuts. The page sets it; elsewhere (tests, native) motion is allowed.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MotionPreference {
    /// Flights cut straight to their goal.
    pub reduced: bool,
}

impl MotionPreference {
    /// Sends `camera` to `goal`: a flight, or a cut when motion is reduced.
    pub fn send(self, camera: &mut OrbitCamera, goal: CameraPose) {
        if self.reduced {
            camera.cut_to(goal);
        } else {
            camera.goal = goal;
        }
    }
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
    /// Which projects are kept bright.
    pub filter: ProjectFilter,
    /// Which layers of the map are shown.
    pub layers: Layers,
    /// The terrain's vertical exaggeration.
    pub relief: Relief,
}

/// The terrain's vertical exaggeration: true scale, or relief made easier to read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Relief {
    /// Heights as they are.
    #[default]
    TrueScale,
    /// Heights doubled.
    Double,
    /// Heights tripled.
    Triple,
}

impl Relief {
    /// Every choice, in the order the page lists them.
    pub const ALL: [Relief; 3] = [Relief::TrueScale, Relief::Double, Relief::Triple];

    /// The factor heights are multiplied by.
    pub fn factor(self) -> f32 {
        match self {
            Relief::TrueScale => 1.0,
            Relief::Double => 2.0,
            Relief::Triple => 3.0,
        }
    }

    /// The choice with this whole factor (`1`, `2`, `3`), if any.
    pub fn from_factor(factor: u32) -> Option<Relief> {
        Relief::ALL
            .into_iter()
            .find(|relief| relief.factor() == factor as f32)
    }
}

/// A layer of the map that can be switched off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layer {
    /// District and cluster zone areas.
    Zones,
    /// Procedural massing (the landmarks always stay).
    Buildings,
    /// The labels over the map.
    Labels,
    /// The A3, the railway and the runway.
    Transport,
}

impl Layer {
    /// Every layer, in the order the page lists them.
    pub const ALL: [Layer; 4] = [
        Layer::Zones,
        Layer::Buildings,
        Layer::Labels,
        Layer::Transport,
    ];

    /// The layer's code in the page and in `state()`.
    pub fn code(self) -> &'static str {
        match self {
            Layer::Zones => "zones",
            Layer::Buildings => "buildings",
            Layer::Labels => "labels",
            Layer::Transport => "transport",
        }
    }

    /// The layer with `code`, if any.
    pub fn from_code(code: &str) -> Option<Layer> {
        Layer::ALL.into_iter().find(|layer| layer.code() == code)
    }
}

/// The hidden layers (all are shown by default).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layers {
    hidden: Vec<Layer>,
}

impl Layers {
    /// Whether `layer` is shown.
    pub fn shows(&self, layer: Layer) -> bool {
        !self.hidden.contains(&layer)
    }

    /// Shows or hides `layer`.
    pub fn set(&mut self, layer: Layer, shown: bool) {
        self.hidden.retain(|hidden| *hidden != layer);
        if !shown {
            self.hidden.push(layer);
        }
    }
}

/// Applies every pending intent to the state, in the order they came.
pub fn apply_intents(
    mut intents: MessageReader<Intent>,
    mut state: ResMut<ExplorerState>,
    mut pending: ResMut<PendingFlight>,
    motion: Res<MotionPreference>,
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
                    motion.send(&mut camera, CameraPose::OVERVIEW);
                }
            }
            Intent::SetCamera(pose) => {
                for mut camera in &mut cameras {
                    camera.cut_to(pose.clamped());
                }
            }
            Intent::Select { id, fly } => {
                if state.selection != *id {
                    state.selection = id.clone();
                }
                if let (Some(id), true) = (id, fly) {
                    pending.0 = Some(id.clone());
                }
            }
            Intent::FlyTo(id) => pending.0 = Some(id.clone()),
            Intent::SetFilter(filter) => {
                if state.filter != *filter {
                    state.filter = filter.clone();
                }
            }
            Intent::SetRelief(relief) => {
                if state.relief != *relief {
                    state.relief = *relief;
                }
            }
            Intent::ShowLayer(layer, shown) => {
                if state.layers.shows(*layer) != *shown {
                    state.layers.set(*layer, *shown);
                }
            }
            Intent::DebugPanic(message) => panic!("{message}"),
        }
    }
}

/// Once the data is there: drops a selection that names no record (with a warning) and flies to
/// the pending record, keeping the view's heading and looking down at least 25 degrees.
pub fn settle_selection_and_flights(
    data: Option<Res<CityData>>,
    mut state: ResMut<ExplorerState>,
    mut pending: ResMut<PendingFlight>,
    motion: Res<MotionPreference>,
    mut cameras: Query<&mut OrbitCamera>,
) {
    let Some(data) = data else {
        return;
    };
    let selection_is_new = state.is_changed() || data.is_added();
    if selection_is_new
        && let Some(id) = state.selection.clone()
        && !is_record(&data, &id)
    {
        warn!("select: no record `{id}` in the data; the selection is cleared");
        state.selection = None;
    }
    let Some(id) = pending.0.take() else {
        return;
    };
    let Some(focus) = focus(&data, &id) else {
        warn!("flyTo: `{id}` has no place on the map");
        return;
    };
    for mut camera in &mut cameras {
        let goal = framing_pose(&camera.goal, focus.at.x, focus.at.z, focus.radius_m);
        motion.send(&mut camera, goal);
    }
}

/// Whether `id` names a district, a cluster zone or a project.
fn is_record(snapshot: &crate::model::snapshot::Snapshot, id: &str) -> bool {
    snapshot.district(id).is_some()
        || snapshot.clusters.iter().any(|c| c.id == id)
        || snapshot.projects.iter().any(|p| p.id == id)
}

/// The pose that frames a circle of `radius_m` around `(x, z)`, from the heading of `from`.
pub fn framing_pose(from: &CameraPose, x: f32, z: f32, radius_m: f32) -> CameraPose {
    CameraPose {
        x,
        z,
        distance: radius_m * 2.8,
        yaw: from.yaw,
        pitch: from.pitch.max(25.0),
    }
    .clamped()
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
        "filter": {
            "cluster": state.filter.cluster,
            "sector": state.filter.sector,
            "status": state.filter.status.map(status_code),
        },
        "relief": state.relief.factor(),
        "layers": Layer::ALL
            .iter()
            .filter(|layer| state.layers.shows(**layer))
            .map(|layer| layer.code())
            .collect::<Vec<_>>(),
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
        app.insert_resource(crate::data::bundled_city_data());
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
        let state = app.world().resource::<ExplorerState>().clone();
        assert_eq!(state.selection.as_deref(), Some("iconic-complex"));
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
        assert_eq!(
            app.world().resource::<ExplorerState>().selection,
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
        assert_eq!(app.world().resource::<ExplorerState>().selection, None);
    }

    #[test]
    fn framing_keeps_the_heading_and_looks_down_enough() {
        let from = CameraPose {
            pitch: 10.0,
            yaw: 200.0,
            ..CameraPose::OVERVIEW
        };
        let pose = framing_pose(&from, 100.0, 200.0, 450.0);
        assert_eq!(
            (pose.x, pose.z, pose.yaw, pose.pitch),
            (100.0, 200.0, 200.0, 25.0)
        );
        assert_eq!(pose.distance, 1_260.0);
        let tiny = framing_pose(&from, 0.0, 0.0, 1.0);
        assert_eq!(tiny.distance, crate::model::camera_pose::MIN_DISTANCE_M);
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
        assert_eq!(
            value["layers"],
            json!(["zones", "buildings", "labels", "transport"])
        );
        assert!(value["filter"]["cluster"].is_null());
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
        let state = app.world().resource::<ExplorerState>().clone();
        assert_eq!(state.filter, filter);
        assert!(!state.layers.shows(Layer::Buildings));
        assert!(state.layers.shows(Layer::Zones));
        let published = public_state(&state, None, 1, 1.0);
        assert_eq!(published["filter"]["status"], "operating");
        assert_eq!(published["layers"], json!(["zones", "labels", "transport"]));

        app.world_mut()
            .write_message(Intent::ShowLayer(Layer::Buildings, true));
        app.update();
        assert_eq!(
            app.world().resource::<ExplorerState>().layers,
            Layers::default(),
            "shown again"
        );
        for layer in Layer::ALL {
            assert_eq!(Layer::from_code(layer.code()), Some(layer));
        }
        app.world_mut()
            .write_message(Intent::SetRelief(Relief::Triple));
        app.update();
        let state = app.world().resource::<ExplorerState>().clone();
        assert_eq!(public_state(&state, None, 1, 1.0)["relief"], 3.0);
        for relief in Relief::ALL {
            assert_eq!(Relief::from_factor(relief.factor() as u32), Some(relief));
        }
        assert_eq!(Relief::from_factor(7), None);
        assert_eq!(Layer::from_code("satellite"), None);
    }
}
