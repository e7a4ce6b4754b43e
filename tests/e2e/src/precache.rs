//! The offline release: writes the site's service worker (`sw.js`, at the site root so that its
//! scope is the whole site) from the template `web/sw.js`, with the precache manifest inlined:
//! every file of the release and the SHA-256 of its content, and a release id made from them.
//! A new release changes the worker's bytes, which is how browsers notice it. `cargo xtask`
//! writes it for the development site and for `dist/`; the offline browser test writes it again
//! for a second release.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

/// Where the template lives in the site (copied with `web/`); it is removed from the release.
pub const TEMPLATE: &str = "web/sw.js";
/// The worker the page registers.
pub const WORKER: &str = "sw.js";
/// The template's placeholder line, replaced by the manifest.
const PLACEHOLDER: &str = "const PRECACHE = null;";

/// Files that are not part of what the page loads: the worker itself, the precompressed copies
/// (a server sends them in place of the file) and the build's size report.
fn is_precached(path: &str) -> bool {
    path != WORKER
        && path != TEMPLATE
        && path != "size-manifest.json"
        && !path.ends_with(".br")
        && !path.ends_with(".gz")
}

/// The release's files (paths relative to the site, with `/`) and their SHA-256, in hex.
pub fn manifest(site: &Path) -> Result<BTreeMap<String, String>> {
    let mut files = BTreeMap::new();
    collect(site, site, &mut files)?;
    if !files.contains_key("index.html") {
        bail!("{} has no index.html", site.display());
    }
    Ok(files)
}

fn collect(site: &Path, dir: &Path, files: &mut BTreeMap<String, String>) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect(site, &path, files)?;
            continue;
        }
        let relative = path
            .strip_prefix(site)?
            .to_string_lossy()
            .replace('\\', "/");
        if is_precached(&relative) {
            let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            files.insert(relative, hex(&Sha256::digest(&bytes)));
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The release id: the first 16 hex digits of the SHA-256 of the manifest's lines.
pub fn release_id(files: &BTreeMap<String, String>) -> String {
    let mut hasher = Sha256::new();
    for (path, hash) in files {
        hasher.update(format!("{path} {hash}\n").as_bytes());
    }
    hex(&hasher.finalize())[..16].to_owned()
}

/// Writes `site/sw.js` from the template in `site/web/sw.js` (then removed) or, when the
/// template is gone (a second write), from the worker already there. Returns the release id.
pub fn write_service_worker(site: &Path) -> Result<String> {
    let template_path = site.join(TEMPLATE);
    let template = if template_path.is_file() {
        let template = fs::read_to_string(&template_path)?;
        fs::remove_file(&template_path)?;
        template
    } else {
        let worker = fs::read_to_string(site.join(WORKER))
            .with_context(|| format!("neither {TEMPLATE} nor {WORKER} in {}", site.display()))?;
        unwrite(&worker)?
    };
    if !template.contains(PLACEHOLDER) {
        bail!("{TEMPLATE} lost its line `{PLACEHOLDER}`");
    }
    let files = manifest(site)?;
    let release = release_id(&files);
    let inlined = serde_json::json!({ "release": release, "files": files });
    let line = format!("const PRECACHE = {inlined};");
    fs::write(site.join(WORKER), template.replace(PLACEHOLDER, &line))?;
    Ok(release)
}

/// The template back from a written worker: its manifest line made the placeholder again.
fn unwrite(worker: &str) -> Result<String> {
    let Some(line) = worker
        .lines()
        .find(|line| line.starts_with("const PRECACHE = {"))
    else {
        bail!("{WORKER} has no manifest line");
    };
    Ok(worker.replacen(line, PLACEHOLDER, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("alatau-precache-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("web")).expect("site");
        fs::write(dir.join("index.html"), "<!doctype html>").expect("index");
        fs::write(dir.join("web/boot.js"), "boot").expect("boot");
        fs::write(dir.join("web/boot.js.br"), "compressed").expect("br");
        fs::write(dir.join("size-manifest.json"), "{}").expect("sizes");
        fs::write(
            dir.join(TEMPLATE),
            "// worker\nconst PRECACHE = null;\nself.x = PRECACHE;\n",
        )
        .expect("template");
        dir
    }

    #[test]
    fn the_worker_lists_every_file_of_the_release_with_its_hash() {
        let dir = site("list");
        let release = write_service_worker(&dir).expect("write");
        let worker = fs::read_to_string(dir.join(WORKER)).expect("worker");
        assert!(
            !dir.join(TEMPLATE).exists(),
            "the template leaves the release"
        );
        let line = worker
            .lines()
            .find(|l| l.starts_with("const PRECACHE = "))
            .expect("manifest line");
        let json: serde_json::Value =
            serde_json::from_str(line["const PRECACHE = ".len()..].trim_end_matches(';'))
                .expect("the manifest is JSON");
        assert_eq!(json["release"], release.as_str());
        let files = json["files"].as_object().expect("files");
        let names: Vec<&str> = files.keys().map(String::as_str).collect();
        assert_eq!(names, ["index.html", "web/boot.js"]);
        assert_eq!(
            files["web/boot.js"],
            hex(&Sha256::digest(b"boot")).as_str(),
            "the content's SHA-256"
        );
    }

    #[test]
    fn a_changed_file_is_a_new_release_and_the_worker_can_be_written_again() {
        let dir = site("again");
        let first = write_service_worker(&dir).expect("first");
        assert_eq!(
            write_service_worker(&dir).expect("same"),
            first,
            "nothing changed"
        );
        fs::write(dir.join("index.html"), "<!doctype html><p>two").expect("edit");
        let second = write_service_worker(&dir).expect("second");
        assert_ne!(first, second);
        let worker = fs::read_to_string(dir.join(WORKER)).expect("worker");
        assert_eq!(worker.matches("const PRECACHE = ").count(), 1);
        assert!(worker.ends_with("self.x = PRECACHE;\n"), "{worker}");
    }
}
