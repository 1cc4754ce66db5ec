//! The content repository from a git remote: the daemon's own checkout of one branch, kept in
//! sync on a schedule, so that only what is merged to that branch is ever published.
//!
//! The work is done by the system `git` (docs/decisions.md#git-through-the-system-git): it already
//! handles ssh and https credentials, proxies and LFS, and a library would have to learn all of
//! that. Every call runs with a timeout (the child is killed when it expires), without a terminal
//! prompt (`GIT_TERMINAL_PROMPT=0`, askpass programs that answer nothing), without the system
//! config, without hooks and in the C locale, so a daemon can never hang on a question.
//!
//! The life of a checkout:
//!
//! - **Clone** into a hidden sibling folder, then rename it into place: a crash in the middle
//!   leaves only the hidden folder (removed by the next clone), never a half checkout.
//! - **Sync**: the checkout must still be a clone of the configured remote (otherwise another
//!   repository would be published: [`GitError::RemoteChanged`]). Hand edits and local commits
//!   are thrown away, the branch is fetched and fast-forwarded. A rewritten remote branch is
//!   [`GitError::NotFastForward`] and the checkout stays at the last good commit, which is kept
//!   in a private ref (`refs/vestnik/synced/<branch>`), so the next sync reports it again
//!   instead of quietly accepting the new history.
//!
//! A remote URL may carry credentials (`https://user:TOKEN@host/repo.git`). They never reach an
//! error or a log line: every message and every stderr tail goes through [`redact_url`].

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::process::Command;
use tokio::sync::Mutex;

/// How long one git command may run by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// How much of a failed command's stderr an error keeps.
const TAIL_LINES: usize = 12;
const TAIL_BYTES: usize = 2000;

/// Inherited variables that would point git at another repository or inject configuration
/// (set, for instance, when the daemon is started from a git hook).
const SCRUBBED_ENV: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
    "GIT_CEILING_DIRECTORIES",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_QUARANTINE_PATH",
];

/// A content repository kept in sync with a remote branch, in a checkout owned by the daemon.
///
/// Clones share a lock, so syncs of one source never overlap. Its `Debug` output redacts the
/// credentials of the remote URL.
#[derive(Clone)]
pub struct GitSource {
    remote: String,
    branch: String,
    checkout: PathBuf,
    timeout: Duration,
    lock: Arc<Mutex<()>>,
}

/// The result of a successful [`GitSource::sync`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synced {
    /// The commit the checkout is at now (full hex id).
    pub commit: String,
    /// The commit it was at before the sync; `None` when it was just cloned.
    pub previous: Option<String>,
}

impl Synced {
    /// Whether the sync moved the checkout to another commit (always true after a clone).
    pub fn changed(&self) -> bool {
        self.previous.as_deref() != Some(self.commit.as_str())
    }
}

/// Why a git operation failed. Every text in it is already redacted.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// `git` could not be started: it is not installed or not on `PATH`.
    #[error("cannot run `git` (is it installed and on PATH?): {source}")]
    Spawn {
        /// The error of the spawn.
        source: std::io::Error,
    },
    /// A git command did not finish in time and was killed.
    #[error("git {what} did not finish within {}s and was stopped", .after.as_secs())]
    Timeout {
        /// What was being done.
        what: String,
        /// The time limit.
        after: Duration,
    },
    /// A git command exited with an error.
    #[error("git {what} failed ({}): {stderr_tail}", exit_text(*.code))]
    Failed {
        /// What was being done.
        what: String,
        /// The exit code; `None` when git was killed by a signal.
        code: Option<i32>,
        /// The last lines git wrote to stderr.
        stderr_tail: String,
    },
    /// The remote branch was rewritten (force-pushed): its new commit does not contain the one
    /// the checkout is at. The checkout stays at `local`.
    #[error(
        "the remote branch {branch} was rewritten: {remote} does not descend from the last \
         synced commit {local}; the checkout stays at {local} until the branch contains it again \
         (or delete the checkout to accept the new history)"
    )]
    NotFastForward {
        /// The branch.
        branch: String,
        /// The commit the checkout stays at.
        local: String,
        /// The commit the remote branch is at now.
        remote: String,
    },
    /// The checkout path exists but is not a git checkout (and not an empty folder).
    #[error(
        "{} exists but is not a git checkout; remove it or choose another checkout folder",
        .path.display()
    )]
    NotARepository {
        /// The checkout path.
        path: PathBuf,
    },
    /// The checkout is a clone of another remote than the configured one.
    #[error(
        "the checkout {} is a clone of {found}, not of the configured remote {configured}; \
         delete {} and vestnik will clone the configured repository",
        .path.display(), .path.display()
    )]
    RemoteChanged {
        /// The checkout path.
        path: PathBuf,
        /// The configured remote (redacted).
        configured: String,
        /// The checkout's `origin` URL (redacted).
        found: String,
    },
    /// The configured branch name is not a valid, safe branch name.
    #[error("invalid branch name {name:?}: {reason}")]
    InvalidBranch {
        /// The name.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The configured remote cannot be a git remote.
    #[error("invalid git remote {remote:?}: {reason}")]
    InvalidRemote {
        /// The remote (redacted).
        remote: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A commit id given to [`GitSource::changed_files`] is not a hex object id.
    #[error("invalid commit id {id:?}")]
    InvalidCommit {
        /// The id.
        id: String,
    },
    /// A file read from a commit ([`GitSource::file_at`]) is larger than vestnik reads.
    #[error("{path} at {commit} is larger than {cap} bytes")]
    TooLarge {
        /// The file.
        path: String,
        /// The commit.
        commit: String,
        /// The cap, in bytes.
        cap: u64,
    },
    /// A file system operation around git failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        source: std::io::Error,
    },
}

impl GitError {
    /// The error in the language of the process's texts (its `Display` stays English, for
    /// logs). Remotes are redacted as in `Display`; git's own words stay as git said them.
    pub fn message(&self) -> String {
        let shown = |p: &Path| p.display().to_string();
        match self {
            GitError::Spawn { source } => {
                crate::t!("git-spawn", reason = crate::plan::repo::io_words(source))
            }
            GitError::Timeout { what, after } => crate::t!(
                "git-timeout",
                what = what.as_str(),
                seconds = after.as_secs().to_string()
            ),
            GitError::Failed {
                what,
                code,
                stderr_tail,
            } => crate::t!(
                "git-failed",
                what = what.as_str(),
                code = match code {
                    Some(c) => crate::t!("git-exit-code", code = c.to_string()),
                    None => crate::t!("git-killed"),
                },
                stderr = stderr_tail.as_str()
            ),
            GitError::NotFastForward {
                branch,
                local,
                remote,
            } => crate::t!(
                "git-not-fast-forward",
                branch = branch.as_str(),
                local = local.as_str(),
                remote = remote.as_str()
            ),
            GitError::NotARepository { path } => {
                crate::t!("git-not-a-repository", path = shown(path))
            }
            GitError::RemoteChanged {
                path,
                configured,
                found,
            } => crate::t!(
                "git-remote-changed",
                path = shown(path),
                configured = configured.as_str(),
                found = found.as_str()
            ),
            GitError::InvalidBranch { name, reason } => {
                crate::t!("git-invalid-branch", name = name.as_str(), reason = *reason)
            }
            GitError::InvalidRemote { remote, reason } => crate::t!(
                "git-invalid-remote",
                remote = remote.as_str(),
                reason = *reason
            ),
            GitError::InvalidCommit { id } => crate::t!("git-invalid-commit", id = id.as_str()),
            GitError::TooLarge { path, commit, cap } => crate::t!(
                "git-too-large",
                path = path.as_str(),
                commit = commit.as_str(),
                kib = (cap / 1024).to_string()
            ),
            GitError::Io { what, source } => crate::t!(
                "git-io",
                what = what.as_str(),
                reason = crate::plan::repo::io_words(source)
            ),
        }
    }
}

fn exit_text(code: Option<i32>) -> String {
    match code {
        Some(c) => format!("exit code {c}"),
        None => "killed by a signal".to_owned(),
    }
}

/// Kills the process group of a git command that has not finished (on drop).
struct GroupKill(Option<u32>);

impl Drop for GroupKill {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(pgid) = self.0 {
            // `unsafe_code` is forbidden, so no `libc::killpg`: the `kill` program does it.
            let _ = std::process::Command::new("kill")
                .args(["-s", "KILL", "--", &format!("-{pgid}")])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// What is at the checkout path.
enum State {
    /// Nothing, or an empty folder: clone.
    Missing,
    /// A git checkout.
    Repository,
}

/// A finished git command.
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl std::fmt::Debug for GitSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitSource")
            .field("remote", &redact_url(&self.remote))
            .field("branch", &self.branch)
            .field("checkout", &self.checkout)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl GitSource {
    /// A source for `branch` of `remote` (any URL or path git accepts), checked out at
    /// `checkout`, with the default timeout of 120 s per git command. Nothing is checked here:
    /// [`GitSource::sync`] validates the branch and the remote.
    pub fn new(
        remote: impl Into<String>,
        branch: impl Into<String>,
        checkout: impl Into<PathBuf>,
    ) -> GitSource {
        GitSource {
            remote: remote.into(),
            branch: branch.into(),
            checkout: checkout.into(),
            timeout: DEFAULT_TIMEOUT,
            lock: Arc::new(Mutex::new(())),
        }
    }

    /// The same source with another time limit for each git command (clone and fetch included).
    pub fn with_timeout(self, t: Duration) -> GitSource {
        GitSource { timeout: t, ..self }
    }

    /// The work tree the daemon reads plans from.
    pub fn checkout(&self) -> &Path {
        &self.checkout
    }

    /// The configured branch.
    pub fn branch(&self) -> &str {
        &self.branch
    }

    /// Clones when the checkout does not exist yet (or is an empty folder), else fetches the
    /// branch and fast-forwards to it, after throwing away hand edits and local commits.
    ///
    /// Fails with [`GitError::NotFastForward`] when the remote branch was rewritten (the
    /// checkout stays at the last good commit), [`GitError::RemoteChanged`] when the checkout
    /// is a clone of another remote, [`GitError::NotARepository`] when the path holds something
    /// else, and with the errors of the git commands (`Spawn`, `Timeout`, `Failed`).
    pub async fn sync(&self) -> Result<Synced, GitError> {
        validate_branch(&self.branch)?;
        self.validate_remote()?;
        let _guard = self.lock.lock().await;
        match self.state()? {
            State::Missing => self.clone_fresh().await,
            State::Repository => self.update().await,
        }
    }

    /// The commit the checkout is at, if it exists; `None` before the first clone.
    ///
    /// Fails with [`GitError::NotARepository`] when the path holds something else.
    pub async fn head(&self) -> Result<Option<String>, GitError> {
        match self.state()? {
            State::Missing => Ok(None),
            State::Repository => self.rev_parse(&self.checkout, "HEAD").await,
        }
    }

    /// The paths (relative, with `/`) that differ between `previous` and `commit`, sorted; every
    /// file of `commit` when `previous` is `None` (a fresh clone). A rename lists both paths.
    ///
    /// Both ids must be hex object ids, as in [`Synced`].
    pub async fn changed_files(
        &self,
        previous: Option<&str>,
        commit: &str,
    ) -> Result<Vec<String>, GitError> {
        for id in previous.into_iter().chain([commit]) {
            object_id(id)?;
        }
        let out = match previous {
            Some(p) => {
                let args = ["diff", "--name-only", "-z", "--no-renames", p, commit, "--"];
                self.run_ok(Some(&self.checkout), "diff", args).await?
            }
            None => {
                let args = ["ls-tree", "-r", "--name-only", "-z", commit];
                self.run_ok(Some(&self.checkout), "ls-tree", args).await?
            }
        };
        let mut files: Vec<String> = out
            .stdout
            .split('\0')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        files.sort();
        Ok(files)
    }

    /// The text of `path` (relative, with `/`) as committed at `commit` (a hex object id, as in
    /// [`Synced`]), read from the checkout's objects: its work tree is not touched, so this may
    /// run while the loop reads plans. At most [`MAX_FILE_BYTES`](crate::plan::repo::MAX_FILE_BYTES).
    ///
    /// Fails when the id is not hex ([`GitError::InvalidCommit`]), when the commit or the file is
    /// not in the checkout ([`GitError::Failed`]), or the file is larger than the cap
    /// ([`GitError::TooLarge`]).
    pub async fn file_at(&self, commit: &str, path: &str) -> Result<String, GitError> {
        object_id(commit)?;
        let spec = format!("{commit}:{path}");
        let size = self
            .run_ok(
                Some(&self.checkout),
                "cat-file -s",
                ["cat-file", "-s", spec.as_str()],
            )
            .await?;
        let cap = crate::plan::repo::MAX_FILE_BYTES;
        if size.stdout.trim().parse::<u64>().is_ok_and(|n| n > cap) {
            return Err(GitError::TooLarge {
                path: path.to_owned(),
                commit: commit.to_owned(),
                cap,
            });
        }
        let args = ["cat-file", "blob", spec.as_str()];
        let out = self.run_ok(Some(&self.checkout), "cat-file", args).await?;
        Ok(out.stdout)
    }

    fn validate_remote(&self) -> Result<(), GitError> {
        let reason = if self.remote.trim().is_empty() {
            Some("it is empty")
        } else if self.remote.starts_with('-') {
            Some("it starts with `-`")
        } else if self.remote.chars().any(char::is_control) {
            Some("it contains control characters")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(GitError::InvalidRemote {
                remote: self.redact(&self.remote),
                reason,
            }),
            None => Ok(()),
        }
    }

    fn state(&self) -> Result<State, GitError> {
        let path = &self.checkout;
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::Missing),
            Err(source) => return Err(self.io(format!("reading {}", path.display()), source)),
        };
        if !meta.is_dir() {
            return Err(GitError::NotARepository { path: path.clone() });
        }
        if path.join(".git").is_dir() {
            return Ok(State::Repository);
        }
        let mut entries = std::fs::read_dir(path)
            .map_err(|e| self.io(format!("reading {}", path.display()), e))?;
        if entries.next().is_none() {
            Ok(State::Missing)
        } else {
            Err(GitError::NotARepository { path: path.clone() })
        }
    }

    /// Clones into a hidden sibling folder and renames it into place.
    async fn clone_fresh(&self) -> Result<Synced, GitError> {
        let name = self
            .checkout
            .file_name()
            .ok_or_else(|| GitError::NotARepository {
                path: self.checkout.clone(),
            })?
            .to_string_lossy()
            .into_owned();
        let parent = match self.checkout.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)
            .map_err(|e| self.io(format!("creating {}", parent.display()), e))?;
        let tmp = parent.join(format!(".{name}.cloning"));
        if tmp.exists() {
            // Left by a crash or a timeout in an earlier clone.
            std::fs::remove_dir_all(&tmp)
                .map_err(|e| self.io(format!("removing {}", tmp.display()), e))?;
        }
        let result = self.clone_into(&tmp).await;
        let result = match result {
            Ok(commit) => std::fs::rename(&tmp, &self.checkout)
                .map(|()| commit)
                .map_err(|e| {
                    self.io(
                        format!("moving the clone to {}", self.checkout.display()),
                        e,
                    )
                }),
            Err(e) => Err(e),
        };
        match result {
            Ok(commit) => {
                tracing::info!(
                    remote = %self.redact(&self.remote),
                    branch = %self.branch,
                    checkout = %self.checkout.display(),
                    %commit,
                    "cloned the content repository"
                );
                Ok(Synced {
                    commit,
                    previous: None,
                })
            }
            Err(e) => {
                let _ = std::fs::remove_dir_all(&tmp);
                Err(e)
            }
        }
    }

    async fn clone_into(&self, tmp: &Path) -> Result<String, GitError> {
        let args: [&OsStr; 9] = [
            "clone".as_ref(),
            "--branch".as_ref(),
            self.branch.as_ref(),
            "--single-branch".as_ref(),
            "--no-tags".as_ref(),
            "--quiet".as_ref(),
            "--".as_ref(),
            self.remote.as_ref(),
            tmp.as_os_str(),
        ];
        let what = format!("clone of {} (branch {})", self.remote, self.branch);
        self.run_ok(None, &what, args).await?;
        let commit = self.expect_commit(tmp, "HEAD").await?;
        self.mark_synced(tmp, &commit).await?;
        Ok(commit)
    }

    /// Fetches and fast-forwards an existing checkout.
    async fn update(&self) -> Result<Synced, GitError> {
        let dir = self.checkout.as_path();
        self.check_origin(dir).await?;
        let branch_ref = format!("refs/heads/{}", self.branch);
        let tracking = format!("refs/remotes/origin/{}", self.branch);

        let head = self.rev_parse(dir, "HEAD").await?;
        let symbolic = self.run(Some(dir), "symbolic-ref", ["symbolic-ref", "-q", "HEAD"]);
        let on_branch = symbolic.await?.stdout.trim() == branch_ref;
        // The last good state: what the previous sync reached. A checkout without the record
        // (made by hand or by an older vestnik) trusts its HEAD if it is on the branch.
        let good = match self.rev_parse(dir, &self.synced_ref()).await? {
            Some(c) => Some(c),
            None if on_branch => head.clone(),
            None => None,
        };
        if let Some(good) = &good {
            let status = [
                "status",
                "--porcelain",
                "--ignored",
                "--untracked-files=all",
            ];
            let dirty = !self
                .run_ok(Some(dir), "status", status)
                .await?
                .stdout
                .trim()
                .is_empty();
            if dirty || !on_branch || head.as_deref() != Some(good.as_str()) {
                tracing::warn!(
                    checkout = %dir.display(),
                    head = head.as_deref().unwrap_or("none"),
                    synced = %good,
                    "the checkout was changed by hand; discarding local edits and commits"
                );
                self.force_to(dir, good).await?;
            }
        }

        let refspec = format!("+{branch_ref}:{tracking}");
        let what = format!("fetch of branch {} from {}", self.branch, self.remote);
        let fetch = ["fetch", "--no-tags", "--quiet", "origin", refspec.as_str()];
        self.run_ok(Some(dir), &what, fetch).await?;
        let remote = self.expect_commit(dir, &tracking).await?;

        match good {
            Some(good) if good == remote => {}
            Some(good) => {
                let is_ancestor = [
                    "merge-base",
                    "--is-ancestor",
                    good.as_str(),
                    remote.as_str(),
                ];
                let out = self.run(Some(dir), "merge-base", is_ancestor).await?;
                match out.code {
                    Some(0) => {}
                    Some(1) => {
                        return Err(GitError::NotFastForward {
                            branch: self.branch.clone(),
                            local: good,
                            remote,
                        });
                    }
                    code => return Err(self.failed("merge-base --is-ancestor", code, &out.stderr)),
                }
                let merge = ["merge", "--ff-only", "--quiet", tracking.as_str()];
                self.run_ok(Some(dir), "merge --ff-only", merge).await?;
            }
            None => {
                tracing::warn!(
                    checkout = %dir.display(),
                    branch = %self.branch,
                    "the checkout is not on the configured branch; switching to the remote branch"
                );
                self.force_to(dir, &remote).await?;
            }
        }

        let commit = self.expect_commit(dir, "HEAD").await?;
        self.mark_synced(dir, &commit).await?;
        if head.as_deref() != Some(commit.as_str()) {
            tracing::info!(
                branch = %self.branch,
                from = head.as_deref().unwrap_or("none"),
                to = %commit,
                "updated the content repository"
            );
        }
        Ok(Synced {
            commit,
            previous: head,
        })
    }

    /// Puts the configured branch at `commit` and makes the work tree match it exactly.
    async fn force_to(&self, dir: &Path, commit: &str) -> Result<(), GitError> {
        let checkout = [
            "checkout",
            "--quiet",
            "--force",
            "-B",
            self.branch.as_str(),
            commit,
        ];
        self.run_ok(Some(dir), "checkout --force", checkout).await?;
        // `-x`: an ignored file dropped into the checkout would be read as a plan all the same.
        self.run_ok(Some(dir), "clean", ["clean", "-ffdxq"]).await?;
        Ok(())
    }

    /// Fails unless the checkout's `origin` is the configured remote. A remote that differs
    /// only in its credentials (a rotated token) is updated in place.
    async fn check_origin(&self, dir: &Path) -> Result<(), GitError> {
        let args = ["config", "--get", "remote.origin.url"];
        let out = self.run(Some(dir), "config", args).await?;
        let found = match out.code {
            Some(0) => out.stdout.trim_end_matches(['\n', '\r']).to_owned(),
            Some(1) => String::new(),
            code => return Err(self.failed("config --get remote.origin.url", code, &out.stderr)),
        };
        if found == self.remote {
            return Ok(());
        }
        if !found.is_empty() && same_location(&found, &self.remote) {
            if strip_userinfo(&found) == strip_userinfo(&self.remote) && found.contains("://") {
                tracing::info!(
                    remote = %self.redact(&self.remote),
                    "the credentials in the remote URL changed; updating the checkout"
                );
                let args = ["remote", "set-url", "origin", self.remote.as_str()];
                self.run_ok(Some(dir), "remote set-url", args).await?;
            }
            return Ok(());
        }
        Err(GitError::RemoteChanged {
            path: dir.to_path_buf(),
            configured: self.redact(&self.remote),
            found: if found.is_empty() {
                "no remote".to_owned()
            } else {
                self.redact(&found)
            },
        })
    }

    fn synced_ref(&self) -> String {
        format!("refs/vestnik/synced/{}", self.branch)
    }

    async fn mark_synced(&self, dir: &Path, commit: &str) -> Result<(), GitError> {
        let name = self.synced_ref();
        let args = ["update-ref", name.as_str(), commit];
        self.run_ok(Some(dir), "update-ref", args).await?;
        Ok(())
    }

    /// The commit `rev` names, or `None` when it names nothing.
    async fn rev_parse(&self, dir: &Path, rev: &str) -> Result<Option<String>, GitError> {
        let spec = format!("{rev}^{{commit}}");
        let args = ["rev-parse", "--verify", "--quiet", spec.as_str()];
        let out = self.run(Some(dir), "rev-parse", args).await?;
        match out.code {
            Some(0) => Ok(Some(out.stdout.trim().to_owned())),
            Some(1) => Ok(None),
            code => Err(self.failed(&format!("rev-parse {rev}"), code, &out.stderr)),
        }
    }

    async fn expect_commit(&self, dir: &Path, rev: &str) -> Result<String, GitError> {
        self.rev_parse(dir, rev)
            .await?
            .ok_or_else(|| GitError::Failed {
                what: format!("rev-parse {rev}"),
                code: Some(1),
                stderr_tail: format!("{rev} names no commit"),
            })
    }

    /// Runs git and fails unless it exits with 0.
    async fn run_ok<I, S>(
        &self,
        dir: Option<&Path>,
        what: &str,
        args: I,
    ) -> Result<Outcome, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let out = self.run(dir, what, args).await?;
        if out.code == Some(0) {
            Ok(out)
        } else {
            Err(self.failed(what, out.code, &out.stderr))
        }
    }

    /// Runs git (in `dir` when given) with the safe environment and the time limit.
    async fn run<I, S>(&self, dir: Option<&Path>, what: &str, args: I) -> Result<Outcome, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new("git");
        cmd.args([
            "-c",
            "core.hooksPath=/dev/null",
            "-c",
            "core.fsmonitor=false",
        ])
        .args(["-c", "credential.interactive=never"])
        .args(args);
        for var in SCRUBBED_ENV {
            cmd.env_remove(var);
        }
        cmd.env("LC_ALL", "C")
            .env("GIT_TERMINAL_PROMPT", "0")
            // Askpass programs that answer nothing: a missing credential fails at once.
            .env("GIT_ASKPASS", "true")
            .env("SSH_ASKPASS", "true")
            .env("SSH_ASKPASS_REQUIRE", "force")
            .env("GCM_INTERACTIVE", "never")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_EDITOR", "true")
            .env("GIT_MERGE_AUTOEDIT", "no")
            .env("GIT_OPTIONAL_LOCKS", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(dir) = dir {
            // No discovery: git works on this checkout and never on a repository around it.
            cmd.current_dir(dir)
                .env("GIT_DIR", dir.join(".git"))
                .env("GIT_WORK_TREE", dir);
        }
        // Its own process group, so that a timeout also stops the helpers git starts
        // (`git-remote-https`, `ssh`), which would otherwise hang on a silent server.
        #[cfg(unix)]
        cmd.process_group(0);
        tracing::debug!(what = %self.redact(what), "running git");
        let child = cmd.spawn().map_err(|source| GitError::Spawn { source })?;
        let mut group = GroupKill(child.id());
        // On timeout the future, and with it the child, is dropped: `kill_on_drop` kills git,
        // then `group` its helpers. The same happens when the sync itself is cancelled.
        let out = match tokio::time::timeout(self.timeout, child.wait_with_output()).await {
            Err(_) => {
                return Err(GitError::Timeout {
                    what: self.redact(what),
                    after: self.timeout,
                });
            }
            Ok(Err(source)) => return Err(self.io(format!("waiting for git {what}"), source)),
            Ok(Ok(out)) => out,
        };
        group.0 = None;
        Ok(Outcome {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    fn failed(&self, what: &str, code: Option<i32>, stderr: &str) -> GitError {
        GitError::Failed {
            what: self.redact(what),
            code,
            stderr_tail: tail(&self.redact(stderr)),
        }
    }

    fn io(&self, what: String, source: std::io::Error) -> GitError {
        GitError::Io {
            what: self.redact(&what),
            source,
        }
    }

    /// [`redact_url`], and the configured remote's own secrets wherever git may have echoed
    /// them outside a URL.
    fn redact(&self, text: &str) -> String {
        let mut out = redact_url(text);
        if let Some(info) = userinfo(&self.remote) {
            let password = info.split_once(':').map(|(_, p)| p);
            for secret in [Some(info), password].into_iter().flatten() {
                // Short pieces are user names like `git`, not secrets.
                if secret.len() >= 6 {
                    out = out.replace(secret, "***");
                }
            }
        }
        out
    }
}

/// Fails unless `id` is a hex object id (it is passed to git, and must never be read as an
/// option or a revision expression).
fn object_id(id: &str) -> Result<(), GitError> {
    if id.len() < 4 || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(GitError::InvalidCommit { id: id.to_owned() });
    }
    Ok(())
}

/// Replaces the user information (user name and password or token) of every URL in `text`
/// with `***`: `https://user:TOKEN@host/x.git` becomes `https://***@host/x.git`. Text without
/// URLs is returned as it is; scp-like remotes (`git@host:x.git`) carry no secret and stay.
pub fn redact_url(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = authority_end(tail);
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                out.push_str("***");
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Where the authority (`user:pass@host:port`) that starts `s` ends.
fn authority_end(s: &str) -> usize {
    s.find(|c: char| {
        matches!(c, '/' | '?' | '#' | '\'' | '"' | '`' | '<' | '>') || c.is_whitespace()
    })
    .unwrap_or(s.len())
}

/// The byte range of the user information of a URL (without the `@`), if it has one.
fn userinfo_range(url: &str) -> Option<std::ops::Range<usize>> {
    let start = url.find("://")? + 3;
    let authority = &url[start..start + authority_end(&url[start..])];
    authority.rfind('@').map(|at| start..start + at)
}

/// The user information of a URL, if it has one.
fn userinfo(url: &str) -> Option<&str> {
    userinfo_range(url).map(|r| &url[r])
}

/// The URL without its user information.
fn strip_userinfo(url: &str) -> String {
    match userinfo_range(url) {
        Some(r) => format!("{}{}", &url[..r.start], &url[r.end + 1..]),
        None => url.to_owned(),
    }
}

/// Whether two remotes name the same repository: equal but for credentials, or the same local
/// folder (git records a local path as an absolute one).
fn same_location(a: &str, b: &str) -> bool {
    if strip_userinfo(a) == strip_userinfo(b) {
        return true;
    }
    if a.contains("://") || b.contains("://") {
        return false;
    }
    match (Path::new(a).canonicalize(), Path::new(b).canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Checks that `name` is a branch name git accepts and that cannot be taken for an option or
/// a revision range: not empty, no leading `-`, no `..`, no spaces or control characters, and
/// the other rules of `git check-ref-format`.
pub fn validate_branch(name: &str) -> Result<(), GitError> {
    let reason = if name.is_empty() {
        Some("it is empty")
    } else if name.starts_with('-') {
        Some("it starts with `-`")
    } else if name.contains("..") {
        Some("it contains `..`")
    } else if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some("it contains spaces or control characters")
    } else if name.contains(['~', '^', ':', '?', '*', '[', '\\']) {
        Some("it contains one of ~ ^ : ? * [ \\")
    } else if name.contains("@{") || name == "@" {
        Some("it contains `@{` or is `@`")
    } else if name.starts_with('/') || name.ends_with('/') || name.contains("//") {
        Some("it has an empty path component")
    } else if name.ends_with('.') || name.ends_with(".lock") {
        Some("it ends with `.` or `.lock`")
    } else if name
        .split('/')
        .any(|part| part.starts_with('.') || part.ends_with(".lock"))
    {
        Some("a component starts with `.` or ends with `.lock`")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(GitError::InvalidBranch {
            name: name.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// The last lines of a command's stderr, at most [`TAIL_BYTES`] bytes.
fn tail(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let kept = lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n");
    if kept.len() <= TAIL_BYTES {
        return kept;
    }
    let mut start = kept.len() - TAIL_BYTES;
    while !kept.is_char_boundary(start) {
        start += 1;
    }
    format!("…{}", &kept[start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_user_and_password() {
        assert_eq!(
            redact_url("https://user:TOKEN@host/x.git"),
            "https://***@host/x.git"
        );
        assert_eq!(redact_url("https://TOKEN@host"), "https://***@host");
        assert_eq!(
            redact_url("fatal: unable to access 'https://u:p@h:8443/x.git/': refused"),
            "fatal: unable to access 'https://***@h:8443/x.git/': refused"
        );
    }

    #[test]
    fn redacts_every_url_and_raw_at_signs() {
        assert_eq!(
            redact_url("a http://u:p@ss@h/ b ssh://git@h:22/r c"),
            "a http://***@h/ b ssh://***@h:22/r c"
        );
    }

    #[test]
    fn leaves_text_without_credentials() {
        for text in [
            "https://host/x.git",
            "git@github.com:org/x.git",
            "/srv/git/x.git",
            "see https://host/path@v1 and mail@example.org",
            "://",
            "",
        ] {
            assert_eq!(redact_url(text), text);
        }
    }

    #[test]
    fn redacts_the_configured_secret_outside_urls() {
        let s = GitSource::new("https://user:s3cr3t-token@host/x.git", "main", "/tmp/x");
        assert_eq!(
            s.redact("Authentication failed for user:s3cr3t-token, s3cr3t-token"),
            "Authentication failed for ***, ***"
        );
        assert!(!format!("{s:?}").contains("s3cr3t"));
    }

    #[test]
    fn strips_userinfo() {
        assert_eq!(strip_userinfo("https://a:b@h/x"), "https://h/x");
        assert_eq!(strip_userinfo("https://h/x"), "https://h/x");
        assert!(same_location("https://a:old@h/x", "https://a:new@h/x"));
        assert!(!same_location("https://h/x", "https://h/y"));
    }

    #[test]
    fn branch_names() {
        for good in [
            "main",
            "release/2024",
            "content-plan",
            "v1.2",
            "feature/a_b",
        ] {
            assert!(validate_branch(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "-main",
            "--upload-pack=x",
            "a..b",
            "a b",
            "a\nb",
            "a\tb",
            "a~1",
            "HEAD^",
            "a:b",
            "a@{1}",
            "@",
            "/a",
            "a/",
            "a//b",
            "a.lock",
            ".hidden",
            "a/.b",
            "a.",
        ] {
            assert!(
                matches!(validate_branch(bad), Err(GitError::InvalidBranch { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        let text: String = (0..30).map(|i| format!("line {i}\n")).collect();
        let t = tail(&text);
        assert!(t.starts_with("line 18\n") && t.ends_with("line 29"), "{t}");
        let long = "é".repeat(3000);
        assert!(tail(&long).len() <= TAIL_BYTES + "…".len() + 1);
    }

    #[test]
    fn synced_changed() {
        let s = |p: Option<&str>| Synced {
            commit: "a".into(),
            previous: p.map(Into::into),
        };
        assert!(s(None).changed());
        assert!(s(Some("b")).changed());
        assert!(!s(Some("a")).changed());
    }
}
