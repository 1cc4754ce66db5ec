//! Helpers for the integration tests: content repositories built in temp dirs from strings, and
//! a runner for the real `vestnik` binary that parses its JSON output.
//!
//! Modeled on ripgrep's `tests/util.rs` and just's `Test` builder: every test writes the files it
//! needs, runs the executable, and compares exact output.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// `--today` used when a test does not pick its own: Monday of 2026-W49, 00:00 local.
pub const TODAY: &str = "2026-11-30";

/// The path of the binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_vestnik"))
}

/// A command that runs `program` with its address space limited to `kb` KiB (`ulimit -v`): an
/// allocation past it fails, and the Rust binary aborts, so a test can bound memory without
/// timing anything.
pub fn limited(program: &Path, kb: u64) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {kb} && exec \"$0\" \"$@\""))
        .arg(program);
    cmd
}

/// A zlib stream that inflates to `mib` MiB of zeros (a multiple of 4), about 1 KB per MiB: one
/// deflated 4 MiB of zeros, fully flushed (byte-aligned, no reference back), repeated.
pub fn zlib_bomb(mib: u64) -> Vec<u8> {
    let zeros = vec![0u8; 4 << 20];
    let mut deflate = flate2::Compress::new(flate2::Compression::best(), false);
    let mut block = Vec::with_capacity(1 << 16);
    deflate
        .compress_vec(&zeros, &mut block, flate2::FlushCompress::Full)
        .expect("deflate zeros");
    assert_eq!(deflate.total_in(), zeros.len() as u64);
    let mut out = vec![0x78, 0xDA];
    for _ in 0..mib / 4 {
        out.extend_from_slice(&block);
    }
    // The final block, empty and stored.
    out.extend_from_slice(&[0x01, 0x00, 0x00, 0xFF, 0xFF]);
    // Adler-32 of n zeros: the low sum stays 1, the high one is n.
    let n = u32::try_from((mib << 20) % 65_521).expect("under 65 521");
    out.extend_from_slice(&((n << 16) | 1).to_be_bytes());
    out
}

/// A valid 100×100 PNG with an ICC profile, a zTXt and an iTXt chunk before its pixels, each
/// inflating to 3 GiB of zeros (about 3 MB apiece in the file).
pub fn png_with_bombs() -> Vec<u8> {
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
        100,
        100,
        image::Rgb([200, 120, 40]),
    ))
    .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
    .expect("encode a PNG");
    let bomb = zlib_bomb(3 << 10);
    let mut chunks = Vec::new();
    for (kind, head) in [
        (b"iCCP", &b"icc\0\0"[..]),
        (b"zTXt", &b"Comment\0\0"[..]),
        (b"iTXt", &b"XML:com.adobe.xmp\0\x01\0\0\0"[..]),
    ] {
        let mut body = kind.to_vec();
        body.extend_from_slice(head);
        body.extend_from_slice(&bomb);
        chunks.extend_from_slice(
            &u32::try_from(body.len() - 4)
                .expect("a chunk under 4 GB")
                .to_be_bytes(),
        );
        let mut crc = flate2::Crc::new();
        crc.update(&body);
        chunks.extend_from_slice(&body);
        chunks.extend_from_slice(&crc.sum().to_be_bytes());
    }
    // Right before the first IDAT (the signature, then chunks of length, kind, data, CRC).
    let mut at = 8;
    while &png[at + 4..at + 8] != b"IDAT" {
        at += 12
            + usize::try_from(u32::from_be_bytes(
                png[at..at + 4].try_into().expect("4 bytes"),
            ))
            .expect("a chunk length");
    }
    png.splice(at..at, chunks);
    png
}

/// A content repository in a temp dir, removed when dropped.
pub struct Repo {
    dir: tempfile::TempDir,
}

impl Default for Repo {
    fn default() -> Self {
        Self::new()
    }
}

impl Repo {
    /// An empty repository with a `plans/` folder.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("vestnik-test-")
            .tempdir()
            .expect("create a temp dir");
        std::fs::create_dir(dir.path().join("plans")).expect("create plans/");
        Self { dir }
    }

    /// A temp dir without `plans/`: not a content repository.
    pub fn bare() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("vestnik-test-")
            .tempdir()
            .expect("create a temp dir");
        Self { dir }
    }

    /// The repository's root.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `plans/registry.yaml`.
    pub fn registry(self, yaml: &str) -> Self {
        self.file("plans/registry.yaml", yaml)
    }

    /// Writes a text file at `rel`, creating its folders.
    pub fn file(self, rel: &str, text: &str) -> Self {
        self.bytes(rel, text.as_bytes())
    }

    /// Writes raw bytes at `rel`, creating its folders.
    pub fn bytes(self, rel: &str, bytes: &[u8]) -> Self {
        let path = self.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folders");
        }
        std::fs::write(&path, bytes).expect("write a file");
        self
    }

    /// Writes a `w`×`h` image at `rel`, in the format its extension names (PNG, JPEG…).
    pub fn image(self, rel: &str, w: u32, h: u32) -> Self {
        let path = self.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folders");
        }
        image::RgbImage::from_pixel(w, h, image::Rgb([200, 120, 40]))
            .save(&path)
            .expect("write an image");
        self
    }

    /// Creates a symlink at `rel` pointing to `target` (relative to the repository root).
    #[cfg(unix)]
    pub fn symlink(self, rel: &str, target: &str) -> Self {
        let path = self.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folders");
        }
        std::os::unix::fs::symlink(self.path().join(target), &path).expect("create a symlink");
        self
    }

    /// Runs `git` in the repository with a fixed identity and no user or system config.
    pub fn git(&self, args: &[&str]) -> &Self {
        super::git(self.path(), args);
        self
    }

    /// A `vestnik check` of this repository, with `--today` [`TODAY`] unless set otherwise.
    pub fn check(&self) -> Check {
        Check {
            root: self.path().to_owned(),
            today: Some(TODAY.to_owned()),
            args: Vec::new(),
            memory_kb: None,
            lang: "en",
            env: Vec::new(),
        }
    }
}

/// A `vestnik check` invocation being built.
pub struct Check {
    root: PathBuf,
    today: Option<String>,
    args: Vec<String>,
    memory_kb: Option<u64>,
    lang: &'static str,
    env: Vec<(String, String)>,
}

/// What a run of the binary printed and returned.
#[derive(Debug)]
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Check {
    /// Sets `--today`.
    pub fn today(mut self, today: &str) -> Self {
        self.today = Some(today.to_owned());
        self
    }

    /// Adds arguments.
    pub fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|s| (*s).to_owned()));
        self
    }

    /// Limits the address space of the run to `kb` KiB (see [`limited`]).
    pub fn memory_kb(mut self, kb: u64) -> Self {
        self.memory_kb = Some(kb);
        self
    }

    /// Sets an environment variable of the run.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Sets `--lang` (the tests that compare messages speak English unless they say so).
    pub fn lang(mut self, lang: &'static str) -> Self {
        self.lang = lang;
        self
    }

    /// Runs the check in `format` (`human`, `json`, `github`).
    pub fn run(&self, format: &str) -> Run {
        let mut cmd = match self.memory_kb {
            Some(kb) => limited(&bin(), kb),
            None => Command::new(bin()),
        };
        cmd.arg("check").arg("--root").arg(&self.root);
        cmd.arg("--lang").arg(self.lang);
        if let Some(t) = &self.today {
            cmd.arg("--today").arg(t);
        }
        cmd.arg("--format").arg(format).args(&self.args);
        cmd.env("NO_COLOR", "1");
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        let out = cmd.output().expect("run vestnik");
        Run {
            code: out
                .status
                .code()
                .expect("vestnik exited with a code, not a signal"),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }

    /// Runs the check with `--format json` and parses the report.
    pub fn json(&self) -> Checked {
        let run = self.run("json");
        assert!(
            run.stderr.is_empty() && run.code != 2,
            "vestnik could not run (exit {}): {}",
            run.code,
            run.stderr
        );
        let report: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("output is not JSON ({e}):\n{}", run.stdout));
        let diags = report["diagnostics"]
            .as_array()
            .expect("`diagnostics` is a list")
            .iter()
            .map(Diag::from_json)
            .collect();
        Checked {
            code: run.code,
            diags,
            summary: report["summary"].clone(),
            stdout: run.stdout,
        }
    }
}

/// One diagnostic of the JSON output.
#[derive(Debug, Clone)]
pub struct Diag {
    /// Rule id.
    pub rule: String,
    /// `error` or `warning`.
    pub severity: String,
    /// Path relative to the repository.
    pub file: String,
    /// 1-based line.
    pub line: u64,
    /// 1-based column, in characters.
    pub column: u64,
    /// The message.
    pub message: String,
    /// The hint, if any.
    pub hint: Option<String>,
    /// The organization, if any.
    pub org: Option<String>,
    /// The network key, if any.
    pub network: Option<String>,
    /// The ISO week, if any.
    pub week: Option<String>,
}

impl Diag {
    fn from_json(v: &Value) -> Self {
        let s = |k: &str| v[k].as_str().map(str::to_owned);
        let n = |k: &str| {
            v[k].as_u64()
                .unwrap_or_else(|| panic!("`{k}` is a number: {v}"))
        };
        Diag {
            rule: s("rule").expect("rule"),
            severity: s("severity").expect("severity"),
            file: s("file").expect("file"),
            line: n("line"),
            column: n("column"),
            message: s("message").expect("message"),
            hint: s("hint"),
            org: s("org"),
            network: s("network"),
            week: s("week"),
        }
    }

    /// `rule severity file:line:col`: the tuple tests compare.
    pub fn at(&self) -> String {
        format!(
            "{} {} {}:{}:{}",
            self.rule, self.severity, self.file, self.line, self.column
        )
    }
}

/// A finished `check --format json`.
#[derive(Debug)]
pub struct Checked {
    /// The exit code.
    pub code: i32,
    /// The diagnostics, in output order.
    pub diags: Vec<Diag>,
    /// The `summary` object.
    pub summary: Value,
    /// The raw output.
    pub stdout: String,
}

impl Checked {
    /// Every diagnostic as `rule severity file:line:col`, in output order.
    pub fn at(&self) -> Vec<String> {
        self.diags.iter().map(Diag::at).collect()
    }

    /// Every finding as `rule severity network week` (for the weekly rules), in output order.
    pub fn weekly(&self) -> Vec<String> {
        self.diags
            .iter()
            .map(|d| {
                format!(
                    "{} {} {} {}",
                    d.rule,
                    d.severity,
                    d.network.as_deref().unwrap_or("-"),
                    d.week.as_deref().unwrap_or("-")
                )
            })
            .collect()
    }

    /// The only diagnostic; fails the test when there is not exactly one.
    pub fn only(&self) -> &Diag {
        assert_eq!(self.diags.len(), 1, "{:#?}", self.diags);
        &self.diags[0]
    }
}

/// A registry with one organization `school` that has all three pages but is not required, so
/// neither the weekly nor the registry rules speak about it: post rules can be tested alone.
pub const REGISTRY: &str = "\
timezone: Asia/Novokuznetsk
organizations:
  - id: school
    name: МБОУ «Школа»
    required: false
    pages:
      vk: {id: 100}
      ok: {id: \"200\"}
      telegram: {id: \"@school\"}
  - id: library
    name: МБУК «Библиотека»
    required: false
    pages:
      vk: {id: 101}
";

/// A repository with [`REGISTRY`].
pub fn repo() -> Repo {
    Repo::new().registry(REGISTRY)
}

/// A post file: front matter lines (without the `---`) and a body.
pub fn post(front: &str, body: &str) -> String {
    format!("---\n{front}\n---\n{body}")
}
