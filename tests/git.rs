//! `vestnik::publish::git` against the real `git`: a bare repository in a temp folder plays the remote,
//! an "author" clone pushes to it, and the daemon's checkout is synced from it. No network.
// Helpers of this test file panic on setup failures like the tests themselves.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Duration;

use vestnik::publish::git::{GitError, GitSource, validate_branch};

use crate::support;
use support::git;

/// A bare remote with one commit on `main`, an author clone that pushes to it, and the path
/// of the daemon's checkout (not created).
struct Fixture {
    _dir: tempfile::TempDir,
    bare: PathBuf,
    author: PathBuf,
    checkout: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let bare = dir.path().join("remote.git");
        let author = dir.path().join("author");
        git(
            dir.path(),
            &["init", "--quiet", "--bare", bare.to_str().unwrap()],
        );
        git(dir.path(), &["init", "--quiet", author.to_str().unwrap()]);
        git(
            &author,
            &["remote", "add", "origin", bare.to_str().unwrap()],
        );
        let f = Fixture {
            checkout: dir.path().join("daemon").join("content"),
            _dir: dir,
            bare,
            author,
        };
        f.commit("plans/a/one.md", "one", "first");
        f
    }

    fn remote(&self) -> String {
        self.bare.to_str().unwrap().to_owned()
    }

    fn source(&self) -> GitSource {
        GitSource::new(self.remote(), "main", &self.checkout).with_timeout(Duration::from_secs(60))
    }

    /// Commits `file` in the author clone and pushes `main`; returns the commit.
    fn commit(&self, file: &str, text: &str, message: &str) -> String {
        let path = self.author.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        git(&self.author, &["add", "--all"]);
        git(&self.author, &["commit", "--quiet", "-m", message]);
        git(&self.author, &["push", "--quiet", "origin", "HEAD:main"]);
        git(&self.author, &["rev-parse", "HEAD"])
    }

    fn read(&self, file: &str) -> Option<String> {
        std::fs::read_to_string(self.checkout.join(file)).ok()
    }
}

#[tokio::test]
async fn first_sync_clones() {
    let f = Fixture::new();
    let source = f.source();
    assert_eq!(source.head().await.unwrap(), None);
    let synced = source.sync().await.unwrap();
    let expected = git(&f.author, &["rev-parse", "HEAD"]);
    assert_eq!(synced.commit, expected);
    assert_eq!(synced.previous, None);
    assert!(synced.changed());
    assert_eq!(f.read("plans/a/one.md").as_deref(), Some("one"));
    assert_eq!(source.head().await.unwrap(), Some(expected));
    assert_eq!(source.checkout(), f.checkout);
    // No hidden clone folder is left next to the checkout.
    let siblings: Vec<_> = std::fs::read_dir(f.checkout.parent().unwrap())
        .unwrap()
        .collect();
    assert_eq!(siblings.len(), 1);
    let files = source.changed_files(None, &synced.commit).await.unwrap();
    assert_eq!(files, ["plans/a/one.md"]);
}

#[tokio::test]
async fn a_new_commit_is_picked_up_and_no_commit_is_no_change() {
    let f = Fixture::new();
    let source = f.source();
    let first = source.sync().await.unwrap();

    let same = source.sync().await.unwrap();
    assert!(!same.changed());
    assert_eq!(same.commit, first.commit);
    assert_eq!(same.previous.as_deref(), Some(first.commit.as_str()));

    let second = f.commit("plans/a/two.md", "two", "second");
    let synced = source.sync().await.unwrap();
    assert!(synced.changed());
    assert_eq!(synced.commit, second);
    assert_eq!(synced.previous.as_deref(), Some(first.commit.as_str()));
    assert_eq!(f.read("plans/a/two.md").as_deref(), Some("two"));
    let files = source
        .changed_files(synced.previous.as_deref(), &synced.commit)
        .await
        .unwrap();
    assert_eq!(files, ["plans/a/two.md"]);
}

#[tokio::test]
async fn a_commit_on_another_branch_is_not_picked_up() {
    let f = Fixture::new();
    let source = f.source();
    let first = source.sync().await.unwrap();
    git(&f.author, &["checkout", "--quiet", "-b", "draft"]);
    std::fs::write(f.author.join("plans/a/draft.md"), "draft").unwrap();
    git(&f.author, &["add", "--all"]);
    git(&f.author, &["commit", "--quiet", "-m", "draft"]);
    git(&f.author, &["push", "--quiet", "origin", "HEAD:draft"]);

    let synced = source.sync().await.unwrap();
    assert!(!synced.changed());
    assert_eq!(synced.commit, first.commit);
    assert_eq!(f.read("plans/a/draft.md"), None);
}

#[tokio::test]
async fn a_force_push_is_not_a_fast_forward_and_the_checkout_stays() {
    let f = Fixture::new();
    let source = f.source();
    source.sync().await.unwrap();
    let kept = f.commit("plans/a/two.md", "two", "second");
    source.sync().await.unwrap();

    git(&f.author, &["reset", "--quiet", "--hard", "HEAD~1"]);
    std::fs::write(f.author.join("plans/a/other.md"), "other").unwrap();
    git(&f.author, &["add", "--all"]);
    git(&f.author, &["commit", "--quiet", "-m", "rewritten"]);
    git(
        &f.author,
        &["push", "--quiet", "--force", "origin", "HEAD:main"],
    );
    let rewritten = git(&f.author, &["rev-parse", "HEAD"]);

    for _ in 0..2 {
        // Reported again on the next sync, not quietly accepted.
        match source.sync().await {
            Err(GitError::NotFastForward { local, remote, .. }) => {
                assert_eq!(local, kept);
                assert_eq!(remote, rewritten);
            }
            other => panic!("expected NotFastForward, got {other:?}"),
        }
        assert_eq!(source.head().await.unwrap().as_deref(), Some(kept.as_str()));
        assert_eq!(f.read("plans/a/two.md").as_deref(), Some("two"));
        assert_eq!(f.read("plans/a/other.md"), None);
    }
}

#[tokio::test]
async fn hand_edits_in_the_checkout_are_reset() {
    let f = Fixture::new();
    let source = f.source();
    let first = source.sync().await.unwrap();
    std::fs::write(f.checkout.join("plans/a/one.md"), "edited by hand").unwrap();
    std::fs::write(f.checkout.join("plans/a/extra.md"), "not merged").unwrap();
    std::fs::write(f.checkout.join(".gitignore"), "ignored.md\n").unwrap();
    std::fs::write(f.checkout.join("plans/a/ignored.md"), "not merged").unwrap();

    let synced = source.sync().await.unwrap();
    assert_eq!(synced.commit, first.commit);
    assert_eq!(f.read("plans/a/one.md").as_deref(), Some("one"));
    assert_eq!(f.read("plans/a/extra.md"), None);
    assert_eq!(f.read("plans/a/ignored.md"), None);
    assert_eq!(f.read(".gitignore"), None);

    // Edits also do not block picking up a new commit.
    std::fs::write(f.checkout.join("plans/a/one.md"), "edited again").unwrap();
    let second = f.commit("plans/a/one.md", "one, v2", "second");
    let synced = source.sync().await.unwrap();
    assert_eq!(synced.commit, second);
    assert_eq!(f.read("plans/a/one.md").as_deref(), Some("one, v2"));
}

#[tokio::test]
async fn a_local_commit_in_the_checkout_is_dropped() {
    let f = Fixture::new();
    let source = f.source();
    let first = source.sync().await.unwrap();
    std::fs::write(f.checkout.join("plans/a/local.md"), "unmerged").unwrap();
    git(&f.checkout, &["add", "--all"]);
    git(&f.checkout, &["commit", "--quiet", "-m", "local"]);

    let synced = source.sync().await.unwrap();
    assert_eq!(synced.commit, first.commit);
    assert!(synced.changed(), "the checkout was at the local commit");
    assert_eq!(f.read("plans/a/local.md"), None);
}

#[tokio::test]
async fn a_missing_remote_is_a_clear_error() {
    let f = Fixture::new();
    let missing = f.bare.with_file_name("nope.git");
    let source = GitSource::new(missing.to_str().unwrap(), "main", &f.checkout);
    let err = source.sync().await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, GitError::Failed { .. }), "{err:?}");
    assert!(
        text.contains("clone of") && text.contains("nope.git"),
        "{text}"
    );
    assert!(text.contains("does not exist"), "{text}");
    assert!(!f.checkout.exists());
    assert_eq!(
        std::fs::read_dir(f.checkout.parent().unwrap())
            .unwrap()
            .count(),
        0
    );
}

#[tokio::test]
async fn a_missing_branch_is_a_clear_error() {
    let f = Fixture::new();
    let source = GitSource::new(f.remote(), "release", &f.checkout);
    let text = source.sync().await.unwrap_err().to_string();
    assert!(
        text.contains("release") && text.contains("not found"),
        "{text}"
    );
}

#[tokio::test]
async fn a_changed_remote_is_an_error() {
    let f = Fixture::new();
    f.source().sync().await.unwrap();
    let other = f.bare.with_file_name("other.git");
    git(
        f.author.parent().unwrap(),
        &[
            "clone",
            "--quiet",
            "--bare",
            f.remote().as_str(),
            other.to_str().unwrap(),
        ],
    );
    let source = GitSource::new(other.to_str().unwrap(), "main", &f.checkout);
    let err = source.sync().await.unwrap_err();
    assert!(matches!(err, GitError::RemoteChanged { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("delete") && text.contains("other.git"),
        "{text}"
    );
}

#[tokio::test]
async fn a_relative_path_to_the_same_remote_is_the_same_remote() {
    let f = Fixture::new();
    f.source().sync().await.unwrap();
    let with_dot = format!("{}/./", f.remote());
    let source = GitSource::new(with_dot, "main", &f.checkout);
    source.sync().await.unwrap();
}

#[tokio::test]
async fn a_folder_that_is_not_a_checkout_is_left_alone() {
    let f = Fixture::new();
    std::fs::create_dir_all(&f.checkout).unwrap();
    std::fs::write(f.checkout.join("notes.txt"), "mine").unwrap();
    let err = f.source().sync().await.unwrap_err();
    assert!(matches!(err, GitError::NotARepository { .. }), "{err:?}");
    assert!(matches!(
        f.source().head().await,
        Err(GitError::NotARepository { .. })
    ));
    assert_eq!(f.read("notes.txt").as_deref(), Some("mine"));
}

#[tokio::test]
async fn an_empty_folder_and_a_stale_partial_clone_do_not_block_the_clone() {
    let f = Fixture::new();
    std::fs::create_dir_all(&f.checkout).unwrap();
    let stale = f.checkout.with_file_name(".content.cloning");
    std::fs::create_dir_all(stale.join(".git")).unwrap();
    std::fs::write(stale.join("half"), "x").unwrap();
    f.source().sync().await.unwrap();
    assert_eq!(f.read("plans/a/one.md").as_deref(), Some("one"));
    assert!(!stale.exists());
}

#[tokio::test]
async fn credentials_in_the_remote_never_reach_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let source = GitSource::new(
        "https://user:s3cr3t@127.0.0.1:9/x.git",
        "main",
        dir.path().join("content"),
    )
    .with_timeout(Duration::from_secs(60));
    assert!(!format!("{source:?}").contains("s3cr3t"));
    let err = source.sync().await.unwrap_err();
    let (display, debug) = (err.to_string(), format!("{err:?}"));
    assert!(!display.contains("s3cr3t"), "{display}");
    assert!(!debug.contains("s3cr3t"), "{debug}");
    assert!(
        display.contains("https://***@127.0.0.1:9/x.git"),
        "{display}"
    );
}

#[tokio::test]
async fn a_hanging_remote_times_out() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts and never answers.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            held.push(conn);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let checkout = dir.path().join("content");
    let source = GitSource::new(
        format!("http://user:tok3n-secret@127.0.0.1:{port}/x.git"),
        "main",
        &checkout,
    )
    .with_timeout(Duration::from_secs(2));
    let err = source.sync().await.unwrap_err();
    assert!(matches!(err, GitError::Timeout { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("tok3n"), "{err:?}");
    assert!(!checkout.exists());
    assert!(!dir.path().join(".content.cloning").exists());
    // The helper git started (`git-remote-http`) is stopped too, not left hanging.
    #[cfg(target_os = "linux")]
    {
        let needle = format!("127.0.0.1:{port}");
        let alive = || {
            std::fs::read_dir("/proc").unwrap().flatten().any(|e| {
                std::fs::read(e.path().join("cmdline"))
                    .is_ok_and(|c| String::from_utf8_lossy(&c).contains(&needle))
            })
        };
        let mut waited = 0;
        while alive() && waited < 40 {
            std::thread::sleep(Duration::from_millis(50));
            waited += 1;
        }
        assert!(!alive(), "a git process for {needle} is still running");
    }
}

#[tokio::test]
async fn branch_names_that_could_be_options_are_rejected() {
    let f = Fixture::new();
    for bad in [
        "--upload-pack=touch /tmp/pwned",
        "-b",
        "main..evil",
        "a b",
        "a\u{7}b",
        "",
    ] {
        assert!(
            matches!(validate_branch(bad), Err(GitError::InvalidBranch { .. })),
            "{bad:?}"
        );
        let source = GitSource::new(f.remote(), bad, &f.checkout);
        let err = source.sync().await.unwrap_err();
        assert!(matches!(err, GitError::InvalidBranch { .. }), "{err:?}");
    }
    assert!(!f.checkout.exists());
    let source = GitSource::new("--upload-pack=x", "main", &f.checkout);
    assert!(matches!(
        source.sync().await,
        Err(GitError::InvalidRemote { .. })
    ));
}

/// The registry watch reads a file as it was at a commit, from the checkout's objects: any
/// commit the checkout has, not only its current one; a missing file or commit, an id that is
/// not hex and a file over the cap are errors.
#[tokio::test]
async fn a_file_is_read_as_it_was_at_a_commit() {
    let f = Fixture::new();
    let source = f.source();
    let first = source.sync().await.unwrap();
    let second = f.commit("plans/a/one.md", "one, v2", "second");
    source.sync().await.unwrap();
    assert_eq!(
        source
            .file_at(&first.commit, "plans/a/one.md")
            .await
            .unwrap(),
        "one"
    );
    assert_eq!(
        source.file_at(&second, "plans/a/one.md").await.unwrap(),
        "one, v2"
    );
    for (commit, path) in [
        (first.commit.as_str(), "plans/a/none.md"),
        ("0123456789abcdef0123456789abcdef01234567", "plans/a/one.md"),
    ] {
        let err = source.file_at(commit, path).await.unwrap_err();
        assert!(matches!(err, GitError::Failed { .. }), "{err:?}");
    }
    for bad in ["--output=x", "HEAD", "main~1"] {
        assert!(matches!(
            source.file_at(bad, "plans/a/one.md").await,
            Err(GitError::InvalidCommit { .. })
        ));
    }
    let cap = vestnik::plan::repo::MAX_FILE_BYTES;
    let big = f.commit(
        "plans/registry.yaml",
        &"x".repeat(usize::try_from(cap).unwrap() + 1),
        "big",
    );
    source.sync().await.unwrap();
    let err = source
        .file_at(&big, "plans/registry.yaml")
        .await
        .unwrap_err();
    assert!(matches!(err, GitError::TooLarge { .. }), "{err:?}");
}
