//! End-to-end: replaced landmark models checked at run time. One page is served an Iconic
//! Complex in centimetres (its root node scaled 100 times: a 27 km tower) and a KAIST campus
//! file that is not glTF at all. The city still becomes ready; each model's place holds a
//! stand-in block at the right height (272 m, the published height; the nominal height for the
//! campus, which has none), the console says why, and each record's panel says the model could
//! not be used.

use std::collections::HashMap;
use std::time::Duration;

use alatau_e2e::browser::{BrowserOptions, Page};
use alatau_e2e::server::SiteServer;
use alatau_e2e::{output_dir_from_env, site_dir_from_env};
use alatau_model::landmark_check::NOMINAL_STAND_IN_HEIGHT_M;
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(60);

/// `glb` with its scene's root nodes scaled by `factor` (the JSON chunk rewritten, the binary
/// chunk kept).
fn scaled_glb(glb: &[u8], factor: f64) -> Vec<u8> {
    let word = |at: usize| u32::from_le_bytes([glb[at], glb[at + 1], glb[at + 2], glb[at + 3]]);
    assert_eq!(&glb[..4], b"glTF", "a GLB file");
    let json_length = word(12) as usize;
    assert_eq!(&glb[16..20], b"JSON");
    let mut json: Value = serde_json::from_slice(&glb[20..20 + json_length]).expect("glTF JSON");
    let roots: Vec<u64> = json["scenes"][0]["nodes"]
        .as_array()
        .expect("a scene")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    for root in roots {
        json["nodes"][root as usize]["scale"] = serde_json::json!([factor, factor, factor]);
    }
    let mut json = serde_json::to_vec(&json).expect("JSON");
    while !json.len().is_multiple_of(4) {
        json.push(b' ');
    }
    let binary = &glb[20 + json_length..];
    let total = 12 + 8 + json.len() + binary.len();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(b"glTF");
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(b"JSON");
    out.extend_from_slice(&json);
    out.extend_from_slice(binary);
    out
}

fn stand_in(page: &Page, id: &str) -> Value {
    page.wait_for(
        &format!("window.alatau.state().scene.standIns.find(s => s.id === '{id}' && s.height !== null) ?? null"),
        WAIT,
    )
    .unwrap_or_else(|e| panic!("a stand-in for {id}: {e}"))
}

fn panel_note(page: &Page, id: &str) -> String {
    page.eval(&format!("window.alatau.select('{id}')"))
        .expect("select");
    page.wait_for(
        &format!(
            "window.alatau.state().selection === '{id}' \
               && document.querySelector('[data-testid=info-model-note]')?.textContent || null"
        ),
        WAIT,
    )
    .unwrap_or_else(|e| panic!("the panel of {id} says why its model is not shown: {e}"))
    .as_str()
    .unwrap_or_default()
    .replace('\u{a0}', " ")
}

#[test]
fn a_model_in_centimetres_and_a_corrupt_one_leave_stand_ins_and_say_why() {
    let models = site_dir_from_env().join("assets/models");
    let iconic = std::fs::read(models.join("iconic_complex.glb")).expect("the baked model");
    let overrides = HashMap::from([
        (
            "/assets/models/iconic_complex.glb".to_owned(),
            scaled_glb(&iconic, 100.0),
        ),
        (
            "/assets/models/kaist_campus.glb".to_owned(),
            b"this is not a glTF file".to_vec(),
        ),
    ]);
    let server = SiteServer::start_with_overrides(&site_dir_from_env(), "127.0.0.1", 0, overrides)
        .expect("serve the site with replaced models");
    let page = Page::open(
        &format!("{}#cam=-9700,27400,2600,200,20", server.url()),
        &BrowserOptions {
            size: (1280, 800),
            ..BrowserOptions::default()
        },
    )
    .expect("open");
    page.wait_ready()
        .expect("the city is ready without the two models");
    page.allow_console_errors();

    let iconic = stand_in(&page, "iconic-complex");
    assert_eq!(iconic["problem"], "height-off", "{iconic}");
    let height = iconic["height"].as_f64().unwrap_or(0.0);
    assert!(
        (height - 272.0).abs() < 0.5,
        "the Iconic Complex's stand-in is 272 m high: {iconic}"
    );
    let kaist = stand_in(&page, "kaist-kazakhstan");
    assert_eq!(kaist["problem"], "unreadable", "{kaist}");
    let height = kaist["height"].as_f64().unwrap_or(0.0);
    assert!(
        (height - f64::from(NOMINAL_STAND_IN_HEIGHT_M)).abs() < 0.5,
        "the campus, with no published height, has a nominal block: {kaist}"
    );

    let warnings = page.console_warnings();
    for (id, says) in [
        ("iconic-complex", "27,200"),
        ("kaist-kazakhstan", "cannot be read"),
    ] {
        assert!(
            warnings.iter().any(
                |w| w.contains(&format!("{id}: The 3D model could not be used"))
                    && w.replace('\u{a0}', " ").contains(says)
            ),
            "a console warning for {id} says {says:?}: {warnings:#?}"
        );
    }

    let note = panel_note(&page, "iconic-complex");
    assert!(
        note.starts_with("The 3D model could not be used: it is 27,200 m tall where the published height is 272 m"),
        "{note}"
    );
    let png = page.screenshot().expect("screenshot");
    std::fs::write(output_dir_from_env().join("landmark-stand-in.png"), png)
        .expect("save screenshot");
    let note = panel_note(&page, "kaist-kazakhstan");
    assert!(note.contains("the file cannot be read"), "{note}");
    page.eval("window.alatau.setLang('ru')").expect("ru");
    page.wait_for(
        "document.querySelector('[data-testid=info-model-note]')?.textContent.startsWith('3D-модель не удалось использовать')",
        WAIT,
    )
    .expect("the note in Russian");
    assert_eq!(
        page.state().expect("state")["scene"]["built"],
        true,
        "the city stays ready"
    );
}
