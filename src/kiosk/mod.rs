//! The kiosk (`?kiosk=1`, the [`Kiosk`] resource the page inserts): the idle policy of
//! `model::kiosk` fed with wall-clock time and `VisitorActivity`; after `idle` seconds a
//! visitor is asked "Still there?" (the page shows it), then a soft reset puts every choice,
//! the camera and any tour back to the start ([`KioskReset`] tells the page to clear what only
//! it holds) and the attract loop plays the playlist's tours in `AppMode::Attract`, changing
//! language between tours; a touch ends the loop and the visitor explores from the start view.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

use crate::AppSystems;
use crate::camera::CameraCommand;
use crate::model::camera_pose::CameraPose;
use crate::model::kiosk::{
    IdlePolicy, KioskAction, KioskSettings, KioskStage, Playlist, STILL_THERE_S,
};
use crate::model::layers::{Layer, Layers, Relief};
use crate::model::legend::ProjectFilter;
use crate::state::Intent;
use crate::tour::{TourCommand, TourPlayback};
use crate::world::activity::VisitorActivity;
use crate::world::phase::{AppMode, AppPhase};
use crate::world::tours::TourData;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<KioskReset>()
        .add_message::<KioskResetAsked>()
        .add_systems(
            Update,
            (run_the_idle_policy, keep_the_attract_loop_going)
                .chain()
                .run_if(
                    resource_exists::<Kiosk>
                        .and_then(in_state(AppPhase::Ready))
                        .and_then(resource_exists::<TourData>),
                )
                .in_set(AppSystems::ApplyIntents)
                .before(crate::state::apply::apply_intents),
        );
}

/// A kiosk's settings and where it is between visitors.
#[derive(Resource, Debug, Clone)]
pub struct Kiosk {
    /// From the URL.
    pub settings: KioskSettings,
    /// Exploring, "Still there?" or the attract loop.
    pub policy: IdlePolicy,
    playlist: Playlist,
    /// The tour the attract loop asked for and the player has not shown yet.
    awaiting: Option<String>,
    /// How many soft resets there have been (for the staff and the tests).
    pub resets: u32,
    /// A touch woke the loop and is still on the screen: the view takes input once it lifts,
    /// so the waking touch does not also press what was under it.
    waking: bool,
}

impl Kiosk {
    /// A kiosk with `settings`, starting in its attract loop.
    pub fn new(settings: KioskSettings) -> Kiosk {
        Kiosk {
            policy: IdlePolicy::new(settings.idle_s, STILL_THERE_S),
            settings,
            playlist: Playlist::default(),
            awaiting: None,
            resets: 0,
            waking: false,
        }
    }

    /// Whether the attract loop still shows (playing, or woken by a touch not yet lifted).
    pub fn shows_attract(&self) -> bool {
        self.policy.stage == KioskStage::Attract || self.waking
    }
}

/// The kiosk put everything back to the start: the page clears what only it holds (the search
/// text, open menus, scroll positions).
#[derive(Message, Clone, Copy, Debug, PartialEq, Eq)]
pub struct KioskReset;

/// Reset now, as if the countdown had run out (the browser suite, with `?debug=1`).
#[derive(Message, Clone, Copy, Debug, PartialEq, Eq)]
pub struct KioskResetAsked;

/// What a soft reset writes to.
#[derive(SystemParam)]
struct SoftReset<'w> {
    intents: MessageWriter<'w, Intent>,
    camera: MessageWriter<'w, CameraCommand>,
    tours: MessageWriter<'w, TourCommand>,
    page: MessageWriter<'w, KioskReset>,
}

impl SoftReset<'_> {
    /// Every choice, the camera and any tour back to a fresh load's.
    fn reset(&mut self, settings: &KioskSettings) {
        self.tours.write(TourCommand::Stop);
        self.intents.write(Intent::Select {
            id: None,
            fly: false,
        });
        self.intents
            .write(Intent::SetFilter(ProjectFilter::default()));
        let layers = Layers::default();
        for layer in Layer::ALL {
            self.intents
                .write(Intent::ShowLayer(layer, layers.shows(layer)));
        }
        self.intents.write(Intent::SetRelief(Relief::default()));
        self.intents.write(Intent::SetYear(None));
        self.intents.write(Intent::SetCurrency(Default::default()));
        self.intents.write(Intent::SetLang(settings.home_lang()));
        self.camera.write(CameraCommand::Cut(CameraPose::OVERVIEW));
        self.page.write(KioskReset);
    }
}

#[allow(clippy::too_many_arguments)]
fn run_the_idle_policy(
    time: Res<Time<Real>>,
    touches: Option<Res<Touches>>,
    buttons: Option<Res<ButtonInput<MouseButton>>>,
    mut activity: MessageReader<VisitorActivity>,
    mut asked: MessageReader<KioskResetAsked>,
    mut kiosk: ResMut<Kiosk>,
    mode: Option<Res<State<AppMode>>>,
    mut next_mode: ResMut<NextState<AppMode>>,
    mut reset: SoftReset,
) {
    let touched = activity.read().count() > 0;
    let forced = asked.read().count() > 0;
    let held = touches.is_some_and(|touches| {
        touches.iter().next().is_some() || touches.iter_just_released().next().is_some()
    }) || buttons.is_some_and(|buttons| {
        buttons.get_pressed().next().is_some() || buttons.get_just_released().next().is_some()
    });
    if kiosk.waking && !held {
        kiosk.waking = false;
        next_mode.set(AppMode::Explore);
    }
    // The loop runs in its own mode from the start (a kiosk starts in it), without direct
    // input: a touch only wakes it.
    let in_attract = mode
        .as_ref()
        .is_some_and(|mode| *mode.get() == AppMode::Attract);
    if kiosk.shows_attract() && !in_attract {
        next_mode.set(AppMode::Attract);
    }
    let action = if forced {
        kiosk.policy.stage = KioskStage::Attract;
        KioskAction::ResetAndAttract
    } else {
        kiosk.policy.tick(time.delta_secs(), touched)
    };
    match action {
        KioskAction::None => {}
        KioskAction::AskStillThere => info!("kiosk: still there?"),
        KioskAction::Dismiss => info!("kiosk: the visitor is still there"),
        KioskAction::ResetAndAttract => {
            kiosk.resets += 1;
            info!("kiosk: soft reset {}, attract loop", kiosk.resets);
            let settings = kiosk.settings.clone();
            reset.reset(&settings);
            kiosk.playlist.restart();
            kiosk.awaiting = None;
            kiosk.waking = false;
            next_mode.set(AppMode::Attract);
        }
        KioskAction::Wake => {
            info!("kiosk: a visitor, exploring from the start view");
            let settings = kiosk.settings.clone();
            reset.reset(&settings);
            kiosk.awaiting = None;
            kiosk.waking = true;
        }
    }
}

/// In the attract loop, the next tour of the playlist begins when the last one has ended (the
/// player stops on a tour's last step), in the next language.
fn keep_the_attract_loop_going(
    mut kiosk: ResMut<Kiosk>,
    tours: Res<TourData>,
    playback: Res<TourPlayback>,
    mut intents: MessageWriter<Intent>,
    mut commands: MessageWriter<TourCommand>,
) {
    if kiosk.policy.stage != KioskStage::Attract {
        return;
    }
    if let Some(awaiting) = &kiosk.awaiting {
        if playback
            .now
            .as_ref()
            .is_some_and(|now| &now.tour == awaiting)
        {
            kiosk.awaiting = None;
        } else {
            return;
        }
    }
    let over = playback
        .now
        .as_ref()
        .is_none_or(|now| now.step + 1 >= now.steps && !now.playing && !now.paused_by_visitor);
    if !over {
        return;
    }
    let known: Vec<String> = tours.tours.iter().map(|tour| tour.id.clone()).collect();
    let playlist: Vec<String> = match &kiosk.settings.tours {
        Some(ids) => ids
            .iter()
            .filter(|id| known.contains(id))
            .cloned()
            .collect(),
        None => known,
    };
    let langs = kiosk.settings.langs.clone();
    let Some((id, lang)) = kiosk
        .playlist
        .next(&playlist, &langs)
        .map(|(id, lang)| (id.to_owned(), lang))
    else {
        return;
    };
    info!("kiosk: attract loop plays {id} in {}", lang.code());
    intents.write(Intent::SetLang(lang));
    commands.write(TourCommand::Start {
        id: id.clone(),
        step: 0,
        playing: true,
    });
    kiosk.awaiting = Some(id);
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::camera::OrbitCamera;
    use crate::world::choices::{Language, Selection};

    /// A ready kiosk (idle 2 s) in the headless app with the tours, 1/5 s a frame.
    fn app() -> App {
        crate::tour::headless_app_with_tours(|app| {
            app.add_plugins(super::plugin);
            app.insert_resource(Kiosk::new(KioskSettings {
                idle_s: 2.0,
                tours: Some(vec!["gate-and-golden".into(), "corridor".into()]),
                langs: vec![crate::model::lang::Lang::Ru, crate::model::lang::Lang::En],
                share_base: None,
            }));
        })
    }

    fn frames(app: &mut App, n: usize) {
        for _ in 0..n {
            app.update();
        }
    }

    fn stage(app: &App) -> KioskStage {
        app.world().resource::<Kiosk>().policy.stage
    }

    fn tour(app: &App) -> Option<String> {
        app.world()
            .resource::<TourPlayback>()
            .now
            .as_ref()
            .map(|now| now.tour.clone())
    }

    fn touch(app: &mut App) {
        app.world_mut().write_message(VisitorActivity(
            crate::world::activity::ActivitySource::Touch,
        ));
        frames(app, 3);
    }

    #[test]
    fn the_attract_loop_plays_a_touch_wakes_idle_asks_and_resets() {
        let mut app = app();
        frames(&mut app, 4);
        assert_eq!(stage(&app), KioskStage::Attract);
        assert_eq!(
            tour(&app).as_deref(),
            Some("gate-and-golden"),
            "the playlist's first"
        );
        assert_eq!(
            app.world().resource::<Language>().0,
            crate::model::lang::Lang::Ru,
            "in the first language"
        );

        touch(&mut app);
        assert!(matches!(stage(&app), KioskStage::Exploring { .. }));
        assert_eq!(tour(&app), None, "the touch ends the loop");
        let camera = app
            .world_mut()
            .query::<&OrbitCamera>()
            .single(app.world())
            .expect("camera")
            .clone();
        assert!(
            camera.current.approx_eq(&CameraPose::OVERVIEW)
                && camera.goal.approx_eq(&CameraPose::OVERVIEW),
            "the start view: {:?}",
            camera.current
        );
        assert_eq!(
            app.world().resource::<State<AppMode>>().get(),
            &AppMode::Explore
        );

        app.world_mut().write_message(Intent::Select {
            id: Some("iconic-complex".into()),
            fly: false,
        });
        frames(&mut app, 12);
        assert!(
            matches!(stage(&app), KioskStage::StillThere { .. }),
            "after 2 s: {:?}",
            stage(&app)
        );
        touch(&mut app);
        assert!(
            matches!(stage(&app), KioskStage::Exploring { .. }),
            "dismissed"
        );

        let countdown = ((2.0 + STILL_THERE_S) / 0.2) as usize + 4;
        frames(&mut app, countdown);
        assert_eq!(stage(&app), KioskStage::Attract);
        assert_eq!(app.world().resource::<Kiosk>().resets, 1);
        assert_eq!(
            app.world().resource::<Selection>().0.as_deref(),
            Some("gate-district"),
            "nothing of the visitor: the attract tour's own step"
        );
        assert_eq!(
            app.world().resource::<State<AppMode>>().get(),
            &AppMode::Attract,
            "the tour plays in the attract mode"
        );
        assert_eq!(tour(&app).as_deref(), Some("gate-and-golden"));

        // The tour ends: the next one, in the next language.
        let steps = app
            .world()
            .resource::<TourPlayback>()
            .now
            .as_ref()
            .map_or(0, |now| now.steps);
        for _ in 0..steps {
            app.world_mut().write_message(TourCommand::Next);
            frames(&mut app, 2);
        }
        // Let the last step's clock run out.
        frames(&mut app, 200);
        assert_eq!(tour(&app).as_deref(), Some("corridor"));
        assert_eq!(
            app.world().resource::<Language>().0,
            crate::model::lang::Lang::En
        );
    }
}
