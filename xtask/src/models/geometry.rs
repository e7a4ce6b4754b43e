//! Flat-shaded triangle geometry and the outlines it is extruded from (rectangles,
//! superellipses), with their areas.

/// Flat-shaded triangles of one material.
#[derive(Clone, Debug, Default)]
pub struct Geometry {
    /// Vertex positions.
    pub positions: Vec<[f32; 3]>,
    /// Vertex normals.
    pub normals: Vec<[f32; 3]>,
    /// Triangle indices.
    pub indices: Vec<u32>,
}

impl Geometry {
    /// Triangles.
    pub fn triangle_count(&self) -> usize {
        self.indices.len() / 3
    }

    fn quad(&mut self, a: [f32; 3], b: [f32; 3], c: [f32; 3], d: [f32; 3]) {
        let sub = |p: [f32; 3], q: [f32; 3]| [p[0] - q[0], p[1] - q[1], p[2] - q[2]];
        let (u, v) = (sub(b, a), sub(c, a));
        let n = [
            u[1] * v[2] - u[2] * v[1],
            u[2] * v[0] - u[0] * v[2],
            u[0] * v[1] - u[1] * v[0],
        ];
        let length = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2])
            .sqrt()
            .max(f32::EPSILON);
        let normal = [n[0] / length, n[1] / length, n[2] / length];
        let base = self.positions.len() as u32;
        for p in [a, b, c, d] {
            self.positions.push(p);
            self.normals.push(normal);
        }
        self.indices
            .extend([base, base + 1, base + 2, base, base + 2, base + 3]);
    }

    /// A vertical prism between `bottom` and `top` over a convex outline (x, z pairs, counter-
    /// clockwise seen from above: x east, z south), with a cap on top; `outline_top` lets the
    /// top differ (taper, twist).
    pub(super) fn prism(
        &mut self,
        outline: &[[f32; 2]],
        outline_top: &[[f32; 2]],
        bottom: f32,
        top: f32,
        cap: bool,
    ) {
        let n = outline.len();
        for i in 0..n {
            let j = (i + 1) % n;
            let (a, b) = (outline[i], outline[j]);
            let (at, bt) = (outline_top[i], outline_top[j]);
            self.quad(
                [a[0], bottom, a[1]],
                [b[0], bottom, b[1]],
                [bt[0], top, bt[1]],
                [at[0], top, at[1]],
            );
        }
        if cap {
            let base = self.positions.len() as u32;
            for p in outline_top {
                self.positions.push([p[0], top, p[1]]);
                self.normals.push([0.0, 1.0, 0.0]);
            }
            // The outline runs counter-clockwise seen from above: a fan keeps that winding,
            // so the cap faces up.
            for k in 1..n as u32 - 1 {
                self.indices.extend([base, base + k, base + k + 1]);
            }
        }
    }

    /// An axis-aligned box standing on the ground at `(x, z)`.
    pub(super) fn cuboid(&mut self, x: f32, z: f32, width: f32, depth: f32, bottom: f32, top: f32) {
        let outline = rectangle(x, z, width, depth);
        self.prism(&outline, &outline, bottom, top, true);
    }

    /// The highest point.
    pub fn top(&self) -> f32 {
        self.positions.iter().map(|p| p[1]).fold(f32::MIN, f32::max)
    }
}

/// A rectangle's corners, counter-clockwise seen from above with x east and z south.
pub(super) fn rectangle(x: f32, z: f32, width: f32, depth: f32) -> Vec<[f32; 2]> {
    let (hx, hz) = (width / 2.0, depth / 2.0);
    vec![
        [x - hx, z + hz],
        [x + hx, z + hz],
        [x + hx, z - hz],
        [x - hx, z - hz],
    ]
}

/// A superellipse ("squircle") outline of half-widths `a` (x) and `b` (z), rotated by `twist`.
pub(super) fn squircle(
    x: f32,
    z: f32,
    a: f32,
    b: f32,
    twist: f32,
    segments: usize,
) -> Vec<[f32; 2]> {
    const EXPONENT: f32 = 4.0;
    (0..segments)
        .map(|k| {
            // Counter-clockwise seen from above with z south: decreasing angle in (x, z).
            let t = -std::f32::consts::TAU * k as f32 / segments as f32;
            let (s, c) = t.sin_cos();
            let px = a * c.signum() * c.abs().powf(2.0 / EXPONENT);
            let pz = b * s.signum() * s.abs().powf(2.0 / EXPONENT);
            let (ts, tc) = twist.sin_cos();
            [x + px * tc - pz * ts, z + px * ts + pz * tc]
        })
        .collect()
}

/// Area of a polygon of (x, z) points.
pub fn outline_area(outline: &[[f32; 2]]) -> f32 {
    let mut sum = 0.0;
    for (i, p) in outline.iter().enumerate() {
        let q = outline[(i + 1) % outline.len()];
        sum += p[0] * q[1] - q[0] * p[1];
    }
    sum.abs() / 2.0
}

/// An outline pushed outwards from its centroid by `by` metres (for convex outlines).
pub(super) fn grow(outline: &[[f32; 2]], by: f32) -> Vec<[f32; 2]> {
    let n = outline.len() as f32;
    let cx = outline.iter().map(|p| p[0]).sum::<f32>() / n;
    let cz = outline.iter().map(|p| p[1]).sum::<f32>() / n;
    outline
        .iter()
        .map(|p| {
            let (dx, dz) = (p[0] - cx, p[1] - cz);
            let length = dx.hypot(dz).max(f32::EPSILON);
            [p[0] + dx / length * by, p[1] + dz / length * by]
        })
        .collect()
}

/// Half-widths of a squircle of `area` with aspect `a / b`.
pub(super) fn squircle_half_widths(area: f32, aspect: f32) -> (f32, f32) {
    // A squircle with exponent 4 covers ~0.927 of its bounding box.
    let b = (area / (4.0 * 0.927 * aspect)).sqrt();
    (aspect * b, b)
}

pub(super) fn append(into: &mut Geometry, from: &Geometry) {
    let base = into.positions.len() as u32;
    into.positions.extend_from_slice(&from.positions);
    into.normals.extend_from_slice(&from.normals);
    into.indices.extend(from.indices.iter().map(|i| i + base));
}
