//! The named projects as a table (the page's no-WebGL view, and anyone who prefers a list to a
//! map): one row per project with the same classification and figures as its info panel, so
//! both read alike in every language and currency.

use crate::format::Currency;
use crate::i18n::{Key, fill, text};
use crate::lang::Lang;
use crate::record_view::{PROJECT_SUMMARY_ROWS, RecordView};
use crate::snapshot::Snapshot;
use crate::timeline::project_at;

/// One project's row.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectTableRow {
    /// Record id, for selection.
    pub id: String,
    /// The project's name.
    pub name: String,
    /// District, cluster, sector, status, investment, jobs, the stage at the chosen year (in
    /// the order of the headers).
    pub cells: Vec<String>,
}

/// Every named project, ready for a `<table>`.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectTable {
    /// Caption: "Named projects".
    pub caption: String,
    /// Column headings, the project name's first.
    pub headers: Vec<String>,
    /// One row per named project, in the snapshot's order.
    pub rows: Vec<ProjectTableRow>,
}

impl ProjectTable {
    /// The table in `lang`, amounts in `currency`, stages at the end of `year`.
    pub fn build(snapshot: &Snapshot, lang: Lang, currency: Currency, year: u16) -> ProjectTable {
        let views: Vec<RecordView> = snapshot
            .projects
            .iter()
            .filter_map(|project| RecordView::build(snapshot, &project.id, lang, currency, year))
            .collect();
        let mut headers = vec![text(Key::KindProject, lang).to_owned()];
        if let Some(first) = views.first() {
            headers.extend(
                first.rows[..PROJECT_SUMMARY_ROWS]
                    .iter()
                    .map(|row| row.label.clone()),
            );
        }
        headers.push(fill(text(Key::AtYear, lang), "year", &year.to_string()));
        let rows = views
            .into_iter()
            .map(|view| ProjectTableRow {
                cells: view.rows[..PROJECT_SUMMARY_ROWS]
                    .iter()
                    .map(|row| row.value.clone())
                    .chain(
                        snapshot
                            .project(&view.id)
                            .map(|project| project_at(project, year).stage.label(lang).to_owned()),
                    )
                    .collect(),
                id: view.id,
                name: view.title,
            })
            .collect();
        ProjectTable {
            caption: text(Key::NamedProjects, lang).to_owned(),
            headers,
            rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot() -> Snapshot {
        crate::bundled_snapshot()
    }

    #[test]
    fn every_named_project_has_a_full_row_under_the_right_headings() {
        let snapshot = snapshot();
        let table = ProjectTable::build(&snapshot, Lang::En, Currency::Kzt, 2026);
        assert_eq!(table.rows.len(), snapshot.projects.len());
        assert_eq!(
            table.headers,
            [
                "Project",
                "District",
                "Cluster",
                "Sector",
                "Status",
                "Investment",
                "Jobs",
                "In 2026"
            ]
        );
        for row in &table.rows {
            assert_eq!(row.cells.len() + 1, table.headers.len(), "{}", row.id);
            assert!(row.cells.iter().all(|cell| !cell.is_empty()), "{row:?}");
        }
        let iconic = table
            .rows
            .iter()
            .find(|row| row.id == "iconic-complex")
            .expect("the Iconic Complex");
        assert_eq!(iconic.name, "Iconic Complex");
        assert_eq!(iconic.cells[0], "Gate District");
        assert_eq!(
            iconic.cells[4], "not disclosed",
            "its investment is not published"
        );
        assert_eq!(
            iconic.cells[6], "under construction",
            "excavation from May 2026"
        );
        let earlier = ProjectTable::build(&snapshot, Lang::En, Currency::Kzt, 2024);
        assert_eq!(earlier.headers[7], "In 2024");
        let iconic_2024 = earlier.rows.iter().find(|row| row.id == "iconic-complex");
        assert_eq!(
            iconic_2024.map(|row| row.cells[6].as_str()),
            Some("not yet named")
        );
    }

    #[test]
    fn the_table_follows_language_and_currency() {
        let snapshot = snapshot();
        let russian = ProjectTable::build(&snapshot, Lang::Ru, Currency::Usd, 2026);
        assert_eq!(russian.caption, "Названные проекты");
        assert_eq!(russian.headers[1], "Район");
        let with_amount = |table: &ProjectTable| {
            table
                .rows
                .iter()
                .map(|row| row.cells[4].clone())
                .find(|cell| cell.chars().any(|c| c.is_ascii_digit()))
                .expect("some project discloses its investment")
        };
        assert!(
            with_amount(&russian).contains('$'),
            "{}",
            with_amount(&russian)
        );
        let kazakh = ProjectTable::build(&snapshot, Lang::Kk, Currency::Kzt, 2026);
        assert!(
            with_amount(&kazakh).contains('₸'),
            "{}",
            with_amount(&kazakh)
        );
    }
}
