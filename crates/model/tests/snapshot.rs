//! The bundled snapshot, its JSON Schema, and how malformed snapshots are reported.

mod common;

use alatau_model::snapshot::{Figure, Qualifier, Snapshot};
use alatau_model::validate::{SnapshotError, load_snapshot};
use common::assert_same_fields;
use proptest::prelude::*;
use serde_json::{Value, json};

const BUNDLED: &str = include_str!("../../../assets/data/alatau.json");
const SCHEMA: &str = include_str!("../../../assets/data/alatau.schema.json");

fn bundled() -> Snapshot {
    match load_snapshot("alatau.json", BUNDLED) {
        Ok(snapshot) => snapshot,
        Err(errors) => panic!("the bundled snapshot must be valid:\n{errors}"),
    }
}

fn bundled_value() -> Value {
    serde_json::from_str(BUNDLED).expect("bundled JSON")
}

/// Loads a modified copy of the bundled snapshot and returns its errors.
fn errors_of(value: &Value) -> Vec<SnapshotError> {
    let text = serde_json::to_string_pretty(value).expect("serialise");
    match load_snapshot("alatau.json", &text) {
        Ok(_) => panic!("the modified snapshot must be refused"),
        Err(errors) => {
            assert_eq!(errors.file, "alatau.json");
            errors.errors
        }
    }
}

fn errors_of_text(text: &str) -> Vec<SnapshotError> {
    match load_snapshot("alatau.json", text) {
        Ok(_) => panic!("{text:.60} must be refused"),
        Err(errors) => errors.errors,
    }
}

fn only(errors: Vec<SnapshotError>) -> SnapshotError {
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.into_iter().next().expect("one error")
}

/// Each error of `value` as its path and message, in order.
fn described(value: &Value) -> Vec<(String, String)> {
    errors_of(value)
        .into_iter()
        .map(|e| (e.path, e.message))
        .collect()
}

#[test]
fn the_bundled_snapshot_is_valid_and_carries_the_headline() {
    let snapshot = bundled();
    assert_eq!(snapshot.portfolio.projects, 44);
    let about = |value| {
        Some(Figure {
            value,
            qualifier: Qualifier::About,
        })
    };
    assert_eq!(snapshot.portfolio.investment.kzt, about(1.8e12));
    assert_eq!(snapshot.portfolio.investment.usd, about(3.53e9));
    assert_eq!(
        snapshot.portfolio.jobs,
        Some(Figure {
            value: 30_000.0,
            qualifier: Qualifier::MoreThan
        })
    );
    assert_eq!(
        snapshot.portfolio.as_of, "2026-02-03",
        "the council met on Tuesday 3 February"
    );
    assert_eq!(snapshot.districts.len(), 4);
    assert_eq!(snapshot.clusters.len(), 4);
    assert_eq!(snapshot.sectors.len(), 5);
    let history: Vec<&str> = snapshot
        .portfolio
        .history
        .iter()
        .map(|p| p.date.as_str())
        .collect();
    assert_eq!(history, ["2025-11", "2026-01-15", "2026-02-03"]);
    for id in [
        "iconic-complex",
        "kaist-kazakhstan",
        "pepsico-snack-plant",
        "zhetygen-logistics-centre",
        "k-park",
    ] {
        assert!(
            snapshot.projects.iter().any(|p| p.id == id),
            "{id} is listed"
        );
    }
    assert!(
        snapshot.projects.iter().all(|p| p.in_portfolio.is_none()),
        "no source places a named project inside the 44"
    );
    assert_eq!(snapshot.itemised_projects().count(), 0);
    let iconic = snapshot
        .projects
        .iter()
        .find(|p| p.id == "iconic-complex")
        .expect("iconic");
    let height = iconic
        .facts
        .iter()
        .find(|f| f.id == "height")
        .expect("height");
    assert_eq!(
        (height.value, height.unit.as_str()),
        (Figure::exact(272.0), "m")
    );
    assert_eq!(
        iconic.investment.kzt, None,
        "the Iconic Complex cost is not public: null, never a guess"
    );
    let kaist = snapshot
        .projects
        .iter()
        .find(|p| p.id == "kaist-kazakhstan")
        .expect("kaist");
    assert_eq!(
        (kaist.investment.kzt, kaist.investment.usd, kaist.jobs),
        (None, None, None)
    );
}

#[test]
fn the_conversion_is_the_reports_own_ratio() {
    let snapshot = bundled();
    let ratio = 1.8e12 / 3.53e9;
    assert!(
        (snapshot.conversion.kzt_per_usd - ratio).abs() < 0.01,
        "{ratio}"
    );
}

#[test]
fn the_bundled_snapshot_satisfies_the_json_schema() {
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    let schema: Value = serde_json::from_str(SCHEMA).expect("schema JSON");
    compiler
        .add_resource("alatau.schema.json", schema)
        .expect("add schema");
    let index = compiler
        .compile("alatau.schema.json", &mut schemas)
        .expect("compile schema");
    if let Err(error) = schemas.validate(&bundled_value(), index) {
        panic!("the bundled snapshot breaks the schema: {error:#}");
    }
    // The schema is not vacuous: it refuses what the Rust types refuse.
    let mut unknown = bundled_value();
    unknown["projects"][0]["rating"] = json!(5);
    assert!(schemas.validate(&unknown, index).is_err(), "unknown field");
    let mut wrong = bundled_value();
    wrong["portfolio"]["projects"] = json!("44");
    assert!(schemas.validate(&wrong, index).is_err(), "wrong type");
}

#[test]
fn the_schema_and_the_rust_types_have_the_same_fields() {
    let schema: Value = serde_json::from_str(SCHEMA).expect("schema JSON");
    let serialised = serde_json::to_value(bundled()).expect("serialise the typed snapshot");
    assert_same_fields(&serialised, &schema, &schema, "");
}

// ---- malformed snapshots: the exact messages ------------------------------------------------

#[test]
fn a_syntax_error_names_line_and_column() {
    let error = only(errors_of_text("{\n  \"schema_version\": 1,\n  ,\n}"));
    assert_eq!((error.line, error.column), (Some(3), Some(3)));
    assert_eq!(error.path, "");
    assert_eq!(error.message, "syntax error: key must be a string");
}

#[test]
fn an_empty_file_says_so() {
    for text in ["", "  \n\t "] {
        let error = only(errors_of_text(text));
        assert_eq!(error.message, "the file is empty");
        assert_eq!(
            error.describe("alatau.json"),
            "alatau.json: the file is empty"
        );
    }
}

#[test]
fn a_truncated_file_says_it_ends_too_early() {
    let mut cut = BUNDLED.len() / 2;
    while !BUNDLED.is_char_boundary(cut) {
        cut -= 1;
    }
    let half = &BUNDLED[..cut];
    let error = only(errors_of_text(half));
    assert!(error.line.is_some());
    assert!(
        error
            .message
            .starts_with("the file ends too early (EOF while parsing"),
        "{}",
        error.message
    );
}

#[test]
fn a_wrong_type_names_the_json_path() {
    let mut value = bundled_value();
    value["projects"][3]["investment"]["kzt"] = json!("a lot");
    let error = only(errors_of(&value));
    assert_eq!(error.path, "projects[3].investment.kzt");
    assert_eq!(error.message, "expected a number, found a string");
    assert!(error.line.is_some() && error.column.is_some());
}

#[test]
fn an_unknown_field_is_refused() {
    let mut value = bundled_value();
    value["clusters"][1]["rating"] = json!(5);
    let error = only(errors_of(&value));
    assert_eq!(error.path, "clusters[1].rating");
    assert_eq!(
        error.message,
        "unknown field `rating`, expected one of `id`, `name`, `district`, `colour`, `character`, `footprint`, `sources`"
    );
}

#[test]
fn a_missing_field_is_named() {
    let mut value = bundled_value();
    value["portfolio"]
        .as_object_mut()
        .expect("object")
        .remove("as_of");
    let error = only(errors_of(&value));
    assert_eq!(error.path, "portfolio");
    assert_eq!(error.message, "missing field `as_of`");
}

#[test]
fn a_duplicate_id_points_at_the_first() {
    let mut value = bundled_value();
    value["projects"][4]["id"] = json!("kaist-kazakhstan");
    let error = only(errors_of(&value));
    assert_eq!(error.path, "projects[4].id");
    assert_eq!(
        error.message,
        "duplicate id `kaist-kazakhstan` (first at projects[1].id)"
    );
    assert!(error.line.is_some(), "domain errors find the record's line");
}

#[test]
fn a_dangling_reference_is_named() {
    let mut value = bundled_value();
    value["projects"][0]["district"] = json!("nowhere-district");
    value["projects"][2]["sources"][0] = json!("no-such-source");
    let errors = errors_of(&value);
    let described: Vec<(String, String)> =
        errors.into_iter().map(|e| (e.path, e.message)).collect();
    assert_eq!(
        described,
        [
            (
                "projects[0].district".to_owned(),
                "unknown district `nowhere-district`".to_owned()
            ),
            (
                "projects[2].sources[0]".to_owned(),
                "unknown source `no-such-source`".to_owned()
            ),
        ],
        "every domain error is reported at once"
    );
}

#[test]
fn a_negative_figure_is_refused() {
    let mut value = bundled_value();
    value["projects"][2]["investment"]["usd"] = json!(-360000000.0);
    let error = only(errors_of(&value));
    assert_eq!(error.path, "projects[2].investment.usd");
    assert_eq!(error.message, "must not be negative, found -360000000");

    let mut value = bundled_value();
    value["projects"][2]["jobs"] = json!({ "value": -900, "qualifier": "about" });
    let error = only(errors_of(&value));
    assert_eq!(error.path, "projects[2].jobs");
    assert_eq!(error.message, "must not be negative, found -900");
}

#[test]
fn absurd_nesting_is_refused_without_overflowing_the_stack() {
    let deep = "[".repeat(100_000);
    let error = only(errors_of_text(&deep));
    assert_eq!(error.message, "nested too deeply (more than 128 levels)");
    assert_eq!(error.line, Some(1));
    // Deep inside a valid-looking record too.
    let inner = format!(
        "{{\"schema_version\": {}1{}}}",
        "[".repeat(500),
        "]".repeat(500)
    );
    let error = only(errors_of_text(&inner));
    assert_eq!(error.message, "nested too deeply (more than 128 levels)");
}

#[test]
fn impossible_dates_and_far_away_places_are_refused() {
    let mut value = bundled_value();
    value["portfolio"]["as_of"] = json!("2026-02-30");
    value["districts"][0]["location"]["lat"] = json!(51.17);
    let described = described(&value);
    assert_eq!(
        described,
        [
            (
                "districts[0].location".to_owned(),
                "(51.17, 76.98) is outside the region (42.8..44.4 N, 76.3..78.4 E)".to_owned()
            ),
            (
                "portfolio.as_of".to_owned(),
                "`2026-02-30` is not a real date (YYYY, YYYY-MM or YYYY-MM-DD)".to_owned()
            ),
        ]
    );
}

#[test]
fn listed_projects_may_not_exceed_the_portfolio() {
    let mut value = bundled_value();
    value["portfolio"]["projects"] = json!(3);
    for index in 0..4 {
        value["projects"][index]["in_portfolio"] = json!(true);
    }
    let error = only(errors_of(&value));
    assert_eq!(error.path, "portfolio.projects");
    assert_eq!(
        error.message,
        "4 projects are marked in_portfolio but the portfolio counts 3"
    );
}

// ---- qualifiers and dated milestones ---------------------------------------------------------

#[test]
fn the_snapshot_keeps_qualifiers_population_counts_and_targets_apart() {
    let snapshot = bundled();
    let gate = snapshot.district("gate-district").expect("gate");
    assert_eq!(
        gate.residents_planned.map(|f| f.qualifier),
        Some(Qualifier::MoreThan)
    );
    assert_eq!(gate.jobs.map(|f| f.qualifier), Some(Qualifier::About));
    let counts: Vec<(&str, f64)> = snapshot
        .city
        .population
        .iter()
        .map(|c| (c.date.as_str(), c.residents.value))
        .collect();
    assert_eq!(counts, [("2024-01-01", 52_086.0), ("2025-12-01", 54_747.0)]);
    let residents_2050: Vec<(f64, Qualifier)> = snapshot
        .city
        .targets_2050
        .iter()
        .filter(|t| t.id.starts_with("population-"))
        .map(|t| (t.value.value, t.value.qualifier))
        .collect();
    assert_eq!(
        residents_2050,
        [
            (1_870_000.0, Qualifier::Exact),
            (2_000_000.0, Qualifier::UpTo),
            (2_200_000.0, Qualifier::Exact)
        ],
        "three figures, each with its own source, never one merged range"
    );
    let pepsico = snapshot.project("pepsico-snack-plant").expect("pepsico");
    assert_eq!(pepsico.investment.usd, Some(Figure::exact(368e6)));
    assert_eq!(
        pepsico.investment.also_reported[0].usd,
        Some(Figure::exact(360e6))
    );
    for id in ["zhetygen-logistics-centre", "k-park"] {
        let project = snapshot.project(id).expect(id);
        assert_eq!(
            project.status,
            alatau_model::snapshot::Status::UnderConstruction,
            "{id}"
        );
    }
    assert!(snapshot.milestones.len() >= 12);
}

#[test]
fn an_unknown_qualifier_names_its_path_and_the_choices() {
    let mut value = bundled_value();
    value["districts"][0]["jobs"] = json!({ "value": 181000, "qualifier": "roughly" });
    let error = only(errors_of(&value));
    assert_eq!(error.path, "districts[0].jobs.qualifier");
    assert!(
        error.message.contains("roughly") && error.message.contains("more-than"),
        "{}",
        error.message
    );
}

#[test]
fn a_milestone_needs_a_real_date_in_order_and_a_source() {
    let mut value = bundled_value();
    value["milestones"][1]["date"] = json!("2024-02-30");
    value["milestones"][3]["sources"] = json!([]);
    value["milestones"][5]["date"] = json!("2023-01");
    let described = described(&value);
    assert_eq!(
        described,
        [
            (
                "milestones[1].date".to_owned(),
                "`2024-02-30` is not a real date (YYYY, YYYY-MM or YYYY-MM-DD)".to_owned()
            ),
            (
                "milestones[3].sources".to_owned(),
                "every record names at least one source".to_owned()
            ),
            (
                "milestones[5].date".to_owned(),
                format!(
                    "`2023-01` comes before the milestone before it (oldest first) `{}`",
                    bundled().milestones[4].date
                )
            ),
        ]
    );
}

#[test]
fn a_project_start_before_its_announcement_or_an_unsourced_date_is_refused() {
    let mut value = bundled_value();
    let pepsico = 2;
    assert_eq!(value["projects"][pepsico]["id"], "pepsico-snack-plant");
    value["projects"][pepsico]["dates"]["construction_start"]["date"] = json!("2025-01");
    value["projects"][pepsico]["dates"]["completion_planned"]["sources"] = json!(["nowhere"]);
    let described = described(&value);
    assert_eq!(
        described,
        [
            (
                "projects[2].dates.construction_start.date".to_owned(),
                "`2025-01` comes before `announced` `2025-06-17`".to_owned()
            ),
            (
                "projects[2].dates.completion_planned.sources[0]".to_owned(),
                "unknown source `nowhere`".to_owned()
            ),
        ]
    );
}

#[test]
fn a_status_without_its_report_date_is_refused_with_its_path() {
    let mut value = bundled_value();
    value["projects"][3]["status_as_of"] = json!("last spring");
    let error = only(errors_of(&value));
    assert_eq!(error.path, "projects[3].status_as_of");
    let mut value = bundled_value();
    value["projects"][3]
        .as_object_mut()
        .expect("a project")
        .remove("status_as_of");
    let error = only(errors_of(&value));
    assert!(error.message.contains("status_as_of"), "{}", error.message);
}

#[test]
fn a_record_without_sources_is_refused() {
    let mut value = bundled_value();
    value["projects"][1]["sources"] = json!([]);
    let error = only(errors_of(&value));
    assert_eq!(error.path, "projects[1].sources");
    assert_eq!(error.message, "every record names at least one source");
}

#[test]
fn the_whole_report_names_the_file_on_every_line() {
    let mut value = bundled_value();
    value["projects"][0]["district"] = json!("nowhere-district");
    value["projects"][1]["sector"] = json!("mining");
    let text = serde_json::to_string_pretty(&value).expect("serialise");
    let report = load_snapshot("alatau.json", &text)
        .expect_err("refused")
        .to_string();
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), 2, "{report}");
    assert!(
        lines.iter().all(|line| line.starts_with("alatau.json:")),
        "{report}"
    );
    assert!(
        lines[1].ends_with("projects[1].sector: unknown sector `mining`"),
        "{report}"
    );
}

// ---- never panic ------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        let _ = load_snapshot("alatau.json", &text);
    }

    #[test]
    fn corrupted_snapshots_never_panic(start in 0usize..BUNDLED.len(), len in 0usize..64, junk in "[\\[\\]{}\",:0-9a-z\\-. ]{0,16}") {
        let start = (0..=start).rev().find(|i| BUNDLED.is_char_boundary(*i)).unwrap_or(0);
        let end = (start + len).min(BUNDLED.len());
        let end = (end..=BUNDLED.len()).find(|i| BUNDLED.is_char_boundary(*i)).unwrap_or(BUNDLED.len());
        let corrupted = format!("{}{}{}", &BUNDLED[..start], junk, &BUNDLED[end..]);
        let _ = load_snapshot("alatau.json", &corrupted);
    }

    #[test]
    fn any_numbers_in_figures_never_panic(kzt in proptest::num::f64::ANY, jobs in proptest::num::i64::ANY) {
        let mut value = bundled_value();
        value["projects"][0]["investment"]["kzt"] = serde_json::Number::from_f64(kzt).map_or(Value::Null, Value::Number);
        value["projects"][0]["jobs"] = json!(jobs);
        let _ = load_snapshot("alatau.json", &value.to_string());
    }
}

// ---- footprints: the schematic outlines the scene drapes ------------------------------------

#[test]
fn a_self_crossing_footprint_is_refused() {
    let mut value = bundled_value();
    let outline = value["districts"][1]["footprint"]
        .as_array_mut()
        .expect("outline");
    outline.swap(0, 8);
    let error = only(errors_of(&value));
    assert_eq!(error.path, "districts[1].footprint");
    assert_eq!(error.message, "the outline crosses itself or has no area");
}

#[test]
fn a_footprint_needs_three_points_in_the_region() {
    let mut value = bundled_value();
    value["districts"][0]["footprint"] = json!([[43.4, 76.9], [43.5, 77.0]]);
    let errors = errors_of(&value);
    assert!(
        errors.iter().any(|e| e.path == "districts[0].footprint"
            && e.message == "an outline needs at least 3 points"),
        "{errors:#?}"
    );
    let mut value = bundled_value();
    value["clusters"][0]["footprint"][3] = json!([51.1, 71.4]);
    let errors = errors_of(&value);
    assert!(
        errors.iter().any(|e| e.path == "clusters[0].footprint[3]"
            && e.message.starts_with("(51.1, 71.4) is outside the region")),
        "{errors:#?}"
    );
}

#[test]
fn a_cluster_zone_must_lie_inside_its_district() {
    let mut value = bundled_value();
    // Move the industrial cluster into the Gate district's far corner.
    value["clusters"][0]["footprint"][2] = json!([43.42, 76.98]);
    let errors = errors_of(&value);
    assert!(
        errors.iter().any(|e| e.path == "clusters[0].footprint[2]"
            && e.message == "lies outside its district `growing-district`"),
        "{errors:#?}"
    );
}

#[test]
fn bundled_footprints_are_on_land_in_order_along_the_a3_and_the_gate_matches_its_area() {
    use alatau_model::geography::{A3_HIGHWAY, RESERVOIR_SHORE, local};
    use alatau_model::polygon::{area, centroid, contains, distance_to_polyline};
    use alatau_model::validate::footprint_local;

    let snapshot = bundled();
    let shore = local(&RESERVOIR_SHORE);
    let highway = local(&A3_HIGHWAY);
    let mut previous_z = f32::INFINITY;
    let mut districts = snapshot.districts.clone();
    districts.sort_by_key(|district| district.order);
    for district in &districts {
        let outline = footprint_local(&district.footprint);
        for point in &outline {
            assert!(
                !contains(&shore, *point),
                "{} reaches into the reservoir",
                district.id
            );
        }
        let centre = centroid(&outline);
        assert!(
            distance_to_polyline(&highway, centre) < 3_000.0,
            "{} lies along the A3",
            district.id
        );
        assert!(
            centre.z < previous_z,
            "{} continues northwards",
            district.id
        );
        previous_z = centre.z;
    }
    let gate = snapshot.district("gate-district").expect("gate");
    let hectares = area(&footprint_local(&gate.footprint)) / 10_000.0;
    let published = gate.area_ha.expect("published area").value as f32;
    assert!(
        (hectares - published).abs() / published < 0.05,
        "Gate outline {hectares} ha vs published {published} ha"
    );
    for project in &snapshot.projects {
        let (Some(location), Some(district)) = (&project.location, &project.district) else {
            continue;
        };
        let district = snapshot.district(district).expect("district");
        let at =
            alatau_model::geo::to_local(alatau_model::geo::LatLon::new(location.lat, location.lon));
        assert!(
            contains(&footprint_local(&district.footprint), at),
            "{} lies in {}",
            project.id,
            district.id
        );
    }
}

#[test]
fn an_unknown_building_character_names_its_path_and_the_choices() {
    let mut value = bundled_value();
    value["districts"][2]["character"] = json!("casino");
    let error = only(errors_of(&value));
    assert_eq!(error.path, "districts[2].character");
    assert!(
        error.message.contains("unknown variant `casino`")
            && error.message.contains("`business-core`")
            && error.message.contains("`resort`"),
        "{}",
        error.message
    );
    assert!(error.line.is_some());
}

#[test]
fn every_area_has_a_building_character() {
    let mut value = bundled_value();
    if let Some(cluster) = value["clusters"][0].as_object_mut() {
        cluster.remove("character");
    }
    let error = only(errors_of(&value));
    assert_eq!(error.path, "clusters[0]");
    assert!(
        error.message.contains("missing field `character`"),
        "{}",
        error.message
    );
}
