//! Fuzz target: every plan parser must turn any input into diagnostics, never a panic or a hang.
//! Run: `cargo fuzz run plan` (see README, "Fuzzing").
#![no_main]

use libfuzzer_sys::fuzz_target;
use vestnik::{plan, registry::Registry, render, time};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let tz = time::zone(time::DEFAULT_ZONE).expect("zone");
    let mut out = Vec::new();
    if let Some(post) = plan::parse_markdown("plans/x/a.md", "x", text, &tz, &mut out) {
        let _ = render::render(&post.text.markdown, render::Flavor::TelegramHtml);
    }
    let _ = plan::parse_plan("plans/x/a.yaml", "x", text, &tz, &mut out);
    let _ = Registry::parse(text, "plans/registry.yaml");
    let _ = render::render(text, render::Flavor::TelegramHtml);
    let _ = render::render(text, render::Flavor::Plain);
});
