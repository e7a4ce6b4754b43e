//! The colours of the architectural-model look, in one place.

use bevy::prelude::Color;

/// Sky and horizon haze.
pub const HAZE: Color = Color::srgb(0.78, 0.84, 0.90);
/// Fog tint looking into the sun.
pub const SUN_GLARE: Color = Color::srgb(1.0, 0.93, 0.80);
/// Sunlight.
pub const SUN: Color = Color::srgb(1.0, 0.96, 0.90);
/// The steppe plain.
pub const STEPPE: Color = Color::srgb(0.74, 0.72, 0.60);
/// Water.
pub const WATER: Color = Color::srgb(0.29, 0.48, 0.58);
/// Mountain rock.
pub const ROCK: Color = Color::srgb(0.55, 0.54, 0.56);
/// Snow on the peaks.
pub const SNOW: Color = Color::srgb(0.96, 0.97, 0.99);
/// Roads.
pub const ROAD: Color = Color::srgb(0.36, 0.36, 0.38);
/// Model-white buildings.
pub const MASSING: Color = Color::srgb(0.93, 0.92, 0.89);
