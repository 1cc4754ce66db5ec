//! `vestnik init`: a new content repository passes `check` at once and commits; `init` never
//! overwrites; and the CI templates it writes parse, hold the jobs and steps the README
//! promises, and their `vestnik` lines run here against the scaffolded repository.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::git;
use crate::support::repo::{self as util, Run};

fn vestnik(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(util::bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("VESTNIK_LANG")
        .output()
        .expect("run vestnik");
    Run {
        code: out.status.code().expect("an exit code"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8"),
    }
}

fn temp() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("vestnik-init-")
        .tempdir()
        .expect("a temp dir")
}

/// Every file under `dir` (but `.git/`) with its bytes, sorted.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            if path.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if path.is_dir() {
                out.push((path.strip_prefix(root).unwrap().to_owned(), Vec::new()));
                walk(root, &path, out);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.push((path.strip_prefix(root).unwrap().to_owned(), bytes));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// A fresh clone's state (an empty git repository), then `vestnik init` with `args` in it.
fn scaffold(args: &[&str]) -> tempfile::TempDir {
    let dir = temp();
    git(dir.path(), &["init", "-q"]);
    let mut all = vec!["init"];
    all.extend_from_slice(args);
    let run = vestnik(dir.path(), &all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("plans/registry.yaml"), "{}", run.stdout);
    dir
}

fn check_passes(dir: &Path) {
    let run = vestnik(dir, &["check", "--lang", "en", "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["summary"]["errors"], 0, "{}", run.stdout);
    // The example itself has nothing to say against it, style included.
    let about_example: Vec<&Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["file"] != "plans/registry.yaml")
        .collect();
    assert_eq!(about_example, Vec::<&Value>::new());
    assert_eq!(run.code, 0, "{}", run.stderr);
}

fn commit_all(dir: &Path, message: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
}

#[test]
fn init_then_check_passes_and_commits() {
    let dir = scaffold(&["--ci", "all", "--lfs"]);
    check_passes(dir.path());
    commit_all(dir.path(), "vestnik init");
    assert_eq!(git(dir.path(), &["status", "--porcelain"]), "");
    let tracked = git(dir.path(), &["ls-files"]);
    for file in [
        ".editorconfig",
        ".forgejo/workflows/vestnik.yml",
        ".gitattributes",
        ".github/workflows/vestnik.yml",
        ".gitlab-ci.yml",
        "README.md",
        "ci/install-vestnik.sh",
        "media/admin/.gitkeep",
        "plans/admin/primer.md",
        "plans/registry.yaml",
    ] {
        assert!(tracked.lines().any(|l| l == file), "{file} in\n{tracked}");
    }
    let attributes = std::fs::read_to_string(dir.path().join(".gitattributes")).unwrap();
    assert!(attributes.contains("*.md text"), "{attributes}");
    assert!(attributes.contains("*.jpg filter=lfs"), "{attributes}");
    let readme = std::fs::read_to_string(dir.path().join("README.md")).unwrap();
    assert!(readme.contains("docs/ru/README.md"), "{readme}");
}

#[test]
fn init_without_flags_writes_no_ci_and_no_lfs() {
    let dir = temp();
    let target = dir.path().join("new/plan");
    let run = vestnik(dir.path(), &["init", "new/plan"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!target.join(".gitlab-ci.yml").exists());
    assert!(!target.join("ci").exists());
    let attributes = std::fs::read_to_string(target.join(".gitattributes")).unwrap();
    assert!(!attributes.contains("lfs"), "{attributes}");
    check_passes(&target);
    git(&target, &["init", "-q"]);
    commit_all(&target, "vestnik init");
}

#[test]
fn init_from_the_decree_passes_check() {
    let dir = scaffold(&["--from-decree", "--ci", "gitlab"]);
    check_passes(dir.path());
    let run = vestnik(dir.path(), &["check", "--lang", "en", "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["summary"]["organizations"], 49);
    commit_all(dir.path(), "vestnik init --from-decree");
}

#[test]
fn init_over_a_repository_refuses_and_changes_nothing() {
    let repo = util::repo()
        .file(
            "plans/school/a.md",
            &util::post("date: 2026-12-01 09:00", "Привет!\n"),
        )
        .file("README.md", "Наш репозиторий\n");
    repo.git(&["init", "-q"]);
    commit_all(repo.path(), "plans");
    let before = tree(repo.path());
    let run = vestnik(repo.path(), &["init", "--ci", "all"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("plans/registry.yaml уже есть")
            && run.stderr.contains("ничего не записал"),
        "{}",
        run.stderr
    );
    assert_eq!(tree(repo.path()), before);
    assert_eq!(git(repo.path(), &["status", "--porcelain"]), "");
}

#[test]
fn one_existing_file_is_enough_to_write_nothing() {
    let dir = temp();
    std::fs::write(dir.path().join(".editorconfig"), "root = true\n").unwrap();
    let before = tree(dir.path());
    let run = vestnik(dir.path(), &["--lang", "en", "init", "--ci", "github"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(".editorconfig already exists") && run.stderr.contains("wrote nothing"),
        "{}",
        run.stderr
    );
    assert_eq!(tree(dir.path()), before);
}

// ── the CI templates ────────────────────────────────────────────────────────────────────────

fn yaml(dir: &Path, rel: &str) -> Value {
    let text = std::fs::read_to_string(dir.join(rel)).unwrap();
    serde_saphyr::from_str::<Value>(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The `vestnik` command lines of a list of shell lines (GitLab's `script:`, an Actions `run:`).
fn vestnik_lines(lines: impl IntoIterator<Item = String>) -> Vec<String> {
    lines
        .into_iter()
        .flat_map(|l| l.lines().map(str::to_owned).collect::<Vec<_>>())
        .filter(|l| {
            let l = l.trim_start();
            l.starts_with("vestnik ") || l.starts_with(".vestnik/bin/vestnik ")
        })
        .collect()
}

/// Runs shell `lines` in `dir` with `vestnik` on the PATH and `env`; returns each exit code.
fn run_lines(dir: &Path, lines: &[String], env: &[(&str, &str)]) -> Vec<i32> {
    let bin_dir = util::bin().parent().unwrap().to_owned();
    // Forgejo's lines name the installed binary.
    std::fs::create_dir_all(dir.join(".vestnik/bin")).unwrap();
    let _ = std::fs::copy(util::bin(), dir.join(".vestnik/bin/vestnik"));
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    lines
        .iter()
        .map(|line| {
            let out = Command::new("sh")
                .arg("-c")
                .arg(line)
                .current_dir(dir)
                .env("PATH", &path)
                .env("NO_COLOR", "1")
                .envs(env.iter().copied())
                .output()
                .unwrap();
            out.status.code().unwrap_or(-1)
        })
        .collect()
}

/// A scaffolded repository committed, then a branch that adds a post: what a merge request
/// brings. Returns the repository and the base commit.
fn merge_request(args: &[&str]) -> (tempfile::TempDir, String) {
    let dir = scaffold(args);
    commit_all(dir.path(), "vestnik init");
    let base = git(dir.path(), &["rev-parse", "HEAD"]);
    git(dir.path(), &["checkout", "-q", "-b", "post"]);
    let example = std::fs::read_to_string(dir.path().join("plans/admin/primer.md")).unwrap();
    std::fs::write(dir.path().join("plans/admin/vtoroi.md"), example).unwrap();
    commit_all(dir.path(), "a post");
    (dir, base)
}

#[test]
fn the_gitlab_template_runs_check_and_the_code_quality_report() {
    let (dir, base) = merge_request(&["--ci", "gitlab"]);
    let ci = yaml(dir.path(), ".gitlab-ci.yml");
    let mr = &ci["vestnik-merge-request"];
    let main = &ci["vestnik-default-branch"];
    assert_eq!(mr["extends"], ".vestnik");
    assert!(
        mr["rules"][0]["if"]
            .as_str()
            .unwrap()
            .contains("merge_request_event")
    );
    assert!(
        main["rules"][0]["if"]
            .as_str()
            .unwrap()
            .contains("$CI_DEFAULT_BRANCH")
    );
    for job in [mr, main] {
        assert_eq!(
            job["artifacts"]["reports"]["codequality"],
            "vestnik-codequality.json"
        );
    }
    let script = |job: &Value| {
        job["script"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let mr_lines = vestnik_lines(script(mr));
    assert!(
        mr_lines
            .iter()
            .any(|l| l.contains("--changed-since \"$CI_MERGE_REQUEST_DIFF_BASE_SHA\"")),
        "{mr_lines:?}"
    );
    assert!(
        ci[".vestnik"]["before_script"][1]
            .as_str()
            .unwrap()
            .contains("ci/install-vestnik.sh")
    );
    let codes = run_lines(
        dir.path(),
        &mr_lines,
        &[("CI_MERGE_REQUEST_DIFF_BASE_SHA", base.as_str())],
    );
    assert!(codes.iter().all(|&c| c == 0), "{mr_lines:?}: {codes:?}");
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("vestnik-codequality.json")).unwrap(),
    )
    .unwrap();
    assert!(report.is_array(), "{report}");
    assert!(mr["artifacts"]["paths"][0] == "vestnik-preview/");
    let index = std::fs::read_to_string(dir.path().join("vestnik-preview/index.html")).unwrap();
    assert!(index.contains("plans/admin/vtoroi.md"), "{index}");
    let main_lines = vestnik_lines(script(main));
    let codes = run_lines(dir.path(), &main_lines, &[]);
    assert!(codes.iter().all(|&c| c == 0), "{main_lines:?}: {codes:?}");
}

/// The `run:` lines of an Actions workflow's `check` job, with `${{ … }}` filled in.
fn actions_lines(workflow: &Value, base: &str) -> Vec<String> {
    let steps = workflow["jobs"]["check"]["steps"].as_array().unwrap();
    vestnik_lines(steps.iter().filter_map(|s| {
        s["run"]
            .as_str()
            .map(|r| r.replace("${{ github.event.pull_request.base.sha }}", base))
    }))
}

#[test]
fn the_actions_templates_run_check() {
    let (dir, base) = merge_request(&["--ci", "github,forgejo"]);
    for (file, format) in [
        (".github/workflows/vestnik.yml", Some("--format github")),
        (".forgejo/workflows/vestnik.yml", None),
    ] {
        let wf = yaml(dir.path(), file);
        assert!(wf["on"]["pull_request"].is_null() && wf["on"].get("pull_request").is_some());
        let steps = wf["jobs"]["check"]["steps"].as_array().unwrap();
        assert!(
            steps[0]["uses"]
                .as_str()
                .unwrap()
                .ends_with("actions/checkout@v4"),
            "{file}"
        );
        assert_eq!(steps[0]["with"]["fetch-depth"], 0, "{file}");
        assert!(
            steps[1]["with"]["key"]
                .as_str()
                .unwrap()
                .contains("VESTNIK_VERSION"),
            "{file}: the cache is keyed by version"
        );
        assert!(
            steps[2]["run"]
                .as_str()
                .unwrap()
                .contains("ci/install-vestnik.sh"),
            "{file}"
        );
        let lines = actions_lines(&wf, &base);
        assert_eq!(lines.len(), 2, "{file}: {lines:?}");
        assert!(lines[0].contains("--changed-since"), "{lines:?}");
        if let Some(format) = format {
            assert!(lines.iter().all(|l| l.contains(format)), "{lines:?}");
        }
        let codes = run_lines(dir.path(), &lines, &[]);
        assert_eq!(codes, [0, 0], "{file}: {lines:?}");
    }
}

#[test]
fn the_installer_checks_the_downloaded_binary() {
    let dir = scaffold(&["--ci", "gitlab"]);
    let bin = util::bin();
    let sum = Command::new("sha256sum").arg(&bin).output().unwrap();
    let sum = String::from_utf8(sum.stdout).unwrap();
    let sum = sum.split_whitespace().next().unwrap().to_owned();
    let url = format!("file://{}", bin.display());
    let install = |sha: &str| {
        Command::new("sh")
            .args(["ci/install-vestnik.sh", ".vestnik"])
            .current_dir(dir.path())
            .env("VESTNIK_URL", &url)
            .env("VESTNIK_SHA256", sha)
            .output()
            .unwrap()
    };
    let bad = install(&"0".repeat(64));
    assert_eq!(bad.status.code(), Some(2));
    assert!(!dir.path().join(".vestnik/bin/vestnik").exists());
    let good = install(&sum);
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    assert!(String::from_utf8_lossy(&good.stdout).starts_with("vestnik "));
    // Neither a URL nor a repository to build from: a clear refusal.
    let none = Command::new("sh")
        .args(["ci/install-vestnik.sh", "elsewhere"])
        .current_dir(dir.path())
        .env_remove("VESTNIK_URL")
        .env_remove("VESTNIK_GIT")
        .env("VESTNIK_VERSION", "0.1.0")
        .output()
        .unwrap();
    assert_eq!(none.status.code(), Some(2));
}
