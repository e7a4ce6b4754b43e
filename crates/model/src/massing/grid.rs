//! The street grid of an area: cells along its main axis, kept clear of the highway, the
//! railway, the rivers, the water, other areas and the named projects' plots.

use super::buildings::fill_cell;
use super::green::plant_plot;
use super::resort::add_resort_features;
use super::rng::Rng;
use super::{Area, Character, MassingPlan};
use crate::geo::Local;
use crate::geography::{
    A3_HIGHWAY, KASKELEN_RIVER, MALAYA_ALMATINKA_RIVER, TURKSIB_RAILWAY, local,
};
use crate::polygon::{centroid, contains, distance_to_polyline, signed_distance};
use crate::terrain::Landscape;

/// Lines buildings keep clear of: the highway, the railway and the rivers, with their margins.
pub(super) struct Corridors {
    highway: Vec<Local>,
    railway: Vec<Local>,
    rivers: Vec<Vec<Local>>,
}

impl Corridors {
    pub(super) fn new() -> Self {
        Self {
            highway: local(&A3_HIGHWAY),
            railway: local(&TURKSIB_RAILWAY),
            rivers: vec![local(&KASKELEN_RIVER), local(&MALAYA_ALMATINKA_RIVER)],
        }
    }

    fn blocks(&self, at: Local) -> bool {
        distance_to_polyline(&self.highway, at) < 140.0
            || distance_to_polyline(&self.railway, at) < 90.0
            || self
                .rivers
                .iter()
                .any(|river| distance_to_polyline(river, at) < 220.0)
    }
}

/// The main axis of an outline (unit vector along its longest spread).
fn principal_axis(points: &[Local]) -> Local {
    let c = centroid(points);
    let (mut sxx, mut szz, mut sxz) = (0.0, 0.0, 0.0);
    for p in points {
        let (dx, dz) = (p.x - c.x, p.z - c.z);
        sxx += dx * dx;
        szz += dz * dz;
        sxz += dx * dz;
    }
    let angle = 0.5 * (2.0 * sxz).atan2(sxx - szz);
    Local::new(angle.cos(), angle.sin())
}

/// Cell pitch of the street grid by character, metres.
fn pitch(character: Character) -> f32 {
    match character {
        Character::Business { .. } => 170.0,
        Character::Campus => 260.0,
        Character::Industry | Character::Logistics => 320.0,
        Character::Resort => 260.0,
        Character::Housing => 210.0,
        Character::Town => 300.0,
    }
}

pub(super) fn fill_area(
    area: &Area<'_>,
    landscape: &Landscape,
    corridors: &Corridors,
    projects: &[Local],
    result: &mut MassingPlan,
) {
    let axis = principal_axis(&area.outline);
    let across = Local::new(-axis.z, axis.x);
    let yaw = axis.z.atan2(axis.x);
    let centre = centroid(&area.outline);
    let spread = area
        .outline
        .iter()
        .map(|p| p.distance(centre))
        .fold(0.0, f32::max);
    let step = pitch(area.character);
    let cells = (spread / step).ceil() as i32 + 1;
    let mut rng_area = Rng::new(area.seed);

    if area.character == Character::Resort {
        add_resort_features(area, centre, axis, across, landscape, &mut rng_area, result);
    }

    for v in -cells..=cells {
        for u in -cells..=cells {
            let at = Local::new(
                centre.x + axis.x * v as f32 * step + across.x * u as f32 * step,
                centre.z + axis.z * v as f32 * step + across.z * u as f32 * step,
            );
            if signed_distance(&area.outline, at) > -step * 0.4
                || area.holes.iter().any(|hole| contains(hole, at))
                || landscape.shore_distance(at) < 120.0
                || corridors.blocks(at)
                || projects.iter().any(|p| p.distance(at) < 420.0)
                || result.greens.iter().any(|green| contains(green, at))
                || result.tracks.iter().any(|track| contains(track, at))
            {
                continue;
            }
            let mut rng = Rng::for_cell(area.seed, u, v);
            let first = result.buildings.len();
            fill_cell(area, at, yaw, step, &mut rng, result);
            let built = first..result.buildings.len();
            plant_plot(area, at, yaw, step, built, &mut rng, result);
        }
    }

    if area.character == Character::Logistics {
        // Sidings off the main line along the zone's axis.
        for k in 0..4 {
            let offset = (k as f32 - 1.5) * 45.0;
            let half = spread * 0.55;
            result.sidings.push(vec![
                Local::new(
                    centre.x - axis.x * half + across.x * offset,
                    centre.z - axis.z * half + across.z * offset,
                ),
                Local::new(
                    centre.x + axis.x * half + across.x * offset,
                    centre.z + axis.z * half + across.z * offset,
                ),
            ]);
        }
    }
}
