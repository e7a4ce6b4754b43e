//! The three interface languages (English, Russian, Kazakh) and their URL codes.

use serde::{Deserialize, Serialize};

/// An interface language. The code is the one used in the URL hash (`lang=ru`) and `setLang`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English, the default.
    #[default]
    En,
    /// Russian.
    Ru,
    /// Kazakh (Cyrillic script).
    Kk,
}

impl Lang {
    /// Every supported language, in the order the language switch lists them.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Ru, Lang::Kk];

    /// The short code: `en`, `ru` or `kk`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
            Lang::Kk => "kk",
        }
    }

    /// The entry for this language from a table written in the order English, Russian, Kazakh:
    /// the one place a language becomes a column of a translation table.
    pub fn pick<T>(self, [en, ru, kk]: [T; 3]) -> T {
        match self {
            Lang::En => en,
            Lang::Ru => ru,
            Lang::Kk => kk,
        }
    }

    /// Parses a code, ignoring ASCII case and surrounding whitespace; `None` for anything else.
    pub fn from_code(code: &str) -> Option<Lang> {
        let code = code.trim();
        Lang::ALL
            .into_iter()
            .find(|lang| lang.code().eq_ignore_ascii_case(code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_code(lang.code()), Some(lang), "{lang:?}");
        }
    }

    #[test]
    fn codes_ignore_case_and_spaces_but_nothing_else() {
        assert_eq!(Lang::from_code(" RU "), Some(Lang::Ru));
        assert_eq!(
            Lang::from_code("kz"),
            None,
            "kz is a country, kk the language"
        );
        assert_eq!(Lang::from_code(""), None);
        assert_eq!(Lang::from_code("en-US"), None);
    }

    #[test]
    fn pick_takes_the_column_in_en_ru_kk_order() {
        assert_eq!(Lang::En.pick(["a", "b", "c"]), "a");
        assert_eq!(Lang::Ru.pick(["a", "b", "c"]), "b");
        assert_eq!(Lang::Kk.pick(["a", "b", "c"]), "c");
    }

    #[test]
    fn serde_uses_the_url_codes() {
        assert_eq!(
            serde_json::to_string(&Lang::Kk).ok().as_deref(),
            Some("\"kk\"")
        );
    }
}
