//! What covers a plot besides its buildings: paving, courtyard gardens, campus lawns, yards, and
//! on a plot left unbuilt inside a district a park; and the trees: clumps in the parks, a row
//! along a street side of the new city's plots (not a town's, nor a yard's).

use std::ops::Range;

use super::buildings::offset;
use super::rng::Rng;
use super::{Area, Character, Cover, MassingPlan, PLOT_SHARE, Plot, Tree};
use crate::geo::Local;

/// Trees in a park plot.
const PARK_TREES: usize = 8;
/// Trees in the row along a street side of a plot.
const ROW_TREES: usize = 5;
/// Within this distance of a business core its plots are paved squares and podium streets.
const PAVED_CORE_M: f32 = 1_300.0;

/// The cover of a plot at `at`: `None` for an unbuilt plot of a town (its plate shows through).
fn cover_of(character: Character, at: Local, built: bool) -> Option<Cover> {
    Some(match (character, built) {
        (Character::Town, false) => return None,
        (Character::Industry | Character::Logistics, _) => Cover::Yard,
        (_, false) => Cover::Park,
        (Character::Business { core }, true) if core.distance(at) < PAVED_CORE_M => Cover::Paved,
        (Character::Town, true) => Cover::Paved,
        (Character::Campus | Character::Resort, true) => Cover::Lawn,
        (Character::Housing | Character::Business { .. }, true) => Cover::Garden,
    })
}

/// Records the plot at `at` (its buildings are `built`) and plants its trees.
pub(super) fn plant_plot(
    area: &Area<'_>,
    at: Local,
    yaw: f32,
    step: f32,
    built: Range<usize>,
    rng: &mut Rng,
    result: &mut MassingPlan,
) {
    let Some(cover) = cover_of(area.character, at, !built.is_empty()) else {
        return;
    };
    let side = step * PLOT_SHARE;
    let half = side / 2.0;
    let mut plant = |at: Local, rng: &mut Rng| {
        let height = rng.range(9.0, 17.0);
        result.trees.push(Tree {
            at,
            height,
            crown: height * rng.range(0.36, 0.48),
        });
    };
    match cover {
        Cover::Park => {
            // Clumps round two or three glades.
            let glades: Vec<Local> = (0..2 + (rng.unit() * 2.0) as usize)
                .map(|_| {
                    offset(
                        at,
                        yaw,
                        rng.range(-0.3, 0.3) * side,
                        rng.range(-0.3, 0.3) * side,
                    )
                })
                .collect();
            for k in 0..PARK_TREES {
                let glade = glades[k % glades.len()];
                let spot = offset(
                    glade,
                    yaw,
                    rng.range(-0.16, 0.16) * side,
                    rng.range(-0.16, 0.16) * side,
                );
                plant(spot, rng);
            }
        }
        Cover::Garden | Cover::Lawn | Cover::Paved if area.character != Character::Town => {
            // A row along one street side, just inside the kerb.
            let along_x = rng.unit() < 0.5;
            let edge = if rng.unit() < 0.5 { -1.0 } else { 1.0 } * (half - 6.0);
            for k in 0..ROW_TREES {
                let t = (k as f32 + 0.5) / ROW_TREES as f32 * side - half;
                let (dx, dz) = if along_x { (t, edge) } else { (edge, t) };
                plant(offset(at, yaw, dx, dz), rng);
            }
        }
        Cover::Garden | Cover::Lawn | Cover::Paved | Cover::Yard => {}
    }
    result.plots.push(Plot {
        centre: at,
        yaw,
        side,
        cover,
        buildings: built,
        group: area.group.to_owned(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_character_has_its_cover() {
        let core = Local::new(0.0, 0.0);
        let (near, far) = (Local::new(500.0, 0.0), Local::new(3_000.0, 0.0));
        let business = Character::Business { core };
        assert_eq!(cover_of(business, near, true), Some(Cover::Paved));
        assert_eq!(cover_of(business, far, true), Some(Cover::Garden));
        assert_eq!(cover_of(Character::Campus, far, true), Some(Cover::Lawn));
        assert_eq!(cover_of(Character::Housing, far, true), Some(Cover::Garden));
        assert_eq!(cover_of(Character::Industry, far, false), Some(Cover::Yard));
        assert_eq!(cover_of(Character::Housing, far, false), Some(Cover::Park));
        assert_eq!(
            cover_of(Character::Town, far, false),
            None,
            "towns keep their plate"
        );
    }
}
