//! `cargo xtask bench`: the figures behind the design note's budgets, one per line, also written
//! to `docs/bench.md` with the date: transfer size of `dist/`, time from navigation to `ready`
//! (median of 5 cold loads), frames rendered in 10 s at 640x360, draw calls and triangles per
//! frame at the whole-city overview and at a close-up (counted at the WebGL 2 API), against the
//! budgets of `alatau_e2e::budgets`, main-thread time per frame
//! (median and 95th percentile, timed round each animation-frame callback, over 20 s) at the
//! overview and in flights, with the software rasteriser at its normal CPU priority and then at
//! the lowest, and wasm memory after 10 s and after every tour has been stepped through.

use std::fmt::Write as _;
use std::time::Duration;

use alatau_e2e::browser::{BrowserOptions, Page, SoftwareRenderer};
use alatau_e2e::budgets::{self, megabytes};
use alatau_e2e::server::SiteServer;
use anyhow::{Context, Result};

use crate::{dist, paths};

const LOADS: usize = 5;
const RUN_WINDOW: Duration = Duration::from_secs(10);
/// A close-up: the Gate District's core round the Iconic Complex, from 1.5 km.
const CLOSE_UP: &str = "cam=-9400,27000,1500,215,12";
/// How long each tour step is shown while the tours are stepped through (a flight's most).
const TOUR_STEP_WINDOW: Duration = Duration::from_secs(3);
/// Two records far apart: the flights measured go back and forth between them.
const FLIGHT_ENDS: [&str; 2] = ["gate-district", "kaist-kazakhstan"];
/// Seconds between the flights' turns.
const FLIGHT_TURN: Duration = Duration::from_millis(2500);
/// How long frames are timed at the overview and in flights (8 flights): about 60 frames here,
/// so that the 95th percentile is not the second-slowest of a handful of frames.
const FRAME_TIME_WINDOW: Duration = Duration::from_secs(20);

/// Builds `dist/`, measures, prints and records the figures.
pub fn run() -> Result<()> {
    // Measured whatever its size: the size line says whether it is within the budget.
    let dist_dir = dist::run(true, dist::SizeGate::Warn)?;
    let sizes = dist::read_manifest(&dist_dir)?;
    crate::tools::ensure_chromium()?;
    crate::tools::ensure_mesa()?;
    let server = SiteServer::start(&dist_dir, "127.0.0.1", 0)?;
    let mut lines = Vec::new();
    let mut say = |line: String| {
        println!("{line}");
        lines.push(line);
    };

    for file in sizes
        .iter()
        .filter(|f| !f.path.ends_with(".br") && !f.path.ends_with(".gz"))
    {
        say(format!(
            "size {}: raw {} B, gzip {} B, brotli {} B",
            file.path, file.raw, file.gzip, file.brotli
        ));
    }
    let total = dist::totals(&sizes);
    say(format!(
        "size total: raw {} B, gzip {} B, brotli {} B ({} brotli; budget {}: {})",
        total.raw,
        total.gzip,
        total.brotli,
        megabytes(total.brotli),
        megabytes(budgets::TRANSFER_BROTLI_BYTES),
        verdict(total.brotli <= budgets::TRANSFER_BROTLI_BYTES)
    ));

    let mut ready_ms = Vec::new();
    for load in 1..=LOADS {
        let page = open_bench_page(&server)?;
        page.wait_ready()?;
        let ms = page
            .eval("performance.getEntriesByName('alatau-ready')[0]?.startTime ?? null")?
            .as_f64()
            .context("no alatau-ready performance mark")?;
        let milestones = page.eval(
            "['alatau-wasm-started', 'alatau-first-frame', 'alatau-data', 'alatau-city-built']\
               .map(name => `${name.slice(7)} ${Math.round(performance.getEntriesByName(name)[0]?.startTime ?? -1)}`)\
               .join(', ')",
        )?;
        say(format!(
            "ready load {load}: {ms:.0} ms (milestones, ms: {})",
            milestones.as_str().unwrap_or("none")
        ));
        let cpu: Vec<String> = page
            .console()
            .into_iter()
            .filter_map(|entry| log_message(&entry.text, &["ground sampled", "massing:"]))
            .collect();
        if load == 1 && !cpu.is_empty() {
            say(format!("start-up work: {}", cpu.join("; ")));
        }
        ready_ms.push(ms);
    }
    ready_ms.sort_by(f64::total_cmp);
    let median = ready_ms[LOADS / 2];
    say(format!(
        "ready median of {LOADS}: {median:.0} ms (budget {} ms: {})",
        budgets::READY_MS,
        verdict(median <= budgets::READY_MS)
    ));

    let page = open_bench_page(&server)?;
    page.wait_ready()?;
    let frame =
        |page: &Page| -> Result<u64> { page.state()?["frame"].as_u64().context("state().frame") };
    let before = frame(&page)?;
    std::thread::sleep(RUN_WINDOW);
    let after = frame(&page)?;
    say(format!(
        "frames in {} s at 640x360: {} ({:.1} fps, headless {})",
        RUN_WINDOW.as_secs(),
        after - before,
        (after - before) as f64 / RUN_WINDOW.as_secs_f64(),
        SoftwareRenderer::chosen().name()
    ));
    let render = page.render_stats(6)?;
    say(render_line("overview", &render));
    let memory = wasm_memory(&page)?;
    say(format!(
        "wasm memory after {} s: {memory} B ({:.1} MB)",
        RUN_WINDOW.as_secs(),
        memory as f64 / 1_048_576.0
    ));

    // Main-thread time per frame: the overview at rest, then flights back and forth; with the
    // software rasteriser at its normal CPU priority, then at the lowest (on two cores it
    // pre-empts the page's main thread, which a GPU would not).
    for line in frame_time_lines(&page, "rasteriser at normal priority")? {
        say(line);
    }
    let threads = page.lower_rasteriser_priority()?;
    for line in frame_time_lines(&page, &format!("rasteriser's {threads} threads at nice 19"))? {
        say(line);
    }

    // A close-up: the draw calls and triangles there too (trees, streets, the near massing).
    page.eval(&format!("location.hash = '{CLOSE_UP}'"))?;
    std::thread::sleep(Duration::from_secs(3));
    say(render_line(
        "close-up (Gate District core)",
        &page.render_stats(6)?,
    ));
    page.eval("window.alatau.resetView()")?;

    // Every tour, every step, once: memory before and after.
    let tours = page
        .eval("fetch('assets/data/tours.json').then(r => r.json()).then(f => f.tours.map(t => [t.id, t.steps.length]))")?;
    let tours: Vec<(String, u64)> = serde_json::from_value(tours).context("the tour ids")?;
    let before = wasm_memory(&page)?;
    let mut steps = 0;
    for (id, count) in &tours {
        for step in 0..*count {
            page.eval(&format!("window.alatau.startTour('{id}', {step})"))?;
            std::thread::sleep(TOUR_STEP_WINDOW);
            steps += 1;
        }
    }
    page.eval("window.alatau.stopTour()")?;
    std::thread::sleep(Duration::from_secs(1));
    let after = wasm_memory(&page)?;
    say(format!(
        "wasm memory after every tour ({} tours, {steps} steps, {} s a step): {after} B \
         ({:.1} MB; before them {:.1} MB, {:+.1} %)",
        tours.len(),
        TOUR_STEP_WINDOW.as_secs(),
        after as f64 / 1_048_576.0,
        before as f64 / 1_048_576.0,
        (after as f64 - before as f64) / before as f64 * 100.0
    ));

    write_report(&lines)
}

/// Main-thread time per frame at the overview at rest and over flights back and forth between
/// [`FLIGHT_ENDS`], one line each, `how` saying how the rasteriser ran.
fn frame_time_lines(page: &Page, how: &str) -> Result<Vec<String>> {
    page.eval("window.alatau.resetView()")?;
    page.wait_camera_still(Duration::from_secs(30))?;
    take_frame_times(page)?;
    std::thread::sleep(FRAME_TIME_WINDOW);
    let overview = frame_time_line(&format!("overview, {how}"), &take_frame_times(page)?);
    let mut flights = 0;
    let flying = std::time::Instant::now();
    while flying.elapsed() < FRAME_TIME_WINDOW {
        let id = FLIGHT_ENDS[flights % FLIGHT_ENDS.len()];
        page.eval(&format!("window.alatau.select('{id}')"))?;
        flights += 1;
        std::thread::sleep(FLIGHT_TURN);
    }
    let in_flights = frame_time_line(
        &format!("in {flights} flights, {how}"),
        &take_frame_times(page)?,
    );
    page.eval("window.alatau.select(null)")?;
    Ok(vec![overview, in_flights])
}

fn wasm_memory(page: &Page) -> Result<u64> {
    page.eval("window.alatau.debug.wasmMemoryBytes()")?
        .as_u64()
        .context("wasm memory")
}

/// The main-thread milliseconds of the frames since the last call.
fn take_frame_times(page: &Page) -> Result<Vec<f64>> {
    let times = page.eval("window.alatau.debug.takeFrameTimes()")?;
    serde_json::from_value(times).context("frame times")
}

/// `(median, 95th percentile)` of `samples`, `None` for none.
fn median_and_p95(samples: &[f64]) -> Option<(f64, f64)> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    Some((at(0.5), at(0.95)))
}

/// The draw calls and triangles per frame of one view against their budgets.
fn render_line(view: &str, render: &alatau_e2e::browser::RenderStats) -> String {
    format!(
        "{view}: {:.0} draw calls and {:.0} triangles per frame, every pass, over {} frames \
         (budget {} / {:.0} k: {})",
        render.draw_calls_per_frame,
        render.triangles_per_frame,
        render.frames,
        budgets::DRAW_CALLS_PER_FRAME,
        budgets::TRIANGLES_PER_FRAME / 1e3,
        verdict(
            render.draw_calls_per_frame <= budgets::DRAW_CALLS_PER_FRAME
                && render.triangles_per_frame <= budgets::TRIANGLES_PER_FRAME
        )
    )
}

fn frame_time_line(what: &str, samples: &[f64]) -> String {
    match median_and_p95(samples) {
        Some((median, p95)) => format!(
            "main-thread time per frame, {what}: median {median:.1} ms, 95th percentile \
             {p95:.1} ms over {} frames, slowest {:.1} ms (budget {} / {} ms: {})",
            samples.len(),
            samples.iter().copied().fold(0.0, f64::max),
            budgets::FRAME_MEDIAN_MS,
            budgets::FRAME_P95_MS,
            verdict(median <= budgets::FRAME_MEDIAN_MS && p95 <= budgets::FRAME_P95_MS)
        ),
        None => format!("main-thread time per frame, {what}: no frames were drawn"),
    }
}

/// A fresh browser (cold cache) on the site, at the benchmark viewport of 640x360, with the
/// diagnostic hooks (`?debug=1`: the wasm memory probe).
fn open_bench_page(server: &SiteServer) -> Result<Page> {
    Page::open(
        &format!("{}?debug=1", server.url()),
        &BrowserOptions {
            size: (640, 360),
            strict_console: false,
            ..BrowserOptions::default()
        },
    )
}

/// The message of a Bevy log line that starts with one of `starts`, without the console's
/// `%c` styling.
fn log_message(text: &str, starts: &[&str]) -> Option<String> {
    let from = starts.iter().find_map(|start| text.find(start))?;
    let message = &text[from..];
    let end = message.find("%c").or_else(|| message.find(" color:"));
    Some(message[..end.unwrap_or(message.len())].trim().to_owned())
}

fn verdict(within: bool) -> &'static str {
    if within { "within" } else { "OVER" }
}

/// The date and time now, in UTC, for the reports.
pub fn utc_now() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn write_report(lines: &[String]) -> Result<()> {
    let mut report = String::new();
    writeln!(
        report,
        "Written by `cargo xtask bench` on {}, on a 2-core machine with headless Chromium \
         rendering WebGL 2 through {} (software), serving `dist/` on loopback. Budgets: \
         design note, section 5.\n",
        utc_now(),
        SoftwareRenderer::chosen().name()
    )?;
    writeln!(report, "```")?;
    for line in lines {
        writeln!(report, "{line}")?;
    }
    writeln!(report, "```")?;
    write_section("Budget figures", &report)
}

/// Replaces the section `## {heading}` of `docs/bench.md` with `body` (or adds it), keeping
/// the others: `bench` and `soak` each write their own.
pub fn write_section(heading: &str, body: &str) -> Result<()> {
    let path = paths::root().join("docs").join("bench.md");
    std::fs::create_dir_all(path.parent().context("docs folder")?)?;
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    std::fs::write(&path, with_section(&old, heading, body))?;
    println!("written to {} (## {heading})", path.display());
    Ok(())
}

/// `document` with its section `## {heading}` replaced by `body`, or `body` added at the end.
fn with_section(document: &str, heading: &str, body: &str) -> String {
    let title = "# Benchmark figures\n";
    let mut sections: Vec<(String, String)> = Vec::new();
    for part in document.split("\n## ").skip(1) {
        let (name, text) = part.split_once('\n').unwrap_or((part, ""));
        sections.push((name.trim().to_owned(), text.trim().to_owned()));
    }
    match sections.iter_mut().find(|(name, _)| name == heading) {
        Some(section) => section.1 = body.trim().to_owned(),
        None => sections.push((heading.to_owned(), body.trim().to_owned())),
    }
    let mut out = String::from(title);
    for (name, text) in sections {
        out.push_str(&format!("\n## {name}\n\n{text}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_and_95th_percentile_come_from_the_sorted_samples() {
        assert_eq!(median_and_p95(&[]), None);
        assert_eq!(median_and_p95(&[4.0]), Some((4.0, 4.0)));
        let samples: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        assert_eq!(median_and_p95(&samples), Some((51.0, 95.0)));
        assert!(frame_time_line("x", &[20.0, 1.0, 2.0]).contains("OVER"));
        assert!(frame_time_line("x", &[3.0, 1.0, 2.0]).contains("within"));
    }

    #[test]
    fn a_section_is_replaced_or_added_and_the_others_kept() {
        let document = with_section("", "Budget figures", "one");
        assert_eq!(
            document,
            "# Benchmark figures\n\n## Budget figures\n\none\n"
        );
        let both = with_section(&document, "Kiosk soak", "two\n\nlines");
        let again = with_section(&both, "Budget figures", "three");
        assert_eq!(
            again,
            "# Benchmark figures\n\n## Budget figures\n\nthree\n\n## Kiosk soak\n\ntwo\n\nlines\n"
        );
    }

    #[test]
    fn log_messages_lose_the_console_styling() {
        let styled = "%cINFO%c src/scene/terrain.rs:88%c ground sampled in 36 ms color: whitesmoke; background: #444";
        assert_eq!(
            log_message(styled, &["ground sampled"]).as_deref(),
            Some("ground sampled in 36 ms")
        );
        assert_eq!(log_message("other", &["ground sampled"]), None);
    }
}
