//! Procedural massing: deterministic buildings with each district's character, laid out on
//! street grids inside the snapshot's footprints, plus the flat features that go with them
//! (golf courses, a race-track outline, rail sidings, a marina's piers).
//!
//! Pure: the scene turns the plan into merged meshes. The same snapshot gives the same city on
//! every machine and every run.

use crate::geo::{LatLon, Local, to_local};
use crate::geography::{
    A3_HIGHWAY, ALMATY_BUILT_UP, KASKELEN_RIVER, KONAEV_BUILT_UP, MALAYA_ALMATINKA_RIVER,
    TURKSIB_RAILWAY, ZHETYGEN_BUILT_UP, local,
};
use crate::polygon::{centroid, contains, distance_to_polyline, signed_distance};
use crate::snapshot::Snapshot;
use crate::terrain::Landscape;
use crate::validate::footprint_local;

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

/// The plan the scene builds.
#[derive(Clone, Debug, Default)]
pub struct MassingPlan {
    /// Every building.
    pub buildings: Vec<Building>,
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

/// SplitMix64: a tiny deterministic generator.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// A generator for a grid cell of an area.
    fn for_cell(area: u64, u: i32, v: i32) -> Self {
        Self::new(
            area.wrapping_mul(0x1000_0000_01B3)
                ^ (u as u64).wrapping_mul(0xA24B_AED4_963E_E407)
                ^ (v as u64).wrapping_mul(0x9FB2_1C65_1E98_DF25),
        )
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in `[low, high)`.
    pub fn range(&mut self, low: f32, high: f32) -> f32 {
        low + (high - low) * self.unit()
    }
}

/// Lines buildings keep clear of: the highway, the railway and the rivers, with their margins.
struct Corridors {
    highway: Vec<Local>,
    railway: Vec<Local>,
    rivers: Vec<Vec<Local>>,
}

impl Corridors {
    fn new() -> Self {
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

/// Smooth 2-D value noise in `[0, 1)` for neighbourhood-scale masks.
fn mask_noise(at: Local, scale: f32, seed: u64) -> f32 {
    let (x, z) = (at.x / scale, at.z / scale);
    let (x0, z0) = (x.floor(), z.floor());
    let corner = |i: f32, j: f32| Rng::for_cell(seed, i as i32, j as i32).unit();
    let (fx, fz) = (x - x0, z - z0);
    let (sx, sz) = (fx * fx * (3.0 - 2.0 * fx), fz * fz * (3.0 - 2.0 * fz));
    let top = corner(x0, z0) + sx * (corner(x0 + 1.0, z0) - corner(x0, z0));
    let bottom = corner(x0, z0 + 1.0) + sx * (corner(x0 + 1.0, z0 + 1.0) - corner(x0, z0 + 1.0));
    top + sz * (bottom - top)
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

/// Lays out the city from the snapshot.
pub fn plan(snapshot: &Snapshot, landscape: &Landscape) -> MassingPlan {
    let corridors = Corridors::new();
    let mut areas: Vec<Area<'_>> = Vec::new();
    let project_at = |id: &str| {
        snapshot
            .projects
            .iter()
            .find(|project| project.id == id)
            .and_then(|project| project.location.as_ref())
            .map(|location| to_local(LatLon::new(location.lat, location.lon)))
    };

    for (index, cluster) in snapshot.clusters.iter().enumerate() {
        let character = match cluster.id.as_str() {
            id if id.contains("industrial") => Character::Industry,
            id if id.contains("logistics") => Character::Logistics,
            id if id.contains("medical") || id.contains("scien") => Character::Campus,
            id if id.contains("tourism") => Character::Resort,
            _ => Character::Housing,
        };
        areas.push(Area {
            outline: footprint_local(&cluster.footprint),
            character,
            group: &cluster.id,
            holes: Vec::new(),
            seed: 100 + index as u64,
        });
    }
    for (index, district) in snapshot.districts.iter().enumerate() {
        // A district holding a priority landmark without a cluster is a business core.
        let landmark = snapshot.projects.iter().find(|project| {
            project.priority
                && project.cluster.is_none()
                && project.district.as_deref() == Some(district.id.as_str())
        });
        let character = match landmark.and_then(|project| project_at(&project.id)) {
            Some(core) => Character::Business { core },
            None => Character::Housing,
        };
        let holes = snapshot
            .clusters
            .iter()
            .filter(|cluster| cluster.district == district.id)
            .map(|cluster| footprint_local(&cluster.footprint))
            .collect();
        areas.push(Area {
            outline: footprint_local(&district.footprint),
            character,
            group: &district.id,
            holes,
            seed: 200 + index as u64,
        });
    }
    for (index, (group, outline)) in [
        ("almaty", &ALMATY_BUILT_UP[..]),
        ("konaev", &KONAEV_BUILT_UP[..]),
        ("zhetygen", &ZHETYGEN_BUILT_UP[..]),
    ]
    .into_iter()
    .enumerate()
    {
        areas.push(Area {
            outline: local(outline),
            character: Character::Town,
            group,
            holes: Vec::new(),
            seed: 300 + index as u64,
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
        fill_area(area, landscape, &corridors, &projects, &mut result);
    }
    result
}

fn fill_area(
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
            fill_cell(area, at, yaw, step, &mut rng, result);
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

fn offset(at: Local, yaw: f32, dx: f32, dz: f32) -> Local {
    let (sin, cos) = yaw.sin_cos();
    Local::new(at.x + dx * cos - dz * sin, at.z + dx * sin + dz * cos)
}

fn push(
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

fn fill_cell(
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

/// The resort's flat features: a golf course, a race-track outline and a marina's piers.
fn add_resort_features(
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
