//! Choosing a record in the 3D view: a click or tap on a landmark, a district or a cluster zone
//! selects it (a long press or a drag does not), Escape clears the selection, and a marker
//! shows what is selected: a ring round it and, for a project, a beam above it. A pointer that
//! hovers over a record gets a thin white ring round it first.

use std::time::Duration;

use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::picking::mesh_picking::{MeshPickingPlugin, MeshPickingSettings};
use bevy::prelude::*;

use crate::AppSystems;
use crate::model::record_view::focus;
use crate::model::snapshot::Record;
use crate::scene::mesh_builder::MeshBuilder;
use crate::state::Intent;
use crate::world::RecordId;
use crate::world::choices::Selection;
use crate::world::data::CityData;
use crate::world::ground::Ground;
use crate::world::phase::{DirectInput, data_is_in};

/// A press longer than this is a drag or a look-around, not a click.
const LONGEST_CLICK: Duration = Duration::from_millis(400);
/// Colour of the selection marker.
const MARKER: Color = Color::srgb(0.95, 0.66, 0.15);
/// Colour of the hover ring.
const HOVER: Color = Color::WHITE;

pub(super) fn plugin(app: &mut App) {
    app.add_plugins(MeshPickingPlugin)
        // Only what carries `Pickable` (records) is ray-cast: not the terrain, sky or massing.
        .insert_resource(MeshPickingSettings {
            require_markers: true,
            ..default()
        })
        .init_resource::<Hovered>()
        .add_observer(select_clicked_record)
        .add_observer(note_hover_start)
        .add_observer(note_hover_end)
        .add_systems(
            Update,
            (
                make_records_pickable,
                clear_selection_on_escape.in_set(DirectInput),
                (show_selection_marker, show_hover_ring)
                    .run_if(data_is_in)
                    .in_set(AppSystems::Render),
            ),
        );
}

/// The selection marker.
#[derive(Component)]
struct SelectionMarker;

/// The hover ring.
#[derive(Component)]
struct HoverRing;

/// The record under the pointer, if any.
#[derive(Resource, Debug, Default, PartialEq, Eq)]
pub struct Hovered(pub Option<String>);

fn note_hover_start(
    mut over: On<Pointer<Over>>,
    records: Query<&RecordId>,
    mut hovered: ResMut<Hovered>,
) {
    let Ok(record) = records.get(over.entity) else {
        return;
    };
    over.propagate(false);
    if hovered.0.as_deref() != Some(record.0.as_str()) {
        hovered.0 = Some(record.0.clone());
    }
}

fn note_hover_end(
    mut out: On<Pointer<Out>>,
    records: Query<&RecordId>,
    mut hovered: ResMut<Hovered>,
) {
    let Ok(record) = records.get(out.entity) else {
        return;
    };
    out.propagate(false);
    if hovered.0.as_deref() == Some(record.0.as_str()) {
        hovered.0 = None;
    }
}

fn make_records_pickable(mut commands: Commands, added: Query<Entity, Added<RecordId>>) {
    for entity in &added {
        commands.entity(entity).insert(Pickable::default());
    }
}

/// A click bubbles up from the mesh hit (a glTF part, a zone) to the first entity that names a
/// record.
fn select_clicked_record(
    mut click: On<Pointer<Click>>,
    records: Query<&RecordId>,
    mode: Option<Res<State<crate::world::phase::AppMode>>>,
    mut intents: MessageWriter<Intent>,
) {
    let Ok(record) = records.get(click.entity) else {
        return;
    };
    click.propagate(false);
    // A touch that wakes a kiosk's attract loop presses nothing (direct input is off there).
    if !crate::world::phase::direct_input_is_on(mode) {
        return;
    }
    if click.button != PointerButton::Primary || click.duration > LONGEST_CLICK {
        return;
    }
    intents.write(Intent::Select {
        id: Some(record.0.clone()),
        fly: false,
    });
}

fn clear_selection_on_escape(
    keys: Res<ButtonInput<KeyCode>>,
    selection: Res<Selection>,
    mut intents: MessageWriter<Intent>,
) {
    if keys.just_pressed(KeyCode::Escape) && selection.0.is_some() {
        intents.write(Intent::Select {
            id: None,
            fly: false,
        });
    }
}

/// A ring draped round `(x, z)` and, for projects, a beam rising from it.
fn marker_mesh(ground: &Ground, x: f32, z: f32, radius: f32, beam: bool) -> Mesh {
    ring_mesh(
        ground,
        x,
        z,
        radius,
        (radius * 0.06).clamp(12.0, 400.0),
        MARKER,
        beam,
    )
}

/// A ring of `width` draped round `(x, z)` in `colour`, with a beam if asked.
fn ring_mesh(
    ground: &Ground,
    x: f32,
    z: f32,
    radius: f32,
    width: f32,
    colour: Color,
    beam: bool,
) -> Mesh {
    const SEGMENTS: usize = 72;
    let mut builder = MeshBuilder::default();
    let point = |angle: f32, r: f32| {
        let (px, pz) = (x + r * angle.cos(), z + r * angle.sin());
        Vec3::new(px, ground.height(px, pz).max(0.0) + 8.0, pz)
    };
    for k in 0..SEGMENTS {
        let (a0, a1) = (
            std::f32::consts::TAU * k as f32 / SEGMENTS as f32,
            std::f32::consts::TAU * (k + 1) as f32 / SEGMENTS as f32,
        );
        builder.quad(
            [
                point(a0, radius - width),
                point(a0, radius),
                point(a1, radius),
                point(a1, radius - width),
            ],
            colour,
        );
    }
    if beam {
        let base = ground.height(x, z).max(0.0);
        builder.block(
            Vec3::new(x, base + 300.0, z),
            0.0,
            Vec3::new(6.0, 500.0, 6.0),
            MARKER,
            MARKER,
        );
    }
    // The ring is seen from above: make both sides count by not culling (see material).
    builder.build()
}

/// The unlit, two-sided material of markers.
fn marker_material() -> StandardMaterial {
    StandardMaterial {
        base_color: Color::WHITE,
        unlit: true,
        cull_mode: None,
        ..default()
    }
}

fn show_hover_ring(
    mut commands: Commands,
    hovered: Res<Hovered>,
    data: Res<CityData>,
    ground: Res<Ground>,
    rings: Query<Entity, With<HoverRing>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    if !hovered.is_changed() {
        return;
    }
    for ring in &rings {
        commands.entity(ring).despawn();
    }
    let Some(id) = hovered.0.as_deref() else {
        return;
    };
    let Some(place) = focus(&data, id) else {
        return;
    };
    let width = (place.radius_m * 0.025).clamp(6.0, 160.0);
    let mesh = ring_mesh(
        &ground,
        place.at.x,
        place.at.z,
        place.radius_m * 1.04,
        width,
        HOVER,
        false,
    );
    commands.spawn((
        Name::new(format!("Hover ring {id}")),
        HoverRing,
        Mesh3d(meshes.add(mesh)),
        MeshMaterial3d(materials.add(marker_material())),
        NotShadowCaster,
        NotShadowReceiver,
    ));
}

fn show_selection_marker(
    mut commands: Commands,
    selection: Res<Selection>,
    data: Res<CityData>,
    ground: Res<Ground>,
    markers: Query<Entity, With<SelectionMarker>>,
    (mut meshes, mut materials): (ResMut<Assets<Mesh>>, ResMut<Assets<StandardMaterial>>),
    mut marked: Local<Option<String>>,
) {
    if *marked == selection.0 && !data.is_changed() && !ground.is_changed() {
        return;
    }
    marked.clone_from(&selection.0);
    for marker in &markers {
        commands.entity(marker).despawn();
    }
    let Some(id) = selection.0.as_deref() else {
        return;
    };
    let (Some(place), Some(record)) = (focus(&data, id), data.record(id)) else {
        return;
    };
    let mesh = marker_mesh(
        &ground,
        place.at.x,
        place.at.z,
        place.radius_m,
        matches!(record, Record::Project(_)),
    );
    commands.spawn((
        Name::new(format!("Selection marker {id}")),
        SelectionMarker,
        Mesh3d(meshes.add(mesh)),
        MeshMaterial3d(materials.add(marker_material())),
        NotShadowCaster,
        NotShadowReceiver,
    ));
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// The selection plugin's markers, headless, on a flat ground and the bundled data.
    fn app_with_records() -> App {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, AssetPlugin::default()))
            .init_asset::<Mesh>()
            .init_asset::<StandardMaterial>()
            .init_resource::<Selection>()
            .init_resource::<crate::world::choices::Language>()
            .init_resource::<Hovered>()
            .add_systems(Update, (show_selection_marker, show_hover_ring));
        app.insert_resource(crate::world::data::bundled_city_data());
        app.insert_resource(Ground::sample(
            Arc::new(crate::model::terrain::Landscape::new()),
            1.0,
            0,
        ));
        app.update();
        app
    }

    fn count<T: Component>(app: &mut App) -> usize {
        app.world_mut()
            .query_filtered::<(), With<T>>()
            .iter(app.world())
            .count()
    }

    #[test]
    fn hovering_rings_the_record_and_leaving_clears_it() {
        let mut app = app_with_records();
        assert_eq!(count::<HoverRing>(&mut app), 0);
        app.insert_resource(Hovered(Some("gate-district".into())));
        app.update();
        assert_eq!(
            count::<HoverRing>(&mut app),
            1,
            "one ring under the pointer"
        );
        app.insert_resource(Hovered(Some("kaist-kazakhstan".into())));
        app.update();
        assert_eq!(
            count::<HoverRing>(&mut app),
            1,
            "the ring moves, it is not added"
        );
        app.insert_resource(Hovered(None));
        app.update();
        assert_eq!(count::<HoverRing>(&mut app), 0);
    }

    #[test]
    fn the_selection_marker_follows_the_selection() {
        let mut app = app_with_records();
        assert_eq!(count::<SelectionMarker>(&mut app), 0);
        app.world_mut().resource_mut::<Selection>().0 = Some("iconic-complex".into());
        app.update();
        assert_eq!(count::<SelectionMarker>(&mut app), 1);
        // A change elsewhere in the state (the language) keeps the one marker.
        app.world_mut()
            .resource_mut::<crate::world::choices::Language>()
            .0 = crate::model::lang::Lang::Kk;
        app.update();
        assert_eq!(count::<SelectionMarker>(&mut app), 1);
        app.world_mut().resource_mut::<Selection>().0 = None;
        app.update();
        assert_eq!(count::<SelectionMarker>(&mut app), 0);
    }
}
