//! The 3D world: the terrain and the reservoir, the sky and the light, the fixed geography's
//! lines, and, from the data snapshot, the districts, cluster zones, procedural massing and the
//! landmark models, and how they stand at the timeline's year.

pub mod landmark_check;
pub mod landmark_halo;
pub mod landmark_model;
pub mod landmarks;
pub mod layers;
pub mod massing;
pub mod mesh_builder;
pub mod phasing;
pub mod terrain;
pub mod zones;

mod city_fabric;
mod ground_lines;
mod lighting;
mod sky;

use bevy::prelude::*;

use crate::world::ground::GroundIsBuilt;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn_city_root.before(GroundIsBuilt))
        .add_plugins((
            lighting::plugin,
            sky::plugin,
            terrain::plugin,
            ground_lines::plugin,
            zones::plugin,
            massing::plugin,
            landmark_model::plugin,
            landmarks::plugin,
            landmark_check::plugin,
            landmark_halo::plugin,
            phasing::plugin,
            layers::plugin,
        ));
}

/// Marks the root entity of the city; everything in the world hangs under it.
#[derive(Component, Debug, Default)]
pub struct CityRoot;

fn spawn_city_root(mut commands: Commands) {
    commands.spawn((
        Name::new("City"),
        CityRoot,
        Transform::default(),
        Visibility::default(),
    ));
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::world::RecordId;
    use crate::world::choices::{ActiveFilter, MapLayers, TerrainRelief};
    use crate::world::data::CityData;

    /// The scene's data-driven parts, headless: no renderer, no window, no glTF.
    fn app_with_city() -> App {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, AssetPlugin::default()))
            .add_plugins(crate::world::tests::headless_world)
            .init_asset::<Mesh>()
            .init_asset::<StandardMaterial>()
            .add_systems(Startup, spawn_city_root.before(GroundIsBuilt))
            .add_plugins((
                terrain::plugin,
                ground_lines::plugin,
                zones::plugin,
                massing::plugin,
                layers::plugin,
            ));
        app.update();
        crate::world::data::provide_bundled_data(&mut app);
        app.update();
        app.update();
        app
    }

    #[test]
    fn every_district_and_cluster_zone_is_drawn_from_the_snapshot() {
        let mut app = app_with_city();
        let drawn: BTreeSet<String> = app
            .world_mut()
            .query_filtered::<&RecordId, With<Mesh3d>>()
            .iter(app.world())
            .map(|id| id.0.clone())
            .collect();
        let data = app.world().resource::<CityData>().clone();
        for id in data
            .districts
            .iter()
            .map(|d| &d.id)
            .chain(data.clusters.iter().map(|c| &c.id))
        {
            assert!(drawn.contains(id), "{id} is not drawn; drawn: {drawn:?}");
        }
    }

    #[test]
    fn layers_hide_and_the_filter_dims_what_it_leaves_out() {
        use crate::model::layers::Layer;
        use crate::model::legend::ProjectFilter;

        let mut app = app_with_city();
        app.world_mut()
            .resource_mut::<MapLayers>()
            .0
            .set(Layer::Buildings, false);
        app.world_mut().resource_mut::<ActiveFilter>().0 = ProjectFilter {
            cluster: Some("cluster-logistics".into()),
            ..ProjectFilter::default()
        };
        app.update();
        let mut layered = app.world_mut().query::<(&layers::OnLayer, &Visibility)>();
        let mut seen = 0;
        for (layer, visibility) in layered.iter(app.world()) {
            let hidden = layer.0 == Layer::Buildings;
            assert_eq!(*visibility == Visibility::Hidden, hidden, "{layer:?}");
            seen += 1;
        }
        assert!(seen > 10, "zones, massing and transport are on layers");

        let mut records = app.world_mut().query::<(
            &RecordId,
            &layers::Dimmable,
            &MeshMaterial3d<StandardMaterial>,
        )>();
        let mut dimmed = BTreeSet::new();
        for (id, dimmable, material) in records.iter(app.world()) {
            if material.0 == dimmable.dim {
                dimmed.insert(id.0.clone());
            }
        }
        assert!(!dimmed.contains("cluster-logistics"), "{dimmed:?}");
        assert!(dimmed.contains("cluster-industrial"), "{dimmed:?}");
        assert!(!dimmed.contains("gate-district"), "districts stay bright");

        app.world_mut().resource_mut::<ActiveFilter>().0 = ProjectFilter::default();
        app.update();
        let still_dim = records
            .iter(app.world())
            .filter(|(_, dimmable, material)| material.0 == dimmable.dim)
            .count();
        assert_eq!(still_dim, 0, "an open filter brightens everything");
    }

    #[test]
    fn a_new_relief_rebuilds_the_ground_once_without_leftovers() {
        use crate::model::layers::Relief;

        let mut app = app_with_city();
        let names = |app: &mut App| -> Vec<String> {
            let mut names: Vec<String> = app
                .world_mut()
                .query_filtered::<&Name, With<Mesh3d>>()
                .iter(app.world())
                .map(|name| name.to_string())
                .collect();
            names.sort();
            names
        };
        let before = names(&mut app);
        let mountain = (-20_000.0, 60_000.0);
        let true_height = app
            .world()
            .resource::<crate::world::ground::Ground>()
            .height(mountain.0, mountain.1);
        assert!(true_height > 1_000.0, "a mountain at {true_height} m");

        app.world_mut().resource_mut::<TerrainRelief>().0 = Relief::Triple;
        for _ in 0..3 {
            app.update();
        }
        let ground = app.world().resource::<crate::world::ground::Ground>();
        assert_eq!(ground.exaggeration, 3.0);
        assert_eq!(ground.generation, 1);
        let tripled = ground.height(mountain.0, mountain.1);
        assert!(
            (tripled - 3.0 * true_height).abs() < 1.0,
            "{tripled} is three times {true_height}"
        );
        assert_eq!(
            names(&mut app),
            before,
            "everything is built again, once, and nothing is left over"
        );
    }

    #[test]
    fn the_massing_is_merged_into_few_meshes() {
        let app = app_with_city();
        let stats = app.world().resource::<massing::MassingStats>();
        assert!(stats.buildings > 5_000, "{stats:?}");
        // Twelve groups, each near and from afar, the streets and plots, the flat features.
        assert!(
            stats.meshes <= 28,
            "one mesh per group and range keeps draw calls flat: {stats:?}"
        );
        assert!(
            (1..=80).contains(&stats.tree_tiles),
            "trees in 4 km tiles: {stats:?}"
        );
        assert!(stats.plots > 5_000 && stats.trees > 5_000, "{stats:?}");
        assert!(stats.coarse_triangles * 2 < stats.triangles, "{stats:?}");
        assert!(stats.triangles < 600_000, "{stats:?}");
    }

    #[test]
    fn the_ground_falls_towards_the_reservoir_under_the_city() {
        let app = app_with_city();
        let ground = app.world().resource::<crate::world::ground::Ground>();
        // World y is metres above the reservoir (475 m above sea level).
        let zhetygen = ground.height(0.0, 0.0);
        let almaty_edge = ground.height(-12_000.0, 35_000.0);
        assert!((20.0..70.0).contains(&zhetygen), "Zhetygen at {zhetygen} m");
        assert!(
            almaty_edge > zhetygen + 100.0,
            "Almaty's edge at {almaty_edge} m"
        );
        let names: Vec<String> = app
            .world()
            .iter_entities()
            .filter_map(|entity| entity.get::<Name>().map(|name| name.to_string()))
            .collect();
        for expected in [
            "Terrain",
            "Kapchagay reservoir",
            "Highway, railway and runway",
            "Rivers",
        ] {
            assert!(
                names.iter().any(|n| n == expected),
                "{expected} in {names:?}"
            );
        }
    }
}
