//! Numbers, money and dates the way each language writes them: `1.8 trillion ₸`, `1,8 трлн ₸`,
//! `30,000`, `30 000`, `4 February 2026`, `4 февраля 2026 г.`.

use crate::lang::Lang;

/// A currency the portfolio can be shown in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Currency {
    /// Kazakhstani tenge.
    #[default]
    Kzt,
    /// US dollar.
    Usd,
}

impl Currency {
    /// `kzt` or `usd`.
    pub fn code(self) -> &'static str {
        match self {
            Currency::Kzt => "kzt",
            Currency::Usd => "usd",
        }
    }

    /// Parses `kzt` or `usd`.
    pub fn from_code(code: &str) -> Option<Currency> {
        match code {
            "kzt" => Some(Currency::Kzt),
            "usd" => Some(Currency::Usd),
            _ => None,
        }
    }
}

/// Non-breaking space: keeps `30 000` and `1,8 трлн ₸` on one line.
const NBSP: char = '\u{a0}';

fn decimal_separator(lang: Lang) -> char {
    match lang {
        Lang::En => '.',
        Lang::Ru | Lang::Kk => ',',
    }
}

fn group_separator(lang: Lang) -> char {
    match lang {
        Lang::En => ',',
        Lang::Ru | Lang::Kk => NBSP,
    }
}

/// A whole number with thousands grouped: `30,000` (en), `30 000` (ru, kk).
pub fn integer(value: u64, lang: Lang) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(group_separator(lang));
        }
        out.push(digit);
    }
    out
}

/// A number with at most `decimals` decimals, trailing zeros dropped, grouped.
pub fn decimal(value: f64, decimals: usize, lang: Lang) -> String {
    if !value.is_finite() {
        return "–".into();
    }
    let fixed = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let fraction = fraction.trim_end_matches('0');
    let whole: u64 = whole.parse().unwrap_or(0);
    let sign = if value < 0.0 && (whole > 0 || !fraction.is_empty()) {
        "-"
    } else {
        ""
    };
    let mut out = format!("{sign}{}", integer(whole, lang));
    if !fraction.is_empty() {
        out.push(decimal_separator(lang));
        out.push_str(fraction);
    }
    out
}

/// A large amount in words: `1.8 trillion ₸`, `1,8 трлн ₸`, `US$3.53 billion`, `3,53 млрд $`.
pub fn money(amount: f64, currency: Currency, lang: Lang) -> String {
    const SCALES: [(f64, [&str; 3]); 3] = [
        (1e12, ["trillion", "трлн", "трлн"]),
        (1e9, ["billion", "млрд", "млрд"]),
        (1e6, ["million", "млн", "млн"]),
    ];
    let (number, unit) = match SCALES.iter().find(|(scale, _)| amount.abs() >= *scale) {
        Some((scale, words)) => {
            let scaled = amount / scale;
            let decimals = if scaled.abs() >= 100.0 { 1 } else { 2 };
            (decimal(scaled, decimals, lang), Some(*words))
        }
        None => (decimal(amount, 0, lang), None),
    };
    let amount_words = match unit {
        Some(words) => format!("{number}{NBSP}{}", lang.pick(words)),
        None => number,
    };
    match (currency, lang) {
        (Currency::Kzt, _) => format!("{amount_words}{NBSP}₸"),
        (Currency::Usd, Lang::En) => format!("US${amount_words}"),
        (Currency::Usd, _) => format!("{amount_words}{NBSP}$"),
    }
}

const MONTHS: [[&str; 12]; 3] = [
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ],
    [
        "қаңтар",
        "ақпан",
        "наурыз",
        "сәуір",
        "мамыр",
        "маусым",
        "шілде",
        "тамыз",
        "қыркүйек",
        "қазан",
        "қараша",
        "желтоқсан",
    ],
];

const MONTHS_RU_NOMINATIVE: [&str; 12] = [
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
];

/// A snapshot date (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) in words; anything else as it is.
pub fn date(text: &str, lang: Lang) -> String {
    let parts: Vec<&str> = text.split('-').collect();
    let year = parts.first().copied().unwrap_or(text);
    let month = parts
        .get(1)
        .and_then(|m| m.parse::<usize>().ok())
        .filter(|m| (1..=12).contains(m));
    let day = parts.get(2).and_then(|d| d.parse::<u32>().ok());
    match (lang, month, day) {
        (_, None, _) if parts.len() == 1 => year.to_owned(),
        (_, None, _) => text.to_owned(),
        (Lang::En, Some(m), Some(d)) => format!("{d} {} {year}", MONTHS[0][m - 1]),
        (Lang::En, Some(m), None) => format!("{} {year}", MONTHS[0][m - 1]),
        (Lang::Ru, Some(m), Some(d)) => format!("{d} {} {year} г.", MONTHS[1][m - 1]),
        (Lang::Ru, Some(m), None) => format!("{} {year} г.", MONTHS_RU_NOMINATIVE[m - 1]),
        (Lang::Kk, Some(m), Some(d)) => format!("{year} жылғы {d} {}", MONTHS[2][m - 1]),
        (Lang::Kk, Some(m), None) => format!("{year} жылғы {}", MONTHS[2][m - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_headline_reads_naturally_in_each_language() {
        assert_eq!(
            money(1.8e12, Currency::Kzt, Lang::En),
            "1.8\u{a0}trillion\u{a0}₸"
        );
        assert_eq!(
            money(1.8e12, Currency::Kzt, Lang::Ru),
            "1,8\u{a0}трлн\u{a0}₸"
        );
        assert_eq!(
            money(1.8e12, Currency::Kzt, Lang::Kk),
            "1,8\u{a0}трлн\u{a0}₸"
        );
        assert_eq!(
            money(3.53e9, Currency::Usd, Lang::En),
            "US$3.53\u{a0}billion"
        );
        assert_eq!(
            money(3.53e9, Currency::Usd, Lang::Ru),
            "3,53\u{a0}млрд\u{a0}$"
        );
        assert_eq!(
            money(365.1e9, Currency::Kzt, Lang::En),
            "365.1\u{a0}billion\u{a0}₸"
        );
        assert_eq!(money(360e6, Currency::Usd, Lang::En), "US$360\u{a0}million");
        assert_eq!(money(5_000.0, Currency::Kzt, Lang::En), "5,000\u{a0}₸");
    }

    #[test]
    fn integers_group_thousands() {
        assert_eq!(integer(30_000, Lang::En), "30,000");
        assert_eq!(integer(30_000, Lang::Ru), "30\u{a0}000");
        assert_eq!(integer(1_870_000, Lang::Kk), "1\u{a0}870\u{a0}000");
        assert_eq!(integer(44, Lang::En), "44");
        assert_eq!(integer(0, Lang::En), "0");
        assert_eq!(decimal(-0.001, 2, Lang::En), "0");
        assert_eq!(decimal(f64::NAN, 2, Lang::En), "–");
    }

    #[test]
    fn dates_read_as_words() {
        assert_eq!(date("2026-02-04", Lang::En), "4 February 2026");
        assert_eq!(date("2026-02-04", Lang::Ru), "4 февраля 2026 г.");
        assert_eq!(date("2026-02-04", Lang::Kk), "2026 жылғы 4 ақпан");
        assert_eq!(date("2025-11", Lang::En), "November 2025");
        assert_eq!(date("2025-11", Lang::Ru), "ноябрь 2025 г.");
        assert_eq!(date("2027", Lang::Kk), "2027");
        assert_eq!(date("garbage", Lang::En), "garbage");
    }

    #[test]
    fn currency_codes_round_trip() {
        for currency in [Currency::Kzt, Currency::Usd] {
            assert_eq!(Currency::from_code(currency.code()), Some(currency));
        }
        assert_eq!(Currency::from_code("eur"), None);
    }
}
