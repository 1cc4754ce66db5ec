//! Fuzz target: the files that hold settings (the registry with its numeric rules, the
//! repository's own style rules) must turn any input into diagnostics, never a panic, a hang or
//! memory without end: each value is judged as `check` judges it afterwards.
//! Run: `cargo fuzz run settings` (see README, "Fuzzing").
#![no_main]

use libfuzzer_sys::fuzz_target;
use vestnik::plan::registry::Registry;
use vestnik::check::rules;
use vestnik::check::style::Style;

/// A post's text with words of every kind the style rules look at.
const SAMPLE: &str = "В целях осуществления мероприятий по обеспечению безопасности \
    граждан, 1 декабря в 10:00 пройдёт собрание. Приходите! Ёлка, каток, кино; а ещё: **жирный** текст.";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (reg, _) = Registry::parse(text, "plans/registry.yaml");
    let _ = rules::registry::check(&reg);
    // `weeks_ahead` is bounded by the parser; walking it must stay cheap.
    let mut week = vestnik::plan::time::IsoWeek::of(jiff::Timestamp::UNIX_EPOCH, &reg.tz);
    for _ in 0..reg.rules.weeks_ahead {
        week = week.next();
    }
    let (style, _) = Style::load(Some(text), "plans/style.yaml");
    let _ = style.findings(SAMPLE);
    let _ = style.findings(text);
});
