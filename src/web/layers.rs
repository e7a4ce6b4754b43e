//! The layer switches (`data-testid="layers"`): a checkbox per map layer (zones, buildings,
//! labels, transport) and the terrain relief menu (`relief`: ×1, ×2, ×3), in the interface
//! language, kept in step with the state.

use bevy::prelude::*;

use super::dom::{
    append, by_id, clear, control_value, is_checked, on_change_within, set, set_checked,
    set_control_value,
};
use super::{language_changed, queue_intent};
use crate::AppSystems;
use crate::model::i18n::{Key, text};
use crate::model::lang::Lang;
use crate::model::layers::{Layer, Relief};
use crate::state::Intent;
use crate::world::choices::{Language, MapLayers, TerrainRelief};

const LAYERS_ID: &str = "layers";

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, listen_for_layer_switches)
        .add_systems(
            Update,
            (
                build_layer_switches.run_if(language_changed),
                show_chosen_layers.run_if(
                    language_changed
                        .or_eager(resource_changed::<MapLayers>)
                        .or_eager(resource_changed::<TerrainRelief>),
                ),
            )
                .chain()
                .in_set(AppSystems::Render),
        );
}

fn listen_for_layer_switches() {
    on_change_within(LAYERS_ID, "input[data-layer]", |input| {
        let code = input.get_attribute("data-layer").unwrap_or_default();
        match Layer::from_code(&code) {
            Some(layer) => queue_intent(Intent::ShowLayer(layer, is_checked(input))),
            None => warn!("no map layer {code:?}"),
        }
    });
    on_change_within(LAYERS_ID, "select[data-relief]", |menu| {
        let value = control_value(menu);
        match value.parse().ok().and_then(Relief::from_factor) {
            Some(relief) => queue_intent(Intent::SetRelief(relief)),
            None => warn!("no terrain relief {value:?}"),
        }
    });
}

fn layer_name(layer: Layer, lang: Lang) -> &'static str {
    text(
        match layer {
            Layer::Zones => Key::LayerZones,
            Layer::Buildings => Key::LayerMassing,
            Layer::Labels => Key::LayerLabels,
            Layer::Transport => Key::LayerRoads,
        },
        lang,
    )
}

/// The switches, in the interface language (rebuilt only when it changes, so a switch the
/// visitor operates keeps the focus).
fn build_layer_switches(lang: Res<Language>) {
    let lang = lang.0;
    let Some(layers) = by_id(LAYERS_ID) else {
        return;
    };
    if let Some(summary) = by_id("layers-summary") {
        summary.set_text_content(Some(text(Key::Layers, lang)));
    }
    clear(&layers);
    append(
        &layers,
        "legend",
        "visually-hidden",
        text(Key::Layers, lang),
    );
    for layer in Layer::ALL {
        let Some(label) = append(&layers, "label", "layer", "") else {
            continue;
        };
        if let Some(input) = append(&label, "input", "", "") {
            set(&input, "type", "checkbox");
            set(&input, "data-layer", layer.code());
            set(&input, "data-testid", &format!("layer-{}", layer.code()));
        }
        append(&label, "span", "", layer_name(layer, lang));
    }
    if let Some(label) = append(&layers, "label", "layer relief", "") {
        append(&label, "span", "", text(Key::TerrainRelief, lang));
        if let Some(menu) = append(&label, "select", "", "") {
            set(&menu, "data-relief", "");
            set(&menu, "data-testid", "relief");
            for relief in Relief::ALL {
                let factor = relief.factor();
                if let Some(option) = append(&menu, "option", "", &format!("×{factor}")) {
                    set(&option, "value", &factor.to_string());
                }
            }
        }
    }
}

/// The switches follow the chosen layers and relief, in place.
fn show_chosen_layers(chosen: Res<MapLayers>, relief: Res<TerrainRelief>) {
    let Some(layers) = by_id(LAYERS_ID) else {
        return;
    };
    if let Ok(Some(menu)) = layers.query_selector("select[data-relief]") {
        set_control_value(&menu, &relief.0.factor().to_string());
    }
    for layer in Layer::ALL {
        if let Ok(Some(input)) =
            layers.query_selector(&format!("input[data-layer={}]", layer.code()))
        {
            set_checked(&input, chosen.0.shows(layer));
        }
    }
}
