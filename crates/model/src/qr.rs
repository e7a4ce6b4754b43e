//! QR codes for the kiosk's hand-off ("Take this view with you", a source's address): the
//! symbol from the `qrcodegen` crate (Project Nayuki's reference encoder, no dependencies) at
//! error-correction level M, and an SVG path of its dark modules with the standard quiet zone,
//! drawn black on white.

use qrcodegen::{QrCode, QrCodeEcc};

/// Light modules around the symbol, as the standard asks (four).
pub const QUIET_ZONE: usize = 4;

/// One QR symbol: a square of modules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrSymbol {
    size: usize,
    dark: Vec<bool>,
}

impl QrSymbol {
    /// Encodes `text` (a link), or `None` when it is too long for any QR version.
    pub fn encode(text: &str) -> Option<QrSymbol> {
        let code = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
        let size = usize::try_from(code.size()).ok()?;
        let mut dark = Vec::with_capacity(size * size);
        for y in 0..code.size() {
            for x in 0..code.size() {
                dark.push(code.get_module(x, y));
            }
        }
        Some(QrSymbol { size, dark })
    }

    /// Modules on a side, without the quiet zone.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Modules on a side with the quiet zone on both sides: the SVG's view box.
    pub fn size_with_quiet_zone(&self) -> usize {
        self.size + 2 * QUIET_ZONE
    }

    /// Whether the module at column `x`, row `y` is dark (outside the symbol: light).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.size && y < self.size && self.dark[y * self.size + x]
    }

    /// The dark modules as one SVG path in module units, offset by the quiet zone: each
    /// horizontal run of dark modules is one rectangle.
    pub fn svg_path(&self) -> String {
        let mut path = String::new();
        for y in 0..self.size {
            let mut x = 0;
            while x < self.size {
                if !self.is_dark(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < self.size && self.is_dark(x, y) {
                    x += 1;
                }
                let run = x - start;
                path.push_str(&format!(
                    "M{} {}h{run}v1h-{run}z",
                    start + QUIET_ZONE,
                    y + QUIET_ZONE
                ));
            }
        }
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rasterises the symbol (quiet zone included) at `scale` pixels a module, as a screen
    /// would, and reads it back with an independent decoder (`rqrr`).
    fn decode(symbol: &QrSymbol, scale: usize) -> String {
        let side = symbol.size_with_quiet_zone() * scale;
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
            let (mx, my) = (x / scale, y / scale);
            let dark = mx >= QUIET_ZONE
                && my >= QUIET_ZONE
                && symbol.is_dark(mx - QUIET_ZONE, my - QUIET_ZONE);
            if dark { 0 } else { 255 }
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one symbol");
        let (_, content) = grids[0].decode().expect("decodes");
        content
    }

    #[test]
    fn a_view_link_reads_back_exactly() {
        let link = "https://alatau.example/explorer/#lang=kk&sel=iconic-complex&cam=1200,-3400,2500,35,-20&tour=corridor&step=2";
        let symbol = QrSymbol::encode(link).expect("encodes");
        assert_eq!(decode(&symbol, 4), link);
    }

    #[test]
    fn the_path_covers_exactly_the_dark_modules() {
        let symbol = QrSymbol::encode("https://example.org/").expect("encodes");
        let dark = (0..symbol.size())
            .flat_map(|y| (0..symbol.size()).map(move |x| (x, y)))
            .filter(|&(x, y)| symbol.is_dark(x, y))
            .count();
        let covered: usize = symbol
            .svg_path()
            .split('M')
            .filter(|part| !part.is_empty())
            .map(|part| {
                let run = part.split('h').nth(1).and_then(|h| h.split('v').next());
                run.and_then(|n| n.parse::<usize>().ok()).expect("a run")
            })
            .sum();
        assert_eq!(covered, dark);
        assert!(
            symbol
                .svg_path()
                .starts_with(&format!("M{QUIET_ZONE} {QUIET_ZONE}")),
            "finder at the quiet zone's corner"
        );
        assert_eq!(symbol.size_with_quiet_zone(), symbol.size() + 8);
    }

    #[test]
    fn a_text_too_long_for_any_version_is_refused() {
        assert!(QrSymbol::encode(&"x".repeat(5000)).is_none());
    }
}
