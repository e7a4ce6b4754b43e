//! The bundled tours file, its JSON Schema, and how malformed tours are reported (file, line,
//! JSON path), checked against the bundled snapshot.

mod common;

use alatau_model::snapshot::Snapshot;
use alatau_model::tour::{ToursFile, load_tours};
use alatau_model::validate::{SnapshotError, load_snapshot};
use common::assert_same_fields;
use serde_json::{Value, json};

const SNAPSHOT: &str = include_str!("../../../assets/data/alatau.json");
const BUNDLED: &str = include_str!("../../../assets/data/tours.json");
const SCHEMA: &str = include_str!("../../../assets/data/tours.schema.json");

fn snapshot() -> Snapshot {
    match load_snapshot("alatau.json", SNAPSHOT) {
        Ok(snapshot) => snapshot,
        Err(errors) => panic!("{errors}"),
    }
}

fn bundled() -> ToursFile {
    match load_tours("tours.json", BUNDLED, &snapshot()) {
        Ok(tours) => tours,
        Err(errors) => panic!("the bundled tours must be valid:\n{errors}"),
    }
}

fn bundled_value() -> Value {
    serde_json::from_str(BUNDLED).expect("bundled JSON")
}

fn errors_of(value: &Value) -> Vec<SnapshotError> {
    let text = serde_json::to_string_pretty(value).expect("serialise");
    match load_tours("tours.json", &text, &snapshot()) {
        Ok(_) => panic!("the modified tours must be refused"),
        Err(errors) => {
            assert_eq!(errors.file, "tours.json");
            errors.errors
        }
    }
}

fn only(errors: Vec<SnapshotError>) -> SnapshotError {
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.into_iter().next().expect("one error")
}

#[test]
fn the_bundled_tours_are_the_four_the_investors_need() {
    let tours = bundled();
    let ids: Vec<&str> = tours.tours.iter().map(|tour| tour.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "corridor",
            "investment-case",
            "gate-and-golden",
            "city-grows"
        ]
    );
    let snapshot = snapshot();
    for tour in &tours.tours {
        for step in &tour.steps {
            assert!(
                step.pose(&snapshot).is_some(),
                "{}: every step has a place",
                tour.id
            );
        }
    }
    let framed = |id: &str| {
        tours.tours.iter().any(|tour| {
            tour.steps
                .iter()
                .any(|step| step.camera.frame.as_deref() == Some(id))
        })
    };
    for record in [
        "gate-district",
        "golden-district",
        "growing-district",
        "green-district",
        "cluster-industrial",
        "cluster-logistics",
        "cluster-scientific-medical",
        "cluster-tourism",
        "iconic-complex",
        "kaist-kazakhstan",
    ] {
        assert!(framed(record), "a tour visits {record}");
    }
}

#[test]
fn the_bundled_tours_satisfy_their_schema_which_is_not_vacuous() {
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    let schema: Value = serde_json::from_str(SCHEMA).expect("schema JSON");
    compiler
        .add_resource("tours.schema.json", schema)
        .expect("add schema");
    let index = compiler
        .compile("tours.schema.json", &mut schemas)
        .expect("compile schema");
    if let Err(error) = schemas.validate(&bundled_value(), index) {
        panic!("the bundled tours break the schema: {error:#}");
    }
    let mut unknown = bundled_value();
    unknown["tours"][0]["steps"][0]["music"] = json!("on");
    assert!(schemas.validate(&unknown, index).is_err(), "unknown field");
    let mut wrong = bundled_value();
    wrong["tours"][0]["steps"][0]["arrive"] = json!("teleport");
    assert!(schemas.validate(&wrong, index).is_err(), "unknown arrival");
}

#[test]
fn the_schema_and_the_rust_types_have_the_same_fields() {
    let schema: Value = serde_json::from_str(SCHEMA).expect("schema JSON");
    let serialised = serde_json::to_value(bundled()).expect("serialise the typed tours");
    assert_same_fields(&serialised, &schema, &schema, "");
}

#[test]
fn a_type_error_names_the_path_and_the_line() {
    let mut value = bundled_value();
    value["tours"][1]["steps"][2]["hold_s"] = json!("long");
    let error = only(errors_of(&value));
    assert_eq!(error.path, "tours[1].steps[2].hold_s");
    assert_eq!(error.message, "expected a number, found a string");
    assert!(error.line.is_some() && error.column.is_some());
}

#[test]
fn unknown_records_layers_and_filters_are_named_with_their_paths() {
    let mut value = bundled_value();
    value["tours"][0]["steps"][1]["camera"]["frame"] = json!("silver-district");
    value["tours"][0]["steps"][2]["select"] = json!("moon-base");
    value["tours"][0]["steps"][3]["layers"] = json!(["zones", "satellite"]);
    value["tours"][0]["steps"][4]["filter"] =
        json!({ "cluster": "cluster-casino", "sector": null, "status": null });
    let errors = errors_of(&value);
    let paths: Vec<&str> = errors.iter().map(|error| error.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "tours[0].steps[1].camera.frame",
            "tours[0].steps[2].select",
            "tours[0].steps[3].layers[1]",
            "tours[0].steps[4].filter.cluster",
        ],
        "{errors:#?}"
    );
    assert!(errors[0].message.contains("silver-district"));
    assert!(
        errors.iter().all(|error| error.line.is_some()),
        "each names the line of its tour: {errors:#?}"
    );
}

#[test]
fn a_caption_with_a_figure_of_its_own_is_refused() {
    let mut value = bundled_value();
    value["tours"][1]["steps"][0]["caption"]["text"]["ru"] = json!("45 проектов и 1,9 трлн тенге");
    let error = only(errors_of(&value));
    assert_eq!(error.path, "tours[1].steps[0].caption.text.ru");
    assert!(
        error.message.starts_with("45, 1,9 not in the snapshot"),
        "{}",
        error.message
    );
}

#[test]
fn a_step_sets_a_year_of_the_timeline_or_none() {
    let tours = bundled();
    let growth = tours.tour("city-grows").expect("the growth tour");
    let years: Vec<Option<u16>> = growth.steps.iter().map(|step| step.year).collect();
    assert_eq!(
        years,
        [Some(2024), Some(2025), Some(2026), Some(2030), Some(2050)]
    );
    assert!(
        tours
            .tour("corridor")
            .expect("corridor")
            .steps
            .iter()
            .all(|step| step.year.is_none()),
        "a step without a year keeps the visitor's"
    );
    let mut value = bundled_value();
    value["tours"][3]["steps"][1]["year"] = json!(2051);
    let error = only(errors_of(&value));
    assert_eq!(error.path, "tours[3].steps[1].year");
    assert_eq!(
        error.message,
        "2051 is not a year of the timeline (2024 to 2050)"
    );
    value["tours"][3]["steps"][1]["year"] = json!("2030");
    let error = only(errors_of(&value));
    assert_eq!(error.path, "tours[3].steps[1].year", "{error:?}");
}

#[test]
fn cameras_ids_and_times_are_checked() {
    let mut value = bundled_value();
    value["tours"][0]["steps"][0]["camera"]["frame"] = json!("gate-district");
    value["tours"][0]["steps"][1]["hold_s"] = json!(0.2);
    value["tours"][2]["id"] = json!("corridor");
    value["tours"][1]["title"]["kk"] = json!(" ");
    let errors = errors_of(&value);
    let described: Vec<String> = errors
        .iter()
        .map(|error| format!("{}: {}", error.path, error.message))
        .collect();
    assert_eq!(
        described,
        [
            "tours[0].steps[0].camera: give exactly one of `frame` and `pose`",
            "tours[0].steps[1].hold_s: 0.2 is outside 1..=120",
            "tours[1].title.kk: empty text",
            "tours[2].id: `corridor` is used twice",
        ],
        "{errors:#?}"
    );
}

#[test]
fn a_truncated_file_says_where_it_ends() {
    let cut = (0..=BUNDLED.len() / 2)
        .rev()
        .find(|&at| BUNDLED.is_char_boundary(at))
        .unwrap_or(0);
    let text = &BUNDLED[..cut];
    let errors = match load_tours("tours.json", text, &snapshot()) {
        Ok(_) => panic!("refused"),
        Err(errors) => errors,
    };
    let error = only(errors.errors);
    assert!(
        error.message.starts_with("the file ends too early"),
        "{}",
        error.message
    );
    assert!(error.line.is_some());
}
