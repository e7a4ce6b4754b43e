//! Choosing a record in the 3D view: a click or tap on a landmark, a district or a cluster zone
//! selects it (a long press, a drag or a pinch does not), Escape clears the selection, and a
//! marker shows what is selected: a ring round it and, for a project, a beam above it. A mouse
//! that hovers over a record gets a thin white ring round it first. What is under the pointer
//! comes from [`crate::picking`].

use std::time::Duration;

use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::platform::collections::HashMap;
use bevy::prelude::*;
use bevy::window::{CursorLeft, PrimaryWindow};

use crate::AppSystems;
use crate::model::record_view::focus;
use crate::model::snapshot::Record;
use crate::picking::RecordPicker;
use crate::scene::mesh_builder::MeshBuilder;
use crate::state::Intent;
use crate::world::choices::Selection;
use crate::world::data::CityData;
use crate::world::ground::Ground;
use crate::world::phase::{DirectInput, data_is_in};

/// A press longer than this is a drag or a look-around, not a click.
const LONGEST_CLICK: Duration = Duration::from_millis(400);
/// A pointer that moves farther than this between press and release drags, not clicks
/// (logical pixels).
const CLICK_SLOP_PX: f32 = 8.0;
/// Colour of the selection marker.
const MARKER: Color = Color::srgb(0.95, 0.66, 0.15);
/// Colour of the hover ring.
const HOVER: Color = Color::WHITE;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Hovered>()
        .init_resource::<MarkerMaterial>()
        .add_systems(
            Update,
            (
                (hover_under_mouse, select_clicked_record).in_set(DirectInput),
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

/// The one material of the selection marker and the hover ring (their colours are the mesh's
/// vertex colours): a new selection makes a mesh, not a material to prepare and bind.
#[derive(Resource)]
struct MarkerMaterial(Handle<StandardMaterial>);

impl FromWorld for MarkerMaterial {
    fn from_world(world: &mut World) -> Self {
        let mut materials = world.resource_mut::<Assets<StandardMaterial>>();
        MarkerMaterial(materials.add(StandardMaterial {
            base_color: Color::WHITE,
            unlit: true,
            cull_mode: None,
            ..default()
        }))
    }
}

/// The record under the pointer, if any.
#[derive(Resource, Debug, Default, PartialEq, Eq)]
pub struct Hovered(pub Option<String>);

/// The record under the mouse, found again when it moves with no button down (a drag orbits
/// the camera; it hovers nothing) and forgotten when it leaves the view.
fn hover_under_mouse(
    mut moves: MessageReader<CursorMoved>,
    mut leaves: MessageReader<CursorLeft>,
    buttons: Res<ButtonInput<MouseButton>>,
    picker: RecordPicker,
    mut hovered: ResMut<Hovered>,
) {
    let left = leaves.read().count() > 0;
    let Some(moved) = moves.read().last() else {
        if left {
            hovered.set_if_neq(Hovered(None));
        }
        return;
    };
    if buttons.get_pressed().next().is_some() {
        return;
    }
    hovered.set_if_neq(Hovered(picker.record_at(moved.position)));
}

/// Where and when a pointer went down, the longest frame since, and whether it may still
/// click (a second finger on the glass makes a pinch of it).
#[derive(Clone, Copy, Debug)]
struct Press {
    at: Vec2,
    since: Duration,
    longest_frame: Duration,
    may_click: bool,
}

impl Press {
    fn new(at: Vec2, since: Duration) -> Press {
        Press {
            at,
            since,
            longest_frame: Duration::ZERO,
            may_click: true,
        }
    }

    /// Whether a release at `at` clicks: in place, and short. The app sees a press and its
    /// release only at the frames after them, so each may lie up to a frame off: a press is
    /// short when it lasted at most [`LONGEST_CLICK`] and two of its longest frames (on a
    /// slow kiosk PC, or a browser that hands a tap's end over a frame after its start).
    fn clicks(&self, at: Vec2, now: Duration) -> bool {
        let short = now.saturating_sub(self.since) <= LONGEST_CLICK + self.longest_frame * 2;
        self.may_click && short && self.at.distance(at) <= CLICK_SLOP_PX
    }
}

/// The presses under way: the left mouse button's and each finger's.
#[derive(Default)]
struct Presses {
    mouse: Option<Press>,
    fingers: HashMap<u64, Press>,
}

/// A short press and release in place, of the left button or of one finger, selects the record
/// under it.
fn select_clicked_record(
    buttons: Res<ButtonInput<MouseButton>>,
    touches: Res<Touches>,
    windows: Query<&Window, With<PrimaryWindow>>,
    time: Res<Time<Real>>,
    picker: RecordPicker,
    mut presses: Local<Presses>,
    mut intents: MessageWriter<Intent>,
) {
    let (now, frame) = (time.elapsed(), time.delta());
    let Presses { mouse, fingers } = &mut *presses;
    for press in mouse.iter_mut().chain(fingers.values_mut()) {
        press.longest_frame = press.longest_frame.max(frame);
    }
    let cursor = windows.single().ok().and_then(Window::cursor_position);
    let mut clicked_at = None;
    if buttons.just_pressed(MouseButton::Left) {
        presses.mouse = cursor.map(|at| Press::new(at, now));
    }
    if buttons.just_released(MouseButton::Left)
        && let (Some(press), Some(at)) = (presses.mouse.take(), cursor)
        && press.clicks(at, now)
    {
        clicked_at = Some(at);
    }
    for touch in touches.iter_just_pressed() {
        presses
            .fingers
            .insert(touch.id(), Press::new(touch.start_position(), now));
    }
    if presses.fingers.len() > 1 {
        presses
            .fingers
            .values_mut()
            .for_each(|press| press.may_click = false);
    }
    for touch in touches.iter_just_released() {
        if let Some(press) = presses.fingers.remove(&touch.id())
            && press.clicks(touch.position(), now)
        {
            clicked_at = Some(touch.position());
        }
    }
    for touch in touches.iter_just_canceled() {
        presses.fingers.remove(&touch.id());
    }
    let Some(id) = clicked_at.and_then(|at| picker.record_at(at)) else {
        return;
    };
    intents.write(Intent::Select {
        id: Some(id),
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
fn show_hover_ring(
    mut commands: Commands,
    hovered: Res<Hovered>,
    data: Res<CityData>,
    ground: Res<Ground>,
    rings: Query<Entity, With<HoverRing>>,
    mut meshes: ResMut<Assets<Mesh>>,
    material: Res<MarkerMaterial>,
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
        MeshMaterial3d(material.0.clone()),
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
    (mut meshes, material): (ResMut<Assets<Mesh>>, Res<MarkerMaterial>),
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
        MeshMaterial3d(material.0.clone()),
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
            .init_resource::<MarkerMaterial>()
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
    fn a_press_clicks_when_short_and_in_place_with_slow_frames_allowed_for() {
        let ms = Duration::from_millis;
        let press = Press::new(Vec2::new(100.0, 100.0), ms(1_000));
        assert!(
            press.clicks(Vec2::new(103.0, 98.0), ms(1_300)),
            "short, in place"
        );
        assert!(
            !press.clicks(Vec2::new(130.0, 100.0), ms(1_300)),
            "moved: a drag"
        );
        assert!(
            !press.clicks(Vec2::new(100.0, 100.0), ms(1_600)),
            "held: a long press"
        );
        // At 2 frames a second the same press spans frames of 500 ms: a tap still clicks.
        let slow = Press {
            longest_frame: ms(500),
            ..press
        };
        assert!(slow.clicks(Vec2::new(100.0, 100.0), ms(2_300)));
        assert!(
            !slow.clicks(Vec2::new(100.0, 100.0), ms(2_500)),
            "beyond two frames"
        );
        let pinched = Press {
            may_click: false,
            ..press
        };
        assert!(
            !pinched.clicks(Vec2::new(100.0, 100.0), ms(1_100)),
            "a pinch's finger"
        );
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

    #[test]
    fn markers_and_rings_share_one_material_however_often_the_selection_changes() {
        let mut app = app_with_records();
        for id in ["iconic-complex", "gate-district", "kaist-kazakhstan"] {
            app.world_mut().resource_mut::<Selection>().0 = Some(id.into());
            app.insert_resource(Hovered(Some(id.into())));
            app.update();
        }
        let shared = app.world().resource::<MarkerMaterial>().0.id();
        let used: Vec<_> = app
            .world_mut()
            .query_filtered::<&MeshMaterial3d<StandardMaterial>, Or<(With<SelectionMarker>, With<HoverRing>)>>()
            .iter(app.world())
            .map(|material| material.0.id())
            .collect();
        assert_eq!(
            used,
            [shared, shared],
            "one marker and one ring, on the shared material"
        );
        assert_eq!(
            app.world().resource::<Assets<StandardMaterial>>().len(),
            1,
            "no material made per selection"
        );
    }
}
