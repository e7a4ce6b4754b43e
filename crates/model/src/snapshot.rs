//! The data snapshot (`assets/data/alatau.json`): typed, with unknown fields refused.
//!
//! Every figure is optional: `null` means "not disclosed", never zero, and a figure keeps the
//! qualifier its source states ([`Figure`]). Records name their sources by id; `validate` checks
//! that every reference resolves. Dated milestones (the city's and each project's) let the app
//! show the city at any year from 2024 to 2050 ([`crate::timeline`]).

use serde::{Deserialize, Serialize};

pub use crate::figure::{Figure, Qualifier};

/// The snapshot schema version this build reads.
pub const SCHEMA_VERSION: u32 = 2;

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
    /// The city's dated milestones (status, plans, laws, infrastructure), oldest first.
    pub milestones: Vec<CityMilestone>,
}

/// What a city milestone is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MilestoneKind {
    /// The place's legal status (town, city of advanced development).
    Status,
    /// The master plan and its revisions.
    Plan,
    /// The city's law: readings, signing, stages in force.
    Law,
    /// Infrastructure stages and programmes.
    Infrastructure,
    /// Investment pipelines other than the portfolio's history.
    Investment,
}

/// A dated event in the city's life, with its sources.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CityMilestone {
    /// Stable kebab-case id.
    pub id: String,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub date: String,
    /// What it is about.
    pub kind: MilestoneKind,
    /// What happened or is planned, with its figures as reported.
    pub event: I18nText,
    /// Source ids (at least one).
    pub sources: Vec<String>,
}

/// A counted population.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationCount {
    /// The day of the count.
    pub date: String,
    /// Residents.
    pub residents: Figure,
    /// Source ids.
    pub sources: Vec<String>,
}

/// A figure planned for 2050, as one source states it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Stable kebab-case id.
    pub id: String,
    /// What it measures.
    pub label: I18nText,
    /// The figure.
    pub value: Figure,
    /// Its unit (as for [`Fact`]).
    pub unit: String,
    /// Whose figure it is (a resolution, a news agency, a superseded plan).
    pub basis: I18nText,
    /// Source ids.
    pub sources: Vec<String>,
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
    /// Its title as published, when recorded.
    pub title: Option<String>,
    /// What we cite it for, in our words (shown when the published title is not recorded).
    pub topic: String,
    /// Where to read it, when known.
    pub url: Option<String>,
    /// When it was published (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`), when known.
    pub date: Option<String>,
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
    pub area_ha: Option<Figure>,
    /// Special economic zone, hectares.
    pub special_economic_zone_ha: Option<Figure>,
    /// Counted populations, oldest first.
    pub population: Vec<PopulationCount>,
    /// Figures planned for 2050, each with its own source (sources differ; never merged).
    pub targets_2050: Vec<Target>,
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
    pub area_ha: Option<Figure>,
    /// Planned residents.
    pub residents_planned: Option<Figure>,
    /// Residents today.
    pub residents_now: Option<Figure>,
    /// Planned housing, square metres.
    pub housing_m2: Option<Figure>,
    /// Planned commercial space, square metres.
    pub commercial_m2: Option<Figure>,
    /// Planned jobs.
    pub jobs: Option<Figure>,
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
    pub kzt: Option<Figure>,
    /// US dollars.
    pub usd: Option<Figure>,
    /// Other amounts reported for the same thing, each with its source (sources disagree).
    #[serde(default)]
    pub also_reported: Vec<ReportedAmount>,
}

/// An amount one source reports where others report another.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportedAmount {
    /// Tenge.
    pub kzt: Option<Figure>,
    /// US dollars.
    pub usd: Option<Figure>,
    /// Source ids.
    pub sources: Vec<String>,
}

/// A labelled figure (height, area, capacity).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fact {
    /// Id, unique within the project.
    pub id: String,
    /// The figure.
    pub value: Figure,
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

/// A date a source gives, with that source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcedDate {
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub date: String,
    /// Source ids (at least one).
    pub sources: Vec<String>,
}

/// A project's dates, each `null` where no source publishes it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectDates {
    /// The earliest date a source names the project.
    pub announced: Option<SourcedDate>,
    /// When construction began or is planned to begin.
    pub construction_start: Option<SourcedDate>,
    /// When it is planned to be complete or to operate.
    pub completion_planned: Option<SourcedDate>,
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
    /// Where it stands, as last reported.
    pub status: Status,
    /// The date of that report.
    pub status_as_of: String,
    /// A "system-forming" priority project.
    pub priority: bool,
    /// Whether it is one of the portfolio's projects: `null` when no source says (the portfolio
    /// is not itemised publicly).
    pub in_portfolio: Option<bool>,
    /// Investment.
    pub investment: Investment,
    /// Jobs.
    pub jobs: Option<Figure>,
    /// Other figures.
    pub facts: Vec<Fact>,
    /// When it was announced, begun and is to be complete.
    pub dates: ProjectDates,
    /// Other dated events.
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
    /// Jobs expected.
    pub jobs: Option<Figure>,
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
    pub investment_kzt: Option<Figure>,
    /// What else was reported.
    pub note: I18nText,
    /// Source ids.
    pub sources: Vec<String>,
}

impl Snapshot {
    /// Named projects a source places inside the portfolio (none, as of the bundled snapshot:
    /// the portfolio is not itemised publicly).
    pub fn itemised_projects(&self) -> impl Iterator<Item = &Project> {
        self.projects
            .iter()
            .filter(|project| project.in_portfolio == Some(true))
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
