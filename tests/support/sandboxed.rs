//! A content repository of two organizations ([`REGISTRY`]) published by the real binary into
//! the sandbox's emulators: the setup of the tests that publish and then look at the pages and
//! the ledger (`hostile`, `status`).

use std::path::Path;
use std::process::{Command, Output};

use vestnik::networks::sandbox::{self, Sandbox};
use vestnik::plan::registry::Registry;

/// Two organizations, each with all three pages.
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
  - id: other
    name: МБУК «Другая»
    required: false
    pages:
      vk: {id: 101}
      ok: {id: \"201\"}
      telegram: {id: \"@other\"}
";

pub const NOW: &str = "2026-12-02 12:00";

pub fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

pub fn post(front: &str, body: &str) -> String {
    format!("---\n{front}\n---\n{body}\n")
}

/// A content repository with [`REGISTRY`], the sandbox seeded with its pages, and a
/// configuration reaching it.
pub struct Setup {
    /// The content repository.
    pub content: tempfile::TempDir,
    /// The configuration's folder (ledger, cache, secrets).
    pub dir: tempfile::TempDir,
    /// The emulators.
    pub sb: Sandbox,
}

impl Setup {
    /// The repository, the sandbox and the configuration.
    pub async fn new() -> Setup {
        let content = tempfile::tempdir().unwrap();
        write(content.path(), "plans/registry.yaml", REGISTRY);
        let (reg, _) = Registry::parse(REGISTRY, "plans/registry.yaml");
        let sb = sandbox::start(&reg).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("vestnik.yaml"),
            format!(
                "ledger: ledger.sqlite\ncache_dir: cache\ngrace_minutes: 100000\n{}",
                super::networks_yaml(dir.path(), &sb)
            ),
        )
        .unwrap();
        Setup { content, dir, sb }
    }

    /// Writes a file of the content repository.
    pub fn file(&self, rel: &str, text: &str) {
        write(self.content.path(), rel, text);
    }

    /// `vestnik publish --due` at [`NOW`].
    pub async fn publish(&self) -> Output {
        self.publish_at(NOW).await
    }

    /// `vestnik publish --due --now <now>`, in the default language.
    pub async fn publish_at(&self, now: &str) -> Output {
        self.vestnik(&["publish", "--due", "--now", now]).await
    }

    /// The real binary with `args`, then `--root` and `--config` of this setup.
    pub async fn vestnik(&self, args: &[&str]) -> Output {
        let root = self.content.path().to_owned();
        let config = self.dir.path().join("vestnik.yaml");
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_vestnik"))
                .args(&args)
                .arg("--root")
                .arg(root)
                .arg("--config")
                .arg(config)
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    }

    /// Texts on the VK walls of `school` (100) and `other` (101), and the number of messages in
    /// their Telegram channels and topics in their OK groups.
    pub fn pages(&self) -> (Vec<String>, Vec<String>, usize, usize) {
        let wall = |id| {
            let mut t: Vec<String> = self
                .sb
                .vk
                .state
                .wall(id)
                .iter()
                .map(|p| p.message.clone())
                .collect();
            t.sort();
            t
        };
        let others =
            self.sb.telegram.state.messages("@other").len() + self.sb.ok.state.topics("201").len();
        let school =
            self.sb.telegram.state.messages("@school").len() + self.sb.ok.state.topics("200").len();
        (wall(100), wall(101), school, others)
    }

    /// The ledger's rows, as JSON text.
    pub fn alerts_and_status(&self) -> String {
        let rows = super::ledger_rows(&self.dir.path().join("vestnik.yaml"));
        serde_json::to_string(&rows).unwrap()
    }
}
