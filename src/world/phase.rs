//! The app's life as Bevy states. [`AppPhase`]: loading, then ready (the city is built and
//! drawn) or failed (the data was refused, the graphics context was lost). While loading,
//! [`LoadStep`] says whether the data is still on its way or the city is being built on it.
//! Within ready, [`AppMode`]: the visitor explores, a guided tour plays, or a kiosk's attract
//! loop runs. Systems that need the data run under [`data_is_in`]; direct input sits in
//! [`DirectInput`], which a mode can switch off.

use bevy::prelude::*;
use bevy::state::app::AppExtStates;

pub(super) fn plugin(app: &mut App) {
    app.init_state::<AppPhase>()
        .add_sub_state::<LoadStep>()
        .add_sub_state::<AppMode>()
        .configure_sets(
            Update,
            DirectInput
                .in_set(crate::AppSystems::ReadInput)
                .run_if(direct_input_is_on),
        )
        .add_systems(OnEnter(AppPhase::Ready), note_phase("ready"))
        .add_systems(OnEnter(AppPhase::Failed), note_phase("failed"));
}

/// Where the app is in its life.
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AppPhase {
    /// The data and the landmark models are on their way; the city is being built.
    #[default]
    Loading,
    /// The city is built: the visitor can use it.
    Ready,
    /// The app cannot go on: the data snapshot was refused, or the graphics context was lost.
    Failed,
}

/// The steps of [`AppPhase::Loading`].
#[derive(SubStates, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[source(AppPhase = AppPhase::Loading)]
pub enum LoadStep {
    /// The data snapshot is on its way.
    #[default]
    Data,
    /// The data is in; the city is being built on it.
    City,
}

/// What the app is doing once ready.
#[derive(SubStates, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[source(AppPhase = AppPhase::Ready)]
pub enum AppMode {
    /// The visitor explores freely.
    #[default]
    Explore,
    /// A guided tour plays; the visitor's own input pauses it.
    Tour,
    /// A kiosk's attract loop plays to nobody; direct input is off (a touch ends the loop).
    Attract,
}

impl AppMode {
    /// Whether the visitor's drags, pinches, wheel and keys steer the camera in this mode.
    pub fn takes_direct_input(self) -> bool {
        match self {
            AppMode::Explore | AppMode::Tour => true,
            AppMode::Attract => false,
        }
    }
}

/// The systems that read the visitor's direct manipulation (pointer, touch, wheel, canvas
/// keys): they run only when the app is ready and its mode takes direct input.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DirectInput;

/// Run condition of [`DirectInput`].
pub fn direct_input_is_on(mode: Option<Res<State<AppMode>>>) -> bool {
    mode.is_some_and(|mode| mode.get().takes_direct_input())
}

/// Run condition: the data snapshot is in (the city is being built on it, or is ready), so
/// `Res<CityData>` exists.
pub fn data_is_in(phase: Res<State<AppPhase>>, step: Option<Res<State<LoadStep>>>) -> bool {
    match phase.get() {
        AppPhase::Ready => true,
        AppPhase::Loading => step.is_some_and(|step| *step.get() == LoadStep::City),
        AppPhase::Failed => false,
    }
}

fn note_phase(name: &'static str) -> impl Fn() {
    move || info!("app phase: {name}")
}
