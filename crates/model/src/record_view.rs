//! One record (a district, a cluster zone or a project) as the info panel shows it: plain,
//! translated strings built natively and tested, which the page only puts in place as text.
//! Also where a record is on the map, for the camera and the selection marker.

use crate::figure::{Figure, qualified};
use crate::format::{self, Currency};
use crate::geo::{LatLon, Local, to_local};
use crate::i18n::{Key, fill, status, text};
use crate::lang::Lang;
use crate::polygon::{area, centroid};
use crate::portfolio_view::{SourceLink, also_reported, amount_in, money_text, source_link};
use crate::snapshot::{Fact, Record, Snapshot};
use crate::timeline::{describe_project_at, year_of};
use crate::validate::footprint_local;

/// What kind of record it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    /// One of the four districts.
    District,
    /// A cluster zone.
    Cluster,
    /// A named project.
    Project,
}

impl RecordKind {
    /// "District", "Cluster zone" or "Project", in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        text(
            match self {
                RecordKind::District => Key::KindDistrict,
                RecordKind::Cluster => Key::KindCluster,
                RecordKind::Project => Key::KindProject,
            },
            lang,
        )
    }
}

/// A labelled value in the panel.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// What it is.
    pub label: String,
    /// Its value, or "not disclosed".
    pub value: String,
}

/// A record ready for the info panel.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordView {
    /// Record id.
    pub id: String,
    /// District, cluster zone or project.
    pub kind: RecordKind,
    /// "District", "Cluster zone", "Project", translated.
    pub kind_label: String,
    /// The record's name.
    pub title: String,
    /// Figures and classifications.
    pub rows: Vec<Row>,
    /// A paragraph (empty when the record has none).
    pub description: String,
    /// Where a project stands at the chosen year, in words; empty for other records.
    pub at_year: String,
    /// Dated events, oldest first.
    pub timeline: Vec<TimelineLine>,
    /// Where the figures come from.
    pub sources: Vec<SourceLink>,
    /// Why the landmark's 3D model is not shown, when the run-time check refused it (set by the
    /// app, which alone sees the model).
    pub model_note: Option<String>,
}

/// One dated event of a record.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineLine {
    /// The date in words.
    pub date: String,
    /// What happens.
    pub event: String,
    /// After the chosen year: still to come at that year.
    pub later: bool,
}

/// Where a record is: the point to look at and a radius that frames it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Focus {
    /// The point in the local frame.
    pub at: Local,
    /// Radius of what to frame, metres.
    pub radius_m: f32,
}

/// A project's first rows, always present and in this order: district, cluster, sector, status,
/// investment, jobs (its facts follow).
pub const PROJECT_SUMMARY_ROWS: usize = 6;

/// Radius framed around a project, metres: a landmark and its surroundings.
const PROJECT_RADIUS_M: f32 = 450.0;

/// Where the record with `id` is, if it has a place on the map.
pub fn focus(snapshot: &Snapshot, id: &str) -> Option<Focus> {
    let outline_focus = |footprint| {
        let outline = footprint_local(footprint);
        Focus {
            at: centroid(&outline),
            radius_m: (area(&outline) / std::f32::consts::PI).sqrt(),
        }
    };
    match snapshot.record(id)? {
        Record::District(district) => Some(outline_focus(&district.footprint)),
        Record::Cluster(cluster) => Some(outline_focus(&cluster.footprint)),
        Record::Project(project) => {
            let location = project.location.as_ref()?;
            Some(Focus {
                at: to_local(LatLon::new(location.lat, location.lon)),
                radius_m: PROJECT_RADIUS_M,
            })
        }
    }
}

fn figure(value: Option<Figure>, unit: &str, lang: Lang) -> String {
    match value {
        Some(value) => figure_text(value, unit, lang),
        None => text(Key::NotDisclosed, lang).to_owned(),
    }
}

/// A figure with its unit and qualifier, in the language's number format: "more than 220,000".
pub fn figure_text(figure: Figure, unit: &str, lang: Lang) -> String {
    qualified(&with_unit(figure.value, unit, lang), figure.qualifier, lang)
}

/// A number with its unit, in the language's number format.
fn with_unit(value: f64, unit: &str, lang: Lang) -> String {
    let number = if value.fract() == 0.0 && value.abs() < 1e15 {
        format::integer(value.abs() as u64, lang)
    } else {
        format::decimal(value, 1, lang)
    };
    let unit = match unit {
        "m" => lang.pick(["m", "м", "м"]),
        "m2" => lang.pick(["m²", "м²", "м²"]),
        "ha" => lang.pick(["ha", "га", "га"]),
        "km" => lang.pick(["km", "км", "км"]),
        "t/yr" => lang.pick(["t/yr", "т/год", "т/жыл"]),
        "containers/yr" => lang.pick(["containers/yr", "контейнеров/год", "контейнер/жыл"]),
        "visitors/yr" => lang.pick(["visitors/yr", "посетителей/год", "келуші/жыл"]),
        "seats" => lang.pick(["seats", "мест", "орын"]),
        "storeys" | "projects" | "" => return number,
        other => other,
    };
    format!("{number}\u{a0}{unit}")
}

fn fact_row(fact: &Fact, lang: Lang) -> Row {
    Row {
        label: fact.label.get(lang).to_owned(),
        value: figure_text(fact.value, &fact.unit, lang),
    }
}

fn source_links(snapshot: &Snapshot, ids: &[String]) -> Vec<SourceLink> {
    ids.iter()
        .filter_map(|id| snapshot.source(id))
        .map(source_link)
        .collect()
}

fn row(label: Key, value: String, lang: Lang) -> Row {
    Row {
        label: text(label, lang).to_owned(),
        value,
    }
}

impl RecordView {
    /// The record with `id` as of the end of `year`, or `None` when the snapshot has no such
    /// record.
    pub fn build(
        snapshot: &Snapshot,
        id: &str,
        lang: Lang,
        currency: Currency,
        year: u16,
    ) -> Option<Self> {
        let district_name = |id: Option<&str>| {
            id.and_then(|id| snapshot.district(id))
                .map(|d| d.name.get(lang).to_owned())
                .unwrap_or_else(|| text(Key::Citywide, lang).to_owned())
        };
        if let Some(district) = snapshot.district(id) {
            let rows = vec![
                row(Key::Area, figure(district.area_ha, "ha", lang), lang),
                row(
                    Key::ResidentsPlanned,
                    figure(district.residents_planned, "", lang),
                    lang,
                ),
                row(
                    Key::ResidentsNow,
                    figure(district.residents_now, "", lang),
                    lang,
                ),
                row(Key::Housing, figure(district.housing_m2, "m2", lang), lang),
                row(
                    Key::Commercial,
                    figure(district.commercial_m2, "m2", lang),
                    lang,
                ),
                row(Key::RecordJobs, figure(district.jobs, "", lang), lang),
            ];
            return Some(Self {
                id: district.id.clone(),
                kind: RecordKind::District,
                kind_label: RecordKind::District.label(lang).to_owned(),
                title: district.name.get(lang).to_owned(),
                rows,
                description: district.function.get(lang).to_owned(),
                at_year: String::new(),
                timeline: Vec::new(),
                sources: source_links(snapshot, &district.sources),
                model_note: None,
            });
        }
        if let Some(cluster) = snapshot.cluster(id) {
            let named = snapshot
                .projects
                .iter()
                .filter(|p| p.cluster.as_deref() == Some(cluster.id.as_str()))
                .map(|p| p.name.get(lang).to_owned())
                .collect::<Vec<_>>();
            let mut rows = vec![row(
                Key::District,
                district_name(Some(&cluster.district)),
                lang,
            )];
            if !named.is_empty() {
                rows.push(row(Key::NamedProjects, named.join(", "), lang));
            }
            return Some(Self {
                id: cluster.id.clone(),
                kind: RecordKind::Cluster,
                kind_label: RecordKind::Cluster.label(lang).to_owned(),
                title: cluster.name.get(lang).to_owned(),
                rows,
                description: String::new(),
                at_year: String::new(),
                timeline: Vec::new(),
                sources: source_links(snapshot, &cluster.sources),
                model_note: None,
            });
        }
        let project = snapshot.project(id)?;
        let cluster = project
            .cluster
            .as_deref()
            .and_then(|id| snapshot.cluster(id))
            .map(|c| c.name.get(lang).to_owned());
        let sector = project
            .sector
            .as_deref()
            .and_then(|id| snapshot.sector(id))
            .map(|s| s.name.get(lang).to_owned());
        let not_disclosed = || text(Key::NotDisclosed, lang).to_owned();
        let amount = amount_in(
            &project.investment,
            currency,
            snapshot.conversion.kzt_per_usd,
        );
        let mut rows = vec![
            row(
                Key::District,
                district_name(project.district.as_deref()),
                lang,
            ),
            row(
                Key::Cluster,
                cluster.unwrap_or_else(|| "—".to_owned()),
                lang,
            ),
            row(Key::Sector, sector.unwrap_or_else(not_disclosed), lang),
            row(
                Key::Status,
                fill(
                    &fill(
                        text(Key::StatusReportedOn, lang),
                        "status",
                        status(project.status, lang),
                    ),
                    "date",
                    &format::date(&project.status_as_of, lang),
                ),
                lang,
            ),
            row(
                Key::RecordInvestment,
                amount.map_or_else(not_disclosed, |a| {
                    let mut shown = money_text(a, currency, lang);
                    for other in also_reported(snapshot, &project.investment, currency, lang) {
                        shown = format!("{shown}; {other}");
                    }
                    shown
                }),
                lang,
            ),
            row(Key::RecordJobs, figure(project.jobs, "", lang), lang),
        ];
        rows.extend(project.facts.iter().map(|fact| fact_row(fact, lang)));
        if project.in_portfolio.is_none() {
            rows.push(row(
                Key::InPortfolio,
                text(Key::NotKnown, lang).to_owned(),
                lang,
            ));
        }
        let mut timeline: Vec<(String, String)> = crate::timeline::project_dates(project, lang)
            .map(|(date, event)| (date.date.clone(), event))
            .chain(
                project
                    .timeline
                    .iter()
                    .map(|m| (m.date.clone(), m.event.get(lang).to_owned())),
            )
            .collect();
        timeline.sort_by(|a, b| a.0.cmp(&b.0));
        Some(Self {
            id: project.id.clone(),
            kind: RecordKind::Project,
            kind_label: RecordKind::Project.label(lang).to_owned(),
            title: project.name.get(lang).to_owned(),
            rows,
            description: project.description.get(lang).to_owned(),
            at_year: describe_project_at(project, year, lang),
            timeline: timeline
                .into_iter()
                .map(|(date, event)| TimelineLine {
                    later: year_of(&date).is_some_and(|y| y > year),
                    date: format::date(&date, lang),
                    event,
                })
                .collect(),
            sources: source_links(snapshot, &project.sources),
            model_note: None,
        })
    }

    /// The value of the row labelled `label`, for tests and screen readers.
    pub fn value_of(&self, label: &str) -> Option<&str> {
        self.rows
            .iter()
            .find(|row| row.label == label)
            .map(|row| row.value.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Snapshot {
        crate::bundled_snapshot()
    }

    #[test]
    fn the_iconic_complex_shows_its_272_m_tower_and_undisclosed_cost() {
        let view = RecordView::build(&bundled(), "iconic-complex", Lang::En, Currency::Kzt, 2026)
            .expect("a record");
        assert_eq!(view.kind, RecordKind::Project);
        assert_eq!(view.title, "Iconic Complex");
        assert_eq!(view.value_of("Main tower height"), Some("272\u{a0}m"));
        assert_eq!(view.value_of("Total floor area"), Some("276,800\u{a0}m²"));
        assert_eq!(view.value_of("Investment"), Some("not disclosed"));
        assert_eq!(view.value_of("District"), Some("Gate District"));
        assert!(!view.sources.is_empty() && !view.timeline.is_empty());
    }

    #[test]
    fn records_read_in_russian_and_kazakh() {
        let snapshot = bundled();
        let ru = RecordView::build(&snapshot, "iconic-complex", Lang::Ru, Currency::Kzt, 2026)
            .expect("ru");
        assert_eq!(ru.value_of("Высота главной башни"), Some("272\u{a0}м"));
        assert_eq!(ru.value_of("Инвестиции"), Some("не раскрывается"));
        let kk = RecordView::build(
            &snapshot,
            "pepsico-snack-plant",
            Lang::Kk,
            Currency::Usd,
            2026,
        )
        .expect("kk");
        assert!(kk.rows.iter().any(|r| r.value.contains("368")), "{kk:#?}");
        assert!(
            kk.rows
                .iter()
                .any(|r| r.value.contains("360") && r.value.contains("Trend")),
            "both reported totals, each with its source: {kk:#?}"
        );
        assert!(
            kk.rows.iter().any(|r| r.value == "шамамен 900"),
            "the jobs keep their qualifier: {kk:#?}"
        );
    }

    #[test]
    fn districts_and_clusters_are_records_too() {
        let snapshot = bundled();
        let gate = RecordView::build(&snapshot, "gate-district", Lang::En, Currency::Kzt, 2026)
            .expect("district");
        assert_eq!(gate.kind, RecordKind::District);
        assert_eq!(gate.value_of("Area"), Some("about 4,000\u{a0}ha"));
        assert_eq!(
            gate.value_of("Residents planned"),
            Some("more than 220,000")
        );
        let gate_ru = RecordView::build(&snapshot, "gate-district", Lang::Ru, Currency::Kzt, 2026)
            .expect("district");
        assert!(
            gate_ru.rows.iter().any(|r| r.value == "более 220\u{a0}000"),
            "{gate_ru:#?}"
        );
        let golden = RecordView::build(&snapshot, "golden-district", Lang::En, Currency::Kzt, 2026)
            .expect("district");
        assert_eq!(golden.value_of("Area"), Some("not disclosed"));
        let logistics = RecordView::build(
            &snapshot,
            "cluster-logistics",
            Lang::En,
            Currency::Kzt,
            2026,
        )
        .expect("cluster");
        assert_eq!(logistics.kind, RecordKind::Cluster);
        assert_eq!(logistics.value_of("District"), Some("Growing District"));
        assert_eq!(
            RecordView::build(&snapshot, "nowhere", Lang::En, Currency::Kzt, 2026),
            None
        );
    }

    #[test]
    fn every_record_with_a_place_has_a_focus_inside_the_region() {
        let snapshot = bundled();
        let ids = snapshot
            .districts
            .iter()
            .map(|d| &d.id)
            .chain(snapshot.clusters.iter().map(|c| &c.id))
            .chain(snapshot.projects.iter().map(|p| &p.id));
        for id in ids {
            let Some(focus) = focus(&snapshot, id) else {
                continue;
            };
            assert!(
                focus.at.x.abs() < 45_000.0 && focus.at.z.abs() < 45_000.0,
                "{id}: {focus:?}"
            );
            assert!(
                (100.0..15_000.0).contains(&focus.radius_m),
                "{id}: {focus:?}"
            );
        }
        assert!(
            focus(&snapshot, "infrastructure-stage-1").is_none(),
            "citywide: no place"
        );
        let gate = focus(&snapshot, "gate-district").expect("gate");
        assert!(
            (gate.radius_m - 3_568.0).abs() < 100.0,
            "4,000 ha ≈ a 3.6 km circle: {gate:?}"
        );
    }
}
