//! The year control (`data-testid="timeline"`): a slider from 2024 to 2050 with ticks at the
//! years that have dated milestones, a play button that runs the years on the app's clock (one
//! clock for the whole page: a tour or a kiosk reset stops it), the stage legend of the named
//! projects, and the milestones up to the chosen year (`timeline-milestones`), newest first, in
//! the interface language. Shared by the 3D view and the data view.

use bevy::prelude::*;
use web_sys::Element;

use super::dom::{
    append, by_id, clear, control_value, on_click_within, on_input_within, set, set_control_value,
    set_style,
};
use super::{PageEvent, PageSignal, queue, queue_intent};
use crate::AppSystems;
use crate::model::i18n::{Key, fill, text};
use crate::model::lang::Lang;
use crate::model::snapshot::Snapshot;
use crate::model::timeline::{
    FIRST_YEAR, LAST_YEAR, SHOWN_STAGES, entries_until, parse_year, stage_counts, tick_years,
};
use crate::state::Intent;
use crate::world::choices::{Language, ShownYear, TourPosition};
use crate::world::data::CityData;
use crate::world::phase::data_is_in;

const TIMELINE_ID: &str = "timeline";
/// How long the player shows each year, seconds.
const SECONDS_PER_YEAR: f32 = 1.2;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<YearPlayer>()
        .add_systems(Startup, listen_to_the_year_control)
        .add_systems(
            Update,
            (
                play_the_years,
                // Short-circuiting: the change conditions first run once the data is in, so
                // they see the language and the data as new then.
                build_year_control.run_if(
                    data_is_in.and_then(
                        resource_changed::<Language>.or_eager(resource_changed::<CityData>),
                    ),
                ),
                show_the_year.run_if(
                    data_is_in.and_then(
                        resource_changed::<Language>
                            .or_eager(resource_changed::<CityData>)
                            .or_eager(resource_changed::<ShownYear>)
                            .or_eager(resource_changed::<YearPlayer>),
                    ),
                ),
            )
                .chain()
                .in_set(AppSystems::Render),
        );
}

/// The play button's clock: whether the years run, and how long the current one has shown.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct YearPlayer {
    /// The years are running.
    pub playing: bool,
    /// Seconds the current year has shown.
    pub shown_s: f32,
}

fn listen_to_the_year_control() {
    on_input_within(TIMELINE_ID, "input[data-testid=timeline-year]", |slider| {
        let value = control_value(slider);
        match parse_year(&value) {
            Some(year) => queue_intent(Intent::SetYear(Some(year))),
            None => warn!("timeline: {value:?} is not a year of the timeline"),
        }
    });
    on_click_within(TIMELINE_ID, "[data-testid=timeline-play]", |_| {
        queue(PageEvent::Signal(PageSignal::YearPlayToggled));
    });
}

/// Runs the years while playing: one a [`SECONDS_PER_YEAR`] of real time (the app's clock
/// caps a slow frame's step, which would make a slow device play in slow motion), stopping at
/// the last. Play from
/// the last year starts again at the first. A tour starting, or a kiosk reset, stops it.
fn play_the_years(
    time: Res<Time<Real>>,
    data: Option<Res<CityData>>,
    year: Res<ShownYear>,
    tour: Res<TourPosition>,
    mut signals: MessageReader<PageSignal>,
    mut player: ResMut<YearPlayer>,
    mut intents: MessageWriter<Intent>,
) {
    let Some(data) = data else {
        return;
    };
    let shown = year.resolve(&data);
    for signal in signals.read() {
        if *signal == PageSignal::YearPlayToggled {
            player.playing = !player.playing;
            player.shown_s = 0.0;
            if player.playing && shown >= LAST_YEAR {
                intents.write(Intent::SetYear(Some(FIRST_YEAR)));
            }
        }
    }
    if player.playing && tour.is_changed() && tour.tour.is_some() {
        player.playing = false;
    }
    if !player.playing {
        return;
    }
    player.shown_s += time.delta_secs();
    if player.shown_s < SECONDS_PER_YEAR {
        return;
    }
    player.shown_s = 0.0;
    if shown >= LAST_YEAR {
        player.playing = false;
    } else {
        intents.write(Intent::SetYear(Some(shown + 1)));
        if shown + 1 >= LAST_YEAR {
            player.playing = false;
        }
    }
}

/// The control's parts, in the interface language (rebuilt only when it changes, so a slider
/// being dragged keeps its focus).
fn build_year_control(data: Res<CityData>, lang: Res<Language>) {
    let Some(host) = by_id(TIMELINE_ID) else {
        return;
    };
    let focused_slider = super::dom::document()
        .and_then(|document| document.active_element())
        .is_some_and(|active| {
            active.get_attribute("data-testid").as_deref() == Some("timeline-year")
        });
    clear(&host);
    if fill_year_control(&host, &data, lang.0).is_none() {
        warn!("the year control could not be built completely");
    }
    if focused_slider
        && let Some(slider) = slider()
        && let Some(slider) = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(&slider)
    {
        let _ = slider.focus();
    }
}

fn slider() -> Option<Element> {
    by_id(TIMELINE_ID)?
        .query_selector("[data-testid=timeline-year]")
        .ok()
        .flatten()
}

fn fill_year_control(host: &Element, snapshot: &Snapshot, lang: Lang) -> Option<()> {
    set(host, "aria-label", text(Key::Timeline, lang));
    let row = append(host, "div", "timeline-row", "")?;
    let play = append(&row, "button", "timeline-play", "")?;
    set(&play, "type", "button");
    set(&play, "data-testid", "timeline-play");
    let label = append(&row, "label", "timeline-label", text(Key::Year, lang))?;
    set(&label, "for", "timeline-year");
    let value = append(&row, "output", "timeline-value", "")?;
    set(&value, "data-testid", "timeline-value");
    set(&value, "for", "timeline-year");
    let track = append(&row, "div", "timeline-track", "")?;
    let slider = append(&track, "input", "timeline-year", "")?;
    for (name, value) in [
        ("id", "timeline-year"),
        ("data-testid", "timeline-year"),
        ("type", "range"),
        ("min", &FIRST_YEAR.to_string()),
        ("max", &LAST_YEAR.to_string()),
        ("step", "1"),
        ("list", "timeline-ticks"),
    ] {
        set(&slider, name, value);
    }
    let ticks = append(&track, "div", "timeline-ticks", "")?;
    set(&ticks, "id", "timeline-ticks-marks");
    set(&ticks, "aria-hidden", "true");
    set(&ticks, "data-testid", "timeline-ticks");
    let span = f32::from(LAST_YEAR - FIRST_YEAR);
    for year in tick_years(snapshot) {
        let tick = append(&ticks, "span", "timeline-tick", "")?;
        set(&tick, "data-year", &year.to_string());
        let at = f32::from(year - FIRST_YEAR) / span * 100.0;
        set_style(&tick, "left", &format!("{at:.2}%"));
    }
    // The same ticks for the browser's own slider marks and for assistive technology.
    let list = append(host, "datalist", "", "")?;
    set(&list, "id", "timeline-ticks");
    for year in tick_years(snapshot) {
        let option = append(&list, "option", "", "")?;
        set(&option, "value", &year.to_string());
    }
    let stages = append(host, "ul", "timeline-stages", "")?;
    set(&stages, "data-testid", "timeline-stages");
    set(&stages, "aria-label", text(Key::TimelineStagesHint, lang));
    for stage in SHOWN_STAGES {
        let item = append(&stages, "li", "timeline-stage", "")?;
        set(&item, "data-stage", stage.code());
        append(&item, "span", "stage-swatch", "")?;
        append(&item, "span", "stage-name", stage.label(lang))?;
        append(&item, "span", "stage-count", "")?;
    }
    append(host, "p", "timeline-note", text(Key::MassingBuildOut, lang))?;
    let milestones = append(host, "details", "timeline-milestones-box", "")?;
    let summary = append(&milestones, "summary", "timeline-milestones-title", "")?;
    set(&summary, "data-testid", "timeline-milestones-title");
    let list = append(&milestones, "ol", "timeline-milestones", "")?;
    set(&list, "data-testid", "timeline-milestones");
    set(&list, "reversed", "");
    Some(())
}

/// The chosen year everywhere in the control: slider, value, play button, stage counts, the
/// milestone list.
fn show_the_year(
    data: Res<CityData>,
    lang: Res<Language>,
    year: Res<ShownYear>,
    player: Res<YearPlayer>,
) {
    let Some(host) = by_id(TIMELINE_ID) else {
        return;
    };
    let lang = lang.0;
    let shown = year.resolve(&data);
    let year_text = shown.to_string();
    if let Some(slider) = slider()
        && control_value(&slider) != year_text
    {
        set_control_value(&slider, &year_text);
    }
    set(&host, "data-year", &year_text);
    let find = |selector: &str| host.query_selector(selector).ok().flatten();
    if let Some(value) = find("[data-testid=timeline-value]") {
        value.set_text_content(Some(&year_text));
    }
    if let Some(slider) = slider() {
        set(&slider, "aria-valuetext", &year_text);
    }
    if let Some(play) = find("[data-testid=timeline-play]") {
        let (label, pressed) = if player.playing {
            (text(Key::TimelinePause, lang), "true")
        } else {
            (text(Key::TimelinePlay, lang), "false")
        };
        set(&play, "aria-label", label);
        set(&play, "title", label);
        set(&play, "aria-pressed", pressed);
        play.set_text_content(Some(if player.playing { "❚❚" } else { "▶" }));
    }
    for (stage, count) in stage_counts(&data, shown) {
        if let Some(count_cell) = find(&format!("[data-stage={}] .stage-count", stage.code())) {
            count_cell.set_text_content(Some(&count.to_string()));
        }
    }
    for tick in host
        .query_selector_all(".timeline-tick")
        .ok()
        .into_iter()
        .flat_map(|list| (0..list.length()).filter_map(move |i| list.item(i)))
        .filter_map(|node| wasm_bindgen::JsCast::dyn_into::<Element>(node).ok())
    {
        let passed = tick
            .get_attribute("data-year")
            .and_then(|y| y.parse::<u16>().ok())
            .is_some_and(|y| y <= shown);
        set(&tick, "data-passed", if passed { "true" } else { "false" });
    }
    if let Some(title) = find("[data-testid=timeline-milestones-title]") {
        title.set_text_content(Some(&fill(
            text(Key::MilestonesUntil, lang),
            "year",
            &year_text,
        )));
    }
    if let Some(list) = find("[data-testid=timeline-milestones]") {
        fill_milestones(&list, &data, shown, lang);
    }
}

fn fill_milestones(list: &Element, snapshot: &Snapshot, year: u16, lang: Lang) {
    clear(list);
    let entries = entries_until(snapshot, year, lang);
    if entries.is_empty() {
        append(
            list,
            "li",
            "timeline-empty",
            text(Key::NoMilestonesYet, lang),
        );
        return;
    }
    for entry in entries.iter().rev() {
        let Some(item) = append(list, "li", "timeline-entry", "") else {
            continue;
        };
        set(&item, "data-kind", entry.kind.code());
        set(&item, "data-date", &entry.date);
        if let Some(time) = append(&item, "time", "timeline-date", &entry.date_text) {
            set(&time, "datetime", &entry.date);
        }
        append(&item, "span", "timeline-text", &entry.text);
        if entry.planned {
            set(&item, "data-planned", "true");
            append(
                &item,
                "span",
                "timeline-planned",
                text(Key::PlannedDate, lang),
            );
        }
    }
}
