//! `vestnik check`: validate a whole content repository and report every problem in one run.
//!
//! The registry is read first (its zone and organizations are needed to read posts), then every
//! plan file is read, parsed and checked on all cores, one file at a time: each keeps its
//! findings and a summary of a few numbers per post ([`PostSummary`]), and its text and parsed
//! posts are dropped before the next file is read, so memory does not grow with the text of the
//! repository. The weekly and registry rules run last, on the summaries. Severity overrides and the `--org` / `--changed-since`
//! filters are applied to the final list.

pub mod format;
pub mod leak;
pub mod rules;
pub mod style;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use jiff::Timestamp;

use crate::check::rules::post::{self, MediaProbes, PostContext};
use crate::check::rules::weekly::{self, Window};
use crate::check::rules::{Orgs, PostSummary, guard, registry as registry_rules};
use crate::check::style::Style;
use crate::plan;
use crate::plan::diagnostic::{Diagnostic, Rule, Severity};
use crate::plan::registry::{REGISTRY_PATH, Registry};
use crate::plan::repo::{FileKind, PlanFile, Repo, io_words};
use crate::plan::source::Pos;
use crate::plan::time::{self, IsoWeek};

/// Resolved options of a check.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The content repository.
    pub root: PathBuf,
    /// `--today`: evaluate as if now were this date (or date and time), in the registry's zone.
    pub today: Option<String>,
    /// `--from`: first week judged by the weekly rules.
    pub from: Option<IsoWeek>,
    /// `--to`: last week judged by the weekly rules.
    pub to: Option<IsoWeek>,
    /// `--org`: only this organization's problems.
    pub org: Option<String>,
    /// `--changed-since`: only organizations whose files changed since this git revision.
    pub changed_since: Option<String>,
}

/// Why a check could not run at all (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// No `plans/` folder: not a content repository.
    #[error(
        "{0} is not a content repository: it has no plans/ folder (use --root to point at one)"
    )]
    NotARepository(String),
    /// `plans/` could not be listed.
    #[error("cannot read {0}: {1}")]
    Io(String, std::io::Error),
    /// `--today` could not be parsed.
    #[error("--today: {0}")]
    Today(time::DateError),
    /// `--from` is after `--to`.
    #[error("--from {0} is after --to {1}")]
    Window(IsoWeek, IsoWeek),
    /// `--changed-since` failed.
    #[error("--changed-since: {0}")]
    Git(ChangedSinceError),
}

/// Why `--changed-since` could not tell what changed.
pub type ChangedSinceError = crate::plan::repo::RevisionError;

impl CheckError {
    /// The error in the language of the process's texts (its `Display` stays English, for
    /// logs).
    pub fn message(&self) -> String {
        match self {
            CheckError::NotARepository(root) => {
                crate::t!("check-not-a-repository", root = root.as_str())
            }
            CheckError::Io(path, e) => {
                crate::t!("check-io", path = path.as_str(), reason = io_words(e))
            }
            CheckError::Today(e) => crate::t!("check-today", error = e.to_string()),
            CheckError::Window(from, to) => {
                crate::t!("check-window", from = from.to_string(), to = to.to_string())
            }
            CheckError::Git(e) => crate::t!("check-changed-since", error = e.message()),
        }
    }
}

/// Totals of a check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
    /// Plan files read.
    pub files: usize,
    /// Posts read.
    pub posts: usize,
    /// Organizations in the registry.
    pub organizations: usize,
    /// First week judged by the weekly rules.
    pub from: Option<IsoWeek>,
    /// Last week judged (the latest among organizations).
    pub to: Option<IsoWeek>,
    /// "Now" as used by the check, in the registry's zone: `2026-11-30 00:00` (for machines).
    pub today: String,
    /// The same for people, in the process's language: «пн 30 ноября 2026, 00:00».
    pub today_label: String,
}

/// The result of a check.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Every finding, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// Totals: errors, warnings, files, posts, organizations and the weeks judged.
    pub summary: Summary,
    /// How many dated posts each organization plans on each network in each ISO week, every
    /// week with at least one post (for `vestnik report`), ordered by organization, network
    /// and week. Not filtered by `--org` or `--changed-since`.
    pub weeks: Vec<PlannedWeek>,
}

/// The posts one organization plans for one network in one ISO week, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedWeek {
    /// Organization id (the folder the posts are for).
    pub org: String,
    /// The network.
    pub network: crate::plan::network::Network,
    /// The local ISO week.
    pub week: IsoWeek,
    /// Ready posts vestnik publishes.
    pub ready: u32,
    /// Posts published by someone else (Госпаблики…), which count for the minimum.
    pub external: u32,
    /// Drafts (planned topics), which do not count.
    pub drafts: u32,
}

/// The per-week counts of the posts summarized in `posts`.
fn planned_weeks(posts: &[PostSummary], orgs: &Orgs) -> Vec<PlannedWeek> {
    let mut by: BTreeMap<(&str, crate::plan::network::Network, IsoWeek), PlannedWeek> =
        BTreeMap::new();
    for p in posts {
        let org = orgs.name(p.org);
        for network in p.networks() {
            let w = by
                .entry((org, network, p.week))
                .or_insert_with(|| PlannedWeek {
                    org: org.to_owned(),
                    network,
                    week: p.week,
                    ready: 0,
                    external: 0,
                    drafts: 0,
                });
            match (p.external, p.counts) {
                (true, _) => w.external += 1,
                (false, true) => w.ready += 1,
                (false, false) => w.drafts += 1,
            }
        }
    }
    by.into_values().collect()
}

/// What the pass over the plan files keeps (one per thread, merged at the end): findings and
/// post summaries, never a file's text.
#[derive(Default)]
struct Pass {
    /// Findings, with the number of the file they belong to (files without any are absent).
    diags: Vec<(u32, Vec<Diagnostic>)>,
    /// Summaries of the posts, each file's in the order of the file.
    posts: Vec<PostSummary>,
}

/// What a scoped thread returned; its panic goes on in this thread.
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|p| std::panic::resume_unwind(p))
}

/// The registry with its problems (and a secret pasted into it); an unusable one when the file
/// cannot be read.
fn load_registry(repo: &Repo, root: &Path) -> (Registry, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let reg = match repo.read_text(REGISTRY_PATH) {
        Ok(text) => {
            let (reg, d) = Registry::parse(&text, REGISTRY_PATH);
            diags.extend(d);
            guard::secrets(&text, REGISTRY_PATH, &mut diags);
            reg
        }
        Err(mut d) => {
            if std::fs::symlink_metadata(root.join(REGISTRY_PATH)).is_err() {
                d.message = crate::t!("yaml-registry-missing");
                d.hint = Some(crate::t!("yaml-registry-missing-hint"));
            }
            diags.push(d);
            Registry::unusable(REGISTRY_PATH)
        }
    };
    (reg, diags)
}

/// The built-in style rules with the repository's own (`plans/style.yaml`), and their problems.
fn load_style(repo: &Repo, root: &Path) -> (Style, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let local_text = match std::fs::symlink_metadata(root.join(style::LOCAL_PATH)).is_ok() {
        true => match repo.read_text(style::LOCAL_PATH) {
            Ok(t) => Some(t),
            Err(d) => {
                diags.push(d);
                None
            }
        },
        false => None,
    };
    let (style, d) = Style::load(local_text.as_deref(), style::LOCAL_PATH);
    diags.extend(d);
    (style, diags)
}

/// Runs a check.
///
/// Fails only when it cannot run: no `plans/` folder, an unreadable `plans/`, a bad `--today`,
/// `--from` after `--to`, or a failing `git` for `--changed-since`. Every problem in the content
/// itself is a diagnostic in the report.
pub fn run(settings: &Settings) -> Result<Report, CheckError> {
    let root = settings.root.as_path();
    if !root.join("plans").is_dir() {
        return Err(CheckError::NotARepository(root.display().to_string()));
    }
    let repo = Repo::open(root).map_err(|e| CheckError::Io(root.display().to_string(), e))?;
    // Three independent starts side by side: the registry (a district's is hundreds of
    // kilobytes of YAML), the style rules (compiled regexes) and the walk of `plans/`.
    let lang = crate::locale::current();
    let ((reg, reg_diags), (style, style_diags), files) = std::thread::scope(|scope| {
        let style = scope.spawn(|| crate::locale::with(lang, || load_style(&repo, root)));
        let files = scope.spawn(|| repo.plan_files());
        let reg = load_registry(&repo, root);
        (reg, joined(style), joined(files))
    });
    let mut diags = reg_diags;
    diags.extend(style_diags);

    let now = match &settings.today {
        Some(t) => time::parse_today(t, &reg.tz).map_err(CheckError::Today)?,
        None => Timestamp::now(),
    };
    let current = IsoWeek::of(now, &reg.tz);
    let from = settings.from.unwrap_or(current);
    if let Some(to) = settings.to
        && from > to
    {
        return Err(CheckError::Window(from, to));
    }
    let mut ahead = current;
    for _ in 0..reg.rules.weeks_ahead {
        ahead = ahead.next();
    }

    let files = files.map_err(|e| CheckError::Io(root.join("plans").display().to_string(), e))?;
    let probes = MediaProbes::default();
    let cx = PostContext {
        reg: &reg,
        style: &style,
        probes: &probes,
        root,
        now,
    };
    let orgs = Mutex::new(Orgs::default());
    let pass = pass_over(&files, |i, f, pass| {
        check_file(i, f, &repo, &cx, &orgs, pass);
    });
    let orgs = orgs.into_inner().unwrap_or_else(PoisonError::into_inner);
    diags.extend(pass.diags.into_iter().flat_map(|(_, d)| d));
    let summaries = pass.posts;
    diags.extend(duplicate_ids(&summaries, &files, &orgs));
    if reg.usable {
        diags.extend(unknown_folders(&reg, &files));
        diags.extend(registry_rules::check(&reg));
        diags.extend(weekly::check(
            &reg,
            &summaries,
            &orgs,
            Window {
                from,
                ahead,
                to: settings.to,
            },
        ));
    }

    let keep_orgs = match &settings.changed_since {
        Some(rev) => changed_orgs(root, rev).map_err(CheckError::Git)?,
        None => None,
    };
    let mut out: Vec<Diagnostic> = diags
        .into_iter()
        .filter_map(|mut d| {
            d.severity = reg.rules.effective(d.rule, d.severity)?;
            Some(d)
        })
        .filter(|d| match (&settings.org, &d.org) {
            (Some(want), Some(org)) => want == org,
            _ => true,
        })
        .filter(|d| match (&keep_orgs, &d.org) {
            (Some(keep), Some(org)) => keep.contains(org),
            _ => true,
        })
        .collect();
    // Messages quote what people wrote; a token pasted into the wrong field must not be
    // repeated by the report.
    for d in &mut out {
        d.message = leak::mask(&d.message);
        if let Some(h) = &mut d.hint {
            *h = leak::mask(h);
        }
    }
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out.dedup();

    let last = summaries
        .iter()
        .map(|s| s.week)
        .max()
        .unwrap_or(ahead)
        .max(ahead);
    let summary = Summary {
        errors: out.iter().filter(|d| d.severity == Severity::Error).count(),
        warnings: out
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count(),
        files: files.len(),
        posts: summaries.len(),
        organizations: reg.organizations.len(),
        from: Some(from),
        to: Some(settings.to.unwrap_or(last)),
        today: time::local_label(now, &reg.tz),
        today_label: time::human(now, &reg.tz, true),
    };
    Ok(Report {
        diagnostics: out,
        summary,
        weeks: planned_weeks(&summaries, &orgs),
    })
}

/// Reads, parses and checks plan file number `i`, adding its findings and the summaries of its
/// posts to `pass`; its text and posts are dropped on return.
fn check_file(
    i: u32,
    f: &PlanFile,
    repo: &Repo,
    cx: &PostContext,
    orgs: &Mutex<Orgs>,
    pass: &mut Pass,
) {
    let diags = file_diagnostics(i, f, repo, cx, orgs, &mut pass.posts);
    if !diags.is_empty() {
        pass.diags.push((i, diags));
    }
}

/// The findings of plan file number `i`; the summaries of its posts go to `posts`.
fn file_diagnostics(
    i: u32,
    f: &PlanFile,
    repo: &Repo,
    cx: &PostContext,
    orgs: &Mutex<Orgs>,
    posts: &mut Vec<PostSummary>,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    if f.kind == FileKind::Other {
        diags.push(
            Diagnostic::new(
                Rule::StrayFile,
                &f.rel,
                Pos::START,
                crate::t!("stray-file-not-read"),
            )
            .hint(crate::t!("stray-file-not-read-hint"))
            .org(&*f.folder),
        );
        return diags;
    }
    if f.kind == FileKind::BadName {
        diags.push(
            Diagnostic::new(
                Rule::Yaml,
                &f.rel,
                Pos::START,
                crate::t!("yaml-bad-file-name"),
            )
            .hint(crate::t!("yaml-bad-file-name-hint"))
            .org(&*f.folder),
        );
        return diags;
    }
    let text = match repo.read_text(&f.rel) {
        Ok(t) => t,
        Err(d) => {
            diags.push(d.org(&*f.folder));
            return diags;
        }
    };
    guard::secrets(&text, &f.rel, &mut diags);
    let parsed = plan::parse_file(&f.rel, &f.folder, &text, &cx.reg.tz, &mut diags);
    for p in &parsed {
        let start = diags.len();
        let nets = post::check(p, cx, &mut diags);
        for d in &mut diags[start..] {
            d.org.get_or_insert_with(|| p.org.value.clone());
        }
        let org = orgs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .intern(&p.org.value);
        if let Some(s) = PostSummary::of(p, &nets, i, org, |ts| IsoWeek::of(ts, &cx.reg.tz)) {
            posts.push(s);
        }
    }
    for d in &mut diags {
        d.org.get_or_insert_with(|| f.folder.to_string());
    }
    diags
}

/// `duplicate-id`: two posts of one organization with the same id would be one publication in
/// the ledger. Reported at every place, each naming the others.
fn duplicate_ids(posts: &[PostSummary], files: &[PlanFile], orgs: &Orgs) -> Vec<Diagnostic> {
    let file = |p: &PostSummary| files.get(p.file as usize).map_or("", |f| f.rel.as_str());
    let key = |i: usize| {
        let p = &posts[i];
        (p.org, p.id(file(p)))
    };
    // Sorted by organization and id (stable: each id's places stay in file order), so that the
    // places of one id are next to each other.
    let mut order: Vec<usize> = (0..posts.len()).collect();
    order.sort_by(|&a, &b| key(a).cmp(&key(b)));
    let mut out = Vec::new();
    for all in order
        .chunk_by(|&a, &b| key(a) == key(b))
        .filter(|g| g.len() > 1)
    {
        for &i in all {
            let (p, (org, id)) = (&posts[i], key(i));
            let org = orgs.name(org);
            let others: Vec<String> = all
                .iter()
                .filter(|&&o| o != i)
                .map(|&o| format!("{}:{}", file(&posts[o]), posts[o].pos.line))
                .collect();
            out.push(
                Diagnostic::new(
                    Rule::DuplicateId,
                    file(p),
                    p.pos,
                    crate::t!(
                        "duplicate-id-used-twice",
                        id = id,
                        org = org,
                        others = others.join(", ")
                    ),
                )
                .hint(crate::t!("duplicate-id-used-twice-hint"))
                .org(org),
            );
        }
    }
    out
}

/// `unknown-org` for folders under `plans/` that name no organization (once per folder, at its
/// first file).
fn unknown_folders(reg: &Registry, files: &[PlanFile]) -> Vec<Diagnostic> {
    let mut first: BTreeMap<&str, &str> = BTreeMap::new();
    for f in files {
        first.entry(&*f.folder).or_insert(f.rel.as_str());
    }
    first
        .into_iter()
        .filter(|(folder, _)| reg.org(folder).is_none())
        .map(|(folder, file)| {
            let ids: Vec<&str> = reg
                .organizations
                .iter()
                .map(|o| o.id.value.as_str())
                .collect();
            let hint = match crate::plan::yaml::closest(folder, &ids) {
                Some(best) => crate::t!("unknown-org-folder-hint-closest", best = best),
                None => crate::t!("unknown-org-folder-hint"),
            };
            Diagnostic::new(
                Rule::UnknownOrg,
                file,
                Pos::START,
                crate::t!("unknown-org-folder", folder = folder),
            )
            .hint(hint)
            .org(folder)
        })
        .collect()
}

/// Organizations whose files changed since `rev` (committed, staged, unstaged or untracked);
/// `None` when the registry or the style rules changed (then everyone is affected).
fn changed_orgs(root: &Path, rev: &str) -> Result<Option<BTreeSet<String>>, ChangedSinceError> {
    let changed = crate::plan::repo::changed_paths(root, rev)?;
    let mut orgs = BTreeSet::new();
    for path in &changed {
        let mut parts = path.split('/');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("plans"), Some(_), None) => return Ok(None),
            (Some("plans" | "media"), Some(org), Some(_)) => {
                orgs.insert(org.to_owned());
            }
            _ => {}
        }
    }
    Ok(Some(orgs))
}

/// Runs `f` on every file (with its number) on every core, one file at a time per thread, each
/// thread adding to its own [`Pass`]; the passes are merged in file order.
fn pass_over(files: &[PlanFile], f: impl Fn(u32, &PlanFile, &mut Pass) + Sync) -> Pass {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut pass = Pass::default();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let (Some(file), Ok(n)) = (files.get(i), u32::try_from(i)) else {
                break;
            };
            f(n, file, &mut pass);
        }
        pass
    };
    let mut parts: Vec<Pass> = if threads <= 1 {
        vec![work()]
    } else {
        std::thread::scope(|s| {
            // The texts in the language of the calling thread, which may be its own
            // (`locale::with`, as `report` runs the check).
            let lang = crate::locale::current();
            let work = &work;
            let handles: Vec<_> = (0..threads)
                .map(|_| s.spawn(move || crate::locale::with(lang, work)))
                .collect();
            handles.into_iter().map(joined).collect()
        })
    };
    if parts.len() == 1 {
        return parts.pop().unwrap_or_default();
    }
    let mut all = Pass {
        diags: Vec::with_capacity(parts.iter().map(|p| p.diags.len()).sum()),
        posts: Vec::with_capacity(parts.iter().map(|p| p.posts.len()).sum()),
    };
    for p in parts {
        all.diags.extend(p.diags);
        all.posts.extend(p.posts);
    }
    // Stable: the posts of one file were added in order, by one thread.
    all.diags.sort_by_key(|(i, _)| *i);
    all.posts.sort_by_key(|p| p.file);
    all
}
