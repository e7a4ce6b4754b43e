//! The data snapshot (`assets/data/alatau.json`): typed, with unknown fields refused.
//!
//! Every figure is optional: `null` means "not disclosed", never zero. Records name their
//! sources by id; `validate` checks that every reference resolves.

use serde::{Deserialize, Serialize};

/// The snapshot schema version this build reads.
pub const SCHEMA_VERSION: u32 = 1;

/// Text in the three interface languages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct I18nText {
    /// English.
    pub en: String,
    /// Russian.
    pub ru: String,
    /// Kazakh.
    pub kk: String,
}

impl I18nText {
    /// The text in `lang`.
    pub fn get(&self, lang: crate::lang::Lang) -> &str {
        lang.pick([&self.en, &self.ru, &self.kk])
    }
}

/// The whole snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Must equal [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// When the snapshot was compiled (`YYYY-MM-DD`).
    pub snapshot_date: String,
    /// The tenge/dollar rate the app converts with.
    pub conversion: Conversion,
    /// Every publication the records cite.
    pub sources: Vec<Source>,
    /// City-wide facts.
    pub city: City,
    /// The four districts.
    pub districts: Vec<District>,
    /// The cluster zones.
    pub clusters: Vec<Cluster>,
    /// The portfolio's sectors.
    pub sectors: Vec<Sector>,
    /// Named projects.
    pub projects: Vec<Project>,
    /// The investment portfolio's headline figures and their history.
    pub portfolio: Portfolio,
}

/// The snapshot's own currency conversion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conversion {
    /// Tenge per US dollar.
    pub kzt_per_usd: f64,
    /// Where the rate comes from.
    pub basis: I18nText,
    /// Source ids.
    pub sources: Vec<String>,
}

/// A publication.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Stable kebab-case id.
    pub id: String,
    /// Who published it.
    pub publisher: String,
    /// What it is about.
    pub title: String,
    /// Where to read it, when known.
    pub url: Option<String>,
    /// When it was published (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`), when known.
    pub date: Option<String>,
}

/// A range reported by sources that disagree, or an approximate figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// Lowest reported value.
    pub min: f64,
    /// Highest reported value.
    pub max: f64,
    /// The year it refers to.
    pub year: u32,
}

/// City-wide facts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct City {
    /// The city's name.
    pub name: I18nText,
    /// One paragraph about it.
    pub summary: I18nText,
    /// Area, hectares.
    pub area_ha: Option<f64>,
    /// Special economic zone, hectares.
    pub special_economic_zone_ha: Option<f64>,
    /// Population today.
    pub population_now: Option<Range>,
    /// Planned population in 2050.
    pub population_2050: Option<Range>,
    /// Year main construction ends.
    pub main_construction_by: Option<u32>,
    /// Year the city is complete.
    pub completion_by: Option<u32>,
    /// Master planner.
    pub master_planner: Option<String>,
    /// Source ids.
    pub sources: Vec<String>,
}

/// How well a location is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    /// Published coordinates.
    Exact,
    /// A known place nearby (a station, a town).
    Approximate,
    /// Our schematic placement: no coordinates are published.
    Schematic,
}

/// A point on the map.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// Latitude, degrees north.
    pub lat: f64,
    /// Longitude, degrees east.
    pub lon: f64,
    /// How well it is known.
    pub precision: Precision,
}

/// One of the four districts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct District {
    /// Stable kebab-case id.
    pub id: String,
    /// Name.
    pub name: I18nText,
    /// What the district is for.
    pub function: I18nText,
    /// Position along the A3 from Almaty, from 1.
    pub order: u32,
    /// Area, hectares.
    pub area_ha: Option<f64>,
    /// Planned residents.
    pub residents_planned: Option<f64>,
    /// Residents today.
    pub residents_now: Option<f64>,
    /// Planned housing, square metres.
    pub housing_m2: Option<f64>,
    /// Planned commercial space, square metres.
    pub commercial_m2: Option<f64>,
    /// Planned jobs.
    pub jobs: Option<f64>,
    /// Where it is.
    pub location: Location,
    /// What is built in it (outside its cluster zones).
    pub character: Character,
    /// Its outline on the map (schematic: no boundary is published).
    pub footprint: Footprint,
    /// Source ids.
    pub sources: Vec<String>,
}

/// What is built in a district or cluster zone: the procedural massing follows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Character {
    /// A central business district: towers round its priority landmark, then city blocks.
    BusinessCore,
    /// Higher education and medicine: campus and hospital courtyards.
    Campus,
    /// Industry: sheds and yards.
    Industry,
    /// Logistics: warehouses, container yards and rail sidings.
    Logistics,
    /// Tourism and leisure: hotels, villas, golf, a marina.
    Resort,
    /// New housing with parks between.
    Housing,
}

/// A schematic outline on the map: `[latitude, longitude]` vertices of a simple polygon.
pub type Footprint = Vec<[f64; 2]>;

/// A cluster zone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    /// Stable kebab-case id.
    pub id: String,
    /// Name.
    pub name: I18nText,
    /// The district it lies in.
    pub district: String,
    /// Legend colour, `#rrggbb`.
    pub colour: String,
    /// What is built in it.
    pub character: Character,
    /// Its outline on the map, inside its district's (schematic).
    pub footprint: Footprint,
    /// Source ids.
    pub sources: Vec<String>,
}

/// A sector of the portfolio.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sector {
    /// Stable kebab-case id.
    pub id: String,
    /// Name.
    pub name: I18nText,
}

/// Where a project stands, as its sources report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Named, with no plan published.
    Announced,
    /// Planned or in design.
    Planned,
    /// Being built.
    UnderConstruction,
    /// Operating and growing.
    Expanding,
    /// Operating.
    Operating,
}

/// An investment in tenge and/or dollars, each `null` when not disclosed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Investment {
    /// Tenge.
    pub kzt: Option<f64>,
    /// US dollars.
    pub usd: Option<f64>,
}

/// A labelled figure (height, area, capacity).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fact {
    /// Id, unique within the project.
    pub id: String,
    /// The figure.
    pub value: f64,
    /// Its unit: `m`, `m2`, `ha`, `t/yr`, ...
    pub unit: String,
    /// What it measures.
    pub label: I18nText,
}

/// A dated event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub date: String,
    /// What happens.
    pub event: I18nText,
}

/// A named project.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Stable kebab-case id.
    pub id: String,
    /// Name.
    pub name: I18nText,
    /// District id; `null` for citywide projects.
    pub district: Option<String>,
    /// Cluster id, if it belongs to one.
    pub cluster: Option<String>,
    /// Sector id, if known.
    pub sector: Option<String>,
    /// Where it stands.
    pub status: Status,
    /// A "system-forming" priority project.
    pub priority: bool,
    /// Counted in the investment portfolio's totals.
    pub in_portfolio: bool,
    /// Investment.
    pub investment: Investment,
    /// Jobs.
    pub jobs: Option<u32>,
    /// Other figures.
    pub facts: Vec<Fact>,
    /// Dated events.
    pub timeline: Vec<Milestone>,
    /// One paragraph.
    pub description: I18nText,
    /// Where it is; `null` for citywide projects.
    pub location: Option<Location>,
    /// Source ids.
    pub sources: Vec<String>,
}

/// The investment portfolio.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Portfolio {
    /// Date of the figures.
    pub as_of: String,
    /// Number of projects.
    pub projects: u32,
    /// Total value.
    pub investment: Investment,
    /// Jobs expected: "more than" this.
    pub jobs_min: Option<u32>,
    /// Sector ids.
    pub sectors: Vec<String>,
    /// Cluster ids the city develops around.
    pub clusters: Vec<String>,
    /// Source ids.
    pub sources: Vec<String>,
    /// Earlier figures, oldest first.
    pub history: Vec<PortfolioPoint>,
}

/// The portfolio at one date.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortfolioPoint {
    /// Date.
    pub date: String,
    /// Number of projects.
    pub projects: u32,
    /// Total value, tenge.
    pub investment_kzt: Option<f64>,
    /// What else was reported.
    pub note: I18nText,
    /// Source ids.
    pub sources: Vec<String>,
}

impl Snapshot {
    /// Named projects counted in the portfolio.
    pub fn itemised_projects(&self) -> impl Iterator<Item = &Project> {
        self.projects.iter().filter(|project| project.in_portfolio)
    }

    /// Portfolio projects not itemised in public sources.
    pub fn unitemised_project_count(&self) -> u32 {
        let itemised = u32::try_from(self.itemised_projects().count()).unwrap_or(u32::MAX);
        self.portfolio.projects.saturating_sub(itemised)
    }

    /// A district by id.
    pub fn district(&self, id: &str) -> Option<&District> {
        self.districts.iter().find(|district| district.id == id)
    }

    /// A cluster zone by id.
    pub fn cluster(&self, id: &str) -> Option<&Cluster> {
        self.clusters.iter().find(|cluster| cluster.id == id)
    }

    /// A sector by id.
    pub fn sector(&self, id: &str) -> Option<&Sector> {
        self.sectors.iter().find(|sector| sector.id == id)
    }

    /// A named project by id.
    pub fn project(&self, id: &str) -> Option<&Project> {
        self.projects.iter().find(|project| project.id == id)
    }

    /// The district, cluster zone or project with this id.
    pub fn record(&self, id: &str) -> Option<Record<'_>> {
        self.district(id)
            .map(Record::District)
            .or_else(|| self.cluster(id).map(Record::Cluster))
            .or_else(|| self.project(id).map(Record::Project))
    }

    /// A source by id.
    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|source| source.id == id)
    }
}

/// One record of the snapshot a visitor can select: a district, a cluster zone or a project.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Record<'a> {
    /// A district.
    District(&'a District),
    /// A cluster zone.
    Cluster(&'a Cluster),
    /// A named project.
    Project(&'a Project),
}

impl Record<'_> {
    /// The record's id.
    pub fn id(&self) -> &str {
        match self {
            Record::District(district) => &district.id,
            Record::Cluster(cluster) => &cluster.id,
            Record::Project(project) => &project.id,
        }
    }

    /// The record's name.
    pub fn name(&self) -> &I18nText {
        match self {
            Record::District(district) => &district.name,
            Record::Cluster(cluster) => &cluster.name,
            Record::Project(project) => &project.name,
        }
    }
}
