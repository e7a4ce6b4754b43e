//! The terrain: an altitude function of the local frame (the plain falling from about 700 m by
//! Almaty to the reservoir at 475 m, the Trans-Ili Alatau above 4,000 m beyond Almaty, gentle
//! relief, river valleys and the reservoir basin), sampled into a [`Heightfield`] whose
//! interpolation matches the rendered triangles exactly, so anything draped on it sits on it.
//!
//! World height `y` is metres above the reservoir's surface, times the vertical exaggeration.

use crate::geo::{Local, to_local};
use crate::geography::{
    ALATAU_CREST, ILI_RIVER, KASKELEN_RIVER, MALAYA_ALMATINKA_RIVER, RESERVOIR_LEVEL_M,
    RESERVOIR_SHORE, local,
};
use crate::polygon::{distance_to_polyline, signed_distance};

/// The plain's altitude by distance south of Zhetygen (metres south, metres above sea level):
/// about 480 m at the reservoir, 518 m at Zhetygen, 700 m at Almaty's northern edge, 850 m at its
/// centre, the foothills beyond.
const PLAIN_PROFILE: [(f32, f32); 9] = [
    (-90_000.0, 700.0),
    (-40_000.0, 520.0),
    (-22_000.0, 482.0),
    (0.0, 518.0),
    (15_000.0, 575.0),
    (33_000.0, 700.0),
    (48_000.0, 850.0),
    (56_000.0, 1_150.0),
    (120_000.0, 1_400.0),
];

/// The parts of the world the altitude function needs, projected once.
pub struct Landscape {
    shore: Vec<Local>,
    rivers: Vec<Vec<Local>>,
    crest: Vec<Local>,
}

impl Default for Landscape {
    fn default() -> Self {
        Self::new()
    }
}

impl Landscape {
    /// Projects the geography into the local frame.
    pub fn new() -> Self {
        Self {
            shore: local(&RESERVOIR_SHORE),
            rivers: vec![
                local(&KASKELEN_RIVER),
                local(&MALAYA_ALMATINKA_RIVER),
                local(&ILI_RIVER),
            ],
            crest: local(&ALATAU_CREST),
        }
    }

    /// Signed distance to the reservoir's shoreline: negative on the water, metres.
    pub fn shore_distance(&self, at: Local) -> f32 {
        signed_distance(&self.shore, at)
    }

    /// The mountain crest's z at `x` (metres south), the crest line extended flat at its ends.
    fn crest_z(&self, x: f32) -> f32 {
        interpolate(
            &self
                .crest
                .iter()
                .map(|point| (point.x, point.z))
                .collect::<Vec<_>>(),
            x,
        )
    }

    /// Altitude above sea level at `at`, metres.
    pub fn altitude_m(&self, at: Local) -> f32 {
        self.altitude_and_shore_m(at).0
    }

    /// The altitude at `at` and its signed distance to the reservoir's shore (positive on
    /// land), both in metres: the one shore distance the altitude needs anyway.
    pub fn altitude_and_shore_m(&self, at: Local) -> (f32, f32) {
        let plain = interpolate(&PLAIN_PROFILE, at.z);
        // Gentle relief on the plain, stronger away from the corridor.
        let off_corridor = smoothstep(15_000.0, 45_000.0, at.x.abs());
        let relief = (fbm(at.x / 7_000.0, at.z / 7_000.0, 3) - 0.5) * (8.0 + 60.0 * off_corridor)
            + (fbm(at.x / 1_800.0, at.z / 1_800.0, 2) - 0.5) * 2.0;
        // River valleys a little below the plain.
        let river_gap = self
            .rivers
            .iter()
            .map(|river| distance_to_polyline(river, at))
            .fold(f32::INFINITY, f32::min);
        let valley = 10.0 * (1.0 - smoothstep(150.0, 1_400.0, river_gap));
        let mut land = plain + relief - valley;

        // The Trans-Ili Alatau: rising from the foothills to the crest, falling beyond it.
        let north_of_crest = self.crest_z(at.x) - at.z;
        let envelope = if north_of_crest >= 0.0 {
            1.0 - smoothstep(1_500.0, 16_000.0, north_of_crest)
        } else {
            1.0 - smoothstep(2_000.0, 25_000.0, -north_of_crest)
        };
        if envelope > 0.0 {
            let ridges = ridged(at.x / 11_000.0, at.z / 7_000.0);
            let detail = ridged(at.x / 2_600.0 + 17.0, at.z / 2_600.0 + 5.0);
            // Gullies: ridged noise across the slope, strongest on the flanks.
            let gullies = ridged(at.x / 1_400.0 + 3.0, at.z / 3_000.0 - 9.0);
            let flank = envelope * (1.0 - envelope) * 4.0;
            let massif = envelope.powf(1.4) * (1_900.0 + 1_400.0 * ridges + 500.0 * detail)
                + flank * 260.0 * (gullies - 0.5);
            land += massif;
        }

        // The reservoir: the land eases down to the water and the basin falls below it.
        let shore = self.shore_distance(at);
        let altitude = if shore >= 0.0 {
            let ease = smoothstep(0.0, 6_000.0, shore);
            RESERVOIR_LEVEL_M
                + 0.002 * shore.min(3_000.0)
                + (land - RESERVOIR_LEVEL_M - 6.0).max(0.0) * ease
        } else {
            RESERVOIR_LEVEL_M - (-shore * 0.01).min(25.0)
        };
        (altitude, shore)
    }
}

/// A regular-topology grid of world heights, denser in the middle and stretching to the horizon
/// at the edges, split into triangles along one fixed diagonal per cell.
pub struct Heightfield {
    /// Column x coordinates, ascending.
    pub xs: Vec<f32>,
    /// Row z coordinates, ascending.
    pub zs: Vec<f32>,
    /// World heights, row-major (`zs.len()` rows of `xs.len()`).
    pub heights: Vec<f32>,
    /// Altitudes above sea level, metres (unexaggerated), row-major like `heights`.
    pub altitudes: Vec<f32>,
    /// Signed distances to the reservoir's shore, metres (positive on land), row-major like
    /// `heights`.
    pub shore_distances: Vec<f32>,
    /// The vertical exaggeration the heights carry.
    pub exaggeration: f32,
}

/// Where the terrain grid is centred and how far its dense middle and its edges reach.
#[derive(Clone, Copy, Debug)]
pub struct GridSpec {
    /// Centre of the grid.
    pub centre: Local,
    /// Half-width of the dense middle, metres.
    pub inner_half_m: f32,
    /// Half-width to the grid's edge, metres.
    pub outer_half_m: f32,
    /// Cells per side.
    pub cells: usize,
}

impl GridSpec {
    /// The whole region: the corridor, Almaty and its mountains, the reservoir, and a margin
    /// stretching to the horizon.
    pub const REGION: GridSpec = GridSpec {
        centre: Local::new(8_000.0, 22_000.0),
        inner_half_m: 62_000.0,
        outer_half_m: 260_000.0,
        cells: 240,
    };

    fn axis(&self, centre: f32) -> Vec<f32> {
        let (w, big_w) = (self.inner_half_m, self.outer_half_m);
        (0..=self.cells)
            .map(|i| {
                let u = 2.0 * i as f32 / self.cells as f32 - 1.0;
                centre + w * u + (big_w - w) * u.powi(7)
            })
            .collect()
    }
}

/// Converts an altitude to world height.
pub fn world_height(altitude_m: f32, exaggeration: f32) -> f32 {
    (altitude_m - RESERVOIR_LEVEL_M) * exaggeration
}

impl Heightfield {
    /// Samples `landscape` on `spec`'s grid.
    pub fn sample(landscape: &Landscape, spec: &GridSpec, exaggeration: f32) -> Self {
        let xs = spec.axis(spec.centre.x);
        let zs = spec.axis(spec.centre.z);
        let mut altitudes = Vec::with_capacity(xs.len() * zs.len());
        let mut shore_distances = Vec::with_capacity(xs.len() * zs.len());
        for &z in &zs {
            for &x in &xs {
                let (altitude, shore) = landscape.altitude_and_shore_m(Local::new(x, z));
                altitudes.push(altitude);
                shore_distances.push(shore);
            }
        }
        let heights = altitudes
            .iter()
            .map(|&altitude| world_height(altitude, exaggeration))
            .collect();
        Self {
            xs,
            zs,
            heights,
            altitudes,
            shore_distances,
            exaggeration,
        }
    }

    /// Vertex index of column `i`, row `j`.
    pub fn index(&self, i: usize, j: usize) -> usize {
        j * self.xs.len() + i
    }

    /// Triangle indices of the grid, wound counter-clockwise seen from above (y up), with the
    /// diagonal from `(i, j)` to `(i + 1, j + 1)` in every cell: the split [`height_at`] assumes.
    ///
    /// [`height_at`]: Heightfield::height_at
    pub fn triangle_indices(&self) -> Vec<u32> {
        let (columns, rows) = (self.xs.len(), self.zs.len());
        let mut indices = Vec::with_capacity((columns - 1) * (rows - 1) * 6);
        for j in 0..rows - 1 {
            for i in 0..columns - 1 {
                let corner = |di: usize, dj: usize| self.index(i + di, j + dj) as u32;
                indices.extend([corner(0, 0), corner(1, 1), corner(1, 0)]);
                indices.extend([corner(0, 0), corner(0, 1), corner(1, 1)]);
            }
        }
        indices
    }

    /// World height of the rendered surface at `at` (clamped to the grid's edge).
    pub fn height_at(&self, at: Local) -> f32 {
        let locate = |axis: &[f32], value: f32| -> (usize, f32) {
            let last_cell = axis.len() - 2;
            let cell = axis
                .partition_point(|&edge| edge <= value)
                .saturating_sub(1)
                .min(last_cell);
            let t = (value - axis[cell]) / (axis[cell + 1] - axis[cell]);
            (cell, t.clamp(0.0, 1.0))
        };
        let (i, fx) = locate(&self.xs, at.x);
        let (j, fz) = locate(&self.zs, at.z);
        let h = |di: usize, dj: usize| self.heights[self.index(i + di, j + dj)];
        if fx >= fz {
            h(0, 0) + fx * (h(1, 0) - h(0, 0)) + fz * (h(1, 1) - h(1, 0))
        } else {
            h(0, 0) + fz * (h(0, 1) - h(0, 0)) + fx * (h(1, 1) - h(0, 1))
        }
    }
}

/// Piecewise-linear interpolation in a table sorted by its first column, flat beyond its ends.
fn interpolate(table: &[(f32, f32)], x: f32) -> f32 {
    let Some(&(first_x, first_y)) = table.first() else {
        return 0.0;
    };
    if x <= first_x {
        return first_y;
    }
    for pair in table.windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        if x <= x1 {
            let t = if x1 > x0 { (x - x0) / (x1 - x0) } else { 1.0 };
            return y0 + t * (y1 - y0);
        }
    }
    table.last().map_or(0.0, |&(_, y)| y)
}

/// Hermite smoothstep from 0 at `edge0` to 1 at `edge1`.
pub fn smoothstep(edge0: f32, edge1: f32, x: f32) -> f32 {
    let t = ((x - edge0) / (edge1 - edge0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// A deterministic hash of a lattice point to `[0, 1)`.
fn lattice(ix: i32, iz: i32) -> f32 {
    let mut h = (ix as u32).wrapping_mul(0x8DA6_B343) ^ (iz as u32).wrapping_mul(0xD816_3841);
    h ^= h >> 13;
    h = h.wrapping_mul(0x85EB_CA6B);
    h ^= h >> 16;
    (h & 0x00FF_FFFF) as f32 / 16_777_216.0
}

/// Smooth value noise in `[0, 1)`.
fn value_noise(x: f32, z: f32) -> f32 {
    let (x0, z0) = (x.floor(), z.floor());
    let (fx, fz) = (x - x0, z - z0);
    let (sx, sz) = (fx * fx * (3.0 - 2.0 * fx), fz * fz * (3.0 - 2.0 * fz));
    let (ix, iz) = (x0 as i32, z0 as i32);
    let top = lattice(ix, iz) + sx * (lattice(ix + 1, iz) - lattice(ix, iz));
    let bottom = lattice(ix, iz + 1) + sx * (lattice(ix + 1, iz + 1) - lattice(ix, iz + 1));
    top + sz * (bottom - top)
}

/// Fractal value noise in `[0, 1)`.
pub fn fbm(x: f32, z: f32, octaves: u32) -> f32 {
    let (mut sum, mut amplitude, mut frequency, mut total) = (0.0, 0.5, 1.0, 0.0);
    for octave in 0..octaves {
        let offset = octave as f32 * 31.7;
        sum += amplitude * value_noise(x * frequency + offset, z * frequency - offset);
        total += amplitude;
        amplitude *= 0.5;
        frequency *= 2.03;
    }
    sum / total
}

/// Ridged noise in `[0, 1]`: sharp crests, rounded valleys.
fn ridged(x: f32, z: f32) -> f32 {
    let n = fbm(x, z, 4);
    1.0 - (2.0 * n - 1.0).abs()
}

/// The altitude at a WGS84 point (for tests and tools).
pub fn altitude_at(landscape: &Landscape, point: crate::geo::LatLon) -> f32 {
    landscape.altitude_m(to_local(point))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::LatLon;
    use crate::geography::{ALMATY_CENTRE, KONAEV, RESERVOIR_CENTRE, ZHETYGEN_STATION};

    #[test]
    fn the_plain_falls_from_almaty_to_the_reservoir() {
        let land = Landscape::new();
        let almaty_edge = altitude_at(&land, LatLon::new(43.36, 76.95));
        let zhetygen = altitude_at(&land, ZHETYGEN_STATION.at);
        let konaev = altitude_at(&land, KONAEV.at);
        assert!(
            (650.0..760.0).contains(&almaty_edge),
            "Almaty's edge at {almaty_edge} m"
        );
        assert!(
            (495.0..545.0).contains(&zhetygen),
            "Zhetygen at {zhetygen} m (about 518)"
        );
        assert!(
            (475.0..520.0).contains(&konaev),
            "Konaev at {konaev} m (480 to 600)"
        );
        assert!(almaty_edge > zhetygen && zhetygen > konaev);
        let almaty = altitude_at(&land, ALMATY_CENTRE.at);
        assert!(
            (700.0..1_000.0).contains(&almaty),
            "Almaty at {almaty} m (700 to 900)"
        );
    }

    #[test]
    fn the_mountains_rise_above_4000_m_beyond_almaty() {
        let land = Landscape::new();
        let highest = (0..200)
            .map(|k| {
                let lon = 76.4 + f64::from(k) * 0.008;
                altitude_at(&land, LatLon::new(43.08, lon))
            })
            .fold(f32::MIN, f32::max);
        assert!(highest > 4_000.0, "highest crest sample {highest} m");
        assert!(highest < 5_200.0, "highest crest sample {highest} m");
    }

    #[test]
    fn the_reservoir_is_below_its_surface_and_the_shore_above() {
        let land = Landscape::new();
        assert!(altitude_at(&land, RESERVOIR_CENTRE.at) < RESERVOIR_LEVEL_M - 10.0);
        assert!(altitude_at(&land, KONAEV.at) > RESERVOIR_LEVEL_M);
    }

    #[test]
    fn the_heightfield_matches_its_samples_at_vertices_and_between() {
        let land = Landscape::new();
        let spec = GridSpec {
            cells: 40,
            ..GridSpec::REGION
        };
        let field = Heightfield::sample(&land, &spec, 1.0);
        assert_eq!(field.heights.len(), 41 * 41);
        assert_eq!(field.triangle_indices().len(), 40 * 40 * 6);
        for (j, &z) in field.zs.iter().enumerate() {
            for (i, &x) in field.xs.iter().enumerate() {
                let expected = field.heights[field.index(i, j)];
                let got = field.height_at(Local::new(x, z));
                assert!(
                    (got - expected).abs() < 1e-3,
                    "vertex ({i}, {j}): {got} vs {expected}"
                );
                let at = Local::new(x, z);
                assert_eq!(field.altitudes[field.index(i, j)], land.altitude_m(at));
                assert_eq!(
                    field.shore_distances[field.index(i, j)],
                    land.shore_distance(at)
                );
            }
        }
        // Between vertices the surface is the plane of one of the cell's two triangles.
        let (i, j) = (20, 20);
        let centre = Local::new(
            (field.xs[i] + field.xs[i + 1]) / 2.0,
            (field.zs[j] + field.zs[j + 1]) / 2.0,
        );
        let diagonal_mid =
            (field.heights[field.index(i, j)] + field.heights[field.index(i + 1, j + 1)]) / 2.0;
        assert!((field.height_at(centre) - diagonal_mid).abs() < 1e-2);
    }

    #[test]
    fn the_grid_is_dense_in_the_middle_and_reaches_the_horizon() {
        let xs = GridSpec::REGION.axis(0.0);
        let middle = xs[121] - xs[120];
        assert!((400.0..700.0).contains(&middle), "middle cell {middle} m");
        assert!(xs[0] < -250_000.0 && xs[240] > 250_000.0);
        assert!(xs.windows(2).all(|pair| pair[1] > pair[0]), "ascending");
    }

    #[test]
    fn exaggeration_scales_height_above_the_water() {
        assert_eq!(world_height(575.0, 2.0), 200.0);
        assert_eq!(world_height(RESERVOIR_LEVEL_M, 3.0), 0.0);
    }
}
