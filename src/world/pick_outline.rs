//! The outline on the ground of an area record (a district, a cluster zone) that the entities
//! drawing it carry, so that picking finds the area under a point of the view.

use bevy::prelude::*;

use crate::model::geo::Local;
use crate::model::snapshot::Snapshot;
use crate::model::validate::footprint_local;

/// An area record's outline on the ground, for picking. Where outlines overlap, the one
/// `on_top` (a cluster zone inside its district) wins.
#[derive(Component, Debug, Clone, PartialEq)]
pub struct PickOutline {
    /// The outline, in the local frame (world x and z).
    pub outline: Vec<Local>,
    /// Whether it lies over the outlines that are not (a cluster zone over its district).
    pub on_top: bool,
}

impl PickOutline {
    /// The outline of district or cluster zone `id` in `snapshot` (a zone lies on top).
    pub fn of_area(snapshot: &Snapshot, id: &str) -> Option<PickOutline> {
        if let Some(cluster) = snapshot.cluster(id) {
            return Some(PickOutline {
                outline: footprint_local(&cluster.footprint),
                on_top: true,
            });
        }
        snapshot.district(id).map(|district| PickOutline {
            outline: footprint_local(&district.footprint),
            on_top: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn districts_and_cluster_zones_have_outlines_and_zones_lie_on_top() {
        let data = crate::world::data::bundled_city_data();
        let snapshot = &data.0;
        let district = PickOutline::of_area(snapshot, "gate-district").expect("a district");
        assert!(!district.on_top && district.outline.len() >= 3);
        let zone = PickOutline::of_area(snapshot, &snapshot.clusters[0].id).expect("a zone");
        assert!(zone.on_top && zone.outline.len() >= 3);
        assert_eq!(
            PickOutline::of_area(snapshot, "iconic-complex"),
            None,
            "a project"
        );
    }
}
