//! ARCHITECTURE.md stays true: every module of `src/` imports only the stages its own stage may
//! use (the table "Arrows that must never exist"), and every `src/…` path the document names
//! exists.

use std::path::{Path, PathBuf};

/// Each stage (a folder of `src/`, or `preview.rs`, `site.rs`) and the stages it may import.
const MAY_IMPORT: &[(&str, &[&str])] = &[
    ("locale", &[]),
    ("plan", &["locale"]),
    ("render", &["locale", "plan"]),
    ("media", &["locale", "plan", "render"]),
    ("check", &["locale", "plan", "render", "media"]),
    ("preview", &["locale", "plan", "render", "media", "check"]),
    ("site", &["locale", "plan", "render"]),
    ("calendar", &["locale", "plan", "render"]),
    ("init", &["locale", "plan"]),
    ("moderation", &["locale", "plan"]),
    ("audit", &["locale", "plan"]),
    ("networks", &["locale", "plan", "render"]),
    ("ops", &["locale", "plan", "networks"]),
    (
        "publish",
        &[
            "locale",
            "plan",
            "render",
            "media",
            "check",
            "networks",
            "ops",
            "moderation",
            "audit",
        ],
    ),
    ("report", &["locale", "plan", "render", "check", "publish"]),
    (
        "cli",
        &[
            "locale",
            "plan",
            "render",
            "media",
            "check",
            "preview",
            "site",
            "calendar",
            "init",
            "networks",
            "ops",
            "publish",
            "report",
            "moderation",
            "audit",
        ],
    ),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The stages a piece of source names through `crate::<stage>`.
fn imported(source: &str) -> Vec<&str> {
    source
        .match_indices("crate::")
        .map(|(i, m)| {
            let rest = &source[i + m.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn stages_import_only_downwards() {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    let mut seen_stages = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src/");
        let first = rel
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .expect("a path");
        let stage = first.strip_suffix(".rs").unwrap_or(first);
        if stage == "lib" || stage == "main" {
            continue;
        }
        let Some((_, allowed)) = MAY_IMPORT.iter().find(|(s, _)| *s == stage) else {
            wrong.push(format!(
                "{}: the stage `{stage}` is not in ARCHITECTURE.md's table",
                rel.display()
            ));
            continue;
        };
        seen_stages.push(stage.to_owned());
        let text = std::fs::read_to_string(file).expect("read a source file");
        for used in imported(&text) {
            // `crate::t!` is the locale's macro.
            let used = if used == "t" { "locale" } else { used };
            if used != stage && !allowed.contains(&used) {
                wrong.push(format!("{} imports crate::{used}", rel.display()));
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "arrows against ARCHITECTURE.md:\n{}",
        wrong.join("\n")
    );
    // The table names no stage that is gone.
    for (stage, _) in MAY_IMPORT {
        assert!(
            seen_stages.iter().any(|s| s == stage),
            "ARCHITECTURE.md names the stage `{stage}`, which src/ no longer has"
        );
    }
}

#[test]
fn the_map_names_paths_that_exist() {
    let doc = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let mut missing = Vec::new();
    let mut named = 0;
    for quoted in doc.split('`').skip(1).step_by(2) {
        if !(quoted.starts_with("src/") || quoted.starts_with("tests/")) || quoted.contains(' ') {
            continue;
        }
        named += 1;
        if !root().join(quoted).exists() {
            missing.push(quoted);
        }
    }
    assert!(named > 10, "ARCHITECTURE.md names only {named} paths");
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names paths that do not exist: {missing:?}"
    );
}

#[test]
fn the_scanner_sees_arrows() {
    assert_eq!(
        imported("use crate::plan::Post;\nlet x = crate::check::run(&s); // crate::"),
        ["plan", "check"]
    );
}
