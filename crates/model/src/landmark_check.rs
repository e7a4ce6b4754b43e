//! Whether a landmark's 3D model may stand for its record. The models under `assets/models/`
//! can be replaced by an architect's; one in the wrong units (centimetres make a 272 m tower a
//! 27 km slab over the corridor), one that cannot be read, or one with nothing in it is not
//! shown as it is: a plain block at the published height stands in, and the record's panel
//! says why.

use crate::format;
use crate::i18n::{Key, fill, text};
use crate::lang::Lang;
use crate::snapshot::Project;

/// How far a model's height may be off the published height: 10 %.
pub const HEIGHT_TOLERANCE: f32 = 0.10;
/// Without a published height, a model taller than this is out of scale (the tallest building
/// planned in the corridor is 272 m).
pub const UNPUBLISHED_MAX_HEIGHT_M: f32 = 400.0;
/// Without a published height, or for a model wider than this, the block stands this high.
pub const NOMINAL_STAND_IN_HEIGHT_M: f32 = 30.0;
/// No landmark's model spans more than this across, metres.
pub const MAX_EXTENT_M: f32 = 2_000.0;

/// What is wrong with a landmark's model.
#[derive(Clone, Debug, PartialEq)]
pub enum ModelProblem {
    /// The file cannot be read (missing, corrupt, not glTF); the loader's words.
    Unreadable {
        /// Why, as the loader says it.
        reason: String,
    },
    /// The file holds no geometry.
    Empty,
    /// Its height is more than [`HEIGHT_TOLERANCE`] off the published height.
    HeightOff {
        /// The model's height, metres.
        measured_m: f32,
        /// The record's published height, metres.
        published_m: f32,
    },
    /// With no height published, it is taller or wider than any building of its kind.
    OutOfScale {
        /// The model's height, metres.
        height_m: f32,
        /// Its largest horizontal extent, metres.
        extent_m: f32,
    },
}

impl ModelProblem {
    /// A short code: `unreadable`, `empty`, `height-off`, `out-of-scale` (for `state()`).
    pub fn code(&self) -> &'static str {
        match self {
            ModelProblem::Unreadable { .. } => "unreadable",
            ModelProblem::Empty => "empty",
            ModelProblem::HeightOff { .. } => "height-off",
            ModelProblem::OutOfScale { .. } => "out-of-scale",
        }
    }

    /// The line in the record's panel: what is wrong and what stands in its place.
    pub fn describe(&self, stand_in_m: f32, lang: Lang) -> String {
        let reason = match self {
            ModelProblem::Unreadable { .. } => text(Key::ModelUnreadable, lang).to_owned(),
            ModelProblem::Empty => text(Key::ModelEmpty, lang).to_owned(),
            ModelProblem::HeightOff {
                measured_m,
                published_m,
            } => fill(
                &fill(
                    text(Key::ModelHeightOff, lang),
                    "measured",
                    &metres(*measured_m, lang),
                ),
                "published",
                &metres(*published_m, lang),
            ),
            ModelProblem::OutOfScale { height_m, extent_m } => fill(
                &fill(
                    text(Key::ModelOutOfScale, lang),
                    "height",
                    &metres(*height_m, lang),
                ),
                "extent",
                &metres(*extent_m, lang),
            ),
        };
        fill(
            &fill(text(Key::ModelNotUsed, lang), "reason", &reason),
            "height",
            &metres(stand_in_m, lang),
        )
    }

    /// What the console says (English, with the loader's own words for a file it cannot read).
    pub fn log_line(&self, project_id: &str, stand_in_m: f32) -> String {
        let detail = match self {
            ModelProblem::Unreadable { reason } => format!(" ({reason})"),
            _ => String::new(),
        };
        format!(
            "{project_id}: {}{detail}",
            self.describe(stand_in_m, Lang::En)
        )
    }
}

fn metres(value: f32, lang: Lang) -> String {
    let unit = match lang {
        Lang::En => "m",
        Lang::Ru | Lang::Kk => "м",
    };
    format!(
        "{}\u{a0}{unit}",
        format::integer(value.max(0.0).round() as u64, lang)
    )
}

/// The project's published height (its `height` fact in metres), if any.
pub fn published_height_m(project: &Project) -> Option<f32> {
    project
        .facts
        .iter()
        .find(|fact| fact.id == "height" && fact.unit == "m")
        .map(|fact| fact.value.value as f32)
        .filter(|height| *height > 0.0)
}

/// Checks a model's measured height and largest horizontal extent (metres) against the
/// published height, or, with none published, against what a building of its kind can be.
pub fn check_model(
    published_m: Option<f32>,
    height_m: f32,
    extent_m: f32,
) -> Result<(), ModelProblem> {
    if !(height_m.is_finite() && extent_m.is_finite()) || height_m <= 0.0 {
        return Err(ModelProblem::Empty);
    }
    match published_m {
        Some(published_m) if (height_m - published_m).abs() > published_m * HEIGHT_TOLERANCE => {
            Err(ModelProblem::HeightOff {
                measured_m: height_m,
                published_m,
            })
        }
        _ if extent_m > MAX_EXTENT_M
            || (published_m.is_none() && height_m > UNPUBLISHED_MAX_HEIGHT_M) =>
        {
            Err(ModelProblem::OutOfScale { height_m, extent_m })
        }
        _ => Ok(()),
    }
}

/// How high the stand-in block is: the published height, else a nominal one.
pub fn stand_in_height_m(published_m: Option<f32>) -> f32 {
    published_m.unwrap_or(NOMINAL_STAND_IN_HEIGHT_M)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(id: &str) -> Project {
        let snapshot = crate::validate::load_snapshot(
            "alatau.json",
            include_str!("../../../assets/data/alatau.json"),
        )
        .expect("the bundled snapshot");
        snapshot.project(id).cloned().expect(id)
    }

    #[test]
    fn the_published_height_is_the_height_fact_in_metres() {
        assert_eq!(published_height_m(&project("iconic-complex")), Some(272.0));
        assert_eq!(published_height_m(&project("kaist-kazakhstan")), None);
    }

    #[test]
    fn a_model_within_ten_percent_of_the_published_height_passes() {
        assert_eq!(check_model(Some(272.0), 272.0, 180.0), Ok(()));
        assert_eq!(check_model(Some(272.0), 297.0, 180.0), Ok(()));
        assert_eq!(check_model(Some(272.0), 248.0, 180.0), Ok(()));
        assert_eq!(check_model(None, 40.0, 400.0), Ok(()), "a campus");
    }

    #[test]
    fn a_model_in_centimetres_is_refused_with_both_heights() {
        let problem = check_model(Some(272.0), 27_200.0, 18_000.0).expect_err("too tall");
        assert_eq!(
            problem,
            ModelProblem::HeightOff {
                measured_m: 27_200.0,
                published_m: 272.0
            }
        );
        assert_eq!(
            problem.describe(272.0, Lang::En),
            "The 3D model could not be used: it is 27,200\u{a0}m tall where the published height is 272\u{a0}m. A plain block stands in at 272\u{a0}m."
        );
        assert!(
            problem
                .describe(272.0, Lang::Ru)
                .contains("27\u{a0}200\u{a0}м"),
            "{}",
            problem.describe(272.0, Lang::Ru)
        );
        assert!(
            check_model(Some(272.0), 240.0, 180.0).is_err(),
            "12 % short"
        );
    }

    #[test]
    fn without_a_published_height_only_an_absurd_model_is_refused() {
        let problem = check_model(None, 4_000.0, 40_000.0).expect_err("a campus in centimetres");
        assert_eq!(problem.code(), "out-of-scale");
        assert!(problem.describe(30.0, Lang::Kk).contains("30\u{a0}м"));
        assert_eq!(check_model(None, 0.0, 0.0), Err(ModelProblem::Empty));
        assert_eq!(check_model(None, f32::NAN, 10.0), Err(ModelProblem::Empty));
        assert_eq!(stand_in_height_m(None), NOMINAL_STAND_IN_HEIGHT_M);
        assert_eq!(stand_in_height_m(Some(272.0)), 272.0);
    }

    #[test]
    fn an_unreadable_file_keeps_the_loaders_words_for_the_console() {
        let problem = ModelProblem::Unreadable {
            reason: "invalid glTF magic".into(),
        };
        let line = problem.log_line("iconic-complex", 272.0);
        assert!(
            line.starts_with(
                "iconic-complex: The 3D model could not be used: the file cannot be read."
            ),
            "{line}"
        );
        assert!(line.ends_with("(invalid glTF magic)"), "{line}");
    }
}
