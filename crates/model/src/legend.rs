//! The legend and its filters: which named projects (and cluster zones) match a choice of
//! cluster, sector and status, and the legend's entries (colour, name, count) in a language.
//! The scene keeps what matches bright and dims the rest; the page lists the counts.

use crate::i18n::{Key, status, text};
use crate::lang::Lang;
use crate::snapshot::{Project, Record, Snapshot, Status};

/// Every status, in the order a project moves through them.
pub const STATUSES: [Status; 5] = [
    Status::Announced,
    Status::Planned,
    Status::UnderConstruction,
    Status::Expanding,
    Status::Operating,
];

/// What the visitor filters by; `None` lets everything through.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProjectFilter {
    /// Cluster id.
    pub cluster: Option<String>,
    /// Sector id.
    pub sector: Option<String>,
    /// Status.
    pub status: Option<Status>,
}

impl ProjectFilter {
    /// Whether nothing is filtered out.
    pub fn is_open(&self) -> bool {
        *self == ProjectFilter::default()
    }

    /// Whether `project` passes every chosen filter.
    pub fn matches(&self, project: &Project) -> bool {
        let passes = |chosen: &Option<String>, value: &Option<String>| {
            chosen.is_none() || chosen.as_deref() == value.as_deref()
        };
        passes(&self.cluster, &project.cluster)
            && passes(&self.sector, &project.sector)
            && self.status.is_none_or(|status| status == project.status)
    }

    /// Whether the record `id` (a cluster zone, a project or a district) stays bright: a
    /// project when it matches, a cluster zone when the cluster filter lets it through and,
    /// with a sector or status chosen, one of its projects matches; districts always.
    pub fn keeps_bright(&self, snapshot: &Snapshot, id: &str) -> bool {
        if self.is_open() {
            return true;
        }
        match snapshot.record(id) {
            Some(Record::Project(project)) => self.matches(project),
            Some(Record::Cluster(_)) => {
                let cluster_passes = self.cluster.as_deref().is_none_or(|chosen| chosen == id);
                let needs_a_project = self.sector.is_some() || self.status.is_some();
                cluster_passes
                    && (!needs_a_project
                        || snapshot
                            .projects
                            .iter()
                            .any(|p| p.cluster.as_deref() == Some(id) && self.matches(p)))
            }
            Some(Record::District(_)) | None => true,
        }
    }
}

/// A choice in one of the filter menus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterOption {
    /// The value (`""` for "All").
    pub value: String,
    /// What the menu shows.
    pub label: String,
}

/// One filter menu.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterMenu {
    /// `cluster`, `sector` or `status`.
    pub name: &'static str,
    /// Its label.
    pub label: String,
    /// "All", then every value.
    pub options: Vec<FilterOption>,
    /// The value chosen now (`""` for "All").
    pub chosen: String,
}

/// A cluster's row in the legend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegendEntry {
    /// Cluster id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its colour, `#rrggbb`.
    pub colour: String,
    /// Named projects in it that match the filter.
    pub count: usize,
}

/// The legend and filters, ready for the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegendView {
    /// "Legend".
    pub title: String,
    /// The cluster zones with their colours and counts.
    pub entries: Vec<LegendEntry>,
    /// The cluster, sector and status menus.
    pub menus: Vec<FilterMenu>,
    /// "{n} of the named projects match".
    pub matching: String,
}

impl LegendView {
    /// The legend under `filter`, in `lang`.
    pub fn build(snapshot: &Snapshot, filter: &ProjectFilter, lang: Lang) -> LegendView {
        let matching: Vec<&Project> = snapshot
            .projects
            .iter()
            .filter(|p| filter.matches(p))
            .collect();
        let entries = snapshot
            .clusters
            .iter()
            .map(|cluster| LegendEntry {
                id: cluster.id.clone(),
                name: cluster.name.get(lang).to_owned(),
                colour: cluster.colour.clone(),
                count: matching
                    .iter()
                    .filter(|p| p.cluster.as_deref() == Some(cluster.id.as_str()))
                    .count(),
            })
            .collect();
        let all = FilterOption {
            value: String::new(),
            label: text(Key::All, lang).to_owned(),
        };
        let menu = |name, key, values: Vec<FilterOption>, chosen: Option<&str>| FilterMenu {
            name,
            label: text(key, lang).to_owned(),
            options: std::iter::once(all.clone()).chain(values).collect(),
            chosen: chosen.unwrap_or_default().to_owned(),
        };
        let option = |value: &str, label: &str| FilterOption {
            value: value.to_owned(),
            label: label.to_owned(),
        };
        let menus = vec![
            menu(
                "cluster",
                Key::Cluster,
                snapshot
                    .clusters
                    .iter()
                    .map(|c| option(&c.id, c.name.get(lang)))
                    .collect(),
                filter.cluster.as_deref(),
            ),
            menu(
                "sector",
                Key::Sector,
                snapshot
                    .sectors
                    .iter()
                    .map(|s| option(&s.id, s.name.get(lang)))
                    .collect(),
                filter.sector.as_deref(),
            ),
            menu(
                "status",
                Key::Status,
                STATUSES
                    .iter()
                    .map(|&s| option(status_code(s), status(s, lang)))
                    .collect(),
                filter.status.map(status_code),
            ),
        ];
        LegendView {
            title: text(Key::Legend, lang).to_owned(),
            entries,
            menus,
            matching: text(Key::MatchingProjects, lang).replace("{n}", &matching.len().to_string()),
        }
    }
}

/// The status's code in the snapshot (`under-construction`, ...).
pub fn status_code(status: Status) -> &'static str {
    match status {
        Status::Announced => "announced",
        Status::Planned => "planned",
        Status::UnderConstruction => "under-construction",
        Status::Expanding => "expanding",
        Status::Operating => "operating",
    }
}

/// The status with `code`, if any.
pub fn status_from_code(code: &str) -> Option<Status> {
    STATUSES.into_iter().find(|&s| status_code(s) == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot() -> Snapshot {
        crate::bundled_snapshot()
    }

    #[test]
    fn an_open_filter_keeps_everything_bright_and_counts_every_clustered_project() {
        let snapshot = snapshot();
        let open = ProjectFilter::default();
        assert!(open.is_open());
        for project in &snapshot.projects {
            assert!(open.keeps_bright(&snapshot, &project.id));
        }
        let legend = LegendView::build(&snapshot, &open, Lang::En);
        let clustered = snapshot
            .projects
            .iter()
            .filter(|p| p.cluster.is_some())
            .count();
        assert_eq!(
            legend.entries.iter().map(|e| e.count).sum::<usize>(),
            clustered
        );
        assert_eq!(legend.entries.len(), snapshot.clusters.len());
        assert!(legend.entries.iter().all(|e| e.colour.starts_with('#')));
        assert_eq!(
            legend.matching,
            format!("{} of the named projects match", snapshot.projects.len())
        );
    }

    #[test]
    fn a_cluster_filter_dims_other_clusters_and_their_projects() {
        let snapshot = snapshot();
        let science = ProjectFilter {
            cluster: Some("cluster-scientific-medical".into()),
            ..ProjectFilter::default()
        };
        assert!(science.keeps_bright(&snapshot, "kaist-kazakhstan"));
        assert!(science.keeps_bright(&snapshot, "cluster-scientific-medical"));
        assert!(!science.keeps_bright(&snapshot, "cluster-logistics"));
        assert!(!science.keeps_bright(&snapshot, "iconic-complex"));
        assert!(
            science.keeps_bright(&snapshot, "gate-district"),
            "districts stay"
        );
        let legend = LegendView::build(&snapshot, &science, Lang::Ru);
        for entry in &legend.entries {
            if entry.id != "cluster-scientific-medical" {
                assert_eq!(entry.count, 0, "{entry:?}");
            }
        }
        assert_eq!(legend.menus[0].chosen, "cluster-scientific-medical");
        assert_eq!(legend.menus[0].options[0].label, "Все");
    }

    #[test]
    fn a_status_filter_keeps_a_zone_only_with_a_matching_project() {
        let snapshot = snapshot();
        for status in STATUSES {
            let filter = ProjectFilter {
                status: Some(status),
                ..ProjectFilter::default()
            };
            for cluster in &snapshot.clusters {
                let has_one = snapshot.projects.iter().any(|p| {
                    p.cluster.as_deref() == Some(cluster.id.as_str()) && p.status == status
                });
                assert_eq!(
                    filter.keeps_bright(&snapshot, &cluster.id),
                    has_one,
                    "{} under {status:?}",
                    cluster.id
                );
            }
        }
    }

    #[test]
    fn status_codes_round_trip_and_every_menu_starts_with_all() {
        for status in STATUSES {
            assert_eq!(status_from_code(status_code(status)), Some(status));
        }
        assert_eq!(status_from_code("demolished"), None);
        let legend = LegendView::build(&snapshot(), &ProjectFilter::default(), Lang::Kk);
        let names: Vec<&str> = legend.menus.iter().map(|m| m.name).collect();
        assert_eq!(names, ["cluster", "sector", "status"]);
        for menu in &legend.menus {
            assert_eq!(menu.options[0].value, "");
            assert_eq!(menu.options[0].label, "Барлығы");
            assert_eq!(menu.chosen, "");
        }
        assert_eq!(legend.menus[2].options.len(), STATUSES.len() + 1);
    }
}
