//! What the portfolio panel shows, as plain strings and numbers in one language and currency.
//! The web layer only copies this into the page as text; tests read it natively.

use crate::format::{self, Currency};
use crate::i18n::{self, Key, fill, text};
use crate::lang::Lang;
use crate::snapshot::{Investment, Project, Snapshot};

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
    /// The named projects in the portfolio.
    pub projects: Vec<ProjectRow>,
    /// `36 further projects not itemised in public sources`.
    pub further: String,
    /// The schematic-layout notice.
    pub schematic: String,
    /// Heading of the source list.
    pub sources_title: String,
    /// Every publication the headline and the named projects cite, in snapshot order.
    pub sources: Vec<SourceLink>,
}

/// An investment in the chosen currency, converting with the snapshot's rate when the source
/// gives only the other one; `None` when neither is disclosed.
pub fn amount_in(investment: &Investment, currency: Currency, kzt_per_usd: f64) -> Option<f64> {
    match currency {
        Currency::Kzt => investment
            .kzt
            .or(investment.usd.map(|usd| usd * kzt_per_usd)),
        Currency::Usd => investment
            .usd
            .or(investment.kzt.map(|kzt| kzt / kzt_per_usd)),
    }
}

fn money_or_undisclosed(amount: Option<f64>, currency: Currency, lang: Lang) -> String {
    match amount {
        Some(amount) => format::money(amount, currency, lang),
        None => text(Key::NotDisclosed, lang).to_owned(),
    }
}

fn project_row(
    snapshot: &Snapshot,
    project: &Project,
    lang: Lang,
    currency: Currency,
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
        i18n::status(project.status, lang).to_owned(),
        money_or_undisclosed(amount, currency, lang),
    ];
    if let Some(jobs) = project.jobs {
        details.push(format!(
            "{} {}",
            format::integer(u64::from(jobs), lang),
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

/// A source as the panels cite it: `Publisher: Title (date)` and its address.
pub fn source_link(source: &crate::snapshot::Source) -> SourceLink {
    let date = source
        .date
        .as_deref()
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    SourceLink {
        text: format!("{}: {}{date}", source.publisher, source.title),
        url: source.url.clone(),
    }
}

/// The sources of the portfolio and of the itemised projects, each once, in snapshot order.
fn cited_sources(snapshot: &Snapshot) -> Vec<SourceLink> {
    let cited: std::collections::HashSet<&str> = snapshot
        .portfolio
        .sources
        .iter()
        .chain(snapshot.portfolio.history.iter().flat_map(|p| &p.sources))
        .chain(snapshot.itemised_projects().flat_map(|p| &p.sources))
        .map(String::as_str)
        .collect();
    snapshot
        .sources
        .iter()
        .filter(|source| cited.contains(source.id.as_str()))
        .map(source_link)
        .collect()
}

/// How many itemised projects have `id` in the field `field` picks.
fn count_named(
    snapshot: &Snapshot,
    field: impl Fn(&Project) -> &Option<String>,
    id: &str,
) -> usize {
    snapshot
        .itemised_projects()
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

impl PortfolioView {
    /// Builds the panel for `lang` and `currency`.
    pub fn build(snapshot: &Snapshot, lang: Lang, currency: Currency) -> PortfolioView {
        let portfolio = &snapshot.portfolio;
        let rate = snapshot.conversion.kzt_per_usd;
        let headline = vec![
            Headline {
                id: "projects",
                value: format::integer(u64::from(portfolio.projects), lang),
                label: text(Key::Projects, lang).to_owned(),
            },
            Headline {
                id: "investment",
                value: money_or_undisclosed(
                    amount_in(&portfolio.investment, currency, rate),
                    currency,
                    lang,
                ),
                label: text(Key::Investment, lang).to_owned(),
            },
            Headline {
                id: "jobs",
                value: match portfolio.jobs_min {
                    Some(jobs) => format!("{}+", format::integer(u64::from(jobs), lang)),
                    None => text(Key::NotDisclosed, lang).to_owned(),
                },
                label: text(Key::Jobs, lang).to_owned(),
            },
        ];
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
                    .map(|point| {
                        let value = match point.investment_kzt {
                            Some(kzt) => format!(
                                "{} · {}",
                                format::integer(u64::from(point.projects), lang),
                                money_or_undisclosed(
                                    amount_in(
                                        &Investment {
                                            kzt: Some(kzt),
                                            usd: None
                                        },
                                        currency,
                                        rate
                                    ),
                                    currency,
                                    lang
                                )
                            ),
                            None => format::integer(u64::from(point.projects), lang),
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
                            count_named(snapshot, |p| &p.district, &district.id),
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
                            count_named(snapshot, |p| &p.sector, &sector.id),
                            None,
                        )
                    })
                    .collect(),
            ),
        };

        PortfolioView {
            title: text(Key::PortfolioTitle, lang).to_owned(),
            as_of: fill(
                text(Key::AsOf, lang),
                "date",
                &format::date(&portfolio.as_of, lang),
            ),
            headline_sources: portfolio
                .sources
                .iter()
                .filter_map(|id| snapshot.source(id))
                .map(source_link)
                .collect(),
            headline,
            currency_label: text(Key::Currency, lang).to_owned(),
            conversion_note,
            charts: vec![history, by_district, by_sector],
            projects_title: text(Key::NamedProjects, lang).to_owned(),
            projects: snapshot
                .itemised_projects()
                .map(|project| project_row(snapshot, project, lang, currency))
                .collect(),
            further: fill(
                text(Key::FurtherProjects, lang),
                "n",
                &format::integer(u64::from(snapshot.unitemised_project_count()), lang),
            ),
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
    fn the_headline_in_english_tenge() {
        let view = PortfolioView::build(&bundled(), Lang::En, Currency::Kzt);
        assert_eq!(headline(&view, "projects"), "44");
        assert_eq!(headline(&view, "investment"), "1.8\u{a0}trillion\u{a0}₸");
        assert_eq!(headline(&view, "jobs"), "30,000+");
        assert_eq!(view.as_of, "as of 4 February 2026");
        assert_eq!(
            view.further,
            "36 further projects not itemised in public sources"
        );
        assert_eq!(view.projects.len(), 8);
        assert_eq!(view.headline_sources.len(), 1);
        assert!(view.sources.iter().any(
            |s| s.url.as_deref() == Some("https://www.trend.az/casia/kazakhstan/4141881.html")
        ));
        assert!(
            view.sources.iter().all(|s| !s.text.contains("caspian.kz")),
            "uncited sources are left out"
        );
    }

    #[test]
    fn the_headline_in_russian_and_in_dollars() {
        let view = PortfolioView::build(&bundled(), Lang::Ru, Currency::Kzt);
        assert_eq!(headline(&view, "investment"), "1,8\u{a0}трлн\u{a0}₸");
        assert_eq!(headline(&view, "jobs"), "30\u{a0}000+");
        let view = PortfolioView::build(&bundled(), Lang::En, Currency::Usd);
        assert_eq!(headline(&view, "investment"), "US$3.53\u{a0}billion");
        assert!(
            view.conversion_note.contains("509.92"),
            "{}",
            view.conversion_note
        );
    }

    #[test]
    fn undisclosed_investments_say_so_and_dollars_convert_with_the_snapshot_rate() {
        let view = PortfolioView::build(&bundled(), Lang::En, Currency::Kzt);
        let row = |id: &str| {
            view.projects
                .iter()
                .find(|p| p.id == id)
                .map(|p| p.details.clone())
                .unwrap_or_default()
        };
        assert_eq!(
            row("iconic-complex"),
            "Gate District · Planned · not disclosed"
        );
        assert_eq!(
            row("pepsico-snack-plant"),
            "Gate District · Under construction · 183.6\u{a0}billion\u{a0}₸ · 900 jobs"
        );
        let kk = PortfolioView::build(&bundled(), Lang::Kk, Currency::Usd);
        let pepsico = kk
            .projects
            .iter()
            .find(|p| p.id == "pepsico-snack-plant")
            .map(|p| p.details.clone())
            .unwrap_or_default();
        assert_eq!(
            pepsico,
            "Gate ауданы · Салынуда · 360\u{a0}млн\u{a0}$ · 900 жұмыс орны"
        );
    }

    #[test]
    fn the_charts_count_named_projects_and_scale_to_the_longest_bar() {
        let view = PortfolioView::build(&bundled(), Lang::En, Currency::Kzt);
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
                ("Green District".to_owned(), "0".to_owned(), 0.0),
            ]
        );
        let history: Vec<String> = view.charts[0]
            .bars
            .iter()
            .map(|b| b.value_text.clone())
            .collect();
        assert_eq!(history[2], "44 · 1.8\u{a0}trillion\u{a0}₸");
    }
}
