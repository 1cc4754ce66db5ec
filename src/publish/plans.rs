//! The plans as the publisher knows them, and how they are read: all at once ([`load`], at the
//! start and when the registry changes) or only the files that changed ([`read_files`], after a
//! commit or an edit). Either way the result is a [`Reading`], which
//! [`Publisher::sync`](super::Publisher::sync) brings into the ledger and into [`Plans`].
//!
//! The publisher keeps no parsed post in memory: a ledger row knows the file its post is
//! written in ([`Entry::file`]), and the file is read again when the post is due. What stays in
//! memory is the registry and the files that were refused, so that their rows are kept.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use crate::check::rules::guard;
use crate::media;
use crate::plan::diagnostic::{Diagnostic, Severity};
use crate::plan::id::{OrgId, PostId};
use crate::plan::network::Network;
use crate::plan::registry::{REGISTRY_PATH, Registry};
use crate::plan::repo::{self, FileKind, PlanFile, Repo};
use crate::plan::{self, Post, Status};
use crate::publish::ledger::{ContentHash, Entry, Ledger, LedgerError, Planned};
use crate::render::publication::Motion;

/// Why the plans cannot be read at all: the registry, or `plans/` itself, cannot be read (a
/// broken plan file is not this: it is refused, and the others are read).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ReadError(pub String);

/// A post's place in the ledger: organization and post id.
pub(super) type Place = (OrgId, PostId);

/// A plan file that was refused (it cannot be read, or breaks a rule): nothing of it is
/// published and nothing of it is cancelled.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Refusal {
    /// The first problem, as `line:col: message`.
    why: String,
    /// The posts (organization, id) that were read from it all the same: their rows are kept.
    posts: Vec<(String, String)>,
}

/// The plans as last read: the registry, and the files and post ids that must not publish now.
pub struct Plans {
    /// The registry.
    pub reg: Registry,
    /// Refused plan files, by path.
    refused: HashMap<Arc<str>, Refusal>,
    /// Post ids written in two places: the files of each. Neither place publishes.
    duplicates: HashMap<Place, Vec<Arc<str>>>,
    /// `(org, file stem)` of the refused files, for rows written before the ledger kept their
    /// file (rebuilt from `refused`).
    protected: HashSet<(String, String)>,
    /// `(org, post)` of posts that were read but are not published now: those of refused files
    /// and the duplicates (rebuilt from both).
    protected_posts: HashSet<Place>,
}

impl Plans {
    fn new(reg: Registry) -> Plans {
        Plans {
            reg,
            refused: HashMap::new(),
            duplicates: HashMap::new(),
            protected: HashSet::new(),
            protected_posts: HashSet::new(),
        }
    }

    /// Whether a ledger row must be kept although its post is not in the plans: its file
    /// cannot be read right now, and a typo must not cancel a publication. Also whether a row
    /// must not be sent now.
    pub(super) fn keep(&self, e: &Entry) -> bool {
        let k = &e.key;
        if self
            .protected_posts
            .contains(&(k.org.clone(), k.post.clone()))
        {
            return true;
        }
        match &e.file {
            // Exactly the rows of the file that cannot be read now, whatever their ids are.
            Some(file) => self.refused.contains_key(file.as_str()),
            // A row from before the ledger kept files: its file is guessed from a file-name id
            // (an explicit `id:` cannot be traced; the next read of the plans records the file).
            None => {
                let stem = k.post.split('#').next().unwrap_or(&k.post);
                self.protected
                    .contains(&(k.org.to_string(), stem.to_owned()))
            }
        }
    }

    /// The refused plan files (read again when a picture is added: it may be the one missing).
    pub fn refused_files(&self) -> Vec<String> {
        self.refused.keys().map(ToString::to_string).collect()
    }

    /// The plan files that cannot publish now, with the first problem of each, sorted.
    pub fn broken(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .refused
            .iter()
            .map(|(f, r)| (f.to_string(), r.why.clone()))
            .collect();
        for ((org, post), files) in &self.duplicates {
            for (i, file) in files.iter().enumerate() {
                let other = files.get(if i == 0 { 1 } else { 0 }).unwrap_or(file);
                out.push((
                    file.to_string(),
                    crate::t!(
                        "reason-duplicate-id",
                        post = &**post,
                        org = &**org,
                        other = &**other
                    ),
                ));
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Takes what a reading found: everything, or (for a reading of some files) what it found
    /// in those files, the rest kept as it was.
    pub(super) fn apply(&mut self, reading: &mut Reading, scope: Option<&[Arc<str>]>) {
        match scope {
            None => {
                self.refused = std::mem::take(&mut reading.refused);
                self.duplicates = std::mem::take(&mut reading.duplicates);
            }
            Some(files) => {
                let scope: HashSet<&str> = files.iter().map(|f| &**f).collect();
                self.refused.retain(|f, _| !scope.contains(&**f));
                self.refused.extend(reading.refused.drain());
                // A duplicate ends when one of its files was read again without it.
                self.duplicates
                    .retain(|_, fs| !fs.iter().any(|f| scope.contains(&**f)));
                for (place, files) in reading.duplicates.drain() {
                    self.duplicates.insert(place, files);
                }
            }
        }
        self.rebuild();
    }

    /// Marks a post id taken twice: by `file`, read now, and by `other`, which still has it.
    pub(super) fn duplicate(&mut self, place: Place, file: Arc<str>, other: Arc<str>) {
        self.duplicates.insert(place, vec![other, file]);
        self.rebuild();
    }

    /// What must not publish, as text for the ledger ([`HELD_KEY`]): a restart knows it before
    /// the files are read again.
    pub(super) fn held(&self) -> String {
        let mut held = Held {
            refused: self
                .refused
                .iter()
                .map(|(f, r)| (f.to_string(), r.clone()))
                .collect(),
            duplicates: self
                .duplicates
                .iter()
                .map(|((o, p), fs)| {
                    (
                        o.to_string(),
                        p.to_string(),
                        fs.iter().map(ToString::to_string).collect(),
                    )
                })
                .collect(),
        };
        // In one order, so that the same state is the same text.
        held.refused.sort_by(|a, b| a.0.cmp(&b.0));
        held.duplicates.sort();
        serde_json::to_string(&held).unwrap_or_default()
    }

    /// Takes back what [`held`](Self::held) wrote (nothing when it does not parse: the files
    /// are read again anyway).
    pub(super) fn hold(&mut self, text: &str) {
        let Ok(held) = serde_json::from_str::<Held>(text) else {
            return;
        };
        self.refused = held
            .refused
            .into_iter()
            .map(|(f, r)| (Arc::from(f.as_str()), r))
            .collect();
        self.duplicates = held
            .duplicates
            .into_iter()
            .map(|(o, p, fs)| {
                let files = fs.iter().map(|f| Arc::from(f.as_str())).collect();
                ((OrgId::from(o.as_str()), PostId::from(p.as_str())), files)
            })
            .collect();
        self.rebuild();
    }

    fn rebuild(&mut self) {
        self.protected = self
            .refused
            .keys()
            .map(|f| (folder_of(f).unwrap_or("").to_owned(), stem(f)))
            .collect();
        self.protected_posts = self
            .refused
            .values()
            .flat_map(|r| {
                r.posts
                    .iter()
                    .map(|(o, p)| (OrgId::from(o.as_str()), PostId::from(p.as_str())))
            })
            .chain(self.duplicates.keys().cloned())
            .collect();
    }
}

/// The ledger's meta key for [`Plans::held`].
pub(super) const HELD_KEY: &str = "plans/held";

/// [`Plans::held`] as written.
#[derive(serde::Serialize, serde::Deserialize)]
struct Held {
    refused: Vec<(String, Refusal)>,
    duplicates: Vec<(String, String, Vec<String>)>,
}

/// Which plan files a reading answers for: the ledger rows of other files are not touched.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Every plan file.
    All,
    /// These files (added, changed or removed).
    Files(Vec<Arc<str>>),
    /// Every file of `plans/<folder>/`, which are `files`: a file of the folder the ledger
    /// knows and the reading did not find is gone.
    Folder {
        /// The folder's name.
        folder: String,
        /// Its files, as found.
        files: Vec<Arc<str>>,
    },
    /// Nothing was read but the list of folders, which are these: every file of a folder the
    /// ledger knows and that is not among them is gone.
    Folders(Vec<String>),
}

impl Scope {
    /// The files the ledger rows of which the reading answers for (`None`: all of them).
    pub(super) fn files(self, ledger: &dyn Ledger) -> Result<Option<Vec<Arc<str>>>, LedgerError> {
        Ok(match self {
            Scope::All => None,
            Scope::Files(files) => Some(files),
            Scope::Folder { folder, mut files } => {
                let found: HashSet<Arc<str>> = files.iter().cloned().collect();
                files.extend(
                    known_under(ledger, &format!("plans/{folder}/"))?
                        .into_iter()
                        .filter(|f| !found.contains(&**f))
                        .map(|f| Arc::from(f.as_str())),
                );
                Some(files)
            }
            Scope::Folders(present) => {
                let present: HashSet<String> = present.into_iter().collect();
                let mut gone = Vec::new();
                let mut from = "plans/".to_owned();
                while let Some(file) = ledger.files_from(&from, 1)?.pop() {
                    if !file.starts_with("plans/") {
                        break;
                    }
                    match folder_of(&file).map(ToOwned::to_owned) {
                        Some(folder) => {
                            let prefix = format!("plans/{folder}/");
                            if !present.contains(&folder) {
                                gone.extend(known_under(ledger, &prefix)?);
                            }
                            // Past every path of this folder ('0' follows '/').
                            from = format!("plans/{folder}0");
                        }
                        None => from = format!("{file}\u{1}"),
                    }
                }
                Some(gone.into_iter().map(|f| Arc::from(f.as_str())).collect())
            }
        })
    }
}

/// The files under `prefix` the ledger has rows of.
fn known_under(ledger: &dyn Ledger, prefix: &str) -> Result<Vec<String>, LedgerError> {
    const PAGE: usize = 10_000;
    let mut out = Vec::new();
    let mut from = prefix.to_owned();
    loop {
        let page = ledger.files_from(&from, PAGE)?;
        let full = page.len() == PAGE;
        let mut last = None;
        for f in page {
            if !f.starts_with(prefix) {
                return Ok(out);
            }
            last = Some(f.clone());
            out.push(f);
        }
        match last {
            Some(l) if full => from = format!("{l}\u{0}"),
            _ => return Ok(out),
        }
    }
}

/// What one reading of plan files found.
pub struct Reading {
    /// The registry the files were read against.
    pub reg: Registry,
    /// The files it answers for.
    pub scope: Scope,
    /// The publications the files that were read want.
    pub planned: Vec<Planned>,
    refused: HashMap<Arc<str>, Refusal>,
    duplicates: HashMap<Place, Vec<Arc<str>>>,
}

impl Reading {
    /// How many plan files were read (`None`: all of them).
    pub fn files(&self) -> Option<usize> {
        match &self.scope {
            Scope::All => None,
            Scope::Files(f) | Scope::Folder { files: f, .. } => Some(f.len()),
            Scope::Folders(_) => Some(0),
        }
    }
}

/// The organization folder of a plan file's path (`plans/<folder>/…`).
pub(super) fn folder_of(rel: &str) -> Option<&str> {
    let mut parts = rel.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("plans"), Some(folder), Some(_)) if !folder.is_empty() => Some(folder),
        _ => None,
    }
}

/// Reads the registry of the repository at `root`.
///
/// Fails when it cannot be read or is not usable.
pub fn registry(root: &Path) -> Result<Registry, ReadError> {
    let repo = Repo::open(root).map_err(|e| ReadError(repo::io_words(&e)))?;
    let text = repo
        .read_text(REGISTRY_PATH)
        .map_err(|d| ReadError(d.message))?;
    let (reg, diags) = Registry::parse(&text, REGISTRY_PATH);
    if !reg.usable {
        return Err(ReadError(
            diags.first().map(|d| d.message.clone()).unwrap_or_default(),
        ));
    }
    Ok(reg)
}

/// Reads the registry and every plan file under `root`: the plans and the publications they
/// want.
///
/// Fails only when the registry cannot be read; a broken plan file is refused and skipped.
pub fn load(root: &Path) -> Result<Reading, ReadError> {
    let reg = registry(root)?;
    let repo = Repo::open(root).map_err(|e| ReadError(repo::io_words(&e)))?;
    let files = repo
        .plan_files()
        .map_err(|e| ReadError(repo::io_words(&e)))?;
    Ok(read(&repo, reg, files, Scope::All))
}

/// The organization folders under `plans/` of `root`, sorted.
///
/// Fails when `plans/` cannot be read.
pub fn folders(root: &Path) -> Result<Vec<String>, ReadError> {
    repo::plan_folders(root).map_err(|e| ReadError(repo::io_words(&e)))
}

/// Reads every plan file of `plans/<folder>/` against `reg`: one step of a reading of all
/// files that holds one folder's posts at a time.
pub fn read_folder(root: &Path, reg: Registry, folder: &str) -> Result<Reading, ReadError> {
    let repo = Repo::open(root).map_err(|e| ReadError(repo::io_words(&e)))?;
    let listed = repo::folder_files(root, folder);
    let files = listed.iter().map(|f| Arc::from(f.rel.as_str())).collect();
    let scope = Scope::Folder {
        folder: folder.to_owned(),
        files,
    };
    Ok(read(&repo, reg, listed, scope))
}

/// The last step of a reading folder by folder: nothing is read, the rows of files in folders
/// that are not among `present` are gone.
pub fn folders_gone(reg: Registry, present: Vec<String>) -> Reading {
    Reading {
        reg,
        scope: Scope::Folders(present),
        planned: Vec::new(),
        refused: HashMap::new(),
        duplicates: HashMap::new(),
    }
}

/// Reads only `files` (paths relative to `root`, with `/`; those outside `plans/<org>/` and
/// those that no longer exist are part of the scope but read as nothing) against `reg`.
pub fn read_files(root: &Path, reg: Registry, files: &[String]) -> Result<Reading, ReadError> {
    let repo = Repo::open(root).map_err(|e| ReadError(repo::io_words(&e)))?;
    let mut scope: Vec<Arc<str>> = files.iter().map(|f| Arc::from(f.as_str())).collect();
    scope.sort();
    scope.dedup();
    let listed = scope
        .iter()
        .filter_map(|rel| {
            let folder = folder_of(rel)?;
            let kind = repo::kind_of(rel);
            if kind == FileKind::Other || !repo.root().join(&**rel).exists() {
                return None;
            }
            Some(PlanFile {
                rel: rel.to_string(),
                folder: folder.into(),
                kind,
            })
        })
        .collect();
    Ok(read(&repo, reg, listed, Scope::Files(scope)))
}

fn read(repo: &Repo, reg: Registry, files: Vec<PlanFile>, scope: Scope) -> Reading {
    let mut reading = Reading {
        reg,
        scope,
        planned: Vec::with_capacity(files.len() * 3),
        refused: HashMap::new(),
        duplicates: HashMap::new(),
    };
    // One string per organization id, shared by its posts' rows.
    let mut orgs: HashMap<String, OrgId> = HashMap::new();
    // Where each (organization, post id) was first read: a second place is a duplicate.
    let mut first_place: HashMap<Place, Arc<str>> = HashMap::new();
    let mut duplicates: Vec<(Place, Arc<str>)> = Vec::new();
    // Taken by value: each file's paths are freed as it is read, while the planned rows grow.
    for f in files.into_iter().filter(|f| f.kind != FileKind::Other) {
        let rel: Arc<str> = f.rel.as_str().into();
        if f.kind == FileKind::BadName {
            let why = "1:1: the file name has control characters or is not UTF-8".to_owned();
            reading.refuse(rel, &[], why);
            continue;
        }
        let (parsed, error) = read_plan_file(repo, &f.rel, &f.folder, &reading.reg);
        if let Some(d) = error {
            // Any error in a file: nothing of it is published, and nothing of it is cancelled.
            let why = format!("{}:{}: {}", d.pos.line, d.pos.column, d.message);
            reading.refuse(rel, &parsed, why);
            continue;
        }
        for post in parsed {
            let Some(when) = &post.when else { continue };
            let org_id = match orgs.get(post.org.value.as_str()) {
                Some(id) => id.clone(),
                None => {
                    let id = OrgId::from(post.org.value.as_str());
                    orgs.insert(post.org.value.clone(), id.clone());
                    id
                }
            };
            let post_id = post.id.clone();
            // Drafts count too, as in `check`: a draft and a ready post with one id are
            // a mistake either way.
            let place = (org_id.clone(), post_id.clone());
            if first_place.contains_key(&place) {
                duplicates.push((place, Arc::clone(&rel)));
                continue;
            }
            first_place.insert(place, Arc::clone(&rel));
            if post.status != Status::Ready || post.external.is_some() {
                continue;
            }
            let Some(org) = reading.reg.org(&post.org.value) else {
                continue;
            };
            let pages: Vec<Network> = org.pages.keys().copied().collect();
            for net in post
                .targets(pages.iter().copied())
                .into_iter()
                .filter(|n| pages.contains(n))
            {
                reading.planned.push(Planned {
                    org: org_id.clone(),
                    post: post_id.clone(),
                    network: net,
                    due: when.value,
                    content: content_hash(&post, net),
                    file: Arc::clone(&rel),
                });
            }
        }
    }
    if !duplicates.is_empty() {
        // Two posts of one organization with one id would be one ledger row: neither is
        // published (which one was meant is for a person to say), their rows are kept as they
        // are, and each place is alerted. Everyone else's posts go on.
        let taken: HashSet<(&str, &str)> = duplicates
            .iter()
            .map(|((org, post), _)| (&**org, &**post))
            .collect();
        reading
            .planned
            .retain(|p| !taken.contains(&(&*p.org, &*p.post)));
        for (place, again) in duplicates {
            let Some(first) = first_place.get(&place) else {
                continue;
            };
            let files = reading
                .duplicates
                .entry(place)
                .or_insert_with(|| vec![Arc::clone(first)]);
            if !files.contains(&again) {
                files.push(again);
            }
        }
    }
    reading
}

impl Reading {
    fn refuse(&mut self, rel: Arc<str>, posts: &[Post], why: String) {
        let posts = posts
            .iter()
            .map(|p| (p.org.value.clone(), p.id.to_string()))
            .collect();
        self.refused.insert(rel, Refusal { why, posts });
    }
}

/// Reads and parses one plan file as the publisher does: the posts, and the first error of the
/// file if it has one (then nothing of it may be published). The rules that protect someone
/// else ([`guard`]) hold here, from the same code as in `check`: the daemon is not bound by CI.
pub(super) fn read_plan_file(
    repo: &Repo,
    rel: &str,
    folder: &str,
    reg: &Registry,
) -> (Vec<Post>, Option<Diagnostic>) {
    let text = match repo.read_text(rel) {
        Ok(text) => text,
        Err(d) => return (Vec::new(), Some(d)),
    };
    let mut diags = Vec::new();
    guard::secrets(&text, rel, &mut diags);
    let posts = plan::parse_file(rel, folder, &text, &reg.tz, &mut diags);
    let resolve = |org: &str, w: &str| media::resolve(repo.root(), org, w).map(|(_, abs)| abs);
    for post in &posts {
        guard::post(post, reg, &resolve, &mut diags);
    }
    let error = diags.into_iter().find(|d| d.severity == Severity::Error);
    (posts, error)
}

fn stem(rel: &str) -> String {
    rel.rsplit('/')
        .next()
        .unwrap_or("")
        .rsplit_once('.')
        .map_or("", |(s, _)| s)
        .to_owned()
}

/// A hash of what a network receives for a post: text, images and poll as written.
pub(super) fn content_hash(post: &Post, net: Network) -> ContentHash {
    let mut h = blake3::Hasher::new();
    h.update(post.text_for(net).markdown.as_bytes());
    for i in post.images_for(net) {
        h.update(b"\0img\0");
        h.update(i.value.as_bytes());
    }
    for (clip, poster, motion) in clip_jobs(post, net) {
        h.update(format!("\0{motion:?}\0{clip}\0{poster:?}").as_bytes());
    }
    if let Some(p) = &post.poll {
        h.update(b"\0poll\0");
        h.update(p.question.value.as_bytes());
        for o in &p.options {
            h.update(b"\0");
            h.update(o.value.as_bytes());
        }
        h.update(&[u8::from(p.multiple)]);
        if let Some(c) = &p.closes {
            h.update(&c.value.as_second().to_le_bytes());
        }
    }
    ContentHash::from(h.finalize())
}

/// The clips a post sends to `network`: each path as written, its poster and its kind.
pub(super) fn clip_jobs(post: &Post, network: Network) -> Vec<(String, Option<String>, Motion)> {
    let mut out = Vec::new();
    if let Some(v) = post.video_for(network) {
        out.push((
            v.file.value.clone(),
            v.poster.as_ref().map(|p| p.value.clone()),
            Motion::Video,
        ));
    }
    if let Some(a) = post.animation_for(network) {
        out.push((a.value.clone(), None, Motion::Animation));
    }
    out
}

/// An empty set of plans over `reg`, before anything was read.
pub(super) fn empty(reg: Registry) -> Plans {
    Plans::new(reg)
}
