//! The content repository on disk: finding plan files under `plans/` and reading them safely
//! (size cap, UTF-8 check), so that a 50 MB file or binary junk becomes a diagnostic.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Rule};
use crate::source::Pos;

/// Largest plan file vestnik reads. Plans are small; anything bigger is a mistake.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// What a file under `plans/<org>/` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// One post: `.md`.
    Post,
    /// A plan with `posts:`: `.yaml` / `.yml`.
    Plan,
    /// Anything else (reported as a stray file).
    Other,
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
    let plans = root.join("plans");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&plans)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !entry.file_type()?.is_dir() {
            continue;
        }
        walk(
            &entry.path(),
            &format!("plans/{name}"),
            &name.as_str().into(),
            &mut out,
        );
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

fn walk(dir: &Path, rel: &str, folder: &Arc<str>, out: &mut Vec<PlanFile>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let child = format!("{rel}/{name}");
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&entry.path(), &child, folder, out),
            Ok(_) => {
                let lower = name.to_ascii_lowercase();
                let kind = if lower.ends_with(".md") {
                    FileKind::Post
                } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
                    FileKind::Plan
                } else {
                    FileKind::Other
                };
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

/// Reads a text file of the repository. Oversized, unreadable and non-UTF-8 files become a `yaml`
/// diagnostic instead of an error, so one bad file never stops the check of the others.
pub fn read_text(abs: &Path, rel: &str) -> Result<String, Diagnostic> {
    let bad =
        |msg: String, hint: &str| Diagnostic::new(Rule::Yaml, rel, Pos::START, msg).hint(hint);
    let file = std::fs::File::open(abs).map_err(|e| {
        bad(
            format!("cannot read the file: {}", e.kind()),
            "check the file's permissions",
        )
    })?;
    // Sized up front: avoids the probing reads of an unsized `read_to_end` on 100,000 small files.
    let size = file
        .metadata()
        .map_or(0, |m| m.len())
        .min(MAX_FILE_BYTES + 1);
    let mut bytes = Vec::with_capacity(size as usize + 1);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            bad(
                format!("cannot read the file: {}", e.kind()),
                "check the file's permissions",
            )
        })?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(bad(
            format!(
                "the file is larger than {} KiB; a plan never is",
                MAX_FILE_BYTES / 1024
            ),
            "split the plan into monthly files, and keep pictures under media/, not in plans/",
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let text = String::from_utf8_lossy(upto);
        let line = text.matches('\n').count() as u32 + 1;
        let col = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
        Diagnostic::new(
            Rule::Yaml,
            rel,
            Pos::new(line, col),
            "the file is not UTF-8 text (binary data or another encoding such as Windows-1251)",
        )
        .hint("save the file as UTF-8 in your editor; pictures belong under media/")
    })
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
        let files = plan_files(root).unwrap();
        let got: Vec<_> = files.iter().map(|f| (f.rel.as_str(), f.kind)).collect();
        assert_eq!(
            got,
            [
                ("plans/school/2026/b.yml", FileKind::Plan),
                ("plans/school/a.md", FileKind::Post),
                ("plans/school/notes.docx", FileKind::Other)
            ]
        );
        let d = read_text(
            &root.join("plans/school/notes.docx"),
            "plans/school/notes.docx",
        )
        .unwrap_err();
        assert!(d.message.contains("not UTF-8"));
        std::fs::write(
            root.join("plans/school/big.md"),
            vec![b'a'; (MAX_FILE_BYTES + 10) as usize],
        )
        .unwrap();
        assert!(
            read_text(&root.join("plans/school/big.md"), "x")
                .unwrap_err()
                .message
                .contains("larger")
        );
    }
}
