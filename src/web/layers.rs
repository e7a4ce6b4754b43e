//! The layer switches (`data-testid="layers"`): a checkbox per map layer (zones, buildings,
//! labels, transport) and the terrain relief menu (`relief`: ×1, ×2, ×3), in the interface
//! language, kept in step with the state.

use bevy::prelude::*;

use super::dom::{
    append, by_id, clear, control_value, is_checked, on_change_within, set, set_checked,
    set_control_value,
};
use super::queue_page_intent;
use crate::AppSystems;
use crate::model::i18n::{Key, text};
use crate::model::lang::Lang;
use crate::state::{ExplorerState, Intent, Layer, Relief};

const LAYERS_ID: &str = "layers";

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, listen_for_layer_switches)
        .add_systems(Update, render_layer_switches.in_set(AppSystems::Render));
}

fn listen_for_layer_switches() {
    on_change_within(LAYERS_ID, "input[data-layer]", |input| {
        let code = input.get_attribute("data-layer").unwrap_or_default();
        match Layer::from_code(&code) {
            Some(layer) => queue_page_intent(Intent::ShowLayer(layer, is_checked(input))),
            None => warn!("no map layer {code:?}"),
        }
    });
    on_change_within(LAYERS_ID, "select[data-relief]", |menu| {
        let value = control_value(menu);
        match value.parse().ok().and_then(Relief::from_factor) {
            Some(relief) => queue_page_intent(Intent::SetRelief(relief)),
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

fn render_layer_switches(state: Res<ExplorerState>, mut built_in: Local<Option<Lang>>) {
    if !state.is_changed() {
        return;
    }
    let Some(layers) = by_id(LAYERS_ID) else {
        return;
    };
    if *built_in != Some(state.lang) {
        if let Some(summary) = by_id("layers-summary") {
            summary.set_text_content(Some(text(Key::Layers, state.lang)));
        }
        clear(&layers);
        append(
            &layers,
            "legend",
            "visually-hidden",
            text(Key::Layers, state.lang),
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
            append(&label, "span", "", layer_name(layer, state.lang));
        }
        if let Some(label) = append(&layers, "label", "layer relief", "") {
            append(&label, "span", "", text(Key::TerrainRelief, state.lang));
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
        *built_in = Some(state.lang);
    }
    if let Ok(Some(menu)) = layers.query_selector("select[data-relief]") {
        set_control_value(&menu, &state.relief.factor().to_string());
    }
    for layer in Layer::ALL {
        if let Ok(Some(input)) =
            layers.query_selector(&format!("input[data-layer={}]", layer.code()))
        {
            set_checked(&input, state.layers.shows(layer));
        }
    }
}
