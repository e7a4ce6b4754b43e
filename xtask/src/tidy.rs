//! The house rules, enforced by a test (as rust-analyzer's `tidy`): every source file opens with
//! a `//!` line; no HTML is built from strings in `src/` or `web/`; ARCHITECTURE.md's code map
//! names every source file; no `unwrap()` outside tests; and each folder of the app uses only
//! the folders beneath it; the patched engine crates (`patches/`) differ from their upstream
//! copies only as `patches/README.md` lists. `cargo test -p xtask` (and so `cargo xtask test`)
//! runs it.

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::{Path, PathBuf};

    use crate::paths;

    /// Every file under `dir` (relative to the repository) whose name ends with one of `exts`.
    fn files(dir: &str, exts: &[&str]) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut todo = vec![paths::root().join(dir)];
        while let Some(dir) = todo.pop() {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    todo.push(path);
                } else if exts.iter().any(|ext| path.to_string_lossy().ends_with(ext)) {
                    found.push(path);
                }
            }
        }
        found.sort();
        found
    }

    fn read(path: &Path) -> String {
        fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
    }

    fn relative(path: &Path) -> String {
        path.strip_prefix(paths::root())
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned()
    }

    /// The Rust sources of the app, the model, xtask and the browser harness.
    fn rust_sources() -> Vec<PathBuf> {
        ["src", "crates/model", "xtask/src", "tests/e2e"]
            .iter()
            .flat_map(|dir| files(dir, &[".rs"]))
            .collect()
    }

    /// The part of a source file before its unit tests.
    fn outside_tests(text: &str) -> &str {
        text.split("#[cfg(test)]").next().unwrap_or(text)
    }

    #[test]
    fn every_source_file_says_what_it_is_for() {
        let missing: Vec<String> = rust_sources()
            .iter()
            .filter(|path| !read(path).starts_with("//!"))
            .map(|path| relative(path))
            .collect();
        assert!(missing.is_empty(), "no `//!` first line: {missing:?}");
        assert!(rust_sources().len() > 50, "the walk found the sources");
    }

    #[test]
    fn no_html_is_built_from_strings() {
        let forbidden = ["inner_html", "innerHTML", "outerHTML", "insertAdjacentHTML"];
        let mut found = Vec::new();
        for path in files("src", &[".rs"])
            .into_iter()
            .chain(files("web", &[".js", ".css"]))
            .chain(std::iter::once(paths::root().join("index.html")))
        {
            let text = read(&path);
            for word in forbidden {
                if text.contains(word) {
                    found.push(format!("{}: {word}", relative(&path)));
                }
            }
        }
        assert!(found.is_empty(), "data goes in as text only: {found:?}");
    }

    #[test]
    fn the_code_map_names_every_source_file() {
        let map = read(&paths::root().join("ARCHITECTURE.md"));
        let mut unnamed = Vec::new();
        for path in files("src", &[".rs"])
            .into_iter()
            .chain(files("crates/model/src", &[".rs"]))
            .chain(files("xtask/src", &[".rs"]))
            .chain(files("web", &[".js", ".css"]))
        {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let Some(name) = name else { continue };
            // A folder's `mod.rs` (or a crate's root) is named by its folder.
            let named = if ["mod.rs", "lib.rs", "main.rs"].contains(&name.as_str()) {
                let folder = path
                    .parent()
                    .and_then(|parent| parent.file_name())
                    .map(|n| format!("{}/", n.to_string_lossy()))
                    .unwrap_or_default();
                map.contains(&folder) || map.contains(&name)
            } else {
                map.contains(&name)
            };
            if !named {
                unnamed.push(relative(&path));
            }
        }
        assert!(
            unnamed.is_empty(),
            "ARCHITECTURE.md's code map misses {unnamed:?}"
        );
    }

    #[test]
    fn nothing_outside_tests_unwraps() {
        let mut found = Vec::new();
        for path in files("src", &[".rs"])
            .into_iter()
            .chain(files("crates/model/src", &[".rs"]))
            .chain(files("xtask/src", &[".rs"]))
        {
            if path.ends_with("tidy.rs") {
                continue;
            }
            let text = read(&path);
            for (index, line) in outside_tests(&text).lines().enumerate() {
                if line.contains(".unwrap()") {
                    found.push(format!("{}:{}", relative(&path), index + 1));
                }
            }
        }
        assert!(found.is_empty(), "unwrap() outside tests: {found:?}");
    }

    /// The app's folders from the bottom up: a folder may use only folders of a lower rank.
    const LAYERS: [(&str, u8); 9] = [
        ("world", 1),
        ("scene", 2),
        ("camera", 2),
        ("state", 3),
        ("picking", 3),
        ("selection", 4),
        ("tour", 5),
        ("kiosk", 6),
        ("web", 7),
    ];

    fn rank(unit: &str) -> Option<u8> {
        LAYERS
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|(_, rank)| *rank)
    }

    #[test]
    fn each_folder_uses_only_those_beneath_it() {
        let src = paths::root().join("src");
        let mut upward = Vec::new();
        for path in files("src", &[".rs"]) {
            let Ok(inside) = path.strip_prefix(&src) else {
                continue;
            };
            let first = inside
                .iter()
                .next()
                .map(|c| c.to_string_lossy().into_owned());
            let Some(unit) = first.map(|f| f.trim_end_matches(".rs").to_owned()) else {
                continue;
            };
            let Some(own) = rank(&unit) else {
                continue;
            };
            let text = read(&path);
            for used in outside_tests(&text).split("crate::").skip(1) {
                let target: String = used
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if let Some(theirs) = rank(&target)
                    && target != unit
                    && theirs >= own
                {
                    upward.push(format!("{} uses crate::{target}", relative(&path)));
                }
            }
        }
        upward.sort();
        upward.dedup();
        assert!(upward.is_empty(), "the layering rule is broken: {upward:?}");
    }

    /// The patched engine crates: the files each one changes and the files it leaves out of its
    /// copy; every other file is byte for byte the published crate's.
    const PATCHED_CRATES: &[(&str, &[&str], &[&str])] = &[
        (
            "bevy_reflect_derive",
            &["Cargo.toml", "src/registration.rs"],
            &[],
        ),
        ("bevy_shader", &["Cargo.toml", "src/shader.rs"], &[]),
        (
            "bevy_pbr",
            &["src/lib.rs", "src/light_probe/mod.rs"],
            &["src/bluenoise/stbn.ktx2", "src/meshlet/meshlet_preview.png"],
        ),
        ("bevy_core_pipeline", &["src/lib.rs"], &[]),
        ("bevy_app", &["src/sub_app.rs"], &[]),
    ];

    #[test]
    fn patched_crates_differ_from_upstream_only_as_listed() {
        use sha2::{Digest, Sha256};
        let patches = paths::root().join("patches");
        let readme = read(&patches.join("README.md"));
        let mut wrong = Vec::new();
        for (name, changed, removed) in PATCHED_CRATES {
            if !readme.contains(&format!("| `{name}` |")) {
                wrong.push(format!("patches/README.md does not list {name}"));
            }
            let manifest = read(&patches.join(format!("{name}.upstream.sha256")));
            let copy = patches.join(name);
            let mut checked = 0;
            for line in manifest.lines() {
                let Some((upstream_hash, file)) = line.split_once("  ") else {
                    wrong.push(format!("{name}: a malformed manifest line: {line}"));
                    continue;
                };
                let path = copy.join(file);
                let Ok(bytes) = fs::read(&path) else {
                    if !removed.contains(&file) {
                        wrong.push(format!(
                            "{name}/{file} is missing and not listed as removed"
                        ));
                    }
                    continue;
                };
                checked += 1;
                let hash: String = Sha256::digest(&bytes)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                match (hash == upstream_hash, changed.contains(&file)) {
                    (true, true) => wrong.push(format!(
                        "{name}/{file} is listed as changed but is upstream's"
                    )),
                    (false, false) => wrong.push(format!(
                        "{name}/{file} differs from upstream and is not listed"
                    )),
                    _ => {}
                }
            }
            let in_copy = files(&format!("patches/{name}"), &[""]).len();
            if in_copy != checked {
                wrong.push(format!(
                    "{name}: {in_copy} files in the copy, {checked} of them upstream's"
                ));
            }
        }
        assert!(wrong.is_empty(), "the patched crates drifted: {wrong:#?}");
    }
}
