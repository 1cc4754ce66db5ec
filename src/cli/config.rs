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

    /// Every kind of problem at once: the text and the order of the lines are pinned.
    #[test]
    fn problems_keep_their_text_and_order() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("content");
        std::fs::create_dir_all(&repo).unwrap();
        private(&repo.join("tok"), "123:abc");
        let cfg = dir.path().join("vestnik.yaml");
        let load_err = |text: &str| {
            std::fs::write(&cfg, text).unwrap();
            let err = load(&cfg, Some(&repo)).err().unwrap();
            err.replace(&dir.path().display().to_string(), "D")
        };
        let err = load_err(
            "ledger: [x]\n\
             graze_minutes: 5\n\
             grace_minutes: 999999999\n\
             shutdown_seconds: 601\n\
             max_nap_seconds: 0\n\
             log: xml\n\
             monitor: 10.0.0.1:80\n\
             source: {git: x, brnch: y}\n\
             jobs: {sync: 5, weekly: x}\n\
             alerts: {responsibles: yes}\n\
             networks:\n\
             \x20 telegram: 5\n\
             \x20 vk: {token_env: VESTNIK_NO_SUCH_VAR_X, rate_limits: {global_per_sec: 5000, foo: 1}, extra: 1}\n\
             \x20 ok: {token_file: content/tok, secret_env: VESTNIK_NO_SUCH_VAR_Y, rate_limits: 3}\n\
             \x20 mastodon: {rate_limits: [1], x: 1}\n",
        );
        let expected = [
            "D/vestnik.yaml:6: log: unknown log format `xml`: expected `human` or `json`",
            "D/vestnik.yaml:7: monitor: 10.0.0.1:80 is not a loopback address; /healthz and /metrics have no authentication, so they listen on 127.0.0.1 or ::1 only",
            "D/vestnik.yaml:8: source needs `git` (the remote) and `checkout` (a folder of the daemon's own)",
            "D/vestnik.yaml:10: alerts need `telegram_chat` (the МЦУ chat id or @username)",
            "D/vestnik.yaml:12: `telegram` must be a group of fields",
            "vk: the environment variable VESTNIK_NO_SUCH_VAR_X is not set",
            "ok: the secrets file D/content/tok is inside the content repository; move it out (e.g. to /etc/vestnik/) so it never reaches git",
            "ok: the environment variable VESTNIK_NO_SUCH_VAR_Y is not set",
            "ok: `application_key` is missing",
            "mastodon: give `token_env` (an environment variable) or `token_file` (a file only its owner can read)",
            "D/vestnik.yaml:15: unknown network `mastodon` (vk, ok, telegram)",
            "D/vestnik.yaml:1:9: `ledger` in the configuration must be text, found a list",
            "D/vestnik.yaml:3:16: `grace_minutes` in the configuration must be a whole number from 0 to 527040, found a number",
            "D/vestnik.yaml:4:19: `shutdown_seconds` in the configuration must be a whole number from 0 to 600, found a number",
            "D/vestnik.yaml:5:18: `max_nap_seconds` in the configuration must be a whole number from 1 to 3600, found a number",
            "D/vestnik.yaml:2:1: unknown field `graze_minutes` in the configuration",
            "D/vestnik.yaml:8:18: unknown field `brnch` in the source",
            "D/vestnik.yaml:9:17: unknown field `weekly` in the jobs",
            "D/vestnik.yaml:10:10: unknown field `responsibles` in the alerts",
            "D/vestnik.yaml:13:72: `global_per_sec` in rate limits must be a whole number from 0 to 1000, found a number",
            "D/vestnik.yaml:13:78: unknown field `foo` in rate limits",
            "D/vestnik.yaml:13:87: unknown field `extra` in a network",
            "D/vestnik.yaml:14:81: `rate_limits` in a network must be a group of fields, found a number",
            "D/vestnik.yaml:15:27: `rate_limits` in a network must be a group of fields, found a list",
        ];
        assert_eq!(err, expected.join("\n"));
        let err = load_err("monitor: nonsense\nsource: 5\nnetworks: {vk: {token_file: nope}}\n");
        let expected = [
            "D/vestnik.yaml:1: monitor: `nonsense` is not an address like 127.0.0.1:9187",
            "vk: cannot read the secrets file D/nope: entity not found",
            "D/vestnik.yaml:2:9: `source` in the configuration must be a group of fields, found a number",
        ];
        assert_eq!(err, expected.join("\n"));
        assert_eq!(
            load_err("- a\n"),
            "D/vestnik.yaml:1:1: the configuration must be a group of `field: value` lines, found a list"
        );
        assert_eq!(
            load_err(""),
            "D/vestnik.yaml:1:1: the configuration must be a group of `field: value` lines, found nothing"
        );
        assert_eq!(
            load_err("a: [\n"),
            "D/vestnik.yaml:1:4: unclosed bracket '['"
        );
    }

    /// Every section, read into its typed part.
    #[test]
    fn every_section_is_read() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["tg.token", "vk.token", "ok.token", "ok.secret"] {
            private(&dir.path().join(f), "123:abc");
        }
        let cfg = dir.path().join("vestnik.yaml");
        std::fs::write(
            &cfg,
            "ledger: l.sqlite\n\
             cache_dir: /tmp/media\n\
             grace_minutes: 5\n\
             shutdown_seconds: 7\n\
             max_nap_seconds: 9\n\
             log: JSON\n\
             monitor: '[::1]:9187'\n\
             source: {git: g, checkout: co}\n\
             jobs: {sync: 'off', retry_sweep: '0 * * * * *'}\n\
             alerts: {telegram_chat: '@mcu', responsibles: true}\n\
             networks:\n\
             \x20 telegram: {token_file: tg.token}\n\
             \x20 vk: {token_file: vk.token, base_url: http://vk, rate_limits: {global_per_sec: 2}}\n\
             \x20 ok: {token_file: ok.token, secret_file: ok.secret, application_key: K}\n",
        )
        .unwrap();
        let c = load(&cfg, None).ok().unwrap();
        assert_eq!(c.ledger, dir.path().join("l.sqlite"));
        assert_eq!(c.cache_dir, PathBuf::from("/tmp/media"));
        assert_eq!(c.grace, SignedDuration::from_mins(5));
        assert_eq!(c.shutdown, Duration::from_secs(7));
        assert_eq!(c.max_nap, Duration::from_secs(9));
        assert_eq!(c.log, LogFormat::Json);
        assert_eq!(c.monitor, Some("[::1]:9187".parse().unwrap()));
        let git = c.git.unwrap();
        assert_eq!((git.remote.as_str(), git.branch.as_str()), ("g", "main"));
        assert_eq!(git.checkout, dir.path().join("co"));
        assert_eq!(c.jobs.sync, None);
        assert_eq!(c.jobs.weekly_summary, Jobs::default().weekly_summary);
        assert_eq!(c.jobs.retry_sweep.as_deref(), Some("0 * * * * *"));
        let alerts = c.alerts.unwrap();
        assert!(alerts.responsibles && alerts.telegram_chat == "@mcu");
        assert!(matches!(
            c.credentials.as_slice(),
            [
                Credentials::Telegram { .. },
                Credentials::Vk { base_url, .. },
                Credentials::Ok { application_key, .. },
            ] if base_url == "http://vk" && application_key == "K"
        ));
        let vk = RateLimits {
            global_per_sec: 2,
            ..RateLimits::VK
        };
        assert_eq!(c.rates, vec![(Network::Vk, vk)]);
    }
}
