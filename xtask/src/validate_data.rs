//! `cargo xtask validate-data [FILE]`: checks a data snapshot (the bundled one by default) with
//! the app's own validation; `dist` and `test` run it first and refuse an invalid snapshot.

use std::path::{Path, PathBuf};

use alatau_model::validate::load_snapshot;
use anyhow::{Context, Result, bail};

use crate::paths;

/// The bundled snapshot.
pub fn bundled() -> PathBuf {
    paths::root()
        .join("assets")
        .join("data")
        .join("alatau.json")
}

/// Validates `file`, printing a one-line summary or every error.
pub fn run(file: &Path) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.display().to_string();
    match load_snapshot(&name, &text) {
        Ok(snapshot) => {
            println!(
                "{name}: valid: {} sources, {} districts, {} clusters, {} sectors, {} named projects; portfolio of {} projects as of {} ({} not itemised)",
                snapshot.sources.len(),
                snapshot.districts.len(),
                snapshot.clusters.len(),
                snapshot.sectors.len(),
                snapshot.projects.len(),
                snapshot.portfolio.projects,
                snapshot.portfolio.as_of,
                snapshot.unitemised_project_count()
            );
            Ok(())
        }
        Err(errors) => {
            eprintln!("{errors}");
            bail!(
                "{} is not a valid snapshot ({} problems)",
                name,
                errors.errors.len()
            )
        }
    }
}
