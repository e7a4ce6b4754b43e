//! What the visitor switches on the map: its layers (zones, buildings, labels, transport) and
//! the terrain's vertical exaggeration.

/// The terrain's vertical exaggeration: true scale, or relief made easier to read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Relief {
    /// Heights as they are.
    #[default]
    TrueScale,
    /// Heights doubled.
    Double,
    /// Heights tripled.
    Triple,
}

impl Relief {
    /// Every choice, in the order the page lists them.
    pub const ALL: [Relief; 3] = [Relief::TrueScale, Relief::Double, Relief::Triple];

    /// The factor heights are multiplied by.
    pub fn factor(self) -> f32 {
        match self {
            Relief::TrueScale => 1.0,
            Relief::Double => 2.0,
            Relief::Triple => 3.0,
        }
    }

    /// The choice with this whole factor (`1`, `2`, `3`), if any.
    pub fn from_factor(factor: u32) -> Option<Relief> {
        Relief::ALL
            .into_iter()
            .find(|relief| relief.factor() == factor as f32)
    }
}

/// A layer of the map that can be switched off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layer {
    /// District and cluster zone areas.
    Zones,
    /// Procedural massing (the landmarks always stay).
    Buildings,
    /// The labels over the map.
    Labels,
    /// The A3, the railway and the runway.
    Transport,
}

impl Layer {
    /// Every layer, in the order the page lists them.
    pub const ALL: [Layer; 4] = [
        Layer::Zones,
        Layer::Buildings,
        Layer::Labels,
        Layer::Transport,
    ];

    /// The layer's code in the page and in `state()`.
    pub fn code(self) -> &'static str {
        match self {
            Layer::Zones => "zones",
            Layer::Buildings => "buildings",
            Layer::Labels => "labels",
            Layer::Transport => "transport",
        }
    }

    /// The layer with `code`, if any.
    pub fn from_code(code: &str) -> Option<Layer> {
        Layer::ALL.into_iter().find(|layer| layer.code() == code)
    }
}

/// The hidden layers (all are shown by default).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layers {
    hidden: Vec<Layer>,
}

impl Layers {
    /// Whether `layer` is shown.
    pub fn shows(&self, layer: Layer) -> bool {
        !self.hidden.contains(&layer)
    }

    /// Shows or hides `layer`.
    pub fn set(&mut self, layer: Layer, shown: bool) {
        self.hidden.retain(|hidden| *hidden != layer);
        if !shown {
            self.hidden.push(layer);
        }
    }

    /// The codes of the shown layers, in the page's order.
    pub fn shown_codes(&self) -> Vec<&'static str> {
        Layer::ALL
            .into_iter()
            .filter(|layer| self.shows(*layer))
            .map(Layer::code)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_factors_round_trip() {
        for layer in Layer::ALL {
            assert_eq!(Layer::from_code(layer.code()), Some(layer));
        }
        for relief in Relief::ALL {
            assert_eq!(Relief::from_factor(relief.factor() as u32), Some(relief));
        }
        assert_eq!(Relief::from_factor(7), None);
        assert_eq!(Layer::from_code("satellite"), None);
    }

    #[test]
    fn layers_hide_and_show_again() {
        let mut layers = Layers::default();
        layers.set(Layer::Buildings, false);
        layers.set(Layer::Buildings, false);
        assert!(!layers.shows(Layer::Buildings));
        assert_eq!(layers.shown_codes(), ["zones", "labels", "transport"]);
        layers.set(Layer::Buildings, true);
        assert_eq!(layers, Layers::default());
    }
}
