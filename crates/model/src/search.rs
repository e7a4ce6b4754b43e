//! Search over the snapshot's records (districts, cluster zones, named projects) by name in all
//! three languages. Matching ignores case and diacritics, Kazakh letters included (`қ` finds `к`,
//! `ё` finds `е`, `é` finds `e`); a name that starts with the query ranks before one with a word
//! that starts with it, which ranks before one that merely contains it.

use crate::lang::Lang;
use crate::record_view::RecordKind;
use crate::snapshot::{I18nText, Snapshot};

/// Most results a search returns.
pub const MAX_RESULTS: usize = 8;

/// How well a name matched; earlier variants rank first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchQuality {
    /// The whole name starts with the query.
    NamePrefix,
    /// A later word of the name starts with the query.
    WordPrefix,
    /// The query is somewhere inside the name.
    Inside,
}

/// One search result, ready to show.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchHit {
    /// Record id, for selection.
    pub id: String,
    /// The record's name in the interface language.
    pub name: String,
    /// "District", "Cluster zone" or "Project", translated.
    pub kind_label: String,
    /// How it matched.
    pub quality: MatchQuality,
}

/// Folds text for matching: lower case, with accents and the letters particular to Kazakh (and
/// `ё`, `й`) mapped to the plain letter a reader would type on a Russian or Latin keyboard.
pub fn fold(input: &str) -> String {
    input
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
            'ç' | 'ć' | 'č' => 'c',
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => 'i',
            'ñ' | 'ń' | 'ň' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => 'o',
            'ś' | 'š' | 'ş' => 's',
            'ù' | 'ú' | 'û' | 'ü' | 'ū' => 'u',
            'ý' | 'ÿ' => 'y',
            'ž' | 'ź' | 'ż' => 'z',
            'ğ' => 'g',
            // Cyrillic: Russian ё and й, and the Kazakh letters.
            'ё' => 'е',
            'й' => 'и',
            'ә' => 'а',
            'ғ' => 'г',
            'қ' => 'к',
            'ң' => 'н',
            'ө' => 'о',
            'ұ' | 'ү' => 'у',
            'һ' => 'х',
            'і' => 'и',
            // Dashes, quotes and the like separate words.
            c if c.is_alphanumeric() => c,
            _ => ' ',
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// How `name` (already folded) matches `query` (already folded and not empty).
fn match_quality(name: &str, query: &str) -> Option<MatchQuality> {
    if name.starts_with(query) {
        Some(MatchQuality::NamePrefix)
    } else if name
        .match_indices(query)
        .any(|(at, _)| name[..at].ends_with(' '))
    {
        Some(MatchQuality::WordPrefix)
    } else if name.contains(query) {
        Some(MatchQuality::Inside)
    } else {
        None
    }
}

/// The best match of `query` against a name in any of the three languages.
fn best_match(name: &I18nText, query: &str) -> Option<MatchQuality> {
    Lang::ALL
        .iter()
        .filter_map(|&lang| match_quality(&fold(name.get(lang)), query))
        .min()
}

/// Every record with a name: (id, name, kind).
fn named_records(snapshot: &Snapshot) -> impl Iterator<Item = (&str, &I18nText, RecordKind)> {
    let districts = snapshot
        .districts
        .iter()
        .map(|d| (d.id.as_str(), &d.name, RecordKind::District));
    let clusters = snapshot
        .clusters
        .iter()
        .map(|c| (c.id.as_str(), &c.name, RecordKind::Cluster));
    let projects = snapshot
        .projects
        .iter()
        .map(|p| (p.id.as_str(), &p.name, RecordKind::Project));
    districts.chain(clusters).chain(projects)
}

/// The records whose names match `query`, best first (then by name in `lang`), at most
/// [`MAX_RESULTS`]. An empty or blank query finds nothing.
pub fn search(snapshot: &Snapshot, query: &str, lang: Lang) -> Vec<SearchHit> {
    let query = fold(query);
    if query.is_empty() {
        return Vec::new();
    }
    let mut hits: Vec<SearchHit> = named_records(snapshot)
        .filter_map(|(id, name, kind)| {
            Some(SearchHit {
                id: id.to_owned(),
                name: name.get(lang).to_owned(),
                kind_label: kind.label(lang).to_owned(),
                quality: best_match(name, &query)?,
            })
        })
        .collect();
    hits.sort_by(|a, b| {
        a.quality
            .cmp(&b.quality)
            .then_with(|| fold(&a.name).cmp(&fold(&b.name)))
    });
    hits.truncate(MAX_RESULTS);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Key, text};

    fn snapshot() -> Snapshot {
        crate::bundled_snapshot()
    }

    fn ids(hits: &[SearchHit]) -> Vec<&str> {
        hits.iter().map(|hit| hit.id.as_str()).collect()
    }

    #[test]
    fn folding_ignores_case_accents_and_kazakh_letters() {
        assert_eq!(fold("  KAIST   Kazakhstan "), "kaist kazakhstan");
        assert_eq!(fold("Café Crème"), "cafe creme");
        assert_eq!(fold("Қонаев"), "конаев");
        assert_eq!(fold("Алатау-Ёлка"), "алатау елка");
        assert_eq!(
            fold("Өңірлік Ғылым Әуежай Ұлы Үй Һ і"),
            "онирлик гылым ауежаи улы уи х и"
        );
        assert_eq!(fold("—"), "");
    }

    #[test]
    fn kaist_is_found_by_any_case_and_prefix() {
        for query in ["KAIST", "kaist", "Kais", " kaIST "] {
            let hits = search(&snapshot(), query, Lang::En);
            assert_eq!(
                hits.first().map(|hit| hit.id.as_str()),
                Some("kaist-kazakhstan"),
                "query {query:?} gave {:?}",
                ids(&hits)
            );
            assert_eq!(hits[0].quality, MatchQuality::NamePrefix);
            assert_eq!(hits[0].kind_label, "Project");
        }
    }

    #[test]
    fn names_match_in_every_language_and_show_in_the_interface_language() {
        let snapshot = snapshot();
        let gate = snapshot
            .district("gate-district")
            .expect("the Gate District");
        for lang in Lang::ALL {
            let name = gate.name.get(lang);
            let hits = search(&snapshot, name, Lang::En);
            assert!(
                ids(&hits).contains(&"gate-district"),
                "{lang:?} name {name:?} gave {:?}",
                ids(&hits)
            );
        }
        let in_kazakh = search(&snapshot, &gate.name.en, Lang::Kk);
        let hit = in_kazakh
            .iter()
            .find(|hit| hit.id == "gate-district")
            .expect("found");
        assert_eq!(hit.name, gate.name.kk);
        assert_eq!(hit.kind_label, text(Key::KindDistrict, Lang::Kk));
    }

    #[test]
    fn kazakh_names_match_without_kazakh_letters() {
        let snapshot = snapshot();
        // Every Kazakh name is found when typed on a Russian keyboard (folded letters).
        for (id, name, _) in named_records(&snapshot) {
            let typed: String = name
                .kk
                .chars()
                .map(|c| match c {
                    'қ' => 'к',
                    'Қ' => 'К',
                    'ә' => 'а',
                    'ө' => 'о',
                    'ұ' | 'ү' => 'у',
                    'ң' => 'н',
                    'ғ' => 'г',
                    'і' => 'и',
                    other => other,
                })
                .collect();
            let hits = search(&snapshot, &typed, Lang::Kk);
            assert!(
                ids(&hits).contains(&id),
                "{typed:?} did not find {id}: {:?}",
                ids(&hits)
            );
        }
    }

    #[test]
    fn prefix_matches_rank_before_word_and_inner_matches() {
        assert_eq!(
            match_quality("iconic complex", "ic"),
            Some(MatchQuality::NamePrefix)
        );
        assert_eq!(
            match_quality("the iconic complex", "ic"),
            Some(MatchQuality::WordPrefix)
        );
        assert_eq!(
            match_quality("logistics hub", "ic"),
            Some(MatchQuality::Inside)
        );
        assert_eq!(match_quality("logistics hub", "xyz"), None);

        let hits = search(&snapshot(), "g", Lang::En);
        assert!(!hits.is_empty());
        let qualities: Vec<MatchQuality> = hits.iter().map(|hit| hit.quality).collect();
        let mut sorted = qualities.clone();
        sorted.sort();
        assert_eq!(qualities, sorted, "results are ranked by match quality");
        assert!(hits.len() <= MAX_RESULTS);
    }

    #[test]
    fn nothing_is_found_for_blank_or_unknown_queries() {
        let snapshot = snapshot();
        assert!(search(&snapshot, "", Lang::En).is_empty());
        assert!(search(&snapshot, "  -- ", Lang::En).is_empty());
        assert!(search(&snapshot, "zzzz-no-such-place", Lang::Ru).is_empty());
        assert!(search(&snapshot, "<script>", Lang::En).is_empty());
    }
}
