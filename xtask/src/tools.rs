//! Installing what the commands need on a fresh machine: the wasm32 target, Debian's Chromium,
//! and a native wasm-opt built once from the `wasm-opt` crate (binaryen's C++ sources).

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{cmd, paths};

/// The `wasm-opt` crate, binaryen 116 built from its C++ sources: native, so it optimises the
/// release wasm in about two minutes where binaryen.js under Node took fifteen; it keeps Bevy's
/// externref table intact (Debian's binaryen 108 breaks it).
const WASM_OPT_CRATE_VERSION: &str = "0.116.1";

/// Adds the wasm32 target with rustup when it is missing.
pub fn ensure_wasm_target() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).contains("wasm32-unknown-unknown"))
        .unwrap_or(false);
    if !installed {
        cmd::run(
            &paths::root(),
            "rustup",
            &["target", "add", "wasm32-unknown-unknown"],
            &[],
        )
        .context(
            "the wasm32-unknown-unknown target is needed: rustup target add wasm32-unknown-unknown",
        )?;
    }
    Ok(())
}

/// Adds clippy and rustfmt with rustup (a no-op when they are installed).
pub fn ensure_lint_components() -> Result<()> {
    cmd::run(
        &paths::root(),
        "rustup",
        &["component", "add", "clippy", "rustfmt"],
        &[],
    )
    .context("clippy and rustfmt are needed: rustup component add clippy rustfmt")
}

/// Whether this process may install Debian packages (root, with apt-get).
fn can_install_debian_packages() -> bool {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false);
    is_root && cmd::exists("apt-get")
}

/// Installs Debian packages without questions.
fn apt_install(packages: &[&str]) -> Result<()> {
    let root = paths::root();
    cmd::run(&root, "apt-get", &["update", "-q"], &[])?;
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend_from_slice(packages);
    cmd::run(
        &root,
        "apt-get",
        &args,
        &[("DEBIAN_FRONTEND", std::path::Path::new("noninteractive"))],
    )
}

/// Makes sure npm is there (for the glTF Validator and wasm-opt): Debian's packages as root.
pub fn ensure_npm() -> Result<()> {
    if cmd::exists("npm") {
        return Ok(());
    }
    if !can_install_debian_packages() {
        bail!(
            "npm is missing: install Node.js and npm (Debian: `sudo apt-get install nodejs npm`)"
        );
    }
    apt_install(&["nodejs", "npm"])
}

/// Makes sure Chromium is there: installs Debian's package when running as root, else explains.
pub fn ensure_chromium() -> Result<()> {
    let chromium = alatau_e2e::browser::chromium_path();
    if chromium.is_file() {
        return Ok(());
    }
    if !can_install_debian_packages() {
        bail!(
            "{} is missing: install Chromium (Debian: `sudo apt-get install chromium`) or set ALATAU_CHROMIUM",
            chromium.display()
        );
    }
    apt_install(&["chromium", "fonts-dejavu-core"])?;
    if !chromium.is_file() {
        bail!(
            "installed chromium but {} is still missing",
            chromium.display()
        );
    }
    Ok(())
}

/// Makes sure Mesa's llvmpipe is there for the browser suite (several times faster than the
/// SwiftShader Chromium falls back to): installs Debian's packages when running as root, else
/// says the suite runs on SwiftShader.
pub fn ensure_mesa() -> Result<()> {
    if alatau_e2e::browser::mesa_is_installed() {
        return Ok(());
    }
    if !can_install_debian_packages() {
        eprintln!(
            "xtask: Mesa's llvmpipe is missing (Debian: `sudo apt-get install libgl1-mesa-dri \
             libegl-mesa0`): the browser suite renders through SwiftShader, several times slower"
        );
        return Ok(());
    }
    apt_install(&["libgl1-mesa-dri", "libegl-mesa0"])
}

/// Makes sure nginx and its brotli module are there, for the deployment test: installs
/// Debian's packages when running as root, else explains.
pub fn ensure_nginx() -> Result<()> {
    let (nginx, brotli) = (
        alatau_e2e::nginx::nginx_path(),
        PathBuf::from(alatau_e2e::nginx::BROTLI_STATIC_MODULE),
    );
    if nginx.is_file() && brotli.is_file() {
        return Ok(());
    }
    if !can_install_debian_packages() {
        bail!(
            "{} or {} is missing: install nginx (Debian: `sudo apt-get install nginx-light libnginx-mod-http-brotli-static`) or set ALATAU_NGINX",
            nginx.display(),
            brotli.display()
        );
    }
    apt_install(&["nginx-light", "libnginx-mod-http-brotli-static"])?;
    if !nginx.is_file() || !brotli.is_file() {
        bail!("installed nginx but {} is still missing", nginx.display());
    }
    Ok(())
}

/// The Khronos glTF Validator release CI checks the models with.
const GLTF_VALIDATOR_VERSION: &str = "2.0.0-dev.3.10";

/// Installs an npm package into the build cache on first use; returns its `node_modules`.
fn npm_package(package: &str, version: &str, needed_for: &str) -> Result<PathBuf> {
    let prefix = paths::target_dir()
        .join("tools")
        .join(format!("{package}-{version}"));
    let modules = prefix.join("node_modules");
    if modules.join(package).join("package.json").is_file() {
        return Ok(modules);
    }
    ensure_npm().with_context(|| format!("{needed_for} comes from npm's {package} package"))?;
    std::fs::create_dir_all(&prefix)?;
    let prefix_arg = prefix.display().to_string();
    cmd::run(
        &paths::root(),
        "npm",
        &[
            "install",
            "--no-audit",
            "--no-fund",
            "--prefix",
            &prefix_arg,
            &format!("{package}@{version}"),
        ],
        &[],
    )?;
    if !modules.join(package).join("package.json").is_file() {
        bail!(
            "npm installed {package} but {} is missing",
            modules.display()
        );
    }
    Ok(modules)
}

/// A native wasm-opt, built by `cargo install` into the build cache on first use (about ten
/// minutes on two cores, once; `cargo xtask test` never needs it).
pub fn wasm_opt() -> Result<PathBuf> {
    let root = paths::target_dir()
        .join("tools")
        .join(format!("wasm-opt-{WASM_OPT_CRATE_VERSION}"));
    let bin = root.join("bin").join("wasm-opt");
    if bin.is_file() {
        return Ok(bin);
    }
    eprintln!("wasm-opt: building binaryen from source once (about ten minutes here)");
    let root_arg = root.display().to_string();
    let build_dir = paths::target_dir().join("tools").join("wasm-opt-build");
    let build_arg = build_dir.display().to_string();
    cmd::run(
        &paths::root(),
        "cargo",
        &[
            "install",
            "wasm-opt",
            "--version",
            &format!("={WASM_OPT_CRATE_VERSION}"),
            "--root",
            &root_arg,
            "--target-dir",
            &build_arg,
        ],
        &[],
    )
    .context("building wasm-opt (the `wasm-opt` crate needs a C++ compiler: Debian's g++)")?;
    if !bin.is_file() {
        bail!("cargo installed wasm-opt but {} is missing", bin.display());
    }
    let _ = std::fs::remove_dir_all(&build_dir);
    Ok(bin)
}

/// Runs the Khronos glTF Validator over `files`; fails on any error it reports.
pub fn validate_gltf(files: &[PathBuf]) -> Result<()> {
    let modules = npm_package(
        "gltf-validator",
        GLTF_VALIDATOR_VERSION,
        "the glTF Validator",
    )?;
    let script = paths::root().join("xtask").join("gltf-validate.mjs");
    let mut args = vec![script.display().to_string(), modules.display().to_string()];
    args.extend(files.iter().map(|file| file.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    cmd::run(&paths::root(), "node", &args, &[]).context("the glTF Validator reported errors")
}
