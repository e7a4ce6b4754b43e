//! Which record lies under a point of the view, by a ray cast of our own rather than a picking
//! backend that would test every triangle of the city: the ray from the camera meets the
//! landmarks' parts (the box round each mesh of a model or its stand-in, in world space) and
//! then the ground, where the cluster zone or district whose outline ([`PickOutline`]) holds the
//! point is the record. Only what is shown can be picked: a zone with its layer off, a landmark
//! before its year, are not.

use bevy::camera::primitives::Aabb;
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

use crate::camera::OrbitCamera;
use crate::model::geo::Local;
use crate::model::polygon::contains;
use crate::scene::landmarks::Landmark;
use crate::world::RecordId;
use crate::world::ground::Ground;
pub use crate::world::pick_outline::PickOutline;

/// How far a ray looks for the ground, metres (beyond the farthest view).
const RAY_REACH_M: f32 = 400_000.0;

/// Where a ray meets a box given in `to_world`'s local space: its distance along the ray.
fn ray_meets_box(ray: Ray3d, to_world: &GlobalTransform, bounds: &Aabb) -> Option<f32> {
    let to_local = to_world.affine().inverse();
    let origin = to_local.transform_point3(ray.origin);
    let direction = to_local.transform_vector3(*ray.direction);
    let (low, high) = (
        Vec3::from(bounds.center - bounds.half_extents),
        Vec3::from(bounds.center + bounds.half_extents),
    );
    let (mut near, mut far) = (0.0_f32, f32::MAX);
    for axis in 0..3 {
        if direction[axis].abs() < 1e-9 {
            if origin[axis] < low[axis] || origin[axis] > high[axis] {
                return None;
            }
            continue;
        }
        let (a, b) = (
            (low[axis] - origin[axis]) / direction[axis],
            (high[axis] - origin[axis]) / direction[axis],
        );
        near = near.max(a.min(b));
        far = far.min(a.max(b));
        if near > far {
            return None;
        }
    }
    Some(near)
}

/// The area record whose outline holds `point`: one on top before the others, then the first.
pub fn area_at<'a>(
    point: Local,
    outlines: impl Iterator<Item = (&'a str, &'a PickOutline)>,
) -> Option<&'a str> {
    let mut found = None;
    for (id, area) in outlines {
        if contains(&area.outline, point) {
            match found {
                Some((_, true)) => {}
                Some((_, false)) if !area.on_top => {}
                _ => found = Some((id, area.on_top)),
            }
        }
    }
    found.map(|(id, _)| id)
}

/// What the ray cast reads: the camera, the ground, the landmarks and their parts, and the
/// area outlines.
#[derive(SystemParam)]
pub struct RecordPicker<'w, 's> {
    cameras: Query<'w, 's, (&'static Camera, &'static GlobalTransform), With<OrbitCamera>>,
    ground: Option<Res<'w, Ground>>,
    landmarks:
        Query<'w, 's, (Entity, &'static RecordId, &'static InheritedVisibility), With<Landmark>>,
    children: Query<'w, 's, &'static Children>,
    parts: Query<
        'w,
        's,
        (
            &'static Aabb,
            &'static GlobalTransform,
            &'static InheritedVisibility,
        ),
        With<Mesh3d>,
    >,
    outlines: Query<
        'w,
        's,
        (
            &'static RecordId,
            &'static PickOutline,
            &'static InheritedVisibility,
        ),
    >,
}

impl RecordPicker<'_, '_> {
    /// The record under `cursor` (viewport pixels), if any.
    pub fn record_at(&self, cursor: Vec2) -> Option<String> {
        let (camera, transform) = self.cameras.single().ok()?;
        let ray = camera.viewport_to_world(transform, cursor).ok()?;
        let ground_at = self
            .ground
            .as_ref()
            .and_then(|ground| ground.ray_hit(ray.origin, *ray.direction, RAY_REACH_M));
        let landmark = self
            .landmarks
            .iter()
            .filter(|(_, _, shown)| shown.get())
            .filter_map(|(root, id, _)| {
                let nearest = std::iter::once(root)
                    .chain(self.children.iter_descendants(root))
                    .filter_map(|part| self.parts.get(part).ok())
                    .filter(|(_, _, shown)| shown.get())
                    .filter_map(|(bounds, to_world, _)| ray_meets_box(ray, to_world, bounds))
                    .min_by(f32::total_cmp)?;
                Some((nearest, id))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0));
        match (landmark, ground_at) {
            (Some((t, id)), ground) if ground.is_none_or(|g| t <= g) => Some(id.0.clone()),
            (_, Some(t)) => {
                let point = ray.get_point(t);
                area_at(
                    Local::new(point.x, point.z),
                    self.outlines
                        .iter()
                        .filter(|(_, _, shown)| shown.get())
                        .map(|(id, outline, _)| (id.0.as_str(), outline)),
                )
                .map(str::to_owned)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f32, z: f32, side: f32, on_top: bool) -> PickOutline {
        PickOutline {
            outline: vec![
                Local::new(x, z),
                Local::new(x + side, z),
                Local::new(x + side, z + side),
                Local::new(x, z + side),
            ],
            on_top,
        }
    }

    #[test]
    fn a_zone_on_top_wins_over_its_district_and_outside_both_is_nothing() {
        let district = square(0.0, 0.0, 1_000.0, false);
        let zone = square(200.0, 200.0, 300.0, true);
        let areas = [("gate-district", &district), ("cluster-logistics", &zone)];
        let at = |x, z| area_at(Local::new(x, z), areas.iter().copied());
        assert_eq!(at(300.0, 300.0), Some("cluster-logistics"));
        assert_eq!(at(800.0, 800.0), Some("gate-district"));
        assert_eq!(at(1_500.0, 300.0), None);
        // The order they come in does not matter.
        let reversed = [areas[1], areas[0]];
        assert_eq!(
            area_at(Local::new(300.0, 300.0), reversed.iter().copied()),
            Some("cluster-logistics")
        );
    }

    #[test]
    fn a_ray_meets_a_turned_box_where_it_stands_and_misses_beside_it() {
        let bounds = Aabb::from_min_max(Vec3::new(-10.0, 0.0, -10.0), Vec3::new(10.0, 272.0, 10.0));
        let tower = GlobalTransform::from(
            Transform::from_xyz(1_000.0, 50.0, 0.0).with_rotation(Quat::from_rotation_y(0.6)),
        );
        let towards = |target: Vec3| {
            let origin = Vec3::new(0.0, 150.0, 0.0);
            Ray3d::new(origin, Dir3::new(target - origin).expect("a direction"))
        };
        let t = ray_meets_box(towards(Vec3::new(1_000.0, 150.0, 0.0)), &tower, &bounds)
            .expect("the tower is hit");
        assert!((985.0..1_000.0).contains(&t), "its near face: {t}");
        assert_eq!(
            ray_meets_box(towards(Vec3::new(1_000.0, 150.0, 60.0)), &tower, &bounds),
            None,
            "beside it"
        );
        assert_eq!(
            ray_meets_box(towards(Vec3::new(1_000.0, 400.0, 0.0)), &tower, &bounds),
            None,
            "over its top"
        );
    }
}
