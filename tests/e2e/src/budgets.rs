//! The design note's budgets (section 5), in one place: `cargo xtask bench` prints its figures
//! against them, the browser suite's city test holds the overview and a close-up to them, and
//! the soak to its memory growth. Sizes count MB as 10^6 bytes.

/// The whole release site, brotli, bytes.
pub const TRANSFER_BROTLI_BYTES: u64 = 2_500_000;
/// Navigation to `ready`, median of five cold loads, milliseconds.
pub const READY_MS: f64 = 2_000.0;
/// Draw calls per frame, every pass, at the overview and at a close-up.
pub const DRAW_CALLS_PER_FRAME: f64 = 60.0;
/// Triangles per frame, every pass, at the overview and at a close-up.
pub const TRIANGLES_PER_FRAME: f64 = 500_000.0;
/// Main-thread time per frame, median, milliseconds.
pub const FRAME_MEDIAN_MS: f64 = 8.0;
/// Main-thread time per frame, 95th percentile, milliseconds.
pub const FRAME_P95_MS: f64 = 16.0;
/// Growth of wasm memory over a kiosk soak after its first visitor, percent.
pub const SOAK_MEMORY_GROWTH_PERCENT: f64 = 5.0;

/// Bytes as MB of 10^6 bytes, two decimals (`2.50 MB`).
pub fn megabytes(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn megabytes_are_millions_of_bytes() {
        assert_eq!(megabytes(TRANSFER_BROTLI_BYTES), "2.50 MB");
        assert_eq!(megabytes(3_777_503), "3.78 MB");
    }
}
