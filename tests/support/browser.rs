//! Headless Chromium for the tests of self-contained HTML pages (`preview`, `calendar`):
//! Debian's `chromium`, installed by `.ci/run`, which sets `VESTNIK_REQUIRE_CHROMIUM=1` so that
//! a missing browser fails there instead of skipping.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The browser, or `None` (with a message) when it is not installed and not required.
///
/// Panics when `VESTNIK_REQUIRE_CHROMIUM` is set and no browser is found.
pub fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH")?
                .to_str()?
                .split(':')
                .map(|d| Path::new(d).join(name))
                .find(|p| p.is_file())
        });
    if found.is_none() {
        assert!(
            std::env::var_os("VESTNIK_REQUIRE_CHROMIUM").is_none(),
            "chromium is required but not installed"
        );
        eprintln!("skipped: chromium is not installed (apt-get install chromium)");
    }
    found
}

/// Opens `page` (a local file) in headless `browser` with its profile in `profile`, with
/// `extra` flags (`--dump-dom`, `--screenshot=…`), no network services of its own.
pub fn headless(browser: &Path, profile: &Path, page: &Path, extra: &[&str]) -> Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
        ])
        .args([
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium")
}

/// A screenshot of `page` at `width`×`height`, checked to be a real picture (more than
/// `colours` colours among its sampled pixels), not an empty canvas.
pub fn screenshot_is_not_blank(
    browser: &Path,
    profile: &Path,
    page: &Path,
    (width, height): (u32, u32),
    colours: usize,
) {
    let shot = profile.with_extension("png");
    let size = format!("--window-size={width},{height}");
    let shot_arg = format!("--screenshot={}", shot.display());
    headless(browser, profile, page, &[&size, &shot_arg]);
    let img = image::open(&shot)
        .expect("chromium wrote a screenshot")
        .to_rgb8();
    assert_eq!(img.dimensions(), (width, height));
    let colors: std::collections::HashSet<[u8; 3]> =
        img.pixels().step_by(97).map(|p| p.0).collect();
    assert!(
        colors.len() > colours,
        "the screenshot looks blank ({} colours)",
        colors.len()
    );
}
