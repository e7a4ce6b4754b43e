//! A landmark seen from afar: a gold disc on the ground round each landmark (on the plot the
//! massing keeps clear), drawn only beyond [`HALO_FROM_M`], where a 272 m tower is a few pixels
//! among the blocks, and growing with the distance beyond 25 km so that it stays a spot of some
//! pixels at the overview: a map's symbol, adding nothing to the model's height or size. It is
//! draped on the ground (the plain slopes a few metres across it) and draped again when its size
//! steps, its landmark moves (a new relief) or the ground changes; and it shows while its
//! landmark does (the timeline hides a landmark before its year).

use bevy::camera::visibility::{NoFrustumCulling, VisibilityRange};
use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::prelude::*;

use super::CityRoot;
use super::landmarks::Landmark;
use super::mesh_builder::MeshBuilder;
use crate::world::ground::Ground;

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

/// A landmark's halo: which landmark, and where and how large its disc was last draped.
#[derive(Component, Debug)]
pub struct LandmarkHalo {
    /// The landmark entity it marks.
    pub of: Entity,
    /// The landmark's base the disc was draped round (world metres).
    pub at: Vec3,
    /// The disc's radius as draped, metres (0: not yet).
    pub radius: f32,
}

impl LandmarkHalo {
    /// Whether the halo is drawn for a camera at `eye` (from afar, once draped; its landmark's
    /// visibility aside).
    pub fn drawn_from(&self, eye: Vec3) -> bool {
        self.radius > 0.0 && eye.distance(self.at) >= HALO_FROM_M
    }
}

/// How far a halo lies over the ground, metres: over the district plates, cluster zones,
/// streets and plots' covers (it is drawn only from afar, where a landmark's first metres
/// are far below a pixel).
const HALO_LIFT_M: f32 = 4.8;
/// A halo's radius grows with the camera's distance beyond this share of it, so that from the
/// overview (56 km) it is still a spot of some pixels: a map's symbol, not the model's size.
const HALO_RADIUS_PER_DISTANCE: f32 = 0.016;
/// The radius changes in steps of this factor, so the disc is draped again only now and then.
const HALO_STEP: f32 = 1.25;

/// The radius of a halo seen from `distance` metres: its own 400 m until the distance makes
/// that too small to see, then in proportion, in steps of [`HALO_STEP`].
fn halo_radius(distance: f32) -> f32 {
    let wanted = (distance * HALO_RADIUS_PER_DISTANCE).max(HALO_RADIUS_M);
    let steps = (wanted / HALO_RADIUS_M).log(HALO_STEP).round();
    HALO_RADIUS_M * HALO_STEP.powf(steps)
}

/// A disc of `radius` round `at`, draped on the ground in rings, `HALO_LIFT_M` over it, in
/// coordinates relative to `at`.
fn draped_disc(ground: &Ground, at: Vec3, radius: f32) -> Mesh {
    let (x, z) = (at.x, at.z);
    const SEGMENTS: usize = 48;
    const RINGS: usize = 4;
    let mut builder = MeshBuilder::default();
    let point = |r: f32, k: usize| {
        let angle = std::f32::consts::TAU * k as f32 / SEGMENTS as f32;
        let (px, pz) = (x + r * angle.cos(), z + r * angle.sin());
        ground.point(px, pz) + Vec3::Y * HALO_LIFT_M - at
    };
    for ring in 0..RINGS {
        let (inner, outer) = (
            radius * ring as f32 / RINGS as f32,
            radius * (ring + 1) as f32 / RINGS as f32,
        );
        for k in 0..SEGMENTS {
            let (a, b) = (point(outer, k + 1), point(outer, k));
            if ring == 0 {
                builder.triangle([point(0.0, 0), a, b], Vec3::Y, HALO);
            } else {
                builder.quad([point(inner, k), point(inner, k + 1), a, b], HALO);
            }
        }
    }
    builder.build()
}

fn spawn_halos_for_new_landmarks(
    mut commands: Commands,
    landmarks: Query<(Entity, &Name), Added<Landmark>>,
    root: Single<Entity, With<CityRoot>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let mut material = None;
    for (landmark, name) in &landmarks {
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
                LandmarkHalo {
                    of: landmark,
                    at: Vec3::ZERO,
                    radius: 0.0,
                },
                // Draped by `follow_landmarks` once it knows where and how large.
                Mesh3d(meshes.add(MeshBuilder::default().build())),
                MeshMaterial3d(material),
                Transform::IDENTITY,
                Visibility::Hidden,
                // Measured from the landmark (the entity stands there); the mesh is draped again
                // in place, so its bounds are not kept: never culled (two small meshes).
                VisibilityRange::abrupt(HALO_FROM_M, f32::MAX),
                NoFrustumCulling,
                NotShadowCaster,
                NotShadowReceiver,
            ))
            .id();
        commands.entity(*root).add_child(halo);
    }
}

/// A halo lies round its landmark on the ground, is shown while the landmark is, and keeps a
/// visible size from afar.
fn follow_landmarks(
    mut halos: Query<
        (&mut LandmarkHalo, &Mesh3d, &mut Transform, &mut Visibility),
        Without<Landmark>,
    >,
    landmarks: Query<(&Transform, &Visibility), With<Landmark>>,
    cameras: Query<&GlobalTransform, With<Camera3d>>,
    ground: Option<Res<Ground>>,
    mut meshes: ResMut<Assets<Mesh>>,
) {
    let eye = cameras.iter().next().map(GlobalTransform::translation);
    for (mut halo, mesh, mut transform, mut visibility) in &mut halos {
        let Ok((landmark, shown)) = landmarks.get(halo.of) else {
            visibility.set_if_neq(Visibility::Hidden);
            continue;
        };
        visibility.set_if_neq(*shown);
        let at = landmark.translation;
        let radius = eye.map_or(HALO_RADIUS_M, |eye| halo_radius(eye.distance(at)));
        let Some(ground) = ground.as_ref() else {
            continue;
        };
        if halo.at != at || halo.radius != radius || ground.is_changed() {
            halo.at = at;
            halo.radius = radius;
            transform.translation = at;
            if let Some(mut draped) = meshes.get_mut(&mesh.0) {
                *draped = draped_disc(ground, at, radius);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_halo_keeps_its_size_near_and_grows_in_steps_from_afar() {
        assert_eq!(halo_radius(7_000.0), HALO_RADIUS_M);
        assert_eq!(
            halo_radius(HALO_RADIUS_M / HALO_RADIUS_PER_DISTANCE),
            HALO_RADIUS_M
        );
        let overview = halo_radius(56_000.0);
        assert!(
            (overview / (56_000.0 * HALO_RADIUS_PER_DISTANCE) - 1.0).abs() < 0.12,
            "about 1.6 % of the distance: {overview}"
        );
        let steps = (overview / HALO_RADIUS_M).log(HALO_STEP);
        assert!((steps - steps.round()).abs() < 1e-3, "{overview} is a step");
    }

    #[test]
    fn a_halo_follows_its_landmark_and_shows_with_it() {
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
            let mut halos = app.world_mut().query::<(&LandmarkHalo, &Visibility)>();
            let found: Vec<_> = halos
                .iter(app.world())
                .map(|(halo, shown)| (halo.of, *shown))
                .collect();
            assert_eq!(found.len(), 1, "one halo: {found:?}");
            found[0]
        };
        assert_eq!(halo_of(&mut app), (landmark, Visibility::Hidden));
        app.world_mut()
            .entity_mut(landmark)
            .insert(Visibility::Inherited);
        app.update();
        assert_eq!(
            halo_of(&mut app),
            (landmark, Visibility::Inherited),
            "shown with its landmark"
        );
        app.world_mut().entity_mut(landmark).despawn();
        app.update();
        assert_eq!(halo_of(&mut app).1, Visibility::Hidden, "gone with it");
    }
}
