//! The massing seen from afar: each built plot as one block, so that at the overview (tens of
//! kilometres away, where a building is smaller than a pixel) every district still shows its
//! built form, its street grid and its skyline, in less than half the triangles (a town's or an
//! industrial zone's plot holds one building; a city block's, four to six).
//!
//! A plot's block covers the box round its buildings (in the street grid's frame), shrunk
//! towards its middle where they cover little of it (villas, a container yard), and stands at
//! their mean height weighted by footprint, but never below two thirds of the tallest one: a
//! tower keeps its plot tall from afar. Its kind is the kind with the largest footprint.

use std::collections::HashMap;

use super::{Building, BuildingKind, MassingPlan};
use crate::geo::Local;

/// The coarse blocks of `plan`, one per built plot.
pub fn coarse_blocks(plan: &MassingPlan) -> Vec<Building> {
    plan.plots
        .iter()
        .filter_map(|plot| block_of(&plan.buildings[plot.buildings.clone()], plot.yaw))
        .collect()
}

/// One block for `buildings`, all on a grid turned by `yaw`; `None` for none.
fn block_of(buildings: &[Building], yaw: f32) -> Option<Building> {
    let first = buildings.first()?;
    let (sin, cos) = yaw.sin_cos();
    // Into the grid's frame (u along the grid's x) and back.
    let to_grid = |p: Local| (p.x * cos + p.z * sin, -p.x * sin + p.z * cos);
    let from_grid = |u: f32, v: f32| Local::new(u * cos - v * sin, u * sin + v * cos);
    let (mut u_min, mut u_max, mut v_min, mut v_max) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
    let (mut footprint, mut weighted_height, mut tallest) = (0.0_f32, 0.0_f32, 0.0_f32);
    let mut by_kind: HashMap<BuildingKind, f32> = HashMap::new();
    for building in buildings {
        let (u, v) = to_grid(building.centre);
        // A building's own turn relative to the grid (0 for all but a few).
        let turn = building.yaw - yaw;
        let (ts, tc) = turn.sin_cos();
        let half_u = (building.width * tc.abs() + building.depth * ts.abs()) / 2.0;
        let half_v = (building.width * ts.abs() + building.depth * tc.abs()) / 2.0;
        u_min = u_min.min(u - half_u);
        u_max = u_max.max(u + half_u);
        v_min = v_min.min(v - half_v);
        v_max = v_max.max(v + half_v);
        let area = building.width * building.depth;
        footprint += area;
        weighted_height += area * building.height;
        tallest = tallest.max(building.height);
        *by_kind.entry(building.kind).or_default() += area;
    }
    let (width, depth) = (u_max - u_min, v_max - v_min);
    let bounds = (width * depth).max(1.0);
    // Where the buildings cover little of their box, the block is shrunk towards its middle so
    // that it covers about their footprint and a half, never more than the box.
    let shrink = ((footprint * 1.5) / bounds).min(1.0).sqrt();
    let height = (weighted_height / footprint.max(1.0)).max(tallest * 2.0 / 3.0);
    let kind = by_kind
        .into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| rank(a.0).cmp(&rank(b.0))))
        .map_or(first.kind, |(kind, _)| kind);
    Some(Building {
        centre: from_grid((u_min + u_max) / 2.0, (v_min + v_max) / 2.0),
        yaw,
        width: width * shrink,
        depth: depth * shrink,
        height,
        kind,
        group: first.group.clone(),
    })
}

/// A fixed order of kinds, so that a tie between two kinds' footprints is decided the same way
/// on every run (a `HashMap`'s order is not).
fn rank(kind: BuildingKind) -> u8 {
    kind as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::massing::plan;
    use crate::terrain::Landscape;

    fn building(x: f32, z: f32, size: (f32, f32, f32), kind: BuildingKind) -> Building {
        Building {
            centre: Local::new(x, z),
            yaw: 0.0,
            width: size.0,
            depth: size.1,
            height: size.2,
            kind,
            group: "gate-district".into(),
        }
    }

    #[test]
    fn a_tower_keeps_its_plot_tall_and_the_block_covers_its_buildings() {
        let buildings = [
            building(0.0, 0.0, (30.0, 30.0, 200.0), BuildingKind::Tower),
            building(0.0, 0.0, (100.0, 90.0, 10.0), BuildingKind::Block),
        ];
        let block = block_of(&buildings, 0.0).expect("a block");
        assert!(block.height >= 200.0 * 2.0 / 3.0, "{block:?}");
        assert!(
            block.width <= 100.0 + 1e-3 && block.depth <= 90.0 + 1e-3,
            "{block:?}"
        );
        assert!(block.width > 80.0, "the podium covers its plot: {block:?}");
        assert_eq!(block.kind, BuildingKind::Block, "the larger footprint");
    }

    #[test]
    fn sparse_buildings_make_a_smaller_block_than_their_box() {
        let villas: Vec<Building> = [(-30.0, -30.0), (30.0, -30.0), (-30.0, 30.0), (30.0, 30.0)]
            .iter()
            .map(|&(x, z)| building(x, z, (22.0, 16.0, 7.0), BuildingKind::Villa))
            .collect();
        let block = block_of(&villas, 0.0).expect("a block");
        let footprint = 4.0 * 22.0 * 16.0;
        let area = block.width * block.depth;
        assert!(
            (area - footprint * 1.5).abs() < 1.0,
            "{area} m² for {footprint} m²"
        );
        assert!((block.height - 7.0).abs() < 1e-3);
        assert!(block.centre.distance(Local::new(0.0, 0.0)) < 1e-3);
    }

    #[test]
    fn the_whole_city_from_afar_is_a_fraction_of_its_buildings_and_as_tall() {
        let plan = plan(&crate::bundled_snapshot(), &Landscape::new());
        let blocks = coarse_blocks(&plan);
        assert!(
            blocks.len() * 2 < plan.buildings.len(),
            "{} blocks for {} buildings",
            blocks.len(),
            plan.buildings.len()
        );
        assert!(blocks.len() > 500, "{} blocks", blocks.len());
        for group in [
            "gate-district",
            "golden-district",
            "cluster-logistics",
            "almaty",
        ] {
            let tallest = |list: &[Building]| {
                list.iter()
                    .filter(|b| b.group == group)
                    .map(|b| b.height)
                    .fold(0.0, f32::max)
            };
            let (near, far) = (tallest(&plan.buildings), tallest(&blocks));
            assert!(far > 0.0, "{group} shows from afar");
            assert!(far <= near + 1e-3, "{group}: {far} over {near}");
            assert!(far >= near * 2.0 / 3.0 - 1e-3, "{group}: {far} for {near}");
        }
    }
}
