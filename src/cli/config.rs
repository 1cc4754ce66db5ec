//! The daemon's configuration file (`vestnik.yaml`, kept outside the content repository):
//! where the ledger lives, the grace window, and how to reach each network. Tokens are never in
//! it: it names environment variables or secrets files (refused when others can read them).
//!
//! ```yaml
//! ledger: /var/lib/vestnik/ledger.sqlite
//! cache_dir: /var/cache/vestnik/media
//! grace_minutes: 120
//! media_ahead_minutes: 180
//! upload_ahead: true
//! ffmpeg: /usr/bin/ffmpeg      # the programs that adapt clips (default: on PATH)
//! ffprobe: /usr/bin/ffprobe
//! networks:
//!   telegram: {base_url: https://api.telegram.org, token_file: /etc/vestnik/telegram.token}
//!   vk: {base_url: https://api.vk.ru, token_env: VESTNIK_VK_TOKEN}
//!   ok: {base_url: https://api.ok.ru, application_key: CBA…, secret_file: /etc/vestnik/ok.secret, token_file: /etc/vestnik/ok.token}
//! ```

use crate::locale::Lang;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::SignedDuration;

use crate::networks::Credentials;
use crate::networks::{RateLimits, Secret, SecretError};
use crate::ops::logging::LogFormat;
use crate::plan::diagnostic::Diagnostic;
use crate::plan::network::Network;
use crate::plan::source::Pos;
use crate::plan::yaml::{self, At, Fields, Node, What};
use crate::publish::daemon::Jobs;
use crate::publish::ledger::location::Location;

/// The daemon's settings.
pub struct Config {
    /// Where the ledger lives: a SQLite file, or a PostgreSQL database (`postgres://…`).
    pub ledger: crate::publish::ledger::location::Location,
    /// Where processed images are cached: `cache_dir`, else the user's own cache folder
    /// ([`crate::media::cache::default_dir`]).
    pub cache_dir: PathBuf,
    /// How late a publication may still go out after downtime.
    pub grace: SignedDuration,
    /// How far ahead the daemon prepares the pictures of what is due (`media_ahead_minutes`,
    /// 0 to 1440; 0 prepares them at send time only).
    pub media_ahead: SignedDuration,
    /// Whether the pictures of VK and OK publications prepared ahead are uploaded ahead too
    /// (`upload_ahead`, default `true`), so that at the deadline only the post is sent.
    pub upload_ahead: bool,
    /// The programs that probe and adapt clips (`ffmpeg`, `ffprobe`: paths; default: the
    /// environment's `VESTNIK_FFMPEG`/`VESTNIK_FFPROBE`, else the programs on `PATH`).
    pub tools: crate::media::video::Tools,
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
    /// `language:` of the texts people read (alerts, the weekly summary), unless `--lang` or
    /// `VESTNIK_LANG` says otherwise.
    pub language: Option<Lang>,
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

/// A problem found in the configuration file, in the language of the process's texts (like the
/// YAML reader's [`Diagnostic`]s it is made of). It prints as `vestnik` always printed it: see
/// [`Place`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The configuration file, as given on the command line.
    pub file: String,
    /// Where in it, which also decides how the problem is printed.
    pub at: Place,
    /// What is wrong, in plain words.
    pub message: String,
}

/// Where a [`ConfigProblem`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The file as a whole: `{file}: {message}`.
    File,
    /// One line: `{file}:{line}: {message}`.
    Line(u32),
    /// A line and column, as the YAML reader reports them: `{file}:{line}:{col}: {message}`.
    Column(Pos),
    /// A network's secrets or keys, named without the file: `{network}: {message}`.
    Network(String),
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (file, message) = (&self.file, &self.message);
        match &self.at {
            Place::File => write!(f, "{file}: {message}"),
            Place::Line(line) => write!(f, "{file}:{line}: {message}"),
            Place::Column(pos) => write!(f, "{file}:{}:{}: {message}", pos.line, pos.column),
            Place::Network(network) => f.write_str(&crate::t!(
                "config-at-network",
                network = network.as_str(),
                problem = message.as_str()
            )),
        }
    }
}

/// The YAML reader's finding, without its hint (as always printed for the configuration).
impl From<Diagnostic> for ConfigProblem {
    fn from(d: Diagnostic) -> ConfigProblem {
        ConfigProblem {
            file: d.file,
            at: Place::Column(d.pos),
            message: d.message,
        }
    }
}

/// Every problem of a configuration that cannot be used, one a line when printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub Vec<ConfigProblem>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Reads the configuration at `path`. Relative paths in it are relative to its folder.
/// `content` is the content repository: a secrets file inside it is refused (it would end up in
/// git).
///
/// Fails with a message naming the file, line and field on malformed YAML, unknown fields,
/// missing secrets, secrets files that others can read, or secrets files inside `content`: the
/// [`ConfigProblem`]s of [`read`], one a line.
pub fn load(path: &Path, content: Option<&Path>) -> Result<Config, ConfigError> {
    read(path, content).map_err(ConfigError)
}

/// [`load`], with the problems as values: first those found while reading the sections (missing
/// or refused values, in the file's order), then the YAML reader's findings at the top level,
/// then its findings inside the sections.
///
/// Fails when the file cannot be read, is not valid YAML, or has any problem.
pub fn read(path: &Path, content: Option<&Path>) -> Result<Config, Vec<ConfigProblem>> {
    let content = content.and_then(|c| c.canonicalize().ok());
    let (file, node) = read_yaml(path).map_err(|p| vec![p])?;
    let mut r = Reading {
        file: &file,
        base: path.parent().unwrap_or(Path::new(".")),
        content: content.as_deref(),
        problems: Vec::new(),
        nested: Vec::new(),
    };
    let mut top = Vec::new();
    let cfg = Fields::new(&node, What::Msg("what-config"), &file, &mut top)
        .map(|f| read_config(f, &mut r));
    let problems = r.into_problems(top);
    match cfg {
        Some(cfg) if problems.is_empty() => Ok(cfg),
        _ => Err(problems),
    }
}

/// The text of the configuration at `path` as YAML, with the file's name for messages.
fn read_yaml(path: &Path) -> Result<(String, Node), ConfigProblem> {
    let file = path.display().to_string();
    let problem = |at, message: String| ConfigProblem {
        file: file.clone(),
        at,
        message,
    };
    let text = crate::plan::repo::read_file_text(path, MAX_CONFIG_BYTES)
        .map_err(|e| problem(Place::File, e.to_string()))?;
    let node = yaml::parse(&text, 0).map_err(|e| {
        let message = crate::t!("config-yaml", error = e.message.as_str());
        problem(Place::Column(e.pos), message)
    })?;
    Ok((file, node))
}

/// What reading the configuration needs besides the YAML, and the problems found so far.
struct Reading<'a> {
    /// The configuration file, for messages.
    file: &'a str,
    /// Its folder: relative paths in it start there.
    base: &'a Path,
    /// The content repository (canonical), where no secrets file may be.
    content: Option<&'a Path>,
    /// Missing or refused values, in the order they were read.
    problems: Vec<ConfigProblem>,
    /// The YAML reader's findings inside the sections, each section's once it is read.
    nested: Vec<Diagnostic>,
}

impl Reading<'_> {
    /// `p` as written, or under the configuration's folder when relative.
    fn rel(&self, p: String) -> PathBuf {
        if Path::new(&p).is_absolute() {
            PathBuf::from(p)
        } else {
            self.base.join(p)
        }
    }

    /// Notes a problem `at` a place of the file.
    fn problem(&mut self, at: Place, message: impl Into<String>) {
        self.problems.push(ConfigProblem {
            file: self.file.to_owned(),
            at,
            message: message.into(),
        });
    }

    /// The value, or `None` with its problem noted.
    fn keep<T>(&mut self, value: Result<T, ConfigProblem>) -> Option<T> {
        value.map_err(|p| self.problems.push(p)).ok()
    }

    /// Reads the mapping `node` (describing `what`) with `read`; the reader's findings join
    /// [`Reading::nested`] once `read` is done. `None`, with nothing noted, when `node` is not a
    /// mapping: callers either checked that already ([`Fields::map`]) or say so in their own words.
    fn section<T>(
        &mut self,
        node: &Node,
        what: What,
        read: impl FnOnce(Fields<'_, '_>, &mut Self) -> T,
    ) -> Option<T> {
        let mut found = Vec::new();
        let fields = Fields::new(node, what, self.file, &mut found)?;
        let value = read(fields, self);
        self.nested.extend(found);
        Some(value)
    }

    /// Every problem, in the order they are printed: the sections' own, then the YAML reader's
    /// at the top level (`top`), then its findings inside the sections.
    fn into_problems(self, top: Vec<Diagnostic>) -> Vec<ConfigProblem> {
        let found = top.into_iter().chain(self.nested).map(ConfigProblem::from);
        self.problems.into_iter().chain(found).collect()
    }
}

/// The top level of the configuration, every section in the file's order.
fn read_config(mut f: Fields<'_, '_>, r: &mut Reading) -> Config {
    let mut ledger = f.str("ledger").map_or_else(
        || Location::Sqlite(r.base.join("ledger.sqlite")),
        |l| Location::parse(&l.value, r.base),
    );
    // With PostgreSQL: how long a daemon holds a row it claimed, or an alert it delivers.
    let (shortest, longest) = crate::publish::ledger::postgres::LEASE_BOUNDS;
    if let Some(seconds) = f.uint(
        "ledger_lease_seconds",
        shortest.as_secs() as u32..=longest.as_secs() as u32,
    ) && let Location::Postgres { lease, .. } = &mut ledger
    {
        *lease = Duration::from_secs(u64::from(seconds.value));
    }
    let cache_dir = read_cache_dir(f.str("cache_dir"), r);
    let grace = f
        .uint("grace_minutes", 0..=366 * 24 * 60)
        .map_or(SignedDuration::from_hours(2), |g| {
            SignedDuration::from_mins(i64::from(g.value))
        });
    let media_ahead = f
        .uint("media_ahead_minutes", 0..=24 * 60)
        .map_or(crate::publish::ahead::HORIZON, |m| {
            SignedDuration::from_mins(i64::from(m.value))
        });
    let upload_ahead = f.bool("upload_ahead").is_none_or(|b| b.value);
    // A bare name is looked up on PATH; a path is relative to this file.
    let program = |p: At<String>, r: &Reading| {
        if p.value.contains('/') {
            r.rel(p.value)
        } else {
            PathBuf::from(p.value)
        }
    };
    let mut tools = crate::media::video::Tools::default();
    if let Some(p) = f.str("ffmpeg") {
        tools.ffmpeg = program(p, r);
    }
    if let Some(p) = f.str("ffprobe") {
        tools.ffprobe = program(p, r);
    }
    let seconds = |s: At<u32>| Duration::from_secs(u64::from(s.value));
    let shutdown = f
        .uint("shutdown_seconds", 0..=600)
        .map_or(Duration::from_secs(30), seconds);
    let max_nap = f
        .uint("max_nap_seconds", 1..=3600)
        .map_or(Duration::from_secs(30), seconds);
    let log = f.str("log").and_then(|l| r.keep(read_log(l, r.file)));
    let language = f
        .str("language")
        .and_then(|l| r.keep(read_language(l, r.file)));
    let monitor = f
        .str("monitor")
        .and_then(|m| r.keep(read_monitor(m, r.file)));
    let git = f.map("source").and_then(|s| read_source(s, r));
    let jobs = f
        .map("jobs")
        .map_or_else(Jobs::default, |j| read_jobs(j, r));
    let alerts = f.map("alerts").and_then(|a| read_alerts(a, r));
    let (credentials, rates) = f
        .map("networks")
        .map(|n| read_networks(n, r))
        .unwrap_or_default();
    f.finish(&[
        "ledger",
        "ledger_lease_seconds",
        "cache_dir",
        "grace_minutes",
        "media_ahead_minutes",
        "upload_ahead",
        "ffmpeg",
        "ffprobe",
        "networks",
        "source",
        "jobs",
        "alerts",
        "monitor",
        "log",
        "shutdown_seconds",
        "max_nap_seconds",
        "language",
    ]);
    Config {
        ledger,
        cache_dir,
        grace,
        media_ahead,
        upload_ahead,
        tools,
        credentials,
        rates,
        git,
        jobs,
        alerts,
        monitor,
        log: log.unwrap_or(LogFormat::Human),
        shutdown,
        max_nap,
        language,
    }
}

/// `cache_dir` as given, else the user's own cache folder (empty, with a problem, when there is
/// none).
fn read_cache_dir(given: Option<At<String>>, r: &mut Reading) -> PathBuf {
    let dir = given.map(|c| r.rel(c.value)).unwrap_or_default();
    if !dir.as_os_str().is_empty() {
        return dir;
    }
    crate::media::cache::default_dir().unwrap_or_else(|e| {
        r.problem(Place::File, e.message());
        PathBuf::new()
    })
}

/// `language`: `ru` or `en`.
fn read_language(l: At<String>, file: &str) -> Result<Lang, ConfigProblem> {
    Lang::parse(&l.value).ok_or_else(|| ConfigProblem {
        file: file.to_owned(),
        at: Place::Line(l.pos.line),
        message: crate::t!("config-language", value = l.value.as_str()),
    })
}

/// `log`: `human` or `json`.
fn read_log(l: At<String>, file: &str) -> Result<LogFormat, ConfigProblem> {
    l.value.parse::<LogFormat>().map_err(|e| ConfigProblem {
        file: file.to_owned(),
        at: Place::Line(l.pos.line),
        message: crate::t!("config-log", error = e.message()),
    })
}

/// `monitor`: a loopback address, since `/healthz` and `/metrics` have no authentication.
fn read_monitor(m: At<String>, file: &str) -> Result<SocketAddr, ConfigProblem> {
    let message = match m.value.parse::<SocketAddr>() {
        Ok(a) if a.ip().is_loopback() => return Ok(a),
        Ok(a) => crate::t!("config-monitor-not-loopback", addr = a.to_string()),
        Err(_) => crate::t!("config-monitor-bad", value = m.value.as_str()),
    };
    Err(ConfigProblem {
        file: file.to_owned(),
        at: Place::Line(m.pos.line),
        message,
    })
}

/// `source`: the content repository as a git remote; `git` and `checkout` are required.
fn read_source(node: &Node, r: &mut Reading) -> Option<GitConfig> {
    r.section(node, What::Msg("what-config-source"), |mut f, r| {
        // `branch` is read only with the other two (else it is reported as unknown).
        let git = match (f.str("git"), f.str("checkout")) {
            (Some(remote), Some(checkout)) => Some(GitConfig {
                remote: remote.value,
                branch: f
                    .str("branch")
                    .map_or_else(|| "main".to_owned(), |b| b.value),
                checkout: r.rel(checkout.value),
            }),
            _ => {
                r.problem(
                    Place::Line(f.pos().line),
                    crate::t!("config-source-incomplete"),
                );
                None
            }
        };
        f.finish(&["git", "branch", "checkout"]);
        git
    })
    .flatten()
}

/// `jobs`: a cron expression per job, `off` to turn it off; jobs not written keep their default.
fn read_jobs(node: &Node, r: &mut Reading) -> Jobs {
    r.section(node, What::Msg("what-config-jobs"), |mut f, _| {
        let mut jobs = Jobs::default();
        let slots = [
            ("sync", &mut jobs.sync),
            ("weekly_summary", &mut jobs.weekly_summary),
            ("retry_sweep", &mut jobs.retry_sweep),
            ("moderate", &mut jobs.moderate),
            ("audit", &mut jobs.audit),
        ];
        for (key, slot) in slots {
            if let Some(c) = f.str(key) {
                *slot = (c.value != "off").then_some(c.value);
            }
        }
        f.finish(&["sync", "weekly_summary", "retry_sweep", "moderate", "audit"]);
        jobs
    })
    .unwrap_or_default()
}

/// `alerts`: the МЦУ chat (required) and whether responsibles get their organization's alerts.
fn read_alerts(node: &Node, r: &mut Reading) -> Option<AlertsConfig> {
    r.section(node, What::Msg("what-config-alerts"), |mut f, r| {
        // `responsibles` is read only with the chat (else it is reported as unknown).
        let alerts = match f.str("telegram_chat") {
            Some(chat) => Some(AlertsConfig {
                telegram_chat: chat.value,
                responsibles: f.bool("responsibles").is_some_and(|b| b.value),
            }),
            None => {
                r.problem(
                    Place::Line(f.pos().line),
                    crate::t!("config-alerts-no-chat"),
                );
                None
            }
        };
        f.finish(&["telegram_chat", "responsibles"]);
        alerts
    })
    .flatten()
}

/// `networks`: how to reach each network, and the rate limits set for it, in the file's order.
fn read_networks(node: &Node, r: &mut Reading) -> (Vec<Credentials>, Vec<(Network, RateLimits)>) {
    let mut credentials = Vec::new();
    let mut rates = Vec::new();
    for (key, value) in node.as_map().unwrap_or_default() {
        let network = read_network(key, value, r);
        credentials.extend(network.credentials);
        rates.extend(network.rates);
    }
    (credentials, rates)
}

/// One entry of `networks`, each part when given and valid.
#[derive(Default)]
struct NetworkConfig {
    /// How to reach it.
    credentials: Option<Credentials>,
    /// Its `rate_limits`, for a network vestnik knows.
    rates: Option<(Network, RateLimits)>,
}

/// The fields of `telegram` and `vk`.
const TOKEN_NETWORK_FIELDS: &[&str] = &["base_url", "token_env", "token_file", "rate_limits"];

/// The fields of `ok`.
const OK_FIELDS: &[&str] = &[
    "base_url",
    "token_env",
    "token_file",
    "application_key",
    "secret_env",
    "secret_file",
    "rate_limits",
];

/// The network named by `key`, written as `node`.
fn read_network(key: &Node, node: &Node, r: &mut Reading) -> NetworkConfig {
    let name = key.scalar_text().unwrap_or_default();
    let read = r.section(node, What::Msg("what-config-network"), |f, r| {
        network_fields(f, key, &name, r)
    });
    read.unwrap_or_else(|| {
        // Said here instead of by the YAML reader.
        r.problem(
            Place::Line(node.pos.line),
            crate::t!("config-network-not-a-map", name = name.as_str()),
        );
        NetworkConfig::default()
    })
}

/// The fields of the network `name` (its `key` in the file). The token is read (and its problems
/// noted) before the name is checked.
fn network_fields(mut f: Fields<'_, '_>, key: &Node, name: &str, r: &mut Reading) -> NetworkConfig {
    let base_url = f.str("base_url").map(|u| u.value);
    let url = |default: &str| base_url.clone().unwrap_or_else(|| default.into());
    let rates = f
        .map("rate_limits")
        .and_then(|l| read_rate_limits(l, name, r));
    let token = read_secret(&mut f, "token_env", "token_file", name, r);
    let credentials = match name {
        "telegram" => {
            f.finish(TOKEN_NETWORK_FIELDS);
            token.map(|token| Credentials::Telegram {
                base_url: url("https://api.telegram.org"),
                token,
            })
        }
        "vk" => {
            f.finish(TOKEN_NETWORK_FIELDS);
            token.map(|token| Credentials::Vk {
                base_url: url("https://api.vk.ru"),
                token,
            })
        }
        "ok" => read_ok(f, url("https://api.ok.ru"), token, r),
        other => {
            r.problem(
                Place::Line(key.pos.line),
                crate::t!("config-network-unknown", name = other),
            );
            None
        }
    };
    NetworkConfig { credentials, rates }
}

/// The rest of `ok`: the application's public key and secret key, besides the user `token`.
fn read_ok(
    mut f: Fields<'_, '_>,
    base_url: String,
    token: Option<Secret>,
    r: &mut Reading,
) -> Option<Credentials> {
    let key = f.str("application_key").map(|k| k.value);
    let app_secret = read_secret(&mut f, "secret_env", "secret_file", "ok", r);
    f.finish(OK_FIELDS);
    match (token, key, app_secret) {
        (Some(token), Some(application_key), Some(application_secret_key)) => {
            Some(Credentials::Ok {
                base_url,
                application_key,
                application_secret_key,
                token,
            })
        }
        (_, None, _) => {
            r.problem(Place::Network("ok".into()), crate::t!("config-ok-no-key"));
            None
        }
        _ => None,
    }
}

/// A secret of the network `name`: from the environment variable named by `env`, else from the
/// file named by `file_key`, which must be private and outside the content repository.
fn read_secret(
    f: &mut Fields<'_, '_>,
    env: &str,
    file_key: &str,
    name: &str,
    r: &mut Reading,
) -> Option<Secret> {
    let refused =
        |r: &mut Reading, e: SecretError| r.problem(Place::Network(name.into()), e.message());
    if let Some(var) = f.str(env) {
        return Secret::from_env(&var.value).map_err(|e| refused(r, e)).ok();
    }
    let Some(p) = f.str(file_key) else {
        r.problem(
            Place::Network(name.into()),
            crate::t!("config-secret-missing", env = env, file = file_key),
        );
        return None;
    };
    let path = r.rel(p.value);
    let inside = |repo: &Path| path.canonicalize().is_ok_and(|real| real.starts_with(repo));
    if r.content.is_some_and(inside) {
        r.problem(
            Place::Network(name.into()),
            crate::t!("config-secret-in-repo", path = path.display().to_string()),
        );
        return None;
    }
    Secret::from_file(&path).map_err(|e| refused(r, e)).ok()
}

/// `rate_limits` of the network `name`: each limit not written is the network's documented one.
/// `None` for a network vestnik does not know (reported by [`network_fields`]).
fn read_rate_limits(node: &Node, name: &str, r: &mut Reading) -> Option<(Network, RateLimits)> {
    let network = Network::from_key(name);
    let default = match network {
        Some(Network::Vk) => RateLimits::VK,
        Some(Network::Ok) => RateLimits::OK,
        _ => RateLimits::TELEGRAM,
    };
    r.section(node, What::Msg("what-config-rate-limits"), |mut f, _| {
        let mut limit = |key, range, default| f.uint(key, range).map_or(default, |v| v.value);
        let limits = RateLimits {
            global_per_sec: limit("global_per_sec", 0..=1000, default.global_per_sec),
            per_chat_per_sec: limit("per_chat_per_sec", 0..=1000, default.per_chat_per_sec),
            per_chat_per_min: limit("per_chat_per_min", 0..=60_000, default.per_chat_per_min),
        };
        f.finish(&["global_per_sec", "per_chat_per_sec", "per_chat_per_min"]);
        network.map(|net| (net, limits))
    })
    .flatten()
}

/// Largest configuration file vestnik reads: a configuration is a page of settings.
pub const MAX_CONFIG_BYTES: u64 = 256 * 1024;

/// Only where the ledger lives, from the configuration at `path`: `status` needs no secrets.
///
/// Fails when the file cannot be read or is not valid YAML.
pub fn ledger_location(path: &Path) -> Result<Location, ConfigError> {
    let (_, node) = read_yaml(path).map_err(|p| ConfigError(vec![p]))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let ledger = node
        .as_map()
        .and_then(|m| {
            m.iter()
                .find(|(k, _)| k.scalar_text().as_deref() == Some("ledger"))
        })
        .and_then(|(_, v)| v.scalar_text());
    Ok(Location::parse(
        ledger.as_deref().unwrap_or("ledger.sqlite"),
        base,
    ))
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
        let err = load(&cfg, Some(&repo)).err().unwrap().to_string();
        assert!(err.contains("лежит в репозитории с планами"), "{err}");
        assert!(!err.contains("123:abc"));
        std::fs::write(&cfg, "networks:\n  telegram: {token_fil: tg.token}\n").unwrap();
        let err = load(&cfg, Some(&repo)).err().unwrap().to_string();
        assert!(err.contains("незнакомое поле `token_fil`"), "{err}");
    }

    #[test]
    fn language_is_ru_or_en() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("vestnik.yaml");
        std::fs::write(&cfg, "cache_dir: cache\nlanguage: en\n").unwrap();
        assert_eq!(load(&cfg, None).unwrap().language, Some(Lang::En));
        std::fs::write(&cfg, "cache_dir: cache\n").unwrap();
        assert_eq!(load(&cfg, None).unwrap().language, None);
        std::fs::write(&cfg, "cache_dir: cache\nlanguage: fr\n").unwrap();
        let err = load(&cfg, None).err().unwrap().to_string();
        let said = crate::t!("config-language", value = "fr");
        assert!(err.ends_with(&format!(":2: {said}")), "{err}");
        let english =
            crate::locale::text_in(Lang::En, "config-language", &[("value", "fr".into())]);
        assert_eq!(english, "language: `fr` is not ru or en");
    }

    #[test]
    fn the_shipped_example_has_only_known_fields() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/vestnik.example.yaml");
        // Its secrets files do not exist here; everything else must be understood.
        let err = load(&example, None).err().unwrap().to_string();
        assert!(!err.contains("незнакомое поле"), "{err}");
        assert_eq!(err.lines().count(), 4, "{err}");
        assert!(err.lines().all(|l| l.contains("/etc/vestnik/")), "{err}");
        assert_eq!(
            ledger_location(&example).unwrap(),
            Location::Sqlite(PathBuf::from("/var/lib/vestnik/ledger.sqlite"))
        );
    }

    /// Every kind of problem at once, as values: the order of the lines (the text is pinned,
    /// in English, by `tests/errors.rs`).
    #[test]
    fn problems_come_in_the_files_order_then_the_readers() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("vestnik.yaml");
        std::fs::write(
            &cfg,
            "ledger: [x]\nlog: xml\nsource: {git: x}\nnetworks: {vk: 5, mastodon: {token_env: X}}\n",
        )
        .unwrap();
        let problems = read(&cfg, None).err().unwrap();
        let at: Vec<&Place> = problems.iter().map(|p| &p.at).collect();
        assert_eq!(
            at,
            [
                &Place::Line(2),
                &Place::Line(3),
                &Place::Line(4),
                &Place::Network("mastodon".into()),
                &Place::Line(4),
                &Place::Column(Pos { line: 1, column: 9 }),
            ],
            "{problems:#?}"
        );
        assert_eq!(
            problems[1].message,
            crate::t!("config-source-incomplete"),
            "{problems:#?}"
        );
    }

    /// A PostgreSQL ledger takes its lease from `ledger_lease_seconds`, within its bounds.
    #[test]
    fn a_postgres_ledger_has_its_lease() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("vestnik.yaml");
        let url = "postgres://vestnik@db/ledger";
        std::fs::write(&cfg, format!("ledger: {url}\nledger_lease_seconds: 60\n")).unwrap();
        assert_eq!(
            read(&cfg, None).unwrap().ledger,
            Location::Postgres {
                url: url.into(),
                lease: Duration::from_secs(60)
            }
        );
        std::fs::write(&cfg, format!("ledger: {url}\nledger_lease_seconds: 5\n")).unwrap();
        assert!(read(&cfg, None).is_err(), "shorter than 10 s");
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
             media_ahead_minutes: 0\n\
             upload_ahead: false\n\
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
        let c = read(&cfg, None).unwrap();
        assert_eq!(c.ledger, Location::Sqlite(dir.path().join("l.sqlite")));
        assert_eq!(c.cache_dir, PathBuf::from("/tmp/media"));
        assert_eq!(c.grace, SignedDuration::from_mins(5));
        assert_eq!(c.media_ahead, SignedDuration::ZERO);
        assert!(!c.upload_ahead);
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
