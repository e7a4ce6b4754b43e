//! Reading a snapshot: JSON syntax (errors with line and column), then types (errors with the
//! JSON path), then the domain rules (every error at once). Never panics, whatever the input.
//!
//! [`json`] reads any typed JSON file with such errors (the snapshot, and any other data file
//! the app ships); `rules` holds the snapshot's domain rules.

pub mod json;
mod rules;

use std::fmt;

use crate::snapshot::Snapshot;

pub use json::plain_type_message;
pub use rules::{check_rules, footprint_local, is_real_date};

/// The region every location must lie in (degrees): Almaty's mountains to beyond the reservoir.
pub const REGION_LAT: (f64, f64) = (42.8, 44.4);
/// See [`REGION_LAT`].
pub const REGION_LON: (f64, f64) = (76.3, 78.4);

/// One problem in a snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotError {
    /// Line (1-based) when known.
    pub line: Option<usize>,
    /// Column (1-based) when known.
    pub column: Option<usize>,
    /// The JSON path (`projects[3].investment.kzt`), empty for syntax errors.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Every problem found in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotErrors {
    /// The file name shown to people (`alatau.json`).
    pub file: String,
    /// The problems, in file order where known.
    pub errors: Vec<SnapshotError>,
}

impl SnapshotError {
    /// `file:line:column: path: message`, leaving out what is not known.
    pub fn describe(&self, file: &str) -> String {
        let mut out = file.to_owned();
        if let Some(line) = self.line {
            out.push_str(&format!(":{line}"));
            if let Some(column) = self.column {
                out.push_str(&format!(":{column}"));
            }
        }
        out.push_str(": ");
        if !self.path.is_empty() {
            out.push_str(&self.path);
            out.push_str(": ");
        }
        out.push_str(&self.message);
        out
    }
}

impl fmt::Display for SnapshotErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.errors.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", error.describe(&self.file))?;
        }
        Ok(())
    }
}

impl std::error::Error for SnapshotErrors {}

/// Parses and validates a snapshot. `file` names it in the errors.
pub fn load_snapshot(file: &str, text: &str) -> Result<Snapshot, SnapshotErrors> {
    let fail = |errors| SnapshotErrors {
        file: file.to_owned(),
        errors,
    };
    let snapshot: Snapshot = json::read_typed(text).map_err(|error| fail(vec![error]))?;
    let mut errors = check_rules(&snapshot);
    for error in &mut errors {
        error.line = rules::record_id_for_path(&snapshot, &error.path)
            .and_then(|id| json::line_of_record(text, id));
    }
    if errors.is_empty() {
        Ok(snapshot)
    } else {
        Err(fail(errors))
    }
}
