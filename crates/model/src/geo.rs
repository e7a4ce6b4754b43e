//! The local metric frame: WGS84 latitude/longitude to metres east and south of an origin near
//! Zhetygen, and back.
//!
//! The region is about 130 km across, so a local tangent-plane projection (equirectangular with
//! the ellipsoid's radii of curvature at the origin) is accurate to well under 0.1 % of a
//! distance, far better than any position the public sources give.

/// WGS84 semi-major axis, metres.
const WGS84_A: f64 = 6_378_137.0;
/// WGS84 first eccentricity squared.
const WGS84_E2: f64 = 0.006_694_379_990_14;

/// A point on the ellipsoid, degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LatLon {
    /// Latitude, degrees north.
    pub lat: f64,
    /// Longitude, degrees east.
    pub lon: f64,
}

impl LatLon {
    /// A point from latitude and longitude in degrees.
    pub const fn new(lat: f64, lon: f64) -> Self {
        Self { lat, lon }
    }
}

/// A position in the local frame: metres east (`x`) and south (`z`) of the origin, the axes the
/// 3D scene uses (y is up).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Local {
    /// Metres east of the origin.
    pub x: f32,
    /// Metres south of the origin.
    pub z: f32,
}

impl Local {
    /// A local position.
    pub const fn new(x: f32, z: f32) -> Self {
        Self { x, z }
    }

    /// Straight-line distance to `other`, metres.
    pub fn distance(self, other: Local) -> f32 {
        (self.x - other.x).hypot(self.z - other.z)
    }
}

/// The origin of the local frame: Zhetygen railway station, the heart of the corridor.
pub const ORIGIN: LatLon = LatLon::new(43.674, 77.108);

/// Metres per degree of latitude and of longitude at the origin.
fn metres_per_degree() -> (f64, f64) {
    let phi = ORIGIN.lat.to_radians();
    let w = 1.0 - WGS84_E2 * phi.sin().powi(2);
    let meridional = WGS84_A * (1.0 - WGS84_E2) / w.powf(1.5);
    let prime_vertical = WGS84_A / w.sqrt();
    let per_radian_to_degree = std::f64::consts::PI / 180.0;
    (
        meridional * per_radian_to_degree,
        prime_vertical * phi.cos() * per_radian_to_degree,
    )
}

/// Projects a WGS84 point into the local frame.
pub fn to_local(point: LatLon) -> Local {
    let (north_per_degree, east_per_degree) = metres_per_degree();
    Local {
        x: ((point.lon - ORIGIN.lon) * east_per_degree) as f32,
        z: (-(point.lat - ORIGIN.lat) * north_per_degree) as f32,
    }
}

/// The WGS84 point at a local position (the inverse of [`to_local`]).
pub fn to_lat_lon(local: Local) -> LatLon {
    let (north_per_degree, east_per_degree) = metres_per_degree();
    LatLon {
        lat: ORIGIN.lat - f64::from(local.z) / north_per_degree,
        lon: ORIGIN.lon + f64::from(local.x) / east_per_degree,
    }
}

/// Great-circle distance on a sphere of the mean Earth radius, metres: an independent yardstick
/// for the projection's tests.
pub fn haversine_m(a: LatLon, b: LatLon) -> f64 {
    const MEAN_RADIUS_M: f64 = 6_371_008.8;
    let (phi1, phi2) = (a.lat.to_radians(), b.lat.to_radians());
    let d_phi = phi2 - phi1;
    let d_lambda = (b.lon - a.lon).to_radians();
    let h = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * MEAN_RADIUS_M * h.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALMATY: LatLon = LatLon::new(43.24, 76.91);
    const KONAEV: LatLon = LatLon::new(43.88, 77.08);
    const RESERVOIR: LatLon = LatLon::new(43.82, 77.48);

    #[test]
    fn the_origin_is_zhetygen() {
        assert_eq!(to_local(ORIGIN), Local::new(0.0, 0.0));
    }

    #[test]
    fn axes_point_east_and_south() {
        let almaty = to_local(ALMATY);
        assert!(almaty.z > 40_000.0, "Almaty lies ~48 km south: {almaty:?}");
        assert!(almaty.x < -10_000.0, "and ~16 km west: {almaty:?}");
        let konaev = to_local(KONAEV);
        assert!(konaev.z < -20_000.0, "Konaev lies north: {konaev:?}");
        assert!(to_local(RESERVOIR).x > 25_000.0, "the reservoir lies east");
    }

    #[test]
    fn distances_agree_with_the_great_circle_within_the_spheres_own_error() {
        let places = [ORIGIN, ALMATY, KONAEV, RESERVOIR, LatLon::new(43.08, 77.3)];
        for a in places {
            for b in places {
                let truth = haversine_m(a, b);
                if truth < 1.0 {
                    continue;
                }
                let projected = f64::from(to_local(a).distance(to_local(b)));
                let error = (projected - truth).abs() / truth;
                // The yardstick is a sphere, itself up to ~0.5 % off the ellipsoid here.
                assert!(
                    error < 0.008,
                    "{a:?} to {b:?}: projected {projected:.0} m, great circle {truth:.0} m"
                );
            }
        }
    }

    #[test]
    fn almaty_centre_to_zhetygen_is_about_50_km_in_a_straight_line() {
        // The facts file's "47 km north" is a rounded road-sign figure; the straight line
        // between the two published positions is 50.8 km.
        let km = f64::from(to_local(ALMATY).distance(to_local(ORIGIN))) / 1000.0;
        assert!((49.0..52.5).contains(&km), "{km} km");
    }

    #[test]
    fn projection_round_trips_to_a_metre() {
        for point in [ALMATY, KONAEV, RESERVOIR, LatLon::new(44.3, 76.4)] {
            let back = to_lat_lon(to_local(point));
            let error_m = haversine_m(point, back);
            assert!(
                error_m < 1.0,
                "{point:?} came back as {back:?} ({error_m} m off)"
            );
        }
    }
}
