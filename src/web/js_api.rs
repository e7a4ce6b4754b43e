//! The Rust half of `window.alatau`: callbacks installed on `window.__alatauBridge`, which
//! `web/boot.js` wraps into the documented API. Calls become intents; `state()` reads the state
//! published at the end of each frame.

use std::cell::RefCell;

use bevy::diagnostic::FrameCount;
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;

use super::queue_intent;
use crate::AppSystems;
use crate::camera::OrbitCamera;
use crate::model::lang::Lang;
use crate::scene::landmark_check::StandIn;
use crate::scene::landmarks::{Landmark, LandmarkShown};
use crate::scene::massing::MassingStats;
use crate::state::{Choices, Intent, public_state};
use crate::world::RecordId;
use crate::world::data::CityData;
use crate::world::model_checks::LandmarkProblems;
use crate::world::phase::AppPhase;
use bevy::camera::primitives::Aabb;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, install_bridge)
        .add_systems(Update, publish_state.in_set(AppSystems::Render));
}

thread_local! {
    /// The JSON `state()` returns, refreshed every frame.
    static PUBLISHED_STATE: RefCell<String> = const { RefCell::new(String::new()) };
}

fn install_bridge() {
    let Some(window) = web_sys::window() else {
        error!("no window: the JavaScript API is not available");
        return;
    };
    let bridge = js_sys::Object::new();
    let set = |name: &str, value: JsValue| {
        if js_sys::Reflect::set(&bridge, &JsValue::from_str(name), &value).is_err() {
            error!("could not install window.__alatauBridge.{name}");
        }
    };
    set(
        "state",
        Closure::<dyn Fn() -> String>::new(|| PUBLISHED_STATE.with_borrow(Clone::clone))
            .into_js_value(),
    );
    set(
        "setLang",
        Closure::<dyn Fn(String) -> bool>::new(|code: String| match Lang::from_code(&code) {
            Some(lang) => {
                queue_intent(Intent::SetLang(lang));
                true
            }
            None => {
                warn!("setLang: unknown language {code:?}; use en, ru or kk");
                false
            }
        })
        .into_js_value(),
    );
    set(
        "select",
        Closure::<dyn Fn(JsValue)>::new(|id: JsValue| {
            let id = id.as_string().filter(|id| !id.is_empty());
            queue_intent(Intent::Select { id, fly: true });
        })
        .into_js_value(),
    );
    set(
        "setYear",
        Closure::<dyn Fn(JsValue) -> bool>::new(|year: JsValue| {
            if year.is_null() || year.is_undefined() {
                queue_intent(Intent::SetYear(None));
                return true;
            }
            let parsed = year
                .as_f64()
                .filter(|y| y.fract() == 0.0)
                .and_then(|y| crate::model::timeline::parse_year(&format!("{y:.0}")));
            match parsed {
                Some(year) => {
                    queue_intent(Intent::SetYear(Some(year)));
                    true
                }
                None => {
                    warn!("setYear: {year:?} is not a year of the timeline (2024 to 2050)");
                    false
                }
            }
        })
        .into_js_value(),
    );
    set(
        "flyTo",
        Closure::<dyn Fn(String)>::new(|id: String| queue_intent(Intent::FlyTo(id)))
            .into_js_value(),
    );
    set(
        "startTour",
        Closure::<dyn Fn(String, JsValue)>::new(|id: String, step: JsValue| {
            let step = step
                .as_f64()
                .filter(|step| *step >= 0.0)
                .map_or(0, |step| step as usize);
            super::queue(super::PageEvent::Tour(crate::tour::TourCommand::Start {
                id,
                step,
                playing: true,
            }));
        })
        .into_js_value(),
    );
    set(
        "stopTour",
        Closure::<dyn Fn()>::new(|| {
            super::queue(super::PageEvent::Tour(crate::tour::TourCommand::Stop));
        })
        .into_js_value(),
    );
    set(
        "resetView",
        Closure::<dyn Fn()>::new(|| queue_intent(Intent::ResetView)).into_js_value(),
    );
    // The panic hook is only for the browser suite (`?debug=1`, marked on <html> by boot.js).
    let debug = super::dom::document()
        .and_then(|document| document.document_element())
        .is_some_and(|root| root.has_attribute("data-debug"));
    if debug {
        set(
            "groundAt",
            Closure::<dyn Fn(f64, f64, js_sys::Function)>::new(
                |x: f64, y: f64, reply: js_sys::Function| {
                    super::queue(super::PageEvent::GroundProbe(super::probe::GroundProbe {
                        at: Vec2::new(x as f32, y as f32),
                        reply,
                    }));
                },
            )
            .into_js_value(),
        );
        set(
            "kioskReset",
            Closure::<dyn Fn()>::new(|| super::queue(super::PageEvent::KioskResetAsked))
                .into_js_value(),
        );
        set(
            "debugPanic",
            Closure::<dyn Fn(String)>::new(|message: String| {
                queue_intent(Intent::DebugPanic(message))
            })
            .into_js_value(),
        );
    }
    if js_sys::Reflect::set(&window, &JsValue::from_str("__alatauBridge"), &bridge).is_err() {
        error!("could not install window.__alatauBridge");
    }
}

/// What the world holds: `state().scene`, for tests and embedding hosts.
#[derive(SystemParam)]
struct SceneView<'w, 's> {
    phase: Res<'w, State<AppPhase>>,
    landmarks: Query<'w, 's, (&'static RecordId, Has<LandmarkShown>), With<Landmark>>,
    massing: Option<Res<'w, MassingStats>>,
    data: Option<Res<'w, CityData>>,
    stand_ins: Query<
        'w,
        's,
        (
            &'static StandIn,
            &'static GlobalTransform,
            Option<&'static Aabb>,
        ),
    >,
    refused: Res<'w, LandmarkProblems>,
    hovered: Option<Res<'w, crate::selection::Hovered>>,
}

impl SceneView<'_, '_> {
    fn summary(&self) -> serde_json::Value {
        let shown: Vec<&str> = self
            .landmarks
            .iter()
            .filter(|(_, shown)| *shown)
            .map(|(id, _)| id.0.as_str())
            .collect();
        // Each stand-in's height as built in the scene (its mesh's bounds in the world).
        let stand_ins: Vec<serde_json::Value> = self
            .stand_ins
            .iter()
            .map(|(stand_in, transform, bounds)| {
                let height = bounds.map(|bounds| {
                    transform.transform_point(Vec3::from(bounds.max())).y
                        - transform.transform_point(Vec3::from(bounds.min())).y
                });
                serde_json::json!({
                    "id": stand_in.project,
                    "height": height,
                    "problem": self.refused.0.get(&stand_in.project).map(|r| r.problem.code()),
                })
            })
            .collect();
        serde_json::json!({
            "built": *self.phase.get() == AppPhase::Ready,
            "landmarks": shown,
            "standIns": stand_ins,
            "buildings": self.massing.as_ref().map_or(0, |stats| stats.buildings),
            "plots": self.massing.as_ref().map_or(0, |stats| stats.plots),
            "trees": self.massing.as_ref().map_or(0, |stats| stats.trees),
            "hovered": self.hovered.as_ref().and_then(|hovered| hovered.0.clone()),
        })
    }

    /// The app's version and the snapshot's date: `state().about`, for the kiosk's staff view.
    fn about(&self) -> serde_json::Value {
        serde_json::json!({
            "version": env!("CARGO_PKG_VERSION"),
            "data": self.data.as_ref().map(|data| data.0.snapshot_date.clone()),
        })
    }
}

/// The tour's play state and the kiosk's stage: `state().playing`, `state().kiosk`.
#[derive(SystemParam)]
struct PlayView<'w> {
    playback: Option<Res<'w, crate::tour::TourPlayback>>,
    kiosk: Option<Res<'w, crate::kiosk::Kiosk>>,
}

impl PlayView<'_> {
    fn add_to(&self, json: &mut serde_json::Value) {
        json["playing"] = serde_json::json!(
            self.playback
                .as_ref()
                .and_then(|playback| playback.now.as_ref())
                .map(|now| now.playing)
        );
        if let Some(kiosk) = &self.kiosk {
            use crate::model::kiosk::KioskStage;
            let (stage, seconds) = match kiosk.policy.stage {
                // Woken by a touch still on the screen: the loop shows until it lifts.
                _ if kiosk.shows_attract() => ("attract", None),
                KioskStage::Attract => ("attract", None),
                KioskStage::Exploring { idle_s } => ("exploring", Some(idle_s)),
                KioskStage::StillThere { left_s } => ("still-there", Some(left_s)),
            };
            json["kiosk"] = serde_json::json!({
                "stage": stage,
                "seconds": seconds,
                "resets": kiosk.resets,
                "idle": kiosk.settings.idle_s,
            });
        }
    }
}

fn publish_state(
    choices: Choices,
    cameras: Query<&OrbitCamera>,
    frames: Res<FrameCount>,
    time: Res<Time>,
    scene: SceneView,
    play: PlayView,
    mut smoothed_fps: Local<f64>,
) {
    let dt = f64::from(time.delta_secs());
    if dt > 0.0 {
        let instant = 1.0 / dt;
        *smoothed_fps = if *smoothed_fps == 0.0 {
            instant
        } else {
            *smoothed_fps * 0.9 + instant * 0.1
        };
    }
    let camera = cameras.iter().next().map(|camera| camera.current);
    let mut json = public_state(&choices.gather(), camera.as_ref(), frames.0, *smoothed_fps);
    json["scene"] = scene.summary();
    json["about"] = scene.about();
    // The year shown: the chosen one, or the snapshot's (the present); null before the data.
    json["year"] = serde_json::json!(
        scene
            .data
            .as_ref()
            .map(|data| choices.year().resolve(&data.0))
    );
    play.add_to(&mut json);
    let json = json.to_string();
    PUBLISHED_STATE.with_borrow_mut(|published| *published = json);
}
