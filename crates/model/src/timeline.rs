//! The city at a year from 2024 to 2050, from dated, sourced milestones only: where each named
//! project stands at a year, which milestones have passed, and the portfolio and population as
//! last reported by then. Nothing is placed at a guessed year: a stage a date does not support
//! is [`Stage::Unknown`], and a future stage says it is a plan.
//!
//! "At a year" means at the end of that year: a date counts once its year is reached.

use crate::i18n::{Key, fill, text};
use crate::lang::Lang;
use crate::snapshot::{
    MilestoneKind, PopulationCount, PortfolioPoint, Project, Snapshot, SourcedDate, Status,
};

/// The first year of the timeline.
pub const FIRST_YEAR: u16 = 2024;
/// The last year of the timeline: the city's completion.
pub const LAST_YEAR: u16 = 2050;

/// The present on the timeline: the year the snapshot was compiled, within the timeline.
pub fn present_year(snapshot: &Snapshot) -> u16 {
    year_of(&snapshot.snapshot_date)
        .unwrap_or(FIRST_YEAR)
        .clamp(FIRST_YEAR, LAST_YEAR)
}

/// A year on the timeline from its text in the URL or the API (`"2030"`), when in range.
pub fn parse_year(text: &str) -> Option<u16> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) || text.len() > 4 {
        return None;
    }
    text.parse::<u16>()
        .ok()
        .filter(|year| (FIRST_YEAR..=LAST_YEAR).contains(year))
}

/// The year of a snapshot date (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`).
pub fn year_of(date: &str) -> Option<u16> {
    date.get(..4)?.parse().ok()
}

fn by(date: &str, year: u16) -> bool {
    year_of(date).is_some_and(|y| y <= year)
}

/// A project's stage at a year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Not named by any source yet: not on the map at that year.
    NotYet,
    /// No published date says where it stood (its announcement date is not published).
    Unknown,
    /// Announced or planned: a light outline.
    Planned,
    /// Being built.
    UnderConstruction,
    /// Built, or operating.
    Built,
}

impl Stage {
    /// The stage's code, for CSS classes, `state()` and tests.
    pub fn code(self) -> &'static str {
        match self {
            Stage::NotYet => "not-yet",
            Stage::Unknown => "undated",
            Stage::Planned => "planned",
            Stage::UnderConstruction => "under-construction",
            Stage::Built => "built",
        }
    }

    /// The stage in words.
    pub fn label(self, lang: Lang) -> &'static str {
        text(
            match self {
                Stage::NotYet => Key::StageNotYet,
                Stage::Unknown => Key::StageUndated,
                Stage::Planned => Key::StagePlanned,
                Stage::UnderConstruction => Key::StageUnderConstruction,
                Stage::Built => Key::StageBuilt,
            },
            lang,
        )
    }

    /// Whether the project stands on the map at that year.
    pub fn is_shown(self) -> bool {
        self != Stage::NotYet
    }
}

/// The stages a legend lists, in order.
pub const SHOWN_STAGES: [Stage; 4] = [
    Stage::Planned,
    Stage::UnderConstruction,
    Stage::Built,
    Stage::Unknown,
];

/// The stage a reported status means.
pub fn stage_of(status: Status) -> Stage {
    match status {
        Status::Announced | Status::Planned => Stage::Planned,
        Status::UnderConstruction => Stage::UnderConstruction,
        Status::Expanding | Status::Operating => Stage::Built,
    }
}

/// Where a project stands at a year, and on what grounds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectAtYear {
    /// Its stage.
    pub stage: Stage,
    /// The date that puts it there (a report, a start, a planned completion), if any.
    pub since: Option<String>,
    /// The stage is ahead of what sources report: it is the plan, not a fact.
    pub as_planned: bool,
    /// Under construction with no published completion date.
    pub completion_unknown: bool,
}

/// Where `project` stands at the end of `year`.
pub fn project_at(project: &Project, year: u16) -> ProjectAtYear {
    let dates = &project.dates;
    let reported = stage_of(project.status);
    let dated = |date: &Option<SourcedDate>| {
        date.as_ref()
            .filter(|d| by(&d.date, year))
            .map(|d| d.date.clone())
    };
    let from_dates = if let Some(date) = dated(&dates.completion_planned) {
        Some((Stage::Built, date))
    } else if let Some(date) = dated(&dates.construction_start) {
        Some((Stage::UnderConstruction, date))
    } else {
        dated(&dates.announced).map(|date| (Stage::Planned, date))
    };
    let from_report =
        by(&project.status_as_of, year).then(|| (reported, project.status_as_of.clone()));
    let chosen = match (from_dates, from_report) {
        (Some(d), Some(r)) => Some(if r.0 >= d.0 { r } else { d }),
        (d, r) => d.or(r),
    };
    let Some((stage, since)) = chosen else {
        let stage = if dates.announced.is_some() {
            Stage::NotYet
        } else {
            Stage::Unknown
        };
        return ProjectAtYear {
            stage,
            since: None,
            as_planned: false,
            completion_unknown: false,
        };
    };
    ProjectAtYear {
        stage,
        since: Some(since),
        as_planned: stage > reported,
        completion_unknown: stage == Stage::UnderConstruction && dates.completion_planned.is_none(),
    }
}

/// The panel's line for a project at a year: "In 2030: built (as planned, from autumn 2027)".
pub fn describe_project_at(project: &Project, year: u16, lang: Lang) -> String {
    let at = project_at(project, year);
    let mut line = fill(text(Key::StageInYear, lang), "year", &year.to_string());
    line = fill(&line, "stage", at.stage.label(lang));
    let mut notes = Vec::new();
    match at.stage {
        Stage::NotYet => {
            if let Some(announced) = &project.dates.announced {
                notes.push(fill(
                    text(Key::FirstNamedOn, lang),
                    "date",
                    &crate::format::date(&announced.date, lang),
                ));
            }
        }
        Stage::Unknown => notes.push(text(Key::AnnouncementNotPublished, lang).to_owned()),
        _ => {
            if let Some(since) = &at.since {
                let key = if at.as_planned {
                    Key::AsPlannedFrom
                } else {
                    Key::ReportedFrom
                };
                notes.push(fill(
                    text(key, lang),
                    "date",
                    &crate::format::date(since, lang),
                ));
            }
        }
    }
    if at.completion_unknown {
        notes.push(text(Key::CompletionNotPublished, lang).to_owned());
    }
    if notes.is_empty() {
        line
    } else {
        format!("{line} ({})", notes.join("; "))
    }
}

/// What a timeline entry is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// A city milestone of this kind.
    City(MilestoneKind),
    /// A named project's announcement, start or planned completion.
    Project,
    /// A portfolio figure.
    Portfolio,
    /// A population count.
    Population,
}

impl EntryKind {
    /// The kind's code, for CSS classes and tests.
    pub fn code(self) -> &'static str {
        match self {
            EntryKind::City(MilestoneKind::Status) => "status",
            EntryKind::City(MilestoneKind::Plan) => "plan",
            EntryKind::City(MilestoneKind::Law) => "law",
            EntryKind::City(MilestoneKind::Infrastructure) => "infrastructure",
            EntryKind::City(MilestoneKind::Investment) => "investment",
            EntryKind::Project => "project",
            EntryKind::Portfolio => "portfolio",
            EntryKind::Population => "population",
        }
    }
}

/// One dated line of the milestone list, in one language.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The snapshot date.
    pub date: String,
    /// The date in words.
    pub date_text: String,
    /// What happens.
    pub text: String,
    /// What it is about.
    pub kind: EntryKind,
    /// A planned date (after the snapshot was compiled).
    pub planned: bool,
    /// The record it concerns, when a project.
    pub record: Option<String>,
    /// Source ids.
    pub sources: Vec<String>,
}

/// A project's published dates (announced, construction start, planned completion), each with
/// its event in `lang`: "K-Park: construction starts".
pub fn project_dates(
    project: &Project,
    lang: Lang,
) -> impl Iterator<Item = (&crate::snapshot::SourcedDate, String)> {
    let name = project.name.get(lang);
    [
        (&project.dates.announced, Key::EntryAnnounced),
        (
            &project.dates.construction_start,
            Key::EntryConstructionStart,
        ),
        (&project.dates.completion_planned, Key::EntryCompletion),
    ]
    .into_iter()
    .filter_map(move |(date, key)| Some((date.as_ref()?, fill(text(key, lang), "name", name))))
}

fn project_entries(snapshot: &Snapshot, project: &Project, lang: Lang) -> Vec<Entry> {
    project_dates(project, lang)
        .map(|(date, event)| Entry {
            date: date.date.clone(),
            date_text: crate::format::date(&date.date, lang),
            text: event,
            kind: EntryKind::Project,
            planned: is_planned(snapshot, &date.date),
            record: Some(project.id.clone()),
            sources: date.sources.clone(),
        })
        .collect()
}

fn is_planned(snapshot: &Snapshot, date: &str) -> bool {
    date > snapshot.snapshot_date.as_str()
}

fn portfolio_entry(point: &PortfolioPoint, lang: Lang) -> Entry {
    let count = crate::format::integer(u64::from(point.projects), lang);
    let mut line = fill(text(Key::EntryPortfolio, lang), "n", &count);
    if let Some(kzt) = point.investment_kzt {
        let amount = crate::format::money(kzt.value, crate::format::Currency::Kzt, lang);
        line = format!(
            "{line}, {}",
            crate::figure::qualified(&amount, kzt.qualifier, lang)
        );
    }
    Entry {
        date: point.date.clone(),
        date_text: crate::format::date(&point.date, lang),
        text: line,
        kind: EntryKind::Portfolio,
        planned: false,
        record: None,
        sources: point.sources.clone(),
    }
}

fn population_entry(count: &PopulationCount, lang: Lang) -> Entry {
    let residents = crate::figure::qualified(
        &crate::format::integer(count.residents.value.max(0.0) as u64, lang),
        count.residents.qualifier,
        lang,
    );
    Entry {
        date: count.date.clone(),
        date_text: crate::format::date(&count.date, lang),
        text: fill(text(Key::EntryPopulation, lang), "n", &residents),
        kind: EntryKind::Population,
        planned: false,
        record: None,
        sources: count.sources.clone(),
    }
}

/// Every dated entry of the snapshot in `lang`, oldest first (ties keep the snapshot's order:
/// city milestones, then projects, the portfolio and the population).
pub fn entries(snapshot: &Snapshot, lang: Lang) -> Vec<Entry> {
    let mut all: Vec<Entry> = snapshot
        .milestones
        .iter()
        .map(|milestone| Entry {
            date: milestone.date.clone(),
            date_text: crate::format::date(&milestone.date, lang),
            text: milestone.event.get(lang).to_owned(),
            kind: EntryKind::City(milestone.kind),
            planned: is_planned(snapshot, &milestone.date),
            record: None,
            sources: milestone.sources.clone(),
        })
        .collect();
    for project in &snapshot.projects {
        all.extend(project_entries(snapshot, project, lang));
    }
    all.extend(
        snapshot
            .portfolio
            .history
            .iter()
            .map(|point| portfolio_entry(point, lang)),
    );
    all.extend(
        snapshot
            .city
            .population
            .iter()
            .map(|count| population_entry(count, lang)),
    );
    all.sort_by(|a, b| a.date.cmp(&b.date));
    all
}

/// The entries up to the end of `year`, oldest first.
pub fn entries_until(snapshot: &Snapshot, year: u16, lang: Lang) -> Vec<Entry> {
    entries(snapshot, lang)
        .into_iter()
        .filter(|entry| by(&entry.date, year))
        .collect()
}

/// The years in range that have at least one entry: the slider's ticks.
pub fn tick_years(snapshot: &Snapshot) -> Vec<u16> {
    let mut years: Vec<u16> = entries(snapshot, Lang::En)
        .iter()
        .filter_map(|entry| year_of(&entry.date))
        .filter(|year| (FIRST_YEAR..=LAST_YEAR).contains(year))
        .collect();
    years.sort_unstable();
    years.dedup();
    years
}

/// The portfolio as last reported by the end of `year`: `None` before its first report.
pub fn portfolio_at(snapshot: &Snapshot, year: u16) -> Option<&PortfolioPoint> {
    snapshot
        .portfolio
        .history
        .iter()
        .rev()
        .find(|point| by(&point.date, year))
}

/// The population as last counted by the end of `year`.
pub fn population_at(snapshot: &Snapshot, year: u16) -> Option<&PopulationCount> {
    snapshot
        .city
        .population
        .iter()
        .rev()
        .find(|count| by(&count.date, year))
}

/// How many named projects are at each stage at `year`: (stage, count) for the shown stages.
pub fn stage_counts(snapshot: &Snapshot, year: u16) -> Vec<(Stage, usize)> {
    SHOWN_STAGES
        .iter()
        .map(|&stage| {
            let count = snapshot
                .projects
                .iter()
                .filter(|project| project_at(project, year).stage == stage)
                .count();
            (stage, count)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::ProjectDates;

    fn bundled() -> Snapshot {
        crate::bundled_snapshot()
    }

    fn sourced(date: &str) -> Option<SourcedDate> {
        Some(SourcedDate {
            date: date.into(),
            sources: vec!["s".into()],
        })
    }

    fn project(status: Status, as_of: &str, dates: ProjectDates) -> Project {
        let mut project = bundled().projects[0].clone();
        project.status = status;
        project.status_as_of = as_of.into();
        project.dates = dates;
        project
    }

    #[test]
    fn years_parse_only_within_the_timeline() {
        assert_eq!(parse_year("2030"), Some(2030));
        assert_eq!(parse_year(" 2024 "), Some(2024));
        assert_eq!(parse_year("2050"), Some(2050));
        for bad in [
            "abc", "2023", "2051", "", "20300", "-2030", "2030.5", "+2030",
        ] {
            assert_eq!(parse_year(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_project_moves_through_its_dated_stages() {
        let pepsico = project(
            Status::UnderConstruction,
            "2026-01-15",
            ProjectDates {
                announced: sourced("2025-06-17"),
                construction_start: sourced("2025-09"),
                completion_planned: sourced("2026-06"),
            },
        );
        assert_eq!(project_at(&pepsico, 2024).stage, Stage::NotYet);
        let at_2025 = project_at(&pepsico, 2025);
        assert_eq!(at_2025.stage, Stage::UnderConstruction);
        assert!(!at_2025.as_planned, "the start is reported");
        let at_2030 = project_at(&pepsico, 2030);
        assert_eq!(at_2030.stage, Stage::Built);
        assert!(at_2030.as_planned, "no source reports the launch");
        assert_eq!(at_2030.since.as_deref(), Some("2026-06"));
    }

    #[test]
    fn without_dates_a_project_is_unknown_until_its_report_and_never_guessed() {
        let undated = project(
            Status::UnderConstruction,
            "2025-09-12",
            ProjectDates::default(),
        );
        assert_eq!(project_at(&undated, 2024).stage, Stage::Unknown);
        let later = project_at(&undated, 2040);
        assert_eq!(later.stage, Stage::UnderConstruction, "stays as reported");
        assert!(later.completion_unknown);
        assert!(!later.as_planned);
    }

    #[test]
    fn a_report_ahead_of_the_dates_wins() {
        let operating = project(
            Status::Operating,
            "2024-05-31",
            ProjectDates {
                announced: sourced("2024-01"),
                ..ProjectDates::default()
            },
        );
        assert_eq!(project_at(&operating, 2024).stage, Stage::Built);
        assert!(!project_at(&operating, 2024).as_planned);
    }

    #[test]
    fn fewer_projects_stand_in_2024_than_in_2030() {
        let snapshot = bundled();
        let standing = |year| {
            snapshot
                .projects
                .iter()
                .filter(|p| {
                    matches!(
                        project_at(p, year).stage,
                        Stage::UnderConstruction | Stage::Built
                    )
                })
                .count()
        };
        assert!(
            standing(2024) < standing(2030),
            "{} vs {}",
            standing(2024),
            standing(2030)
        );
        assert!(
            standing(2024) >= 1,
            "the logistics centre was being built in 2024"
        );
    }

    #[test]
    fn the_portfolio_and_population_are_as_last_reported() {
        let snapshot = bundled();
        assert_eq!(portfolio_at(&snapshot, 2024), None);
        assert_eq!(portfolio_at(&snapshot, 2025).map(|p| p.projects), Some(42));
        assert_eq!(portfolio_at(&snapshot, 2026).map(|p| p.projects), Some(44));
        assert_eq!(portfolio_at(&snapshot, 2050).map(|p| p.projects), Some(44));
        assert_eq!(
            population_at(&snapshot, 2024).map(|c| c.residents.value),
            Some(52_086.0)
        );
        assert_eq!(
            population_at(&snapshot, 2030).map(|c| c.residents.value),
            Some(54_747.0)
        );
    }

    #[test]
    fn entries_are_in_order_and_the_list_grows_with_the_year() {
        let snapshot = bundled();
        let all = entries(&snapshot, Lang::En);
        assert!(all.windows(2).all(|w| w[0].date <= w[1].date));
        let early = entries_until(&snapshot, 2024, Lang::En).len();
        let later = entries_until(&snapshot, 2030, Lang::En).len();
        assert!(0 < early && early < later && later <= all.len());
        assert!(
            all.iter().all(|entry| !entry.sources.is_empty()),
            "every entry is sourced"
        );
        let ticks = tick_years(&snapshot);
        assert!(ticks.contains(&2024) && ticks.contains(&2026) && ticks.contains(&2050));
        assert!(ticks.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn the_panel_line_says_when_a_stage_is_a_plan_or_undated() {
        let snapshot = bundled();
        let pepsico = snapshot
            .project("pepsico-snack-plant")
            .expect("pepsico-snack-plant");
        let line = describe_project_at(pepsico, 2030, Lang::En);
        assert!(line.starts_with("In 2030: built"), "{line}");
        assert!(line.contains("as planned"), "{line}");
        let k_park = snapshot.project("k-park").expect("k-park");
        let line = describe_project_at(k_park, 2024, Lang::Ru);
        assert!(line.contains("не опубликована"), "{line}");
        let zhetygen = snapshot
            .project("zhetygen-logistics-centre")
            .expect("zhetygen-logistics-centre");
        let line = describe_project_at(zhetygen, 2040, Lang::Kk);
        assert!(line.contains("жарияланбаған"), "{line}");
    }
}
