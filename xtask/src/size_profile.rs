//! `cargo xtask size-profile [--web]`: where the bytes of the release wasm go. Builds the release wasm,
//! lists its functions and data with `twiggy top` (installed into the build cache on first
//! use), and sums their sizes by crate and by feature, as Markdown tables for
//! `docs/build-profile.md`.
//!
//! The sizes are of the module cargo links (names kept, before wasm-bindgen and wasm-opt), so
//! they add up to more than what ships; the shares are what to read. A generic function counts
//! for the crate that defines it (`bevy_ecs::system::...<alatau_explorer::...>` is `bevy_ecs`),
//! and towards every feature whose mark its name carries.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::site::{self, Profile};
use crate::{cmd, paths};

/// One function or data item of the module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// Its name as twiggy prints it.
    pub name: String,
    /// Its own bytes.
    pub bytes: u64,
}

/// The features looked for in item names: a label and the marks that name them.
const FEATURES: [(&str, &[&str]); 12] = [
    (
        "reflection (bevy_reflect, registration, type paths)",
        &["reflect", "Reflect", "TypePath", "TypeRegistration"],
    ),
    (
        "serialization (serde, erased_serde, ron)",
        &["serde", "ron::"],
    ),
    ("ECS systems and queries (bevy_ecs)", &["bevy_ecs::"]),
    ("shader translation (naga, naga_oil)", &["naga"]),
    ("GPU abstraction (wgpu, wgpu_core, wgpu_hal)", &["wgpu"]),
    (
        "rendering (bevy_render, bevy_pbr, bevy_core_pipeline)",
        &["bevy_render::", "bevy_pbr::", "bevy_core_pipeline::"],
    ),
    ("glTF loading (bevy_gltf, gltf)", &["gltf"]),
    ("assets (bevy_asset)", &["bevy_asset::"]),
    ("input (bevy_input)", &["bevy_input::"]),
    (
        "picking (bevy_picking)",
        &["bevy_picking::", "mesh_picking"],
    ),
    ("regular expressions (regex)", &["regex"]),
    ("logging (tracing, log)", &["tracing", "log::"]),
];

/// Parses `twiggy top --format csv`: `Name,ShallowSize,...` with quoted names.
pub fn parse_top_csv(csv: &str) -> Result<Vec<Item>> {
    let mut lines = csv.lines();
    let header = lines.next().context("empty twiggy output")?;
    if !header.starts_with("Name,ShallowSize") {
        bail!("unexpected twiggy header {header:?}");
    }
    let mut items = Vec::new();
    for line in lines {
        let (name, rest) = if let Some(quoted) = line.strip_prefix('"') {
            // A quoted name: "" inside stands for ".
            let mut name = String::new();
            let mut chars = quoted.char_indices().peekable();
            let mut end = None;
            while let Some((at, c)) = chars.next() {
                if c == '"' {
                    if chars.peek().map(|&(_, next)| next) == Some('"') {
                        name.push('"');
                        chars.next();
                    } else {
                        end = Some(at + 1);
                        break;
                    }
                } else {
                    name.push(c);
                }
            }
            let end = end.with_context(|| format!("unterminated name in {line:?}"))?;
            (name, quoted[end..].trim_start_matches(','))
        } else {
            let (name, rest) = line.split_once(',').context("a row without fields")?;
            (name.to_owned(), rest)
        };
        let bytes = rest
            .split(',')
            .next()
            .and_then(|size| size.parse().ok())
            .with_context(|| format!("no size in {line:?}"))?;
        items.push(Item { name, bytes });
    }
    Ok(items)
}

/// The crate an item belongs to: the first path segment of its name (after any `<`, `&`,
/// `dyn `); sections and data segments are named as such.
pub fn crate_of(name: &str) -> String {
    let trimmed = name.trim_start_matches(['<', '&', '*', ' ']);
    let trimmed = trimmed.strip_prefix("dyn ").unwrap_or(trimmed);
    let trimmed = trimmed.strip_prefix("mut ").unwrap_or(trimmed);
    if name.starts_with("data segment") || name.starts_with("custom section") {
        return format!("({name})");
    }
    if name.starts_with('"') || name.starts_with("elem[") || name.starts_with("code[") {
        return format!("({name})");
    }
    match trimmed.split_once("::") {
        Some((first, _))
            if !first.is_empty()
                && first.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            first.to_owned()
        }
        _ => "(unnamed)".to_owned(),
    }
}

/// Whether an item is code (a function), not a section, table or data.
fn is_code(item: &Item) -> bool {
    !(item.name.starts_with('"')
        || item.name.starts_with("data segment")
        || item.name.starts_with("custom section")
        || item.name.starts_with("elem["))
}

/// Bytes by crate, largest first.
pub fn by_crate(items: &[Item]) -> Vec<(String, u64)> {
    let mut sums: BTreeMap<String, u64> = BTreeMap::new();
    for item in items {
        *sums.entry(crate_of(&item.name)).or_default() += item.bytes;
    }
    let mut sorted: Vec<_> = sums.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    sorted
}

/// Code bytes by feature (an item may count for several), in [`FEATURES`] order.
pub fn by_feature(items: &[Item]) -> Vec<(&'static str, u64)> {
    FEATURES
        .iter()
        .map(|(label, marks)| {
            let bytes = items
                .iter()
                .filter(|item| is_code(item) && marks.iter().any(|mark| item.name.contains(mark)))
                .map(|item| item.bytes)
                .sum();
            (*label, bytes)
        })
        .collect()
}

/// The Markdown report: the ten largest crates, the features, and the largest functions.
pub fn report(items: &[Item]) -> String {
    let total: u64 = items.iter().map(|item| item.bytes).sum();
    let code: u64 = items.iter().filter(|i| is_code(i)).map(|i| i.bytes).sum();
    let share = |bytes: u64, of: u64| 100.0 * bytes as f64 / of.max(1) as f64;
    let mut out = format!(
        "Module: {:.2} MB in all, {:.2} MB of it code ({} functions).\n\n\
         | crate (or section) | bytes | share of the module |\n| --- | ---: | ---: |\n",
        total as f64 / 1e6,
        code as f64 / 1e6,
        items.iter().filter(|i| is_code(i)).count()
    );
    for (name, bytes) in by_crate(items).iter().take(15) {
        out += &format!("| `{name}` | {bytes} | {:.1} % |\n", share(*bytes, total));
    }
    out += "\n| feature (by the marks in function names) | code bytes | share of the code |\n| --- | ---: | ---: |\n";
    for (label, bytes) in by_feature(items) {
        out += &format!("| {label} | {bytes} | {:.1} % |\n", share(bytes, code));
    }
    let mut largest: Vec<_> = items.iter().filter(|i| is_code(i)).collect();
    largest.sort_by_key(|item| std::cmp::Reverse(item.bytes));
    out += "\n| largest functions | bytes |\n| --- | ---: |\n";
    for item in largest.iter().take(10) {
        let name: String = item.name.chars().take(90).collect();
        out += &format!("| `{}` | {} |\n", name.replace('|', "\\|"), item.bytes);
    }
    out
}

/// twiggy: the one on the PATH, else one installed into the build cache on first use.
fn twiggy() -> Result<PathBuf> {
    let on_path = std::process::Command::new("twiggy")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if on_path {
        return Ok(PathBuf::from("twiggy"));
    }
    let root = paths::target_dir().join("tools").join("twiggy-0.8.0");
    let binary = root.join("bin").join("twiggy");
    if binary.is_file() {
        return Ok(binary);
    }
    let root_arg = root.display().to_string();
    cmd::run(
        &paths::root(),
        "cargo",
        &[
            "install",
            "twiggy",
            "--version",
            "0.8.0",
            "--root",
            &root_arg,
        ],
        &[],
    )?;
    Ok(binary)
}

/// `cargo xtask size-profile [--web]`: builds the release wasm (or, with `--web`, the quicker
/// development one: no LTO, so more generic code survives and the shares differ) and prints
/// the report.
pub fn run(web: bool) -> Result<()> {
    let (profile, folder) = if web {
        (Profile::Web, "web")
    } else {
        (Profile::Release, "release")
    };
    site::build_bindings(
        profile,
        &paths::target_dir().join(format!("bindgen-{folder}")),
    )?;
    let wasm = paths::target_dir()
        .join("wasm32-unknown-unknown")
        .join(folder)
        .join("alatau-explorer.wasm");
    println!("{} ({folder} profile)\n", wasm.display());
    print!("{}", profile_of(&wasm)?);
    Ok(())
}

fn profile_of(wasm: &Path) -> Result<String> {
    let twiggy = twiggy()?;
    let output = std::process::Command::new(&twiggy)
        .args(["top", "-n", "10000000", "--format", "csv"])
        .arg(wasm)
        .output()
        .with_context(|| format!("running {}", twiggy.display()))?;
    if !output.status.success() {
        bail!("twiggy failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let items = parse_top_csv(&String::from_utf8(output.stdout)?)?;
    Ok(report(&items))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "Name,ShallowSize,ShallowSizePercent,RetainedSize,RetainedSizePercent\n\
\"\"\"function names\"\" subsection\",500,50.0,500,50.0\n\
\"bevy_ecs::system::run<alatau_explorer::scene::Thing>::h1\",200,20.0,200,20.0\n\
\"<bevy_pbr::X as bevy_reflect::Reflect>::apply::h2\",150,15.0,150,15.0\n\
\"data segment \"\".rodata\"\"\",100,10.0,100,10.0\n\
\"naga::front::wgsl::parse::h3\",50,5.0,50,5.0\n";

    #[test]
    fn twiggy_rows_parse_with_quoted_names() {
        let items = parse_top_csv(CSV).expect("parse");
        assert_eq!(items.len(), 5);
        assert_eq!(items[0].name, "\"function names\" subsection");
        assert_eq!(items[3].name, "data segment \".rodata\"");
        assert_eq!(items[2].bytes, 150);
        assert!(parse_top_csv("Oops\n").is_err());
    }

    #[test]
    fn generic_code_counts_for_its_defining_crate_and_every_feature_it_names() {
        let items = parse_top_csv(CSV).expect("parse");
        let crates = by_crate(&items);
        assert_eq!(
            crates[0],
            ("(\"function names\" subsection)".to_owned(), 500)
        );
        assert!(crates.contains(&("bevy_ecs".to_owned(), 200)));
        assert!(crates.contains(&("bevy_pbr".to_owned(), 150)));
        let features: BTreeMap<_, _> = by_feature(&items).into_iter().collect();
        assert_eq!(
            features["reflection (bevy_reflect, registration, type paths)"],
            150
        );
        assert_eq!(features["ECS systems and queries (bevy_ecs)"], 200);
        assert_eq!(features["shader translation (naga, naga_oil)"], 50);
        assert_eq!(
            features["rendering (bevy_render, bevy_pbr, bevy_core_pipeline)"], 150,
            "the reflected pbr type counts for rendering too"
        );
        let report = report(&items);
        assert!(report.contains("| `bevy_ecs` | 200 | 20.0 % |"), "{report}");
    }
}
