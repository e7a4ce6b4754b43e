//! `cargo xtask test`: every test, in the order that fails fastest: formatting, lints (native
//! and wasm), native unit tests, the wasm build, then the browser suite in headless Chromium.

use std::time::Instant;

use anyhow::Result;

use crate::{cmd, paths, site, tools};

/// Runs every check; the first failure stops the run with its command named.
pub fn run() -> Result<()> {
    let root = paths::root();
    let started = Instant::now();
    let step = |name: &str, action: &mut dyn FnMut() -> Result<()>| -> Result<()> {
        let t = Instant::now();
        eprintln!("==> {name}");
        action()?;
        eprintln!("<== {name}: {:.0} s", t.elapsed().as_secs_f64());
        Ok(())
    };
    step("data snapshot", &mut || crate::validate_data::run_bundled())?;
    step("format", &mut || {
        tools::ensure_lint_components()?;
        cmd::run(&root, "cargo", &["fmt", "--all", "--", "--check"], &[])
    })?;
    step("lints (native)", &mut || {
        cmd::run(
            &root,
            "cargo",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
            &[],
        )
    })?;
    step("lints (wasm)", &mut || {
        tools::ensure_wasm_target()?;
        cmd::run(
            &root,
            "cargo",
            &[
                "clippy",
                "--package",
                "alatau-explorer",
                "--target",
                "wasm32-unknown-unknown",
                "--profile",
                "web",
                "--",
                "-D",
                "warnings",
            ],
            &[],
        )
    })?;
    step("native tests", &mut || {
        cmd::run(
            &root,
            "cargo",
            &[
                "test",
                "--package",
                "alatau-model",
                "--package",
                "alatau-explorer",
                "--package",
                "xtask",
            ],
            &[],
        )
    })?;
    step("landmark models (Khronos glTF Validator)", &mut || {
        let files: Vec<_> = crate::models::all()
            .iter()
            .map(|model| crate::models::models_dir().join(model.file))
            .collect();
        tools::validate_gltf(&files)
    })?;
    let mut site_dir = None;
    step("wasm build and site", &mut || {
        site_dir = Some(site::build_dev_site()?);
        Ok(())
    })?;
    let site_dir = site_dir.unwrap_or_else(paths::dev_site);
    let mut packaged_dir = None;
    step("release-shaped site (for the nginx test)", &mut || {
        packaged_dir = Some(crate::dist::package_dev_site(&site_dir)?);
        Ok(())
    })?;
    let packaged_dir = packaged_dir.unwrap_or_else(|| paths::target_dir().join("site-packaged"));
    step("browser suite", &mut || {
        tools::ensure_chromium()?;
        tools::ensure_mesa()?;
        tools::ensure_nginx()?;
        cmd::run(
            &root,
            "cargo",
            // Every browser test runs, so one failure does not hide the others.
            &[
                "test",
                "--no-fail-fast",
                "--package",
                "alatau-e2e",
                "--",
                "--test-threads=1",
            ],
            &[
                ("ALATAU_SITE_DIR", &site_dir),
                ("ALATAU_PACKAGED_SITE_DIR", &packaged_dir),
                ("ALATAU_E2E_OUT", &paths::e2e_output()),
            ],
        )
    })?;
    eprintln!(
        "all checks passed in {:.0} s; screenshots in {}",
        started.elapsed().as_secs_f64(),
        paths::e2e_output().display()
    );
    Ok(())
}
