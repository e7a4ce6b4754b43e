//! The fixed geography around Alatau: towns, the reservoir, rivers, the A3 and the Turksib line,
//! and the Trans-Ili Alatau crest, in WGS84 degrees.
//!
//! Point positions are the facts file's. No public outline exists for the shoreline, the rivers'
//! courses, the roads or the towns' built-up areas at this scale, so those lines are **schematic**:
//! plausible shapes through the facts' positions, which the app labels as such. The city's own
//! districts, zones and projects are not here: they come from the data snapshot.

use crate::geo::{LatLon, Local, to_local};

/// A named point from the facts file.
#[derive(Clone, Copy, Debug)]
pub struct Place {
    /// Stable kebab-case id.
    pub id: &'static str,
    /// Where it is.
    pub at: LatLon,
}

/// Almaty's centre (about 700 to 900 m above sea level).
pub const ALMATY_CENTRE: Place = Place {
    id: "almaty",
    at: LatLon::new(43.24, 76.91),
};
/// Zhetygen, the town of Alatau, and its Turksib station (about 518 m).
pub const ZHETYGEN_STATION: Place = Place {
    id: "zhetygen",
    at: LatLon::new(43.674, 77.108),
};
/// The military airfield near Zhetygen.
pub const AIRFIELD: Place = Place {
    id: "airfield",
    at: LatLon::new(43.733, 77.117),
};
/// Konaev (former Kapshagay), on the reservoir's western shore.
pub const KONAEV: Place = Place {
    id: "konaev",
    at: LatLon::new(43.88, 77.08),
};
/// The reservoir's centre per the facts file (the surface is about 475 m above sea level).
pub const RESERVOIR_CENTRE: Place = Place {
    id: "kapchagay-reservoir",
    at: LatLon::new(43.82, 77.48),
};

/// The places the scene labels and marks.
pub const PLACES: [Place; 5] = [
    ALMATY_CENTRE,
    ZHETYGEN_STATION,
    AIRFIELD,
    KONAEV,
    RESERVOIR_CENTRE,
];

/// Water surface of the Kapchagay reservoir, metres above sea level.
pub const RESERVOIR_LEVEL_M: f32 = 475.0;

/// The reservoir's shoreline (schematic), running round from the dam by Konaev along the
/// southern shore eastwards and back along the northern shore. It runs on beyond the terrain's
/// eastern edge: the reservoir is about 180 km long.
pub const RESERVOIR_SHORE: [LatLon; 20] = [
    LatLon::new(43.935, 77.100),
    LatLon::new(43.900, 77.118),
    LatLon::new(43.868, 77.172),
    LatLon::new(43.835, 77.215),
    LatLon::new(43.805, 77.290),
    LatLon::new(43.780, 77.380),
    LatLon::new(43.762, 77.470),
    LatLon::new(43.748, 77.600),
    LatLon::new(43.735, 77.760),
    LatLon::new(43.745, 77.950),
    LatLon::new(43.760, 78.400),
    LatLon::new(43.960, 78.400),
    LatLon::new(43.955, 78.000),
    LatLon::new(43.950, 77.800),
    LatLon::new(43.952, 77.620),
    LatLon::new(43.950, 77.460),
    LatLon::new(43.965, 77.330),
    LatLon::new(43.975, 77.230),
    LatLon::new(43.965, 77.160),
    LatLon::new(43.950, 77.115),
];

/// The A3 highway Almaty–Konaev (schematic course through the facts' towns).
pub const A3_HIGHWAY: [LatLon; 8] = [
    LatLon::new(43.300, 76.925),
    LatLon::new(43.360, 76.945),
    LatLon::new(43.440, 76.985),
    LatLon::new(43.550, 77.045),
    LatLon::new(43.674, 77.094),
    LatLon::new(43.760, 77.092),
    LatLon::new(43.840, 77.088),
    LatLon::new(43.885, 77.070),
];

/// The Turksib railway through Zhetygen station (schematic course).
pub const TURKSIB_RAILWAY: [LatLon; 8] = [
    LatLon::new(43.300, 76.945),
    LatLon::new(43.450, 77.020),
    LatLon::new(43.580, 77.080),
    LatLon::new(43.674, 77.108),
    LatLon::new(43.750, 77.060),
    LatLon::new(43.860, 77.000),
    LatLon::new(43.950, 76.950),
    LatLon::new(44.080, 76.880),
];

/// The Kaskelen river, west of Zhetygen, flowing north to the reservoir (schematic course).
pub const KASKELEN_RIVER: [LatLon; 7] = [
    LatLon::new(43.200, 76.700),
    LatLon::new(43.350, 76.820),
    LatLon::new(43.500, 76.930),
    LatLon::new(43.620, 76.990),
    LatLon::new(43.750, 77.010),
    LatLon::new(43.860, 77.045),
    LatLon::new(43.925, 77.095),
];

/// The Malaya Almatinka river, from Almaty north to the reservoir (schematic course).
pub const MALAYA_ALMATINKA_RIVER: [LatLon; 7] = [
    LatLon::new(43.200, 76.960),
    LatLon::new(43.330, 77.000),
    LatLon::new(43.450, 77.070),
    LatLon::new(43.560, 77.115),
    LatLon::new(43.650, 77.170),
    LatLon::new(43.740, 77.250),
    LatLon::new(43.795, 77.320),
];

/// The Ili below the dam, flowing north-west out of the reservoir (schematic course).
pub const ILI_RIVER: [LatLon; 5] = [
    LatLon::new(43.945, 77.105),
    LatLon::new(44.000, 77.020),
    LatLon::new(44.080, 76.930),
    LatLon::new(44.160, 76.800),
    LatLon::new(44.250, 76.600),
];

/// The crest of the Trans-Ili Alatau south of Almaty, west to east (peaks above 4,000 m).
pub const ALATAU_CREST: [LatLon; 6] = [
    LatLon::new(43.080, 76.300),
    LatLon::new(43.060, 76.700),
    LatLon::new(43.080, 76.950),
    LatLon::new(43.070, 77.250),
    LatLon::new(43.090, 77.600),
    LatLon::new(43.110, 78.100),
];

/// Almaty's built-up area north of its centre (schematic).
pub const ALMATY_BUILT_UP: [LatLon; 8] = [
    LatLon::new(43.190, 76.780),
    LatLon::new(43.330, 76.780),
    LatLon::new(43.360, 76.880),
    LatLon::new(43.345, 77.000),
    LatLon::new(43.260, 77.060),
    LatLon::new(43.200, 77.020),
    LatLon::new(43.175, 76.930),
    LatLon::new(43.180, 76.840),
];

/// Konaev's built-up area on the shore (schematic).
pub const KONAEV_BUILT_UP: [LatLon; 6] = [
    LatLon::new(43.860, 77.040),
    LatLon::new(43.905, 77.045),
    LatLon::new(43.915, 77.085),
    LatLon::new(43.895, 77.105),
    LatLon::new(43.872, 77.120),
    LatLon::new(43.855, 77.095),
];

/// Zhetygen's built-up area around the station (schematic).
pub const ZHETYGEN_BUILT_UP: [LatLon; 5] = [
    LatLon::new(43.664, 77.100),
    LatLon::new(43.684, 77.100),
    LatLon::new(43.688, 77.122),
    LatLon::new(43.670, 77.130),
    LatLon::new(43.660, 77.118),
];

/// Projects a list of points into the local frame.
pub fn local(points: &[LatLon]) -> Vec<Local> {
    points.iter().copied().map(to_local).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::polygon::{contains, distance_to_polyline, is_simple};

    #[test]
    fn every_outline_is_a_simple_polygon() {
        for outline in [
            &RESERVOIR_SHORE[..],
            &ALMATY_BUILT_UP[..],
            &KONAEV_BUILT_UP[..],
            &ZHETYGEN_BUILT_UP[..],
        ] {
            assert!(is_simple(&local(outline)), "{outline:?}");
        }
    }

    #[test]
    fn the_towns_are_on_land_and_the_reservoir_centre_is_water() {
        let shore = local(&RESERVOIR_SHORE);
        assert!(contains(&shore, to_local(RESERVOIR_CENTRE.at)));
        for place in [ALMATY_CENTRE, ZHETYGEN_STATION, AIRFIELD, KONAEV] {
            assert!(
                !contains(&shore, to_local(place.at)),
                "{} is in the water",
                place.id
            );
        }
        assert!(contains(&local(&KONAEV_BUILT_UP), to_local(KONAEV.at)));
        assert!(contains(
            &local(&ZHETYGEN_BUILT_UP),
            to_local(ZHETYGEN_STATION.at)
        ));
        assert!(contains(
            &local(&ALMATY_BUILT_UP),
            to_local(ALMATY_CENTRE.at)
        ));
    }

    #[test]
    fn konaev_is_on_the_western_shore() {
        let shore = local(&RESERVOIR_SHORE);
        let konaev = to_local(KONAEV.at);
        let gap = crate::polygon::signed_distance(&shore, konaev);
        assert!(
            (0.0..5_000.0).contains(&gap),
            "Konaev is {gap} m from the water"
        );
        let east = Local::new(konaev.x + 8_000.0, konaev.z);
        assert!(contains(&shore, east), "water lies east of Konaev");
    }

    #[test]
    fn the_highway_and_railway_serve_zhetygen_and_konaev() {
        let station = to_local(ZHETYGEN_STATION.at);
        assert!(distance_to_polyline(&local(&TURKSIB_RAILWAY), station) < 50.0);
        assert!(distance_to_polyline(&local(&A3_HIGHWAY), station) < 2_000.0);
        assert!(distance_to_polyline(&local(&A3_HIGHWAY), to_local(KONAEV.at)) < 2_000.0);
    }

    #[test]
    fn the_rivers_reach_the_reservoir() {
        let shore = local(&RESERVOIR_SHORE);
        for river in [&KASKELEN_RIVER[..], &MALAYA_ALMATINKA_RIVER[..]] {
            let mouth = to_local(river[river.len() - 1]);
            let gap = crate::polygon::signed_distance(&shore, mouth).abs();
            assert!(gap < 1_500.0, "mouth {mouth:?} is {gap} m from the shore");
        }
    }
}
