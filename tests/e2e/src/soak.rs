//! The kiosk soak: one kiosk page left running through visitor after visitor. Each visitor
//! wakes the attract loop with a touch, selects a record, switches the language, types a
//! search, opens the tour list and the "Take this view with you" card, and walks away; the kiosk
//! resets, by its own idle clock and countdown (`cargo xtask soak`) or at once (the browser
//! suite's accelerated run), and its attract loop plays until the next one. After each visitor
//! the wasm memory and the JS heap (after a garbage collection, through CDP) are sampled.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use headless_chrome::protocol::cdp::{HeapProfiler, Runtime};

use crate::browser::{BrowserOptions, Page};
use crate::server::SiteServer;

/// The window a soak runs in: small, as the software renderer is slow.
pub const SIZE: (u32, u32) = (480, 320);
/// What the visitors select, in turn.
const RECORDS: [&str; 4] = [
    "iconic-complex",
    "gate-district",
    "kaist-kazakhstan",
    "green-district",
];
const LANGS: [&str; 3] = ["ru", "kk", "en"];

/// How a soak's visitors come and go.
#[derive(Clone, Copy, Debug)]
pub struct SoakClock {
    /// The kiosk's `idle=` in seconds.
    pub idle_s: u32,
    /// Seconds the attract loop plays between visitors.
    pub attract_s: u64,
    /// Whether the kiosk resets by its own idle clock and 20 s countdown (else at once).
    pub natural_reset: bool,
}

/// One sample, after a visitor.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Seconds since the soak began.
    pub at_s: f64,
    /// Visitors so far.
    pub visitors: u32,
    /// The kiosk's resets so far (`state().kiosk.resets`).
    pub resets: u64,
    /// Bytes of wasm linear memory.
    pub wasm_bytes: f64,
    /// Bytes of JS heap in use after a garbage collection.
    pub js_heap_bytes: f64,
}

/// A running soak: the kiosk page and its visitors.
pub struct Soak {
    page: Page,
    clock: SoakClock,
    started: Instant,
    visitors: u32,
}

impl Soak {
    /// Opens the kiosk on `server` and waits until its attract loop plays.
    pub fn start(server: &SiteServer, clock: SoakClock) -> Result<Soak> {
        let url = format!("{}?debug=1&kiosk=1&idle={}", server.url(), clock.idle_s);
        let page = Page::open(
            &url,
            &BrowserOptions {
                size: SIZE,
                ..BrowserOptions::default()
            },
        )?;
        page.wait_ready()?;
        page.wait_for(
            "window.alatau.state().kiosk.stage === 'attract'",
            Duration::from_secs(120),
        )?;
        Ok(Soak {
            page,
            clock,
            started: Instant::now(),
            visitors: 0,
        })
    }

    /// The kiosk page.
    pub fn page(&self) -> &Page {
        &self.page
    }

    /// One visitor comes, explores, leaves; the kiosk resets and plays its loop again.
    pub fn visit(&mut self) -> Result<()> {
        let page = &self.page;
        let resets = self.resets()?;
        let wait = |expression: &str| page.wait_for(expression, Duration::from_secs(180));
        page.tap(
            f64::from(SIZE.0) * 0.9,
            f64::from(SIZE.1) * 0.45,
            Duration::from_millis(700),
        )?;
        wait("window.alatau.state().kiosk.stage === 'exploring'")?;
        let n = self.visitors as usize;
        page.eval(&format!(
            "(() => {{ window.alatau.select('{}'); window.alatau.setLang('{}'); \
               const i = document.getElementById('search-input'); i.value = 'Alatau'; \
               i.dispatchEvent(new Event('input', {{bubbles: true}})); \
               document.getElementById('tours').click(); \
               document.getElementById('take-view').click(); }})()",
            RECORDS[n % RECORDS.len()],
            LANGS[n % LANGS.len()],
        ))?;
        wait("!document.getElementById('qr-card').hidden")?;
        if !self.clock.natural_reset {
            page.eval("window.alatau.debug.kioskReset()")?;
        }
        wait(&format!(
            "window.alatau.state().kiosk.resets > {resets} && window.alatau.state().kiosk.stage === 'attract'"
        ))?;
        std::thread::sleep(Duration::from_secs(self.clock.attract_s));
        self.visitors += 1;
        Ok(())
    }

    fn resets(&self) -> Result<u64> {
        self.page.state()?["kiosk"]["resets"]
            .as_u64()
            .context("state().kiosk.resets")
    }

    /// The memory now, after a garbage collection.
    pub fn sample(&self) -> Result<Sample> {
        let tab = self.page.tab();
        tab.call_method(HeapProfiler::CollectGarbage(None))?;
        let heap = tab.call_method(Runtime::GetHeapUsage(None))?;
        let wasm_bytes = self
            .page
            .eval("window.alatau.debug.wasmMemoryBytes()")?
            .as_f64()
            .context("wasm memory")?;
        Ok(Sample {
            at_s: self.started.elapsed().as_secs_f64(),
            visitors: self.visitors,
            resets: self.resets()?,
            wasm_bytes,
            js_heap_bytes: heap.used_size,
        })
    }
}

/// How far the largest of `samples` is above the first, as a fraction (0.05 = 5 %), for wasm
/// memory and JS heap.
pub fn growth(samples: &[Sample]) -> Result<(f64, f64)> {
    let Some(first) = samples.first() else {
        bail!("no samples");
    };
    let most = |value: fn(&Sample) -> f64| {
        samples.iter().map(value).fold(f64::MIN, f64::max) / value(first) - 1.0
    };
    Ok((most(|s| s.wasm_bytes), most(|s| s.js_heap_bytes)))
}

/// One sample as a line of the soak's log.
pub fn describe(sample: &Sample) -> String {
    format!(
        "{:>7.0} s  visitors {:>4}  resets {:>4}  wasm {:>7.1} MB  JS heap {:>6.1} MB",
        sample.at_s,
        sample.visitors,
        sample.resets,
        sample.wasm_bytes / 1e6,
        sample.js_heap_bytes / 1e6
    )
}
