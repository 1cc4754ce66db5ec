//! What changed in the content repository since the plans were last read, so that only those
//! files are read again: git's own list of changed paths between two commits in git mode
//! ([`Changes::from_paths`]), and a [`Tree`] of directory and file metadata otherwise.
//!
//! A [`Tree`] does not walk every file at every look. A directory whose modification time
//! moved had a file added, removed or renamed: it is listed again, its files compared. A file
//! edited in place moves no directory's time, so each look also lists a thirtieth of the
//! directories in turn: an edit in place is seen within thirty looks (half an hour with the
//! default `jobs.sync`; a look at a million files costs 0.27 s of CPU when it lists a tenth), and
//! a post about to be published is read from its file anyway, and read again at once when it
//! differs from what the ledger was told.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use crate::plan::registry::REGISTRY_PATH;

/// How many looks it takes for every directory to be listed again.
const ROUNDS: usize = 30;

/// Changed paths of the content repository, relative, with `/`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Everything must be read again (the registry changed, or nothing is known).
    pub all: bool,
    /// Plan files added, changed or removed.
    pub files: BTreeSet<String>,
    /// Something under `media/` changed: a refused file may be fine now (a picture it names
    /// was added), so the refused files are read again too.
    pub media: bool,
    /// The commit these changes bring the plans to (git mode), remembered once they are read.
    pub commit: Option<String>,
}

impl Changes {
    /// Everything, as at the first start.
    pub fn everything() -> Changes {
        Changes {
            all: true,
            ..Changes::default()
        }
    }

    /// Whether there is nothing to read.
    pub fn is_empty(&self) -> bool {
        !self.all && !self.media && self.files.is_empty()
    }

    /// The changes of `paths` (as `git diff --name-only` lists them).
    pub fn from_paths<I, S>(paths: I) -> Changes
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut c = Changes::default();
        for p in paths {
            c.note(p.into());
        }
        c
    }

    fn note(&mut self, path: String) {
        if path == REGISTRY_PATH {
            self.all = true;
        } else if path.starts_with("plans/") {
            self.files.insert(path);
        } else if path.starts_with("media/") {
            self.media = true;
        }
    }

    /// Adds `other` (the later commit wins).
    pub fn add(&mut self, other: Changes) {
        self.all |= other.all;
        self.media |= other.media;
        self.files.extend(other.files);
        if other.commit.is_some() {
            self.commit = other.commit;
        }
    }
}

/// One directory as last listed.
#[derive(Debug)]
struct Dir {
    /// Modification time, in nanoseconds.
    mtime: i128,
    /// Its files, sorted by name, each with a signature of its size, time and inode.
    files: Files,
    /// Its subdirectories' names.
    subdirs: Vec<Box<str>>,
}

/// File names and signatures, packed: a million files take ~24 MB instead of ~40 MB as a
/// string each.
#[derive(Debug, Default)]
struct Files {
    /// The names one after another.
    names: String,
    /// Where each name ends in `names`.
    ends: Vec<u32>,
    signatures: Vec<u64>,
}

impl Files {
    /// From `(name, signature)` pairs sorted by name.
    fn packed(list: &[(String, u64)]) -> Files {
        let mut f = Files {
            names: String::with_capacity(list.iter().map(|(n, _)| n.len()).sum()),
            ends: Vec::with_capacity(list.len()),
            signatures: Vec::with_capacity(list.len()),
        };
        for (name, sig) in list {
            f.names.push_str(name);
            f.ends
                .push(u32::try_from(f.names.len()).unwrap_or(u32::MAX));
            f.signatures.push(*sig);
        }
        f
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn iter(&self) -> impl Iterator<Item = (&str, u64)> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(self.ends.iter().copied())
            .zip(self.signatures.iter().copied())
            .map(|((a, b), sig)| (self.names.get(a as usize..b as usize).unwrap_or(""), sig))
    }
}

/// The metadata of `plans/` and `media/` as last looked at.
#[derive(Debug)]
pub struct Tree {
    root: PathBuf,
    /// By path relative to the root.
    dirs: BTreeMap<String, Dir>,
    /// The registry's signature.
    registry: Option<u64>,
    /// Which share (one in `ROUNDS`) of the directories the next look lists.
    turn: usize,
}

fn mtime_ns(meta: &std::fs::Metadata) -> i128 {
    use std::os::unix::fs::MetadataExt;
    i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec())
}

fn signature(meta: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (
        meta.len(),
        mtime_ns(meta),
        meta.ctime(),
        meta.ctime_nsec(),
        meta.ino(),
    )
        .hash(&mut h);
    h.finish()
}

impl Tree {
    /// Looks at every directory and file under `plans/` and `media/` of `root`.
    pub fn scan(root: &Path) -> Tree {
        let mut tree = Tree {
            root: root.to_owned(),
            dirs: BTreeMap::new(),
            registry: None,
            turn: 0,
        };
        tree.registry = tree.registry_signature();
        let mut ignored = Changes::default();
        for top in ["plans", "media"] {
            tree.add_dir(top.to_owned(), &mut ignored);
        }
        tree
    }

    /// How many files it knows.
    pub fn files(&self) -> usize {
        self.dirs.values().map(|d| d.files.len()).sum()
    }

    fn registry_signature(&self) -> Option<u64> {
        std::fs::metadata(self.root.join(REGISTRY_PATH))
            .ok()
            .map(|m| signature(&m))
    }

    /// What changed since the last look.
    pub fn look(&mut self) -> Changes {
        let mut changes = Changes::default();
        let registry = self.registry_signature();
        if registry != self.registry {
            self.registry = registry;
            changes.all = true;
        }
        let turn = self.turn % ROUNDS;
        self.turn = self.turn.wrapping_add(1);
        let names: Vec<String> = self.dirs.keys().cloned().collect();
        for (i, rel) in names.into_iter().enumerate() {
            let Some(dir) = self.dirs.get(&rel) else {
                // Removed with its parent in this look.
                continue;
            };
            match std::fs::symlink_metadata(self.root.join(&rel)) {
                Ok(meta) if meta.is_dir() => {
                    if mtime_ns(&meta) != dir.mtime || i % ROUNDS == turn {
                        self.relist(&rel, &mut changes);
                    }
                }
                _ => self.remove_dir(&rel, &mut changes),
            }
        }
        // A top folder that appeared.
        for top in ["plans", "media"] {
            if !self.dirs.contains_key(top) && self.root.join(top).is_dir() {
                self.add_dir(top.to_owned(), &mut changes);
            }
        }
        changes
    }

    /// Lists `rel` (known) again and notes what differs.
    fn relist(&mut self, rel: &str, changes: &mut Changes) {
        let Some(now) = self.read_dir(rel) else {
            self.remove_dir(rel, changes);
            return;
        };
        let Some(before) = self.dirs.remove(rel) else {
            return;
        };
        // Files: a merge of the two sorted lists.
        {
            let (mut a, mut b) = (before.files.iter().peekable(), now.files.iter().peekable());
            loop {
                match (a.peek(), b.peek()) {
                    (None, None) => break,
                    (Some(&(name, _)), None) => {
                        changes.note(format!("{rel}/{name}"));
                        a.next();
                    }
                    (None, Some(&(name, _))) => {
                        changes.note(format!("{rel}/{name}"));
                        b.next();
                    }
                    (Some(&(x, sx)), Some(&(y, sy))) => match x.cmp(y) {
                        std::cmp::Ordering::Less => {
                            changes.note(format!("{rel}/{x}"));
                            a.next();
                        }
                        std::cmp::Ordering::Greater => {
                            changes.note(format!("{rel}/{y}"));
                            b.next();
                        }
                        std::cmp::Ordering::Equal => {
                            if sx != sy {
                                changes.note(format!("{rel}/{x}"));
                            }
                            a.next();
                            b.next();
                        }
                    },
                }
            }
        }
        let gone: Vec<&Box<str>> = before
            .subdirs
            .iter()
            .filter(|s| !now.subdirs.contains(s))
            .collect();
        let new: Vec<Box<str>> = now
            .subdirs
            .iter()
            .filter(|s| !before.subdirs.contains(s))
            .cloned()
            .collect();
        self.dirs.insert(rel.to_owned(), now);
        for s in gone {
            self.remove_dir(&format!("{rel}/{s}"), changes);
        }
        for s in new {
            self.add_dir(format!("{rel}/{s}"), changes);
        }
    }

    /// A directory not known before: all of its files are new.
    fn add_dir(&mut self, rel: String, changes: &mut Changes) {
        let Some(dir) = self.read_dir(&rel) else {
            return;
        };
        for (name, _) in dir.files.iter() {
            changes.note(format!("{rel}/{name}"));
        }
        let subdirs = dir.subdirs.clone();
        self.dirs.insert(rel.clone(), dir);
        for s in subdirs {
            self.add_dir(format!("{rel}/{s}"), changes);
        }
    }

    /// A directory that is gone: all of its files are removed.
    fn remove_dir(&mut self, rel: &str, changes: &mut Changes) {
        let Some(dir) = self.dirs.remove(rel) else {
            return;
        };
        for (name, _) in dir.files.iter() {
            changes.note(format!("{rel}/{name}"));
        }
        for s in &dir.subdirs {
            self.remove_dir(&format!("{rel}/{s}"), changes);
        }
    }

    /// The directory `rel` as it is now: `None` when it cannot be read. Hidden entries and
    /// names that are not UTF-8 are left out, as the plans' walk leaves them.
    fn read_dir(&self, rel: &str) -> Option<Dir> {
        let path = self.root.join(rel);
        let meta = std::fs::symlink_metadata(&path).ok()?;
        if !meta.is_dir() {
            return None;
        }
        let mut files = Vec::new();
        let mut subdirs = Vec::new();
        for entry in std::fs::read_dir(&path).ok()?.flatten() {
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                subdirs.push(name.into_boxed_str());
            } else {
                files.push((name, signature(&meta)));
            }
        }
        files.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let files = Files::packed(&files);
        subdirs.sort_unstable();
        Some(Dir {
            mtime: mtime_ns(&meta),
            files,
            subdirs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn files(c: &Changes) -> Vec<&str> {
        c.files.iter().map(String::as_str).collect()
    }

    #[test]
    fn git_paths_are_sorted_into_plans_media_and_the_registry() {
        let c = Changes::from_paths(["plans/a/x.md", "media/a/p.jpg", "README.md"]);
        assert_eq!(files(&c), ["plans/a/x.md"]);
        assert!(c.media && !c.all);
        assert!(Changes::from_paths([REGISTRY_PATH]).all);
        assert!(Changes::from_paths(Vec::<String>::new()).is_empty());
    }

    #[test]
    fn a_look_finds_added_removed_edited_and_moved_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, REGISTRY_PATH, "organizations: []\n");
        write(root, "plans/a/one.md", "1");
        write(root, "plans/a/two.md", "2");
        write(root, "plans/b/deep/three.md", "3");
        let mut tree = Tree::scan(root);
        assert_eq!(tree.files(), 4);
        assert!(tree.look().is_empty(), "nothing changed");

        write(root, "plans/a/new.md", "n");
        std::fs::remove_file(root.join("plans/a/two.md")).unwrap();
        std::fs::rename(root.join("plans/b/deep"), root.join("plans/b/moved")).unwrap();
        write(root, "plans/c/four.md", "4");
        write(root, "media/a/pic.jpg", "jpeg");
        let c = tree.look();
        assert_eq!(
            files(&c),
            [
                "plans/a/new.md",
                "plans/a/two.md",
                "plans/b/deep/three.md",
                "plans/b/moved/three.md",
                "plans/c/four.md"
            ]
        );
        assert!(c.media && !c.all);
        assert!(tree.look().is_empty(), "seen once");

        write(root, REGISTRY_PATH, "organizations: [] # edited\n");
        assert!(tree.look().all);
    }

    #[test]
    fn an_edit_in_place_is_seen_within_the_rounds() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "plans/a/one.md", "1");
        let mut tree = Tree::scan(root);
        let dir_time = std::fs::metadata(root.join("plans/a"))
            .unwrap()
            .modified()
            .unwrap();
        // Same size, written in place: the folder's time does not move.
        write(root, "plans/a/one.md", "2");
        assert_eq!(
            std::fs::metadata(root.join("plans/a"))
                .unwrap()
                .modified()
                .unwrap(),
            dir_time
        );
        let seen = (0..ROUNDS).any(|_| tree.look().files.contains("plans/a/one.md"));
        assert!(seen, "the edit was never seen");
    }
}
