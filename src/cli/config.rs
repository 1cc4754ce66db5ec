//! The daemon's configuration file (`vestnik.yaml`, kept outside the content repository):
//! where the ledger lives, the grace window, and how to reach each network. Tokens are never in
//! it: it names environment variables or secrets files (refused when others can read them).
//!
//! ```yaml
//! ledger: /var/lib/vestnik/ledger.sqlite
//! cache_dir: /var/cache/vestnik/media
//! grace_minutes: 120
//! networks:
//!   telegram: {base_url: https://api.telegram.org, token_file: /etc/vestnik/telegram.token}
//!   vk: {base_url: https://api.vk.ru, token_env: VESTNIK_VK_TOKEN}
//!   ok: {base_url: https://api.ok.ru, application_key: CBA…, secret_file: /etc/vestnik/ok.secret, token_file: /etc/vestnik/ok.token}
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::SignedDuration;

use crate::networks::Credentials;
use crate::networks::{RateLimits, Secret};
use crate::ops::logging::LogFormat;
use crate::plan::network::Network;
use crate::plan::yaml::{self, Fields};
use crate::publish::daemon::Jobs;

/// The daemon's settings.
pub struct Config {
    /// The ledger's SQLite file.
    pub ledger: PathBuf,
    /// Where processed images are cached: `cache_dir`, else the user's own cache folder
    /// ([`crate::media::cache::default_dir`]).
    pub cache_dir: PathBuf,
    /// How late a publication may still go out after downtime.
    pub grace: SignedDuration,
    /// The networks vestnik may publish to.
    pub credentials: Vec<Credentials>,
    /// Rate limits set in the config instead of the networks' documented ones.
    pub rates: Vec<(Network, RateLimits)>,
    /// The content repository as a git remote (else `--root` is read as it is).
    pub git: Option<GitConfig>,
    /// Cron expressions of the recurring jobs.
    pub jobs: Jobs,
    /// Where alerts go.
    pub alerts: Option<AlertsConfig>,
    /// The loopback address of `/healthz` and `/metrics`, if wanted.
    pub monitor: Option<SocketAddr>,
    /// Log lines as text or JSON.
    pub log: LogFormat,
    /// How long publications in flight may finish after SIGTERM.
    pub shutdown: Duration,
    /// The longest single sleep of the daemon (how late a post due while the machine was
    /// suspended can be caught).
    pub max_nap: Duration,
}

/// The content repository as a git remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitConfig {
    /// The remote (https or ssh URL, or a path).
    pub remote: String,
    /// The branch published (only what is merged into it).
    pub branch: String,
    /// The daemon's own checkout.
    pub checkout: PathBuf,
}

/// Where alerts go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertsConfig {
    /// The МЦУ chat (id or @username); the bot of `networks.telegram` sends to it.
    pub telegram_chat: String,
    /// Also send each organization's alerts to its responsible (the registry's
    /// `responsible.telegram`).
    pub responsibles: bool,
}

/// Reads the configuration at `path`. Relative paths in it are relative to its folder.
/// `content` is the content repository: a secrets file inside it is refused (it would end up in
/// git).
///
/// Fails with a message naming the file, line and field on malformed YAML, unknown fields,
/// missing secrets, secrets files that others can read, or secrets files inside `content`.
pub fn load(path: &Path, content: Option<&Path>) -> Result<Config, String> {
    let content = content.and_then(|c| c.canonicalize().ok());
    let file = path.display().to_string();
    let text = crate::plan::repo::read_file_text(path, MAX_CONFIG_BYTES)
        .map_err(|e| format!("{file}: {e}"))?;
    let node = yaml::parse(&text, 0)
        .map_err(|e| format!("{file}:{}:{}: {}", e.pos.line, e.pos.column, e.message))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let rel = |p: String| {
        if Path::new(&p).is_absolute() {
            PathBuf::from(p)
        } else {
            base.join(p)
        }
    };
    let mut diags = Vec::new();
    let mut cfg = Config {
        ledger: base.join("ledger.sqlite"),
        // Set below: from `cache_dir`, else the user's own cache folder.
        cache_dir: PathBuf::new(),
        grace: SignedDuration::from_hours(2),
        credentials: Vec::new(),
        rates: Vec::new(),
        git: None,
        jobs: Jobs::default(),
        alerts: None,
        monitor: None,
        log: LogFormat::Human,
        shutdown: Duration::from_secs(30),
        max_nap: Duration::from_secs(30),
    };
    let mut problems: Vec<String> = Vec::new();
    let mut inner = Vec::new();
    if let Some(mut f) = Fields::new(&node, "the configuration", &file, &mut diags) {
        if let Some(l) = f.str("ledger") {
            cfg.ledger = rel(l.value);
        }
        if let Some(c) = f.str("cache_dir") {
            cfg.cache_dir = rel(c.value);
        }
        if cfg.cache_dir.as_os_str().is_empty() {
            match crate::media::cache::default_dir() {
                Ok(dir) => cfg.cache_dir = dir,
                Err(e) => problems.push(format!("{file}: {e}")),
            }
        }
        if let Some(g) = f.uint("grace_minutes", 0..=366 * 24 * 60) {
            cfg.grace = SignedDuration::from_mins(i64::from(g.value));
        }
        if let Some(s) = f.uint("shutdown_seconds", 0..=600) {
            cfg.shutdown = Duration::from_secs(u64::from(s.value));
        }
        if let Some(s) = f.uint("max_nap_seconds", 1..=3600) {
            cfg.max_nap = Duration::from_secs(u64::from(s.value));
        }
        if let Some(l) = f.str("log") {
            match l.value.parse() {
                Ok(format) => cfg.log = format,
                Err(e) => problems.push(format!("{file}:{}: log: {e}", l.pos.line)),
            }
        }
        if let Some(m) = f.str("monitor") {
            match m.value.parse::<SocketAddr>() {
                Ok(a) if a.ip().is_loopback() => cfg.monitor = Some(a),
                Ok(a) => problems.push(format!(
                    "{file}:{}: monitor: {a} is not a loopback address; /healthz and /metrics have no authentication, so they listen on 127.0.0.1 or ::1 only",
                    m.pos.line
                )),
                Err(_) => problems.push(format!(
                    "{file}:{}: monitor: `{}` is not an address like 127.0.0.1:9187",
                    m.pos.line, m.value
                )),
            }
        }
        if let Some(node) = f.map("source") {
            let mut d2 = Vec::new();
            if let Some(mut g) = Fields::new(node, "the source", &file, &mut d2) {
                match (g.str("git"), g.str("checkout")) {
                    (Some(remote), Some(checkout)) => {
                        cfg.git = Some(GitConfig {
                            remote: remote.value,
                            branch: g.str("branch").map_or_else(|| "main".to_owned(), |b| b.value),
                            checkout: rel(checkout.value),
                        });
                    }
                    _ => problems.push(format!(
                        "{file}:{}: source needs `git` (the remote) and `checkout` (a folder of the daemon's own)",
                        node.pos.line
                    )),
                }
                g.finish(&["git", "branch", "checkout"]);
            }
            inner.extend(d2);
        }
        if let Some(node) = f.map("jobs") {
            let mut d2 = Vec::new();
            if let Some(mut j) = Fields::new(node, "the jobs", &file, &mut d2) {
                let cron = |j: &mut Fields, key: &str, slot: &mut Option<String>| {
                    if let Some(c) = j.str(key) {
                        *slot = (c.value != "off").then_some(c.value);
                    }
                };
                cron(&mut j, "sync", &mut cfg.jobs.sync);
                cron(&mut j, "weekly_summary", &mut cfg.jobs.weekly_summary);
                cron(&mut j, "retry_sweep", &mut cfg.jobs.retry_sweep);
                j.finish(&["sync", "weekly_summary", "retry_sweep"]);
            }
            inner.extend(d2);
        }
        if let Some(node) = f.map("alerts") {
            let mut d2 = Vec::new();
            if let Some(mut a) = Fields::new(node, "the alerts", &file, &mut d2) {
                match a.str("telegram_chat") {
                    Some(chat) => {
                        cfg.alerts = Some(AlertsConfig {
                            telegram_chat: chat.value,
                            responsibles: a.bool("responsibles").is_some_and(|b| b.value),
                        });
                    }
                    None => problems.push(format!(
                        "{file}:{}: alerts need `telegram_chat` (the МЦУ chat id or @username)",
                        node.pos.line
                    )),
                }
                a.finish(&["telegram_chat", "responsibles"]);
            }
            inner.extend(d2);
        }
        if let Some(nets) = f.map("networks") {
            for (k, v) in nets.as_map().unwrap_or_default() {
                let name = k.scalar_text().unwrap_or_default();
                let mut d2 = Vec::new();
                let Some(mut n) = Fields::new(v, "a network", &file, &mut d2) else {
                    problems.push(format!(
                        "{file}:{}: `{name}` must be a group of fields",
                        v.pos.line
                    ));
                    continue;
                };
                let base_url = n.str("base_url").map(|u| u.value);
                let mut secret = |n: &mut Fields, env: &str, file_key: &str| -> Option<Secret> {
                    if let Some(var) = n.str(env) {
                        return Secret::from_env(&var.value)
                            .map_err(|e| problems.push(format!("{name}: {e}")))
                            .ok();
                    }
                    if let Some(p) = n.str(file_key) {
                        let file = rel(p.value);
                        if let (Some(repo), Ok(real)) = (&content, file.canonicalize())
                            && real.starts_with(repo)
                        {
                            problems.push(format!(
                                "{name}: the secrets file {} is inside the content repository; move it out (e.g. to /etc/vestnik/) so it never reaches git",
                                file.display()
                            ));
                            return None;
                        }
                        return Secret::from_file(&file)
                            .map_err(|e| problems.push(format!("{name}: {e}")))
                            .ok();
                    }
                    problems.push(format!("{name}: give `{env}` (an environment variable) or `{file_key}` (a file only its owner can read)"));
                    None
                };
                if let Some(r) = n.map("rate_limits") {
                    let mut d3 = Vec::new();
                    if let Some(mut r) = Fields::new(r, "rate limits", &file, &mut d3) {
                        let default = match Network::from_key(&name) {
                            Some(Network::Vk) => RateLimits::VK,
                            Some(Network::Ok) => RateLimits::OK,
                            _ => RateLimits::TELEGRAM,
                        };
                        let limits = RateLimits {
                            global_per_sec: r
                                .uint("global_per_sec", 0..=1000)
                                .map_or(default.global_per_sec, |v| v.value),
                            per_chat_per_sec: r
                                .uint("per_chat_per_sec", 0..=1000)
                                .map_or(default.per_chat_per_sec, |v| v.value),
                            per_chat_per_min: r
                                .uint("per_chat_per_min", 0..=60_000)
                                .map_or(default.per_chat_per_min, |v| v.value),
                        };
                        r.finish(&["global_per_sec", "per_chat_per_sec", "per_chat_per_min"]);
                        if let Some(net) = Network::from_key(&name) {
                            cfg.rates.push((net, limits));
                        }
                    }
                    inner.extend(d3);
                }
                let token = secret(&mut n, "token_env", "token_file");
                match name.as_str() {
                    "telegram" => {
                        if let Some(token) = token {
                            cfg.credentials.push(Credentials::Telegram {
                                base_url: base_url
                                    .unwrap_or_else(|| "https://api.telegram.org".into()),
                                token,
                            });
                        }
                        n.finish(&["base_url", "token_env", "token_file", "rate_limits"]);
                    }
                    "vk" => {
                        if let Some(token) = token {
                            cfg.credentials.push(Credentials::Vk {
                                base_url: base_url.unwrap_or_else(|| "https://api.vk.ru".into()),
                                token,
                            });
                        }
                        n.finish(&["base_url", "token_env", "token_file", "rate_limits"]);
                    }
                    "ok" => {
                        let key = n.str("application_key").map(|k| k.value);
                        let app_secret = secret(&mut n, "secret_env", "secret_file");
                        match (token, key, app_secret) {
                            (Some(token), Some(application_key), Some(application_secret_key)) => {
                                cfg.credentials.push(Credentials::Ok {
                                    base_url: base_url
                                        .unwrap_or_else(|| "https://api.ok.ru".into()),
                                    application_key,
                                    application_secret_key,
                                    token,
                                })
                            }
                            (_, None, _) => {
                                problems.push("ok: `application_key` is missing".to_owned())
                            }
                            _ => {}
                        }
                        n.finish(&[
                            "base_url",
                            "token_env",
                            "token_file",
                            "application_key",
                            "secret_env",
                            "secret_file",
                            "rate_limits",
                        ]);
                    }
                    other => problems.push(format!(
                        "{file}:{}: unknown network `{other}` (vk, ok, telegram)",
                        k.pos.line
                    )),
                }
                inner.extend(d2);
            }
        }
        f.finish(&[
            "ledger",
            "cache_dir",
            "grace_minutes",
            "networks",
            "source",
            "jobs",
            "alerts",
            "monitor",
            "log",
            "shutdown_seconds",
            "max_nap_seconds",
        ]);
    }
    diags.extend(inner);
    problems.extend(
        diags
            .iter()
            .map(|d| format!("{}:{}:{}: {}", d.file, d.pos.line, d.pos.column, d.message)),
    );
    if problems.is_empty() {
        Ok(cfg)
    } else {
        Err(problems.join("\n"))
    }
}

/// Largest configuration file vestnik reads: a configuration is a page of settings.
pub const MAX_CONFIG_BYTES: u64 = 256 * 1024;

/// Only the ledger's path from the configuration at `path`: `status` needs no secrets.
///
/// Fails when the file cannot be read or is not valid YAML.
pub fn ledger_path(path: &Path) -> Result<PathBuf, String> {
    let file = path.display().to_string();
    let text = crate::plan::repo::read_file_text(path, MAX_CONFIG_BYTES)
        .map_err(|e| format!("{file}: {e}"))?;
    let node = yaml::parse(&text, 0)
        .map_err(|e| format!("{file}:{}:{}: {}", e.pos.line, e.pos.column, e.message))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let ledger = node
        .as_map()
        .and_then(|m| {
            m.iter()
                .find(|(k, _)| k.scalar_text().as_deref() == Some("ledger"))
        })
        .and_then(|(_, v)| v.scalar_text())
        .map_or_else(|| base.join("ledger.sqlite"), |l| base.join(l));
    Ok(ledger)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn private(path: &Path, text: &str) {
        std::fs::write(path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }

    #[test]
    fn secrets_files_must_be_private_and_outside_the_repository() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("content");
        std::fs::create_dir_all(&repo).unwrap();
        private(&dir.path().join("tg.token"), "123:abc");
        private(&repo.join("tg.token"), "123:abc");
        let cfg = dir.path().join("vestnik.yaml");
        std::fs::write(&cfg, "networks:\n  telegram: {token_file: tg.token}\n").unwrap();
        let ok = load(&cfg, Some(&repo)).unwrap();
        assert_eq!(ok.credentials.len(), 1);
        assert_eq!(ok.grace, SignedDuration::from_hours(2));
        std::fs::write(
            &cfg,
            "networks:\n  telegram: {token_file: content/tg.token}\n",
        )
        .unwrap();
        let err = load(&cfg, Some(&repo)).err().unwrap();
        assert!(err.contains("inside the content repository"), "{err}");
        assert!(!err.contains("123:abc"));
        std::fs::write(&cfg, "networks:\n  telegram: {token_fil: tg.token}\n").unwrap();
        let err = load(&cfg, Some(&repo)).err().unwrap();
        assert!(err.contains("unknown field `token_fil`"), "{err}");
    }

    #[test]
    fn the_shipped_example_has_only_known_fields() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/vestnik.example.yaml");
        // Its secrets files do not exist here; everything else must be understood.
        let err = load(&example, None).err().unwrap();
        assert!(!err.contains("unknown field"), "{err}");
        assert_eq!(err.lines().count(), 4, "{err}");
        assert!(err.lines().all(|l| l.contains("/etc/vestnik/")), "{err}");
        assert_eq!(
            ledger_path(&example).unwrap(),
            PathBuf::from("/var/lib/vestnik/ledger.sqlite")
        );
    }
}
