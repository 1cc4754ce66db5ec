//! The Russian guide for responsibles (`docs/ru/`) teaches by example: every example file in it
//! (a fenced block whose info string names a path under `plans/`) passes `vestnik check` beside
//! the shipped registry and pictures.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `(path, text)` of each example file in a Markdown guide.
fn examples(guide: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = guide.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let path = info
            .split_whitespace()
            .nth(1)
            .filter(|p| p.starts_with("plans/"));
        let mut body = String::new();
        for l in lines.by_ref() {
            if l.starts_with("```") {
                break;
            }
            body.push_str(l);
            body.push('\n');
        }
        if let Some(path) = path {
            out.push((path.to_owned(), body));
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a folder");
    for entry in std::fs::read_dir(from).expect("read a folder") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}

#[test]
fn the_guides_examples_pass_check() {
    let guide =
        std::fs::read_to_string(root().join("docs/ru/README.md")).expect("docs/ru/README.md");
    let found = examples(&guide);
    assert!(found.len() >= 3, "the guide shows {} examples", found.len());
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::create_dir_all(dir.path().join("plans")).expect("plans/");
    std::fs::copy(
        root().join("plans/registry.yaml"),
        dir.path().join("plans/registry.yaml"),
    )
    .expect("copy the registry");
    copy_dir(&root().join("media"), &dir.path().join("media"));
    for (path, text) in &found {
        let target = dir.path().join(path);
        std::fs::create_dir_all(target.parent().expect("a folder")).expect("create folders");
        std::fs::write(&target, text).expect("write an example");
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vestnik"))
        .args([
            "check",
            "--format",
            "json",
            "--today",
            "2026-11-30",
            "--root",
        ])
        .arg(dir.path())
        .output()
        .expect("run vestnik");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    // The weekly rule speaks about organizations without enough posts here; the examples
    // themselves must be clean of errors and warnings.
    let about_examples: Vec<&serde_json::Value> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| found.iter().any(|(p, _)| d["file"] == p.as_str()))
        .collect();
    assert!(
        about_examples.is_empty(),
        "the guide's examples have findings: {about_examples:#?}"
    );
}

/// vestnik asks responsibles to write without канцелярит: its own Russian texts (the catalogue
/// and this guide) pass its own style rules.
#[test]
fn vestniks_russian_passes_its_own_style_rules() {
    use vestnik::locale::{self, Lang};
    let (style, problems) = vestnik::check::style::Style::load(None, "plans/style.yaml");
    assert!(problems.is_empty());
    let mut found = Vec::new();
    for (file, text) in locale::catalogue(Lang::Ru) {
        for (id, vars) in locale::messages(text) {
            let args: Vec<(&str, fluent_bundle::FluentValue)> =
                vars.iter().map(|v| (v.as_str(), 5.into())).collect();
            let rendered = locale::text_in(Lang::Ru, &id, &args);
            for f in style.findings(&rendered) {
                found.push(format!("locales/ru/{file} {id}: {}", f.message));
            }
        }
    }
    let guide = std::fs::read_to_string(root().join("docs/ru/README.md")).expect("the guide");
    for f in style.findings(&guide) {
        found.push(format!("docs/ru/README.md: {}", f.message));
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}
