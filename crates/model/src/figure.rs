//! A reported figure with its qualifier: exact, "about", "more than" or "up to". The qualifier is
//! part of the figure (sources say "over 220,000 residents"), so the two travel together and
//! every view shows them together, in each language.
//!
//! In the snapshot an exact figure is a bare number (`900`); a qualified one is an object
//! (`{ "value": 220000, "qualifier": "more-than" }`).

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::lang::Lang;

/// How a source states a figure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Qualifier {
    /// The figure as it is.
    #[default]
    Exact,
    /// "About", "around".
    About,
    /// "More than", "over".
    MoreThan,
    /// "Up to".
    UpTo,
}

/// The qualifiers a snapshot may use, by their codes.
pub const QUALIFIERS: [Qualifier; 4] = [
    Qualifier::Exact,
    Qualifier::About,
    Qualifier::MoreThan,
    Qualifier::UpTo,
];

/// A reported figure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figure {
    /// The number.
    pub value: f64,
    /// How the source states it.
    pub qualifier: Qualifier,
}

impl Figure {
    /// An exact figure.
    pub const fn exact(value: f64) -> Self {
        Self {
            value,
            qualifier: Qualifier::Exact,
        }
    }

    /// The same qualifier on another number (a conversion, a sum of one).
    pub fn map(self, f: impl FnOnce(f64) -> f64) -> Self {
        Self {
            value: f(self.value),
            qualifier: self.qualifier,
        }
    }
}

impl Serialize for Figure {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        if self.qualifier == Qualifier::Exact {
            return serializer.serialize_f64(self.value);
        }
        let mut object = serializer.serialize_struct("Figure", 2)?;
        object.serialize_field("value", &self.value)?;
        object.serialize_field("qualifier", &self.qualifier)?;
        object.end()
    }
}

impl<'de> Deserialize<'de> for Figure {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FigureVisitor)
    }
}

struct FigureVisitor;

impl<'de> Visitor<'de> for FigureVisitor {
    type Value = Figure;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a number")
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Figure, E> {
        Ok(Figure::exact(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Figure, E> {
        Ok(Figure::exact(value as f64))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Figure, E> {
        Ok(Figure::exact(value as f64))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Figure, A::Error> {
        let mut value = None;
        let mut qualifier = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "value" if value.is_none() => value = Some(map.next_value::<f64>()?),
                "qualifier" if qualifier.is_none() => {
                    qualifier = Some(map.next_value::<Qualifier>()?);
                }
                "value" | "qualifier" => return Err(de::Error::duplicate_field("value")),
                other => return Err(de::Error::unknown_field(other, &["value", "qualifier"])),
            }
        }
        Ok(Figure {
            value: value.ok_or_else(|| de::Error::missing_field("value"))?,
            qualifier: qualifier.ok_or_else(|| de::Error::missing_field("qualifier"))?,
        })
    }
}

/// The figure's text (`formatted`, already in `lang`'s number format, with its unit) with the
/// qualifier in `lang`: "more than 220,000", "более 220 000", "220 000-нан астам".
pub fn qualified(formatted: &str, qualifier: Qualifier, lang: Lang) -> String {
    match (qualifier, lang) {
        (Qualifier::Exact, _) => formatted.to_owned(),
        (Qualifier::About, Lang::En) => format!("about {formatted}"),
        (Qualifier::About, Lang::Ru) => format!("около {formatted}"),
        (Qualifier::About, Lang::Kk) => format!("шамамен {formatted}"),
        (Qualifier::MoreThan, Lang::En) => format!("more than {formatted}"),
        (Qualifier::MoreThan, Lang::Ru) => format!("более {formatted}"),
        (Qualifier::MoreThan, Lang::Kk) => {
            format!("{formatted}-{} астам", kazakh::ablative(formatted))
        }
        (Qualifier::UpTo, Lang::En) => format!("up to {formatted}"),
        (Qualifier::UpTo, Lang::Ru) => format!("до {formatted}"),
        (Qualifier::UpTo, Lang::Kk) => format!("{formatted}-{} дейін", kazakh::dative(formatted)),
    }
}

/// Kazakh case endings after a figure, chosen by how its last word is read aloud (vowel harmony
/// and the last sound): `30 000` is read "отыз мың", so "30 000-нан"; `3,5 млн` "миллион", so
/// "3,5 млн-ға".
mod kazakh {
    /// How a word ends, for the choice of an ending.
    #[derive(Clone, Copy)]
    enum Ending {
        /// A vowel, or р, л, у, й.
        Vowel,
        /// з, ж.
        Voiced,
        /// м, н, ң.
        Nasal,
        /// A voiceless consonant.
        Voiceless,
    }

    /// The last word's harmony (`true` for front vowels) and ending.
    fn last_word(text: &str) -> (bool, Ending) {
        use Ending::*;
        let word = text
            .rsplit(|c: char| c.is_whitespace() || c == '\u{a0}')
            .next()
            .unwrap_or(text);
        match word {
            "млн" | "трлн" => return (false, Nasal), // миллион, триллион
            "млрд" => return (false, Voiceless),     // миллиард: a final д sounds as т
            "м" | "м²" | "км" => return (true, Vowel), // метр, шаршы метр, километр
            "га" => return (false, Vowel),           // гектар
            "₸" => return (true, Vowel),             // теңге
            "$" => return (false, Vowel),            // доллар
            _ => {}
        }
        if word.contains('/') {
            return (false, Nasal); // "…/жыл" is read "жылына": treat as the noun "жыл"
        }
        // The whole trailing number, its groups included: "220 000", "3,5".
        let is_numeric = |c: char| c.is_ascii_digit() || matches!(c, ' ' | '\u{a0}' | ',' | '.');
        let number = &text[text.trim_end_matches(is_numeric).len()..];
        let (whole, fraction) = number.split_once([',', '.']).unwrap_or((number, ""));
        let digits_of =
            |part: &str| -> Vec<u32> { part.chars().filter_map(|c| c.to_digit(10)).collect() };
        // A decimal fraction is read after the whole part: its last digit decides.
        let digits = if fraction.is_empty() {
            digits_of(whole)
        } else {
            digits_of(fraction)
        };
        let Some(last_nonzero) = digits.iter().rposition(|&d| d != 0) else {
            return (true, Vowel); // нөл
        };
        let zeros = digits.len() - 1 - last_nonzero;
        let digit = digits[last_nonzero];
        match zeros {
            0 => match digit {
                1 => (true, Vowel),     // бір
                2 => (true, Vowel),     // екі
                3 => (true, Voiceless), // үш
                4 => (true, Voiceless), // төрт
                5 => (true, Voiceless), // бес
                6 => (false, Vowel),    // алты
                7 => (true, Vowel),     // жеті
                8 => (true, Voiced),    // сегіз
                _ => (false, Voiced),   // тоғыз
            },
            1 => match digit {
                1 => (false, Nasal),     // он
                2 => (false, Vowel),     // жиырма
                3 => (false, Voiced),    // отыз
                4 => (false, Voiceless), // қырық
                5 => (true, Vowel),      // елу
                6 => (false, Voiceless), // алпыс
                7 => (true, Voiceless),  // жетпіс
                8 => (true, Nasal),      // сексен
                _ => (false, Nasal),     // тоқсан
            },
            2 => (true, Voiced),     // жүз
            3..=5 => (false, Nasal), // мың
            _ => (false, Nasal),     // миллион
        }
    }

    /// "-нан", "-ден", "-тан": from, than.
    pub(super) fn ablative(text: &str) -> &'static str {
        match last_word(text) {
            (false, Ending::Vowel | Ending::Voiced) => "дан",
            (true, Ending::Vowel | Ending::Voiced) => "ден",
            (false, Ending::Nasal) => "нан",
            (true, Ending::Nasal) => "нен",
            (false, Ending::Voiceless) => "тан",
            (true, Ending::Voiceless) => "тен",
        }
    }

    /// "-ға", "-ге", "-қа", "-ке": to, up to.
    pub(super) fn dative(text: &str) -> &'static str {
        match last_word(text) {
            (false, Ending::Voiceless) => "қа",
            (true, Ending::Voiceless) => "ке",
            (false, _) => "ға",
            (true, _) => "ге",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<Figure, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn a_bare_number_is_exact_and_an_object_carries_its_qualifier() {
        assert_eq!(read("900"), Ok(Figure::exact(900.0)));
        assert_eq!(read("3.5"), Ok(Figure::exact(3.5)));
        assert_eq!(
            read(r#"{"value": 220000, "qualifier": "more-than"}"#),
            Ok(Figure {
                value: 220_000.0,
                qualifier: Qualifier::MoreThan
            })
        );
        for code in ["exact", "about", "more-than", "up-to"] {
            assert!(read(&format!(r#"{{"value": 1, "qualifier": "{code}"}}"#)).is_ok());
        }
    }

    #[test]
    fn malformed_figures_are_refused_with_a_reason() {
        let unknown = read(r#"{"value": 1, "qualifier": "roughly"}"#).expect_err("refused");
        assert!(unknown.contains("roughly"), "{unknown}");
        assert!(
            read(r#"{"value": 1}"#)
                .expect_err("refused")
                .contains("qualifier")
        );
        assert!(
            read(r#"{"qualifier": "about"}"#)
                .expect_err("refused")
                .contains("value")
        );
        assert!(
            read(r#"{"value": 1, "qualifier": "about", "unit": "m"}"#)
                .expect_err("refused")
                .contains("unit")
        );
        assert!(read(r#""220000""#).is_err());
    }

    #[test]
    fn figures_round_trip_through_json() {
        for figure in [
            Figure::exact(52_086.0),
            Figure {
                value: 3.5e6,
                qualifier: Qualifier::UpTo,
            },
        ] {
            let json = serde_json::to_string(&figure).expect("json");
            assert_eq!(read(&json), Ok(figure), "{json}");
        }
        assert_eq!(
            serde_json::to_string(&Figure::exact(900.0)).expect("json"),
            "900.0"
        );
    }

    #[test]
    fn the_qualifier_reads_naturally_in_each_language() {
        let more = Qualifier::MoreThan;
        assert_eq!(qualified("220,000", more, Lang::En), "more than 220,000");
        assert_eq!(qualified("220 000", more, Lang::Ru), "более 220 000");
        assert_eq!(qualified("220 000", more, Lang::Kk), "220 000-нан астам");
        assert_eq!(qualified("30 000", more, Lang::Kk), "30 000-нан астам");
        assert_eq!(
            qualified("3 500", Qualifier::About, Lang::Kk),
            "шамамен 3 500"
        );
        assert_eq!(qualified("3 500", more, Lang::Kk), "3 500-ден астам");
        assert_eq!(
            qualified("3,5 млн", Qualifier::UpTo, Lang::Kk),
            "3,5 млн-ға дейін"
        );
        assert_eq!(
            qualified("3,5 млн", Qualifier::UpTo, Lang::Ru),
            "до 3,5 млн"
        );
        assert_eq!(
            qualified("3.5 million", Qualifier::UpTo, Lang::En),
            "up to 3.5 million"
        );
        assert_eq!(qualified("44", Qualifier::Exact, Lang::Kk), "44");
        assert_eq!(qualified("40", more, Lang::Kk), "40-тан астам");
        assert_eq!(qualified("15", Qualifier::UpTo, Lang::Kk), "15-ке дейін");
        assert_eq!(
            qualified("1,8 трлн ₸", more, Lang::Kk),
            "1,8 трлн ₸-ден астам"
        );
        assert_eq!(
            qualified("1,8 млрд", Qualifier::UpTo, Lang::Kk),
            "1,8 млрд-қа дейін"
        );
    }
}
