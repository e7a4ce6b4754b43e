//! Which map labels to show: the records worth a label, by priority, and a greedy declutter
//! that drops a label overlapping a more important one already placed.

use crate::geo::Local;
use crate::lang::Lang;
use crate::record_view::focus;
use crate::snapshot::Snapshot;

/// A label's box on screen, in CSS pixels, anchored at its centre-bottom.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LabelBox {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

impl LabelBox {
    /// Whether the two boxes share any area.
    pub fn overlaps(&self, other: &LabelBox) -> bool {
        self.x < other.x + other.width
            && other.x < self.x + self.width
            && self.y < other.y + other.height
            && other.y < self.y + self.height
    }
}

/// A record to label on the map.
#[derive(Clone, Debug, PartialEq)]
pub struct MapLabel {
    /// Record id (a click selects it).
    pub id: String,
    /// Its name in the interface language.
    pub text: String,
    /// Where it is.
    pub at: Local,
    /// 0 for districts, 1 for priority projects, 2 for other projects: lower wins.
    pub priority: u8,
}

/// The records that get a label: the districts, then the projects with a place on the map
/// (priority projects first), in `lang`.
pub fn map_labels(snapshot: &Snapshot, lang: Lang) -> Vec<MapLabel> {
    let districts = snapshot.districts.iter().filter_map(|district| {
        Some(MapLabel {
            id: district.id.clone(),
            text: district.name.get(lang).to_owned(),
            at: focus(snapshot, &district.id)?.at,
            priority: 0,
        })
    });
    let projects = snapshot.projects.iter().filter_map(|project| {
        Some(MapLabel {
            id: project.id.clone(),
            text: project.name.get(lang).to_owned(),
            at: focus(snapshot, &project.id)?.at,
            priority: if project.priority { 1 } else { 2 },
        })
    });
    let mut labels: Vec<MapLabel> = districts.chain(projects).collect();
    labels.sort_by_key(|label| label.priority);
    labels
}

/// Which boxes to show: in order of `priority` (then input order), each box is kept unless it
/// overlaps one already kept. `None` (behind the camera, off screen) is never shown.
pub fn declutter(boxes: &[Option<(LabelBox, u8)>]) -> Vec<bool> {
    declutter_around(boxes, &[])
}

/// [`declutter`] on a page with `obstacles` (its panels, the selected record): no label is
/// kept that overlaps one.
pub fn declutter_around(boxes: &[Option<(LabelBox, u8)>], obstacles: &[LabelBox]) -> Vec<bool> {
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by_key(|&i| boxes[i].map_or(u8::MAX, |(_, priority)| priority));
    let mut shown = vec![false; boxes.len()];
    let mut placed: Vec<LabelBox> = obstacles.to_vec();
    for i in order {
        let Some((candidate, _)) = boxes[i] else {
            continue;
        };
        if placed.iter().all(|kept| !kept.overlaps(&candidate)) {
            placed.push(candidate);
            shown[i] = true;
        }
    }
    shown
}

/// A landmark's map symbol on screen (the disc round it seen from afar) and whose it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Symbol {
    /// The landmark's record id.
    pub id: String,
    /// The symbol's box on screen.
    pub bounds: LabelBox,
}

/// Space kept between a label and a symbol it is set off, CSS pixels.
const SYMBOL_GAP_PX: f32 = 3.0;

/// Where the label of record `id` goes so that no label hides a landmark's symbol: the
/// landmark's own label stands just above its symbol; any other label that would cover a symbol
/// moves just below it, or beside it (right, then left) where below leaves the window
/// (`window`: its width and height) or covers a symbol, or above it (the landmark label's place)
/// as the last resort; a label covering none stays where it is.
pub fn set_off_symbols(
    id: &str,
    label: LabelBox,
    symbols: &[Symbol],
    window: (f32, f32),
) -> LabelBox {
    let above = |symbol: &LabelBox| LabelBox {
        y: symbol.y - label.height - SYMBOL_GAP_PX,
        ..label
    };
    if let Some(own) = symbols.iter().find(|symbol| symbol.id == id) {
        return above(&own.bounds);
    }
    let Some(covered) = symbols.iter().find(|symbol| symbol.bounds.overlaps(&label)) else {
        return label;
    };
    let symbol = covered.bounds;
    let beside_y = symbol.y + (symbol.height - label.height) / 2.0;
    let candidates = [
        LabelBox {
            y: symbol.y + symbol.height + SYMBOL_GAP_PX,
            ..label
        },
        LabelBox {
            x: symbol.x + symbol.width + SYMBOL_GAP_PX,
            y: beside_y,
            ..label
        },
        LabelBox {
            x: symbol.x - label.width - SYMBOL_GAP_PX,
            y: beside_y,
            ..label
        },
        above(&symbol),
    ];
    let fits = |candidate: &&LabelBox| {
        candidate.x >= 0.0
            && candidate.y >= 0.0
            && candidate.x + candidate.width <= window.0
            && candidate.y + candidate.height <= window.1
            && symbols.iter().all(|s| !s.bounds.overlaps(candidate))
    };
    candidates.iter().find(fits).copied().unwrap_or(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_under_a_panel_is_not_shown_and_frees_its_place() {
        let panel = LabelBox {
            x: 500.0,
            y: 0.0,
            width: 300.0,
            height: 600.0,
        };
        // A district label half under the panel, a project label beside it.
        let boxes = [Some((at(450.0, 100.0), 0)), Some((at(380.0, 105.0), 1))];
        assert_eq!(declutter(&boxes), [true, false]);
        assert_eq!(declutter_around(&boxes, &[panel]), [false, true]);
    }

    fn at(x: f32, y: f32) -> LabelBox {
        LabelBox {
            x,
            y,
            width: 100.0,
            height: 20.0,
        }
    }

    fn symbol(id: &str, x: f32, y: f32) -> Symbol {
        Symbol {
            id: id.to_owned(),
            bounds: LabelBox {
                x,
                y,
                width: 30.0,
                height: 16.0,
            },
        }
    }

    #[test]
    fn a_district_label_moves_off_a_landmark_symbol_and_the_landmark_label_stands_above_it() {
        let symbols = [symbol("iconic-complex", 200.0, 300.0)];
        // The district's label sits on the symbol: it moves just below it.
        let district = set_off_symbols("gate-district", at(170.0, 296.0), &symbols, WINDOW);
        assert_eq!((district.x, district.y), (170.0, 319.0));
        assert!(!district.overlaps(&symbols[0].bounds));
        // Near the window's bottom edge it goes beside the symbol, right or else left.
        let near_edge =
            set_off_symbols("gate-district", at(170.0, 296.0), &symbols, (1280.0, 330.0));
        assert_eq!((near_edge.x, near_edge.y), (233.0, 298.0));
        let in_a_corner =
            set_off_symbols("gate-district", at(170.0, 296.0), &symbols, (300.0, 330.0));
        assert_eq!((in_a_corner.x, in_a_corner.y), (97.0, 298.0));
        // With no room below nor beside, it takes the place above.
        let by_the_edge = [symbol("iconic-complex", 60.0, 300.0)];
        let squeezed = set_off_symbols(
            "gate-district",
            at(30.0, 296.0),
            &by_the_edge,
            (150.0, 330.0),
        );
        assert_eq!(
            (squeezed.x, squeezed.y),
            (30.0, 300.0 - 20.0 - SYMBOL_GAP_PX)
        );
        // The landmark's own label stands above its symbol, wherever its anchor put it.
        let own = set_off_symbols("iconic-complex", at(165.0, 290.0), &symbols, WINDOW);
        assert_eq!((own.x, own.y), (165.0, 277.0));
        assert!(!own.overlaps(&symbols[0].bounds));
        // A label clear of every symbol stays where it is.
        let clear = at(400.0, 100.0);
        assert_eq!(
            set_off_symbols("golden-district", clear, &symbols, WINDOW),
            clear
        );
    }

    const WINDOW: (f32, f32) = (1280.0, 720.0);

    #[test]
    fn a_label_between_two_symbols_goes_where_it_covers_neither() {
        let symbols = [symbol("a", 200.0, 300.0), symbol("b", 200.0, 318.0)];
        let moved = set_off_symbols("district", at(170.0, 296.0), &symbols, WINDOW);
        assert!(
            symbols.iter().all(|s| !s.bounds.overlaps(&moved)),
            "{moved:?}"
        );
        assert_eq!((moved.x, moved.y), (233.0, 298.0), "beside, below is taken");
    }

    #[test]
    fn the_more_important_of_two_overlapping_labels_wins() {
        let shown = declutter(&[Some((at(0.0, 0.0), 2)), Some((at(50.0, 10.0), 0))]);
        assert_eq!(shown, [false, true]);
        let apart = declutter(&[Some((at(0.0, 0.0), 2)), Some((at(0.0, 30.0), 0))]);
        assert_eq!(apart, [true, true]);
        let touching = declutter(&[Some((at(0.0, 0.0), 1)), Some((at(100.0, 0.0), 1))]);
        assert_eq!(touching, [true, true], "edges that touch do not overlap");
    }

    #[test]
    fn labels_off_screen_are_never_shown_and_do_not_block_others() {
        let shown = declutter(&[None, Some((at(0.0, 0.0), 2))]);
        assert_eq!(shown, [false, true]);
    }

    #[test]
    fn districts_and_located_projects_get_labels_districts_first() {
        let snapshot = crate::bundled_snapshot();
        let labels = map_labels(&snapshot, Lang::Ru);
        assert_eq!(labels[0].priority, 0);
        let districts = labels.iter().filter(|l| l.priority == 0).count();
        assert_eq!(districts, snapshot.districts.len());
        let iconic = labels
            .iter()
            .find(|l| l.id == "iconic-complex")
            .expect("the Iconic Complex has a label");
        assert_eq!(iconic.priority, 1, "a priority project");
        assert!(labels.windows(2).all(|w| w[0].priority <= w[1].priority));
        let located = snapshot
            .projects
            .iter()
            .filter(|p| p.location.is_some())
            .count();
        assert_eq!(labels.len(), districts + located);
        assert!(labels.iter().any(|l| l.text == "Район Gate"));
    }
}
