//! Procedural massing: deterministic buildings with each district's character, laid out on
//! street grids inside the snapshot's footprints, plus the flat features that go with them
//! (golf courses, a race-track outline, rail sidings, a marina's piers).
//!
//! Pure: the scene turns the plan into merged meshes. The same snapshot gives the same city on
//! every machine and every run, and each area's randomness is seeded by its id, so adding a
//! record leaves every other area as it was. The parts: [`rng`] (seeds and noise), `grid`
//! (streets and what keeps buildings clear), `buildings` (what stands on one plot by
//! character), `green` (what grows on a plot: parks, courtyards, tree rows), `resort` (the
//! resort's flat features), [`coarse`] (the massing seen from afar: one block per plot).

mod buildings;
pub mod coarse;
mod green;
mod grid;
mod resort;
pub mod rng;

use crate::geo::{LatLon, Local, to_local};
use crate::geography::{ALMATY_BUILT_UP, KONAEV_BUILT_UP, ZHETYGEN_BUILT_UP, local};
use crate::snapshot::{self, Snapshot};
use crate::terrain::Landscape;
use crate::validate::footprint_local;

pub use rng::Rng;
use rng::seed_of;

/// What a building is, which sets its proportions and colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BuildingKind {
    /// A high-rise in the business core.
    Tower,
    /// A mid-rise city block.
    Block,
    /// Low and mid-rise housing.
    Residential,
    /// A university or research building.
    Campus,
    /// A hospital wing.
    Hospital,
    /// A factory shed.
    Shed,
    /// A logistics warehouse.
    Warehouse,
    /// A row of stacked containers.
    Containers,
    /// A hotel slab.
    Hotel,
    /// A resort villa.
    Villa,
    /// A pier reaching into the water.
    Pier,
}

/// One box of massing.
#[derive(Clone, Debug, PartialEq)]
pub struct Building {
    /// Footprint centre.
    pub centre: Local,
    /// Rotation about the vertical, radians (0: width along x).
    pub yaw: f32,
    /// Extent along the rotated x axis, metres.
    pub width: f32,
    /// Extent along the rotated z axis, metres.
    pub depth: f32,
    /// Height above the ground, metres.
    pub height: f32,
    /// What it is.
    pub kind: BuildingKind,
    /// The record or town it belongs to: a cluster id, a district id, or a town id.
    pub group: String,
}

/// What covers the ground of a plot between its buildings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cover {
    /// Squares and podium streets: the business core, a town.
    Paved,
    /// Courtyard gardens between housing and city blocks.
    Garden,
    /// Campus lawns and quads.
    Lawn,
    /// Concrete and gravel yards: industry and logistics.
    Yard,
    /// A plot with nothing built on it inside a district: a park with trees.
    Park,
}

/// Share of the street grid's pitch a plot covers; the rest is street.
pub const PLOT_SHARE: f32 = 0.86;

/// One plot of an area's street grid: a square between streets, with what stands on it.
#[derive(Clone, Debug, PartialEq)]
pub struct Plot {
    /// Centre of the square.
    pub centre: Local,
    /// Rotation of the street grid, radians (as [`Building::yaw`]).
    pub yaw: f32,
    /// Side of the square, metres (the grid's pitch less the streets).
    pub side: f32,
    /// What covers its ground.
    pub cover: Cover,
    /// Its buildings: a range of [`MassingPlan::buildings`].
    pub buildings: std::ops::Range<usize>,
    /// The record or town it belongs to.
    pub group: String,
}

/// A tree: a crown on a short trunk.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tree {
    /// Where it stands.
    pub at: Local,
    /// Height of the top above the ground, metres.
    pub height: f32,
    /// Radius of the crown, metres.
    pub crown: f32,
}

/// The plan the scene builds.
#[derive(Clone, Debug, Default)]
pub struct MassingPlan {
    /// Every building.
    pub buildings: Vec<Building>,
    /// Every plot of the street grids, built on or green.
    pub plots: Vec<Plot>,
    /// Trees in parks, courtyards and along the streets.
    pub trees: Vec<Tree>,
    /// Golf-course greens (closed outlines).
    pub greens: Vec<Vec<Local>>,
    /// Race-track outlines (closed loops).
    pub tracks: Vec<Vec<Local>>,
    /// Rail sidings (open polylines).
    pub sidings: Vec<Vec<Local>>,
}

/// The character of an area, which picks what is built in it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Character {
    /// Central business district around a landmark.
    Business { core: Local },
    /// Higher education and medicine.
    Campus,
    /// Industry.
    Industry,
    /// Logistics.
    Logistics,
    /// Tourism and leisure.
    Resort,
    /// New housing with parks between.
    Housing,
    /// An existing town's fabric.
    Town,
}

impl Character {
    /// The massing character of a record's [`snapshot::Character`]; a business core grows round
    /// `core`.
    fn of(character: snapshot::Character, core: Local) -> Character {
        match character {
            snapshot::Character::BusinessCore => Character::Business { core },
            snapshot::Character::Campus => Character::Campus,
            snapshot::Character::Industry => Character::Industry,
            snapshot::Character::Logistics => Character::Logistics,
            snapshot::Character::Resort => Character::Resort,
            snapshot::Character::Housing => Character::Housing,
        }
    }
}

/// One area to fill: its outline, its character, the group its buildings belong to, and
/// outlines inside it that other areas fill.
struct Area<'a> {
    outline: Vec<Local>,
    character: Character,
    group: &'a str,
    holes: Vec<Vec<Local>>,
    seed: u64,
}

/// Where an area's business core would be: its priority landmark outside any cluster zone
/// (the Iconic Complex in the Gate District), else the middle of its outline.
fn core_of(
    snapshot: &Snapshot,
    area_id: &str,
    outline: &[Local],
    project_at: &impl Fn(&str) -> Option<Local>,
) -> Local {
    snapshot
        .projects
        .iter()
        .filter(|project| project.priority && project.cluster.is_none())
        .filter(|project| project.district.as_deref() == Some(area_id))
        .find_map(|project| project_at(&project.id))
        .unwrap_or_else(|| crate::polygon::centroid(outline))
}

/// Lays out the city from the snapshot.
pub fn plan(snapshot: &Snapshot, landscape: &Landscape) -> MassingPlan {
    let corridors = grid::Corridors::new();
    let mut areas: Vec<Area<'_>> = Vec::new();
    let project_at = |id: &str| {
        snapshot
            .project(id)
            .and_then(|project| project.location.as_ref())
            .map(|location| to_local(LatLon::new(location.lat, location.lon)))
    };

    for cluster in &snapshot.clusters {
        let outline = footprint_local(&cluster.footprint);
        let core = core_of(snapshot, &cluster.id, &outline, &project_at);
        areas.push(Area {
            character: Character::of(cluster.character, core),
            outline,
            group: &cluster.id,
            holes: Vec::new(),
            seed: seed_of(&cluster.id),
        });
    }
    for district in &snapshot.districts {
        let outline = footprint_local(&district.footprint);
        let core = core_of(snapshot, &district.id, &outline, &project_at);
        let holes = snapshot
            .clusters
            .iter()
            .filter(|cluster| cluster.district == district.id)
            .map(|cluster| footprint_local(&cluster.footprint))
            .collect();
        areas.push(Area {
            character: Character::of(district.character, core),
            outline,
            group: &district.id,
            holes,
            seed: seed_of(&district.id),
        });
    }
    for (group, outline) in [
        ("almaty", &ALMATY_BUILT_UP[..]),
        ("konaev", &KONAEV_BUILT_UP[..]),
        ("zhetygen", &ZHETYGEN_BUILT_UP[..]),
    ] {
        areas.push(Area {
            outline: local(outline),
            character: Character::Town,
            group,
            holes: Vec::new(),
            seed: seed_of(group),
        });
    }

    // Keep a clear plot around every named project: the scene marks it on its own.
    let projects: Vec<Local> = snapshot
        .projects
        .iter()
        .filter_map(|project| project.location.as_ref())
        .map(|location| to_local(LatLon::new(location.lat, location.lon)))
        .collect();

    let mut result = MassingPlan::default();
    for area in &areas {
        grid::fill_area(area, landscape, &corridors, &projects, &mut result);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Snapshot {
        crate::bundled_snapshot()
    }

    #[test]
    fn the_plan_is_deterministic() {
        let (snapshot, landscape) = (bundled(), Landscape::new());
        let first = plan(&snapshot, &landscape);
        let second = plan(&snapshot, &landscape);
        assert_eq!(first.buildings, second.buildings);
        assert!(
            first.buildings.len() > 5_000,
            "{} buildings",
            first.buildings.len()
        );
        assert!(
            first.buildings.len() < 40_000,
            "{} buildings",
            first.buildings.len()
        );
    }

    #[test]
    fn each_district_has_its_character() {
        let plan = plan(&bundled(), &Landscape::new());
        let kinds_of = |group: &str| -> std::collections::HashSet<BuildingKind> {
            plan.buildings
                .iter()
                .filter(|b| b.group == group)
                .map(|b| b.kind)
                .collect()
        };
        assert!(kinds_of("gate-district").contains(&BuildingKind::Tower));
        assert!(kinds_of("cluster-scientific-medical").contains(&BuildingKind::Campus));
        assert!(kinds_of("cluster-scientific-medical").contains(&BuildingKind::Hospital));
        assert!(kinds_of("cluster-industrial").contains(&BuildingKind::Shed));
        let logistics = kinds_of("cluster-logistics");
        assert!(
            logistics.contains(&BuildingKind::Warehouse)
                && logistics.contains(&BuildingKind::Containers)
        );
        let resort = kinds_of("cluster-tourism");
        assert!(resort.contains(&BuildingKind::Hotel) && resort.contains(&BuildingKind::Villa));
        assert!(resort.contains(&BuildingKind::Pier), "a marina");
        assert_eq!(plan.tracks.len(), 1, "a race-track outline");
        assert!(!plan.greens.is_empty(), "golf");
        assert!(!plan.sidings.is_empty(), "rail sidings");
        assert!(kinds_of("almaty").contains(&BuildingKind::Residential));
    }

    #[test]
    fn nothing_outranks_the_iconic_tower_and_nothing_stands_in_the_water() {
        let landscape = Landscape::new();
        let plan = plan(&bundled(), &landscape);
        for building in &plan.buildings {
            assert!(
                building.height < 272.0,
                "{building:?} outranks the 272 m tower"
            );
            if building.kind != BuildingKind::Pier {
                assert!(
                    landscape.shore_distance(building.centre) > 0.0,
                    "{building:?} stands in the reservoir"
                );
            }
        }
    }

    #[test]
    fn plots_hold_their_buildings_and_districts_have_parks_and_trees() {
        let landscape = Landscape::new();
        let plan = plan(&bundled(), &landscape);
        let mut covered = vec![false; plan.buildings.len()];
        for plot in &plan.plots {
            for index in plot.buildings.clone() {
                let building = &plan.buildings[index];
                assert_eq!(building.group, plot.group);
                assert!(
                    building.centre.distance(plot.centre) < plot.side,
                    "{building:?} is off its plot {plot:?}"
                );
                covered[index] = true;
            }
        }
        let loose: Vec<&Building> = plan
            .buildings
            .iter()
            .zip(&covered)
            .filter(|(_, covered)| !**covered)
            .map(|(building, _)| building)
            .collect();
        assert!(
            loose.iter().all(|b| b.kind == BuildingKind::Pier),
            "every building but the piers stands on a plot: {:?}",
            loose.first()
        );
        for district in [
            "gate-district",
            "golden-district",
            "growing-district",
            "green-district",
        ] {
            let parks = plan
                .plots
                .iter()
                .filter(|plot| plot.group == district && plot.cover == Cover::Park)
                .count();
            assert!(parks > 5, "{district}: {parks} parks");
        }
        assert!(
            (5_000..60_000).contains(&plan.trees.len()),
            "{} trees",
            plan.trees.len()
        );
        for tree in &plan.trees {
            assert!(
                landscape.shore_distance(tree.at) > 0.0,
                "{tree:?} stands in the reservoir"
            );
            assert!(tree.height > tree.crown && tree.crown > 0.0, "{tree:?}");
        }
    }

    #[test]
    fn a_new_record_leaves_the_rest_of_the_city_as_it_was() {
        let landscape = Landscape::new();
        let snapshot = bundled();
        let before = plan(&snapshot, &landscape);
        // A new cluster zone listed first: positions in the lists shift, ids do not.
        let mut grown = snapshot.clone();
        let mut extra = grown.clusters[0].clone();
        extra.id = "cluster-new-test".into();
        extra.footprint = extra
            .footprint
            .iter()
            .map(|[lat, lon]| [lat + 0.001, lon + 0.001])
            .collect();
        grown.clusters.insert(0, extra);
        let after = plan(&grown, &landscape);
        for group in [
            "gate-district",
            "cluster-logistics",
            "cluster-tourism",
            "almaty",
        ] {
            let of = |plan: &MassingPlan| -> Vec<Building> {
                plan.buildings
                    .iter()
                    .filter(|b| b.group == group)
                    .cloned()
                    .collect()
            };
            assert_eq!(of(&before), of(&after), "{group} is unchanged");
        }
    }

    #[test]
    fn an_areas_character_comes_from_the_snapshot() {
        let landscape = Landscape::new();
        let mut snapshot = bundled();
        let logistics = snapshot
            .clusters
            .iter_mut()
            .find(|cluster| cluster.id == "cluster-logistics")
            .expect("logistics cluster");
        logistics.character = snapshot::Character::Campus;
        let plan = plan(&snapshot, &landscape);
        let kinds: std::collections::HashSet<BuildingKind> = plan
            .buildings
            .iter()
            .filter(|b| b.group == "cluster-logistics")
            .map(|b| b.kind)
            .collect();
        assert!(kinds.contains(&BuildingKind::Campus), "{kinds:?}");
        assert!(!kinds.contains(&BuildingKind::Warehouse), "{kinds:?}");
    }

    #[test]
    fn seeds_come_from_ids() {
        assert_eq!(seed_of("gate-district"), seed_of("gate-district"));
        assert_ne!(seed_of("gate-district"), seed_of("golden-district"));
    }

    #[test]
    fn the_generator_is_uniform_and_seeded() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let samples: Vec<f32> = (0..10_000).map(|_| a.unit()).collect();
        assert_eq!(
            samples[..5],
            (0..5).map(|_| b.unit()).collect::<Vec<_>>()[..]
        );
        let mean = samples.iter().sum::<f32>() / samples.len() as f32;
        assert!((mean - 0.5).abs() < 0.02, "mean {mean}");
        assert!(samples.iter().all(|s| (0.0..1.0).contains(s)));
    }
}
