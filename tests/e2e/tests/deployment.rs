//! End-to-end: the deployment. A real nginx serves the release-shaped site through
//! `deploy/nginx.conf` (only its `listen` and `root` lines replaced). Its answers carry the
//! content types, the precompressed encodings, the cache rules and the security headers the
//! issue asks for, the CSP header equal to the page's meta tag; and in Chromium the city loads,
//! a record is selected and a tour plays under that policy with no CSP violation, the service
//! worker included.

use std::path::{Path, PathBuf};
use std::time::Duration;

use alatau_e2e::browser::{BrowserOptions, Page};
use alatau_e2e::nginx::{HttpResponse, Nginx};
use alatau_e2e::packaged_site_dir_from_env;
use alatau_e2e::server::CONTENT_SECURITY_POLICY;

const WAIT: Duration = Duration::from_secs(90);
const YEAR_IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn deploy_config() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/nginx.conf");
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn start_nginx(site: &Path) -> Nginx {
    Nginx::start(&deploy_config(), site).unwrap_or_else(|error| panic!("nginx: {error:#}"))
}

/// The path (from the site root, with a leading `/`) of the one file under `folder` whose name
/// starts with `stem-` and ends with `extension`: a content-hashed file.
fn hashed_file(site: &Path, folder: &str, stem: &str, extension: &str) -> String {
    let names: Vec<String> = std::fs::read_dir(site.join(folder))
        .unwrap_or_else(|error| panic!("{folder}: {error}"))
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with(&format!("{stem}-")) && name.ends_with(extension))
        .collect();
    assert_eq!(
        names.len(),
        1,
        "one hashed {stem}*{extension} in {folder}: {names:?}"
    );
    format!("/{folder}/{}", names[0])
}

fn get(nginx: &Nginx, path: &str, accept_encoding: Option<&str>) -> HttpResponse {
    let headers: Vec<(&str, &str)> = accept_encoding
        .map(|value| vec![("Accept-Encoding", value)])
        .unwrap_or_default();
    let response = nginx
        .get(path, &headers)
        .unwrap_or_else(|error| panic!("GET {path}: {error:#}"));
    assert_eq!(response.status, 200, "GET {path}: {:?}", response.headers);
    response
}

fn file_len(site: &Path, path: &str) -> usize {
    let file: PathBuf = site.join(path.trim_start_matches('/'));
    std::fs::metadata(&file)
        .unwrap_or_else(|error| panic!("{}: {error}", file.display()))
        .len() as usize
}

/// The directives of a policy, each with its sources, in order.
fn directives(policy: &str) -> Vec<String> {
    policy
        .split(';')
        .map(|directive| directive.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|directive| !directive.is_empty())
        .collect()
}

#[test]
fn nginx_sends_the_types_encodings_cache_rules_and_security_headers() {
    let site = packaged_site_dir_from_env();
    let nginx = start_nginx(&site);
    let wasm = hashed_file(&site, "pkg", "alatau_explorer_bg", ".wasm");
    let glue = hashed_file(&site, "pkg", "alatau_explorer", ".js");
    let boot = hashed_file(&site, "web", "boot", ".js");
    let style = hashed_file(&site, "web", "style", ".css");

    // The wasm in each encoding a browser may accept, byte for byte the file dist wrote.
    for (accept, encoding, file) in [
        (Some("gzip, deflate, br"), "br", format!("{wasm}.br")),
        (Some("gzip"), "gzip", format!("{wasm}.gz")),
        (None, "", wasm.clone()),
    ] {
        let response = get(&nginx, &wasm, accept);
        assert_eq!(
            response.header("Content-Type"),
            "application/wasm",
            "{accept:?}"
        );
        assert_eq!(response.header("Content-Encoding"), encoding, "{accept:?}");
        assert_eq!(
            response.body.len(),
            file_len(&site, &file),
            "{file} as sent"
        );
        assert!(
            response.header("Vary").contains("Accept-Encoding"),
            "{:?}",
            response.headers
        );
        assert_eq!(response.header("Cache-Control"), YEAR_IMMUTABLE, "{wasm}");
    }

    // The other hashed files: a year, immutable; their types.
    for (path, content_type) in [
        (&glue, "application/javascript; charset=utf-8"),
        (&boot, "application/javascript; charset=utf-8"),
        (&style, "text/css; charset=utf-8"),
    ] {
        let response = get(&nginx, path, Some("br"));
        assert_eq!(response.header("Content-Type"), content_type, "{path}");
        assert_eq!(response.header("Content-Encoding"), "br", "{path}");
        assert_eq!(response.header("Cache-Control"), YEAR_IMMUTABLE, "{path}");
    }

    // What may change between releases without a new name: revalidated on every use.
    for (path, content_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/sw.js", "application/javascript; charset=utf-8"),
        ("/web/offline.js", "application/javascript; charset=utf-8"),
        (
            "/assets/data/alatau.json",
            "application/json; charset=utf-8",
        ),
        ("/assets/data/tours.json", "application/json; charset=utf-8"),
    ] {
        let response = get(&nginx, path, Some("gzip"));
        assert_eq!(response.header("Content-Type"), content_type, "{path}");
        assert_eq!(response.header("Content-Encoding"), "gzip", "{path}");
        assert_eq!(response.header("Cache-Control"), "no-cache", "{path}");
        assert!(
            !response.header("ETag").is_empty(),
            "{path} can be revalidated"
        );
    }
    let models: Vec<String> = std::fs::read_dir(site.join("assets/models"))
        .expect("assets/models")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".glb"))
        .collect();
    assert!(!models.is_empty(), "the landmark models are in the site");
    for model in &models {
        let response = get(&nginx, &format!("/assets/models/{model}"), None);
        assert_eq!(
            response.header("Content-Type"),
            "model/gltf-binary",
            "{model}"
        );
        assert_eq!(response.header("Cache-Control"), "no-cache", "{model}");
    }

    // The security headers, on a page and on an error alike.
    let page = get(&nginx, "/", None);
    let html = String::from_utf8(page.body.clone()).expect("index.html is UTF-8");
    let meta = html
        .split("http-equiv=\"Content-Security-Policy\" content=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("index.html's CSP meta tag");
    assert_eq!(meta, CONTENT_SECURITY_POLICY);
    let mut expected = directives(meta);
    expected.push("frame-ancestors 'self'".into());
    let missing = nginx.get("/no-such-file", &[]).expect("GET a missing file");
    assert_eq!(missing.status, 404);
    for response in [&page, &missing] {
        assert_eq!(
            directives(response.header("Content-Security-Policy")),
            expected,
            "the header is the meta tag's policy plus frame-ancestors"
        );
        assert_eq!(response.header("X-Content-Type-Options"), "nosniff");
        assert_eq!(
            response.header("Referrer-Policy"),
            "strict-origin-when-cross-origin"
        );
        let permissions = response.header("Permissions-Policy");
        for denied in ["camera=()", "microphone=()", "geolocation=()"] {
            assert!(permissions.contains(denied), "{denied} in {permissions}");
        }
        assert!(
            !response.header("Server").contains('/'),
            "no version in Server"
        );
    }
    let private = nginx
        .get("/size-manifest.json", &[])
        .expect("GET the size manifest");
    assert_eq!(private.status, 404, "the build's bookkeeping is not served");
}

/// Collects every CSP violation of every document from its start.
const VIOLATION_LISTENER: &str = "window.__cspViolations = []; \
    document.addEventListener('securitypolicyviolation', (event) => \
      window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`));";

#[test]
fn the_city_loads_selects_and_plays_a_tour_through_nginx_with_no_csp_violation() {
    let site = packaged_site_dir_from_env();
    let nginx = start_nginx(&site);
    let page = Page::open(
        &nginx.url(),
        &BrowserOptions {
            size: (480, 320),
            before_page_script: Some(VIOLATION_LISTENER.into()),
            ..BrowserOptions::default()
        },
    )
    .expect("open the page through nginx");
    page.wait_ready().expect("the city is ready");
    page.eval("window.alatau.select('iconic-complex')")
        .expect("select");
    page.wait_for(
        "window.alatau.state().selection === 'iconic-complex' && !document.querySelector('[data-testid=info-panel]').hidden",
        WAIT,
    )
    .expect("the record is shown");
    page.eval("window.alatau.startTour('corridor')")
        .expect("start a tour");
    page.wait_for(
        "window.alatau.state().tour === 'corridor' && window.alatau.state().step >= 1",
        WAIT,
    )
    .expect("the tour plays");
    // The public site registers its service worker once the city is up; it precaches the
    // release through the same server and policy.
    page.wait_for(
        "navigator.serviceWorker.getRegistration().then(r => !!r && !!r.active)",
        WAIT,
    )
    .expect("the service worker is active");
    let violations = page.eval("window.__cspViolations").expect("violations");
    assert_eq!(violations, serde_json::json!([]), "no CSP violation");
    // The listener does hear a violation: a request to another origin is refused.
    page.eval("fetch('http://192.0.2.1/').catch(() => null)")
        .expect("a refused fetch");
    let heard = page
        .wait_for(
            "window.__cspViolations.length > 0 && window.__cspViolations[0]",
            WAIT,
        )
        .expect("the listener hears a violation");
    assert!(
        heard
            .as_str()
            .is_some_and(|text| text.starts_with("connect-src")),
        "{heard}"
    );
}
