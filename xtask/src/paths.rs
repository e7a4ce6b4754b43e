//! Where things are: the workspace root, the build cache, the built sites.

use std::path::PathBuf;

/// The workspace root (the folder holding the top-level Cargo.toml).
pub fn root() -> PathBuf {
    // `cargo xtask` (an alias of `cargo run`) sets the manifest folder at run time; the one
    // compiled in names the checkout that built this binary, which a build cache shared between
    // checkouts (CI's clean clone and the developer's) may have built elsewhere.
    let xtask = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    xtask.parent().map(PathBuf::from).unwrap_or(xtask)
}

/// Cargo's target folder: `CARGO_TARGET_DIR` (CI keeps it outside the checkout), else `target/`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                root().join(dir)
            }
        }
        None => root().join("target"),
    }
}

/// The development site that `serve` and `test` build.
pub fn dev_site() -> PathBuf {
    target_dir().join("site")
}

/// The release site.
pub fn dist() -> PathBuf {
    root().join("dist")
}

/// Screenshots and logs of the browser suite.
pub fn e2e_output() -> PathBuf {
    target_dir().join("e2e")
}
