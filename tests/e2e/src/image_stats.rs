//! Figures about a screenshot that tell a rendered city from a blank or flat canvas, and the
//! pixels of a region of it for tests that look at one spot.

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

/// A decoded picture's pixels as RGB, row by row.
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    rgb: Vec<[u8; 3]>,
}

impl Picture {
    /// Decodes a PNG (grey, grey with alpha, RGB or RGBA).
    pub fn of_png(bytes: &[u8]) -> Result<Picture> {
        let mut decoder = png::Decoder::new(bytes);
        decoder.set_transformations(png::Transformations::normalize_to_color8());
        let mut reader = decoder.read_info().context("not a PNG")?;
        let mut pixels = vec![0; reader.output_buffer_size()];
        let frame = reader.next_frame(&mut pixels).context("PNG frame")?;
        let channels = frame.color_type.samples();
        let rgb = pixels[..frame.buffer_size()]
            .chunks_exact(channels)
            .map(|pixel| match channels {
                1 | 2 => [pixel[0]; 3],
                _ => [pixel[0], pixel[1], pixel[2]],
            })
            .collect();
        Ok(Picture {
            width: frame.width,
            height: frame.height,
            rgb,
        })
    }

    /// How many pixels of the rectangle from `(left, top)` to `(right, bottom)` (exclusive,
    /// clipped to the picture) are `wanted`.
    pub fn count_in(
        &self,
        (left, top): (u32, u32),
        (right, bottom): (u32, u32),
        wanted: impl Fn([u8; 3]) -> bool,
    ) -> usize {
        let (right, bottom) = (right.min(self.width), bottom.min(self.height));
        (top..bottom)
            .flat_map(|y| (left..right).map(move |x| (x, y)))
            .filter(|&(x, y)| wanted(self.rgb[(y * self.width + x) as usize]))
            .count()
    }
}

impl ImageStats {
    /// Decodes a PNG and measures it.
    pub fn of_png(bytes: &[u8]) -> Result<ImageStats> {
        let picture = Picture::of_png(bytes)?;
        let mut seen = std::collections::HashSet::new();
        let mut luminances = Vec::with_capacity(picture.rgb.len());
        for &[r, g, b] in &picture.rgb {
            let luminance = 0.2126 * f64::from(r) + 0.7152 * f64::from(g) + 0.0722 * f64::from(b);
            luminances.push(luminance);
            seen.insert((r >> 4, g >> 4, b >> 4));
        }
        let count = luminances.len().max(1) as f64;
        let mean = luminances.iter().sum::<f64>() / count;
        let variance = luminances.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / count;
        Ok(ImageStats {
            width: picture.width,
            height: picture.height,
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
    fn a_region_counts_only_its_own_pixels_of_the_wanted_colour() {
        let png = png_of(8, 6, |x, y| {
            if x >= 4 && y < 3 {
                [250, 200, 80]
            } else {
                [90; 3]
            }
        });
        let picture = Picture::of_png(&png).expect("decode");
        let gold = |[r, _, b]: [u8; 3]| r > 200 && b < 120;
        assert_eq!(picture.count_in((0, 0), (8, 6), gold), 12);
        assert_eq!(picture.count_in((2, 1), (6, 4), gold), 4);
        assert_eq!(
            picture.count_in((6, 0), (100, 100), gold),
            6,
            "clipped to the picture"
        );
        assert_eq!(picture.count_in((0, 3), (8, 6), gold), 0);
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
