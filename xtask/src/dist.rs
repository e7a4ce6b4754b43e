//! `cargo xtask dist`: the release site in `dist/`: fat-LTO wasm through a current wasm-opt,
//! content-hashed wasm/js/css names, `index.html` unhashed, the service worker `sw.js` with the
//! release's precache manifest, `.br` and `.gz` beside every file, and `size-manifest.json`. Any
//! static server can serve the folder; `deploy/nginx.conf` is the tested configuration.
//!
//! The size gate: a site whose brotli total passes `alatau_e2e::budgets::TRANSFER_BROTLI_BYTES`
//! fails the command, naming its largest files, unless it is built `--over-budget` (the bench,
//! which measures it, and `serve --release`, for a look).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use crate::site::{self, Profile};
use crate::{cmd, paths, tools};

/// Raw, gzip and brotli sizes of one file of the site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSize {
    /// Path relative to the site root, with `/`.
    pub path: String,
    /// Bytes on disk.
    pub raw: u64,
    /// Bytes gzip -9.
    pub gzip: u64,
    /// Bytes brotli -11.
    pub brotli: u64,
}

/// Whether a site over its size budget is an error or only a warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeGate {
    /// Over budget: the command fails.
    Enforce,
    /// Over budget: a warning, and the site is kept (to measure it, or to look at it).
    Warn,
}

/// How many of the largest files the size gate names.
const LARGEST_NAMED: usize = 5;

/// The size gate: `Ok` within `budget` (brotli bytes, the whole site), else the message that
/// names the total and the largest files.
pub fn check_size(sizes: &[FileSize], budget: u64) -> Result<(), String> {
    let total = totals(sizes).brotli;
    if total <= budget {
        return Ok(());
    }
    let mut largest: Vec<&FileSize> = sizes.iter().collect();
    largest.sort_by(|a, b| b.brotli.cmp(&a.brotli).then_with(|| a.path.cmp(&b.path)));
    let named: Vec<String> = largest
        .iter()
        .take(LARGEST_NAMED)
        .map(|file| format!("{} {} B", file.path, file.brotli))
        .collect();
    Err(format!(
        "the site is {total} B brotli ({}), over its budget of {budget} B ({}); the largest \
         files: {}",
        alatau_e2e::budgets::megabytes(total),
        alatau_e2e::budgets::megabytes(budget),
        named.join(", ")
    ))
}

/// Builds `dist/` and returns its path. `wasm_opt: false` skips wasm-opt (quicker, larger);
/// `gate` says what a site over its size budget does.
pub fn run(wasm_opt: bool, gate: SizeGate) -> Result<PathBuf> {
    crate::validate_data::run_bundled()?;
    let bindings = site::build_bindings(
        Profile::Release,
        &paths::target_dir().join("bindgen-release"),
    )?;
    if wasm_opt {
        let before = wasm_sizes(&bindings.wasm)?;
        optimise_wasm(&bindings.wasm)?;
        let after = wasm_sizes(&bindings.wasm)?;
        println!(
            "wasm-opt: raw {} -> {} B, gzip {} -> {} B",
            before.0, after.0, before.1, after.1
        );
    }
    let dist = paths::dist();
    site::assemble(&dist, &bindings)?;
    let sizes = package(&dist, Squeeze::Best)?;
    for size in &sizes {
        println!(
            "{:<48} raw {:>10}  gzip {:>9}  brotli {:>9}",
            size.path, size.raw, size.gzip, size.brotli
        );
    }
    let total = totals(&sizes);
    println!(
        "{:<48} raw {:>10}  gzip {:>9}  brotli {:>9}",
        "total", total.raw, total.gzip, total.brotli
    );
    println!("dist: {}", dist.display());
    match (
        check_size(&sizes, alatau_e2e::budgets::TRANSFER_BROTLI_BYTES),
        gate,
    ) {
        (Ok(()), _) => Ok(dist),
        (Err(over), SizeGate::Warn) => {
            eprintln!("warning: {over} (built with --over-budget)");
            Ok(dist)
        }
        (Err(over), SizeGate::Enforce) => {
            bail!("{over}; `cargo xtask dist --over-budget` builds it anyway")
        }
    }
}

/// How hard the `.gz` and `.br` siblings are squeezed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Squeeze {
    /// gzip -9 and brotli -11: what `dist` ships (brotli -11 of the wasm takes a minute or two).
    Best,
    /// gzip -6 and brotli -5: the same files and headers in seconds, for the deployment test.
    Quick,
}

/// Turns an assembled site into a release-shaped one in place: content-hashed names, the
/// service worker's precache manifest, `.gz` and `.br` beside every file, `size-manifest.json`.
/// Returns the sizes, sorted by path.
fn package(site: &Path, squeeze: Squeeze) -> Result<Vec<FileSize>> {
    hash_names(site)?;
    let release = alatau_e2e::precache::write_service_worker(site)?;
    println!("release {release}: sw.js precaches every file");
    let sizes = compress_all(site, squeeze)?;
    write_manifest(site, &sizes)?;
    Ok(sizes)
}

/// The development site (`target/site`) packaged as `dist` packages the release, quickly, in
/// `target/site-packaged`: what the deployment test serves through nginx.
pub fn package_dev_site(dev_site: &Path) -> Result<PathBuf> {
    let packaged = paths::target_dir().join("site-packaged");
    if packaged.exists() {
        fs::remove_dir_all(&packaged)?;
    }
    alatau_e2e::copy_tree(dev_site, &packaged)?;
    package(&packaged, Squeeze::Quick)?;
    Ok(packaged)
}

/// Raw and gzip size of a wasm file, to report what wasm-opt saved (gzip: brotli -11 of a
/// 30 MB module takes minutes here; the final sizes are brotli).
fn wasm_sizes(wasm: &Path) -> Result<(usize, usize)> {
    let bytes = fs::read(wasm)?;
    Ok((bytes.len(), gzip(&bytes, Squeeze::Best)?.len()))
}

/// wasm-opt's level. `-O1` makes the smallest download: on the release wasm of 2026-12-06
/// (before wasm-opt 12.55 MB raw, 2.610 MB brotli without its names) `-O1` gave 12.03 MB and
/// 2.592 MB, `-O2` 11.94 / 2.614, `-O3` 11.79 / 2.627, `-Os` 11.77 / 2.627 and `-Oz` 11.15 /
/// 2.632: the size levels shrink the raw bytes into a shape brotli packs less well
/// (docs/build-profile.md).
const WASM_OPT_LEVEL: &str = "-O1";

/// Runs wasm-opt on `wasm` in place. The result is cached by the input's hash in the build
/// cache: a build whose wasm did not change (a change to the page or the data) skips it.
fn optimise_wasm(wasm: &Path) -> Result<()> {
    let input = fs::read(wasm)?;
    let key: String = Sha256::digest([&input[..], WASM_OPT_LEVEL.as_bytes()].concat())
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect();
    let cache_dir = paths::target_dir().join("wasm-opt-cache");
    let cached = cache_dir.join(format!("{key}.wasm"));
    if cached.is_file() {
        eprintln!("wasm-opt: reusing {}", cached.display());
        fs::copy(&cached, wasm)?;
        return Ok(());
    }
    let wasm_opt = tools::wasm_opt()?;
    let input_arg = wasm.display().to_string();
    cmd::run(
        &paths::root(),
        &wasm_opt.display().to_string(),
        &[
            WASM_OPT_LEVEL,
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-reference-types",
            "--enable-multivalue",
            &input_arg,
            "-o",
            &input_arg,
        ],
        &[],
    )?;
    fs::create_dir_all(&cache_dir)?;
    fs::copy(wasm, &cached)?;
    Ok(())
}

/// `name.ext` becomes `name-<first 10 hex of sha256>.ext`.
pub fn hashed_name(name: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hash: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}-{hash}.{ext}"),
        None => format!("{name}-{hash}"),
    }
}

/// Renames the wasm, its glue, boot.js and style.css to content-hashed names and points
/// index.html at them.
fn hash_names(dist: &Path) -> Result<()> {
    let index_path = dist.join("index.html");
    let mut index = fs::read_to_string(&index_path)?;
    for relative in [
        "pkg/alatau_explorer_bg.wasm",
        "pkg/alatau_explorer.js",
        "web/boot.js",
        "web/style.css",
    ] {
        let path = dist.join(relative);
        let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let (folder, name) = relative.rsplit_once('/').unwrap_or(("", relative));
        let hashed = format!("{folder}/{}", hashed_name(name, &bytes));
        let quoted = format!("\"{relative}\"");
        if !index.contains(&quoted) {
            bail!("index.html does not reference {relative}");
        }
        index = index.replace(&quoted, &format!("\"{hashed}\""));
        fs::rename(&path, dist.join(&hashed))?;
    }
    fs::write(index_path, index)?;
    Ok(())
}

fn all_files(dir: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            all_files(&path, found)?;
        } else {
            found.push(path);
        }
    }
    Ok(())
}

fn gzip(bytes: &[u8], squeeze: Squeeze) -> Result<Vec<u8>> {
    let level = match squeeze {
        Squeeze::Best => flate2::Compression::best(),
        Squeeze::Quick => flate2::Compression::default(),
    };
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?)
}

fn brotli(bytes: &[u8], squeeze: Squeeze) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: match squeeze {
            Squeeze::Best => 11,
            Squeeze::Quick => 5,
        },
        lgwin: 24,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}

/// Writes `.gz` and `.br` beside every file and returns the sizes, sorted by path.
fn compress_all(dist: &Path, squeeze: Squeeze) -> Result<Vec<FileSize>> {
    let mut files = Vec::new();
    all_files(dist, &mut files)?;
    let mut sizes = Vec::new();
    for file in files {
        let bytes = fs::read(&file)?;
        let (gz, br) = (gzip(&bytes, squeeze)?, brotli(&bytes, squeeze)?);
        fs::write(PathBuf::from(format!("{}.gz", file.display())), &gz)?;
        fs::write(PathBuf::from(format!("{}.br", file.display())), &br)?;
        let relative = file
            .strip_prefix(dist)?
            .to_string_lossy()
            .replace('\\', "/");
        sizes.push(FileSize {
            path: relative,
            raw: bytes.len() as u64,
            gzip: gz.len() as u64,
            brotli: br.len() as u64,
        });
    }
    sizes.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(sizes)
}

/// The sum of all files.
pub fn totals(sizes: &[FileSize]) -> FileSize {
    sizes.iter().fold(
        FileSize {
            path: "total".into(),
            raw: 0,
            gzip: 0,
            brotli: 0,
        },
        |sum, file| FileSize {
            path: sum.path,
            raw: sum.raw + file.raw,
            gzip: sum.gzip + file.gzip,
            brotli: sum.brotli + file.brotli,
        },
    )
}

fn write_manifest(dist: &Path, sizes: &[FileSize]) -> Result<()> {
    let total = totals(sizes);
    let files: Vec<_> = sizes
        .iter()
        .map(|s| serde_json::json!({"path": s.path, "raw": s.raw, "gzip": s.gzip, "brotli": s.brotli}))
        .collect();
    let manifest = serde_json::json!({
        "files": files,
        "total": {"raw": total.raw, "gzip": total.gzip, "brotli": total.brotli},
    });
    fs::write(
        dist.join("size-manifest.json"),
        serde_json::to_string_pretty(&manifest)?,
    )?;
    Ok(())
}

/// Reads `dist/size-manifest.json` back.
pub fn read_manifest(dist: &Path) -> Result<Vec<FileSize>> {
    let text = fs::read_to_string(dist.join("size-manifest.json"))?;
    let value: serde_json::Value = serde_json::from_str(&text)?;
    let files = value["files"]
        .as_array()
        .context("manifest without files")?;
    files
        .iter()
        .map(|file| {
            Ok(FileSize {
                path: file["path"].as_str().context("path")?.to_owned(),
                raw: file["raw"].as_u64().context("raw")?,
                gzip: file["gzip"].as_u64().context("gzip")?,
                brotli: file["brotli"].as_u64().context("brotli")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, brotli: u64) -> FileSize {
        FileSize {
            path: path.into(),
            raw: brotli * 4,
            gzip: brotli * 2,
            brotli,
        }
    }

    #[test]
    fn the_size_gate_passes_a_site_within_budget_and_names_the_largest_files_of_one_over() {
        let site = [
            file("index.html", 2_000),
            file("alatau-explorer-0123.wasm", 2_400_000),
            file("assets/data/alatau.json", 30_000),
            file("assets/models/iconic_complex.glb", 60_000),
        ];
        let total: u64 = site.iter().map(|f| f.brotli).sum();
        assert_eq!(check_size(&site, total), Ok(()), "exactly at the budget");
        let message = check_size(&site, 2_000_000).expect_err("over budget");
        assert!(
            message.starts_with(
                "the site is 2492000 B brotli (2.49 MB), over its budget of 2000000 B (2.00 MB)"
            ),
            "{message}"
        );
        let wasm = message
            .find("alatau-explorer-0123.wasm 2400000 B")
            .expect("the wasm named");
        let model = message
            .find("iconic_complex.glb 60000 B")
            .expect("the model named");
        assert!(wasm < model, "largest first: {message}");
    }

    #[test]
    fn hashed_names_change_with_content_and_keep_the_extension() {
        let a = hashed_name("alatau_explorer_bg.wasm", b"one");
        let b = hashed_name("alatau_explorer_bg.wasm", b"two");
        assert_ne!(a, b);
        assert!(
            a.starts_with("alatau_explorer_bg-") && a.ends_with(".wasm"),
            "{a}"
        );
        assert_eq!(a.len(), "alatau_explorer_bg-".len() + 10 + ".wasm".len());
        assert_eq!(
            a,
            hashed_name("alatau_explorer_bg.wasm", b"one"),
            "deterministic"
        );
    }

    #[test]
    fn compression_round_trips() {
        let text = "Alatau ".repeat(1000);
        let gz = gzip(text.as_bytes(), Squeeze::Best).expect("gzip");
        let mut back = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut back)
            .expect("gunzip");
        assert_eq!(back, text);
        let br = brotli(text.as_bytes(), Squeeze::Quick).expect("brotli");
        assert!(br.len() < 100, "brotli shrinks repetition: {}", br.len());
    }
}
