//! A placeholder landscape at true scale: the plain, a reservoir to the north, a mountain wall to
//! the south, a highway between them and blocks of model-white massing along it.
//!
//! It proves that terrain-sized geometry, fog and thousands of instances render in WebGL2; the
//! geography issue replaces it with the real one, placed from the data snapshot.

use bevy::prelude::*;

use super::{CityRoot, palette};

/// Side of the square ground plane, metres.
const GROUND_SIZE_M: f32 = 160_000.0;
/// Blocks of placeholder massing along the corridor.
const BLOCK_COUNT: u32 = 600;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn_placeholder_landscape);
}

/// A small deterministic hash: the same block layout on every machine and every run.
fn hash01(seed: u32) -> f32 {
    let mut x = seed.wrapping_mul(0x9E37_79B9) ^ 0x85EB_CA6B;
    x ^= x >> 16;
    x = x.wrapping_mul(0x7FEB_352D);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846C_A68B);
    x ^= x >> 16;
    (x as f32) / (u32::MAX as f32)
}

fn spawn_placeholder_landscape(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let matte = |color: Color| StandardMaterial {
        base_color: color,
        perceptual_roughness: 0.95,
        reflectance: 0.2,
        ..default()
    };
    let ground = materials.add(matte(palette::STEPPE));
    let water = materials.add(StandardMaterial {
        base_color: palette::WATER,
        perceptual_roughness: 0.2,
        reflectance: 0.5,
        ..default()
    });
    let rock = materials.add(matte(palette::ROCK));
    let snow = materials.add(matte(palette::SNOW));
    let road = materials.add(matte(palette::ROAD));
    let massing = materials.add(matte(palette::MASSING));
    let unit_cube = meshes.add(Cuboid::new(1.0, 1.0, 1.0));

    let root = commands
        .spawn((
            Name::new("City"),
            CityRoot,
            Transform::default(),
            Visibility::default(),
        ))
        .id();

    let mut children = vec![
        commands
            .spawn((
                Name::new("Plain"),
                // Subdivided: depth interpolated across a few huge triangles is too coarse
                // to keep the water above the plain.
                Mesh3d(
                    meshes.add(
                        Plane3d::default()
                            .mesh()
                            .size(GROUND_SIZE_M, GROUND_SIZE_M)
                            .subdivisions(64),
                    ),
                ),
                MeshMaterial3d(ground),
            ))
            .id(),
        commands
            .spawn((
                Name::new("Reservoir (placeholder)"),
                Mesh3d(
                    meshes.add(
                        Plane3d::default()
                            .mesh()
                            .size(60_000.0, 24_000.0)
                            .subdivisions(24),
                    ),
                ),
                MeshMaterial3d(water),
                Transform::from_xyz(28_000.0, 8.0, -24_000.0)
                    .with_rotation(Quat::from_rotation_y(0.35)),
            ))
            .id(),
        commands
            .spawn((
                Name::new("A3 highway (placeholder)"),
                Mesh3d(unit_cube.clone()),
                MeshMaterial3d(road),
                Transform::from_xyz(-1_500.0, 1.0, 4_000.0)
                    .with_rotation(Quat::from_rotation_y(0.05))
                    .with_scale(Vec3::new(120.0, 2.0, 52_000.0)),
            ))
            .id(),
    ];

    // The Trans-Ili Alatau: a wall of peaks 45-60 km south, snow above 3,500 m.
    let peak = meshes.add(Cone::new(9_000.0, 1.0));
    for i in 0..14u32 {
        let x = -70_000.0 + i as f32 * 11_000.0 + hash01(i) * 4_000.0;
        let z = 50_000.0 + hash01(i + 100) * 10_000.0;
        let height = 3_200.0 + hash01(i + 200) * 1_300.0;
        children.push(
            commands
                .spawn((
                    Name::new(format!("Peak {i}")),
                    Mesh3d(peak.clone()),
                    MeshMaterial3d(if height > 4_000.0 {
                        snow.clone()
                    } else {
                        rock.clone()
                    }),
                    Transform::from_xyz(x, height / 2.0, z).with_scale(Vec3::new(1.0, height, 1.0)),
                ))
                .id(),
        );
    }

    // Massing blocks along the corridor, taller towards the south (the business district).
    for i in 0..BLOCK_COUNT {
        let along = hash01(i * 3);
        let across = hash01(i * 3 + 1) - 0.5;
        let z = 22_000.0 - along * 44_000.0;
        let x = -1_500.0 + across * 9_000.0 + z * 0.05;
        let height = 12.0 + hash01(i * 3 + 2).powi(3) * (40.0 + along * 180.0);
        let footprint = 60.0 + hash01(i * 7) * 140.0;
        children.push(
            commands
                .spawn((
                    Name::new(format!("Block {i}")),
                    Mesh3d(unit_cube.clone()),
                    MeshMaterial3d(massing.clone()),
                    Transform::from_xyz(x, height / 2.0, z)
                        .with_scale(Vec3::new(footprint, height, footprint)),
                ))
                .id(),
        );
    }
    commands.entity(root).add_children(&children);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_deterministic_and_spread_over_the_unit_interval() {
        let values: Vec<f32> = (0..1000).map(hash01).collect();
        assert_eq!(values, (0..1000).map(hash01).collect::<Vec<_>>());
        assert!(values.iter().all(|v| (0.0..=1.0).contains(v)));
        let mean = values.iter().sum::<f32>() / values.len() as f32;
        assert!((mean - 0.5).abs() < 0.05, "mean {mean}");
    }

    #[test]
    fn the_landscape_spawns_under_one_city_root() {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, AssetPlugin::default()))
            .init_asset::<Mesh>()
            .init_asset::<StandardMaterial>()
            .add_plugins(plugin);
        app.update();
        let world = app.world_mut();
        let roots = world.query::<(&CityRoot, &Children)>().iter(world).count();
        assert_eq!(roots, 1, "exactly one city root");
        let (_, children) = world
            .query::<(&CityRoot, &Children)>()
            .single(world)
            .expect("city root with children");
        assert_eq!(children.len(), 3 + 14 + BLOCK_COUNT as usize);
    }
}
