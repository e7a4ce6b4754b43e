//! The landmarks as glTF models (`assets/models/*.glb`, baked by `cargo xtask bake-models` or
//! replaced by an architect's model of the same name), placed at their projects' positions from
//! the snapshot, facing along the A3.

use bevy::prelude::*;

use super::CityRoot;
use super::landmark_model::{LandmarkModel, LandmarkModelRoot, spawn_parts};
use super::zones::CLUSTER_LIFT_M;
use crate::model::geo::{LatLon, Local, to_local};
use crate::model::geography::{A3_HIGHWAY, local};
use crate::world::data::CityData;
use crate::world::ground::{Ground, ground_is_new};
use crate::world::phase::{AppPhase, LoadStep};
use crate::world::{RecordId, load_before_first_frame};

/// Which project each model shows, and its file under `assets/`.
pub const LANDMARK_MODELS: [(&str, &str); 2] = [
    ("iconic-complex", "models/iconic_complex.glb"),
    ("kaist-kazakhstan", "models/kaist_campus.glb"),
];

pub(super) fn plugin(app: &mut App) {
    let models = LANDMARK_MODELS
        .iter()
        .map(|(_, model)| load_before_first_frame(app, model))
        .collect();
    app.insert_resource(LandmarkModels(models))
        .add_systems(OnEnter(LoadStep::City), spawn_landmarks)
        .add_systems(Update, seat_landmarks_on_new_ground.run_if(ground_is_new))
        .add_systems(Update, show_loaded_models)
        .add_systems(Update, mark_city_built.run_if(in_state(LoadStep::City)));
}

/// The landmark models, requested while the app is built so they load while the data does.
#[derive(Resource)]
pub struct LandmarkModels(pub Vec<Handle<LandmarkModel>>);

/// A landmark model's root; `model` is its file.
#[derive(Component, Debug)]
pub struct Landmark {
    /// The model's asset path.
    pub model: &'static str,
}

/// The landmark's model has been instantiated in the world.
#[derive(Component, Debug)]
pub struct LandmarkShown;

/// Heading of the A3 nearest to `at`, as a yaw about the vertical (radians, 0 along +x).
fn highway_yaw_near(at: Local) -> f32 {
    let highway = local(&A3_HIGHWAY);
    let nearest = highway
        .windows(2)
        .min_by(|a, b| {
            let da = crate::model::polygon::distance_to_segment(at, a[0], a[1]);
            let db = crate::model::polygon::distance_to_segment(at, b[0], b[1]);
            da.total_cmp(&db)
        })
        .map(|pair| (pair[0], pair[1]));
    nearest.map_or(0.0, |(a, b)| (b.z - a.z).atan2(b.x - a.x))
}

fn spawn_landmarks(
    mut commands: Commands,
    data: Res<CityData>,
    ground: Res<Ground>,
    root: Single<Entity, With<CityRoot>>,
    asset_server: Res<AssetServer>,
) {
    for (project_id, model) in LANDMARK_MODELS {
        let Some(location) = data
            .project(project_id)
            .and_then(|project| project.location.as_ref())
        else {
            warn!("the snapshot has no location for {project_id}; its model is not shown");
            continue;
        };
        let at = to_local(LatLon::new(location.lat, location.lon));
        // Models are authored with their long side along +x; turn it to run with the A3.
        let rotation = Quat::from_rotation_y(-highway_yaw_near(at));
        let entity = commands
            .spawn((
                Name::new(format!("Landmark {project_id}")),
                RecordId(project_id.to_owned()),
                Landmark { model },
                Visibility::default(),
                LandmarkModelRoot(asset_server.load(model)),
                Transform::from_translation(ground.point(at.x, at.z) + Vec3::Y * LANDMARK_LIFT_M)
                    .with_rotation(rotation),
            ))
            .id();
        commands.entity(*root).add_child(entity);
    }
}

/// A landmark not yet showing its model.
type AwaitedLandmark = (With<Landmark>, Without<LandmarkShown>);

/// A landmark whose model has come in gets its parts.
fn show_loaded_models(
    mut commands: Commands,
    models: Res<Assets<LandmarkModel>>,
    landmarks: Query<(Entity, &LandmarkModelRoot), AwaitedLandmark>,
) {
    for (entity, root) in &landmarks {
        if let Some(model) = models.get(&root.0) {
            spawn_parts(&mut commands, entity, model);
            commands.entity(entity).insert(LandmarkShown);
        }
    }
}

/// How far a landmark stands above the terrain: on its cluster zone's surface.
const LANDMARK_LIFT_M: f32 = CLUSTER_LIFT_M + 0.2;

/// After a change of relief, the landmarks stand on the new ground.
fn seat_landmarks_on_new_ground(
    ground: Res<Ground>,
    mut landmarks: Query<&mut Transform, With<Landmark>>,
) {
    for mut transform in &mut landmarks {
        let at = transform.translation;
        transform.translation.y = ground.height(at.x, at.z) + LANDMARK_LIFT_M;
    }
}

/// The city counts as built once every landmark is shown or has failed to load (a failure is
/// logged by the asset server; the rest of the city still stands): the app is ready.
fn mark_city_built(
    mut next_phase: ResMut<NextState<AppPhase>>,
    landmarks: Query<(&LandmarkModelRoot, Has<LandmarkShown>), With<Landmark>>,
    zones: Query<(), With<RecordId>>,
    asset_server: Res<AssetServer>,
) {
    if zones.is_empty() {
        return;
    }
    let settled = landmarks
        .iter()
        .all(|(root, shown)| shown || asset_server.load_state(root.0.id()).is_failed());
    if settled {
        info!("the city is built: {} landmarks", landmarks.iter().count());
        next_phase.set(AppPhase::Ready);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `mark_city_built` in a headless app whose data has just arrived (the city step).
    fn app_building_the_city() -> App {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, AssetPlugin::default()))
            .add_plugins(crate::world::tests::headless_world)
            .add_systems(Update, mark_city_built.run_if(in_state(LoadStep::City)));
        crate::world::data::provide_bundled_data(&mut app);
        app.update();
        app
    }

    fn phase(app: &App) -> AppPhase {
        *app.world().resource::<State<AppPhase>>().get()
    }

    fn landmark(app: &mut App, id: &str) -> Entity {
        app.world_mut()
            .spawn((
                RecordId(id.to_owned()),
                Landmark { model: "test.glb" },
                LandmarkModelRoot(Handle::default()),
            ))
            .id()
    }

    #[test]
    fn the_app_is_ready_once_every_landmark_is_shown() {
        let mut app = app_building_the_city();
        let iconic = landmark(&mut app, "iconic-complex");
        let kaist = landmark(&mut app, "kaist-kazakhstan");
        app.world_mut().entity_mut(iconic).insert(LandmarkShown);
        app.update();
        app.update();
        assert_eq!(
            phase(&app),
            AppPhase::Loading,
            "one landmark is still loading: not ready"
        );
        app.world_mut().entity_mut(kaist).insert(LandmarkShown);
        app.update();
        app.update();
        assert_eq!(phase(&app), AppPhase::Ready, "the city is built");
        assert!(
            app.world().get_resource::<State<LoadStep>>().is_none(),
            "loading is over"
        );
    }
}
