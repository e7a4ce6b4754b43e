//! A real nginx serving a site through `deploy/nginx.conf` (its `listen` and `root` lines
//! replaced), on a free loopback port, for the deployment test; and a plain HTTP/1.1 client to
//! read the headers it sends.

use std::collections::HashMap;
use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Debian's brotli module for nginx (package `libnginx-mod-http-brotli-static`).
pub const BROTLI_STATIC_MODULE: &str = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so";

/// Debian's nginx's table of types, included by the site configuration.
const MIME_TYPES: &str = "/etc/nginx/mime.types";

/// The nginx binary: `ALATAU_NGINX`, else Debian's `/usr/sbin/nginx`.
pub fn nginx_path() -> PathBuf {
    std::env::var_os("ALATAU_NGINX")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/sbin/nginx"))
}

/// The site configuration for a test: `site_conf` with its first `listen` line on
/// `127.0.0.1:port`, its other `listen` lines dropped and its `root` at `site`.
pub fn site_config_for_test(site_conf: &str, port: u16, site: &Path) -> Result<String> {
    let mut listens = 0;
    let mut roots = 0;
    let mut lines = Vec::new();
    for line in site_conf.lines() {
        let directive = line.trim_start();
        if directive.starts_with("listen ") {
            listens += 1;
            if listens == 1 {
                lines.push(format!("    listen 127.0.0.1:{port};"));
            }
        } else if directive.starts_with("root ") {
            roots += 1;
            lines.push(format!("    root {};", site.display()));
        } else {
            lines.push(line.to_owned());
        }
    }
    if listens == 0 || roots != 1 {
        bail!("the site configuration needs `listen` lines and one `root` line");
    }
    Ok(lines.join("\n") + "\n")
}

/// A running nginx; it stops when dropped.
pub struct Nginx {
    child: Child,
    port: u16,
    prefix: PathBuf,
}

impl Nginx {
    /// Starts nginx on a free loopback port with `site_conf` (the text of `deploy/nginx.conf`)
    /// serving `site`. Fails with nginx's own words when the configuration does not load.
    pub fn start(site_conf: &str, site: &Path) -> Result<Nginx> {
        let site = site
            .canonicalize()
            .with_context(|| format!("site folder {} does not exist", site.display()))?;
        let port = free_port()?;
        let prefix =
            std::env::temp_dir().join(format!("alatau-nginx-{}-{port}", std::process::id()));
        fs::create_dir_all(&prefix)?;
        fs::copy(MIME_TYPES, prefix.join("mime.types"))
            .with_context(|| format!("{MIME_TYPES} (Debian's nginx-common)"))?;
        fs::write(
            prefix.join("site.conf"),
            site_config_for_test(site_conf, port, &site)?,
        )?;
        fs::write(prefix.join("nginx.conf"), main_config(&prefix))?;
        let nginx = nginx_path();
        let conf = prefix.join("nginx.conf");
        let (prefix_arg, conf_arg) = (format!("{}/", prefix.display()), conf.display().to_string());
        let check = Command::new(&nginx)
            .args(["-t", "-q", "-p", &prefix_arg, "-c", &conf_arg])
            .output()
            .with_context(|| format!("cannot run {} (Debian: nginx-light)", nginx.display()))?;
        if !check.status.success() {
            bail!(
                "nginx refuses the configuration:\n{}",
                String::from_utf8_lossy(&check.stderr)
            );
        }
        let child = Command::new(&nginx)
            .args(["-p", &prefix_arg, "-c", &conf_arg, "-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let mut server = Nginx {
            child,
            port,
            prefix,
        };
        server.wait_listening()?;
        Ok(server)
    }

    /// `http://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// GETs `path` (from `/`) with the given request headers.
    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Result<HttpResponse> {
        http_get(self.port, path, headers)
    }

    fn wait_listening(&mut self) -> Result<()> {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Some(status) = self.child.try_wait()? {
                let mut stderr = String::new();
                if let Some(mut pipe) = self.child.stderr.take() {
                    pipe.read_to_string(&mut stderr)?;
                }
                bail!("nginx exited ({status}): {stderr}");
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("nginx did not listen on port {} within 10 s", self.port)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.prefix);
    }
}

/// The main configuration around the site's: everything under `prefix`, one worker, brotli.
fn main_config(prefix: &Path) -> String {
    let dir = prefix.display();
    // As root, nginx's workers would drop to `nobody`, who cannot read a build cache in /root.
    let user = if running_as_root() {
        "user root;\n"
    } else {
        ""
    };
    format!(
        "{user}worker_processes 1;\n\
         pid {dir}/nginx.pid;\n\
         error_log {dir}/error.log warn;\n\
         load_module {BROTLI_STATIC_MODULE};\n\
         events {{ worker_connections 128; }}\n\
         http {{\n\
         \x20 access_log off;\n\
         \x20 sendfile on;\n\
         \x20 client_body_temp_path {dir}/body;\n\
         \x20 proxy_temp_path {dir}/proxy;\n\
         \x20 fastcgi_temp_path {dir}/fastcgi;\n\
         \x20 uwsgi_temp_path {dir}/uwsgi;\n\
         \x20 scgi_temp_path {dir}/scgi;\n\
         \x20 include site.conf;\n\
         }}\n"
    )
}

fn running_as_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .map(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().next())
                == Some("0")
        })
        .unwrap_or(false)
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?.port())
}

/// An HTTP response: status, headers (names lower-cased) and body.
#[derive(Debug)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header values by lower-case name (a repeated header's values joined with ", ").
    pub headers: HashMap<String, String>,
    /// The body as sent (still compressed when a `Content-Encoding` says so).
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The header's value, or "" when absent.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map_or("", String::as_str)
    }
}

/// A GET over a fresh connection (`Connection: close`), read to the end.
pub fn http_get(port: u16, path: &str, headers: &[(&str, &str)]) -> Result<HttpResponse> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut request =
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(&raw).with_context(|| format!("the response to GET {path}"))
}

fn parse_response(raw: &[u8]) -> Result<HttpResponse> {
    let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        bail!("no end of headers");
    };
    let head = std::str::from_utf8(&raw[..split])?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("status line {status_line:?}"))?;
    let mut headers: HashMap<String, String> = HashMap::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            bail!("header line {line:?}");
        };
        headers
            .entry(name.trim().to_ascii_lowercase())
            .and_modify(|joined| {
                joined.push_str(", ");
                joined.push_str(value.trim());
            })
            .or_insert_with(|| value.trim().to_owned());
    }
    let body = raw[split + 4..].to_vec();
    if headers
        .get("transfer-encoding")
        .is_some_and(|te| te.contains("chunked"))
    {
        bail!("chunked bodies are not read here (a static file has a Content-Length)");
    }
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_config_listens_on_loopback_and_serves_the_given_root() {
        let conf = "server {\n    listen 80;\n    listen [::]:80;\n    root /srv/x;\n}\n";
        let out = site_config_for_test(conf, 8123, Path::new("/tmp/site")).expect("config");
        assert_eq!(
            out,
            "server {\n    listen 127.0.0.1:8123;\n    root /tmp/site;\n}\n"
        );
        assert!(site_config_for_test("server {}", 1, Path::new("/")).is_err());
    }

    #[test]
    fn the_deployed_policy_is_the_pages_plus_frame_ancestors() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/nginx.conf");
        let conf = fs::read_to_string(&path).expect("deploy/nginx.conf");
        let header = conf
            .lines()
            .find_map(|line| {
                line.trim()
                    .strip_prefix("add_header Content-Security-Policy \"")
            })
            .expect("a Content-Security-Policy header");
        let expected = format!(
            "{}; frame-ancestors $alatau_frame_ancestors\" always;",
            crate::server::CONTENT_SECURITY_POLICY
        );
        assert_eq!(header, expected);
    }

    #[test]
    fn responses_parse_with_repeated_headers_joined() {
        let raw = b"HTTP/1.1 404 Not Found\r\nVary: Accept-Encoding\r\nvary: Origin\r\nContent-Length: 2\r\n\r\nno";
        let response = parse_response(raw).expect("parse");
        assert_eq!(response.status, 404);
        assert_eq!(response.header("Vary"), "Accept-Encoding, Origin");
        assert_eq!(response.body, b"no");
        assert!(parse_response(b"HTTP/1.1 200 OK\r\n").is_err());
    }
}
