//! One publishing pass: read the plans, bring the ledger in line with them, and send every
//! publication whose time has come — the core of `vestnik publish --due` (and of the daemon to
//! come, which runs this pass at each deadline).
//!
//! A plan file that fails to parse is skipped and its publications are kept in the ledger as
//! they are (never cancelled because of a typo); every other post keeps publishing. Each
//! outcome of a client becomes a ledger transition: published, retried later (transient errors
//! with backoff, rate limits after their wait), failed (refused, or a token that needs a person),
//! or uncertain (no answer on a network that cannot deduplicate).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};

use crate::ledger::{Entry, Key, Ledger, Outcome, Planned, State, SyncReport, deduplicates};
use crate::media::MediaCache;
use crate::network::Network;
use crate::networks::{PublishError, Secret, ok, telegram, vk};
use crate::plan::{self, Post, Status};
use crate::registry::{REGISTRY_PATH, Registry};
use crate::render::publication::{self, ImageRef, Publication};
use crate::repo::{self, FileKind};

/// Attempts after which a transient failure becomes `failed`.
pub const MAX_ATTEMPTS: u32 = 6;

/// How to reach one network.
#[derive(Clone)]
pub enum Credentials {
    /// Telegram: one bot, admin of every channel.
    Telegram {
        /// API base URL.
        base_url: String,
        /// Bot token.
        token: Secret,
    },
    /// VK: one user token of an administrator of every community.
    Vk {
        /// API base URL.
        base_url: String,
        /// User token.
        token: Secret,
    },
    /// OK: one application and one user token.
    Ok {
        /// API base URL.
        base_url: String,
        /// Public application key.
        application_key: String,
        /// Application secret key.
        application_secret_key: Secret,
        /// User token.
        token: Secret,
    },
}

/// Settings of a pass.
pub struct Settings {
    /// The content repository.
    pub root: PathBuf,
    /// "Now".
    pub now: Timestamp,
    /// Publications due longer ago than this are reported as missed, not sent.
    pub grace: SignedDuration,
    /// Where processed images are cached.
    pub cache_dir: PathBuf,
    /// Networks vestnik may publish to; publications for the others wait.
    pub credentials: Vec<Credentials>,
    /// Most publications sent in one pass.
    pub limit: usize,
}

/// What a pass did.
#[derive(Debug, Default)]
pub struct PassReport {
    /// The ledger sync.
    pub sync: SyncReport,
    /// Left in `sending` by a crash and now uncertain.
    pub recovered_uncertain: Vec<Key>,
    /// Published now, with the remote id.
    pub published: Vec<(Key, String)>,
    /// To be tried again, and when.
    pub retried: Vec<(Key, Timestamp, String)>,
    /// Failed for good: a person must act.
    pub failed: Vec<(Key, String)>,
    /// Uncertain: a person must check the page.
    pub uncertain: Vec<(Key, String)>,
    /// Plan files that could not be read, with the first problem.
    pub broken_files: Vec<(String, String)>,
}

/// Why a pass could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum PassError {
    /// The registry is missing or unreadable.
    #[error("the registry cannot be read: {0}")]
    Registry(String),
    /// The ledger failed.
    #[error(transparent)]
    Ledger(#[from] crate::ledger::LedgerError),
    /// A client could not be configured.
    #[error("{0}")]
    Config(String),
}

/// The posts of the repository that vestnik publishes, by key.
struct Plans {
    reg: Registry,
    posts: HashMap<(String, String), Post>,
    planned: Vec<Planned>,
    broken: Vec<(String, String)>,
    /// `(org, file stem)` of files that failed to parse: their ledger rows are kept.
    protected: HashSet<(String, String)>,
}

fn load(root: &Path) -> Result<Plans, PassError> {
    let text = repo::read_text(&root.join(REGISTRY_PATH), REGISTRY_PATH)
        .map_err(|d| PassError::Registry(d.message))?;
    let (reg, diags) = Registry::parse(&text, REGISTRY_PATH);
    if !reg.usable {
        return Err(PassError::Registry(
            diags.first().map(|d| d.message.clone()).unwrap_or_default(),
        ));
    }
    let files = repo::plan_files(root).map_err(|e| PassError::Registry(e.to_string()))?;
    let mut plans = Plans {
        reg,
        posts: HashMap::new(),
        planned: Vec::new(),
        broken: Vec::new(),
        protected: HashSet::new(),
    };
    for f in files.iter().filter(|f| f.kind != FileKind::Other) {
        let mut diags = Vec::new();
        let parsed: Vec<Post> = match repo::read_text(&f.abs, &f.rel) {
            Err(d) => {
                diags.push(d);
                Vec::new()
            }
            Ok(text) => plan::parse_file(&f.rel, &f.folder, &text, &plans.reg.tz, &mut diags),
        };
        if let Some(d) = diags
            .iter()
            .find(|d| d.severity == crate::diagnostic::Severity::Error)
        {
            // Any error in a file: nothing of it is published, and nothing of it is cancelled.
            let stem = f
                .rel
                .rsplit('/')
                .next()
                .unwrap_or("")
                .rsplit_once('.')
                .map_or("", |(s, _)| s)
                .to_owned();
            plans.protected.insert((f.folder.clone(), stem));
            plans.broken.push((
                f.rel.clone(),
                format!("{}:{}: {}", d.pos.line, d.pos.column, d.message),
            ));
            continue;
        }
        for post in parsed {
            let Some(when) = &post.when else { continue };
            if post.status != Status::Ready || post.external.is_some() {
                continue;
            }
            let Some(org) = plans.reg.org(&post.org.value) else {
                continue;
            };
            let pages: Vec<Network> = org.pages.keys().copied().collect();
            for net in post
                .targets(pages.iter().copied())
                .into_iter()
                .filter(|n| pages.contains(n))
            {
                let key = Key {
                    org: post.org.value.clone(),
                    post: post.id.clone(),
                    network: net,
                };
                plans.planned.push(Planned {
                    key,
                    due: when.value,
                    content: content_hash(&post, net),
                });
            }
            plans
                .posts
                .insert((post.org.value.clone(), post.id.clone()), post);
        }
    }
    Ok(plans)
}

/// A hash of what a network receives for a post: text, images and poll as written.
fn content_hash(post: &Post, net: Network) -> String {
    let mut h = blake3::Hasher::new();
    h.update(post.text_for(net).markdown.as_bytes());
    for i in post.images_for(net) {
        h.update(b"\0img\0");
        h.update(i.value.as_bytes());
    }
    if let Some(p) = &post.poll {
        h.update(b"\0poll\0");
        h.update(p.question.value.as_bytes());
        for o in &p.options {
            h.update(b"\0");
            h.update(o.value.as_bytes());
        }
        h.update(&[u8::from(p.multiple)]);
        if let Some(c) = &p.closes {
            h.update(&c.value.as_second().to_le_bytes());
        }
    }
    h.finalize().to_hex().as_str()[..32].to_owned()
}

/// The clients of the configured networks.
struct Clients {
    telegram: Option<telegram::client::Client>,
    vk: Option<vk::client::Client>,
    ok: Option<ok::client::Client>,
}

fn clients(creds: &[Credentials]) -> Result<Clients, PassError> {
    let mut c = Clients {
        telegram: None,
        vk: None,
        ok: None,
    };
    for cred in creds {
        match cred {
            Credentials::Telegram { base_url, token } => {
                let cfg = telegram::client::Config {
                    base_url: base_url.clone(),
                    ..telegram::client::Config::new(token.clone())
                };
                c.telegram = Some(
                    telegram::client::Client::new(cfg)
                        .map_err(|e| PassError::Config(e.to_string()))?,
                );
            }
            Credentials::Vk { base_url, token } => {
                let cfg = vk::client::Config {
                    base_url: base_url.clone(),
                    ..vk::client::Config::new(vk::client::Auth::UserToken(token.clone()))
                };
                c.vk = Some(
                    vk::client::Client::new(cfg).map_err(|e| PassError::Config(e.to_string()))?,
                );
            }
            Credentials::Ok {
                base_url,
                application_key,
                application_secret_key,
                token,
            } => {
                let cfg = ok::client::Config {
                    base_url: base_url.clone(),
                    ..ok::client::Config::new(
                        application_key,
                        application_secret_key.clone(),
                        ok::client::Auth::AccessToken(token.clone()),
                    )
                };
                c.ok = Some(
                    ok::client::Client::new(cfg).map_err(|e| PassError::Config(e.to_string()))?,
                );
            }
        }
    }
    Ok(c)
}

/// Backoff before attempt `attempts + 1` after a transient failure: 1, 2, 4, 8, 16 minutes,
/// with up to 20% jitter derived from the key (deterministic, so tests can predict it).
pub fn backoff(key: &Key, attempts: u32) -> SignedDuration {
    let base = 60_i64 << attempts.saturating_sub(1).min(6);
    let h = blake3::hash(
        format!("{}/{}/{}/{attempts}", key.org, key.post, key.network.key()).as_bytes(),
    );
    let jitter = i64::from(h.as_bytes()[0]) * base / (255 * 5);
    SignedDuration::from_secs(base + jitter)
}

/// Runs one pass with `ledger`.
///
/// Fails only when the registry cannot be read, a client cannot be configured, or the ledger
/// fails; problems of single posts end up in the report and the ledger.
pub async fn run_once(
    settings: &Settings,
    ledger: &mut dyn Ledger,
) -> Result<PassReport, PassError> {
    let plans = load(&settings.root)?;
    let mut report = PassReport {
        broken_files: plans.broken.clone(),
        ..PassReport::default()
    };
    report.recovered_uncertain = ledger.recover()?.into_iter().map(|e| e.key).collect();
    let protected = &plans.protected;
    let keep = |k: &Key| {
        let stem = k.post.split('#').next().unwrap_or(&k.post);
        protected.contains(&(k.org.clone(), stem.to_owned()))
    };
    report.sync = ledger.sync(&plans.planned, &keep, settings.now, settings.grace)?;
    let clients = clients(&settings.credentials)?;
    let cache = MediaCache::new(&settings.cache_dir);
    let claimed = ledger.claim_due(settings.now, settings.limit)?;
    for entry in claimed {
        let outcome = send(&entry, &plans, &clients, &cache, settings).await;
        match &outcome {
            Outcome::Published { remote_id, .. } => report
                .published
                .push((entry.key.clone(), remote_id.clone())),
            Outcome::RetryAt(at) => report.retried.push((entry.key.clone(), *at, String::new())),
            Outcome::Failed(r) => report.failed.push((entry.key.clone(), r.clone())),
            Outcome::Uncertain(r) => report.uncertain.push((entry.key.clone(), r.clone())),
        }
        ledger.finish(&entry.key, outcome)?;
    }
    Ok(report)
}

async fn send(
    entry: &Entry,
    plans: &Plans,
    clients: &Clients,
    cache: &MediaCache,
    settings: &Settings,
) -> Outcome {
    let key = &entry.key;
    // A plan that cannot be read now, or a network without credentials: try again later.
    let later = |_why: &str| {
        Outcome::RetryAt(
            settings
                .now
                .checked_add(SignedDuration::from_mins(10))
                .unwrap_or(settings.now),
        )
    };
    let Some(post) = plans.posts.get(&(key.org.clone(), key.post.clone())) else {
        return later("the post's plan cannot be read right now");
    };
    let Some(page) = plans
        .reg
        .org(&key.org)
        .and_then(|o| o.pages.get(&key.network))
    else {
        return Outcome::Failed(format!(
            "the organization has no {} page any more",
            key.network
        ));
    };
    // Each picture is prepared once: for the publication and for the bytes uploaded.
    let prepared: HashMap<&str, (ImageRef, PathBuf)> = post
        .images_for(key.network)
        .iter()
        .filter_map(|i| {
            Some((
                i.value.as_str(),
                cache.prepare_written(&settings.root, &key.org, &i.value, key.network)?,
            ))
        })
        .collect();
    let lookup = |written: &str| prepared.get(written).map(|(image, _)| image.clone());
    let publication = match publication::render(post, page, &lookup) {
        Ok(p) => p,
        Err(e) => return Outcome::Failed(format!("cannot be rendered: {e}")),
    };
    let paths: HashMap<&str, &PathBuf> = prepared
        .values()
        .map(|(image, path)| (image.source.as_str(), path))
        .collect();
    let bytes = |i: &ImageRef| {
        paths
            .get(i.source.as_str())
            .and_then(|p| std::fs::read(p).ok())
            .unwrap_or_default()
    };
    let result: Result<String, (PublishError, bool)> = match (&publication, key.network) {
        (Publication::Telegram(calls), _) => match &clients.telegram {
            None => return later("Telegram is not configured"),
            Some(c) => {
                let mut ids = Vec::new();
                let mut failure = None;
                for call in calls {
                    match c.execute(call, &bytes).await {
                        Ok(got) => ids.extend(got),
                        Err(e) => {
                            failure = Some((e, !ids.is_empty()));
                            break;
                        }
                    }
                }
                match failure {
                    None => Ok(ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")),
                    Some(f) => Err(f),
                }
            }
        },
        (Publication::Vk(calls), _) => match &clients.vk {
            None => return later("VK is not configured"),
            Some(c) => c
                .execute(calls, &bytes)
                .await
                .map(|p| format!("{}_{}", p.owner_id, p.post_id))
                .map_err(|e| (e, false)),
        },
        (Publication::Ok(calls), _) => match &clients.ok {
            None => return later("OK is not configured"),
            Some(c) => c.execute(calls, &bytes).await.map_err(|e| (e, false)),
        },
    };
    match result {
        Ok(remote_id) => Outcome::Published {
            url: url_of(key.network, page, &remote_id),
            remote_id,
        },
        Err((e, partly)) => decide(entry, e, partly, settings.now),
    }
}

/// The public link of a publication, where the remote id makes one.
fn url_of(network: Network, page: &crate::registry::Page, remote_id: &str) -> Option<String> {
    match network {
        Network::Vk => Some(format!("https://vk.com/wall{remote_id}")),
        Network::Telegram => {
            let first = remote_id.split(',').next()?;
            page.id
                .value
                .strip_prefix('@')
                .map(|name| format!("https://t.me/{name}/{first}"))
        }
        Network::Ok => Some(format!(
            "https://ok.ru/group/{}/topic/{remote_id}",
            page.id.value
        )),
    }
}

/// The retry decision for a failed attempt: it lives here, not in the clients.
fn decide(entry: &Entry, e: PublishError, partly: bool, now: Timestamp) -> Outcome {
    let key = &entry.key;
    let at = |d: SignedDuration| now.checked_add(d).unwrap_or(now);
    if partly {
        // Some messages of the publication are up: sending it again would repeat them.
        return Outcome::Uncertain(format!("partly published, then: {e}"));
    }
    match e {
        PublishError::RateLimited { after, .. } => Outcome::RetryAt(at(SignedDuration::try_from(
            after,
        )
        .unwrap_or(SignedDuration::from_secs(60)))),
        PublishError::Transient { .. } if entry.attempts < MAX_ATTEMPTS => {
            Outcome::RetryAt(at(backoff(key, entry.attempts)))
        }
        PublishError::Transient { reason } => Outcome::Failed(format!(
            "gave up after {} attempts: {reason}",
            entry.attempts
        )),
        // VK drops a repeated `guid`: sending again is safe.
        PublishError::Unknown { .. } if deduplicates(key.network) => Outcome::RetryAt(now),
        PublishError::Unknown { reason } => Outcome::Uncertain(reason),
        PublishError::Unauthorized { reason } => {
            Outcome::Failed(format!("the token needs a person: {reason}"))
        }
        PublishError::Rejected { reason } => {
            Outcome::Failed(format!("refused by {}: {reason}", key.network))
        }
    }
}

impl State {
    /// Shown in `status`.
    pub fn label(&self) -> String {
        match self {
            State::Published { remote_id, url } => format!(
                "published {}",
                url.clone().unwrap_or_else(|| remote_id.clone())
            ),
            State::Failed { reason } => format!("failed: {reason}"),
            State::Uncertain { reason } => format!("uncertain: {reason}"),
            other => other.name().to_owned(),
        }
    }
}
