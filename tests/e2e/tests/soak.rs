//! End-to-end: the kiosk soak, accelerated. Visitor after visitor (`ALATAU_SOAK_VISITORS`,
//! default 4, after a first one that warms the page up) explores and leaves, the kiosk resets
//! at once and plays its attract loop for a few seconds; the wasm memory and the JS heap after
//! each visitor stay within 5 % of the first sample. `cargo xtask soak --minutes N` runs the
//! same visitors at the kiosk's own pace.

use alatau_e2e::server::SiteServer;
use alatau_e2e::site_dir_from_env;
use alatau_e2e::soak::{Soak, SoakClock, describe, growth};

#[test]
fn memory_stays_flat_from_visitor_to_visitor() {
    let visitors: u32 = std::env::var("ALATAU_SOAK_VISITORS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(4);
    let server =
        SiteServer::start(&site_dir_from_env(), "127.0.0.1", 0).expect("serve the built site");
    let clock = SoakClock {
        idle_s: 600,
        attract_s: 4,
        natural_reset: false,
    };
    let mut soak = Soak::start(&server, clock).expect("the kiosk starts");
    soak.visit().expect("the first visitor");
    let mut samples = Vec::new();
    for _ in 0..visitors {
        soak.visit().expect("a visitor");
        let sample = soak.sample().expect("a sample");
        eprintln!("{}", describe(&sample));
        samples.push(sample);
    }
    let (wasm, heap) = growth(&samples).expect("samples");
    assert!(
        wasm <= 0.05 && heap <= 0.05,
        "memory after the first visitor grew by {:.1} % (wasm) and {:.1} % (JS heap)",
        wasm * 100.0,
        heap * 100.0
    );
    assert!(soak.page().console_errors().is_empty(), "no errors");
}
