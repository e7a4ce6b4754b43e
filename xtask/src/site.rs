//! Building the site: the wasm build, wasm-bindgen (pinned through Cargo.lock by the
//! `wasm-bindgen-cli-support` crate), and the folder a static server serves.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use wasm_bindgen_cli_support::Bindgen;

use crate::{cmd, paths, tools};

/// Which cargo profile to build the wasm with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// Optimised without LTO: quick rebuilds for `serve` and `test`.
    Web,
    /// Fat LTO, size-tuned: what `dist` ships.
    Release,
}

impl Profile {
    fn cargo_name(self) -> &'static str {
        match self {
            Profile::Web => "web",
            Profile::Release => "release",
        }
    }
}

/// The JavaScript glue and wasm module wasm-bindgen wrote.
pub struct Bindings {
    /// The ES module that loads the wasm.
    pub js: PathBuf,
    /// The wasm module.
    pub wasm: PathBuf,
}

/// The stem of the generated files: `alatau_explorer.js`, `alatau_explorer_bg.wasm`.
const OUT_NAME: &str = "alatau_explorer";

/// Builds the app for wasm32 and runs wasm-bindgen on it, writing into `out_dir`.
pub fn build_bindings(profile: Profile, out_dir: &Path) -> Result<Bindings> {
    tools::ensure_wasm_target()?;
    let root = paths::root();
    cmd::run(
        &root,
        "cargo",
        &[
            "build",
            "--profile",
            profile.cargo_name(),
            "--target",
            "wasm32-unknown-unknown",
            "--package",
            "alatau-explorer",
            "--bin",
            "alatau-explorer",
        ],
        &[],
    )?;
    let wasm = paths::target_dir()
        .join("wasm32-unknown-unknown")
        .join(profile.cargo_name())
        .join("alatau-explorer.wasm");
    if out_dir.exists() {
        fs::remove_dir_all(out_dir)?;
    }
    fs::create_dir_all(out_dir)?;
    eprintln!("$ wasm-bindgen {} (cli-support, pinned)", wasm.display());
    Bindgen::new()
        .input_path(&wasm)
        .out_name(OUT_NAME)
        .web(true)?
        .typescript(false)
        .generate(out_dir)
        .with_context(|| format!("wasm-bindgen on {}", wasm.display()))?;
    Ok(Bindings {
        js: out_dir.join(format!("{OUT_NAME}.js")),
        wasm: out_dir.join(format!("{OUT_NAME}_bg.wasm")),
    })
}

/// Lays out a site in `out`: `index.html`, `web/`, `assets/` and `pkg/` with the bindings.
/// `index.html` learns the wasm's raw size, so the progress bar is right even over brotli.
pub fn assemble(out: &Path, bindings: &Bindings) -> Result<()> {
    let root = paths::root();
    if out.exists() {
        fs::remove_dir_all(out).with_context(|| format!("clearing {}", out.display()))?;
    }
    fs::create_dir_all(out.join("pkg"))?;
    alatau_e2e::copy_tree(&root.join("web"), &out.join("web"))?;
    if root.join("assets").is_dir() {
        alatau_e2e::copy_tree(&root.join("assets"), &out.join("assets"))?;
    }
    fs::copy(&bindings.js, out.join("pkg").join(file_name(&bindings.js)?))?;
    fs::copy(
        &bindings.wasm,
        out.join("pkg").join(file_name(&bindings.wasm)?),
    )?;
    let wasm_bytes = fs::metadata(&bindings.wasm)?.len();
    let index = fs::read_to_string(root.join("index.html"))?;
    let marker = "data-wasm-bytes=\"\"";
    if !index.contains(marker) {
        bail!("index.html lost its {marker} attribute");
    }
    let index = index.replace(marker, &format!("data-wasm-bytes=\"{wasm_bytes}\""));
    fs::write(out.join("index.html"), index)?;
    Ok(())
}

fn file_name(path: &Path) -> Result<&str> {
    path.file_name()
        .and_then(|name| name.to_str())
        .with_context(|| format!("no file name in {}", path.display()))
}

/// Builds the development site into `target/site` and returns its folder.
pub fn build_dev_site() -> Result<PathBuf> {
    let bindings = build_bindings(Profile::Web, &paths::target_dir().join("bindgen-web"))?;
    let site = paths::dev_site();
    assemble(&site, &bindings)?;
    alatau_e2e::precache::write_service_worker(&site)?;
    Ok(site)
}

/// `cargo xtask serve`: builds and serves the site until interrupted.
pub fn serve(port: u16, release: bool) -> Result<()> {
    let site = if release {
        crate::dist::run(true, crate::dist::SizeGate::Warn)?
    } else {
        build_dev_site()?
    };
    let server = alatau_e2e::server::SiteServer::start(&site, "127.0.0.1", port)?;
    println!("Alatau Explorer: {}  (Ctrl+C stops)", server.url());
    server.wait();
    Ok(())
}
