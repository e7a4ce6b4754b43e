//! What the portfolio panel shows, as plain strings and numbers in one language and currency.
//! The web layer only copies this into the page as text; tests read it natively.

use crate::figure::{Figure, qualified};
use crate::format::{self, Currency};
use crate::i18n::{Key, fill, text};
use crate::lang::Lang;
use crate::snapshot::{Investment, Project, Snapshot};
use crate::timeline::{portfolio_at, project_at, year_of};

/// One headline figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Headline {
    /// Stable id for tests (`projects`, `investment`, `jobs`).
    pub id: &'static str,
    /// The figure, formatted.
    pub value: String,
    /// What it counts.
    pub label: String,
}

/// One bar of a small bar chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// Label.
    pub label: String,
    /// Value shown beside the bar.
    pub value_text: String,
    /// Length relative to the longest bar, 0..=1.
    pub fraction: f64,
    /// Optional `#rrggbb` colour.
    pub colour: Option<String>,
}

/// A link to a source.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceLink {
    /// Publisher and title.
    pub text: String,
    /// Address, when the source has one.
    pub url: Option<String>,
}

/// One row of the project list.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectRow {
    /// Record id.
    pub id: String,
    /// Name.
    pub name: String,
    /// District, status, investment, jobs.
    pub details: String,
}

/// A chart with a heading.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// Heading.
    pub title: String,
    /// Bars, in display order.
    pub bars: Vec<Bar>,
}

/// The whole panel.
#[derive(Clone, Debug, PartialEq)]
pub struct PortfolioView {
    /// Heading.
    pub title: String,
    /// `as of 4 February 2026`.
    pub as_of: String,
    /// Where the headline comes from.
    pub headline_sources: Vec<SourceLink>,
    /// Projects, investment, jobs.
    pub headline: Vec<Headline>,
    /// Label of the currency switch.
    pub currency_label: String,
    /// How amounts in the other currency were converted.
    pub conversion_note: String,
    /// History, by district and by sector.
    pub charts: Vec<Chart>,
    /// Heading of the project list.
    pub projects_title: String,
    /// The named projects standing at the chosen year.
    pub projects: Vec<ProjectRow>,
    /// Says the portfolio's projects are not itemised publicly (no count is derived).
    pub further: String,
    /// The schematic-layout notice.
    pub schematic: String,
    /// Heading of the source list.
    pub sources_title: String,
    /// Every publication the headline and the named projects cite, in snapshot order.
    pub sources: Vec<SourceLink>,
}

/// An investment in the chosen currency, converting with the snapshot's rate when the source
/// gives only the other one (the qualifier travels with it); `None` when neither is disclosed.
pub fn amount_in(investment: &Investment, currency: Currency, kzt_per_usd: f64) -> Option<Figure> {
    convert(investment.kzt, investment.usd, currency, kzt_per_usd)
}

fn convert(
    kzt: Option<Figure>,
    usd: Option<Figure>,
    currency: Currency,
    kzt_per_usd: f64,
) -> Option<Figure> {
    match currency {
        Currency::Kzt => kzt.or(usd.map(|usd| usd.map(|v| v * kzt_per_usd))),
        Currency::Usd => usd.or(kzt.map(|kzt| kzt.map(|v| v / kzt_per_usd))),
    }
}

/// An amount in words with its qualifier: "about 1.8 trillion ₸".
pub fn money_text(amount: Figure, currency: Currency, lang: Lang) -> String {
    qualified(
        &format::money(amount.value, currency, lang),
        amount.qualifier,
        lang,
    )
}

/// The other amounts sources report for `investment`, each with its publisher:
/// "also reported: US$360 million (Trend News Agency)".
pub fn also_reported(
    snapshot: &Snapshot,
    investment: &Investment,
    currency: Currency,
    lang: Lang,
) -> Vec<String> {
    investment
        .also_reported
        .iter()
        .filter_map(|other| {
            let amount = convert(
                other.kzt,
                other.usd,
                currency,
                snapshot.conversion.kzt_per_usd,
            )?;
            let publishers: Vec<&str> = other
                .sources
                .iter()
                .filter_map(|id| snapshot.source(id))
                .map(|source| source.publisher.as_str())
                .collect();
            let line = fill(
                text(Key::AlsoReported, lang),
                "amount",
                &money_text(amount, currency, lang),
            );
            Some(fill(&line, "source", &publishers.join(", ")))
        })
        .collect()
}

fn money_or_undisclosed(amount: Option<Figure>, currency: Currency, lang: Lang) -> String {
    match amount {
        Some(amount) => money_text(amount, currency, lang),
        None => text(Key::NotDisclosed, lang).to_owned(),
    }
}

fn project_row(
    snapshot: &Snapshot,
    project: &Project,
    lang: Lang,
    currency: Currency,
    year: u16,
) -> ProjectRow {
    let district = project
        .district
        .as_ref()
        .and_then(|id| snapshot.district(id))
        .map(|d| d.name.get(lang).to_owned())
        .unwrap_or_else(|| text(Key::Citywide, lang).to_owned());
    let amount = amount_in(
        &project.investment,
        currency,
        snapshot.conversion.kzt_per_usd,
    );
    let mut details = vec![
        district,
        project_at(project, year).stage.label(lang).to_owned(),
        money_or_undisclosed(amount, currency, lang),
    ];
    if let Some(jobs) = project.jobs {
        details.push(format!(
            "{} {}",
            crate::record_view::figure_text(jobs, "", lang),
            text(Key::Jobs, lang)
        ));
    }
    ProjectRow {
        id: project.id.clone(),
        name: project.name.get(lang).to_owned(),
        details: details.join(" · "),
    }
}

fn bars(entries: Vec<(String, f64, String, Option<String>)>) -> Vec<Bar> {
    let longest = entries
        .iter()
        .map(|(_, value, _, _)| *value)
        .fold(0.0, f64::max);
    entries
        .into_iter()
        .map(|(label, value, value_text, colour)| Bar {
            label,
            value_text,
            fraction: if longest > 0.0 { value / longest } else { 0.0 },
            colour,
        })
        .collect()
}

/// A source as the panels cite it: `Publisher: “Title” (date)` with its published title, or
/// `Publisher: topic (date)` in our words when the title is not recorded; and its address.
pub fn source_link(source: &crate::snapshot::Source) -> SourceLink {
    let date = source
        .date
        .as_deref()
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    let title = match &source.title {
        Some(title) => format!("“{title}”"),
        None => source.topic.clone(),
    };
    SourceLink {
        text: format!("{}: {title}{date}", source.publisher),
        url: source.url.clone(),
    }
}

/// The sources of the portfolio and of the named projects, each once, in snapshot order.
fn cited_sources(snapshot: &Snapshot) -> Vec<SourceLink> {
    let cited: std::collections::HashSet<&str> = snapshot
        .portfolio
        .sources
        .iter()
        .chain(snapshot.portfolio.history.iter().flat_map(|p| &p.sources))
        .chain(snapshot.projects.iter().flat_map(|p| &p.sources))
        .map(String::as_str)
        .collect();
    snapshot
        .sources
        .iter()
        .filter(|source| cited.contains(source.id.as_str()))
        .map(source_link)
        .collect()
}

/// How many named projects standing at `year` have `id` in the field `field` picks.
fn count_named(
    snapshot: &Snapshot,
    year: u16,
    field: impl Fn(&Project) -> &Option<String>,
    id: &str,
) -> usize {
    snapshot
        .projects
        .iter()
        .filter(|project| project_at(project, year).stage.is_shown())
        .filter(|project| field(project).as_deref() == Some(id))
        .count()
}

/// A chart entry for a count: label, length, the count as text, colour.
fn count_bar(
    label: &str,
    count: usize,
    colour: Option<String>,
) -> (String, f64, String, Option<String>) {
    (label.to_owned(), count as f64, count.to_string(), colour)
}

/// The headline figures: the portfolio's latest report, or, before it, the last report by the
/// chosen year; none before the first report.
/// The sources of the headline shown at `year`: the latest report's, an earlier report's, or
/// none before the first.
fn headline_source_ids(snapshot: &Snapshot, year: u16) -> &[String] {
    let portfolio = &snapshot.portfolio;
    if year_of(&portfolio.as_of).is_some_and(|latest| latest <= year) {
        return &portfolio.sources;
    }
    portfolio_at(snapshot, year).map_or(&[], |point| point.sources.as_slice())
}

fn headline_at(
    snapshot: &Snapshot,
    lang: Lang,
    currency: Currency,
    year: u16,
) -> (Vec<Headline>, String) {
    let portfolio = &snapshot.portfolio;
    let rate = snapshot.conversion.kzt_per_usd;
    let headline = |projects: u32, investment: Option<Figure>, jobs: Option<Figure>| {
        vec![
            Headline {
                id: "projects",
                value: format::integer(u64::from(projects), lang),
                label: text(Key::Projects, lang).to_owned(),
            },
            Headline {
                id: "investment",
                value: money_or_undisclosed(investment, currency, lang),
                label: text(Key::Investment, lang).to_owned(),
            },
            Headline {
                id: "jobs",
                value: jobs.map_or_else(
                    || text(Key::NotDisclosed, lang).to_owned(),
                    |jobs| crate::record_view::figure_text(jobs, "", lang),
                ),
                label: text(Key::Jobs, lang).to_owned(),
            },
        ]
    };
    if year_of(&portfolio.as_of).is_some_and(|latest| latest <= year) {
        let as_of = fill(
            text(Key::AsOf, lang),
            "date",
            &format::date(&portfolio.as_of, lang),
        );
        let figures = headline(
            portfolio.projects,
            amount_in(&portfolio.investment, currency, rate),
            portfolio.jobs,
        );
        return (figures, as_of);
    }
    match portfolio_at(snapshot, year) {
        Some(point) => {
            let as_of = fill(
                &fill(text(Key::PortfolioAtYear, lang), "year", &year.to_string()),
                "date",
                &format::date(&point.date, lang),
            );
            let investment = convert(point.investment_kzt, None, currency, rate);
            (headline(point.projects, investment, None), as_of)
        }
        None => (
            Vec::new(),
            fill(text(Key::PortfolioNotYet, lang), "year", &year.to_string()),
        ),
    }
}

impl PortfolioView {
    /// Builds the panel for `lang` and `currency` as of the end of `year`.
    pub fn build(snapshot: &Snapshot, lang: Lang, currency: Currency, year: u16) -> PortfolioView {
        let portfolio = &snapshot.portfolio;
        let rate = snapshot.conversion.kzt_per_usd;
        let (headline, as_of) = headline_at(snapshot, lang, currency, year);
        // Some amount is always converted (PepsiCo reports dollars, the history only tenge).
        let conversion_note = fill(
            text(Key::ConvertedAt, lang),
            "rate",
            &format::decimal(rate, 2, lang),
        );

        let history = Chart {
            title: text(Key::History, lang).to_owned(),
            bars: bars(
                portfolio
                    .history
                    .iter()
                    .filter(|point| year_of(&point.date).is_some_and(|y| y <= year))
                    .map(|point| {
                        let count = format::integer(u64::from(point.projects), lang);
                        let value = match convert(point.investment_kzt, None, currency, rate) {
                            Some(amount) => {
                                format!("{count} · {}", money_text(amount, currency, lang))
                            }
                            None => count,
                        };
                        (
                            format::date(&point.date, lang),
                            f64::from(point.projects),
                            value,
                            None,
                        )
                    })
                    .collect(),
            ),
        };
        let by_district = Chart {
            title: text(Key::ByDistrict, lang).to_owned(),
            bars: bars(
                snapshot
                    .districts
                    .iter()
                    .map(|district| {
                        let colour = snapshot
                            .clusters
                            .iter()
                            .find(|c| c.district == district.id)
                            .map(|c| c.colour.clone());
                        count_bar(
                            district.name.get(lang),
                            count_named(snapshot, year, |p| &p.district, &district.id),
                            colour,
                        )
                    })
                    .collect(),
            ),
        };
        let by_sector = Chart {
            title: text(Key::BySector, lang).to_owned(),
            bars: bars(
                snapshot
                    .sectors
                    .iter()
                    .map(|sector| {
                        count_bar(
                            sector.name.get(lang),
                            count_named(snapshot, year, |p| &p.sector, &sector.id),
                            None,
                        )
                    })
                    .collect(),
            ),
        };

        PortfolioView {
            title: text(Key::PortfolioTitle, lang).to_owned(),
            as_of,
            headline_sources: headline_source_ids(snapshot, year)
                .iter()
                .filter_map(|id| snapshot.source(id))
                .map(source_link)
                .collect(),
            headline,
            currency_label: text(Key::Currency, lang).to_owned(),
            conversion_note,
            // Before the first report there is no history to chart.
            charts: [history, by_district, by_sector]
                .into_iter()
                .filter(|chart| !chart.bars.is_empty())
                .collect(),
            projects_title: text(Key::NamedProjects, lang).to_owned(),
            projects: snapshot
                .projects
                .iter()
                .filter(|project| project_at(project, year).stage.is_shown())
                .map(|project| project_row(snapshot, project, lang, currency, year))
                .collect(),
            further: text(Key::NotItemised, lang).to_owned(),
            schematic: text(Key::SchematicLayout, lang).to_owned(),
            sources_title: text(Key::Sources, lang).to_owned(),
            sources: cited_sources(snapshot),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Snapshot {
        crate::bundled_snapshot()
    }

    fn headline(view: &PortfolioView, id: &str) -> String {
        view.headline
            .iter()
            .find(|h| h.id == id)
            .map(|h| h.value.clone())
            .unwrap_or_default()
    }

    #[test]
    fn the_headline_in_english_tenge_keeps_its_qualifiers() {
        let view = PortfolioView::build(&bundled(), Lang::En, Currency::Kzt, 2026);
        assert_eq!(headline(&view, "projects"), "44");
        assert_eq!(
            headline(&view, "investment"),
            "about 1.8\u{a0}trillion\u{a0}₸"
        );
        assert_eq!(headline(&view, "jobs"), "more than 30,000");
        assert_eq!(view.as_of, "as of 3 February 2026");
        assert!(
            view.further.contains("not itemised publicly"),
            "{}",
            view.further
        );
        assert!(
            !view.further.chars().any(|c| c.is_ascii_digit()),
            "no derived count: {}",
            view.further
        );
        assert_eq!(view.headline_sources.len(), 3);
        assert!(view.sources.iter().any(
            |s| s.url.as_deref() == Some("https://www.trend.az/casia/kazakhstan/4141881.html")
        ));
        assert!(
            view.sources
                .iter()
                .any(|s| s.text.contains("“Alatau City takes shape")),
            "a published title is quoted"
        );
    }

    #[test]
    fn the_headline_in_russian_kazakh_and_in_dollars() {
        let view = PortfolioView::build(&bundled(), Lang::Ru, Currency::Kzt, 2026);
        assert_eq!(headline(&view, "investment"), "около 1,8\u{a0}трлн\u{a0}₸");
        assert_eq!(headline(&view, "jobs"), "более 30\u{a0}000");
        let view = PortfolioView::build(&bundled(), Lang::Kk, Currency::Kzt, 2026);
        assert_eq!(headline(&view, "jobs"), "30\u{a0}000-нан астам");
        let view = PortfolioView::build(&bundled(), Lang::En, Currency::Usd, 2026);
        assert_eq!(headline(&view, "investment"), "about US$3.53\u{a0}billion");
        assert!(
            view.conversion_note.contains("509.92"),
            "{}",
            view.conversion_note
        );
    }

    #[test]
    fn before_the_first_report_the_panel_has_no_headline_sources_or_history() {
        let view = PortfolioView::build(&bundled(), Lang::En, Currency::Kzt, 2024);
        assert!(view.headline.is_empty());
        assert!(
            view.headline_sources.is_empty(),
            "{:?}",
            view.headline_sources
        );
        assert!(
            view.charts
                .iter()
                .all(|chart| chart.title != "Portfolio over time"),
            "no empty history chart"
        );
        let view = PortfolioView::build(&bundled(), Lang::En, Currency::Kzt, 2025);
        assert_eq!(
            view.headline_sources.len(),
            1,
            "the November 2025 report's source"
        );
        assert!(
            view.headline_sources[0].text.starts_with("Profit"),
            "{:?}",
            view.headline_sources
        );
    }

    #[test]
    fn the_panel_shows_the_portfolio_as_last_reported_by_the_year() {
        let snapshot = bundled();
        let early = PortfolioView::build(&snapshot, Lang::En, Currency::Kzt, 2024);
        assert!(early.headline.is_empty());
        assert!(early.as_of.contains("2024"), "{}", early.as_of);
        assert_eq!(
            early.charts.len(),
            2,
            "no history yet, only the named projects' charts"
        );
        let later = PortfolioView::build(&snapshot, Lang::En, Currency::Kzt, 2025);
        assert_eq!(headline(&later, "projects"), "42");
        assert_eq!(headline(&later, "jobs"), "not disclosed");
        assert!(later.as_of.contains("November 2025"), "{}", later.as_of);
        assert_eq!(later.charts[0].bars.len(), 1);
        assert!(
            early.projects.len() < later.projects.len(),
            "fewer named projects stand in 2024"
        );
    }

    #[test]
    fn undisclosed_investments_say_so_and_dollars_convert_with_the_snapshot_rate() {
        let view = PortfolioView::build(&bundled(), Lang::En, Currency::Kzt, 2030);
        let row = |id: &str| {
            view.projects
                .iter()
                .find(|p| p.id == id)
                .map(|p| p.details.clone())
                .unwrap_or_default()
        };
        assert_eq!(
            row("iconic-complex"),
            "Gate District · under construction · not disclosed"
        );
        assert_eq!(
            row("pepsico-snack-plant"),
            "Gate District · built or operating · 187.7\u{a0}billion\u{a0}₸ · about 900 jobs"
        );
        let kk = PortfolioView::build(&bundled(), Lang::Kk, Currency::Usd, 2025);
        let pepsico = kk
            .projects
            .iter()
            .find(|p| p.id == "pepsico-snack-plant")
            .map(|p| p.details.clone())
            .unwrap_or_default();
        assert_eq!(
            pepsico,
            "Gate ауданы · салынуда · 368\u{a0}млн\u{a0}$ · шамамен 900 жұмыс орны"
        );
    }

    #[test]
    fn the_charts_count_named_projects_standing_at_the_year() {
        let view = PortfolioView::build(&bundled(), Lang::En, Currency::Kzt, 2030);
        let by_district: Vec<(String, String, f64)> = view.charts[1]
            .bars
            .iter()
            .map(|b| (b.label.clone(), b.value_text.clone(), b.fraction))
            .collect();
        assert_eq!(
            by_district,
            [
                ("Gate District".to_owned(), "4".to_owned(), 1.0),
                ("Golden District".to_owned(), "2".to_owned(), 0.5),
                ("Growing District".to_owned(), "2".to_owned(), 0.5),
                ("Green District".to_owned(), "1".to_owned(), 0.25),
            ]
        );
        let history: Vec<String> = view.charts[0]
            .bars
            .iter()
            .map(|b| b.value_text.clone())
            .collect();
        assert_eq!(history[2], "44 · about 1.8\u{a0}trillion\u{a0}₸");
    }
}
