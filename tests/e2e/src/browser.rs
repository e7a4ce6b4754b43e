//! A headless Chromium page driven over CDP, with WebGL 2 on a software renderer (Mesa's
//! llvmpipe where the machine has it, else SwiftShader), console capture and helpers that wait
//! for app state instead of sleeping.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use headless_chrome::protocol::cdp::Emulation::{
    MediaFeature, SetDeviceMetricsOverride, SetEmulatedMedia,
};
use headless_chrome::protocol::cdp::Page::{
    AddScriptToEvaluateOnNewDocument, CaptureScreenshotFormatOption,
};
use headless_chrome::protocol::cdp::Runtime::ConsoleAPICalledEventTypeOption as ConsoleKind;
use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::{Browser, LaunchOptions, Tab};
use serde_json::Value;

/// How long a page may take to show the city: software renderers compile shaders slowly.
pub const READY_TIMEOUT: Duration = Duration::from_secs(180);
/// How long one DevTools call may take before it counts as failed.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one screenshot may take before the compositor is woken and it is tried again.
const SCREENSHOT_TIMEOUT: Duration = Duration::from_secs(30);

/// The Chromium binary: `ALATAU_CHROMIUM`, else Debian's `/usr/bin/chromium`.
pub fn chromium_path() -> PathBuf {
    std::env::var_os("ALATAU_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// The CPU renderer behind WebGL 2 in the headless browser (the CI machines have no GPU).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SoftwareRenderer {
    /// Mesa's llvmpipe through ANGLE's EGL backend: several times faster per frame here.
    Llvmpipe,
    /// Chromium's own SwiftShader: always there, slow.
    SwiftShader,
}

/// Mesa's software GL driver and EGL vendor library, as Debian installs them.
const MESA_FILES: [&str; 2] = [
    "/usr/lib/x86_64-linux-gnu/dri/swrast_dri.so",
    "/usr/lib/x86_64-linux-gnu/libEGL_mesa.so.0",
];

/// Whether Debian's Mesa packages (`libgl1-mesa-dri`, `libegl-mesa0`) are installed.
pub fn mesa_is_installed() -> bool {
    MESA_FILES
        .iter()
        .all(|file| std::path::Path::new(file).exists())
}

impl SoftwareRenderer {
    /// `ALATAU_GL=swiftshader` or `llvmpipe` if set; else llvmpipe where Mesa is installed.
    pub fn chosen() -> SoftwareRenderer {
        match std::env::var("ALATAU_GL").as_deref() {
            Ok("swiftshader") => SoftwareRenderer::SwiftShader,
            Ok("llvmpipe") => SoftwareRenderer::Llvmpipe,
            _ if MESA_FILES
                .iter()
                .all(|file| std::path::Path::new(file).exists()) =>
            {
                SoftwareRenderer::Llvmpipe
            }
            _ => SoftwareRenderer::SwiftShader,
        }
    }

    /// The renderer's name, for reports.
    pub fn name(self) -> &'static str {
        match self {
            SoftwareRenderer::Llvmpipe => "Mesa llvmpipe",
            SoftwareRenderer::SwiftShader => "SwiftShader",
        }
    }

    fn chromium_flags(self) -> &'static [&'static str] {
        match self {
            SoftwareRenderer::Llvmpipe => &["--use-angle=gl-egl"],
            SoftwareRenderer::SwiftShader => {
                &["--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
            }
        }
    }
}

/// Options for one browser.
#[derive(Clone, Debug)]
pub struct BrowserOptions {
    /// Viewport size in CSS pixels.
    pub size: (u32, u32),
    /// Whether WebGL is available (false proves the fallback).
    pub webgl: bool,
    /// Fail (panic when the page is dropped) if the console logged an error or an exception was
    /// thrown, unless [`Page::allow_console_errors`] was called: the suite's default.
    pub strict_console: bool,
    /// Emulate `prefers-reduced-motion: reduce`.
    pub reduced_motion: bool,
    /// Script run in every document before the page's own (not subject to its CSP): how a
    /// test listens from the very start, e.g. for `securitypolicyviolation` events.
    pub before_page_script: Option<String>,
}

impl Default for BrowserOptions {
    fn default() -> Self {
        Self {
            size: (320, 240),
            webgl: true,
            strict_console: true,
            reduced_motion: false,
            before_page_script: None,
        }
    }
}

/// One console message or uncaught exception.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsoleEntry {
    /// `error`, `warning`, `log`, ..., or `exception`.
    pub kind: String,
    /// The message text.
    pub text: String,
}

/// A browser with one page open.
pub struct Page {
    _browser: Browser,
    /// The browser's profile directory, unique to this page.
    user_data: PathBuf,
    tab: Arc<Tab>,
    console: Arc<Mutex<Vec<ConsoleEntry>>>,
    strict_console: std::cell::Cell<bool>,
}

impl Page {
    /// Starts Chromium and opens `url`.
    pub fn open(url: &str, options: &BrowserOptions) -> Result<Page> {
        let mut args: Vec<&std::ffi::OsStr> = SoftwareRenderer::chosen()
            .chromium_flags()
            .iter()
            .chain(&[
                "--ignore-gpu-blocklist",
                "--disable-quic",
                "--disable-component-update",
                "--no-default-browser-check",
                "--hide-scrollbars",
                "--mute-audio",
            ])
            .map(std::ffi::OsStr::new)
            .collect();
        // More switches for a diagnosis, e.g. `--trace-startup=gpu --trace-startup-format=json`.
        let extra = std::env::var("ALATAU_CHROMIUM_ARGS").unwrap_or_default();
        args.extend(extra.split_whitespace().map(std::ffi::OsStr::new));
        if !options.webgl {
            args.push(std::ffi::OsStr::new("--disable-3d-apis"));
        }
        static LAUNCHES: AtomicU32 = AtomicU32::new(0);
        let user_data = std::env::temp_dir().join(format!(
            "alatau-chromium-{}-{}",
            std::process::id(),
            LAUNCHES.fetch_add(1, Ordering::Relaxed)
        ));
        let launch = LaunchOptions::default_builder()
            .path(Some(chromium_path()))
            .headless(true)
            .sandbox(false)
            .enable_gpu(true)
            .window_size(Some(options.size))
            .user_data_dir(Some(user_data.clone()))
            .idle_browser_timeout(Duration::from_secs(600))
            .args(args)
            .build()
            .map_err(|error| anyhow!("chromium launch options: {error}"))?;
        let browser = Browser::new(launch).with_context(|| {
            format!(
                "cannot start {} (install Debian's `chromium` package)",
                chromium_path().display()
            )
        })?;
        let tab = browser.new_tab()?;
        tab.set_default_timeout(CALL_TIMEOUT);
        let console = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&console);
        tab.add_event_listener(Arc::new(move |event: &Event| {
            let entry = match event {
                Event::RuntimeConsoleAPICalled(call) => ConsoleEntry {
                    kind: console_kind(&call.params.Type),
                    text: call
                        .params
                        .args
                        .iter()
                        .map(|arg| match &arg.value {
                            Some(Value::String(text)) => text.clone(),
                            Some(other) => other.to_string(),
                            None => arg.description.clone().unwrap_or_default(),
                        })
                        .collect::<Vec<_>>()
                        .join(" "),
                },
                Event::RuntimeExceptionThrown(thrown) => ConsoleEntry {
                    kind: "exception".into(),
                    text: thrown
                        .params
                        .exception_details
                        .exception
                        .as_ref()
                        .and_then(|e| e.description.clone())
                        .unwrap_or_else(|| thrown.params.exception_details.text.clone()),
                },
                _ => return,
            };
            if let Ok(mut entries) = sink.lock() {
                entries.push(with_bevy_level(entry));
            }
        }))?;
        tab.enable_runtime()?;
        // The window size includes browser chrome; the viewport is what the page sees.
        set_viewport(&tab, options.size)?;
        if options.reduced_motion {
            tab.call_method(SetEmulatedMedia {
                media: None,
                features: Some(vec![MediaFeature {
                    name: "prefers-reduced-motion".into(),
                    value: "reduce".into(),
                }]),
            })?;
        }
        if let Some(source) = &options.before_page_script {
            tab.call_method(AddScriptToEvaluateOnNewDocument {
                source: source.clone(),
                world_name: None,
                include_command_line_api: None,
                run_immediately: None,
            })?;
        }
        tab.navigate_to(url)?;
        tab.wait_until_navigated()?;
        Ok(Page {
            _browser: browser,
            user_data,
            tab,
            console,
            strict_console: std::cell::Cell::new(options.strict_console),
        })
    }

    /// Puts every thread of this browser's GPU process at the lowest CPU priority (nice 19),
    /// and returns how many. With a software rasteriser the GPU process is a stand-in for a
    /// GPU, and on a machine of two cores it pre-empts the page's main thread, so a frame's
    /// main-thread time would count the rasteriser's work too. Linux only.
    pub fn lower_rasteriser_priority(&self) -> Result<usize> {
        // Chromium's GPU process carries the browser's `--user-data-dir`, unique to this page.
        let own_user_data = format!("--user-data-dir={}", self.user_data.display());
        let gpu_processes: Vec<String> = std::fs::read_dir("/proc")?
            .filter_map(|entry| entry.ok())
            .filter(|entry| {
                // Chromium rewrites its process title: the arguments may be joined by spaces.
                std::fs::read(entry.path().join("cmdline")).is_ok_and(|cmdline| {
                    let joined =
                        format!(" {} ", String::from_utf8_lossy(&cmdline).replace('\0', " "));
                    joined.contains(" --type=gpu-process ")
                        && joined.contains(&format!(" {own_user_data} "))
                })
            })
            .filter_map(|entry| entry.file_name().to_str().map(str::to_owned))
            .collect();
        let mut threads = Vec::new();
        for process in &gpu_processes {
            for task in std::fs::read_dir(format!("/proc/{process}/task"))? {
                threads.push(task?.file_name().to_string_lossy().into_owned());
            }
        }
        if threads.is_empty() {
            bail!("no GPU process with {own_user_data}");
        }
        let status = std::process::Command::new("renice")
            .args(["-n", "19", "-p"])
            .args(&threads)
            .stdout(std::process::Stdio::null())
            .status()
            .context("renice (util-linux)")?;
        if !status.success() {
            bail!("renice failed: {status}");
        }
        Ok(threads.len())
    }

    /// Gives the page a viewport of `width` × `height` CSS pixels (the window keeps its size:
    /// the page sees the new one, media queries and resize events included).
    pub fn resize(&self, width: u32, height: u32) -> Result<()> {
        set_viewport(&self.tab, (width, height))
    }

    /// Console errors are expected on this page (a forced panic, a broken snapshot).
    pub fn allow_console_errors(&self) {
        self.strict_console.set(false);
    }

    /// The CDP tab, for what the helpers do not cover.
    pub fn tab(&self) -> &Arc<Tab> {
        &self.tab
    }

    /// Evaluates `expression` (awaiting it if it is a promise) and returns its JSON value.
    pub fn eval(&self, expression: &str) -> Result<Value> {
        let wrapped = format!(
            "(async () => {{ const v = await ({expression}); return v === undefined ? 'null' : JSON.stringify(v); }})()"
        );
        let result = self
            .tab
            .evaluate(&wrapped, true)
            .with_context(|| format!("evaluating {expression}"))?;
        // The wrapper always returns a JSON string; anything else is the error it threw.
        match result.value {
            Some(Value::String(json)) => Ok(serde_json::from_str(&json)?),
            _ => bail!(
                "{expression} threw: {}",
                result.description.unwrap_or_default()
            ),
        }
    }

    /// Polls `expression` until it is truthy and returns that value.
    pub fn wait_for(&self, expression: &str, timeout: Duration) -> Result<Value> {
        let start = Instant::now();
        loop {
            let value = self.eval(expression)?;
            let truthy = match &value {
                Value::Null | Value::Bool(false) => false,
                Value::Number(n) => n.as_f64() != Some(0.0),
                Value::String(s) => !s.is_empty(),
                _ => true,
            };
            if truthy {
                return Ok(value);
            }
            if start.elapsed() > timeout {
                bail!(
                    "waited {timeout:?} for `{expression}`; console:\n{}",
                    self.console_dump()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until `window.alatau.ready` resolves; fails with the overlay text if it rejects.
    pub fn wait_ready(&self) -> Result<Duration> {
        let start = Instant::now();
        let outcome = self.wait_for(
            "(() => { const a = window.alatau; if (!a) return null; \
               if (!window.__readyWatch) { window.__readyWatch = 'pending'; \
                 a.ready.then(() => window.__readyWatch = 'ready', e => window.__readyWatch = 'failed: ' + e.message); } \
               return window.__readyWatch === 'pending' ? null : window.__readyWatch; })()",
            READY_TIMEOUT,
        )?;
        if outcome != "ready" {
            bail!(
                "the app did not start: {outcome}; console:\n{}",
                self.console_dump()
            );
        }
        Ok(start.elapsed())
    }

    /// Sends one real touch event through CDP (`Input.dispatchTouchEvent`): `kind` is
    /// `start`, `move`, `end` or `cancel`; `fingers` are touch points (id, x, y in CSS pixels):
    /// for `start` and `move` every finger on the screen (a new id presses a finger), for `end`
    /// the fingers that lift (none: all of them).
    pub fn touch(&self, kind: &str, fingers: &[(u32, f64, f64)]) -> Result<()> {
        use headless_chrome::protocol::cdp::Input::{
            DispatchTouchEvent, DispatchTouchEventTypeOption as Kind, TouchPoint,
        };
        let kind = match kind {
            "start" => Kind::TouchStart,
            "move" => Kind::TouchMove,
            "end" => Kind::TouchEnd,
            "cancel" => Kind::TouchCancel,
            other => bail!("no touch event kind {other:?}"),
        };
        let touch_points = fingers
            .iter()
            .map(|&(id, x, y)| TouchPoint {
                x,
                y,
                radius_x: None,
                radius_y: None,
                rotation_angle: None,
                force: Some(1.0),
                tangential_pressure: None,
                tilt_x: None,
                tilt_y: None,
                twist: None,
                id: Some(f64::from(id)),
            })
            .collect();
        self.tab.call_method(DispatchTouchEvent {
            Type: kind,
            touch_points,
            modifiers: None,
            timestamp: None,
        })?;
        Ok(())
    }

    /// One finger down at (x, y), held for `hold` (a real finger stays across a frame or two
    /// of a slow software renderer), and lifted.
    pub fn tap(&self, x: f64, y: f64, hold: Duration) -> Result<()> {
        self.touch("start", &[(1, x, y)])?;
        std::thread::sleep(hold);
        self.touch("end", &[])
    }

    /// The centre of the element with this `data-testid`, in viewport CSS pixels.
    pub fn center_of(&self, test_id: &str) -> Result<(f64, f64)> {
        let center = self.eval(&format!(
            "(() => {{ const r = document.querySelector('[data-testid=\"{test_id}\"]').getBoundingClientRect(); \
               return [r.left + r.width / 2, r.top + r.height / 2]; }})()"
        ))?;
        let number = |i: usize| center[i].as_f64().context("a coordinate");
        Ok((number(0)?, number(1)?))
    }

    /// Whether this document is still the page's after `wait` (nothing reloaded it).
    pub fn stays_for(&self, wait: Duration) -> Result<bool> {
        self.eval("window.__alatauStays = true")?;
        std::thread::sleep(wait);
        Ok(self.eval("window.__alatauStays === true")? == Value::Bool(true))
    }

    /// Marks this document, then waits until a new one has replaced it (the page reloaded
    /// itself, or `reload` made it) and is ready. A document that reloads itself again on its
    /// way (into a new offline release) is waited through.
    pub fn wait_for_reload(&self, reload: bool, timeout: Duration) -> Result<()> {
        self.eval("window.__alatauBeforeReload = true")?;
        if reload {
            self.eval("(setTimeout(() => location.reload(), 20), true)")?;
        }
        let start = Instant::now();
        loop {
            // Evaluating while a document goes away can fail: that is a reload under way.
            let outcome = self.eval(
                "(() => { if (window.__alatauBeforeReload === true || !window.alatau) return 'old'; \
                   if (!window.__readyWatch) { window.__readyWatch = 'pending'; \
                     window.alatau.ready.then(() => window.__readyWatch = 'ready', \
                       e => window.__readyWatch = 'failed: ' + e.message); } \
                   return window.__readyWatch; })()",
            );
            match outcome {
                Ok(Value::String(state)) if state == "ready" => return Ok(()),
                Ok(Value::String(state)) if state.starts_with("failed") => {
                    bail!(
                        "the reloaded page did not start: {state}; console:\n{}",
                        self.console_dump()
                    )
                }
                _ => {}
            }
            if start.elapsed() > timeout {
                bail!(
                    "the page did not reload and start in {timeout:?}; console:\n{}",
                    self.console_dump()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Sends one real wheel event through CDP at (x, y), with Ctrl held when `ctrl` (what a
    /// trackpad pinch sends).
    pub fn wheel(&self, x: f64, y: f64, delta_y: f64, ctrl: bool) -> Result<()> {
        use headless_chrome::protocol::cdp::Input::{
            DispatchMouseEvent, DispatchMouseEventTypeOption as Kind,
        };
        let event = |kind: Kind, delta: Option<f64>| DispatchMouseEvent {
            Type: kind,
            x,
            y,
            modifiers: Some(if ctrl { 2 } else { 0 }),
            timestamp: None,
            button: None,
            buttons: None,
            click_count: None,
            force: None,
            tangential_pressure: None,
            tilt_x: None,
            tilt_y: None,
            twist: None,
            delta_x: delta.map(|_| 0.0),
            delta_y: delta,
            pointer_Type: None,
        };
        // The pointer comes over the view first, as a real one does.
        self.tab.call_method(event(Kind::MouseMoved, None))?;
        self.tab
            .call_method(event(Kind::MouseWheel, Some(delta_y)))?;
        Ok(())
    }

    /// One mouse event at `(x, y)` (CSS pixels), with the left button down or up.
    fn mouse(
        &self,
        kind: headless_chrome::protocol::cdp::Input::DispatchMouseEventTypeOption,
        (x, y): (f64, f64),
        pressed: bool,
    ) -> Result<()> {
        use headless_chrome::protocol::cdp::Input::{DispatchMouseEvent, MouseButton};
        self.tab.call_method(DispatchMouseEvent {
            Type: kind,
            x,
            y,
            modifiers: None,
            timestamp: None,
            button: Some(MouseButton::Left),
            buttons: Some(u32::from(pressed)),
            click_count: Some(1),
            force: None,
            tangential_pressure: None,
            tilt_x: None,
            tilt_y: None,
            twist: None,
            delta_x: None,
            delta_y: None,
            pointer_Type: None,
        })?;
        Ok(())
    }

    /// Drags with the left mouse button from `from` to `to` (CSS pixels) in a few real moves.
    pub fn drag(&self, from: (f64, f64), to: (f64, f64)) -> Result<()> {
        use headless_chrome::protocol::cdp::Input::DispatchMouseEventTypeOption as Kind;
        self.mouse(Kind::MouseMoved, from, false)?;
        self.mouse(Kind::MousePressed, from, true)?;
        for step in 1..=5 {
            let t = f64::from(step) / 5.0;
            let at = (from.0 + (to.0 - from.0) * t, from.1 + (to.1 - from.1) * t);
            self.mouse(Kind::MouseMoved, at, true)?;
            std::thread::sleep(Duration::from_millis(50));
        }
        self.mouse(Kind::MouseReleased, to, false)
    }

    /// Moves the mouse to `at` and clicks there with the left button (CSS pixels).
    pub fn click(&self, at: (f64, f64)) -> Result<()> {
        use headless_chrome::protocol::cdp::Input::DispatchMouseEventTypeOption as Kind;
        self.mouse(Kind::MouseMoved, at, false)?;
        self.mouse(Kind::MousePressed, at, true)?;
        self.mouse(Kind::MouseReleased, at, false)
    }

    /// Moves the mouse to `at` with no button down (CSS pixels).
    pub fn hover(&self, at: (f64, f64)) -> Result<()> {
        use headless_chrome::protocol::cdp::Input::DispatchMouseEventTypeOption as Kind;
        self.mouse(Kind::MouseMoved, at, false)
    }

    /// `window.alatau.state()`.
    pub fn state(&self) -> Result<Value> {
        self.eval("window.alatau.state()")
    }

    /// Waits until the app has drawn `frames` more frames than it has now (`state().frame`).
    pub fn wait_frames(&self, frames: u64, timeout: Duration) -> Result<()> {
        let now = self.state()?["frame"].as_u64().unwrap_or(0);
        self.wait_for(
            &format!("window.alatau.state().frame >= {}", now + frames),
            timeout,
        )?;
        Ok(())
    }

    /// Waits until the camera has arrived: it stands still over two polls at least two frames
    /// apart.
    pub fn wait_camera_still(&self, timeout: Duration) -> Result<()> {
        self.wait_for(
            "(() => { const s = window.alatau.state(); const camera = JSON.stringify(s.camera); \
               const last = window.__lastPose; \
               const still = last && last.camera === camera && s.frame >= last.frame + 2; \
               if (!last || last.camera !== camera) window.__lastPose = { camera, frame: s.frame }; \
               return still; })()",
            timeout,
        )?;
        self.eval("window.__lastPose = null")?;
        Ok(())
    }

    /// Starts counting the shader programs the page links (WebGL 2 `linkProgram`), with the
    /// draw-call probe of [`Page::render_stats`].
    pub fn count_linked_programs(&self) -> Result<()> {
        self.eval(RENDER_PROBE)?;
        self.eval("window.__alatauRenderProbe.restartPrograms()")?;
        Ok(())
    }

    /// The shader programs linked since [`Page::count_linked_programs`].
    pub fn linked_programs(&self) -> Result<u64> {
        self.eval("window.__alatauRenderProbe.programs()")?
            .as_u64()
            .context("the count of linked programs")
    }

    /// Whether the element with this `data-testid` is shown (present and not hidden).
    pub fn is_visible(&self, test_id: &str) -> Result<bool> {
        let value = self.eval(&format!(
            "(() => {{ const e = document.querySelector('[data-testid=\"{test_id}\"]'); \
               return !!e && !e.hidden && e.getClientRects().length > 0; }})()"
        ))?;
        Ok(value == Value::Bool(true))
    }

    /// The text content of the element with this `data-testid`.
    pub fn text_of(&self, test_id: &str) -> Result<String> {
        let value = self.eval(&format!(
            "document.querySelector('[data-testid=\"{test_id}\"]')?.textContent ?? null"
        ))?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Draw calls and triangles per frame, averaged over `frames` frames of the app, counted at
    /// the WebGL 2 API (every pass: shadows and the main view).
    pub fn render_stats(&self, frames: u64) -> Result<RenderStats> {
        self.eval(RENDER_PROBE)?;
        let frame = |page: &Page| -> Result<u64> {
            page.state()?["frame"].as_u64().context("state().frame")
        };
        // Start on a frame boundary, count, stop on one.
        let first = frame(self)?;
        self.wait_for(
            &format!("window.alatau.state().frame > {first}"),
            READY_TIMEOUT,
        )?;
        self.eval("window.__alatauRenderProbe.reset()")?;
        let start = frame(self)?;
        self.wait_for(
            &format!("window.alatau.state().frame >= {}", start + frames),
            READY_TIMEOUT,
        )?;
        let counted = self.eval("window.__alatauRenderProbe.read()")?;
        let end = frame(self)?;
        let elapsed = end.saturating_sub(start).max(1) as f64;
        let number = |key: &str| counted[key].as_f64().unwrap_or(0.0);
        Ok(RenderStats {
            draw_calls_per_frame: number("calls") / elapsed,
            triangles_per_frame: number("triangles") / elapsed,
            frames: end - start,
        })
    }

    /// A PNG of the viewport.
    ///
    /// Headless Chromium can leave a capture waiting for a compositor frame that never comes
    /// (seen once in CI after two reloads of the kiosk). A capture gets 30 s; on a timeout the
    /// compositor is woken with a short screencast and the capture is tried again, twice at most.
    pub fn screenshot(&self) -> Result<Vec<u8>> {
        const ATTEMPTS: usize = 3;
        self.tab.set_default_timeout(SCREENSHOT_TIMEOUT);
        let mut outcome = Err(anyhow!("no attempt"));
        for attempt in 1..=ATTEMPTS {
            outcome =
                self.tab
                    .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true);
            match &outcome {
                Ok(_) => break,
                Err(error) if attempt < ATTEMPTS => {
                    eprintln!(
                        "screenshot attempt {attempt} failed ({error}); waking the compositor"
                    );
                    self.wake_compositor();
                }
                Err(_) => {}
            }
        }
        self.tab.set_default_timeout(CALL_TIMEOUT);
        outcome.context("screenshot")
    }

    /// A quarter second of screencast makes the compositor produce frames again.
    fn wake_compositor(&self) {
        let _ = self.tab.bring_to_front();
        if self
            .tab
            .start_screencast(None, Some(10), Some(64), Some(64), None)
            .is_ok()
        {
            std::thread::sleep(Duration::from_millis(250));
            let _ = self.tab.stop_screencast();
        }
    }

    /// Every console message and exception so far.
    pub fn console(&self) -> Vec<ConsoleEntry> {
        self.console.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Console warnings so far (Bevy's `warn!` included).
    pub fn console_warnings(&self) -> Vec<String> {
        self.console()
            .into_iter()
            .filter(|entry| entry.kind == "warning")
            .map(|entry| entry.text)
            .collect()
    }

    /// Console errors and uncaught exceptions so far.
    pub fn console_errors(&self) -> Vec<String> {
        self.console()
            .into_iter()
            .filter(|entry| entry.kind == "error" || entry.kind == "exception")
            .map(|entry| entry.text)
            .collect()
    }

    fn console_dump(&self) -> String {
        self.console()
            .iter()
            .map(|entry| format!("  [{}] {}", entry.kind, entry.text))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Bevy logs every level through `console.log` with `%c` styling (tracing-wasm); its level is
/// the first word of the text, and it decides the entry's kind.
fn with_bevy_level(entry: ConsoleEntry) -> ConsoleEntry {
    if entry.kind != "log" {
        return entry;
    }
    let level = entry
        .text
        .strip_prefix("%c")
        .and_then(|rest| rest.split("%c").next())
        .unwrap_or("");
    let kind = match level {
        "ERROR" => "error",
        "WARN" => "warning",
        _ => return entry,
    };
    ConsoleEntry {
        kind: kind.to_owned(),
        text: entry.text,
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        if self.strict_console.get() && !std::thread::panicking() {
            let errors = self.console_errors();
            if !errors.is_empty() {
                panic!("the page logged console errors: {errors:#?}");
            }
        }
    }
}

/// The page's viewport, `(width, height)` in CSS pixels at a device scale of 1.
fn set_viewport(tab: &Tab, (width, height): (u32, u32)) -> Result<()> {
    tab.call_method(SetDeviceMetricsOverride {
        width,
        height,
        device_scale_factor: 1.0,
        mobile: false,
        scale: None,
        screen_width: None,
        screen_height: None,
        position_x: None,
        position_y: None,
        dont_set_visible_size: None,
        screen_orientation: None,
        viewport: None,
        display_feature: None,
        device_posture: None,
    })?;
    Ok(())
}

fn console_kind(kind: &ConsoleKind) -> String {
    match kind {
        ConsoleKind::Error | ConsoleKind::Assert => "error",
        ConsoleKind::Warning => "warning",
        ConsoleKind::Info => "info",
        ConsoleKind::Debug => "debug",
        _ => "log",
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(text: &str) -> ConsoleEntry {
        ConsoleEntry {
            kind: "log".into(),
            text: text.into(),
        }
    }

    #[test]
    fn bevy_levels_become_console_kinds() {
        let warn = with_bevy_level(log("%cWARN%c src/web/url_hash.rs:31%c ignored"));
        assert_eq!(warn.kind, "warning");
        let error = with_bevy_level(log("%cERROR%c wgpu%c failed"));
        assert_eq!(error.kind, "error");
        assert_eq!(with_bevy_level(log("%cINFO%c app%c hi")).kind, "log");
        assert_eq!(with_bevy_level(log("plain")).kind, "log");
    }
}

/// What one frame asks of the GPU, averaged.
#[derive(Clone, Copy, Debug)]
pub struct RenderStats {
    /// Draw calls (every pass).
    pub draw_calls_per_frame: f64,
    /// Triangles submitted (every pass).
    pub triangles_per_frame: f64,
    /// Frames averaged over.
    pub frames: u64,
}

/// Wraps the WebGL 2 draw calls once to count calls and triangles, and `linkProgram` to count
/// the shader programs linked.
const RENDER_PROBE: &str = r#"(() => {
  if (window.__alatauRenderProbe) return true;
  const proto = WebGL2RenderingContext.prototype;
  const counts = { calls: 0, triangles: 0, programs: 0 };
  const triangles = (mode, count) => (mode === 4 ? count / 3 : mode === 5 || mode === 6 ? Math.max(count - 2, 0) : 0);
  const wrap = (name, countOf) => {
    const original = proto[name];
    proto[name] = function (...args) {
      counts.calls += 1;
      counts.triangles += countOf(args);
      return original.apply(this, args);
    };
  };
  wrap('drawArrays', (a) => triangles(a[0], a[2]));
  wrap('drawElements', (a) => triangles(a[0], a[1]));
  wrap('drawArraysInstanced', (a) => triangles(a[0], a[2]) * a[3]);
  wrap('drawElementsInstanced', (a) => triangles(a[0], a[1]) * a[4]);
  wrap('drawRangeElements', (a) => triangles(a[0], a[3]));
  const link = proto.linkProgram;
  proto.linkProgram = function (...args) {
    counts.programs += 1;
    return link.apply(this, args);
  };
  window.__alatauRenderProbe = {
    reset() { counts.calls = 0; counts.triangles = 0; return true; },
    read() { return { calls: counts.calls, triangles: counts.triangles }; },
    restartPrograms() { counts.programs = 0; return true; },
    programs() { return counts.programs; },
  };
  return true;
})()"#;
