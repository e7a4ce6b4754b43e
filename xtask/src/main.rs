//! Project automation for Alatau Explorer, in Rust (the xtask pattern): `cargo xtask <command>`.
//!
//! Every command installs what it can (the wasm target, Chromium as root) and says exactly what
//! to install when it cannot.

mod bench;
mod cmd;
mod dist;
mod gallery;
mod models;
mod paths;
mod shoot;
mod site;
mod size_profile;
mod soak;
mod test;
mod tidy;
mod tools;
mod validate_data;

use anyhow::{Result, bail};

const HELP: &str = "\
cargo xtask <command>

  serve [--port N] [--release]   build the app and serve it on 127.0.0.1:8080 (or N)
  test                           every test: fmt, clippy, native tests, wasm build, browser suite
  dist [--no-wasm-opt] [--dev] [--over-budget]
                                 the release site in dist/ (optimised, hashed, precompressed);
                                 fails, naming the largest files, when it is over its size
                                 budget (2.5 MB brotli) unless --over-budget;
                                 wasm-opt (native, built once) takes ~2 min, skip it to iterate;
                                 --dev packages the development build instead, in a minute, into
                                 target/site-packaged (what the nginx test serves)
  shoot URL OUT.png [--size WxH] a screenshot of a running app, once the city is on screen
  shoot --gallery [--site DIR] [--out DIR]
                                 the gallery: docs/img/gallery/*.png and docs/gallery.md
                                 (overview, districts, landmarks, selections, phone, tablet);
                                 --site shoots a site already built, --out writes elsewhere
  bench                          the budget figures (sizes, time to ready, frames, memory);
                                 also written to docs/bench.md
  soak --minutes N               a kiosk left running N minutes: visitors, resets, the attract
                                 loop; prints wasm memory and JS heap after each visitor
  size-profile [--web]           where the release wasm's bytes go, by crate and by feature
                                 (twiggy, installed into the build cache on first use);
                                 --web profiles the quicker development build instead
  validate-data [FILE]           check a snapshot or a tours.json (default: both bundled files)
  bake-models                    write the landmark models to assets/models/*.glb
";

fn main() {
    if let Err(error) = run(std::env::args().skip(1).collect()) {
        eprintln!("xtask: {error:#}");
        std::process::exit(1);
    }
}

fn run(args: Vec<String>) -> Result<()> {
    let Some((command, rest)) = args.split_first() else {
        print!("{HELP}");
        return Ok(());
    };
    let mut args = Args::new(rest);
    match command.as_str() {
        "serve" => {
            let port = args.value("--port")?.map(|p| p.parse()).transpose()?;
            let release = args.flag("--release");
            args.finish()?;
            site::serve(port.unwrap_or(8080), release)
        }
        "test" => {
            args.finish()?;
            test::run()
        }
        "dist" => {
            let skip_wasm_opt = args.flag("--no-wasm-opt");
            let dev = args.flag("--dev");
            let gate = if args.flag("--over-budget") {
                dist::SizeGate::Warn
            } else {
                dist::SizeGate::Enforce
            };
            args.finish()?;
            if dev {
                let packaged = dist::package_dev_site(&site::build_dev_site()?)?;
                println!("packaged: {}", packaged.display());
                Ok(())
            } else {
                dist::run(!skip_wasm_opt, gate).map(|_| ())
            }
        }
        "shoot" if args.flag("--gallery") => {
            let site = args.value("--site")?.map(std::path::PathBuf::from);
            let out = args.value("--out")?.map(std::path::PathBuf::from);
            args.finish()?;
            gallery::run(site, out)
        }
        "shoot" => {
            let size = args.value("--size")?;
            let (url, out) = (args.positional("URL")?, args.positional("OUT.png")?);
            args.finish()?;
            shoot::run(&url, out.as_ref(), size.as_deref())
        }
        "bench" => {
            args.finish()?;
            bench::run()
        }
        "size-profile" => {
            let web = args.flag("--web");
            args.finish()?;
            size_profile::run(web)
        }
        "soak" => {
            let minutes = args.value("--minutes")?.map(|m| m.parse()).transpose()?;
            args.finish()?;
            soak::run(minutes.unwrap_or(30))
        }
        "validate-data" => {
            let file = args.positional("FILE").ok();
            args.finish()?;
            match file {
                Some(file) => validate_data::run(std::path::Path::new(&file)),
                None => validate_data::run_bundled(),
            }
        }
        "bake-models" => {
            args.finish()?;
            models::bake()
        }
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => bail!("unknown command `{other}`\n\n{HELP}"),
    }
}

/// A tiny argument reader: flags, `--key value` options and positionals, nothing left over.
struct Args {
    rest: Vec<String>,
}

impl Args {
    fn new(args: &[String]) -> Self {
        Self {
            rest: args.to_vec(),
        }
    }

    fn flag(&mut self, name: &str) -> bool {
        let before = self.rest.len();
        self.rest.retain(|arg| arg != name);
        self.rest.len() != before
    }

    fn value(&mut self, name: &str) -> Result<Option<String>> {
        let Some(index) = self.rest.iter().position(|arg| arg == name) else {
            return Ok(None);
        };
        if index + 1 >= self.rest.len() {
            bail!("{name} needs a value");
        }
        let value = self.rest.remove(index + 1);
        self.rest.remove(index);
        Ok(Some(value))
    }

    fn positional(&mut self, what: &str) -> Result<String> {
        match self.rest.iter().position(|arg| !arg.starts_with("--")) {
            Some(index) => Ok(self.rest.remove(index)),
            None => bail!("missing {what}"),
        }
    }

    fn finish(self) -> Result<()> {
        match self.rest.first() {
            Some(extra) => bail!("unexpected argument `{extra}`\n\n{HELP}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Args {
        Args::new(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn reads_options_flags_and_positionals() {
        let mut a = args(&["http://x/", "--size", "640x360", "out.png", "--release"]);
        assert!(a.flag("--release"));
        assert_eq!(a.value("--size").ok().flatten().as_deref(), Some("640x360"));
        assert_eq!(a.positional("URL").ok().as_deref(), Some("http://x/"));
        assert_eq!(a.positional("OUT").ok().as_deref(), Some("out.png"));
        assert!(a.finish().is_ok());
    }

    #[test]
    fn refuses_leftovers_and_missing_values() {
        assert!(args(&["--bogus"]).finish().is_err());
        assert!(args(&["--port"]).value("--port").is_err());
        assert!(args(&[]).positional("URL").is_err());
    }
}
