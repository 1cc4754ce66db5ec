//! The content repository on disk: finding plan files under `plans/` and reading them safely.
//!
//! The repository is written by many semi-trusted hands, so every read of one of its files goes
//! through [`Repo::read_text`]: only regular files (no FIFO, device or folder), only where they
//! really are inside the repository (a link to `/proc/self/environ` is refused, a link to another
//! file of the repository is followed), only up to a size cap, and only UTF-8. Each refusal is a
//! diagnostic, so one bad file never stops the others.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::plan::diagnostic::{Diagnostic, Rule};
use crate::plan::registry::{REGISTRY_PATH, Registry};
use crate::plan::source::Pos;

/// Largest plan file vestnik reads. Plans are small; anything bigger is a mistake.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The content repository: its root as given, and where the file system really has it.
#[derive(Debug, Clone)]
pub struct Repo {
    root: PathBuf,
    real: PathBuf,
    /// The root, opened (Linux): files are opened beneath it in one system call
    /// ([`open_beneath`]). `None` where it could not be opened or the kernel has no `openat2`.
    #[cfg(target_os = "linux")]
    dir: Option<Arc<std::os::fd::OwnedFd>>,
}

/// Why the registry of a content repository could not be read (`site`, `calendar`, `report`).
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The repository's folder cannot be opened.
    #[error("{}: {source}", root.display())]
    Repository {
        /// The folder given.
        root: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// `plans/registry.yaml` cannot be read at all (missing, not a regular file, too large).
    #[error("{file}: {message}")]
    Unreadable {
        /// The registry's path in the repository.
        file: String,
        /// Why, in the language of the process that read it.
        message: String,
    },
}

impl RegistryError {
    /// Why, in the process's language.
    pub fn message(&self) -> String {
        match self {
            RegistryError::Repository { root, source } => crate::t!(
                "cli-registry",
                root = root.display().to_string(),
                reason = io_words(source)
            ),
            RegistryError::Unreadable { file, message } => crate::t!(
                "cli-registry-broken",
                file = file.as_str(),
                reason = message.as_str()
            ),
        }
    }
}

/// Opens the repository at `root` and reads its registry, with the problems the registry's
/// parser found (a registry with errors still reads: what it has is used).
pub fn read_registry(root: &Path) -> Result<(Repo, Registry), RegistryError> {
    let repo = Repo::open(root).map_err(|source| RegistryError::Repository {
        root: root.to_owned(),
        source,
    })?;
    let (registry, _) = repo.registry().map_err(|d| RegistryError::Unreadable {
        file: d.file,
        message: d.message,
    })?;
    Ok((repo, registry))
}

/// Why a file of the repository was not read. It prints in the process's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The system refused (missing file, permissions).
    Io(std::io::ErrorKind),
    /// A FIFO, device, socket or folder.
    NotRegular,
    /// A link (or a linked folder) that leads out of the repository.
    Outside,
    /// Over the cap.
    TooLarge(u64),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            ReadError::Io(kind) => crate::t!("file-io", reason = io_reason(*kind)),
            ReadError::NotRegular => crate::t!("file-not-regular"),
            ReadError::Outside => crate::t!("file-outside"),
            ReadError::TooLarge(cap) => crate::t!("file-too-large", kib = (cap / 1024).to_string()),
        };
        f.write_str(&text)
    }
}

impl std::error::Error for ReadError {}

/// Why the system refused, when only the kind of refusal is known: the common kinds from the
/// catalogue, the others as the standard library names them (its words are the English).
pub fn io_reason(kind: std::io::ErrorKind) -> String {
    io_text(kind, &kind.to_string())
}

/// Why the system refused `e`, in the process's language: the common kinds of
/// [`std::io::ErrorKind`] from the catalogue (`io-error`); in English, and for the rare kinds,
/// the system's own words ("No such file or directory (os error 2)"). For every error that wraps
/// an [`std::io::Error`] and reaches a person.
pub fn io_words(e: &std::io::Error) -> String {
    io_text(e.kind(), &e.to_string())
}

/// The message `io-error` for a refusal of `kind` that the system put as `os`.
fn io_text(kind: std::io::ErrorKind, os: &str) -> String {
    crate::t!("io-error", kind = io_kind(kind), os = os)
}

/// The selector of `io-error` for a kind of refusal: the kinds a person meets reading and
/// writing files and listening on a port; `other` for the rest.
fn io_kind(kind: std::io::ErrorKind) -> &'static str {
    use std::io::ErrorKind as K;
    match kind {
        K::NotFound => "not-found",
        K::PermissionDenied => "permission-denied",
        K::AlreadyExists => "already-exists",
        K::InvalidData => "invalid-data",
        K::IsADirectory => "is-a-directory",
        K::NotADirectory => "not-a-directory",
        K::DirectoryNotEmpty => "directory-not-empty",
        K::ReadOnlyFilesystem => "read-only",
        K::StorageFull | K::QuotaExceeded => "storage-full",
        K::FileTooLarge => "file-too-large",
        K::AddrInUse => "addr-in-use",
        K::AddrNotAvailable => "addr-not-available",
        K::ConnectionRefused => "connection-refused",
        K::TimedOut => "timed-out",
        K::UnexpectedEof => "unexpected-eof",
        K::OutOfMemory => "out-of-memory",
        _ => "other",
    }
}

/// Opens `path` for reading only if it is a regular file: a FIFO would block the reader for
/// ever, a device (`/dev/zero`) never ends. The file is opened without blocking (`O_NONBLOCK`:
/// opening a FIFO returns at once) and the opened file, not the path, must be regular, so nothing
/// can be swapped in between. The one way vestnik opens a file that someone else may have put
/// there: plan files, pictures, secrets files, the configuration.
///
/// Fails with [`ReadError::NotRegular`] on anything else, [`ReadError::Io`] when it cannot be
/// opened.
pub fn open_regular(path: &Path) -> Result<(File, Metadata), ReadError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| ReadError::Io(e.kind()))?;
    regular(file)
}

/// The opened `file` with its metadata if it is a regular file: the opened file is judged, not
/// a path, so nothing can be swapped in between.
fn regular(file: File) -> Result<(File, Metadata), ReadError> {
    let meta = file.metadata().map_err(|e| ReadError::Io(e.kind()))?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    Ok((file, meta))
}

/// Reads at most `cap` bytes of an opened file, refusing one that is longer. A file is read up
/// to the size it had when it was looked up (what it gains while being read is not read, so
/// the read that would only find its end is saved: one system call in six of a check); a file
/// that says it is empty (as `/proc` files do) is read to its end, up to the cap.
pub fn read_capped(mut file: File, meta: &Metadata, cap: u64) -> Result<Vec<u8>, ReadError> {
    let len = meta.len();
    if len > cap {
        return Err(ReadError::TooLarge(cap));
    }
    // Sized up front: avoids the probing reads of an unsized `read_to_end` on 100,000 small files.
    let mut bytes = Vec::with_capacity(len as usize + 1);
    let upto = if len == 0 { cap + 1 } else { len };
    (&mut file)
        .take(upto)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Io(e.kind()))?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::TooLarge(cap));
    }
    Ok(bytes)
}

/// Reads a regular file outside the content repository (a configuration) of at most `cap` bytes
/// as UTF-8 text.
///
/// Fails when the file is not regular, too large, unreadable or not UTF-8.
pub fn read_file_text(path: &Path, cap: u64) -> Result<String, String> {
    let (file, meta) = open_regular(path).map_err(|e| e.to_string())?;
    let bytes = read_capped(file, &meta, cap).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| crate::t!("file-not-utf8-short"))
}

/// The repository's root opened as a handle to open its files beneath (`O_PATH`); `None` when
/// it cannot be, or when the kernel has no `openat2` (before Linux 5.6): then every file is
/// checked by its real path.
#[cfg(target_os = "linux")]
fn open_root(real: &Path) -> Option<std::os::fd::OwnedFd> {
    use rustix::fs::{Mode, OFlags, ResolveFlags};
    let dir = rustix::fs::open(
        real,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .ok()?;
    // Probe once: "." beneath the root itself.
    rustix::fs::openat2(
        &dir,
        ".",
        OFlags::PATH | OFlags::CLOEXEC,
        Mode::empty(),
        ResolveFlags::BENEATH,
    )
    .ok()
    .map(|_| dir)
}

/// Opens `rel` beneath the repository's root `dir` in one system call: `openat2` with
/// `RESOLVE_BENEATH` refuses, in the kernel, any path or link that would leave the root, so no
/// second look at where the file really is (`/proc/self/fd`, a seventh of a check's time on
/// 100,000 files) is needed, and nothing can be swapped in between. Links to `/proc`'s magic
/// links are refused outright.
///
/// `None` when the kernel would not resolve `rel` beneath the root (a link that leaves it, or
/// an absolute link, which may still point inside): then the real path decides.
#[cfg(target_os = "linux")]
fn open_beneath(
    dir: &std::os::fd::OwnedFd,
    rel: &str,
) -> Option<Result<(File, Metadata), ReadError>> {
    use rustix::fs::{Mode, OFlags, ResolveFlags};
    let opened = rustix::fs::openat2(
        dir,
        rel,
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY,
        Mode::empty(),
        ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS,
    );
    match opened {
        Ok(fd) => Some(regular(File::from(fd))),
        // EXDEV: the path leaves the root, or crosses an absolute link; ELOOP: a magic link or
        // too many links. The slower way judges these by the real path.
        Err(rustix::io::Errno::XDEV | rustix::io::Errno::LOOP) => None,
        Err(e) => Some(Err(ReadError::Io(std::io::Error::from(e).kind()))),
    }
}

/// Where the opened `file` really is: from the kernel's own record of the open file
/// (`/proc/self/fd`), so that nothing can be swapped between the check and the read; from the
/// path where that record is not available.
fn real_path(file: &File, path: &Path) -> Option<PathBuf> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd as _;
        if let Ok(p) = std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())) {
            return Some(p);
        }
    }
    let _ = file;
    path.canonicalize().ok()
}

impl Repo {
    /// The repository at `root`.
    ///
    /// Fails when `root` does not exist or cannot be resolved.
    pub fn open(root: &Path) -> std::io::Result<Repo> {
        let real = root.canonicalize()?;
        Ok(Repo {
            #[cfg(target_os = "linux")]
            dir: open_root(&real).map(Arc::new),
            real,
            root: root.to_owned(),
        })
    }

    /// The same repository read as where the kernel has no `openat2`: each file's real path
    /// is looked up after it is opened.
    #[cfg(test)]
    fn by_real_path(mut self) -> Repo {
        #[cfg(target_os = "linux")]
        {
            self.dir = None;
        }
        self
    }

    /// The root as given.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Reads the file at `rel` (relative to the root, with `/`) as bytes, if it is a regular file
    /// inside the repository of at most `cap` bytes.
    ///
    /// Fails with the reason otherwise.
    pub fn read_bytes(&self, rel: &str, cap: u64) -> Result<Vec<u8>, ReadError> {
        #[cfg(target_os = "linux")]
        if let Some(opened) = self.dir.as_ref().and_then(|dir| open_beneath(dir, rel)) {
            let (file, meta) = opened?;
            return read_capped(file, &meta, cap);
        }
        let abs = self.root.join(rel);
        let (file, meta) = open_regular(&abs)?;
        match real_path(&file, &abs) {
            Some(real) if real.starts_with(&self.real) => {}
            _ => return Err(ReadError::Outside),
        }
        read_capped(file, &meta, cap)
    }

    /// Reads a text file of the repository. Links out of it, pipes and devices, oversized,
    /// unreadable and non-UTF-8 files become a `yaml` diagnostic instead of an error, so one bad
    /// file never stops the check of the others.
    pub fn read_text(&self, rel: &str) -> Result<String, Diagnostic> {
        let bad = |msg: String, hint: String| {
            Diagnostic::new(Rule::Yaml, rel, Pos::START, msg).hint(hint)
        };
        let bytes = self.read_bytes(rel, MAX_FILE_BYTES).map_err(|e| match e {
            ReadError::Io(_) => bad(e.to_string(), crate::t!("file-io-hint")),
            ReadError::NotRegular | ReadError::Outside => bad(
                crate::t!("file-refused", reason = e.to_string()),
                crate::t!("file-refused-hint"),
            ),
            ReadError::TooLarge(_) => bad(
                crate::t!("file-plan-too-large", reason = e.to_string()),
                crate::t!("file-plan-too-large-hint"),
            ),
        })?;
        String::from_utf8(bytes).map_err(|e| {
            let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let text = String::from_utf8_lossy(upto);
            let line = text.matches('\n').count() as u32 + 1;
            let col = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
            Diagnostic::new(
                Rule::Yaml,
                rel,
                Pos::new(line, col),
                crate::t!("file-not-utf8"),
            )
            .hint(crate::t!("file-not-utf8-hint"))
        })
    }

    /// Reads and parses the registry, `plans/registry.yaml`: the registry with its problems.
    ///
    /// Fails when the file cannot be read.
    pub fn registry(&self) -> Result<(Registry, Vec<Diagnostic>), Diagnostic> {
        let text = self.read_text(REGISTRY_PATH)?;
        Ok(Registry::parse(&text, REGISTRY_PATH))
    }

    /// Every file under `plans/<org>/`; see [`plan_files`].
    ///
    /// Fails only when `plans/` itself cannot be read.
    pub fn plan_files(&self) -> std::io::Result<Vec<PlanFile>> {
        plan_files(&self.root)
    }
}

/// What a file under `plans/<org>/` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// One post: `.md`.
    Post,
    /// A plan with `posts:`: `.yaml` / `.yml`.
    Plan,
    /// Anything else (reported as a stray file).
    Other,
    /// A name vestnik does not read: not UTF-8, or with control characters (a line break or an
    /// escape sequence in a name would forge lines in logs and terminals).
    BadName,
}

/// One file found under `plans/<org>/`.
#[derive(Debug, Clone)]
pub struct PlanFile {
    /// Path relative to the repository, with `/`.
    pub rel: String,
    /// The organization folder it is in (one string per folder, shared by its files: a
    /// listing of 100,000 files is held while they are read).
    pub folder: Arc<str>,
    /// What it is.
    pub kind: FileKind,
}

/// Lists every file under `plans/<org>/` (recursively), sorted by path. Hidden files and
/// folders (`.git`, `.DS_Store`) are skipped; files directly in `plans/` are not plans.
///
/// Fails only when `plans/` itself cannot be read.
pub fn plan_files(root: &Path) -> std::io::Result<Vec<PlanFile>> {
    let mut out = Vec::new();
    for name in plan_folders(root)? {
        walk(
            &root.join("plans").join(&name),
            &format!("plans/{name}"),
            &name.as_str().into(),
            &mut out,
        );
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

/// The organization folders under `plans/` (hidden ones left out), sorted by name. A folder
/// whose name is not UTF-8 is listed by a lossy name that reads as nothing.
///
/// Fails only when `plans/` itself cannot be read.
pub fn plan_folders(root: &Path) -> std::io::Result<Vec<String>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root.join("plans"))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !entry.file_type()?.is_dir() {
            continue;
        }
        out.push(name);
    }
    out.sort();
    Ok(out)
}

/// Lists every file under `plans/<folder>/` (recursively), sorted by path, as [`plan_files`]
/// lists them.
pub fn folder_files(root: &Path, folder: &str) -> Vec<PlanFile> {
    let mut out = Vec::new();
    walk(
        &root.join("plans").join(folder),
        &format!("plans/{folder}"),
        &folder.into(),
        &mut out,
    );
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    out
}

/// What a file under `plans/<org>/` is, by its path as [`plan_files`] would list it: a name
/// with a hidden part (`.git/…`, `.draft.md`) is not listed there, and is [`FileKind::Other`]
/// here.
pub fn kind_of(rel: &str) -> FileKind {
    if rel.split('/').any(|part| part.starts_with('.')) {
        return FileKind::Other;
    }
    if rel.chars().any(char::is_control) {
        return FileKind::BadName;
    }
    let lower = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    if lower.ends_with(".md") {
        FileKind::Post
    } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        FileKind::Plan
    } else {
        FileKind::Other
    }
}

fn walk(dir: &Path, rel: &str, folder: &Arc<str>, out: &mut Vec<PlanFile>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let raw = entry.file_name();
        let name = raw.to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let child = format!("{rel}/{name}");
        let bad_name = raw.to_str().is_none() || name.chars().any(char::is_control);
        match entry.file_type() {
            Ok(_) if bad_name => out.push(PlanFile {
                rel: child,
                folder: Arc::clone(folder),
                kind: FileKind::BadName,
            }),
            Ok(t) if t.is_dir() => walk(&entry.path(), &child, folder, out),
            Ok(_) => {
                let kind = kind_of(&name);
                out.push(PlanFile {
                    rel: child,
                    folder: Arc::clone(folder),
                    kind,
                });
            }
            Err(_) => {}
        }
    }
}

/// Why git could not tell about a revision: reading a file at it, or what changed since it.
#[derive(Debug, thiserror::Error)]
pub enum RevisionError {
    /// `git` could not be started.
    #[error("cannot run git: {0}")]
    Spawn(#[source] std::io::Error),
    /// `git` failed: its own words.
    #[error("{0}")]
    Failed(String),
    /// The revision is empty or starts with `-` (it would be read as an option).
    #[error("`{0}` is not a revision (a branch, tag or commit; it cannot start with '-')")]
    NotARevision(String),
    /// The revision names no commit.
    #[error("`{0}` names no commit of this repository")]
    NoCommit(String),
}

impl RevisionError {
    /// The error in the process's language (its `Display` stays English, for logs).
    pub fn message(&self) -> String {
        match self {
            RevisionError::Spawn(e) => crate::t!("check-git-spawn", reason = io_words(e)),
            RevisionError::Failed(stderr) => {
                crate::t!("check-git-failed", stderr = stderr.as_str())
            }
            RevisionError::NotARevision(rev) => {
                crate::t!("check-not-a-revision", rev = rev.as_str())
            }
            RevisionError::NoCommit(rev) => crate::t!("check-no-commit", rev = rev.as_str()),
        }
    }
}

/// Runs git in the repository at `root` and returns what it printed.
///
/// Fails when git cannot start, or with its own words when it fails.
pub fn git(root: &Path, args: &[&str]) -> Result<Vec<u8>, RevisionError> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(RevisionError::Spawn)?;
    if !out.status.success() {
        return Err(RevisionError::Failed(
            String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        ));
    }
    Ok(out.stdout)
}

/// The commit `rev` names in the repository at `root`. A revision is never an option:
/// `--output=victim.txt` would have git truncate that file.
///
/// Fails when `rev` is empty, starts with `-`, or names no commit.
pub fn commit_of(root: &Path, rev: &str) -> Result<String, RevisionError> {
    if rev.is_empty() || rev.starts_with('-') {
        return Err(RevisionError::NotARevision(rev.to_owned()));
    }
    let spec = format!("{rev}^{{commit}}");
    let commit = git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ],
    )
    .map_err(|_| RevisionError::NoCommit(rev.to_owned()))?;
    Ok(String::from_utf8_lossy(&commit).trim().to_owned())
}

/// A post or plan file (`plans/<org>/…` ending in `.md`, `.yaml` or `.yml`) that differs from
/// `rev`, and whether it is still there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedPlan {
    /// The path relative to the repository, with `/`.
    pub path: String,
    /// False when the change deleted it.
    pub exists: bool,
}

/// Every path of the repository at `root` (relative, with `/`) that differs from the commit
/// `rev` names: committed, staged or in the work tree, and the untracked files git does not
/// ignore. A rename is a deletion and an addition, so a post moved between folders concerns
/// both organizations. Paths are taken as they are (`-z`): without it git quotes names with
/// non-ASCII letters (`core.quotePath`), and `plans/school/новость.md` would match nothing.
///
/// Fails when `rev` is not a commit or git fails.
pub fn changed_paths(root: &Path, rev: &str) -> Result<Vec<String>, RevisionError> {
    let commit = commit_of(root, rev)?;
    let diff = git(
        root,
        &[
            "diff",
            "--name-only",
            "-z",
            "--no-renames",
            "--relative",
            "--end-of-options",
            &commit,
            "--",
        ],
    )?;
    let untracked = git(root, &["ls-files", "-z", "--others", "--exclude-standard"])?;
    Ok(diff
        .split(|b| *b == 0)
        .chain(untracked.split(|b| *b == 0))
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect())
}

/// The post and plan files of the repository at `root` that differ from the commit `rev` names
/// (committed, staged, in the work tree, or untracked), sorted. A rename is a deletion and an
/// addition.
///
/// Fails when `rev` is not a commit or git fails.
pub fn changed_plans(root: &Path, rev: &str) -> Result<Vec<ChangedPlan>, RevisionError> {
    let mut paths: Vec<String> = changed_paths(root, rev)?
        .into_iter()
        .filter(|p| {
            let parts: Vec<&str> = p.split('/').collect();
            parts.len() >= 3
                && parts[0] == "plans"
                && [".md", ".yaml", ".yml"].iter().any(|e| p.ends_with(e))
        })
        .collect();
    paths.sort();
    paths.dedup();
    Ok(paths
        .into_iter()
        .map(|path| ChangedPlan {
            exists: root.join(&path).is_file(),
            path,
        })
        .collect())
}

/// The text of `rel` (a path of the repository at `root`, with `/`) as committed at `rev`, read
/// with `git show`, at most [`MAX_FILE_BYTES`].
///
/// Fails when `rev` is not a commit, git fails (the file is not in that commit), or the text is
/// too large or not UTF-8 (as [`RevisionError::Failed`]).
pub fn file_at_revision(root: &Path, rev: &str, rel: &str) -> Result<String, RevisionError> {
    let commit = commit_of(root, rev)?;
    let bytes = git(root, &["show", &format!("{commit}:{rel}")])?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(RevisionError::Failed(format!(
            "{rel}@{rev}: over {MAX_FILE_BYTES} bytes"
        )));
    }
    String::from_utf8(bytes).map_err(|_| RevisionError::Failed(format!("{rel}@{rev}: not UTF-8")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_reads_files_safely() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("plans/school/2026")).unwrap();
        std::fs::write(root.join("plans/registry.yaml"), "x").unwrap();
        std::fs::write(root.join("plans/school/a.md"), "x").unwrap();
        std::fs::write(root.join("plans/school/2026/b.yml"), "x").unwrap();
        std::fs::write(root.join("plans/school/notes.docx"), [0xff, 0xfe, 0]).unwrap();
        std::fs::write(root.join("plans/school/.hidden"), "x").unwrap();
        let repo = Repo::open(root).unwrap();
        let files = repo.plan_files().unwrap();
        let got: Vec<_> = files.iter().map(|f| (f.rel.as_str(), f.kind)).collect();
        assert_eq!(
            got,
            [
                ("plans/school/2026/b.yml", FileKind::Plan),
                ("plans/school/a.md", FileKind::Post),
                ("plans/school/notes.docx", FileKind::Other)
            ]
        );
        let d = repo.read_text("plans/school/notes.docx").unwrap_err();
        assert_eq!(d.message, crate::t!("file-not-utf8"));
        std::fs::write(
            root.join("plans/school/big.md"),
            vec![b'a'; (MAX_FILE_BYTES + 10) as usize],
        )
        .unwrap();
        assert_eq!(
            repo.read_text("plans/school/big.md").unwrap_err().message,
            crate::t!(
                "file-plan-too-large",
                reason = ReadError::TooLarge(MAX_FILE_BYTES).to_string()
            )
        );
        assert_eq!(repo.read_text("plans/school/a.md").unwrap(), "x");
    }

    /// Issue 9, items 4 and 14: a link to a host file, a link to a device and a FIFO are refused
    /// (and nothing blocks); a link to another file of the repository is followed.
    #[cfg(unix)]
    #[test]
    fn links_out_pipes_and_devices_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("plans/school")).unwrap();
        std::fs::write(root.join("plans/school/a.md"), "inside").unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "HOST SECRET").unwrap();
        let link = |target: &Path, name: &str| {
            std::os::unix::fs::symlink(target, root.join("plans/school").join(name)).unwrap();
        };
        link(&outside.path().join("secret.txt"), "env.md");
        link(Path::new("/dev/zero"), "zero.md");
        link(Path::new("a.md"), "same.md");
        // A linked folder: its files look regular, but are outside.
        link(outside.path(), "dir");
        let fifo = root.join("plans/school/fifo.md");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        // An absolute link into the repository itself, a relative one out of it, and a path
        // that climbs out with `..`.
        link(&root.join("plans/school/a.md"), "absolute.md");
        let climb = "../".repeat(root.components().count() + 2);
        link(
            Path::new(&format!(
                "{climb}{}",
                outside.path().join("secret.txt").display()
            )),
            "climb.md",
        );
        let upward = format!(
            "plans/school/../../{climb}{}",
            outside.path().join("secret.txt").display()
        );
        let made = made.is_ok_and(|s| s.success());
        let opened = Repo::open(root).unwrap();
        #[cfg(target_os = "linux")]
        assert!(opened.dir.is_some(), "this kernel has openat2");
        // Opened beneath the root in one call, and by the real path (older kernels): the same.
        for repo in [opened.clone(), opened.by_real_path()] {
            for (rel, why) in [
                ("plans/school/env.md", ReadError::Outside),
                ("plans/school/dir/secret.txt", ReadError::Outside),
                ("plans/school/climb.md", ReadError::Outside),
                (upward.as_str(), ReadError::Outside),
                ("plans/school/zero.md", ReadError::NotRegular),
                ("plans/school", ReadError::NotRegular),
                (
                    "plans/school/none.md",
                    ReadError::Io(std::io::ErrorKind::NotFound),
                ),
            ] {
                assert_eq!(repo.read_bytes(rel, MAX_FILE_BYTES), Err(why), "{rel}");
                let d = repo.read_text(rel).unwrap_err();
                assert!(!d.message.contains("HOST SECRET"), "{}", d.message);
            }
            if made {
                assert_eq!(
                    repo.read_bytes("plans/school/fifo.md", MAX_FILE_BYTES),
                    Err(ReadError::NotRegular)
                );
            }
            assert_eq!(repo.read_text("plans/school/same.md").unwrap(), "inside");
            assert_eq!(
                repo.read_text("plans/school/absolute.md").unwrap(),
                "inside"
            );
            assert_eq!(
                repo.read_bytes("plans/school/a.md", 5),
                Err(ReadError::TooLarge(5))
            );
        }
    }

    #[test]
    fn capped_reads_refuse_what_is_larger() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "12345").unwrap();
        assert_eq!(read_file_text(&path, 5).unwrap(), "12345");
        assert_eq!(
            read_file_text(&path, 4).unwrap_err(),
            ReadError::TooLarge(4).to_string()
        );
        assert_eq!(
            read_file_text(dir.path(), 4).unwrap_err(),
            ReadError::NotRegular.to_string()
        );
    }

    /// The English of the system's refusals is the standard library's, as it was printed before
    /// the catalogues; Russian says the common ones in its own words and keeps the rare ones.
    #[test]
    fn english_refusals_read_as_before() {
        use crate::locale::{Lang, text_in};
        use std::io::{Error, ErrorKind};
        let io = |lang, kind: &str, os: &str| {
            text_in(
                lang,
                "io-error",
                &[("kind", kind.into()), ("os", os.into())],
            )
        };
        for kind in [ErrorKind::NotFound, ErrorKind::PermissionDenied] {
            assert_eq!(
                io(Lang::En, io_kind(kind), &kind.to_string()),
                kind.to_string()
            );
        }
        assert_eq!(io_reason(ErrorKind::NotFound), "нет такого файла или папки");
        let os = Error::from_raw_os_error(2);
        assert_eq!(
            io(Lang::En, io_kind(os.kind()), &os.to_string()),
            os.to_string()
        );
        assert_eq!(io_words(&os), "нет такого файла или папки");
        let rare = Error::new(ErrorKind::Interrupted, "stopped halfway");
        assert_eq!(io_words(&rare), "система ответила: stopped halfway");
        assert_eq!(
            text_in(Lang::En, "file-too-large", &[("kib", "1024".into())]),
            "the file is larger than 1024 KiB"
        );
    }
}
