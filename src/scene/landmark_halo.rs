//! A landmark seen from afar: a gold disc on the ground round each landmark (on the plot
//! the massing keeps clear), drawn only beyond [`HALO_FROM_M`], where a 272 m tower is a few
//! pixels among the blocks. It marks the place without adding height or size to the model,
//! and it follows its landmark: where it stands (a new relief reseats it) and whether it shows
//! (the timeline hides a landmark before its year; a refused model's stand-in keeps it).

use bevy::camera::visibility::VisibilityRange;
use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::prelude::*;

use super::CityRoot;
use super::landmarks::Landmark;
use super::mesh_builder::MeshBuilder;

/// Radius of a halo, metres (inside the 420 m the massing keeps clear round a project).
const HALO_RADIUS_M: f32 = 400.0;
/// Closer than this the landmark speaks for itself and the halo is not drawn, metres.
const HALO_FROM_M: f32 = 7_000.0;
/// The halo's colour: a warm gold, a filled disc unlike the selection marker's orange ring.
const HALO: Color = Color::srgba(1.0, 0.8, 0.3, 0.9);

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (spawn_halos_for_new_landmarks, follow_landmarks).chain(),
    );
}

/// A landmark's halo; `of` is the landmark.
#[derive(Component, Debug)]
pub struct LandmarkHalo {
    /// The landmark entity it marks.
    pub of: Entity,
}

/// How far a halo lies over its landmark's base, metres.
const HALO_LIFT_M: f32 = 1.0;

/// A flat disc of `radius` round the origin, facing up.
fn disc(radius: f32) -> Mesh {
    const SEGMENTS: usize = 48;
    let mut builder = MeshBuilder::default();
    let centre = Vec3::ZERO;
    let rim = |k: usize| {
        let angle = std::f32::consts::TAU * k as f32 / SEGMENTS as f32;
        centre + Vec3::new(radius * angle.cos(), 0.0, radius * angle.sin())
    };
    for k in 0..SEGMENTS {
        builder.triangle([centre, rim(k + 1), rim(k)], Vec3::Y, HALO);
    }
    builder.build()
}

fn spawn_halos_for_new_landmarks(
    mut commands: Commands,
    landmarks: Query<(Entity, &Name, &Transform), Added<Landmark>>,
    root: Single<Entity, With<CityRoot>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let mut material = None;
    for (landmark, name, transform) in &landmarks {
        let material = material
            .get_or_insert_with(|| {
                materials.add(StandardMaterial {
                    base_color: Color::WHITE,
                    unlit: true,
                    alpha_mode: AlphaMode::Blend,
                    ..default()
                })
            })
            .clone();
        let halo = commands
            .spawn((
                Name::new(format!("Halo of {name}")),
                LandmarkHalo { of: landmark },
                Mesh3d(meshes.add(disc(HALO_RADIUS_M))),
                MeshMaterial3d(material),
                Transform::from_translation(transform.translation + Vec3::Y * HALO_LIFT_M),
                Visibility::Hidden,
                VisibilityRange {
                    use_aabb: true,
                    ..VisibilityRange::abrupt(HALO_FROM_M, f32::MAX)
                },
                NotShadowCaster,
                NotShadowReceiver,
            ))
            .id();
        commands.entity(*root).add_child(halo);
    }
}

/// A halo lies under its landmark and is shown while the landmark is.
fn follow_landmarks(
    mut halos: Query<(&LandmarkHalo, &mut Transform, &mut Visibility), Without<Landmark>>,
    landmarks: Query<(&Transform, &Visibility), With<Landmark>>,
) {
    for (halo, mut transform, mut visibility) in &mut halos {
        let Ok((landmark, shown)) = landmarks.get(halo.of) else {
            visibility.set_if_neq(Visibility::Hidden);
            continue;
        };
        let at = landmark.translation + Vec3::Y * HALO_LIFT_M;
        if transform.translation != at {
            transform.translation = at;
        }
        visibility.set_if_neq(*shown);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_halo_lies_under_its_landmark_and_shows_with_it() {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, AssetPlugin::default()))
            .init_asset::<Mesh>()
            .init_asset::<StandardMaterial>()
            .add_plugins(plugin);
        app.world_mut().spawn((CityRoot, Transform::default()));
        let landmark = app
            .world_mut()
            .spawn((
                Name::new("Landmark iconic-complex"),
                Landmark {
                    model: "models/iconic_complex.glb",
                },
                Transform::from_xyz(-9_900.0, 560.0, 27_600.0),
                Visibility::Hidden,
            ))
            .id();
        app.update();
        let halo_of = |app: &mut App| {
            let mut halos = app
                .world_mut()
                .query::<(&LandmarkHalo, &Transform, &Visibility)>();
            let found: Vec<_> = halos
                .iter(app.world())
                .map(|(halo, transform, shown)| (halo.of, transform.translation, *shown))
                .collect();
            assert_eq!(found.len(), 1, "one halo: {found:?}");
            found[0]
        };
        let (of, at, shown) = halo_of(&mut app);
        assert_eq!(of, landmark);
        assert_eq!(at, Vec3::new(-9_900.0, 561.0, 27_600.0));
        assert_eq!(shown, Visibility::Hidden, "hidden with its landmark");

        // The year shows it; a new relief moves it.
        app.world_mut().entity_mut(landmark).insert((
            Visibility::Inherited,
            Transform::from_xyz(-9_900.0, 600.0, 27_600.0),
        ));
        app.update();
        let (_, at, shown) = halo_of(&mut app);
        assert_eq!(at.y, 601.0, "it follows the landmark's new ground");
        assert_eq!(shown, Visibility::Inherited);
    }
}
