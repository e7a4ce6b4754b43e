//! The caption-figures rule: a caption never carries a figure of its own. Every number in a
//! caption (in any language's notation: `30,000`, `30 000`, `1.8`, `1,8`) must be one the
//! snapshot holds, as a number or in its text, at its own scale or in thousands, millions,
//! billions or trillions (`1.8` trillion for 1.8e12 tenge), exactly.

use crate::snapshot::Snapshot;

/// The numbers written in `text`, in order, as written and as values.
pub fn numbers_in(text: &str) -> Vec<(String, f64)> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_alphanumeric()) {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        while end < chars.len() {
            let c = chars[end];
            let next_is_digit = chars.get(end + 1).is_some_and(char::is_ascii_digit);
            if c.is_ascii_digit() || (is_separator(c) && next_is_digit) {
                end += 1;
            } else {
                break;
            }
        }
        let written: String = chars[start..end].iter().collect();
        if let Some(value) = value_of(&written) {
            found.push((written.trim().to_owned(), value));
        }
        i = end;
    }
    found
}

fn is_separator(c: char) -> bool {
    matches!(c, ',' | '.' | ' ' | '\u{a0}' | '\u{202f}')
}

/// A written number's value: a separator followed by exactly three digits groups thousands;
/// any other is the decimal point (`1,8` in Russian and Kazakh is 1.8).
fn value_of(written: &str) -> Option<f64> {
    let mut groups: Vec<(Option<char>, String)> = vec![(None, String::new())];
    for c in written.chars() {
        if is_separator(c) {
            groups.push((Some(c), String::new()));
        } else if let Some(last) = groups.last_mut() {
            last.1.push(c);
        }
    }
    let mut number = String::new();
    for (separator, digits) in groups {
        match separator {
            None => number.push_str(&digits),
            Some(_) if digits.len() == 3 && !number.contains('.') => number.push_str(&digits),
            Some(' ' | '\u{a0}' | '\u{202f}') => return None,
            Some(_) => {
                number.push('.');
                number.push_str(&digits);
            }
        }
    }
    number.parse().ok()
}

/// Every figure the snapshot holds: its numbers, and the numbers in its texts and dates.
/// Gathered once (the whole snapshot is walked) and asked of every caption.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SnapshotFigures(Vec<f64>);

impl SnapshotFigures {
    /// The figures of `snapshot`.
    pub fn of(snapshot: &Snapshot) -> SnapshotFigures {
        let mut figures = Vec::new();
        if let Ok(value) = serde_json::to_value(snapshot) {
            collect(&value, &mut figures);
        }
        figures.sort_by(f64::total_cmp);
        figures.dedup();
        SnapshotFigures(figures)
    }

    /// Whether `value` is exactly one of the figures at some scale (no rounding: a caption
    /// that says 1.9 of a figure the snapshot gives as 1.87 says something the snapshot does
    /// not).
    fn hold(&self, value: f64) -> bool {
        self.0.iter().any(|figure| {
            [1.0, 1e3, 1e6, 1e9, 1e12]
                .iter()
                .any(|scale| (figure.abs() / scale - value).abs() <= 1e-9 * value.abs().max(1.0))
        })
    }

    /// The numbers in `text` the snapshot does not hold, as written.
    pub fn foreign_in(&self, text: &str) -> Vec<String> {
        numbers_in(text)
            .into_iter()
            .filter(|(_, value)| !self.hold(*value))
            .map(|(written, _)| written)
            .collect()
    }
}

fn collect(value: &serde_json::Value, into: &mut Vec<f64>) {
    match value {
        serde_json::Value::Number(number) => into.extend(number.as_f64()),
        serde_json::Value::String(text) => {
            into.extend(numbers_in(text).into_iter().map(|(_, value)| value));
            // Dates: 2026-02-04 holds the year, the month and the day.
            into.extend(text.split('-').filter_map(|part| part.parse::<f64>().ok()));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| collect(item, into)),
        serde_json::Value::Object(fields) => fields.values().for_each(|item| collect(item, into)),
        serde_json::Value::Bool(_) | serde_json::Value::Null => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_in_every_languages_notation() {
        let values = |text: &str| -> Vec<f64> {
            numbers_in(text)
                .into_iter()
                .map(|(_, value)| value)
                .collect()
        };
        assert_eq!(values("44 projects, 30,000 jobs"), [44.0, 30_000.0]);
        assert_eq!(values("1,8 трлн ₸ и 30 000 рабочих мест"), [1.8, 30_000.0]);
        assert_eq!(
            values("US$3.53 billion, 276\u{a0}800 m²"),
            [3.53, 276_800.0]
        );
        assert_eq!(values("KAIST and the A3, 2050"), [2050.0]);
        assert!(values("no numbers here").is_empty());
    }

    #[test]
    fn the_snapshots_figures_pass_at_any_scale_and_others_do_not() {
        let figures = SnapshotFigures::of(&crate::bundled_snapshot());
        for fine in [
            "44 projects, about 1.8 trillion tenge, more than 30,000 jobs",
            "около 1,8 трлн тенге, более 30 000 рабочих мест",
            "the 272 m tower and the 80 m hotel tower, 276,800 m²",
            "about US$3.53 billion",
            "by 2050",
        ] {
            assert_eq!(figures.foreign_in(fine), Vec::<String>::new(), "{fine}");
        }
        assert_eq!(
            figures.foreign_in("a 300 m tower, 45 projects"),
            ["300", "45"]
        );
        assert_eq!(figures.foreign_in("about 1.9 trillion"), ["1.9"]);
    }
}
