//! The snapshot's domain rules: ids, references, figures, dates, sources, the region,
//! footprints and the portfolio totals. Every violation is collected, with its JSON path.

use std::collections::{HashMap, HashSet};

use super::{REGION_LAT, REGION_LON, SnapshotError};
use crate::geo::{LatLon, Local, to_local};
use crate::polygon;
use crate::snapshot::{
    Figure, Footprint, I18nText, Investment, Location, Project, SCHEMA_VERSION, Snapshot,
    SourcedDate,
};
use crate::url_state::parse_id;

/// The id of the record a JSON path points into (`projects[3].jobs`: the fourth project's).
pub(super) fn record_id_for_path<'a>(snapshot: &'a Snapshot, path: &str) -> Option<&'a str> {
    let (list, rest) = path.split_once('[')?;
    let index: usize = rest.split(']').next()?.parse().ok()?;
    match list {
        "sources" => snapshot.sources.get(index).map(|r| r.id.as_str()),
        "districts" => snapshot.districts.get(index).map(|r| r.id.as_str()),
        "clusters" => snapshot.clusters.get(index).map(|r| r.id.as_str()),
        "sectors" => snapshot.sectors.get(index).map(|r| r.id.as_str()),
        "projects" => snapshot.projects.get(index).map(|r| r.id.as_str()),
        "milestones" => snapshot.milestones.get(index).map(|r| r.id.as_str()),
        _ => None,
    }
}

/// Collects domain-rule violations.
struct Rules<'a> {
    snapshot: &'a Snapshot,
    errors: Vec<SnapshotError>,
    source_ids: HashSet<&'a str>,
}

impl<'a> Rules<'a> {
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(SnapshotError {
            line: None,
            column: None,
            path: path.into(),
            message: message.into(),
        });
    }

    fn figure(&mut self, path: &str, figure: Option<Figure>) {
        let Some(Figure { value, .. }) = figure else {
            return;
        };
        if !value.is_finite() {
            self.error(path, "must be a finite number");
        } else if value < 0.0 {
            self.error(path, format!("must not be negative, found {value}"));
        }
    }

    fn text(&mut self, path: &str, text: &I18nText) {
        for (lang, value) in [("en", &text.en), ("ru", &text.ru), ("kk", &text.kk)] {
            if value.trim().is_empty() {
                self.error(format!("{path}.{lang}"), "must not be empty");
            }
        }
    }

    fn date(&mut self, path: &str, date: &str) {
        if !is_real_date(date) {
            self.error(
                path,
                format!("`{date}` is not a real date (YYYY, YYYY-MM or YYYY-MM-DD)"),
            );
        }
    }

    fn sources(&mut self, path: &str, ids: &[String]) {
        if ids.is_empty() {
            self.error(path, "every record names at least one source");
        }
        for (index, id) in ids.iter().enumerate() {
            if !self.source_ids.contains(id.as_str()) {
                self.error(format!("{path}[{index}]"), format!("unknown source `{id}`"));
            }
        }
    }

    fn investment(&mut self, path: &str, investment: &Investment) {
        self.figure(&format!("{path}.kzt"), investment.kzt);
        self.figure(&format!("{path}.usd"), investment.usd);
        for (index, other) in investment.also_reported.iter().enumerate() {
            let other_path = format!("{path}.also_reported[{index}]");
            self.figure(&format!("{other_path}.kzt"), other.kzt);
            self.figure(&format!("{other_path}.usd"), other.usd);
            if other.kzt.is_none() && other.usd.is_none() {
                self.error(&other_path, "an amount reported needs kzt or usd");
            }
            self.sources(&format!("{other_path}.sources"), &other.sources);
        }
    }

    /// A dated milestone: a real date and at least one known source.
    fn sourced_date(&mut self, path: &str, date: &SourcedDate) {
        self.date(&format!("{path}.date"), &date.date);
        self.sources(&format!("{path}.sources"), &date.sources);
    }

    /// `later` must not come before `earlier` (compared at the precision both give).
    fn in_order(&mut self, path: &str, earlier: &str, later: &str, what: &str) {
        if !not_before(later, earlier) {
            self.error(path, format!("`{later}` comes before {what} `{earlier}`"));
        }
    }

    fn reference(&mut self, path: &str, id: &str, known: &HashSet<&str>, what: &str) {
        if !known.contains(id) {
            self.error(path, format!("unknown {what} `{id}`"));
        }
    }

    fn footprint(&mut self, path: &str, footprint: &Footprint) {
        if footprint.len() < 3 {
            self.error(path, "an outline needs at least 3 points");
            return;
        }
        for (index, &[lat, lon]) in footprint.iter().enumerate() {
            if !in_region(lat, lon) {
                let location = Location {
                    lat,
                    lon,
                    precision: crate::snapshot::Precision::Schematic,
                };
                self.location(&format!("{path}[{index}]"), &location);
                return;
            }
        }
        if !polygon::is_simple(&footprint_local(footprint)) {
            self.error(path, "the outline crosses itself or has no area");
        }
    }

    fn location(&mut self, path: &str, location: &Location) {
        if !in_region(location.lat, location.lon) {
            self.error(
                path,
                format!(
                    "({}, {}) is outside the region ({}..{} N, {}..{} E)",
                    location.lat,
                    location.lon,
                    REGION_LAT.0,
                    REGION_LAT.1,
                    REGION_LON.0,
                    REGION_LON.1
                ),
            );
        }
    }
}

/// Whether a point lies in the region every location must lie in.
fn in_region(lat: f64, lon: f64) -> bool {
    let inside =
        |value: f64, (low, high): (f64, f64)| value.is_finite() && (low..=high).contains(&value);
    inside(lat, REGION_LAT) && inside(lon, REGION_LON)
}

/// A footprint's vertices in the local frame.
pub fn footprint_local(footprint: &Footprint) -> Vec<Local> {
    footprint
        .iter()
        .map(|&[lat, lon]| to_local(LatLon::new(lat, lon)))
        .collect()
}

/// Whether `later` is not before `earlier`, at the precision both dates give: `2026` is not
/// before `2026-01-15`, `2025-09` is before `2026`.
pub fn not_before(later: &str, earlier: &str) -> bool {
    let common = later.len().min(earlier.len());
    later.get(..common) >= earlier.get(..common)
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, with a real month and day, years 1900..=2100.
pub fn is_real_date(date: &str) -> bool {
    let parts: Vec<&str> = date.split('-').collect();
    let number = |part: &str, digits: usize| -> Option<u32> {
        (part.len() == digits && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    let Some(year) = parts.first().and_then(|p| number(p, 4)) else {
        return false;
    };
    if !(1900..=2100).contains(&year) || parts.len() > 3 {
        return false;
    }
    let Some(month) = parts.get(1).map(|p| number(p, 2)) else {
        return true;
    };
    let Some(month) = month.filter(|m| (1..=12).contains(m)) else {
        return false;
    };
    let Some(day) = parts.get(2).map(|p| number(p, 2)) else {
        return true;
    };
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    day.is_some_and(|d| (1..=days).contains(&d))
}

fn check_ids<'a>(
    rules: &mut Rules<'a>,
    list: &str,
    ids: impl Iterator<Item = &'a str>,
    seen: &mut HashMap<&'a str, String>,
) -> HashSet<&'a str> {
    let mut local = HashSet::new();
    for (index, id) in ids.enumerate() {
        let path = format!("{list}[{index}].id");
        if parse_id(id).is_none() {
            rules.error(&path, format!("`{id}` is not a kebab-case id"));
        }
        if let Some(first) = seen.get(id) {
            rules.error(&path, format!("duplicate id `{id}` (first at {first})"));
        } else {
            seen.insert(id, path);
        }
        local.insert(id);
    }
    local
}

/// Checks every domain rule and returns all violations.
pub fn check_rules(snapshot: &Snapshot) -> Vec<SnapshotError> {
    let mut rules = Rules {
        snapshot,
        errors: Vec::new(),
        source_ids: HashSet::new(),
    };
    if snapshot.schema_version != SCHEMA_VERSION {
        rules.error(
            "schema_version",
            format!(
                "this app reads version {SCHEMA_VERSION}, found {}",
                snapshot.schema_version
            ),
        );
    }
    rules.date("snapshot_date", &snapshot.snapshot_date);

    // Ids: kebab-case, unique. Selectable records (districts, clusters, projects) share one
    // namespace because `select=<id>` names any of them; sources and sectors have their own.
    let mut source_seen = HashMap::new();
    rules.source_ids = check_ids(
        &mut rules,
        "sources",
        snapshot.sources.iter().map(|s| s.id.as_str()),
        &mut source_seen,
    );
    let mut sector_seen = HashMap::new();
    let sector_ids = check_ids(
        &mut rules,
        "sectors",
        snapshot.sectors.iter().map(|s| s.id.as_str()),
        &mut sector_seen,
    );
    let mut record_seen = HashMap::new();
    let district_ids = check_ids(
        &mut rules,
        "districts",
        snapshot.districts.iter().map(|d| d.id.as_str()),
        &mut record_seen,
    );
    let cluster_ids = check_ids(
        &mut rules,
        "clusters",
        snapshot.clusters.iter().map(|c| c.id.as_str()),
        &mut record_seen,
    );
    check_ids(
        &mut rules,
        "projects",
        snapshot.projects.iter().map(|p| p.id.as_str()),
        &mut record_seen,
    );

    for (index, source) in snapshot.sources.iter().enumerate() {
        let path = format!("sources[{index}]");
        if let Some(url) = &source.url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            rules.error(format!("{path}.url"), "must start with https:// or http://");
        }
        if let Some(date) = &source.date {
            rules.date(&format!("{path}.date"), date);
        }
        if source.publisher.trim().is_empty() {
            rules.error(format!("{path}.publisher"), "must not be empty");
        }
    }

    let conversion = &snapshot.conversion;
    if !(conversion.kzt_per_usd.is_finite() && conversion.kzt_per_usd > 0.0) {
        rules.error("conversion.kzt_per_usd", "must be a positive number");
    }
    rules.text("conversion.basis", &conversion.basis);
    rules.sources("conversion.sources", &conversion.sources);

    let city = &snapshot.city;
    rules.text("city.name", &city.name);
    rules.text("city.summary", &city.summary);
    rules.figure("city.area_ha", city.area_ha);
    rules.figure(
        "city.special_economic_zone_ha",
        city.special_economic_zone_ha,
    );
    for (index, count) in city.population.iter().enumerate() {
        let path = format!("city.population[{index}]");
        rules.date(&format!("{path}.date"), &count.date);
        rules.figure(&format!("{path}.residents"), Some(count.residents));
        rules.sources(&format!("{path}.sources"), &count.sources);
        if index > 0 {
            let earlier = &city.population[index - 1].date;
            rules.in_order(
                &format!("{path}.date"),
                earlier,
                &count.date,
                "the count before it",
            );
        }
    }
    let mut target_seen = HashMap::new();
    check_ids(
        &mut rules,
        "city.targets_2050",
        city.targets_2050.iter().map(|t| t.id.as_str()),
        &mut target_seen,
    );
    for (index, target) in city.targets_2050.iter().enumerate() {
        let path = format!("city.targets_2050[{index}]");
        rules.text(&format!("{path}.label"), &target.label);
        rules.text(&format!("{path}.basis"), &target.basis);
        rules.figure(&format!("{path}.value"), Some(target.value));
        rules.sources(&format!("{path}.sources"), &target.sources);
    }
    rules.sources("city.sources", &city.sources);

    for (index, district) in snapshot.districts.iter().enumerate() {
        let path = format!("districts[{index}]");
        rules.text(&format!("{path}.name"), &district.name);
        rules.text(&format!("{path}.function"), &district.function);
        for (name, value) in [
            ("area_ha", district.area_ha),
            ("residents_planned", district.residents_planned),
            ("residents_now", district.residents_now),
            ("housing_m2", district.housing_m2),
            ("commercial_m2", district.commercial_m2),
            ("jobs", district.jobs),
        ] {
            rules.figure(&format!("{path}.{name}"), value);
        }
        rules.location(&format!("{path}.location"), &district.location);
        rules.footprint(&format!("{path}.footprint"), &district.footprint);
        rules.sources(&format!("{path}.sources"), &district.sources);
    }

    for (index, cluster) in snapshot.clusters.iter().enumerate() {
        let path = format!("clusters[{index}]");
        rules.text(&format!("{path}.name"), &cluster.name);
        rules.reference(
            &format!("{path}.district"),
            &cluster.district,
            &district_ids,
            "district",
        );
        let hex = cluster.colour.strip_prefix('#').unwrap_or("");
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            rules.error(
                format!("{path}.colour"),
                format!("`{}` is not #rrggbb", cluster.colour),
            );
        }
        rules.footprint(&format!("{path}.footprint"), &cluster.footprint);
        let district = snapshot.district(&cluster.district);
        let district_outline = district.map(|district| footprint_local(&district.footprint));
        if let (Some(district), Some(outline)) = (district, district_outline)
            && polygon::is_simple(&outline)
        {
            let outside = footprint_local(&cluster.footprint)
                .iter()
                .position(|&point| !polygon::contains(&outline, point));
            if let Some(vertex) = outside {
                rules.error(
                    format!("{path}.footprint[{vertex}]"),
                    format!("lies outside its district `{}`", district.id),
                );
            }
        }
        rules.sources(&format!("{path}.sources"), &cluster.sources);
    }

    for (index, sector) in snapshot.sectors.iter().enumerate() {
        rules.text(&format!("sectors[{index}].name"), &sector.name);
    }

    for (index, project) in snapshot.projects.iter().enumerate() {
        check_project(
            &mut rules,
            index,
            project,
            &district_ids,
            &cluster_ids,
            &sector_ids,
        );
    }

    let portfolio = &snapshot.portfolio;
    rules.date("portfolio.as_of", &portfolio.as_of);
    rules.investment("portfolio.investment", &portfolio.investment);
    rules.figure("portfolio.jobs", portfolio.jobs);
    for (index, sector) in portfolio.sectors.iter().enumerate() {
        rules.reference(
            &format!("portfolio.sectors[{index}]"),
            sector,
            &sector_ids,
            "sector",
        );
    }
    for (index, cluster) in portfolio.clusters.iter().enumerate() {
        rules.reference(
            &format!("portfolio.clusters[{index}]"),
            cluster,
            &cluster_ids,
            "cluster",
        );
    }
    rules.sources("portfolio.sources", &portfolio.sources);
    let mut previous_date: Option<&str> = None;
    for (index, point) in portfolio.history.iter().enumerate() {
        let path = format!("portfolio.history[{index}]");
        rules.date(&format!("{path}.date"), &point.date);
        rules.figure(&format!("{path}.investment_kzt"), point.investment_kzt);
        rules.text(&format!("{path}.note"), &point.note);
        rules.sources(&format!("{path}.sources"), &point.sources);
        if previous_date.is_some_and(|previous| previous > point.date.as_str()) {
            rules.error(format!("{path}.date"), "history must be oldest first");
        }
        previous_date = Some(&point.date);
    }
    let mut milestone_seen = HashMap::new();
    check_ids(
        &mut rules,
        "milestones",
        snapshot.milestones.iter().map(|m| m.id.as_str()),
        &mut milestone_seen,
    );
    for (index, milestone) in snapshot.milestones.iter().enumerate() {
        let path = format!("milestones[{index}]");
        rules.date(&format!("{path}.date"), &milestone.date);
        rules.text(&format!("{path}.event"), &milestone.event);
        rules.sources(&format!("{path}.sources"), &milestone.sources);
        if index > 0 {
            let earlier = &snapshot.milestones[index - 1].date;
            rules.in_order(
                &format!("{path}.date"),
                earlier,
                &milestone.date,
                "the milestone before it (oldest first)",
            );
        }
    }
    check_totals(&mut rules);
    rules.errors
}

fn check_project(
    rules: &mut Rules<'_>,
    index: usize,
    project: &Project,
    districts: &HashSet<&str>,
    clusters: &HashSet<&str>,
    sectors: &HashSet<&str>,
) {
    let path = format!("projects[{index}]");
    rules.text(&format!("{path}.name"), &project.name);
    rules.text(&format!("{path}.description"), &project.description);
    if let Some(district) = &project.district {
        rules.reference(&format!("{path}.district"), district, districts, "district");
    }
    if let Some(cluster) = &project.cluster {
        rules.reference(&format!("{path}.cluster"), cluster, clusters, "cluster");
    }
    if let Some(sector) = &project.sector {
        rules.reference(&format!("{path}.sector"), sector, sectors, "sector");
    }
    rules.date(&format!("{path}.status_as_of"), &project.status_as_of);
    rules.investment(&format!("{path}.investment"), &project.investment);
    rules.figure(&format!("{path}.jobs"), project.jobs);
    let dates = [
        ("announced", &project.dates.announced),
        ("construction_start", &project.dates.construction_start),
        ("completion_planned", &project.dates.completion_planned),
    ];
    let mut previous: Option<(&str, &str)> = None;
    for (name, date) in dates {
        let Some(date) = date else { continue };
        let date_path = format!("{path}.dates.{name}");
        rules.sourced_date(&date_path, date);
        if let Some((earlier_name, earlier)) = previous {
            rules.in_order(
                &format!("{date_path}.date"),
                earlier,
                &date.date,
                &format!("`{earlier_name}`"),
            );
        }
        previous = Some((name, &date.date));
    }
    let mut fact_ids = HashSet::new();
    for (fact_index, fact) in project.facts.iter().enumerate() {
        let fact_path = format!("{path}.facts[{fact_index}]");
        rules.figure(&format!("{fact_path}.value"), Some(fact.value));
        rules.text(&format!("{fact_path}.label"), &fact.label);
        if !fact_ids.insert(fact.id.as_str()) {
            rules.error(
                format!("{fact_path}.id"),
                format!("duplicate fact `{}`", fact.id),
            );
        }
    }
    for (event_index, milestone) in project.timeline.iter().enumerate() {
        let event_path = format!("{path}.timeline[{event_index}]");
        rules.date(&format!("{event_path}.date"), &milestone.date);
        rules.text(&format!("{event_path}.event"), &milestone.event);
    }
    if let Some(location) = &project.location {
        rules.location(&format!("{path}.location"), location);
    }
    rules.sources(&format!("{path}.sources"), &project.sources);
}

/// The itemised projects may not add up to more than the portfolio reports.
fn check_totals(rules: &mut Rules<'_>) {
    let snapshot = rules.snapshot;
    let itemised = snapshot.itemised_projects().count();
    if itemised as u64 > u64::from(snapshot.portfolio.projects) {
        rules.error(
            "portfolio.projects",
            format!(
                "{itemised} projects are marked in_portfolio but the portfolio counts {}",
                snapshot.portfolio.projects
            ),
        );
    }
    let rate = snapshot.conversion.kzt_per_usd;
    if let Some(Figure { value: total, .. }) = snapshot.portfolio.investment.kzt
        && rate.is_finite()
        && rate > 0.0
    {
        let listed: f64 = snapshot
            .itemised_projects()
            .filter_map(|p| {
                (p.investment.kzt.map(|kzt| kzt.value))
                    .or(p.investment.usd.map(|usd| usd.value * rate))
            })
            .sum();
        if listed > total * 1.000_001 {
            rules.error(
                "portfolio.investment.kzt",
                format!(
                    "the itemised projects add up to {listed} tenge, more than the total {total}"
                ),
            );
        }
    }
}
