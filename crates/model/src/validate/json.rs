//! Typed JSON with errors people can act on: syntax errors with line and column, type errors
//! with the JSON path (`projects[3].investment.kzt: expected a number, found a string`), in
//! plain words. Used for every data file the app reads.

use serde::de::DeserializeOwned;

use super::SnapshotError;

/// Parses `text` as a `T`: the first syntax or type error, with its place, if it is not one.
pub fn read_typed<T: DeserializeOwned>(text: &str) -> Result<T, SnapshotError> {
    if text.trim().is_empty() {
        return Err(SnapshotError {
            line: None,
            column: None,
            path: String::new(),
            message: "the file is empty".into(),
        });
    }
    // Syntax first, as a plain JSON value: a syntax error or absurd nesting anywhere is reported
    // as such, before any type error the typed pass would meet on the way.
    if let Err(error) = serde_json::from_str::<serde_json::Value>(text) {
        return Err(syntax_error(&error));
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| type_or_syntax_error(&error))?;
    if let Err(error) = deserializer.end() {
        return Err(SnapshotError {
            line: Some(error.line()),
            column: Some(error.column()),
            path: String::new(),
            message: "unexpected text after the data".into(),
        });
    }
    Ok(value)
}

/// The line (1-based) of the record whose `"id"` is `id`, if the text has one.
pub fn line_of_record(text: &str, id: &str) -> Option<usize> {
    let needle = format!("\"{id}\"");
    text.lines()
        .position(|line| line.contains("\"id\"") && line.contains(&needle))
        .map(|index| index + 1)
}

fn syntax_error(error: &serde_json::Error) -> SnapshotError {
    let (path, message) = classify(error, "");
    SnapshotError {
        line: Some(error.line()),
        column: Some(error.column()),
        path,
        message,
    }
}

fn type_or_syntax_error(error: &serde_path_to_error::Error<serde_json::Error>) -> SnapshotError {
    let inner = error.inner();
    let (path, message) = classify(inner, &display_path(error.path()));
    SnapshotError {
        line: Some(inner.line()),
        column: Some(inner.column()),
        path,
        message,
    }
}

/// The path and plain message of a serde_json error (`path` applies to data errors only).
fn classify(inner: &serde_json::Error, path: &str) -> (String, String) {
    let raw = inner.to_string();
    // serde_json appends " at line L column C"; we print the position ourselves.
    let message = match raw.rfind(" at line ") {
        Some(at) => raw[..at].to_owned(),
        None => raw,
    };
    use serde_json::error::Category;
    match inner.classify() {
        Category::Syntax if message.contains("recursion limit") => (
            String::new(),
            "nested too deeply (more than 128 levels)".to_owned(),
        ),
        Category::Syntax => (String::new(), format!("syntax error: {message}")),
        Category::Eof => (
            String::new(),
            format!("the file ends too early ({message})"),
        ),
        Category::Io => (String::new(), message),
        Category::Data => (path.to_owned(), plain_type_message(&message)),
    }
}

fn display_path(path: &serde_path_to_error::Path) -> String {
    let text = path.to_string();
    if text == "." { String::new() } else { text }
}

/// Turns serde's wording into plain words: `invalid type: string "x", expected f64` becomes
/// `expected a number, found a string`.
pub fn plain_type_message(message: &str) -> String {
    let found_expected = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        .and_then(|rest| rest.rsplit_once(", expected "));
    let Some((found, expected)) = found_expected else {
        return message.to_owned();
    };
    let found_words = if found.starts_with("string") {
        "a string".to_owned()
    } else if found.starts_with("integer") || found.starts_with("floating point") {
        let number = found.split('`').nth(1).unwrap_or("");
        format!("the number {number}")
    } else if found.starts_with("boolean") {
        "a boolean".to_owned()
    } else if found == "map" {
        "an object".to_owned()
    } else if found == "sequence" {
        "an array".to_owned()
    } else if found == "null" || found == "unit value" {
        "null".to_owned()
    } else {
        found.to_owned()
    };
    let expected_words = match expected {
        "f64" | "f32" => "a number",
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number of at least 0",
        "a string" | "a borrowed string" => "a string",
        "a boolean" => "true or false",
        "a sequence" => "an array",
        "a map" => "an object",
        other if other.starts_with("struct ") => "an object",
        other => other,
    };
    format!("expected {expected_words}, found {found_words}")
}
