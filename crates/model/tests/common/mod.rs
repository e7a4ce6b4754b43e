//! Helpers shared by the data-file tests: the schema-versus-types field walk.

use serde_json::{Value, json};

/// Walks a serialised Rust value beside the schema: every object's keys must be exactly the
/// schema's `properties`, so a field added to either side alone fails here.
pub fn assert_same_fields(value: &Value, schema: &Value, root: &Value, path: &str) {
    fn resolve(node: &Value, root: &Value, want_object: bool) -> Value {
        let mut node = node.clone();
        loop {
            if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
                let name = reference.trim_start_matches("#/$defs/");
                node = root["$defs"][name].clone();
            } else if let Some(options) = node.get("oneOf").and_then(Value::as_array) {
                // The option that fits the value: an object's has properties (a figure is a
                // number or a qualified object); otherwise the first that is not null.
                let not_null = options
                    .iter()
                    .filter(|o| o.get("type") != Some(&json!("null")));
                let fitting = not_null
                    .clone()
                    .find(|o| !want_object || resolve(o, root, true).get("properties").is_some());
                match fitting.or_else(|| not_null.clone().next()) {
                    Some(option) => node = option.clone(),
                    None => return node,
                }
            } else {
                return node;
            }
        }
    }
    let schema = resolve(schema, root, value.is_object());
    match value {
        Value::Object(map) => {
            let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
                panic!("{path}: the schema has no properties for an object");
            };
            let mut ours: Vec<&String> = map.keys().collect();
            let mut theirs: Vec<&String> = properties.keys().collect();
            ours.sort();
            theirs.sort();
            assert_eq!(ours, theirs, "{path}: Rust fields vs schema properties");
            for (key, child) in map {
                assert_same_fields(child, &properties[key], root, &format!("{path}.{key}"));
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                assert_same_fields(item, &schema["items"], root, &format!("{path}[{index}]"));
            }
        }
        _ => {}
    }
}
