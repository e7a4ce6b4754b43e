//! What stands on one plot of the street grid, by the area's character: towers round a business
//! core, city blocks, housing, campus and hospital courtyards, sheds, warehouses and container
//! yards, hotels and villas, a town's fabric.

use super::rng::{Rng, mask_noise};
use super::{Area, Building, BuildingKind, Character, MassingPlan};
use crate::geo::Local;

pub(super) fn offset(at: Local, yaw: f32, dx: f32, dz: f32) -> Local {
    let (sin, cos) = yaw.sin_cos();
    Local::new(at.x + dx * cos - dz * sin, at.z + dx * sin + dz * cos)
}

pub(super) fn push(
    result: &mut MassingPlan,
    group: &str,
    kind: BuildingKind,
    centre: Local,
    yaw: f32,
    size: (f32, f32, f32),
) {
    result.buildings.push(Building {
        centre,
        yaw,
        width: size.0,
        depth: size.1,
        height: size.2,
        kind,
        group: group.to_owned(),
    });
}

pub(super) fn fill_cell(
    area: &Area<'_>,
    at: Local,
    yaw: f32,
    step: f32,
    rng: &mut Rng,
    result: &mut MassingPlan,
) {
    let group = area.group;
    let plot = step * 0.72;
    match area.character {
        Character::Business { core } => {
            let from_core = core.distance(at);
            if from_core < 1_300.0 && rng.unit() < 0.6 {
                business_tower(result, group, at, yaw, plot, 1.0 - from_core / 1_300.0, rng);
            } else if from_core < 3_200.0 {
                perimeter_block(result, group, at, yaw, plot * 0.92, rng.range(20.0, 48.0));
                if rng.unit() < 0.12 {
                    let height = rng.range(50.0, 85.0);
                    push(
                        result,
                        group,
                        BuildingKind::Tower,
                        at,
                        yaw,
                        (26.0, 26.0, height),
                    );
                }
            } else if mask_noise(at, 1_400.0, area.seed) > 0.33 {
                housing(result, group, at, yaw, plot, rng);
            }
        }
        Character::Housing => {
            if mask_noise(at, 1_600.0, area.seed) > 0.5 {
                housing(result, group, at, yaw, plot, rng);
            }
        }
        Character::Town => {
            if mask_noise(at, 900.0, area.seed) > 0.25 {
                let height = rng.range(9.0, 30.0) + if rng.unit() > 0.9 { 25.0 } else { 0.0 };
                push(
                    result,
                    group,
                    BuildingKind::Residential,
                    at,
                    yaw,
                    (rng.range(60.0, 150.0), rng.range(14.0, 40.0), height),
                );
            }
        }
        Character::Campus => {
            if rng.unit() < 0.25 {
                return; // Lawns between the buildings.
            }
            let hospital = mask_noise(at, 1_200.0, area.seed) > 0.6;
            let kind = if hospital {
                BuildingKind::Hospital
            } else {
                BuildingKind::Campus
            };
            // Academic and clinical buildings round courtyards, four to eight storeys.
            let height = rng.range(4.0, 8.0).floor() * 4.0;
            perimeter_block_of(result, group, kind, at, yaw, (plot * 0.85, 26.0, height));
            if hospital {
                push(
                    result,
                    group,
                    kind,
                    at,
                    yaw,
                    (plot * 0.3, plot * 0.3, height + 16.0),
                );
            }
        }
        Character::Industry => {
            if rng.unit() < 0.15 {
                return;
            }
            push(
                result,
                group,
                BuildingKind::Shed,
                at,
                yaw,
                (
                    rng.range(90.0, plot),
                    rng.range(60.0, plot * 0.8),
                    rng.range(10.0, 18.0),
                ),
            );
        }
        Character::Logistics => {
            if rng.unit() < 0.5 {
                push(
                    result,
                    group,
                    BuildingKind::Warehouse,
                    at,
                    yaw,
                    (plot, rng.range(60.0, 100.0), rng.range(12.0, 16.0)),
                );
            } else {
                // A container yard: rows of stacks.
                for row in 0..6 {
                    let dz = (row as f32 - 2.5) * 26.0;
                    push(
                        result,
                        group,
                        BuildingKind::Containers,
                        offset(at, yaw, 0.0, dz),
                        yaw,
                        (
                            plot * rng.range(0.6, 0.95),
                            12.0,
                            2.6 * rng.range(1.0, 4.0).floor(),
                        ),
                    );
                }
            }
        }
        Character::Resort => {
            if rng.unit() < 0.55 {
                return;
            }
            if rng.unit() < 0.3 {
                push(
                    result,
                    group,
                    BuildingKind::Hotel,
                    at,
                    yaw,
                    (rng.range(70.0, 120.0), 20.0, rng.range(30.0, 70.0)),
                );
            } else {
                for k in 0..4 {
                    let spot = offset(
                        at,
                        yaw,
                        (k % 2) as f32 * 60.0 - 30.0,
                        (k / 2) as f32 * 60.0 - 30.0,
                    );
                    push(
                        result,
                        group,
                        BuildingKind::Villa,
                        spot,
                        yaw,
                        (22.0, 16.0, 7.0),
                    );
                }
            }
        }
    }
}

/// A high-rise on a low podium: a square point tower or a slab, sometimes with a set-back top,
/// taller towards the core (`rise` 0 at the edge of the core, 1 at its centre) but never above
/// the landmark.
fn business_tower(
    result: &mut MassingPlan,
    group: &str,
    at: Local,
    yaw: f32,
    plot: f32,
    rise: f32,
    rng: &mut Rng,
) {
    let (width, depth) = if rng.unit() < 0.6 {
        let side = rng.range(26.0, 40.0);
        (side, side)
    } else {
        (rng.range(44.0, 62.0), rng.range(20.0, 26.0))
    };
    let height = (rng.range(45.0, 80.0) + rise * rng.range(30.0, 130.0)).min(230.0);
    let shift = rng.range(-0.15, 0.15) * plot;
    let centre = offset(at, yaw, shift, -shift * 0.5);
    push(
        result,
        group,
        BuildingKind::Tower,
        centre,
        yaw,
        (width, depth, height),
    );
    if rng.unit() < 0.4 {
        let top = rng.range(12.0, 30.0).min(250.0 - height);
        push(
            result,
            group,
            BuildingKind::Tower,
            centre,
            yaw,
            (width * 0.7, depth * 0.7, height + top),
        );
    }
    let podium = (
        plot * rng.range(0.5, 0.7),
        plot * rng.range(0.45, 0.6),
        rng.range(7.0, 12.0),
    );
    push(result, group, BuildingKind::Block, at, yaw, podium);
}

/// Four slabs of city block round a courtyard.
fn perimeter_block(
    result: &mut MassingPlan,
    group: &str,
    at: Local,
    yaw: f32,
    plot: f32,
    height: f32,
) {
    perimeter_block_of(
        result,
        group,
        BuildingKind::Block,
        at,
        yaw,
        (plot, 18.0, height),
    );
}

/// Four slabs round a courtyard, stepping down in height; `size` is (plot side, slab depth,
/// tallest slab's height).
fn perimeter_block_of(
    result: &mut MassingPlan,
    group: &str,
    kind: BuildingKind,
    at: Local,
    yaw: f32,
    (plot, depth, height): (f32, f32, f32),
) {
    let half = plot / 2.0 - depth / 2.0;
    let inner = plot - 2.0 * depth;
    let slabs = [
        (0.0, -half, (plot, depth, height)),
        (0.0, half, (plot, depth, height * 0.8)),
        (-half, 0.0, (depth, inner, height * 0.9)),
        (half, 0.0, (depth, inner, height * 0.7)),
    ];
    for (dx, dz, size) in slabs {
        push(result, group, kind, offset(at, yaw, dx, dz), yaw, size);
    }
}

/// Parallel slabs of housing.
fn housing(result: &mut MassingPlan, group: &str, at: Local, yaw: f32, plot: f32, rng: &mut Rng) {
    let storeys = rng.range(4.0, 12.0).floor();
    let rows = if plot > 140.0 { 3 } else { 2 };
    for row in 0..rows {
        let dz = (row as f32 - (rows - 1) as f32 / 2.0) * plot / rows as f32;
        push(
            result,
            group,
            BuildingKind::Residential,
            offset(at, yaw, 0.0, dz),
            yaw,
            (plot * rng.range(0.6, 0.95), 14.0, storeys * 3.2),
        );
    }
}
