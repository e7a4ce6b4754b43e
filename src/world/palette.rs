//! The colours of the architectural-model look, in one place.

use bevy::prelude::Color;

/// Horizon haze as a tint (ambient light).
pub const HAZE: Color = Color::srgb(0.80, 0.85, 0.90);
/// Horizon haze as radiance, for the fog, the sky's horizon and the clear colour: brighter than
/// 1 because, like the sunlit land it fades into, it passes through the tonemapper.
pub const HAZE_RADIANCE: Color = Color::linear_rgb(1.30, 1.42, 1.60);
/// The sky overhead, as radiance.
pub const ZENITH_RADIANCE: Color = Color::linear_rgb(0.35, 0.55, 0.95);
/// Fog tint looking into the sun.
pub const SUN_GLARE: Color = Color::srgb(1.0, 0.93, 0.80);
/// Sunlight.
pub const SUN: Color = Color::srgb(1.0, 0.96, 0.90);
/// The steppe plain.
pub const STEPPE: Color = Color::srgb(0.80, 0.76, 0.63);
/// Irrigated land and foothill meadows.
pub const MEADOW: Color = Color::srgb(0.62, 0.68, 0.50);
/// Beaches and the shoreline.
pub const SAND: Color = Color::srgb(0.88, 0.84, 0.72);
/// Water.
pub const WATER: Color = Color::srgb(0.24, 0.45, 0.57);
/// Rivers (a little lighter than the reservoir, so they read at a distance).
pub const RIVER: Color = Color::srgb(0.33, 0.55, 0.66);
/// Mountain rock.
pub const ROCK: Color = Color::srgb(0.54, 0.52, 0.52);
/// Snow on the peaks.
pub const SNOW: Color = Color::srgb(0.96, 0.97, 0.99);
/// The A3 and other roads.
pub const ROAD: Color = Color::srgb(0.30, 0.30, 0.32);
/// The railway.
pub const RAIL: Color = Color::srgb(0.42, 0.33, 0.30);
/// Runways and aprons.
pub const RUNWAY: Color = Color::srgb(0.50, 0.50, 0.52);
/// Model-white buildings.
pub const MASSING: Color = Color::srgb(0.95, 0.94, 0.91);
/// Existing towns' buildings, a little darker than the new city's.
pub const TOWN: Color = Color::srgb(0.80, 0.78, 0.75);
/// Golf greens.
pub const GOLF: Color = Color::srgb(0.45, 0.62, 0.38);
/// District ground tint.
pub const DISTRICT: Color = Color::srgb(0.90, 0.88, 0.82);
/// Towers' glass.
pub const GLASS: Color = Color::srgb(0.74, 0.80, 0.85);
/// Containers, three liveries.
pub const CONTAINER_RUST: Color = Color::srgb(0.66, 0.33, 0.24);
/// See [`CONTAINER_RUST`].
pub const CONTAINER_BLUE: Color = Color::srgb(0.23, 0.38, 0.60);
/// See [`CONTAINER_RUST`].
pub const CONTAINER_TEAL: Color = Color::srgb(0.25, 0.55, 0.52);
/// Piers.
pub const PIER: Color = Color::srgb(0.62, 0.56, 0.48);
/// Streets between the plots of a street grid.
pub const STREET: Color = Color::srgb(0.50, 0.50, 0.51);
/// Squares and podium streets in a business core or a town.
pub const PAVING: Color = Color::srgb(0.80, 0.80, 0.79);
/// Courtyard gardens between housing.
pub const GARDEN: Color = Color::srgb(0.66, 0.72, 0.55);
/// Campus lawns and quads.
pub const LAWN: Color = Color::srgb(0.55, 0.69, 0.45);
/// Industrial and logistics yards.
pub const YARD: Color = Color::srgb(0.68, 0.67, 0.64);
/// Parks.
pub const PARK: Color = Color::srgb(0.47, 0.62, 0.40);
/// Tree crowns, three greens.
pub const TREE: Color = Color::srgb(0.30, 0.47, 0.27);
/// See [`TREE`].
pub const TREE_LIGHT: Color = Color::srgb(0.38, 0.54, 0.31);
/// See [`TREE`].
pub const TREE_DARK: Color = Color::srgb(0.24, 0.40, 0.23);
