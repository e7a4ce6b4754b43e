//! The data snapshot at run time: `assets/data/alatau.json` (beside the app, not hashed, so a
//! deployer can replace it without a rebuild) is loaded through Bevy's asset server, validated by
//! `alatau_model`, and kept as [`CityData`]; a snapshot that fails becomes [`DataFailure`], which
//! the page shows instead of an empty city.

use std::fmt;
use std::sync::Arc;

use bevy::asset::io::Reader;
use bevy::asset::{AssetLoadError, AssetLoadFailedEvent, AssetLoader, LoadContext};
use bevy::prelude::*;

use super::phase::{AppPhase, LoadStep};
use crate::model::snapshot::Snapshot;
use crate::model::validate::{SnapshotErrors, load_snapshot};

/// Where the snapshot lives, relative to the asset folder.
pub const SNAPSHOT_PATH: &str = "data/alatau.json";
/// The name errors use for it.
pub const SNAPSHOT_FILE_NAME: &str = "alatau.json";

pub(super) fn plugin(app: &mut App) {
    app.init_asset::<SnapshotAsset>()
        .register_asset_loader(SnapshotLoader);
    let snapshot = super::load_before_first_frame(app, SNAPSHOT_PATH);
    app.insert_resource(SnapshotHandle(snapshot))
        .add_systems(Update, receive_snapshot.run_if(in_state(LoadStep::Data)));
}

/// The validated snapshot, once loaded.
#[derive(Resource, Clone, Debug, Deref)]
pub struct CityData(pub Arc<Snapshot>);

/// Why the snapshot could not be used: the file name and its first errors.
#[derive(Resource, Clone, Debug, PartialEq, Eq)]
pub struct DataFailure {
    /// One problem a line, each naming the file.
    pub message: String,
}

/// The snapshot as a Bevy asset.
#[derive(Asset, TypePath, Debug)]
pub struct SnapshotAsset(pub Arc<Snapshot>);

#[derive(TypePath)]
struct SnapshotLoader;

/// Why the loader refused the file.
#[derive(Debug)]
pub enum SnapshotLoadError {
    /// It could not be read.
    Read(std::io::Error),
    /// It is not a valid snapshot.
    Invalid(SnapshotErrors),
}

impl fmt::Display for SnapshotLoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotLoadError::Read(error) => {
                write!(f, "{SNAPSHOT_FILE_NAME}: cannot read: {error}")
            }
            SnapshotLoadError::Invalid(errors) => {
                // The first errors are enough to act on; the console gets them all.
                const SHOWN: usize = 8;
                let all = errors.to_string();
                let lines: Vec<&str> = all.lines().collect();
                write!(f, "{}", lines[..lines.len().min(SHOWN)].join("\n"))?;
                if lines.len() > SHOWN {
                    write!(f, "\n… {} more", lines.len() - SHOWN)?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for SnapshotLoadError {}

impl AssetLoader for SnapshotLoader {
    type Asset = SnapshotAsset;
    type Settings = ();
    type Error = SnapshotLoadError;

    async fn load(
        &self,
        reader: &mut dyn Reader,
        _settings: &(),
        _context: &mut LoadContext<'_>,
    ) -> Result<SnapshotAsset, SnapshotLoadError> {
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .await
            .map_err(SnapshotLoadError::Read)?;
        let text = String::from_utf8_lossy(&bytes);
        load_snapshot(SNAPSHOT_FILE_NAME, &text)
            .map(|snapshot| SnapshotAsset(Arc::new(snapshot)))
            .map_err(SnapshotLoadError::Invalid)
    }

    fn extensions(&self) -> &[&str] {
        &["json"]
    }
}

#[derive(Resource)]
struct SnapshotHandle(Handle<SnapshotAsset>);

/// The snapshot arrived: the city is built on it; or it was refused: the app has failed.
fn receive_snapshot(
    mut commands: Commands,
    handle: Res<SnapshotHandle>,
    snapshots: Res<Assets<SnapshotAsset>>,
    mut failures: MessageReader<AssetLoadFailedEvent<SnapshotAsset>>,
    mut next_step: ResMut<NextState<LoadStep>>,
    mut next_phase: ResMut<NextState<AppPhase>>,
) {
    if let Some(snapshot) = snapshots.get(&handle.0) {
        info!(
            "{SNAPSHOT_FILE_NAME}: {} projects in the portfolio, {} named",
            snapshot.0.portfolio.projects,
            snapshot.0.projects.len()
        );
        commands.insert_resource(CityData(Arc::clone(&snapshot.0)));
        next_step.set(LoadStep::City);
        return;
    }
    if let Some(failure) = failures.read().last() {
        let message = describe_load_error(&failure.error);
        error!("{message}");
        commands.insert_resource(DataFailure { message });
        next_phase.set(AppPhase::Failed);
    }
}

/// Our loader's own words when it refused the file; otherwise the asset server's, naming the file.
fn describe_load_error(error: &AssetLoadError) -> String {
    if let AssetLoadError::AssetLoaderError(loader_error) = error
        && let Some(ours) = loader_error.error().downcast_ref::<SnapshotLoadError>()
    {
        return ours.to_string();
    }
    format!("{SNAPSHOT_FILE_NAME}: {error}")
}

/// The snapshot bundled with the app, validated, as [`CityData`]: the fixture of unit tests.
#[cfg(test)]
pub fn bundled_city_data() -> CityData {
    let text = include_str!("../../assets/data/alatau.json");
    match load_snapshot(SNAPSHOT_FILE_NAME, text) {
        Ok(snapshot) => CityData(Arc::new(snapshot)),
        Err(errors) => panic!("the bundled snapshot is invalid: {errors}"),
    }
}

/// Gives a headless test app the bundled snapshot as if it had just loaded: the city is built
/// on it from the next frame.
#[cfg(test)]
pub fn provide_bundled_data(app: &mut App) {
    app.insert_resource(bundled_city_data());
    app.world_mut()
        .resource_mut::<NextState<LoadStep>>()
        .set(LoadStep::City);
}

#[cfg(test)]
mod tests {
    use super::*;
    use bevy::asset::io::memory::{Dir, MemoryAssetReader};
    use bevy::asset::io::{AssetSourceBuilder, AssetSourceId};

    /// An app whose asset folder is in memory, holding `text` as the snapshot.
    fn app_with_snapshot(text: &str) -> App {
        let dir = Dir::default();
        dir.insert_asset_text(std::path::Path::new(SNAPSHOT_PATH), text);
        let mut app = App::new();
        app.register_asset_source(
            AssetSourceId::Default,
            AssetSourceBuilder::new(move || Box::new(MemoryAssetReader { root: dir.clone() })),
        )
        .add_plugins((MinimalPlugins, AssetPlugin::default()))
        .add_plugins((crate::world::tests::headless_world, plugin));
        app
    }

    fn run_until_settled(app: &mut App) {
        for _ in 0..200 {
            app.update();
            let world = app.world();
            if world.contains_resource::<CityData>() || world.contains_resource::<DataFailure>() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        panic!("the snapshot neither loaded nor failed");
    }

    #[test]
    fn the_bundled_snapshot_loads_into_city_data() {
        let mut app = app_with_snapshot(include_str!("../../assets/data/alatau.json"));
        run_until_settled(&mut app);
        let data = app.world().get_resource::<CityData>().expect("city data");
        assert_eq!(data.portfolio.projects, 44);
        assert!(!app.world().contains_resource::<DataFailure>());
    }

    /// The bundled snapshot cut a third of the way in (at a character's boundary).
    fn truncated_snapshot() -> &'static str {
        let text = include_str!("../../assets/data/alatau.json");
        let cut = (0..=text.len() / 3)
            .rev()
            .find(|&at| text.is_char_boundary(at))
            .unwrap_or(0);
        &text[..cut]
    }

    #[test]
    fn a_truncated_snapshot_becomes_a_failure_naming_the_file() {
        let mut app = app_with_snapshot(truncated_snapshot());
        run_until_settled(&mut app);
        let failure = app.world().get_resource::<DataFailure>().expect("failure");
        assert!(
            failure.message.starts_with("alatau.json:")
                && failure.message.contains("ends too early"),
            "{}",
            failure.message
        );
        assert!(!app.world().contains_resource::<CityData>());
    }

    fn phase(app: &App) -> AppPhase {
        *app.world().resource::<State<AppPhase>>().get()
    }

    #[test]
    fn a_refused_snapshot_puts_the_app_in_the_failed_phase() {
        let mut app = app_with_snapshot(truncated_snapshot());
        assert_eq!(phase(&app), AppPhase::Loading);
        run_until_settled(&mut app);
        app.update();
        assert_eq!(phase(&app), AppPhase::Failed, "a data error fails the app");
        assert!(
            app.world().get_resource::<State<LoadStep>>().is_none(),
            "no load step outside loading"
        );
    }

    #[test]
    fn a_good_snapshot_moves_loading_on_to_building_the_city() {
        let mut app = app_with_snapshot(include_str!("../../assets/data/alatau.json"));
        app.update();
        assert_eq!(
            *app.world().resource::<State<LoadStep>>().get(),
            LoadStep::Data
        );
        run_until_settled(&mut app);
        app.update();
        assert_eq!(
            phase(&app),
            AppPhase::Loading,
            "not ready before the city is built"
        );
        assert_eq!(
            *app.world().resource::<State<LoadStep>>().get(),
            LoadStep::City
        );
    }
}
