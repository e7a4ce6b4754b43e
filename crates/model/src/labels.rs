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
