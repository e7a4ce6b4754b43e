//! The guided tours at run time: `assets/data/tours.json` (beside the snapshot, not hashed, so
//! a deployer can replace it without a rebuild) is fetched through Bevy's asset server as text
//! and, once the snapshot is in, checked against it by `alatau_model::tour::load_tours`. A file
//! that fails becomes [`TourFailure`] (the file name and its first errors): the tours are off,
//! and the city goes on.

use std::sync::Arc;

use bevy::asset::io::Reader;
use bevy::asset::{AssetLoader, LoadContext};
use bevy::prelude::*;

use super::data::CityData;
use super::phase::data_is_in;
use crate::model::tour::{ToursFile, load_tours};

/// Where the tours live, relative to the asset folder.
pub const TOURS_PATH: &str = "data/tours.json";
/// The name errors use for it.
pub const TOURS_FILE_NAME: &str = "tours.json";
/// How many of a refused file's errors the page shows.
const ERRORS_SHOWN: usize = 6;

pub(super) fn plugin(app: &mut App) {
    app.init_asset::<ToursText>()
        .register_asset_loader(ToursTextLoader);
    let tours = super::load_before_first_frame(app, TOURS_PATH);
    app.insert_resource(ToursHandle(tours)).add_systems(
        Update,
        check_tours.run_if(data_is_in.and_then(tours_not_settled)),
    );
}

/// The checked tours, once the file and the snapshot are in.
#[derive(Resource, Clone, Debug, Deref)]
pub struct TourData(pub Arc<ToursFile>);

/// Why there are no tours: the file name and its first errors, one a line.
#[derive(Resource, Clone, Debug, PartialEq, Eq)]
pub struct TourFailure {
    /// The message for the page and the console.
    pub message: String,
}

/// The tours file's text, as an asset (checked only once the snapshot is in).
#[derive(Asset, TypePath, Debug)]
pub struct ToursText(pub String);

#[derive(TypePath)]
struct ToursTextLoader;

impl AssetLoader for ToursTextLoader {
    type Asset = ToursText;
    type Settings = ();
    type Error = std::io::Error;

    async fn load(
        &self,
        reader: &mut dyn Reader,
        _settings: &(),
        _context: &mut LoadContext<'_>,
    ) -> Result<ToursText, std::io::Error> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).await?;
        Ok(ToursText(String::from_utf8_lossy(&bytes).into_owned()))
    }

    fn extensions(&self) -> &[&str] {
        // Registered for the tours path only (the snapshot has its own loader).
        &[]
    }
}

#[derive(Resource)]
struct ToursHandle(Handle<ToursText>);

fn tours_not_settled(data: Option<Res<TourData>>, failure: Option<Res<TourFailure>>) -> bool {
    data.is_none() && failure.is_none()
}

/// The file arrived (or could not): check it against the snapshot.
fn check_tours(
    mut commands: Commands,
    handle: Res<ToursHandle>,
    texts: Res<Assets<ToursText>>,
    server: Res<AssetServer>,
    city: Res<CityData>,
) {
    if let Some(text) = texts.get(&handle.0) {
        match load_tours(TOURS_FILE_NAME, &text.0, &city) {
            Ok(tours) => {
                info!("{TOURS_FILE_NAME}: {} tours", tours.tours.len());
                commands.insert_resource(TourData(Arc::new(tours)));
            }
            Err(errors) => {
                let all = errors.to_string();
                let lines: Vec<&str> = all.lines().collect();
                let mut message = lines[..lines.len().min(ERRORS_SHOWN)].join("\n");
                if lines.len() > ERRORS_SHOWN {
                    message.push_str(&format!("\n… {} more", lines.len() - ERRORS_SHOWN));
                }
                warn!("the tours are off: {message}");
                commands.insert_resource(TourFailure { message });
            }
        }
        return;
    }
    if server.load_state(handle.0.id()).is_failed() {
        let message = format!("{TOURS_FILE_NAME}: cannot be read");
        warn!("the tours are off: {message}");
        commands.insert_resource(TourFailure { message });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bevy::asset::io::memory::{Dir, MemoryAssetReader};
    use bevy::asset::io::{AssetSourceBuilder, AssetSourceId};

    fn app_with_tours(text: &str) -> App {
        let dir = Dir::default();
        dir.insert_asset_text(std::path::Path::new(TOURS_PATH), text);
        let mut app = App::new();
        app.register_asset_source(
            AssetSourceId::Default,
            AssetSourceBuilder::new(move || Box::new(MemoryAssetReader { root: dir.clone() })),
        )
        .add_plugins((MinimalPlugins, AssetPlugin::default()))
        .add_plugins((crate::world::tests::headless_world, plugin));
        crate::world::data::provide_bundled_data(&mut app);
        app
    }

    fn settle(app: &mut App) {
        for _ in 0..200 {
            app.update();
            let world = app.world();
            if world.contains_resource::<TourData>() || world.contains_resource::<TourFailure>() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        panic!("the tours neither loaded nor failed");
    }

    #[test]
    fn the_bundled_tours_load_once_the_snapshot_is_in() {
        let mut app = app_with_tours(include_str!("../../assets/data/tours.json"));
        settle(&mut app);
        let tours = app.world().get_resource::<TourData>().expect("tours");
        assert_eq!(tours.tours.len(), 4);
    }

    #[test]
    fn a_broken_tours_file_turns_the_tours_off_naming_the_file_and_the_app_goes_on() {
        let text = include_str!("../../assets/data/tours.json").replacen(
            "\"frame\": \"gate-district\"",
            "\"frame\": \"nowhere\"",
            1,
        );
        let mut app = app_with_tours(&text);
        settle(&mut app);
        let failure = app.world().get_resource::<TourFailure>().expect("failure");
        assert!(
            failure.message.starts_with("tours.json:") && failure.message.contains("nowhere"),
            "{}",
            failure.message
        );
        let phase = *app
            .world()
            .resource::<State<crate::world::phase::AppPhase>>()
            .get();
        assert_ne!(
            phase,
            crate::world::phase::AppPhase::Failed,
            "the city goes on"
        );
    }
}
