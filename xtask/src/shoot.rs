//! `cargo xtask shoot URL OUT.png [--size WxH]`: a screenshot of a running app, taken once
//! `window.alatau.ready` has resolved and the camera has settled.

use std::path::Path;
use std::time::Duration;

use alatau_e2e::browser::{BrowserOptions, Page};
use anyhow::{Context, Result, bail};

/// Parses `WxH`.
pub fn parse_size(text: &str) -> Result<(u32, u32)> {
    let (w, h) = text
        .split_once('x')
        .with_context(|| format!("size `{text}`: expected WxH, e.g. 1280x720"))?;
    let (w, h): (u32, u32) = (w.trim().parse()?, h.trim().parse()?);
    if !(64..=7680).contains(&w) || !(64..=4320).contains(&h) {
        bail!("size {w}x{h} is outside 64x64..7680x4320");
    }
    Ok((w, h))
}

/// A page at `url` in a `size` window, once `ready` has resolved; console errors are the
/// picture's business, not a failure (the gallery and `shoot` share it).
pub fn open_for_pictures(url: &str, size: (u32, u32)) -> Result<Page> {
    let page = Page::open(
        url,
        &BrowserOptions {
            size,
            strict_console: false,
            ..BrowserOptions::default()
        },
    )?;
    page.wait_ready()?;
    Ok(page)
}

/// Opens `url`, waits for the city and a few more frames, and writes a PNG to `out`.
pub fn run(url: &str, out: &Path, size: Option<&str>) -> Result<()> {
    let size = parse_size(size.unwrap_or("1280x720"))?;
    crate::tools::ensure_chromium()?;
    crate::tools::ensure_mesa()?;
    let page = open_for_pictures(url, size)?;
    page.wait_frames(3, Duration::from_secs(120))?;
    let png = page.screenshot()?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(out, png).with_context(|| format!("writing {}", out.display()))?;
    println!("{} ({}x{})", out.display(), size.0, size.1);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_absurd_ones_are_refused() {
        assert_eq!(parse_size("1280x720").ok(), Some((1280, 720)));
        assert!(parse_size("1280").is_err());
        assert!(parse_size("0x0").is_err());
        assert!(parse_size("axb").is_err());
    }
}
