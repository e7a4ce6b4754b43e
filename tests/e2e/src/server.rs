//! A small static file server for the built site, with the headers the app's contract asks for:
//! `application/wasm`, `X-Content-Type-Options: nosniff`, a strict Content-Security-Policy, and
//! precompressed `.br`/`.gz` files served when the browser accepts them.

use std::collections::HashMap;
use std::fs;
use std::io::Cursor;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

use anyhow::{Context, Result, anyhow};
use tiny_http::{Header, Method, Response, StatusCode};

/// The Content-Security-Policy of the site: same-origin only, wasm compilation allowed, no inline
/// script or style. `index.html` carries the same policy in a meta tag (a test keeps them equal).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

/// A running server; it stops when dropped.
pub struct SiteServer {
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
    addr: SocketAddr,
}

impl SiteServer {
    /// Serves `root` on `host:port` (port 0 picks a free one).
    pub fn start(root: &Path, host: &str, port: u16) -> Result<SiteServer> {
        Self::start_with_overrides(root, host, port, HashMap::new())
    }

    /// Like [`SiteServer::start`], but answers the URL paths in `overrides` (e.g.
    /// `/assets/data/alatau.json`) with the given bytes instead of the files: how tests serve a
    /// broken or hostile snapshot without touching the site.
    pub fn start_with_overrides(
        root: &Path,
        host: &str,
        port: u16,
        overrides: HashMap<String, Vec<u8>>,
    ) -> Result<SiteServer> {
        let root = root
            .canonicalize()
            .with_context(|| format!("site folder {} does not exist", root.display()))?;
        let server = tiny_http::Server::http((host, port))
            .map_err(|error| anyhow!("cannot listen on {host}:{port}: {error}"))?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| anyhow!("not an IP listener"))?;
        let server = Arc::new(server);
        let worker = Arc::clone(&server);
        let (root, overrides) = (Arc::new(root), Arc::new(overrides));
        let thread = std::thread::spawn(move || {
            // One thread per request, as a real server answers them side by side: answered one
            // at a time, a response the browser holds back (a fetch whose body waits for
            // another request, the wasm for its glue) would stall every request behind it.
            for request in worker.incoming_requests() {
                let (root, overrides) = (Arc::clone(&root), Arc::clone(&overrides));
                std::thread::spawn(move || answer(&root, &overrides, request));
            }
        });
        Ok(SiteServer {
            server,
            thread: Some(thread),
            addr,
        })
    }

    /// The base URL, ending in `/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Blocks until the process is stopped (for `cargo xtask serve`).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for SiteServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The MIME type for a file name.
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|ext| ext.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        "glb" => "model/gltf-binary",
        "gltf" => "model/gltf+json",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Maps a request path to a file under `root`, refusing anything that climbs out of it.
pub fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let path = url_path.split(['?', '#']).next().unwrap_or("");
    let mut resolved = root.to_path_buf();
    for component in Path::new(path.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => resolved.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if resolved.is_dir() {
        resolved.push("index.html");
    }
    resolved.is_file().then_some(resolved)
}

/// Answers one request: an override's bytes, or the file.
fn answer(root: &Path, overrides: &HashMap<String, Vec<u8>>, request: tiny_http::Request) {
    let path = request.url().split(['?', '#']).next().unwrap_or("");
    let response = match overrides.get(path) {
        Some(body) => Response::from_data(body.clone())
            .with_header(header("Content-Type", content_type(Path::new(path))))
            .with_header(header("Cache-Control", "no-store")),
        None => respond(root, &request),
    };
    if let Err(error) = request.respond(response) {
        eprintln!("serve: {error}");
    }
}

fn header(name: &str, value: &str) -> Header {
    match Header::from_bytes(name.as_bytes(), value.as_bytes()) {
        Ok(header) => header,
        Err(()) => panic!("invalid static header {name}: {value}"),
    }
}

fn respond(root: &Path, request: &tiny_http::Request) -> Response<Cursor<Vec<u8>>> {
    let not_allowed = !matches!(request.method(), Method::Get | Method::Head);
    let file = if not_allowed {
        None
    } else {
        resolve(root, request.url())
    };
    let Some(file) = file else {
        let status = if not_allowed { 405 } else { 404 };
        return Response::from_data(format!("{status}\n").into_bytes())
            .with_status_code(StatusCode(status))
            .with_header(header("Content-Type", "text/plain; charset=utf-8"))
            .with_header(header("X-Content-Type-Options", "nosniff"));
    };
    let accepts = |encoding: &str| {
        request.headers().iter().any(|h| {
            h.field.equiv("Accept-Encoding")
                && h.value
                    .as_str()
                    .split(',')
                    .any(|e| e.trim().starts_with(encoding))
        })
    };
    let mut body_path = file.clone();
    let mut encoding = None;
    for (name, suffix) in [("br", "br"), ("gzip", "gz")] {
        let candidate = PathBuf::from(format!("{}.{suffix}", file.display()));
        if accepts(name) && candidate.is_file() {
            body_path = candidate;
            encoding = Some(name);
            break;
        }
    }
    let body = match fs::read(&body_path) {
        Ok(body) => body,
        Err(error) => {
            return Response::from_data(format!("500 {error}\n").into_bytes())
                .with_status_code(StatusCode(500));
        }
    };
    let mut response = Response::from_data(body)
        .with_header(header("Content-Type", content_type(&file)))
        .with_header(header("X-Content-Type-Options", "nosniff"))
        .with_header(header("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .with_header(header("Referrer-Policy", "no-referrer"))
        // A development server: always revalidate, so a rebuild shows at once.
        .with_header(header("Cache-Control", "no-cache"))
        .with_header(header("Vary", "Accept-Encoding"));
    if let Some(encoding) = encoding {
        response = response.with_header(header("Content-Encoding", encoding));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn get(server: &SiteServer, path: &str, accept_encoding: &str) -> String {
        let mut stream = std::net::TcpStream::connect(server.addr).expect("connect");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: {accept_encoding}\r\nConnection: close\r\n\r\n"
        )
        .expect("write request");
        let mut reply = Vec::new();
        stream.read_to_end(&mut reply).expect("read reply");
        String::from_utf8_lossy(&reply).into_owned()
    }

    fn site() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("alatau-server-test-{}", std::process::id()));
        fs::create_dir_all(dir.join("pkg")).expect("temp site");
        fs::write(dir.join("index.html"), "<!doctype html>").expect("index");
        fs::write(dir.join("pkg/app.wasm"), b"\0asm").expect("wasm");
        fs::write(dir.join("pkg/app.wasm.br"), b"brotli").expect("wasm.br");
        dir
    }

    #[test]
    fn serves_wasm_with_the_contract_headers() {
        let server = SiteServer::start(&site(), "127.0.0.1", 0).expect("server");
        let reply = get(&server, "/pkg/app.wasm", "identity");
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
        let lower = reply.to_ascii_lowercase();
        assert!(lower.contains("content-type: application/wasm"), "{reply}");
        assert!(lower.contains("x-content-type-options: nosniff"), "{reply}");
        assert!(lower.contains("'wasm-unsafe-eval'"), "{reply}");
        assert!(!lower.contains("content-encoding"), "{reply}");
    }

    #[test]
    fn serves_precompressed_files_when_accepted() {
        let server = SiteServer::start(&site(), "127.0.0.1", 0).expect("server");
        let reply = get(&server, "/pkg/app.wasm", "gzip, deflate, br");
        let lower = reply.to_ascii_lowercase();
        assert!(lower.contains("content-encoding: br"), "{reply}");
        assert!(lower.contains("content-type: application/wasm"), "{reply}");
        assert!(reply.ends_with("brotli"), "{reply}");
    }

    #[test]
    fn overrides_replace_a_file() {
        let overrides = HashMap::from([("/pkg/app.wasm".to_owned(), b"replaced".to_vec())]);
        let server =
            SiteServer::start_with_overrides(&site(), "127.0.0.1", 0, overrides).expect("server");
        assert!(get(&server, "/pkg/app.wasm?v=1", "").ends_with("replaced"));
        assert!(get(&server, "/index.html", "").contains("<!doctype html>"));
    }

    #[test]
    fn index_for_the_root_and_404_outside_the_site() {
        let server = SiteServer::start(&site(), "127.0.0.1", 0).expect("server");
        assert!(get(&server, "/?kiosk=1", "").contains("<!doctype html>"));
        assert!(get(&server, "/../../etc/passwd", "").starts_with("HTTP/1.1 404"));
        assert!(get(&server, "/missing.js", "").starts_with("HTTP/1.1 404"));
    }

    #[test]
    fn index_html_carries_the_same_policy_as_the_server() {
        let index = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../index.html"))
            .expect("the repository's index.html");
        let meta = format!("content=\"{CONTENT_SECURITY_POLICY}\"");
        assert!(
            index.contains(&meta),
            "index.html's CSP meta must equal CONTENT_SECURITY_POLICY"
        );
        assert!(
            !index.contains("<script>"),
            "no inline script under the strict CSP"
        );
        assert!(
            !index.contains("style=\""),
            "no inline style under the strict CSP"
        );
    }
}
