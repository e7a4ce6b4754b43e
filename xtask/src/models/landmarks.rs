//! The landmarks' shapes and materials: the Iconic Complex (a twisting, tapering 272 m tower
//! of glass floors and slab edges, an 80 m hotel tower, a shared podium) and the KAIST
//! Kazakhstan campus (halls round a quad, a library, a research tower).

use super::geometry::{
    Geometry, append, grow, outline_area, rectangle, squircle, squircle_half_widths,
};
use super::{Material, Model, Part, iconic};

const GLASS: Material = Material {
    name: "Glass",
    base_colour: [0.42, 0.55, 0.66, 1.0],
    metallic: 0.55,
    roughness: 0.12,
};
const SLAB: Material = Material {
    name: "SlabEdge",
    base_colour: [0.86, 0.86, 0.84, 1.0],
    metallic: 0.0,
    roughness: 0.65,
};
const STONE: Material = Material {
    name: "PodiumStone",
    base_colour: [0.80, 0.74, 0.64, 1.0],
    metallic: 0.0,
    roughness: 0.6,
};
const FACADE: Material = Material {
    name: "CampusFacade",
    base_colour: [0.88, 0.84, 0.78, 1.0],
    metallic: 0.0,
    roughness: 0.7,
};
const LAWN: Material = Material {
    name: "Lawn",
    base_colour: [0.23, 0.42, 0.18, 1.0],
    metallic: 0.0,
    roughness: 0.95,
};

/// A tower of glass floors with slab edges: `storeys` floors from `base` to `roof`, the plate
/// at height fraction `t` given by `plate(t)`; returns (glass, slabs, summed plate area).
fn stacked_tower(
    storeys: usize,
    base: f32,
    roof: f32,
    plate: impl Fn(f32) -> Vec<[f32; 2]>,
) -> (Geometry, Geometry, f32) {
    let (mut glass, mut slabs) = (Geometry::default(), Geometry::default());
    let storey_height = (roof - base) / storeys as f32;
    let mut area = 0.0;
    for storey in 0..storeys {
        let (t0, t1) = (
            storey as f32 / storeys as f32,
            (storey + 1) as f32 / storeys as f32,
        );
        let (lower, upper) = (plate(t0), plate(t1));
        area += outline_area(&lower);
        let y0 = base + storey as f32 * storey_height;
        let slab_top = y0 + 0.7;
        // A slab edge standing 0.35 m proud of the glass, then the glazing up to the next slab.
        let proud: Vec<[f32; 2]> = grow(&lower, 0.35);
        slabs.prism(&proud, &proud, y0, slab_top, false);
        glass.prism(
            &lower,
            &upper,
            slab_top,
            y0 + storey_height,
            storey + 1 == storeys,
        );
    }
    (glass, slabs, area)
}

/// The Iconic Complex.
pub fn iconic_complex() -> Model {
    use iconic::*;
    const PODIUM_STOREY_M: f32 = 5.5;
    let podium_top = PODIUM_STOREYS as f32 * PODIUM_STOREY_M;
    let (podium_w, podium_d) = (170.0, 115.0);

    // Podium: three storeys over the whole plot (the 58,000 m² shopping and cultural centre).
    let mut podium = Geometry::default();
    podium.cuboid(0.0, 0.0, podium_w, podium_d, 0.0, podium_top);
    let podium_area = PODIUM_STOREYS as f32 * podium_w * podium_d;

    // Hotel tower: 80 m, a rounded slab to the east.
    const HOTEL_PLATE_M2: f32 = 1_300.0;
    let hotel_storeys = 15;
    let hotel_roof = HOTEL_TOWER_HEIGHT_M - 6.0;
    let (ha, hb) = squircle_half_widths(HOTEL_PLATE_M2, 2.0);
    let (hotel_glass, hotel_slabs, hotel_area) =
        stacked_tower(hotel_storeys, podium_top, hotel_roof, |_| {
            squircle(52.0, 8.0, ha, hb, 0.0, 20)
        });
    let mut hotel_crown = Geometry::default();
    let crown = squircle(52.0, 8.0, ha * 0.9, hb * 0.9, 0.0, 20);
    hotel_crown.prism(&crown, &crown, hotel_roof, HOTEL_TOWER_HEIGHT_M, true);

    // Main tower: 56 storeys, of which the podium holds three; tapering plates with a quarter
    // twist, sized so that every storey sums to the published floor area.
    let tower_storeys = MAIN_TOWER_STOREYS - PODIUM_STOREYS;
    let main_roof = MAIN_TOWER_HEIGHT_M - 17.0;
    let remaining = TOTAL_FLOOR_AREA_M2 - podium_area - hotel_area - HOTEL_PLATE_M2 * 0.0;
    let average_plate = remaining / tower_storeys as f32;
    let plate_at = |t: f32| average_plate * (1.16 - 0.32 * t);
    let twist = 18_f32.to_radians();
    let (main_glass, main_slabs, main_area) =
        stacked_tower(tower_storeys, podium_top, main_roof, |t| {
            let (a, b) = squircle_half_widths(plate_at(t), 1.25);
            squircle(-30.0, -4.0, a, b, twist * t, 28)
        });
    // Crown: a tapering glass lantern to the full height.
    let (a, b) = squircle_half_widths(plate_at(1.0), 1.25);
    let crown_base = squircle(-30.0, -4.0, a, b, twist, 28);
    let crown_top = squircle(-30.0, -4.0, a * 0.45, b * 0.45, twist * 1.15, 28);
    let mut main_crown = Geometry::default();
    main_crown.prism(
        &crown_base,
        &crown_top,
        main_roof,
        MAIN_TOWER_HEIGHT_M,
        true,
    );

    let mut main_tower = main_glass;
    append(&mut main_tower, &main_crown);
    let mut hotel_tower = hotel_glass;
    append(&mut hotel_tower, &hotel_crown);

    Model {
        name: "IconicComplex",
        file: "iconic_complex.glb",
        materials: vec![GLASS, SLAB, STONE],
        parts: vec![
            Part {
                name: "Podium",
                material: 2,
                geometry: podium,
            },
            Part {
                name: "MainTower",
                material: 0,
                geometry: main_tower,
            },
            Part {
                name: "MainTowerSlabs",
                material: 1,
                geometry: main_slabs,
            },
            Part {
                name: "HotelTower",
                material: 0,
                geometry: hotel_tower,
            },
            Part {
                name: "HotelTowerSlabs",
                material: 1,
                geometry: hotel_slabs,
            },
        ],
        floor_area_m2: podium_area + hotel_area + main_area,
    }
}

/// The KAIST Kazakhstan campus: four academic halls round a quad, a library and a research
/// tower. Size and site are not published: this is a schematic campus.
pub fn kaist_campus() -> Model {
    let mut halls = Geometry::default();
    let mut area = 0.0;
    let mut hall = |g: &mut Geometry, x: f32, z: f32, w: f32, d: f32, storeys: usize| {
        g.cuboid(x, z, w, d, 0.0, storeys as f32 * 4.2);
        area += w * d * storeys as f32;
    };
    // The quad is 240 x 160 m; halls on its four sides.
    hall(&mut halls, 0.0, -98.0, 250.0, 30.0, 6);
    hall(&mut halls, 0.0, 98.0, 250.0, 30.0, 6);
    hall(&mut halls, -142.0, 0.0, 30.0, 166.0, 5);
    hall(&mut halls, 142.0, 0.0, 30.0, 166.0, 5);
    // A research tower at the north-east corner.
    hall(&mut halls, 190.0, -140.0, 42.0, 42.0, 12);
    let mut library = Geometry::default();
    let drum = squircle(-190.0, 130.0, 38.0, 38.0, 0.0, 28);
    library.prism(&drum, &drum, 0.0, 24.0, true);
    area += outline_area(&drum) * 4.0;
    let mut quad = Geometry::default();
    let lawn = rectangle(0.0, 0.0, 254.0, 166.0);
    quad.prism(&lawn, &lawn, 0.0, 0.3, true);
    Model {
        name: "KaistCampus",
        file: "kaist_campus.glb",
        materials: vec![FACADE, GLASS, LAWN],
        parts: vec![
            Part {
                name: "AcademicHalls",
                material: 0,
                geometry: halls,
            },
            Part {
                name: "Library",
                material: 1,
                geometry: library,
            },
            Part {
                name: "Quad",
                material: 2,
                geometry: quad,
            },
        ],
        floor_area_m2: area,
    }
}
