//! `cargo xtask bench`: the figures behind the design note's budgets, one per line, also written
//! to `docs/bench.md` with the date: transfer size of `dist/`, time from navigation to `ready`
//! (median of 5 cold loads), frames rendered in 10 s at 640x360, draw calls and triangles per
//! frame at the whole-city overview (counted at the WebGL 2 API) and wasm memory after 10 s.

use std::fmt::Write as _;
use std::time::Duration;

use alatau_e2e::browser::{BrowserOptions, Page};
use alatau_e2e::server::SiteServer;
use anyhow::{Context, Result};

use crate::{dist, paths};

const LOADS: usize = 5;
const RUN_WINDOW: Duration = Duration::from_secs(10);
/// Budget for the whole site, brotli (design note, section 5).
const TRANSFER_BUDGET_BYTES: u64 = 4 * 1024 * 1024;
/// Budget for draw calls per frame at the whole-city overview.
const DRAW_CALL_BUDGET: f64 = 150.0;
/// Budget for triangles per frame at the overview.
const TRIANGLE_BUDGET: f64 = 1_500_000.0;
/// Budget for the first city frame after navigation.
const READY_BUDGET_MS: f64 = 4000.0;

/// Builds `dist/`, measures, prints and records the figures.
pub fn run() -> Result<()> {
    let dist_dir = dist::run(true)?;
    let sizes = dist::read_manifest(&dist_dir)?;
    crate::tools::ensure_chromium()?;
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
        "size total: raw {} B, gzip {} B, brotli {} B ({:.2} MB brotli; budget 4 MB: {})",
        total.raw,
        total.gzip,
        total.brotli,
        total.brotli as f64 / 1_048_576.0,
        verdict(total.brotli <= TRANSFER_BUDGET_BYTES)
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
        "ready median of {LOADS}: {median:.0} ms (budget 4000 ms: {})",
        verdict(median <= READY_BUDGET_MS)
    ));

    let page = open_bench_page(&server)?;
    page.wait_ready()?;
    let frame =
        |page: &Page| -> Result<u64> { page.state()?["frame"].as_u64().context("state().frame") };
    let before = frame(&page)?;
    std::thread::sleep(RUN_WINDOW);
    let after = frame(&page)?;
    say(format!(
        "frames in {} s at 640x360: {} ({:.1} fps, headless SwiftShader)",
        RUN_WINDOW.as_secs(),
        after - before,
        (after - before) as f64 / RUN_WINDOW.as_secs_f64()
    ));
    let render = page.render_stats(6)?;
    say(format!(
        "overview draw calls per frame: {:.0} (budget 150: {}; aim 60)",
        render.draw_calls_per_frame,
        verdict(render.draw_calls_per_frame <= DRAW_CALL_BUDGET)
    ));
    say(format!(
        "overview triangles per frame: {:.0} (budget 1.5 M: {}; aim 500 k), over {} frames, every pass",
        render.triangles_per_frame,
        verdict(render.triangles_per_frame <= TRIANGLE_BUDGET),
        render.frames
    ));
    let memory = page
        .eval("window.alatau.debug.wasmMemoryBytes()")?
        .as_u64()
        .context("wasm memory")?;
    say(format!(
        "wasm memory after {} s: {memory} B ({:.1} MB)",
        RUN_WINDOW.as_secs(),
        memory as f64 / 1_048_576.0
    ));

    write_report(&lines)
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

fn write_report(lines: &[String]) -> Result<()> {
    let date = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default();
    let mut report = String::new();
    writeln!(report, "# Benchmark figures\n")?;
    writeln!(
        report,
        "Written by `cargo xtask bench` on {date}, on a 2-core machine with headless Chromium \
         rendering WebGL 2 through SwiftShader (software), serving `dist/` on loopback. Budgets: \
         design note, section 5.\n"
    )?;
    writeln!(report, "```")?;
    for line in lines {
        writeln!(report, "{line}")?;
    }
    writeln!(report, "```")?;
    let path = paths::root().join("docs").join("bench.md");
    std::fs::create_dir_all(path.parent().context("docs folder")?)?;
    std::fs::write(&path, report)?;
    println!("written to {}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
