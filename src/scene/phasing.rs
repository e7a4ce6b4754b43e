//! The landmarks at the timeline's year, as the map labels show them: a landmark no source has
//! named yet is not shown; one announced or planned, or whose date is not published, stands as
//! a pale translucent ghost; one under construction wears a warm construction tint; a built one
//! is solid. The procedural massing is the master plan's build-out and never changes with the
//! year. A stand-in block for a refused model wears the same looks. A ghost casts no shadow:
//! it is not built yet, and its shadow pass (translucent, so a pipeline of its own, compiled
//! when the camera first flies near one) would draw nothing anyway.

use std::collections::HashMap;

use bevy::light::NotShadowCaster;
use bevy::prelude::*;

use super::landmark_check::ModelChecked;
use super::landmarks::{Landmark, LandmarkShown};
use crate::model::timeline::{Stage, project_at};
use crate::world::RecordId;
use crate::world::choices::ShownYear;
use crate::world::data::CityData;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<StageMaterials>().add_systems(
        Update,
        show_landmarks_at_the_year.run_if(resource_exists::<CityData>),
    );
}

/// How a landmark looks at a stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StageLook {
    /// Announced, planned, or its date not published: a translucent ghost.
    Ghost,
    /// Under construction: the model in a construction tint.
    Construction,
    /// Built or operating: the model as authored.
    Solid,
}

impl StageLook {
    /// The look at `stage`; `None`: not shown at all.
    pub fn of(stage: Stage) -> Option<StageLook> {
        match stage {
            Stage::NotYet => None,
            Stage::Unknown | Stage::Planned => Some(StageLook::Ghost),
            Stage::UnderConstruction => Some(StageLook::Construction),
            Stage::Built => Some(StageLook::Solid),
        }
    }
}

/// A mesh's own material, kept while its landmark wears a stage's look.
#[derive(Component, Debug, Clone)]
pub struct SolidMaterial(pub Handle<StandardMaterial>);

/// The look a landmark shows now (`None`: hidden), so a year that changes nothing touches
/// nothing.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShownLook(pub Option<StageLook>);

/// The stage twins of the landmarks' materials, each made once.
#[derive(Resource, Default)]
struct StageMaterials(HashMap<(AssetId<StandardMaterial>, StageLook), Handle<StandardMaterial>>);

/// How much of the ghost's colour is the material's own, and how opaque it is.
const GHOST_KEEPS: f32 = 0.35;
const GHOST_ALPHA: f32 = 0.38;
/// How far the construction tint goes towards amber.
const CONSTRUCTION_TINT: f32 = 0.4;

/// `material` at `look`: a pale, translucent ghost or the construction tint.
pub fn stage_twin(material: &StandardMaterial, look: StageLook) -> StandardMaterial {
    let base = material.base_color.to_linear();
    let mix = |own: f32, towards: f32, keep: f32| own * keep + towards * (1.0 - keep);
    match look {
        StageLook::Solid => material.clone(),
        StageLook::Ghost => StandardMaterial {
            base_color: Color::LinearRgba(LinearRgba {
                red: mix(base.red, 0.82, GHOST_KEEPS),
                green: mix(base.green, 0.88, GHOST_KEEPS),
                blue: mix(base.blue, 0.95, GHOST_KEEPS),
                alpha: GHOST_ALPHA,
            }),
            alpha_mode: AlphaMode::Blend,
            ..material.clone()
        },
        StageLook::Construction => StandardMaterial {
            base_color: Color::LinearRgba(LinearRgba {
                red: mix(base.red, 0.85, 1.0 - CONSTRUCTION_TINT),
                green: mix(base.green, 0.45, 1.0 - CONSTRUCTION_TINT),
                blue: mix(base.blue, 0.08, 1.0 - CONSTRUCTION_TINT),
                alpha: base.alpha,
            }),
            ..material.clone()
        },
    }
}

type ShownLandmarks<'a> = (
    Entity,
    &'a RecordId,
    &'a mut Visibility,
    Option<&'a ShownLook>,
);

/// A landmark whose model is in, or whose stand-in is.
type StandingLandmark = (
    With<Landmark>,
    Or<(With<LandmarkShown>, With<ModelChecked>)>,
);

fn show_landmarks_at_the_year(
    mut commands: Commands,
    data: Res<CityData>,
    year: Res<ShownYear>,
    mut landmarks: Query<ShownLandmarks, StandingLandmark>,
    children: Query<&Children>,
    mut meshes: Query<(
        &mut MeshMaterial3d<StandardMaterial>,
        Option<&SolidMaterial>,
    )>,
    (mut materials, mut twins): (ResMut<Assets<StandardMaterial>>, ResMut<StageMaterials>),
) {
    let year = year.resolve(&data);
    for (entity, id, mut visibility, shown) in &mut landmarks {
        let Some(project) = data.project(&id.0) else {
            continue;
        };
        let look = StageLook::of(project_at(project, year).stage);
        if shown.is_some_and(|shown| shown.0 == look) {
            continue;
        }
        visibility.set_if_neq(if look.is_some() {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        });
        if let Some(look) = look {
            for part in children.iter_descendants(entity) {
                let Ok((mut material, solid)) = meshes.get_mut(part) else {
                    continue;
                };
                let solid = match solid {
                    Some(solid) => solid.0.clone(),
                    None => {
                        commands
                            .entity(part)
                            .insert(SolidMaterial(material.0.clone()));
                        material.0.clone()
                    }
                };
                let wanted = if look == StageLook::Solid {
                    solid
                } else {
                    let key = (solid.id(), look);
                    match twins.0.get(&key) {
                        Some(twin) => twin.clone(),
                        None => {
                            let Some(twin) = materials.get(&solid).map(|own| stage_twin(own, look))
                            else {
                                continue;
                            };
                            let twin = materials.add(twin);
                            twins.0.insert(key, twin.clone());
                            twin
                        }
                    }
                };
                if material.0 != wanted {
                    material.0 = wanted;
                }
                if look == StageLook::Ghost {
                    commands.entity(part).insert(NotShadowCaster);
                } else {
                    commands.entity(part).remove::<NotShadowCaster>();
                }
            }
        }
        commands.entity(entity).insert(ShownLook(look));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A headless app with the bundled data and one landmark of `id` with one part.
    fn app_with_landmark(id: &str) -> (App, Entity, Entity, Handle<StandardMaterial>) {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, AssetPlugin::default()))
            .add_plugins(crate::world::tests::headless_world)
            .init_asset::<StandardMaterial>()
            .add_plugins(plugin);
        crate::world::data::provide_bundled_data(&mut app);
        app.update();
        let own = app
            .world_mut()
            .resource_mut::<Assets<StandardMaterial>>()
            .add(StandardMaterial::from_color(Color::srgb(0.6, 0.6, 0.6)));
        let part = app.world_mut().spawn(MeshMaterial3d(own.clone())).id();
        let root = app
            .world_mut()
            .spawn((
                RecordId(id.to_owned()),
                Landmark { model: "test.glb" },
                LandmarkShown,
                Visibility::default(),
            ))
            .add_child(part)
            .id();
        (app, root, part, own)
    }

    fn at_year(app: &mut App, year: u16) {
        app.world_mut().resource_mut::<ShownYear>().0 = Some(year);
        app.update();
        app.update();
    }

    fn look(app: &App, root: Entity) -> Option<StageLook> {
        app.world().get::<ShownLook>(root).and_then(|shown| shown.0)
    }

    fn material_of(app: &App, part: Entity) -> Handle<StandardMaterial> {
        app.world()
            .get::<MeshMaterial3d<StandardMaterial>>(part)
            .map(|material| material.0.clone())
            .unwrap_or_default()
    }

    #[test]
    fn a_campus_not_yet_named_is_hidden_and_a_planned_one_is_a_ghost() {
        let (mut app, root, part, own) = app_with_landmark("kaist-kazakhstan");
        at_year(&mut app, 2024);
        assert_eq!(
            app.world().get::<Visibility>(root),
            Some(&Visibility::Hidden),
            "KAIST Kazakhstan was first named in 2026"
        );
        at_year(&mut app, 2026);
        assert_eq!(
            app.world().get::<Visibility>(root),
            Some(&Visibility::Inherited)
        );
        assert_eq!(look(&app, root), Some(StageLook::Ghost));
        assert!(
            app.world().get::<NotShadowCaster>(part).is_some(),
            "a ghost casts no shadow"
        );
        let ghost = material_of(&app, part);
        assert_ne!(ghost, own, "the ghost is a twin, the model's own is kept");
        let materials = app.world().resource::<Assets<StandardMaterial>>();
        let ghost = materials.get(&ghost).expect("the ghost material");
        assert!(matches!(ghost.alpha_mode, AlphaMode::Blend));
        assert!(ghost.base_color.alpha() < 0.5);
        assert_eq!(
            app.world().get::<SolidMaterial>(part).map(|s| s.0.clone()),
            Some(own)
        );
    }

    #[test]
    fn a_plant_is_tinted_while_built_and_solid_once_finished() {
        let (mut app, root, part, own) = app_with_landmark("pepsico-snack-plant");
        at_year(&mut app, 2025);
        assert_eq!(look(&app, root), Some(StageLook::Construction));
        let tinted = material_of(&app, part);
        assert_ne!(tinted, own);
        assert!(app.world().get::<NotShadowCaster>(part).is_none());
        at_year(&mut app, 2027);
        assert_eq!(look(&app, root), Some(StageLook::Solid));
        assert_eq!(material_of(&app, part), own, "built: the model as authored");
        assert!(
            app.world().get::<NotShadowCaster>(part).is_none(),
            "a built landmark casts its shadow"
        );
        at_year(&mut app, 2025);
        assert_eq!(
            material_of(&app, part),
            tinted,
            "the twin is made once and reused"
        );
    }
}
