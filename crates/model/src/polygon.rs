//! Plane polygons in the local frame: area, containment, distance to the outline, simplicity
//! and ear-clipping triangulation. The scene drapes district and cluster outlines with these and
//! the terrain carves the reservoir.

use crate::geo::Local;

/// Twice the signed area (positive when the outline runs counter-clockwise seen from above with
/// x east and z south, i.e. clockwise on a north-up map; only the sign's consistency matters).
fn twice_signed_area(points: &[Local]) -> f32 {
    let mut sum = 0.0;
    for (i, a) in points.iter().enumerate() {
        let b = points[(i + 1) % points.len()];
        sum += a.x * b.z - b.x * a.z;
    }
    sum
}

/// Area enclosed by a simple outline, square metres.
pub fn area(points: &[Local]) -> f32 {
    twice_signed_area(points).abs() / 2.0
}

/// The centre of mass of a simple outline (its vertex average if it has no area).
pub fn centroid(points: &[Local]) -> Local {
    let doubled = twice_signed_area(points);
    if points.is_empty() {
        return Local::default();
    }
    if doubled.abs() < f32::EPSILON {
        let n = points.len() as f32;
        return Local::new(
            points.iter().map(|p| p.x).sum::<f32>() / n,
            points.iter().map(|p| p.z).sum::<f32>() / n,
        );
    }
    // Relative to the first vertex, for precision with coordinates tens of kilometres out.
    let origin = points[0];
    let (mut cx, mut cz) = (0.0_f64, 0.0_f64);
    for (i, a) in points.iter().enumerate() {
        let b = points[(i + 1) % points.len()];
        let (ax, az) = (f64::from(a.x - origin.x), f64::from(a.z - origin.z));
        let (bx, bz) = (f64::from(b.x - origin.x), f64::from(b.z - origin.z));
        let cross = ax * bz - bx * az;
        cx += (ax + bx) * cross;
        cz += (az + bz) * cross;
    }
    let six_area = 3.0 * f64::from(doubled);
    Local::new(
        origin.x + (cx / six_area) as f32,
        origin.z + (cz / six_area) as f32,
    )
}

/// Whether `point` lies inside the outline (even-odd rule).
pub fn contains(points: &[Local], point: Local) -> bool {
    let mut inside = false;
    for (i, a) in points.iter().enumerate() {
        let b = points[(i + 1) % points.len()];
        if (a.z > point.z) != (b.z > point.z) {
            let x_at = a.x + (point.z - a.z) / (b.z - a.z) * (b.x - a.x);
            if point.x < x_at {
                inside = !inside;
            }
        }
    }
    inside
}

/// Distance from `point` to the segment `a`–`b`, metres.
pub fn distance_to_segment(point: Local, a: Local, b: Local) -> f32 {
    let (dx, dz) = (b.x - a.x, b.z - a.z);
    let length_sq = dx * dx + dz * dz;
    let t = if length_sq > 0.0 {
        (((point.x - a.x) * dx + (point.z - a.z) * dz) / length_sq).clamp(0.0, 1.0)
    } else {
        0.0
    };
    Local::new(a.x + t * dx, a.z + t * dz).distance(point)
}

/// Distance from `point` to the nearest point of an open polyline, metres.
pub fn distance_to_polyline(points: &[Local], point: Local) -> f32 {
    match points {
        [] => f32::INFINITY,
        [only] => only.distance(point),
        _ => points
            .windows(2)
            .map(|pair| distance_to_segment(point, pair[0], pair[1]))
            .fold(f32::INFINITY, f32::min),
    }
}

/// Signed distance to a closed outline: negative inside, positive outside, metres.
pub fn signed_distance(points: &[Local], point: Local) -> f32 {
    let mut nearest = f32::INFINITY;
    for (i, a) in points.iter().enumerate() {
        let b = points[(i + 1) % points.len()];
        nearest = nearest.min(distance_to_segment(point, *a, b));
    }
    if contains(points, point) {
        -nearest
    } else {
        nearest
    }
}

fn cross(o: Local, a: Local, b: Local) -> f32 {
    (a.x - o.x) * (b.z - o.z) - (a.z - o.z) * (b.x - o.x)
}

fn segments_cross(a: Local, b: Local, c: Local, d: Local) -> bool {
    let (d1, d2) = (cross(c, d, a), cross(c, d, b));
    let (d3, d4) = (cross(a, b, c), cross(a, b, d));
    ((d1 > 0.0) != (d2 > 0.0)) && ((d3 > 0.0) != (d4 > 0.0)) && d1 != 0.0 && d3 != 0.0
}

/// Whether the outline is simple: at least three vertices, an area, and no two non-adjacent
/// edges crossing.
pub fn is_simple(points: &[Local]) -> bool {
    let n = points.len();
    if n < 3 || area(points) <= 0.0 {
        return false;
    }
    for i in 0..n {
        for j in (i + 1)..n {
            let adjacent = j == i + 1 || (i == 0 && j == n - 1);
            if adjacent {
                continue;
            }
            let (a, b) = (points[i], points[(i + 1) % n]);
            let (c, d) = (points[j], points[(j + 1) % n]);
            if segments_cross(a, b, c, d) {
                return false;
            }
        }
    }
    true
}

/// Triangulates a simple outline by ear clipping: index triples into `points`, all wound the
/// same way as the outline. Degenerate input yields fewer triangles, never a panic.
pub fn triangulate(points: &[Local]) -> Vec<[usize; 3]> {
    let n = points.len();
    if n < 3 {
        return Vec::new();
    }
    let winding = twice_signed_area(points).signum();
    let mut remaining: Vec<usize> = (0..n).collect();
    let mut triangles = Vec::with_capacity(n - 2);
    let mut guard = 0;
    while remaining.len() > 3 && guard < n * n {
        guard += 1;
        let count = remaining.len();
        let mut clipped = false;
        for k in 0..count {
            let (ia, ib, ic) = (
                remaining[(k + count - 1) % count],
                remaining[k],
                remaining[(k + 1) % count],
            );
            let (a, b, c) = (points[ia], points[ib], points[ic]);
            let convex = cross(a, b, c) * winding > 0.0;
            if !convex {
                continue;
            }
            let blocked = remaining.iter().any(|&other| {
                if other == ia || other == ib || other == ic {
                    return false;
                }
                let p = points[other];
                let s = winding;
                cross(a, b, p) * s >= 0.0 && cross(b, c, p) * s >= 0.0 && cross(c, a, p) * s >= 0.0
            });
            if blocked {
                continue;
            }
            triangles.push([ia, ib, ic]);
            remaining.remove(k);
            clipped = true;
            break;
        }
        if !clipped {
            break;
        }
    }
    if remaining.len() == 3 {
        triangles.push([remaining[0], remaining[1], remaining[2]]);
    }
    triangles
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(side: f32) -> Vec<Local> {
        vec![
            Local::new(0.0, 0.0),
            Local::new(side, 0.0),
            Local::new(side, side),
            Local::new(0.0, side),
        ]
    }

    /// An L-shaped (concave) outline of area 3.
    fn ell() -> Vec<Local> {
        vec![
            Local::new(0.0, 0.0),
            Local::new(2.0, 0.0),
            Local::new(2.0, 1.0),
            Local::new(1.0, 1.0),
            Local::new(1.0, 2.0),
            Local::new(0.0, 2.0),
        ]
    }

    fn triangle_area(points: &[Local], [a, b, c]: [usize; 3]) -> f32 {
        area(&[points[a], points[b], points[c]])
    }

    #[test]
    fn area_and_centroid_of_a_square() {
        let square = square(10.0);
        assert_eq!(area(&square), 100.0);
        assert_eq!(centroid(&square), Local::new(5.0, 5.0));
    }

    #[test]
    fn containment_and_signed_distance() {
        let square = square(10.0);
        assert!(contains(&square, Local::new(5.0, 5.0)));
        assert!(!contains(&square, Local::new(15.0, 5.0)));
        assert_eq!(signed_distance(&square, Local::new(5.0, 2.0)), -2.0);
        assert_eq!(signed_distance(&square, Local::new(13.0, 5.0)), 3.0);
        assert!(
            !contains(&ell(), Local::new(1.5, 1.5)),
            "the L's notch is outside"
        );
    }

    #[test]
    fn polyline_distance() {
        let line = [
            Local::new(0.0, 0.0),
            Local::new(10.0, 0.0),
            Local::new(10.0, 10.0),
        ];
        assert_eq!(distance_to_polyline(&line, Local::new(5.0, 3.0)), 3.0);
        assert_eq!(distance_to_polyline(&line, Local::new(12.0, 5.0)), 2.0);
        assert_eq!(
            distance_to_polyline(&[], Local::new(0.0, 0.0)),
            f32::INFINITY
        );
    }

    #[test]
    fn triangulation_covers_a_concave_outline_exactly() {
        for outline in [ell(), ell().into_iter().rev().collect::<Vec<_>>()] {
            let triangles = triangulate(&outline);
            assert_eq!(triangles.len(), outline.len() - 2);
            let covered: f32 = triangles.iter().map(|&t| triangle_area(&outline, t)).sum();
            assert!((covered - area(&outline)).abs() < 1e-4, "covered {covered}");
            for &[a, b, c] in &triangles {
                let mid = Local::new(
                    (outline[a].x + outline[b].x + outline[c].x) / 3.0,
                    (outline[a].z + outline[b].z + outline[c].z) / 3.0,
                );
                assert!(contains(&outline, mid), "triangle {a},{b},{c} leaks out");
            }
        }
    }

    #[test]
    fn simplicity() {
        assert!(is_simple(&square(1.0)));
        assert!(is_simple(&ell()));
        let bow_tie = [
            Local::new(0.0, 0.0),
            Local::new(1.0, 1.0),
            Local::new(1.0, 0.0),
            Local::new(0.0, 1.0),
        ];
        assert!(!is_simple(&bow_tie));
        assert!(!is_simple(&square(1.0)[..2]));
        assert!(triangulate(&square(1.0)[..2]).is_empty());
    }
}
