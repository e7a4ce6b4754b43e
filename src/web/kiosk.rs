//! The kiosk in the page: reads `?kiosk=1` and its settings from the URL (a malformed value
//! is a console warning and its default) and inserts `kiosk::Kiosk`; marks the stage on
//! `<html data-kiosk-stage>` (`attract`, `exploring`, `still-there`) for the style sheet; shows
//! the attract prompt (`attract-prompt`: "Touch to explore" in the three languages) and the
//! "Still there?" card (`still-there`, its countdown in `still-there-count`); and after a soft
//! reset clears what only the page holds (the search text and results, the tour list, the
//! portfolio's open state, the focus).

use bevy::prelude::*;

use super::dom::{append, by_id, clear, set};
use crate::AppSystems;
use crate::kiosk::{Kiosk, KioskReset};
use crate::model::i18n::{Key, fill, text};
use crate::model::kiosk::{KioskSettings, KioskStage};
use crate::model::lang::Lang;
use crate::world::choices::Language;

const PROMPT_ID: &str = "attract-prompt";
const STILL_THERE_ID: &str = "still-there";

pub(super) fn plugin(app: &mut App) {
    app.add_systems(PreStartup, read_the_kiosk_settings)
        .add_systems(
            Update,
            (
                clear_the_page_after_a_reset,
                render_the_kiosk,
                drift_the_chrome,
            )
                .run_if(resource_exists::<Kiosk>)
                .in_set(AppSystems::Render),
        );
}

fn read_the_kiosk_settings(mut commands: Commands) {
    let query = web_sys::window()
        .and_then(|window| window.location().search().ok())
        .unwrap_or_default();
    let (settings, warnings) = KioskSettings::from_query(&query);
    for warning in warnings {
        warn!("kiosk: {warning}");
    }
    let Some(settings) = settings else {
        return;
    };
    info!(
        "kiosk: idle {} s, languages {:?}, tours {:?}",
        settings.idle_s, settings.langs, settings.tours
    );
    commands.insert_resource(Language(settings.home_lang()));
    commands.insert_resource(Kiosk::new(settings));
}

fn clear_the_page_after_a_reset(mut resets: MessageReader<KioskReset>) {
    if resets.read().count() == 0 {
        return;
    }
    if let Some(input) = by_id("search-input") {
        super::dom::set_control_value(&input, "");
    }
    if let Some(results) = by_id("search-results") {
        clear(&results);
        set(&results, "hidden", "");
    }
    if let Some(list) = by_id("tour-list") {
        set(&list, "hidden", "");
    }
    if let Some(button) = by_id("tours") {
        set(&button, "aria-expanded", "false");
    }
    if let Some(share) = by_id("share-status") {
        set(&share, "hidden", "");
    }
    super::portfolio::show_portfolio_as_at_start();
    let focused = super::dom::document().and_then(|document| document.active_element());
    if let Some(element) = focused
        .and_then(|element| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(element).ok())
    {
        let _ = element.blur();
    }
}

/// What the kiosk's page parts show: rebuilt only when this changes.
#[derive(Clone, Debug, PartialEq)]
enum KioskView {
    Attract,
    Exploring,
    StillThere { lang: Lang, left_s: u32 },
}

/// Where the attract loop's page parts sit, in turn (CSS pixels): no pixel lit the same for
/// days.
const DRIFT_PX: [(i32, i32); 6] = [(0, 0), (7, -5), (-6, 4), (4, 6), (-5, -6), (6, 3)];
/// Seconds at each place.
const DRIFT_EVERY_S: f64 = 40.0;

fn drift_the_chrome(time: Res<Time<Real>>, mut at: Local<Option<usize>>) {
    let place = (time.elapsed_secs_f64() / DRIFT_EVERY_S) as usize % DRIFT_PX.len();
    if *at == Some(place) {
        return;
    }
    *at = Some(place);
    let (x, y) = DRIFT_PX[place];
    if let Some(root) = super::dom::document().and_then(|document| document.document_element()) {
        super::dom::set_style(&root, "--kiosk-drift", &format!("{x}px {y}px"));
    }
}

fn render_the_kiosk(kiosk: Res<Kiosk>, lang: Res<Language>, mut shown: Local<Option<KioskView>>) {
    let view = match kiosk.policy.stage {
        _ if kiosk.shows_attract() => KioskView::Attract,
        KioskStage::Attract => KioskView::Attract,
        KioskStage::Exploring { .. } => KioskView::Exploring,
        KioskStage::StillThere { left_s } => KioskView::StillThere {
            lang: lang.0,
            left_s: left_s.ceil().max(0.0) as u32,
        },
    };
    if shown.as_ref() == Some(&view) {
        return;
    }
    let stage_changed = shown
        .as_ref()
        .is_none_or(|old| std::mem::discriminant(old) != std::mem::discriminant(&view));
    *shown = Some(view.clone());
    if let Some(root) = super::dom::document().and_then(|document| document.document_element()) {
        let stage = match view {
            KioskView::Attract => "attract",
            KioskView::Exploring => "exploring",
            KioskView::StillThere { .. } => "still-there",
        };
        set(&root, "data-kiosk-stage", stage);
    }
    if stage_changed {
        render_prompt(view == KioskView::Attract);
    }
    render_still_there(&view);
}

fn render_prompt(shown: bool) {
    let Some(prompt) = by_id(PROMPT_ID) else {
        return;
    };
    clear(&prompt);
    if !shown {
        set(&prompt, "hidden", "");
        return;
    }
    for lang in [Lang::En, Lang::Ru, Lang::Kk] {
        if let Some(line) = append(
            &prompt,
            "p",
            "attract-line",
            text(Key::KioskTouchToExplore, lang),
        ) {
            set(&line, "lang", lang.code());
        }
    }
    let _ = prompt.remove_attribute("hidden");
}

fn render_still_there(view: &KioskView) {
    let Some(card) = by_id(STILL_THERE_ID) else {
        return;
    };
    let KioskView::StillThere { lang, left_s } = view else {
        clear(&card);
        set(&card, "hidden", "");
        return;
    };
    clear(&card);
    let built = (|| {
        let title = append(
            &card,
            "h2",
            "still-there-title",
            text(Key::KioskStillThere, *lang),
        )?;
        set(&title, "id", "still-there-title");
        let hint = fill(
            text(Key::KioskStillThereHint, *lang),
            "n",
            &left_s.to_string(),
        );
        let count = append(&card, "p", "still-there-count", &hint)?;
        set(&count, "data-testid", "still-there-count");
        set(&count, "data-seconds", &left_s.to_string());
        Some(())
    })();
    if built.is_none() {
        warn!("the Still there? card could not be built completely");
    }
    let _ = card.remove_attribute("hidden");
}
