//! `cargo xtask soak --minutes N`: the kiosk left running for N minutes (the development site,
//! headless Chromium): visitor after visitor explores and leaves, the kiosk resets by its own
//! idle clock (10 s) and "Still there?" countdown (20 s) and plays its attract loop (20 s)
//! until the next one. Prints the wasm memory and the JS heap after each visitor (about once a
//! minute), and at the end how far each grew after the first visitor.

use std::time::{Duration, Instant};

use anyhow::Result;

use alatau_e2e::server::SiteServer;
use alatau_e2e::soak::{Soak, SoakClock, describe, growth};

use crate::{site, tools};

pub fn run(minutes: u64) -> Result<()> {
    tools::ensure_chromium()?;
    tools::ensure_mesa()?;
    let site = site::build_dev_site()?;
    let server = SiteServer::start(&site, "127.0.0.1", 0)?;
    let clock = SoakClock {
        idle_s: 10,
        attract_s: 20,
        natural_reset: true,
    };
    let mut soak = Soak::start(&server, clock)?;
    let until = Instant::now() + Duration::from_secs(minutes * 60);
    println!(
        "soak: {minutes} min of kiosk visitors at {:?} px",
        alatau_e2e::soak::SIZE
    );
    let mut samples = Vec::new();
    while Instant::now() < until {
        soak.visit()?;
        let sample = soak.sample()?;
        println!("{}", describe(&sample));
        samples.push(sample);
    }
    // The first visitor warms the page up (shaders, the first tour's assets).
    let (wasm, heap) = growth(samples.get(1..).unwrap_or_default())?;
    let verdict = format!(
        "after the first visitor, wasm memory grew {:.1} %, JS heap {:.1} % at most (budget {} %)",
        wasm * 100.0,
        heap * 100.0,
        alatau_e2e::budgets::SOAK_MEMORY_GROWTH_PERCENT
    );
    println!("soak: {verdict}");
    let mut report = format!(
        "Written by `cargo xtask soak --minutes {minutes}` on {}: a kiosk (`?kiosk=1&idle={}`, \
         the development site, headless Chromium with {} at {}x{} px) with visitor \
         after visitor, each reset by the kiosk's own idle clock and 20 s countdown, the attract \
         loop playing {} s between them; memory after each visitor, the JS heap after a garbage \
         collection.\n\n```\n",
        crate::bench::utc_now(),
        clock.idle_s,
        alatau_e2e::browser::SoftwareRenderer::chosen().name(),
        alatau_e2e::soak::SIZE.0,
        alatau_e2e::soak::SIZE.1,
        clock.attract_s,
    );
    for sample in &samples {
        report.push_str(&describe(sample));
        report.push('\n');
    }
    report.push_str(&format!("{verdict}\n```\n"));
    crate::bench::write_section("Kiosk soak", &report)
}
