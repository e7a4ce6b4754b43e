//! The kiosk as pure logic: its settings from the URL query ([`KioskSettings::from_query`]: a
//! malformed value is ignored with a warning and the default used), the idle policy
//! ([`IdlePolicy`]: exploring, then "Still there?" with its countdown, then a soft reset and
//! the attract loop; a touch ends the loop) and the attract playlist ([`Playlist`]: the tours in
//! turn, the language changing between tours).

use crate::lang::Lang;

/// Seconds without input before a kiosk asks "Still there?" (or starts its attract loop).
pub const DEFAULT_IDLE_S: f32 = 60.0;
/// Seconds "Still there?" counts down before the soft reset.
pub const STILL_THERE_S: f32 = 20.0;
/// The shortest and longest idle a URL may set, seconds.
const IDLE_RANGE_S: (f32, f32) = (1.0, 3600.0);

/// A kiosk's settings (`?kiosk=1&idle=…&tours=…&langs=…&share=…`).
#[derive(Clone, Debug, PartialEq)]
pub struct KioskSettings {
    /// Seconds without input before the kiosk acts.
    pub idle_s: f32,
    /// The attract loop's tours, in order (`None`: every tour).
    pub tours: Option<Vec<String>>,
    /// The languages the attract loop cycles; the first is the kiosk's own.
    pub langs: Vec<Lang>,
    /// The base of the QR code's link (a kiosk often runs from a local copy).
    pub share_base: Option<String>,
}

impl Default for KioskSettings {
    fn default() -> Self {
        KioskSettings {
            idle_s: DEFAULT_IDLE_S,
            tours: None,
            langs: vec![Lang::En, Lang::Ru, Lang::Kk],
            share_base: None,
        }
    }
}

impl KioskSettings {
    /// The kiosk's settings from a URL query (`?a=b&…` or `a=b&…`), or `None` without
    /// `kiosk=1`; each malformed value is named in a warning and its default kept.
    pub fn from_query(query: &str) -> (Option<KioskSettings>, Vec<String>) {
        let pairs: Vec<(String, String)> = query
            .trim_start_matches('?')
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (key.to_owned(), percent_decode(value))
            })
            .collect();
        let value = |key: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        if value("kiosk") != Some("1") {
            return (None, Vec::new());
        }
        let mut warnings = Vec::new();
        let mut settings = KioskSettings::default();
        if let Some(idle) = value("idle") {
            match idle.parse::<f32>() {
                Ok(seconds) if (IDLE_RANGE_S.0..=IDLE_RANGE_S.1).contains(&seconds) => {
                    settings.idle_s = seconds;
                }
                _ => warnings.push(format!(
                    "idle={idle} is not a number of seconds from {} to {}: the kiosk waits {} s",
                    IDLE_RANGE_S.0, IDLE_RANGE_S.1, DEFAULT_IDLE_S
                )),
            }
        }
        if let Some(tours) = value("tours") {
            let ids: Vec<String> = tours.split(',').map(str::to_owned).collect();
            if ids.iter().all(|id| is_kebab_id(id)) {
                settings.tours = Some(ids);
            } else {
                warnings.push(format!(
                    "tours={tours} is not a comma-separated list of tour ids: the attract loop plays every tour"
                ));
            }
        }
        if let Some(langs) = value("langs") {
            let parsed: Option<Vec<Lang>> = langs.split(',').map(Lang::from_code).collect();
            match parsed {
                Some(list) if !list.is_empty() => settings.langs = list,
                _ => warnings.push(format!(
                    "langs={langs} is not a comma-separated list of en, ru, kk: the kiosk cycles all three"
                )),
            }
        }
        if let Some(share) = value("share") {
            let web = share.starts_with("https://") || share.starts_with("http://");
            if web && !share.contains(char::is_whitespace) && !share.contains('#') {
                settings.share_base = Some(share.to_owned());
            } else {
                warnings.push(format!(
                    "share={share} is not an http(s) address without a #: the code links to this page"
                ));
            }
        }
        (Some(settings), warnings)
    }

    /// The kiosk's own language (the first it cycles).
    pub fn home_lang(&self) -> Lang {
        self.langs.first().copied().unwrap_or(Lang::En)
    }
}

fn is_kebab_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// `%xx` escapes decoded (as a browser's `URLSearchParams` does), `+` as a space.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Where a kiosk is between visitors.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KioskStage {
    /// A visitor explores; `idle_s` since their last input.
    Exploring {
        /// Seconds without input.
        idle_s: f32,
    },
    /// "Still there?", `left_s` before the reset.
    StillThere {
        /// Seconds left.
        left_s: f32,
    },
    /// The attract loop plays to nobody.
    Attract,
}

/// What the kiosk must do after a tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KioskAction {
    /// Nothing new.
    None,
    /// Show "Still there?".
    AskStillThere,
    /// The visitor answered "Still there?": hide it, explore on.
    Dismiss,
    /// Reset everything to the start and begin the attract loop.
    ResetAndAttract,
    /// A touch during the attract loop: end it, explore from the start view.
    Wake,
}

/// The idle policy: a pure state machine fed with time and input.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IdlePolicy {
    /// Seconds without input before "Still there?".
    pub idle_s: f32,
    /// Seconds "Still there?" counts down.
    pub countdown_s: f32,
    /// Where the kiosk is.
    pub stage: KioskStage,
}

impl IdlePolicy {
    /// A kiosk that starts in its attract loop (nobody has touched it yet).
    pub fn new(idle_s: f32, countdown_s: f32) -> IdlePolicy {
        IdlePolicy {
            idle_s,
            countdown_s,
            stage: KioskStage::Attract,
        }
    }

    /// `dt_s` seconds went by; `touched`: the visitor gave input in them.
    pub fn tick(&mut self, dt_s: f32, touched: bool) -> KioskAction {
        match self.stage {
            KioskStage::Attract if touched => {
                self.stage = KioskStage::Exploring { idle_s: 0.0 };
                KioskAction::Wake
            }
            KioskStage::Attract => KioskAction::None,
            KioskStage::Exploring { .. } if touched => {
                self.stage = KioskStage::Exploring { idle_s: 0.0 };
                KioskAction::None
            }
            KioskStage::Exploring { idle_s } => {
                let idle_s = idle_s + dt_s;
                if idle_s >= self.idle_s {
                    self.stage = KioskStage::StillThere {
                        left_s: self.countdown_s,
                    };
                    KioskAction::AskStillThere
                } else {
                    self.stage = KioskStage::Exploring { idle_s };
                    KioskAction::None
                }
            }
            KioskStage::StillThere { .. } if touched => {
                self.stage = KioskStage::Exploring { idle_s: 0.0 };
                KioskAction::Dismiss
            }
            KioskStage::StillThere { left_s } => {
                let left_s = left_s - dt_s;
                if left_s <= 0.0 {
                    self.stage = KioskStage::Attract;
                    KioskAction::ResetAndAttract
                } else {
                    self.stage = KioskStage::StillThere { left_s };
                    KioskAction::None
                }
            }
        }
    }
}

/// The attract loop's order: each tour in turn, the language changing between tours.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Playlist {
    played: usize,
}

impl Playlist {
    /// The next tour and its language, from `tours` (ids) and `langs`; `None` without tours.
    pub fn next<'a>(&mut self, tours: &'a [String], langs: &[Lang]) -> Option<(&'a str, Lang)> {
        if tours.is_empty() {
            return None;
        }
        let tour = &tours[self.played % tours.len()];
        let lang = langs
            .get(self.played % langs.len().max(1))
            .copied()
            .unwrap_or(Lang::En);
        self.played += 1;
        Some((tour, lang))
    }

    /// From the start again (after a visitor).
    pub fn restart(&mut self) {
        self.played = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_kiosk_1_there_is_no_kiosk() {
        assert_eq!(KioskSettings::from_query(""), (None, Vec::new()));
        assert_eq!(KioskSettings::from_query("?kiosk=0&idle=5").0, None);
    }

    #[test]
    fn the_query_sets_every_setting() {
        let (settings, warnings) = KioskSettings::from_query(
            "?kiosk=1&idle=90&tours=corridor,gate-and-golden&langs=kk,ru&share=https%3A%2F%2Fexample.org%2Falatau%2F",
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            settings,
            Some(KioskSettings {
                idle_s: 90.0,
                tours: Some(vec!["corridor".into(), "gate-and-golden".into()]),
                langs: vec![Lang::Kk, Lang::Ru],
                share_base: Some("https://example.org/alatau/".into()),
            })
        );
        assert_eq!(settings.map(|s| s.home_lang()), Some(Lang::Kk));
    }

    #[test]
    fn malformed_values_keep_their_defaults_with_a_warning_each() {
        let (settings, warnings) = KioskSettings::from_query(
            "kiosk=1&idle=soon&tours=Corridor!,x&langs=en,fr&share=javascript:alert(1)",
        );
        assert_eq!(settings, Some(KioskSettings::default()));
        assert_eq!(warnings.len(), 4, "{warnings:?}");
        for (warning, key) in warnings.iter().zip(["idle=", "tours=", "langs=", "share="]) {
            assert!(warning.starts_with(key), "{warning}");
        }
        for idle in ["0", "-5", "100000", "NaN", ""] {
            let (settings, warnings) = KioskSettings::from_query(&format!("kiosk=1&idle={idle}"));
            assert_eq!(
                settings.map(|s| s.idle_s),
                Some(DEFAULT_IDLE_S),
                "idle={idle}"
            );
            assert_eq!(warnings.len(), 1, "idle={idle}");
        }
    }

    #[test]
    fn percent_escapes_decode_and_broken_ones_stay() {
        assert_eq!(percent_decode("a%2Cb+c"), "a,b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }

    #[test]
    fn idle_asks_then_resets_into_the_attract_loop_and_a_touch_wakes_it() {
        let mut policy = IdlePolicy::new(10.0, 20.0);
        assert_eq!(
            policy.tick(100.0, false),
            KioskAction::None,
            "attract waits"
        );
        assert_eq!(policy.tick(0.1, true), KioskAction::Wake);
        assert_eq!(policy.tick(9.0, false), KioskAction::None);
        assert_eq!(policy.tick(0.5, true), KioskAction::None, "input restarts");
        assert_eq!(policy.tick(9.9, false), KioskAction::None);
        assert_eq!(policy.tick(0.2, false), KioskAction::AskStillThere);
        assert_eq!(policy.tick(5.0, true), KioskAction::Dismiss);
        assert_eq!(policy.tick(10.0, false), KioskAction::AskStillThere);
        assert_eq!(policy.tick(19.0, false), KioskAction::None);
        assert_eq!(policy.stage, KioskStage::StillThere { left_s: 1.0 });
        assert_eq!(policy.tick(1.0, false), KioskAction::ResetAndAttract);
        assert_eq!(policy.stage, KioskStage::Attract);
    }

    #[test]
    fn the_playlist_takes_the_tours_in_turn_and_changes_language_between_them() {
        let tours = vec!["a".to_owned(), "b".to_owned()];
        let langs = [Lang::En, Lang::Ru, Lang::Kk];
        let mut playlist = Playlist::default();
        let order: Vec<_> = (0..4)
            .filter_map(|_| playlist.next(&tours, &langs))
            .collect();
        assert_eq!(
            order,
            [
                ("a", Lang::En),
                ("b", Lang::Ru),
                ("a", Lang::Kk),
                ("b", Lang::En)
            ]
        );
        playlist.restart();
        assert_eq!(playlist.next(&tours, &langs), Some(("a", Lang::En)));
        assert_eq!(Playlist::default().next(&[], &langs), None);
    }
}
