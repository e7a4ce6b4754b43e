//! `cargo xtask shoot --gallery`: the pictures in `docs/img/gallery/` and their index,
//! `docs/gallery.md`, from one command: the overview, each district close up, the two landmarks,
//! a selection in the three languages, and the phone and the tablet. One page per window size
//! (the views are links' hashes, the languages `alatau.setLang`), so the whole gallery loads the
//! app three times, not once per picture. `--site DIR` shoots a site already built (an older
//! build, for a before-and-after) and `--out DIR` writes the pictures elsewhere, without the
//! index.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use alatau_e2e::browser::{Page, SoftwareRenderer};
use alatau_e2e::server::SiteServer;
use anyhow::{Context, Result, bail};
use serde_json::Value;

/// One picture of the gallery.
struct Shot {
    /// File name in `docs/img/gallery/`, without `.png`.
    name: &'static str,
    /// The window, CSS pixels.
    size: (u32, u32),
    /// The language the page shows.
    lang: &'static str,
    /// The view: a link's hash (`cam=`, `select=`); empty for the start view.
    hash: &'static str,
    /// What the picture shows, for the index.
    caption: &'static str,
}

const DESKTOP: (u32, u32) = (1280, 720);
const PHONE: (u32, u32) = (390, 844);
const TABLET: (u32, u32) = (768, 1024);

const SHOTS: &[Shot] = &[
    Shot {
        name: "overview",
        size: DESKTOP,
        lang: "en",
        hash: "",
        caption: "The start view: the corridor from the south-west, the four districts along \
                  the A3 between the plain and the Kapchagay reservoir",
    },
    Shot {
        name: "gate-district",
        size: DESKTOP,
        lang: "en",
        hash: "cam=-9400,27000,1500,215,12",
        caption: "The Gate District, the business core round the Iconic Complex",
    },
    Shot {
        name: "golden-district",
        size: DESKTOP,
        lang: "en",
        hash: "cam=-6600,13300,4200,30,32",
        caption: "The Golden District with the scientific-medical cluster and the KAIST campus",
    },
    Shot {
        name: "growing-district",
        size: DESKTOP,
        lang: "en",
        hash: "cam=-600,-800,6000,20,35",
        caption: "The Growing District round Zhetygen: the industrial and logistics clusters",
    },
    Shot {
        name: "green-district",
        size: DESKTOP,
        lang: "en",
        hash: "cam=1300,-18400,4200,10,30",
        caption: "The Green District on the reservoir: the tourism cluster, its resort and marina",
    },
    Shot {
        name: "iconic-complex",
        size: DESKTOP,
        lang: "en",
        hash: "cam=-9919,27665,1100,205,14",
        caption: "The Iconic Complex: a 272 m tower and an 80 m hotel tower on a shared podium",
    },
    Shot {
        name: "kaist-campus",
        size: DESKTOP,
        lang: "en",
        hash: "cam=-7100,12700,1100,40,30",
        caption: "The KAIST Kazakhstan campus: academic halls round a quad",
    },
    Shot {
        name: "selected-en",
        size: DESKTOP,
        lang: "en",
        hash: "select=iconic-complex",
        caption: "The Iconic Complex selected: its record in the info panel, in English",
    },
    Shot {
        name: "selected-ru",
        size: DESKTOP,
        lang: "ru",
        hash: "select=kaist-kazakhstan",
        caption: "KAIST Kazakhstan selected, in Russian",
    },
    Shot {
        name: "selected-kk",
        size: DESKTOP,
        lang: "kk",
        hash: "select=green-integrated-resort",
        caption: "The integrated resort selected, in Kazakh",
    },
    Shot {
        name: "phone-overview",
        size: PHONE,
        lang: "en",
        hash: "",
        caption: "A phone, portrait: the start view",
    },
    Shot {
        name: "phone-selected-ru",
        size: PHONE,
        lang: "ru",
        hash: "select=iconic-complex",
        caption: "A phone: the Iconic Complex selected, its record in a bottom sheet, in Russian",
    },
    Shot {
        name: "tablet-selected-kk",
        size: TABLET,
        lang: "kk",
        hash: "select=gate-district",
        caption: "A tablet, portrait: the Gate District selected, in Kazakh",
    },
];

/// How long a view may take to settle (a flight, the labels, a software renderer's frames).
const SETTLE_TIMEOUT: Duration = Duration::from_secs(120);

/// Serves `site` (by default the development site, built now) and writes every picture to
/// `out` (by default `docs/img/gallery/`, then also the index `docs/gallery.md`).
pub fn run(site: Option<PathBuf>, out: Option<PathBuf>) -> Result<()> {
    crate::tools::ensure_chromium()?;
    crate::tools::ensure_mesa()?;
    let site = match site {
        Some(site) => site,
        None => crate::site::build_dev_site()?,
    };
    let server = SiteServer::start(&site, "127.0.0.1", 0)?;
    let root = crate::paths::root();
    let index = out.is_none().then(|| root.join("docs/gallery.md"));
    let dir = out.unwrap_or_else(|| root.join("docs/img/gallery"));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;

    let mut sizes: Vec<(u32, u32)> = SHOTS.iter().map(|shot| shot.size).collect();
    sizes.dedup();
    for size in sizes {
        // The start view first on each page: its first frames are the app's own.
        let page = crate::shoot::open_for_pictures(&server.url(), size)?;
        for shot in SHOTS.iter().filter(|shot| shot.size == size) {
            let started = Instant::now();
            show(&page, shot)?;
            let png = page.screenshot()?;
            let file = dir.join(format!("{}.png", shot.name));
            std::fs::write(&file, png).with_context(|| format!("writing {}", file.display()))?;
            println!(
                "{} ({}x{}, {}, {:.1} s)",
                file.display(),
                size.0,
                size.1,
                shot.lang,
                started.elapsed().as_secs_f64()
            );
        }
    }
    match index {
        Some(index) => write_index(&index),
        None => Ok(()),
    }
}

/// Puts the page in the shot's language and view and waits until the picture holds still.
fn show(page: &Page, shot: &Shot) -> Result<()> {
    // Nothing of the last picture stays: no selection, the start view, then the shot's view.
    let hash = match shot.hash {
        "" => format!("lang={}", shot.lang),
        view => format!("lang={}&{view}", shot.lang),
    };
    page.eval(&format!(
        "(() => {{ window.alatau.select(null); window.alatau.resetView(); \
         location.hash = '{hash}'; return true; }})()"
    ))?;
    let lang_shown = format!("window.alatau.state().lang === '{}'", shot.lang);
    page.wait_for(&lang_shown, SETTLE_TIMEOUT)
        .with_context(|| format!("{}: the page shows {}", shot.name, shot.lang))?;
    wait_until_still(page, shot.name)
}

/// Waits until the camera has stopped for several frames in a row.
fn wait_until_still(page: &Page, name: &str) -> Result<()> {
    let deadline = Instant::now() + SETTLE_TIMEOUT;
    let mut last: Option<(Value, u64)> = None;
    let mut still_frames = 0;
    while Instant::now() < deadline {
        let state = page.state()?;
        let camera = state["camera"].clone();
        let frame = state["frame"].as_u64().unwrap_or(0);
        match &last {
            Some((previous, previous_frame)) if frame > *previous_frame => {
                if *previous == camera {
                    still_frames += frame - previous_frame;
                } else {
                    still_frames = 0;
                }
            }
            _ => {}
        }
        if still_frames >= 4 {
            return Ok(());
        }
        if last.as_ref().is_none_or(|(_, f)| frame > *f) {
            last = Some((camera, frame));
        }
        std::thread::sleep(Duration::from_millis(150));
    }
    bail!(
        "{name}: the camera did not come to rest within {} s ({})",
        SETTLE_TIMEOUT.as_secs(),
        SoftwareRenderer::chosen().name()
    )
}

/// `docs/gallery.md`: every picture with its caption, in the gallery's order.
fn write_index(file: &Path) -> Result<()> {
    let mut text = String::from(
        "# Gallery\n\n\
         Made by `cargo xtask shoot --gallery` (the development build in headless Chromium, \
         software rendering): every picture below is what the app draws, untouched. The city is \
         schematic: outlines, positions and buildings are generated from the data snapshot, \
         never surveyed.\n\n",
    );
    for shot in SHOTS {
        let (w, h) = shot.size;
        let _ = writeln!(
            text,
            "## {}\n\n{} ({w}×{h}, {}).\n\n![{}](img/gallery/{}.png)\n",
            shot.name, shot.caption, shot.lang, shot.caption, shot.name
        );
    }
    std::fs::write(file, text).with_context(|| format!("writing {}", file.display()))?;
    println!("{}", file.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shot_has_its_own_file_and_a_known_language() {
        let mut names: Vec<&str> = SHOTS.iter().map(|shot| shot.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SHOTS.len(), "file names repeat");
        for shot in SHOTS {
            assert!(["en", "ru", "kk"].contains(&shot.lang), "{}", shot.name);
            assert!(
                !shot.hash.contains('\''),
                "{}: quotes break the script",
                shot.name
            );
        }
        for lang in ["en", "ru", "kk"] {
            assert!(
                SHOTS
                    .iter()
                    .any(|shot| shot.lang == lang && !shot.hash.is_empty()),
                "a view with text in {lang}"
            );
        }
    }

    #[test]
    fn shots_of_one_size_come_together() {
        // One page per size: the sizes may not interleave, or a size would load twice.
        let mut seen: Vec<(u32, u32)> = Vec::new();
        for shot in SHOTS {
            if seen.last() != Some(&shot.size) {
                assert!(!seen.contains(&shot.size), "{} comes apart", shot.name);
                seen.push(shot.size);
            }
        }
    }
}
