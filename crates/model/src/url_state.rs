//! The shareable part of the app state as it lives in the URL hash:
//! `#lang=ru&select=iconic-complex&tour=overview&step=2&year=2030&cam=x,z,distance,yaw,pitch`.
//!
//! Parsing never fails: every malformed or unknown entry is dropped with a [`UrlWarning`] for the
//! console, and the rest is kept.

use std::fmt;

use crate::camera_pose::CameraPose;
use crate::lang::Lang;

/// The longest record or tour id the URL accepts.
pub const MAX_ID_LEN: usize = 64;

/// The state a link carries. `None` means "not in the link": the app keeps its own value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UrlState {
    /// Interface language.
    pub lang: Option<Lang>,
    /// Selected record id.
    pub select: Option<String>,
    /// Guided tour id.
    pub tour: Option<String>,
    /// Step within the tour, from 0.
    pub step: Option<u32>,
    /// The timeline's year (2024..=2050).
    pub year: Option<u16>,
    /// Camera pose.
    pub cam: Option<CameraPose>,
}

/// One hash entry that was ignored, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlWarning {
    /// The entry as written (key and value), cut to a readable length.
    pub entry: String,
    /// Why it was ignored.
    pub reason: &'static str,
}

impl fmt::Display for UrlWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ignored URL hash entry `{}`: {}",
            self.entry, self.reason
        )
    }
}

impl UrlState {
    /// Parses a location hash (with or without the leading `#`).
    pub fn parse(hash: &str) -> (UrlState, Vec<UrlWarning>) {
        let mut state = UrlState::default();
        let mut warnings = Vec::new();
        let body = hash.strip_prefix('#').unwrap_or(hash);
        for entry in body.split('&').filter(|entry| !entry.is_empty()) {
            let mut warn = |reason| {
                warnings.push(UrlWarning {
                    entry: entry.chars().take(80).collect(),
                    reason,
                })
            };
            let Some((key, value)) = entry.split_once('=') else {
                warn("expected key=value");
                continue;
            };
            match key {
                "lang" => match Lang::from_code(value) {
                    Some(lang) => state.lang = Some(lang),
                    None => warn("unknown language: use en, ru or kk"),
                },
                "select" => match parse_id(value) {
                    Some(id) => state.select = Some(id),
                    None => warn("not a record id (lowercase letters, digits and dashes)"),
                },
                "tour" => match parse_id(value) {
                    Some(id) => state.tour = Some(id),
                    None => warn("not a tour id (lowercase letters, digits and dashes)"),
                },
                "step" => match value.parse::<u32>() {
                    Ok(step) if step < 1000 => state.step = Some(step),
                    _ => warn("not a step number"),
                },
                "year" => match crate::timeline::parse_year(value) {
                    Some(year) => state.year = Some(year),
                    None => warn("not a year of the timeline (2024 to 2050)"),
                },
                "cam" => match parse_camera(value) {
                    Some(pose) => state.cam = Some(pose),
                    None => warn("expected five numbers: x,z,distance,yaw,pitch"),
                },
                _ => warn("unknown key"),
            }
        }
        (state, warnings)
    }

    /// The hash for this state, without the leading `#`, keys in a fixed order.
    pub fn to_hash(&self) -> String {
        let mut parts = Vec::new();
        if let Some(lang) = self.lang {
            parts.push(format!("lang={}", lang.code()));
        }
        if let Some(id) = &self.select {
            parts.push(format!("select={id}"));
        }
        if let Some(id) = &self.tour {
            parts.push(format!("tour={id}"));
        }
        if let Some(step) = self.step {
            parts.push(format!("step={step}"));
        }
        if let Some(year) = self.year {
            parts.push(format!("year={year}"));
        }
        if let Some(pose) = &self.cam {
            parts.push(format!(
                "cam={:.0},{:.0},{:.0},{:.1},{:.1}",
                pose.x, pose.z, pose.distance, pose.yaw, pose.pitch
            ));
        }
        parts.join("&")
    }
}

/// A stable kebab-case id: `a-z`, `0-9` and single inner dashes, at most [`MAX_ID_LEN`] bytes.
pub fn parse_id(value: &str) -> Option<String> {
    let well_formed = !value.is_empty()
        && value.len() <= MAX_ID_LEN
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-')
        && !value.contains("--");
    well_formed.then(|| value.to_owned())
}

fn parse_camera(value: &str) -> Option<CameraPose> {
    let numbers: Vec<f32> = value
        .split(',')
        .map(|part| part.trim().parse::<f32>().ok().filter(|n| n.is_finite()))
        .collect::<Option<_>>()?;
    let [x, z, distance, yaw, pitch] = numbers.as_slice() else {
        return None;
    };
    Some(
        CameraPose {
            x: *x,
            z: *z,
            distance: *distance,
            yaw: *yaw,
            pitch: *pitch,
        }
        .clamped(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_state() -> UrlState {
        UrlState {
            lang: Some(Lang::Kk),
            select: Some("iconic-complex".into()),
            tour: Some("investor-overview".into()),
            step: Some(3),
            year: Some(2030),
            cam: Some(CameraPose {
                x: -1200.0,
                z: 5300.0,
                distance: 2500.0,
                yaw: 45.5,
                pitch: 30.0,
            }),
        }
    }

    #[test]
    fn round_trip_keeps_every_field() {
        let state = full_state();
        let hash = state.to_hash();
        assert_eq!(
            hash,
            "lang=kk&select=iconic-complex&tour=investor-overview&step=3&year=2030&cam=-1200,5300,2500,45.5,30.0"
        );
        let (parsed, warnings) = UrlState::parse(&format!("#{hash}"));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(parsed, state);
    }

    #[test]
    fn empty_hash_is_the_default_state() {
        for hash in ["", "#", "#&&"] {
            let (state, warnings) = UrlState::parse(hash);
            assert_eq!(state, UrlState::default(), "{hash:?}");
            assert!(warnings.is_empty(), "{hash:?}: {warnings:?}");
        }
    }

    #[test]
    fn garbage_is_dropped_with_one_warning_each_and_good_entries_survive() {
        let (state, warnings) = UrlState::parse(
            "#lang=xx&select=<img src=x>&cam=1,2,3&step=-4&tour=Tour!&zoom=3&novalue&year=abc&year=1999&lang=ru",
        );
        assert_eq!(
            state.lang,
            Some(Lang::Ru),
            "the valid entry after a bad one wins"
        );
        assert_eq!(state.select, None);
        assert_eq!(state.cam, None);
        assert_eq!(state.step, None);
        assert_eq!(state.tour, None);
        assert_eq!(state.year, None);
        let reasons: Vec<&str> = warnings.iter().map(|w| w.reason).collect();
        assert_eq!(
            reasons,
            [
                "unknown language: use en, ru or kk",
                "not a record id (lowercase letters, digits and dashes)",
                "expected five numbers: x,z,distance,yaw,pitch",
                "not a step number",
                "not a tour id (lowercase letters, digits and dashes)",
                "unknown key",
                "expected key=value",
                "not a year of the timeline (2024 to 2050)",
                "not a year of the timeline (2024 to 2050)",
            ]
        );
        assert_eq!(
            warnings[1].to_string(),
            "ignored URL hash entry `select=<img src=x>`: not a record id (lowercase letters, digits and dashes)"
        );
    }

    #[test]
    fn camera_values_are_clamped_and_non_finite_ones_refused() {
        let (state, _) = UrlState::parse("cam=999999,0,1,720,95");
        let pose = state.cam.expect("five finite numbers are a pose");
        assert_eq!(
            pose,
            CameraPose {
                x: 999_999.0,
                z: 0.0,
                distance: 1.0,
                yaw: 720.0,
                pitch: 95.0
            }
            .clamped()
        );
        let (state, warnings) = UrlState::parse("cam=NaN,0,1000,0,30");
        assert_eq!(state.cam, None);
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn ids_must_be_kebab_case() {
        assert_eq!(
            parse_id("kaist-kazakhstan").as_deref(),
            Some("kaist-kazakhstan")
        );
        for bad in [
            "",
            "-a",
            "a-",
            "a--b",
            "A",
            "a_b",
            "a b",
            "ä",
            &"a".repeat(65),
        ] {
            assert_eq!(parse_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn very_long_entries_are_cut_in_the_warning() {
        let hash = format!("junk={}", "x".repeat(10_000));
        let (_, warnings) = UrlState::parse(&hash);
        assert_eq!(warnings[0].entry.chars().count(), 80);
    }
}
