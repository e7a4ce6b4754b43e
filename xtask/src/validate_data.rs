//! `cargo xtask validate-data [FILE]`: checks the data files with the app's own validation: a
//! snapshot (`alatau.json`), or a tours file (`tours.json`, checked against the snapshot beside
//! it, else the bundled one); with no FILE, both bundled files. `dist` and `test` run it first
//! and refuse invalid data.

use std::path::{Path, PathBuf};

use alatau_model::snapshot::Snapshot;
use alatau_model::tour::load_tours;
use alatau_model::validate::load_snapshot;
use anyhow::{Context, Result, bail};

use crate::paths;

fn data_dir() -> PathBuf {
    paths::root().join("assets").join("data")
}

/// The bundled snapshot.
pub fn bundled() -> PathBuf {
    data_dir().join("alatau.json")
}

/// The bundled tours.
pub fn bundled_tours() -> PathBuf {
    data_dir().join("tours.json")
}

/// Validates both bundled files.
pub fn run_bundled() -> Result<()> {
    run(&bundled())?;
    run(&bundled_tours())
}

/// Validates `file` (a tours file when it is named `tours.json`, else a snapshot), printing a
/// one-line summary or every error.
pub fn run(file: &Path) -> Result<()> {
    if file.file_name().is_some_and(|name| name == "tours.json") {
        let beside = file.with_file_name("alatau.json");
        let snapshot_file = if beside.is_file() { beside } else { bundled() };
        let snapshot = snapshot_of(&snapshot_file)?;
        return validate_tours(file, &snapshot);
    }
    let snapshot = snapshot_of(file)?;
    println!(
        "{}: valid: {} sources, {} districts, {} clusters, {} sectors, {} named projects, {} dated milestones; portfolio of {} projects as of {} (not itemised publicly)",
        file.display(),
        snapshot.sources.len(),
        snapshot.districts.len(),
        snapshot.clusters.len(),
        snapshot.sectors.len(),
        snapshot.projects.len(),
        snapshot.milestones.len(),
        snapshot.portfolio.projects,
        snapshot.portfolio.as_of,
    );
    Ok(())
}

fn read(file: &Path) -> Result<String> {
    std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
}

fn snapshot_of(file: &Path) -> Result<Snapshot> {
    let name = file.display().to_string();
    match load_snapshot(&name, &read(file)?) {
        Ok(snapshot) => Ok(snapshot),
        Err(errors) => {
            eprintln!("{errors}");
            bail!(
                "{name} is not a valid snapshot ({} problems)",
                errors.errors.len()
            )
        }
    }
}

fn validate_tours(file: &Path, snapshot: &Snapshot) -> Result<()> {
    let name = file.display().to_string();
    match load_tours(&name, &read(file)?, snapshot) {
        Ok(tours) => {
            let steps: usize = tours.tours.iter().map(|tour| tour.steps.len()).sum();
            println!(
                "{name}: valid: {} tours, {steps} steps, every reference and caption figure in the snapshot",
                tours.tours.len()
            );
            Ok(())
        }
        Err(errors) => {
            eprintln!("{errors}");
            bail!(
                "{name} is not a valid tours file ({} problems)",
                errors.errors.len()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_files_are_valid_and_a_broken_tours_file_is_refused() {
        run_bundled().expect("the bundled data is valid");
        let dir = std::env::temp_dir().join(format!("alatau-validate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let broken = dir.join("tours.json");
        let text = read(&bundled_tours()).expect("read").replace(
            "\"frame\": \"gate-district\"",
            "\"frame\": \"no-such-place\"",
        );
        std::fs::write(&broken, text).expect("write");
        let refused = run(&broken);
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            refused.is_err_and(|error| error.to_string().contains("not a valid tours file")),
            "a tours file naming no record is refused"
        );
    }
}
