//! Binary entry point: everything lives in the library so tests can build the same app.

fn main() {
    alatau_explorer::run();
}
