//! The tours' domain rules: ids, references to the snapshot's records, cameras, times, layers,
//! filters, non-empty texts in three languages, and captions that carry only the snapshot's
//! figures. Every violation is collected, with its JSON path.

use std::collections::HashSet;

use super::figures::SnapshotFigures;
use super::{TOURS_SCHEMA_VERSION, ToursFile};
use crate::camera_pose::{
    MAX_DISTANCE_M, MAX_PITCH_DEG, MIN_DISTANCE_M, MIN_PITCH_DEG, TARGET_EXTENT_M,
};
use crate::lang::Lang;
use crate::layers::Layer;
use crate::record_view::focus;
use crate::snapshot::{I18nText, Snapshot};
use crate::url_state::parse_id;
use crate::validate::SnapshotError;

/// Longest hold of a step, seconds.
pub const MAX_HOLD_S: f32 = 120.0;
/// Fastest orbit of a step, degrees per second.
pub const MAX_ORBIT_DEG_PER_S: f32 = 10.0;

/// The id of the tour a JSON path points into (`tours[1].steps[0]`: the second tour's).
pub(super) fn tour_id_for_path<'a>(tours: &'a ToursFile, path: &str) -> Option<&'a str> {
    let rest = path.strip_prefix("tours[")?;
    let index: usize = rest.split(']').next()?.parse().ok()?;
    tours.tours.get(index).map(|tour| tour.id.as_str())
}

struct Rules<'a> {
    snapshot: &'a Snapshot,
    /// The snapshot's figures, gathered once for every caption.
    figures: SnapshotFigures,
    errors: Vec<SnapshotError>,
}

impl Rules<'_> {
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(SnapshotError {
            line: None,
            column: None,
            path: path.into(),
            message: message.into(),
        });
    }

    fn text(&mut self, path: &str, text: &I18nText) {
        for lang in Lang::ALL {
            if text.get(lang).trim().is_empty() {
                self.error(format!("{path}.{}", lang.code()), "empty text");
            }
        }
    }

    fn record(&mut self, path: &str, id: &str) {
        if self.snapshot.record(id).is_none() {
            self.error(path, format!("no district, cluster zone or project `{id}`"));
        }
    }

    fn caption_figures(&mut self, path: &str, text: &I18nText) {
        for lang in Lang::ALL {
            let foreign = self.figures.foreign_in(text.get(lang));
            if !foreign.is_empty() {
                self.error(
                    format!("{path}.{}", lang.code()),
                    format!(
                        "{} not in the snapshot: a caption carries only the snapshot's figures",
                        foreign.join(", ")
                    ),
                );
            }
        }
    }

    fn number(&mut self, path: &str, value: f32, low: f32, high: f32) {
        if !value.is_finite() || value < low || value > high {
            self.error(path, format!("{value} is outside {low}..={high}"));
        }
    }
}

/// Checks every rule and returns all violations.
pub(super) fn check(tours: &ToursFile, snapshot: &Snapshot) -> Vec<SnapshotError> {
    let mut rules = Rules {
        snapshot,
        figures: SnapshotFigures::of(snapshot),
        errors: Vec::new(),
    };
    if tours.schema_version != TOURS_SCHEMA_VERSION {
        rules.error(
            "schema_version",
            format!(
                "version {} is not the {TOURS_SCHEMA_VERSION} this app reads",
                tours.schema_version
            ),
        );
    }
    if tours.tours.is_empty() {
        rules.error("tours", "no tour");
    }
    let mut seen = HashSet::new();
    for (t, tour) in tours.tours.iter().enumerate() {
        let at = format!("tours[{t}]");
        if parse_id(&tour.id).is_none() {
            rules.error(
                format!("{at}.id"),
                format!("`{}` is not a kebab-case id", tour.id),
            );
        }
        if !seen.insert(tour.id.as_str()) {
            rules.error(format!("{at}.id"), format!("`{}` is used twice", tour.id));
        }
        rules.text(&format!("{at}.title"), &tour.title);
        rules.text(&format!("{at}.summary"), &tour.summary);
        if tour.steps.is_empty() {
            rules.error(format!("{at}.steps"), "no step");
        }
        for (s, step) in tour.steps.iter().enumerate() {
            let at = format!("{at}.steps[{s}]");
            let camera = &step.camera;
            match (&camera.frame, &camera.pose) {
                (Some(id), None) => {
                    rules.record(&format!("{at}.camera.frame"), id);
                    if snapshot.record(id).is_some() && focus(snapshot, id).is_none() {
                        rules.error(
                            format!("{at}.camera.frame"),
                            format!("`{id}` has no place on the map"),
                        );
                    }
                    if let Some(pitch) = camera.pitch {
                        rules.number(
                            &format!("{at}.camera.pitch"),
                            pitch,
                            MIN_PITCH_DEG,
                            MAX_PITCH_DEG,
                        );
                    }
                    if let Some(yaw) = camera.yaw {
                        rules.number(&format!("{at}.camera.yaw"), yaw, -360.0, 360.0);
                    }
                }
                (None, Some(pose)) => {
                    if camera.yaw.is_some() || camera.pitch.is_some() {
                        rules.error(
                            format!("{at}.camera"),
                            "yaw and pitch go with `frame`; a pose has its own",
                        );
                    }
                    let extent = TARGET_EXTENT_M;
                    rules.number(&format!("{at}.camera.pose.x"), pose.x, -extent, extent);
                    rules.number(&format!("{at}.camera.pose.z"), pose.z, -extent, extent);
                    rules.number(
                        &format!("{at}.camera.pose.distance"),
                        pose.distance,
                        MIN_DISTANCE_M,
                        MAX_DISTANCE_M,
                    );
                    rules.number(&format!("{at}.camera.pose.yaw"), pose.yaw, -360.0, 360.0);
                    rules.number(
                        &format!("{at}.camera.pose.pitch"),
                        pose.pitch,
                        MIN_PITCH_DEG,
                        MAX_PITCH_DEG,
                    );
                }
                _ => rules.error(
                    format!("{at}.camera"),
                    "give exactly one of `frame` and `pose`",
                ),
            }
            if let Some(id) = &step.select {
                rules.record(&format!("{at}.select"), id);
            }
            rules.text(&format!("{at}.caption.title"), &step.caption.title);
            rules.text(&format!("{at}.caption.text"), &step.caption.text);
            rules.caption_figures(&format!("{at}.caption.title"), &step.caption.title);
            rules.caption_figures(&format!("{at}.caption.text"), &step.caption.text);
            if let Some(notes) = &step.notes {
                rules.text(&format!("{at}.notes"), notes);
            }
            rules.number(&format!("{at}.hold_s"), step.hold_s, 1.0, MAX_HOLD_S);
            if let Some(orbit) = step.orbit_deg_per_s {
                rules.number(
                    &format!("{at}.orbit_deg_per_s"),
                    orbit,
                    -MAX_ORBIT_DEG_PER_S,
                    MAX_ORBIT_DEG_PER_S,
                );
            }
            if let Some(year) = step.year
                && !(crate::timeline::FIRST_YEAR..=crate::timeline::LAST_YEAR).contains(&year)
            {
                rules.error(
                    format!("{at}.year"),
                    format!("{year} is not a year of the timeline (2024 to 2050)"),
                );
            }
            if let Some(layers) = &step.layers {
                let mut codes = HashSet::new();
                for (l, code) in layers.iter().enumerate() {
                    if Layer::from_code(code).is_none() {
                        rules.error(
                            format!("{at}.layers[{l}]"),
                            format!("no map layer `{code}`"),
                        );
                    } else if !codes.insert(code.as_str()) {
                        rules.error(
                            format!("{at}.layers[{l}]"),
                            format!("`{code}` is listed twice"),
                        );
                    }
                }
            }
            if let Some(filter) = &step.filter {
                if let Some(cluster) = &filter.cluster
                    && snapshot.cluster(cluster).is_none()
                {
                    rules.error(
                        format!("{at}.filter.cluster"),
                        format!("no cluster zone `{cluster}`"),
                    );
                }
                if let Some(sector) = &filter.sector
                    && snapshot.sector(sector).is_none()
                {
                    rules.error(
                        format!("{at}.filter.sector"),
                        format!("no sector `{sector}`"),
                    );
                }
            }
        }
    }
    rules.errors
}
