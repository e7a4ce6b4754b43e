//! Figures about a screenshot that tell a rendered city from a blank or flat canvas.

use anyhow::{Context, Result};

/// Summary of an RGB(A) PNG.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageStats {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Standard deviation of luminance (0-255).
    pub luminance_stddev: f64,
    /// Distinct colours after quantising each channel to 4 bits.
    pub distinct_colours: usize,
}

impl ImageStats {
    /// Decodes a PNG and measures it.
    pub fn of_png(bytes: &[u8]) -> Result<ImageStats> {
        let mut decoder = png::Decoder::new(bytes);
        decoder.set_transformations(png::Transformations::normalize_to_color8());
        let mut reader = decoder.read_info().context("not a PNG")?;
        let mut pixels = vec![0; reader.output_buffer_size()];
        let frame = reader.next_frame(&mut pixels).context("PNG frame")?;
        let channels = frame.color_type.samples();
        let pixels = &pixels[..frame.buffer_size()];
        let mut seen = std::collections::HashSet::new();
        let mut luminances = Vec::with_capacity(pixels.len() / channels);
        for pixel in pixels.chunks_exact(channels) {
            let (r, g, b) = match channels {
                1 | 2 => (pixel[0], pixel[0], pixel[0]),
                _ => (pixel[0], pixel[1], pixel[2]),
            };
            let luminance = 0.2126 * f64::from(r) + 0.7152 * f64::from(g) + 0.0722 * f64::from(b);
            luminances.push(luminance);
            seen.insert((r >> 4, g >> 4, b >> 4));
        }
        let count = luminances.len().max(1) as f64;
        let mean = luminances.iter().sum::<f64>() / count;
        let variance = luminances.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / count;
        Ok(ImageStats {
            width: frame.width,
            height: frame.height,
            luminance_stddev: variance.sqrt(),
            distinct_colours: seen.len(),
        })
    }

    /// True for a picture with structure: not one colour, not a gradient of two.
    pub fn looks_rendered(&self) -> bool {
        self.luminance_stddev > 6.0 && self.distinct_colours >= 24
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_of(width: u32, height: u32, pixel: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, width, height);
        encoder.set_color(png::ColorType::Rgb);
        let mut writer = encoder.write_header().expect("header");
        let data: Vec<u8> = (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .flat_map(|(x, y)| pixel(x, y))
            .collect();
        writer.write_image_data(&data).expect("data");
        drop(writer);
        bytes
    }

    #[test]
    fn a_flat_canvas_does_not_look_rendered() {
        let stats = ImageStats::of_png(&png_of(64, 32, |_, _| [120, 130, 140])).expect("png");
        assert_eq!((stats.width, stats.height), (64, 32));
        assert_eq!(stats.distinct_colours, 1);
        assert!(stats.luminance_stddev < 1e-6);
        assert!(!stats.looks_rendered());
    }

    #[test]
    fn a_structured_picture_looks_rendered() {
        let stats = ImageStats::of_png(&png_of(64, 64, |x, y| {
            [(x * 4) as u8, (y * 4) as u8, ((x ^ y) * 4) as u8]
        }))
        .expect("png");
        assert!(stats.looks_rendered(), "{stats:?}");
    }
}
