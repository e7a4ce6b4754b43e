//! The resort's flat features: a race-track outline, golf greens and a marina's piers.

use super::buildings::{offset, push};
use super::rng::Rng;
use super::{Area, BuildingKind, MassingPlan};
use crate::geo::Local;
use crate::polygon::contains;
use crate::terrain::Landscape;

/// The resort's flat features: a golf course, a race-track outline and a marina's piers.
pub(super) fn add_resort_features(
    area: &Area<'_>,
    centre: Local,
    axis: Local,
    across: Local,
    landscape: &Landscape,
    rng: &mut Rng,
    result: &mut MassingPlan,
) {
    let along = |d: f32, a: f32| {
        Local::new(
            centre.x + axis.x * d + across.x * a,
            centre.z + axis.z * d + across.z * a,
        )
    };
    // A race-track loop at one end of the zone, as a stadium-shaped outline.
    let track_centre = along(-1_300.0, -300.0);
    let (half_length, radius) = (700.0, 260.0);
    let mut track = Vec::new();
    for k in 0..=16 {
        let t = std::f32::consts::PI * k as f32 / 16.0;
        track.push((half_length + radius * t.sin(), radius * t.cos()));
    }
    for k in 0..=16 {
        let t = std::f32::consts::PI * k as f32 / 16.0;
        track.push((-half_length - radius * t.sin(), -radius * t.cos()));
    }
    let track: Vec<Local> = track
        .into_iter()
        .map(|(d, a)| {
            Local::new(
                track_centre.x + axis.x * d + across.x * a,
                track_centre.z + axis.z * d + across.z * a,
            )
        })
        .collect();
    if track.iter().all(|p| contains(&area.outline, *p)) {
        result.tracks.push(track);
    }
    // Golf greens: soft blobs at the other end.
    for k in 0..3 {
        let c = along(900.0 + k as f32 * 450.0, rng.range(-500.0, 200.0));
        let radius = rng.range(170.0, 260.0);
        let blob: Vec<Local> = (0..12)
            .map(|i| {
                let t = std::f32::consts::TAU * i as f32 / 12.0;
                let r = radius * (0.8 + 0.2 * ((t * 3.0).sin() + 1.0) / 2.0);
                Local::new(c.x + r * t.cos() * 1.6, c.z + r * t.sin())
            })
            .collect();
        if blob.iter().all(|p| contains(&area.outline, *p)) {
            result.greens.push(blob);
        }
    }
    // Marina piers from the nearest stretch of shore into the water.
    let directions = [
        across,
        Local::new(-across.x, -across.z),
        axis,
        Local::new(-axis.x, -axis.z),
    ];
    let landfall = (1..80)
        .flat_map(|step| directions.iter().map(move |d| (step, *d)))
        .map(|(step, d)| {
            (
                d,
                Local::new(
                    centre.x + d.x * step as f32 * 100.0,
                    centre.z + d.z * step as f32 * 100.0,
                ),
            )
        })
        .find(|(_, probe)| landscape.shore_distance(*probe) < 0.0);
    if let Some((direction, start)) = landfall {
        let yaw = direction.z.atan2(direction.x);
        for k in 0..5 {
            let pier = offset(start, yaw, 90.0, (k as f32 - 2.0) * 70.0);
            push(
                result,
                area.group,
                BuildingKind::Pier,
                pier,
                yaw,
                (180.0, 8.0, 1.5),
            );
        }
    }
}
