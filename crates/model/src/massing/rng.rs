//! Deterministic randomness for the massing: a small generator, seeds derived from record ids,
//! and smooth value noise for neighbourhood-scale masks.

use crate::geo::Local;

/// SplitMix64: a tiny deterministic generator.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// A generator for a grid cell of an area.
    pub(super) fn for_cell(area: u64, u: i32, v: i32) -> Self {
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

/// The seed of an area, from its id (FNV-1a): stable whatever else the snapshot holds.
pub fn seed_of(id: &str) -> u64 {
    id.bytes().fold(0xCBF2_9CE4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// Smooth 2-D value noise in `[0, 1)` for neighbourhood-scale masks.
pub(super) fn mask_noise(at: Local, scale: f32, seed: u64) -> f32 {
    let (x, z) = (at.x / scale, at.z / scale);
    let (x0, z0) = (x.floor(), z.floor());
    let corner = |i: f32, j: f32| Rng::for_cell(seed, i as i32, j as i32).unit();
    let (fx, fz) = (x - x0, z - z0);
    let (sx, sz) = (fx * fx * (3.0 - 2.0 * fx), fz * fz * (3.0 - 2.0 * fz));
    let top = corner(x0, z0) + sx * (corner(x0 + 1.0, z0) - corner(x0, z0));
    let bottom = corner(x0, z0 + 1.0) + sx * (corner(x0 + 1.0, z0 + 1.0) - corner(x0, z0 + 1.0));
    top + sz * (bottom - top)
}
