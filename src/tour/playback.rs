//! The tour player: takes [`TourCommand`]s (kept until the app is ready and the tours are in,
//! so a `tour=` link can wait for them), begins each step (its camera command, its selection,
//! filter and layers as intents, its place in `TourPosition`), counts its arrival and hold
//! (`model::tour::playback`), turns slowly where a step orbits, goes on to the next step, and
//! pauses when the visitor takes the camera. A presenter's window that follows the audience's
//! takes each step from the audience's status and keeps no time of its own.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

use super::{ConsoleLink, TourCommand};
use crate::AppSystems;
use crate::camera::{CameraCommand, OrbitCamera};
use crate::model::camera_pose::CameraPose;
use crate::model::layers::Layer;
use crate::model::legend::ProjectFilter;
use crate::model::snapshot::Snapshot;
use crate::model::tour::Tour;
use crate::model::tour::playback::{StepPhase, arrival_s, hold_s, phase_at};
use crate::state::Intent;
use crate::world::activity::{ActivitySource, VisitorActivity};
use crate::world::choices::{Language, TourPosition};
use crate::world::data::CityData;
use crate::world::phase::{AppMode, AppPhase};
use crate::world::tours::{TourData, TourFailure};

pub(super) fn plugin(app: &mut App) {
    app.add_message::<TourCommand>()
        .init_resource::<TourPlayback>()
        .init_resource::<PendingTourCommands>()
        .add_systems(
            Update,
            (
                collect_tour_commands.in_set(AppSystems::ReadInput),
                drop_commands_without_tours.run_if(resource_added::<TourFailure>),
                (
                    pause_when_the_visitor_steers,
                    run_tour_commands,
                    advance_the_tour,
                )
                    .chain()
                    .run_if(in_state(AppPhase::Ready).and_then(tours_are_in))
                    .in_set(AppSystems::ApplyIntents)
                    .before(crate::state::apply::apply_intents),
            ),
        );
}

/// The tour being played, if any.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct TourPlayback {
    /// The tour and where it is.
    pub now: Option<Playing>,
}

/// Where a tour is.
#[derive(Debug, Clone, PartialEq)]
pub struct Playing {
    /// The tour's id.
    pub tour: String,
    /// The step shown, from 0.
    pub step: usize,
    /// How many steps the tour has.
    pub steps: usize,
    /// Whether the clock runs.
    pub playing: bool,
    /// The visitor took the camera: Play flies back to the step.
    pub paused_by_visitor: bool,
    /// Seconds since the step began (counted while playing).
    pub elapsed_s: f32,
    /// Seconds since the tour began (the talk's clock: it runs while paused too).
    pub tour_elapsed_s: f32,
    /// Seconds the camera takes to arrive.
    pub arrival_s: f32,
    /// Seconds the step holds after arriving.
    pub hold_s: f32,
}

impl Playing {
    /// Step `step` of a tour of `steps` steps, before it begins.
    fn start(tour: String, step: usize, steps: usize, playing: bool) -> Playing {
        Playing {
            tour,
            step,
            steps,
            playing,
            paused_by_visitor: false,
            elapsed_s: 0.0,
            tour_elapsed_s: 0.0,
            arrival_s: 0.0,
            hold_s: 0.0,
        }
    }
}

/// Commands that came before the app was ready or the tours were in.
#[derive(Resource, Debug, Default)]
struct PendingTourCommands(Vec<TourCommand>);

fn tours_are_in(tours: Option<Res<TourData>>) -> bool {
    tours.is_some()
}

fn collect_tour_commands(
    mut commands: MessageReader<TourCommand>,
    mut pending: ResMut<PendingTourCommands>,
) {
    pending.0.extend(commands.read().cloned());
}

fn drop_commands_without_tours(mut pending: ResMut<PendingTourCommands>) {
    if !pending.0.is_empty() {
        warn!(
            "the tours are off: {} tour requests dropped",
            pending.0.len()
        );
        pending.0.clear();
    }
}

/// What a step needs to begin.
#[derive(SystemParam)]
struct StepContext<'w, 's> {
    city: Res<'w, CityData>,
    lang: Res<'w, Language>,
    cameras: Query<'w, 's, &'static OrbitCamera>,
    camera: MessageWriter<'w, CameraCommand>,
    intents: MessageWriter<'w, Intent>,
    position: ResMut<'w, TourPosition>,
}

impl StepContext<'_, '_> {
    /// Begins `playing`'s step of `tour`: the camera goes there, the step's selection, filter
    /// and layers are asked for, the clock starts again.
    fn begin(&mut self, playing: &mut Playing, tour: &Tour) {
        let Some(step) = tour.steps.get(playing.step) else {
            return;
        };
        let from = self
            .cameras
            .iter()
            .next()
            .map_or(CameraPose::OVERVIEW, |camera| camera.current);
        playing.elapsed_s = 0.0;
        playing.hold_s = hold_s(step, self.lang.0);
        match step.pose(&self.city) {
            Some(to) => {
                playing.arrival_s = arrival_s(step, &from, &to);
                self.camera.write(CameraCommand::FlyOver {
                    to,
                    duration_s: playing.arrival_s,
                    tallest_m: tallest_building_m(&self.city),
                });
            }
            None => {
                warn!("tour {}: step {} has no place", tour.id, playing.step);
                playing.arrival_s = 0.0;
            }
        }
        self.intents.write(Intent::Select {
            id: step.select.clone(),
            fly: false,
        });
        if let Some(filter) = &step.filter {
            self.intents.write(Intent::SetFilter(ProjectFilter {
                cluster: filter.cluster.clone(),
                sector: filter.sector.clone(),
                status: filter.status,
            }));
        }
        if let Some(year) = step.year {
            self.intents.write(Intent::SetYear(Some(year)));
        }
        if let Some(layers) = &step.layers {
            for layer in Layer::ALL {
                let shown = layers.iter().any(|code| code == layer.code());
                self.intents.write(Intent::ShowLayer(layer, shown));
            }
        }
        self.position.set_if_neq(TourPosition {
            tour: Some(tour.id.clone()),
            step: Some(playing.step),
        });
    }
}

/// The tallest building the snapshot gives a height for (a fact in metres), for flights to
/// clear.
fn tallest_building_m(snapshot: &Snapshot) -> f32 {
    snapshot
        .projects
        .iter()
        .flat_map(|project| &project.facts)
        .filter(|fact| fact.unit == "m")
        .map(|fact| fact.value.value as f32)
        .fold(0.0, f32::max)
}

fn run_tour_commands(
    mut pending: ResMut<PendingTourCommands>,
    tours: Res<TourData>,
    mut playback: ResMut<TourPlayback>,
    mode: Option<Res<State<AppMode>>>,
    mut next_mode: ResMut<NextState<AppMode>>,
    mut step: StepContext,
) {
    // A kiosk's attract loop plays tours in its own mode, which the player leaves alone.
    let attract = mode.is_some_and(|mode| *mode.get() == AppMode::Attract);
    let mut set_mode = |mode: AppMode| {
        if !attract {
            next_mode.set(mode);
        }
    };
    for command in std::mem::take(&mut pending.0) {
        info!("tour: {command:?}");
        match command {
            TourCommand::Start {
                id,
                step: at,
                playing,
            } => {
                let Some(tour) = tours.tour(&id) else {
                    warn!(
                        "startTour: no tour `{id}`; the tours are {:?}",
                        tour_ids(&tours)
                    );
                    continue;
                };
                if at >= tour.steps.len() {
                    warn!(
                        "startTour: tour `{id}` has {} steps; step {at} is dropped",
                        tour.steps.len()
                    );
                    continue;
                }
                let mut now = Playing::start(id, at, tour.steps.len(), playing);
                step.begin(&mut now, tour);
                playback.now = Some(now);
                set_mode(AppMode::Tour);
            }
            TourCommand::Follow(status) => {
                let Some(id) = status.tour.clone() else {
                    if playback.now.take().is_some() {
                        set_mode(AppMode::Explore);
                        step.position.set_if_neq(TourPosition::default());
                    }
                    continue;
                };
                let same_step = playback
                    .now
                    .as_ref()
                    .is_some_and(|now| now.tour == id && now.step == status.step);
                if !same_step {
                    let Some(tour) = tours.tour(&id) else {
                        warn!("the audience plays tour `{id}`, which this window does not have");
                        continue;
                    };
                    if status.step >= tour.steps.len() {
                        warn!(
                            "the audience is on step {} of `{id}`, past its end here",
                            status.step
                        );
                        continue;
                    }
                    let mut now = Playing::start(id, status.step, tour.steps.len(), status.playing);
                    step.begin(&mut now, tour);
                    playback.now = Some(now);
                    set_mode(AppMode::Tour);
                }
                if let Some(now) = playback.now.as_mut() {
                    now.playing = status.playing;
                    now.paused_by_visitor = false;
                    now.elapsed_s = status.step_elapsed_s;
                    now.tour_elapsed_s = status.tour_elapsed_s;
                    now.arrival_s = status.arrival_s;
                    now.hold_s = status.hold_s;
                }
            }
            TourCommand::Stop => {
                if playback.now.take().is_some() {
                    set_mode(AppMode::Explore);
                    step.position.set_if_neq(TourPosition::default());
                }
            }
            TourCommand::Next | TourCommand::Previous | TourCommand::TogglePlay => {
                let Some(now) = playback.now.as_mut() else {
                    continue;
                };
                let Some(tour) = tours.tour(&now.tour) else {
                    continue;
                };
                match command {
                    TourCommand::Next if now.step + 1 < now.steps => {
                        now.step += 1;
                        step.begin(now, tour);
                    }
                    TourCommand::Previous if now.step > 0 => {
                        now.step -= 1;
                        step.begin(now, tour);
                    }
                    TourCommand::TogglePlay if now.paused_by_visitor => {
                        now.paused_by_visitor = false;
                        now.playing = true;
                        step.begin(now, tour);
                    }
                    TourCommand::TogglePlay => now.playing = !now.playing,
                    _ => {}
                }
            }
        }
    }
}

fn tour_ids(tours: &TourData) -> Vec<&str> {
    tours.tours.iter().map(|tour| tour.id.as_str()).collect()
}

/// The visitor's own hand on the camera (not a page control) pauses the tour where it is.
fn pause_when_the_visitor_steers(
    mut activity: MessageReader<VisitorActivity>,
    mut playback: ResMut<TourPlayback>,
    link: Res<ConsoleLink>,
) {
    let steered = activity
        .read()
        .any(|VisitorActivity(source)| *source != ActivitySource::Page);
    // The presenter may look round in the console's preview: the audience's tour goes on.
    if link.follows_the_audience() {
        return;
    }
    if let (true, Some(now)) = (steered, playback.now.as_mut())
        && !now.paused_by_visitor
    {
        info!("tour {}: paused, the visitor took the camera", now.tour);
        now.playing = false;
        now.paused_by_visitor = true;
    }
}

fn advance_the_tour(
    time: Res<Time>,
    wall: Res<Time<Real>>,
    tours: Res<TourData>,
    link: Res<ConsoleLink>,
    mut playback: ResMut<TourPlayback>,
    mut step: StepContext,
) {
    let Some(now) = playback.now.as_mut() else {
        return;
    };
    let dt = time.delta_secs();
    // The talk's clock is the wall's: a slow frame stretches the tour, not the talk.
    now.tour_elapsed_s += wall.delta_secs();
    if !now.playing {
        return;
    }
    let Some(tour) = tours.tour(&now.tour) else {
        return;
    };
    now.elapsed_s += dt;
    match phase_at(now.elapsed_s, now.arrival_s, now.hold_s) {
        StepPhase::Arriving { .. } => {}
        StepPhase::Holding { .. } => {
            let orbit = tour.steps.get(now.step).and_then(|s| s.orbit_deg_per_s);
            if let (Some(orbit), Some(camera)) = (orbit, step.cameras.iter().next()) {
                let pose = CameraPose {
                    yaw: camera.current.yaw + orbit * dt,
                    ..camera.current
                };
                step.camera.write(CameraCommand::Cut(pose));
            }
        }
        // A follower waits for the audience's window to move on.
        StepPhase::Over if link.follows_the_audience() => {}
        StepPhase::Over if now.step + 1 < now.steps => {
            now.step += 1;
            step.begin(now, tour);
        }
        // The last step stays on screen, paused, until the visitor moves on or exits.
        StepPhase::Over => now.playing = false,
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::model::tour::console::TourStatus;
    use crate::world::choices::Selection;

    fn app() -> App {
        super::super::headless_app_with_tours(|_| {})
    }

    fn now(app: &App) -> Playing {
        app.world()
            .resource::<TourPlayback>()
            .now
            .clone()
            .expect("a tour plays")
    }

    fn send(app: &mut App, command: TourCommand) {
        app.world_mut().write_message(command);
        app.update();
        app.update();
    }

    fn mode(app: &App) -> Option<AppMode> {
        app.world()
            .get_resource::<State<AppMode>>()
            .map(|mode| *mode.get())
    }

    #[test]
    fn a_tour_starts_steps_and_stops() {
        let mut app = app();
        send(
            &mut app,
            TourCommand::Start {
                id: "gate-and-golden".into(),
                step: 0,
                playing: true,
            },
        );
        assert_eq!(mode(&app), Some(AppMode::Tour));
        assert_eq!(now(&app).step, 0);
        assert_eq!(
            app.world().resource::<TourPosition>().tour.as_deref(),
            Some("gate-and-golden")
        );
        assert_eq!(
            app.world().resource::<Selection>().0.as_deref(),
            Some("gate-district"),
            "the step selects its record"
        );
        let goal = app
            .world_mut()
            .query::<&OrbitCamera>()
            .single(app.world())
            .expect("camera")
            .goal;
        assert!(
            goal.distance < 20_000.0,
            "the camera flies to the district: {goal:?}"
        );

        send(&mut app, TourCommand::Next);
        assert_eq!(now(&app).step, 1);
        assert_eq!(
            app.world().resource::<Selection>().0.as_deref(),
            Some("iconic-complex")
        );
        send(&mut app, TourCommand::Previous);
        assert_eq!(now(&app).step, 0);
        send(&mut app, TourCommand::Stop);
        assert!(app.world().resource::<TourPlayback>().now.is_none());
        assert_eq!(mode(&app), Some(AppMode::Explore));
        assert_eq!(
            *app.world().resource::<TourPosition>(),
            TourPosition::default()
        );
    }

    #[test]
    fn the_clock_moves_on_after_arrival_and_hold_and_the_visitor_pauses_it() {
        let mut app = app();
        send(
            &mut app,
            TourCommand::Start {
                id: "corridor".into(),
                step: 0,
                playing: true,
            },
        );
        let first = now(&app);
        let frames = ((first.arrival_s + first.hold_s) / 0.2).ceil() as usize + 1;
        for _ in 0..frames {
            app.update();
        }
        assert_eq!(
            now(&app).step,
            1,
            "on to the next step after arrival and hold"
        );

        app.world_mut()
            .write_message(VisitorActivity(ActivitySource::Pointer));
        app.update();
        let paused = now(&app);
        assert!(!paused.playing && paused.paused_by_visitor, "{paused:?}");
        for _ in 0..40 {
            app.update();
        }
        assert_eq!(now(&app).step, 1, "paused: the tour waits");
        app.world_mut()
            .write_message(VisitorActivity(ActivitySource::Page));
        app.update();
        send(&mut app, TourCommand::TogglePlay);
        let resumed = now(&app);
        assert!(resumed.playing && !resumed.paused_by_visitor);
        assert!(
            resumed.elapsed_s < 1.5,
            "resume flies back to the step: {resumed:?}"
        );
    }

    #[test]
    fn a_presenter_window_follows_the_audience_and_plays_alone_once_it_is_gone() {
        let mut app = app();
        *app.world_mut().resource_mut::<ConsoleLink>() = ConsoleLink {
            presenter: true,
            peer: true,
        };
        let status = |step, playing| {
            TourCommand::Follow(TourStatus {
                tour: Some("corridor".into()),
                step,
                playing,
                step_elapsed_s: 1.0,
                tour_elapsed_s: 30.0,
                arrival_s: 3.0,
                hold_s: 9.0,
            })
        };
        send(&mut app, status(2, true));
        let followed = now(&app);
        assert_eq!((followed.tour.as_str(), followed.step), ("corridor", 2));
        assert!(followed.playing);
        assert!(
            (30.0..31.0).contains(&followed.tour_elapsed_s),
            "the audience's clocks: {followed:?}"
        );
        assert_eq!(mode(&app), Some(AppMode::Tour));

        assert_eq!(
            (followed.arrival_s, followed.hold_s),
            (3.0, 9.0),
            "the audience's timing"
        );
        let frames = ((followed.arrival_s + followed.hold_s) / 0.2).ceil() as usize + 5;
        for _ in 0..frames {
            app.update();
        }
        assert_eq!(now(&app).step, 2, "a follower waits for the audience");
        app.world_mut()
            .write_message(VisitorActivity(ActivitySource::Pointer));
        app.update();
        assert!(
            !now(&app).paused_by_visitor,
            "the presenter's look round does not pause the audience's tour"
        );

        send(&mut app, status(3, false));
        let paused = now(&app);
        assert_eq!((paused.step, paused.playing), (3, false));

        send(&mut app, TourCommand::Follow(TourStatus::default()));
        assert!(app.world().resource::<TourPlayback>().now.is_none());
        assert_eq!(mode(&app), Some(AppMode::Explore));

        send(&mut app, status(0, true));
        app.world_mut().resource_mut::<ConsoleLink>().peer = false;
        let alone = now(&app);
        let frames = ((alone.arrival_s + alone.hold_s) / 0.2).ceil() as usize + 2;
        for _ in 0..frames {
            app.update();
        }
        assert_eq!(now(&app).step, 1, "alone, the presenter's window plays on");
    }

    #[test]
    fn unknown_tours_and_steps_out_of_range_are_dropped() {
        let mut app = app();
        send(
            &mut app,
            TourCommand::Start {
                id: "moon".into(),
                step: 0,
                playing: true,
            },
        );
        assert!(app.world().resource::<TourPlayback>().now.is_none());
        send(
            &mut app,
            TourCommand::Start {
                id: "corridor".into(),
                step: 99,
                playing: false,
            },
        );
        assert!(app.world().resource::<TourPlayback>().now.is_none());
        assert_eq!(mode(&app), Some(AppMode::Explore));
    }
}
