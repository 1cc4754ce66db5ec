//! The publish stage: the [`ledger`] (the queue and the memory of publications), the [`daemon`]
//! that publishes at each deadline, [`alert`]s for people, the content repository synced
//! from [`git`], and its registry [`watch`]ed for new responsibles.
//!
//! This file holds the pass: read the plans, bring the ledger in line with them, and send every
//! publication whose time has come. `vestnik publish --due` runs it once; the daemon keeps one
//! [`Publisher`] and runs its steps at each deadline.
//!
//! What protects another organization's page holds here, not only in `check`: every plan file
//! is read through [`plan::repo`] and held to [`crate::check::rules::guard`] before anything of
//! it is planned, and again when a due post is read back; a post id used twice publishes
//! neither post.
//!
//! A plan file that fails to parse is skipped and its publications are kept in the ledger as
//! they are (never cancelled because of a typo); every other post keeps publishing. Each
//! outcome of a client becomes a ledger transition: published, retried later (transient errors
//! with backoff, rate limits after their wait), failed (refused, or a token that needs a person),
//! or uncertain (no answer on a network that cannot deduplicate).

pub mod ahead;
pub mod alert;
pub mod audit;
pub mod changes;
pub mod daemon;
pub mod git;
pub mod ledger;
pub mod moderation;
pub mod plans;
pub mod tokens;
pub mod uploads;
pub mod watch;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument;

use jiff::{SignedDuration, Timestamp};

use crate::media::MediaCache;
use crate::networks::{
    Credentials, NotCommitted, PublishError, RateLimits, RemoteId, ok, telegram, vk,
};
use crate::ops::metrics::Metrics;
use crate::plan::Post;
use crate::plan::network::Network;
use crate::plan::registry::Registry;
use crate::plan::repo::Repo;
use crate::publish::ledger::{Alert, Entry, Key, Ledger, Outcome, State, SyncReport, deduplicates};
use crate::render::publication::{self, ImageRef, Motion, Publication};
pub use plans::{Plans, Reading, load, read_files};
use plans::{clip_jobs, content_hash, read_plan_file};

/// How long a publication whose file changed after the last read waits for the file to be
/// read again.
const STALE_WAIT: SignedDuration = SignedDuration::from_secs(2);

/// Attempts (that got an answer or a transport error) after which a transient failure becomes
/// `failed`.
pub const MAX_ATTEMPTS: u32 = 6;

/// Settings of a publisher.
pub struct Settings {
    /// The content repository.
    pub root: PathBuf,
    /// Publications due longer ago than this are reported as missed, not sent.
    pub grace: SignedDuration,
    /// Where processed images are cached.
    pub cache_dir: PathBuf,
    /// Networks vestnik may publish to; publications for the others wait.
    pub credentials: Vec<Credentials>,
    /// Most publications sent in one pass.
    pub limit: usize,
    /// Rate limits that replace a network's documented ones (a self-hosted Bot API server,
    /// a benchmark against the emulators).
    pub rates: Vec<(Network, RateLimits)>,
}

/// What a pass did.
#[derive(Debug, Default)]
pub struct PassReport {
    /// The ledger sync.
    pub sync: SyncReport,
    /// Left in `sending` by a crash and now uncertain.
    pub recovered_uncertain: Vec<Key>,
    /// Published now.
    pub published: Vec<Published>,
    /// To be tried again, and when.
    pub retried: Vec<(Key, Timestamp, String)>,
    /// Failed for good: a person must act.
    pub failed: Vec<(Key, String)>,
    /// Uncertain: a person must check the page.
    pub uncertain: Vec<(Key, String)>,
    /// Plan files that could not be read, with the first problem.
    pub broken_files: Vec<(String, String)>,
    /// Plan files that changed after the last read (a due post reads otherwise than the ledger
    /// was told): they should be read again.
    pub stale: Vec<String>,
}

/// A publication that went out in a pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// Which one.
    pub key: Key,
    /// Its id on the network.
    pub remote_id: String,
    /// When its answer came (by the publisher's clock).
    pub at: Timestamp,
    /// How long after its time it went out (zero when on time).
    pub late: SignedDuration,
}

/// Why a pass could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum PassError {
    /// The registry is missing or unreadable.
    #[error("the registry cannot be read: {0}")]
    Registry(String),
    /// The ledger failed.
    #[error(transparent)]
    Ledger(#[from] crate::publish::ledger::LedgerError),
    /// A client could not be configured.
    #[error("{0}")]
    Config(String),
    /// Reading the plans panicked (a bug).
    #[error("reading the plans panicked: {0}")]
    Panicked(String),
}

impl From<plans::ReadError> for PassError {
    fn from(e: plans::ReadError) -> Self {
        PassError::Registry(e.0)
    }
}

impl PassError {
    /// The error in the language of the process's texts (its `Display` stays English, for
    /// logs).
    pub fn message(&self) -> String {
        match self {
            PassError::Registry(reason) => crate::t!("pass-registry", reason = reason.as_str()),
            PassError::Ledger(e) => e.message(),
            PassError::Config(reason) => reason.clone(),
            PassError::Panicked(e) => crate::t!("pass-panicked", error = e.as_str()),
        }
    }
}

/// The clients of the configured networks.
struct Clients {
    telegram: Option<telegram::client::Client>,
    /// Shared with the uploads ahead ([`uploads::Uploads`]), so they count against the same
    /// rate limiter.
    vk: Option<Arc<vk::client::Client>>,
    ok: Option<Arc<ok::client::Client>>,
}

fn clients(creds: &[Credentials], rates: &[(Network, RateLimits)]) -> Result<Clients, PassError> {
    let rate = |n: Network, default: RateLimits| {
        rates
            .iter()
            .find(|(k, _)| *k == n)
            .map_or(default, |(_, r)| *r)
    };
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
                    rate: rate(Network::Telegram, RateLimits::TELEGRAM),
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
                    rate: rate(Network::Vk, RateLimits::VK),
                    ..vk::client::Config::new(vk::client::Auth::UserToken(token.clone()))
                };
                c.vk = Some(Arc::new(
                    vk::client::Client::new(cfg).map_err(|e| PassError::Config(e.to_string()))?,
                ));
            }
            Credentials::Ok {
                base_url,
                application_key,
                application_secret_key,
                token,
            } => {
                let cfg = ok::client::Config {
                    base_url: base_url.clone(),
                    rate: rate(Network::Ok, RateLimits::OK),
                    ..ok::client::Config::new(
                        application_key,
                        application_secret_key.clone(),
                        ok::client::Auth::AccessToken(token.clone()),
                    )
                };
                c.ok = Some(Arc::new(
                    ok::client::Client::new(cfg).map_err(|e| PassError::Config(e.to_string()))?,
                ));
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

/// The longest a pass waits before it looks again for publications that fell due while its
/// lanes work.
const LANE_NAP: Duration = Duration::from_secs(5);

/// How long a page whose token was refused waits before it is tried again (unless the retry
/// sweep or a restart tries it sooner).
pub const BLOCK_FOR: SignedDuration = SignedDuration::from_mins(30);

/// A refused token: until when its publications wait, and which ones do.
struct Blocked {
    until: Timestamp,
    /// Why, as the waiting rows show it in `status`.
    reason: String,
    waiting: Vec<Key>,
}

/// How one attempt ended.
struct Attempted {
    outcome: Outcome,
    next: Next,
    /// A request of the attempt got an answer or a transport error: it counts.
    answered: bool,
    /// The row was marked `sending` before a publishing request.
    committed: bool,
}

/// What to do next with the rest of a page's queue after one publication.
enum Next {
    Go,
    /// The post's file (this one) changed after the plans were read: read it again first.
    Stale(String),
    /// The token was refused: the page (or, for VK and OK, the whole token) waits for a person.
    Block(String),
}

/// What the page queues of one pass share. They run on one task, interleaved at their awaits:
/// each borrow of this state ends before the next await.
struct Pass<'l> {
    ledger: &'l mut dyn Ledger,
    report: PassReport,
    /// The first ledger failure: every queue stops at its next step, and the pass fails.
    failure: Option<PassError>,
    /// Plan files read again in this pass (a due post is read from its file), by path.
    files: HashMap<Arc<str>, Vec<Post>>,
}

impl Pass<'_> {
    /// A ledger write; a failure is kept (and stops every queue) and gives `None`.
    fn write<T>(
        &mut self,
        f: impl FnOnce(&mut dyn Ledger) -> Result<T, crate::publish::ledger::LedgerError>,
    ) -> Option<T> {
        match f(&mut *self.ledger) {
            Ok(v) => Some(v),
            Err(err) => {
                self.failure = Some(err.into());
                None
            }
        }
    }
}

/// The publisher: the clients (built once, so their rate limiters span passes), the media
/// cache, and the plans as last read. The daemon keeps one for its whole life; `publish --due`
/// makes one per run.
pub struct Publisher {
    root: PathBuf,
    grace: SignedDuration,
    limit: usize,
    clients: Clients,
    cache: MediaCache,
    plans: Option<Plans>,
    /// Tokens that were refused, by [`block_key`], until when.
    blocked: RefCell<HashMap<String, Blocked>>,
    /// Blocks whose token alert is out: a publication that goes through again re-arms it.
    refused: RefCell<HashSet<String>>,
    metrics: Option<Arc<Metrics>>,
    /// Prepares the pictures of publications due soon (the daemon's; `None` for one pass).
    ahead: Option<ahead::Ahead>,
    /// When the pictures due soon were last queued.
    ahead_at: std::cell::Cell<Option<Timestamp>>,
    /// Uploads the pictures of VK and OK publications due soon (with [`Publisher::ahead`]).
    uploads: Option<uploads::Uploads>,
}

/// The key under which a refused token blocks publishing: VK and OK publish every page with one
/// token, so a refusal stops the network; a Telegram bot is refused per channel (removed from
/// it, or its rights taken).
fn block_key(network: Network, page: &str) -> String {
    match network {
        Network::Telegram => format!("telegram/{page}"),
        n => n.key().to_owned(),
    }
}

impl Publisher {
    /// The networks configured here, each with its one token.
    pub fn networks(&self) -> Vec<Network> {
        let c = &self.clients;
        [
            (Network::Vk, c.vk.is_some()),
            (Network::Ok, c.ok.is_some()),
            (Network::Telegram, c.telegram.is_some()),
        ]
        .into_iter()
        .filter_map(|(n, on)| on.then_some(n))
        .collect()
    }

    /// Says which networks' tokens this process holds now (several daemons on one ledger take
    /// turns: [`tokens`]): the clients of the others send nothing, whoever asks them
    /// (publishing, uploads ahead, moderation, the audit).
    pub fn hold(&self, held: &[Network]) {
        let c = &self.clients;
        if let Some(vk) = &c.vk {
            vk.hold(held.contains(&Network::Vk));
        }
        if let Some(ok) = &c.ok {
            ok.hold(held.contains(&Network::Ok));
        }
        if let Some(tg) = &c.telegram {
            tg.hold(held.contains(&Network::Telegram));
        }
    }

    /// The clients comment moderation uses: these same ones, so moderation's requests count
    /// against the same rate limits as publishing.
    pub fn moderation_clients(&self) -> moderation::Clients {
        moderation::Clients {
            vk: self.clients.vk.clone(),
            ok: self.clients.ok.clone(),
            telegram: self.clients.telegram.clone().map(Arc::new),
        }
    }

    /// A publisher with the clients of `settings`.
    ///
    /// Fails when a client cannot be built.
    pub fn new(settings: Settings) -> Result<Publisher, PassError> {
        Ok(Publisher {
            clients: clients(&settings.credentials, &settings.rates)?,
            cache: MediaCache::new(&settings.cache_dir),
            root: settings.root,
            grace: settings.grace,
            limit: settings.limit,
            plans: None,
            blocked: RefCell::new(HashMap::new()),
            refused: RefCell::new(HashSet::new()),
            metrics: None,
            ahead: None,
            ahead_at: std::cell::Cell::new(None),
            uploads: None,
        })
    }

    /// Prepares the pictures of publications due within `horizon` in the background (see
    /// [`Publisher::prepare_ahead`]): for the daemon, which lives long enough to profit. A zero
    /// horizon starts nothing.
    ///
    /// Fails when the preparing thread cannot be started.
    ///
    /// The pictures of VK and OK publications are then uploaded ahead too, once prepared (see
    /// [`uploads`]), unless [`Publisher::with_uploads_ahead`] says otherwise.
    pub fn with_media_ahead(mut self, horizon: SignedDuration) -> std::io::Result<Publisher> {
        if horizon.is_positive() {
            self.ahead = Some(ahead::Ahead::start(self.cache.clone(), horizon)?);
            self.uploads = (self.clients.vk.is_some() || self.clients.ok.is_some())
                .then(|| uploads::Uploads::new(self.clients.vk.clone(), self.clients.ok.clone()));
        }
        Ok(self)
    }

    /// Whether the pictures prepared ahead are uploaded ahead too (VK and OK; the default with
    /// [`Publisher::with_media_ahead`]). Without, they are uploaded at send time.
    pub fn with_uploads_ahead(mut self, on: bool) -> Publisher {
        if !on {
            self.uploads = None;
        } else if self.uploads.is_none()
            && self.ahead.is_some()
            && (self.clients.vk.is_some() || self.clients.ok.is_some())
        {
            self.uploads = Some(uploads::Uploads::new(
                self.clients.vk.clone(),
                self.clients.ok.clone(),
            ));
        }
        self
    }

    /// The uploads made ahead, if uploading ahead is on (tests and benchmarks look at them).
    pub fn uploads(&self) -> Option<&uploads::Uploads> {
        self.uploads.as_ref()
    }

    /// Queues the pictures of the publications due within the horizon for the background
    /// preparer, if there is one: at once when `force` (the plans were just read),
    /// else at most every [`ahead::LOOK_EVERY`] as the horizon moves on. Returns how many were
    /// queued.
    ///
    /// Fails when the ledger fails.
    pub fn prepare_ahead(
        &self,
        ledger: &dyn Ledger,
        now: Timestamp,
        force: bool,
    ) -> Result<usize, PassError> {
        let Some(ahead) = &self.ahead else {
            return Ok(0);
        };
        let recent = self
            .ahead_at
            .get()
            .and_then(|at| at.checked_add(ahead::LOOK_EVERY).ok())
            .is_some_and(|next| next > now);
        if recent && !force {
            return Ok(0);
        }
        self.ahead_at.set(Some(now));
        let (jobs, wants, clips) = self.work_ahead(ledger, now)?;
        let queued = ahead.want(jobs) + ahead.want_clips(clips);
        // Then their uploads, each publication's once its pictures are prepared.
        let senders = self.uploads.as_ref().and_then(uploads::Uploads::senders);
        if let (Some(up), Some(tx)) = (&self.uploads, senders) {
            for (want, content, jobs) in wants {
                if !up.ask(&want.key, &content) {
                    continue;
                }
                let tx = tx.clone();
                ahead.then(jobs, move |pictures| {
                    // The task is gone only when the publisher is.
                    tx.send(uploads::Want { pictures, ..want });
                });
            }
        }
        Ok(queued)
    }

    /// The clips of the publications due within the horizon, for [`ahead::Ahead`] to adapt
    /// before their time (the clips of what is due now are adapted by the attempt).
    ///
    /// Fails when the ledger fails.
    pub fn clips_ahead(
        &self,
        ledger: &dyn Ledger,
        now: Timestamp,
    ) -> Result<Vec<ahead::ClipJob>, PassError> {
        Ok(self.work_ahead(ledger, now)?.2)
    }

    /// The background preparer, if started (tests and benchmarks wait for it).
    pub fn ahead(&self) -> Option<&ahead::Ahead> {
        self.ahead.as_ref()
    }

    /// Adapts clips with `tools` (call it before [`Publisher::with_media_ahead`], whose
    /// thread keeps the cache it is given).
    pub fn with_tools(mut self, tools: crate::media::video::Tools) -> Publisher {
        self.cache = self.cache.clone().with_tools(tools);
        self
    }

    /// Counts what happens in `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Publisher {
        self.metrics = Some(metrics);
        self
    }

    /// The Telegram client, if Telegram is configured: alerts go through it, so that they and
    /// the publications share one rate limiter for the bot.
    pub fn telegram(&self) -> Option<&telegram::client::Client> {
        self.clients.telegram.as_ref()
    }

    /// The content repository.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The plans as last read.
    pub fn plans(&self) -> Option<&Plans> {
        self.plans.as_ref()
    }

    /// Starts from `reg` before any plan file is read: what is in the ledger can be published
    /// (each post is read from its file when due), while the files are read beside.
    /// The files refused and the post ids taken twice are as the ledger last knew them, until
    /// the files are read again.
    ///
    /// Fails when the ledger fails.
    pub fn start_from(&mut self, reg: Registry, ledger: &dyn Ledger) -> Result<(), PassError> {
        let mut plans = plans::empty(reg);
        if let Some(held) = ledger.meta(plans::HELD_KEY)? {
            plans.hold(&held);
        }
        self.plans = Some(plans);
        Ok(())
    }

    /// The pictures of the publications due before `now` + the horizon (of the preparer, or
    /// [`ahead::HORIZON`]), the earliest first, for [`ahead::Ahead`] to prepare before their
    /// time. Each plan file is read again
    /// (held to the guard, as at send time); pictures that cannot be resolved are left out (the
    /// attempt reports them).
    ///
    /// Fails when the ledger fails.
    pub fn media_ahead(
        &self,
        ledger: &dyn Ledger,
        now: Timestamp,
    ) -> Result<Vec<ahead::Job>, PassError> {
        Ok(self.work_ahead(ledger, now)?.0)
    }

    /// [`Publisher::media_ahead`], and for each VK and OK publication with pictures that is
    /// uploaded ahead: what to upload (its pictures not yet prepared), its content hash, and
    /// its pictures' jobs.
    #[allow(clippy::type_complexity)]
    fn work_ahead(
        &self,
        ledger: &dyn Ledger,
        now: Timestamp,
    ) -> Result<
        (
            Vec<ahead::Job>,
            Vec<(uploads::Want, String, Vec<ahead::Job>)>,
            Vec<ahead::ClipJob>,
        ),
        PassError,
    > {
        let Some(plans) = &self.plans else {
            return Ok((Vec::new(), Vec::new(), Vec::new()));
        };
        let horizon = self
            .ahead
            .as_ref()
            .map_or(ahead::HORIZON, ahead::Ahead::horizon);
        let until = now.checked_add(horizon).unwrap_or(now);
        let mut files: HashMap<Arc<str>, Vec<Post>> = HashMap::new();
        let mut jobs = Vec::new();
        let mut wants = Vec::new();
        let mut clips = Vec::new();
        for e in ledger.due(until, ahead::MAX_QUEUED)? {
            if e.next_try <= now {
                // Due now: the attempt prepares it this very pass.
                continue;
            }
            let Some(Some(post)) = self.post_now(plans, &e, &mut files) else {
                continue;
            };
            let org = e.key.org.as_str();
            for (clip, poster, motion) in clip_jobs(&post, e.key.network) {
                let resolve = |w: &str| crate::media::resolve(&self.root, org, w).ok();
                let poster = match poster.as_deref().map(resolve) {
                    Some(None) => continue,
                    Some(found) => found,
                    None => None,
                };
                if let Some(clip) = resolve(&clip) {
                    clips.push(ahead::ClipJob {
                        clip,
                        poster,
                        motion,
                        network: e.key.network,
                    });
                }
            }
            let mut own = Vec::new();
            for image in post.images_for(e.key.network) {
                if let Ok((_, path)) =
                    crate::media::resolve(&self.root, e.key.org.as_str(), &image.value)
                {
                    own.push(ahead::Job {
                        path,
                        network: e.key.network,
                    });
                }
            }
            let page = plans
                .reg
                .org(&e.key.org)
                .and_then(|o| o.pages.get(&e.key.network));
            let uploaded = self
                .uploads
                .as_ref()
                .is_some_and(|u| u.covers(e.key.network));
            // Only what the ledger was told about: an edit not read yet is uploaded after the
            // next read of the plans.
            let current = content_hash(&post, e.key.network).matches(&e.content);
            if let (Some(page), true, true, false) = (page, uploaded, current, own.is_empty()) {
                let want = uploads::Want {
                    key: e.key.clone(),
                    page: page.id.value.clone(),
                    pictures: Vec::new(),
                };
                wants.push((want, e.content.clone(), own.clone()));
            }
            jobs.extend(own);
        }
        Ok((jobs, wants, clips))
    }

    /// Takes a reading of the plans ([`load`] or [`read_files`], perhaps on another thread)
    /// and brings the ledger in line with it at `now`: all of it, or the rows of the files that
    /// were read. Raises alerts for missed publications, edits after publication and broken
    /// plan files.
    ///
    /// A post id that a file read now shares with a file not read now is a duplicate when that
    /// file still has it (neither publishes, both are reported), and a move otherwise (the file
    /// is read too, and the ledger synced again).
    ///
    /// Fails when the ledger fails.
    pub fn sync(
        &mut self,
        reading: Reading,
        ledger: &mut dyn Ledger,
        now: Timestamp,
    ) -> Result<SyncReport, PassError> {
        let mut contents = HashMap::new();
        let report = self.sync_rows(reading, ledger, now, &mut contents)?;
        let mut alerts = Vec::new();
        for k in &report.missed {
            if let Some(m) = &self.metrics {
                m.missed(k.network);
            }
            alerts.push(alert::missed(k, self.grace));
        }
        for k in &report.edited_after_publication {
            let content = contents.get(k).cloned().unwrap_or_default();
            alerts.push(alert::edited(k, &content));
        }
        if let Some(plans) = &self.plans {
            let held = plans.held();
            if ledger.meta(plans::HELD_KEY)?.as_deref() != Some(held.as_str()) {
                ledger.set_meta(plans::HELD_KEY, &held)?;
            }
        }
        let broken = self.plans.as_ref().map(Plans::broken).unwrap_or_default();
        for (file, why) in &broken {
            alerts.push(alert::broken_file(file, why));
        }
        if let Some(m) = &self.metrics {
            m.set_broken_plan_files(broken.len() as u64);
        }
        raise(ledger, &alerts, now)?;
        Ok(report)
    }

    /// The ledger part of [`sync`](Self::sync); `contents` gets the new content of each
    /// publication edited after it was published.
    fn sync_rows(
        &mut self,
        mut reading: Reading,
        ledger: &mut dyn Ledger,
        now: Timestamp,
        contents: &mut HashMap<Key, String>,
    ) -> Result<SyncReport, PassError> {
        let mut plans = match self.plans.take() {
            Some(mut plans) => {
                plans.reg = reading.reg.clone();
                plans
            }
            None => plans::empty(reading.reg.clone()),
        };
        let scope = std::mem::replace(&mut reading.scope, plans::Scope::All).files(&*ledger)?;
        plans.apply(&mut reading, scope.as_deref());
        let mut report = match &scope {
            None => ledger.sync(&reading.planned, &|e| plans.keep(e), now, self.grace)?,
            Some(files) => {
                ledger.sync_files(&reading.planned, files, &|e| plans.keep(e), now, self.grace)?
            }
        };
        // A post id met in a file not read now: still there (a duplicate), or moved away.
        let conflicts = std::mem::take(&mut report.conflicts);
        let mut moved = Vec::new();
        for (key, other) in conflicts {
            let still_there = plans::folder_of(&other).is_some_and(|folder| {
                self.read_again(&other, folder, &plans.reg)
                    .iter()
                    .any(|p| p.id == key.post && key.org == p.org.value)
            });
            let file = reading
                .planned
                .iter()
                .find(|p| p.is(&key))
                .map(|p| Arc::clone(&p.file));
            match file {
                Some(file) if still_there => {
                    plans.duplicate((key.org.clone(), key.post.clone()), file, other.into());
                }
                _ => moved.push(other),
            }
        }
        if !moved.is_empty() {
            let mut scope: Vec<String> = scope.iter().flatten().map(ToString::to_string).collect();
            scope.extend(moved);
            let again = read_files(&self.root, plans.reg.clone(), &scope)?;
            self.plans = Some(plans);
            let more = self.sync_rows(again, ledger, now, contents)?;
            report.merge(more);
            return Ok(report);
        }
        for k in &report.edited_after_publication {
            if let Some(p) = reading.planned.iter().find(|p| p.is(k)) {
                contents.insert(k.clone(), p.content.to_string());
            }
        }
        self.plans = Some(plans);
        Ok(report)
    }

    /// Lifts every block of a refused token (the retry sweep) and returns the publications that
    /// were waiting for it: the caller makes them due now, so the next pass tries again.
    pub fn unblock_all(&self) -> Vec<Key> {
        self.blocked
            .borrow_mut()
            .drain()
            .flat_map(|(_, b)| b.waiting)
            .collect()
    }

    /// Sends every publication due at `clock()`, and those that fall due while it sends (up to
    /// the limit in all), each page's publications in order and the pages side by side, each
    /// at its own pace: a page's lane takes its next publication as soon as its last one ended,
    /// and a publication that falls due meanwhile starts at once on its own page, whatever
    /// another page or network is waiting for (VK's 3 requests a second do not hold Telegram
    /// back). `speed` is how many seconds of `clock` pass per real second. Returns when no lane
    /// has work left, or once `stop()` says yes: then nothing new is claimed, and what is in
    /// flight finishes. Each publication is attempted at most once per call.
    ///
    /// Fails when the ledger fails.
    pub async fn send_due(
        &self,
        ledger: &mut dyn Ledger,
        clock: &dyn Fn() -> Timestamp,
        stop: &dyn Fn() -> bool,
        speed: u32,
    ) -> Result<PassReport, PassError> {
        use futures_util::StreamExt as _;
        let Some(plans) = &self.plans else {
            return Ok(PassReport::default());
        };
        let pass = RefCell::new(Pass {
            ledger,
            report: PassReport::default(),
            failure: None,
            files: HashMap::new(),
        });
        // Each page's due publications, in time order, taken one by one by its lane.
        let lanes: RefCell<HashMap<(Network, String), VecDeque<Entry>>> =
            RefCell::new(HashMap::new());
        let take = |slot: &(Network, String)| {
            lanes
                .borrow_mut()
                .get_mut(slot)
                .and_then(VecDeque::pop_front)
        };
        let rest = |slot: &(Network, String)| -> Vec<Entry> {
            lanes
                .borrow_mut()
                .get_mut(slot)
                .map(|q| q.drain(..).collect())
                .unwrap_or_default()
        };
        let lane = |slot: (Network, String)| {
            let pass = &pass;
            let (take, rest) = (&take, &rest);
            async move {
                let (network, page) = &slot;
                let block = block_key(*network, page);
                while let Some(e) = take(&slot) {
                    if stop() || pass.borrow().failure.is_some() {
                        return slot;
                    }
                    let now = clock();
                    let until = self
                        .blocked
                        .borrow()
                        .get(&block)
                        .map(|b| b.until)
                        .filter(|until| *until > now);
                    if let Some(until) = until {
                        // The page waits for a person: its due rows wait too (no busy loop).
                        let mut waiting = vec![e];
                        waiting.extend(rest(&slot));
                        self.wait(&block, &waiting, until, now, &mut pass.borrow_mut());
                        return slot;
                    }
                    let claimed = pass.borrow_mut().write(|l| l.claim(&e.key, now));
                    let Some(claimed) = claimed else { return slot };
                    let Some(entry) = claimed else { continue };
                    let span = tracing::info_span!(
                        "publication",
                        org = %entry.key.org,
                        post = %entry.key.post,
                        network = entry.key.network.key(),
                        attempt = entry.attempts + 1,
                    );
                    let Some(Attempted {
                        outcome,
                        next,
                        answered,
                        committed,
                    }) = self
                        .attempt(&entry, plans, pass, clock)
                        .instrument(span.clone())
                        .await
                    else {
                        // Not sent: the ledger could not record it as being sent (a failure
                        // stops the pass) or the row is no longer scheduled.
                        continue;
                    };
                    let at = clock();
                    let _enter = span.enter();
                    let mut pass = pass.borrow_mut();
                    if !committed
                        && matches!(outcome, Outcome::Published { .. } | Outcome::Uncertain(_))
                    {
                        // A client reported a publication without calling its commit hook (a
                        // bug): the row is recorded as sent all the same, never as waiting.
                        tracing::error!("a publishing request left without its commit");
                        if pass.write(|l| l.mark_sending(&entry.key, at)).is_none() {
                            return slot;
                        }
                    }
                    self.record(&entry, &outcome, at, &mut pass.report);
                    let mut alerts = Vec::new();
                    match &outcome {
                        Outcome::Failed(why) => alerts.push(alert::failed(&entry.key, why)),
                        Outcome::Uncertain(why) => {
                            alerts.push(alert::uncertain(&entry.key, why));
                        }
                        Outcome::Published { .. } if self.refused.borrow_mut().remove(&block) => {
                            // The token works again: a later refusal is alerted again.
                            self.blocked.borrow_mut().remove(&block);
                            let _ = pass.ledger.forget_alert(&alert::token_id(&block));
                        }
                        _ => {}
                    }
                    if pass
                        .write(|l| l.finish(&entry.key, outcome, answered, at))
                        .is_none()
                    {
                        return slot;
                    }
                    if let Next::Block(why) = &next {
                        let until = at.checked_add(BLOCK_FOR).unwrap_or(at);
                        self.blocked.borrow_mut().insert(
                            block.clone(),
                            Blocked {
                                until,
                                reason: crate::t!("reason-token", why = why.as_str()),
                                waiting: vec![entry.key.clone()],
                            },
                        );
                        self.refused.borrow_mut().insert(block.clone());
                        alerts.push(alert::token(&block, &entry.key, page, why, BLOCK_FOR));
                    }
                    if let Err(err) = raise(&mut *pass.ledger, &alerts, at) {
                        pass.failure = Some(err);
                        return slot;
                    }
                    match next {
                        Next::Block(_) => {
                            let until = at.checked_add(BLOCK_FOR).unwrap_or(at);
                            self.wait(&block, &rest(&slot), until, at, &mut pass);
                            return slot;
                        }
                        Next::Stale(file) => {
                            if !pass.report.stale.contains(&file) {
                                pass.report.stale.push(file);
                            }
                            return slot;
                        }
                        Next::Go => {}
                    }
                }
                slot
            }
        };
        let page_of = |e: &Entry| {
            plans
                .reg
                .org(&e.key.org)
                .and_then(|o| o.pages.get(&e.key.network))
                .map_or_else(String::new, |p| p.id.value.clone())
        };
        let mut seen: HashSet<Key> = HashSet::new();
        let mut working: HashSet<(Network, String)> = HashSet::new();
        let mut workers = futures_util::stream::FuturesUnordered::new();
        loop {
            let halted = {
                let p = pass.borrow();
                stop() || p.failure.is_some()
            };
            if !halted && seen.len() < self.limit {
                let now = clock();
                let due = pass.borrow_mut().write(|l| l.due(now, self.limit));
                for e in due.into_iter().flatten() {
                    if seen.len() >= self.limit {
                        break;
                    }
                    if !seen.insert(e.key.clone()) {
                        continue;
                    }
                    let slot = (e.key.network, page_of(&e));
                    lanes
                        .borrow_mut()
                        .entry(slot.clone())
                        .or_default()
                        .push_back(e);
                    if working.insert(slot.clone()) {
                        workers.push(lane(slot));
                    }
                }
            }
            if workers.is_empty() {
                break;
            }
            // Until a lane runs out of work, or the next publication falls due.
            let nap = if halted {
                LANE_NAP
            } else {
                let now = clock();
                let next = pass.borrow_mut().write(|l| l.next_due_after(now)).flatten();
                next.map_or(LANE_NAP, |t| {
                    let wait = now.duration_until(t).max(SignedDuration::ZERO)
                        / i32::try_from(speed.max(1)).unwrap_or(i32::MAX);
                    Duration::try_from(wait).unwrap_or(LANE_NAP).min(LANE_NAP)
                })
            };
            tokio::select! {
                Some(slot) = workers.next() => {
                    working.remove(&slot);
                    let more = lanes.borrow().get(&slot).is_some_and(|q| !q.is_empty());
                    if more && !halted {
                        working.insert(slot.clone());
                        workers.push(lane(slot));
                    }
                }
                () = tokio::time::sleep(nap) => {}
            }
        }
        drop(workers);
        let pass = pass.into_inner();
        match pass.failure {
            Some(err) => Err(err),
            None => Ok(pass.report),
        }
    }

    /// Makes `entries` wait until `until` for the block `block` (a refused token), each with
    /// the block's reason from `now` on.
    fn wait(
        &self,
        block: &str,
        entries: &[Entry],
        until: Timestamp,
        now: Timestamp,
        pass: &mut Pass,
    ) {
        let reason = self.blocked.borrow().get(block).map(|b| b.reason.clone());
        for e in entries {
            let why = reason.as_deref();
            if pass
                .write(|l| l.set_next_try(&e.key, until, why, now))
                .is_none()
            {
                return;
            }
        }
        if let Some(b) = self.blocked.borrow_mut().get_mut(block) {
            b.waiting.extend(entries.iter().map(|e| e.key.clone()));
        }
    }

    fn record(&self, entry: &Entry, outcome: &Outcome, at: Timestamp, report: &mut PassReport) {
        let key = &entry.key;
        let m = self.metrics.as_deref();
        match outcome {
            Outcome::Published { remote_id, url } => {
                let late = at.duration_since(entry.due).max(SignedDuration::ZERO);
                if let Some(m) = m {
                    m.published(key.network, Duration::try_from(late).unwrap_or_default());
                }
                tracing::info!(remote_id = %remote_id, url = url.as_deref().unwrap_or(""), lateness_ms = late.as_millis(), "published");
                report.published.push(Published {
                    key: key.clone(),
                    remote_id: remote_id.clone(),
                    at,
                    late,
                });
            }
            Outcome::Retry { at: when, why } => {
                if let Some(m) = m {
                    m.retried(key.network);
                }
                let why = why.clone().unwrap_or_default();
                tracing::warn!(retry_at = %when, reason = %why, "will retry");
                report.retried.push((key.clone(), *when, why));
            }
            Outcome::Failed(why) => {
                if let Some(m) = m {
                    m.failed(key.network);
                }
                tracing::error!(reason = %why, "failed: needs a person");
                report.failed.push((key.clone(), why.clone()));
            }
            Outcome::Uncertain(why) => {
                if let Some(m) = m {
                    m.uncertain(key.network);
                }
                tracing::error!(reason = %why, "uncertain: a person must check the page");
                report.uncertain.push((key.clone(), why.clone()));
            }
        }
    }

    /// The posts of a plan file read again when one of them is due, held to the same guard as
    /// when the plans were read: the file may have changed since (a refused file reads as
    /// empty, and the plans are read again).
    fn read_again(&self, rel: &str, folder: &str, reg: &Registry) -> Vec<Post> {
        match Repo::open(&self.root) {
            Ok(repo) => match read_plan_file(&repo, rel, folder, reg) {
                (posts, None) => posts,
                (_, Some(_)) => Vec::new(),
            },
            Err(_) => Vec::new(),
        }
    }

    /// The post of a ledger row as its plan file reads now (each file read once for all of
    /// `files`): `None` when it must not be sent now (its file is refused, its id is taken
    /// twice, or the row knows no file yet), `Some(None)` when the file no longer has it.
    fn post_now(
        &self,
        plans: &Plans,
        entry: &Entry,
        files: &mut HashMap<Arc<str>, Vec<Post>>,
    ) -> Option<Option<Post>> {
        if plans.keep(entry) {
            return None;
        }
        let rel = entry.file.as_deref()?;
        let folder = plans::folder_of(rel)?;
        let key = &entry.key;
        let posts = match files.get(rel) {
            Some(posts) => posts,
            None => files
                .entry(Arc::from(rel))
                .or_insert_with(|| self.read_again(rel, folder, &plans.reg)),
        };
        Some(
            posts
                .iter()
                .find(|p| p.id == key.post && key.org == p.org.value)
                .cloned(),
        )
    }

    /// One attempt of a claimed publication: the row stays `scheduled` through the rate-limit
    /// waits and uploads, and becomes `sending` (committed) immediately before the first
    /// request that can publish. `None`: nothing was sent because that could not be recorded.
    async fn attempt(
        &self,
        entry: &Entry,
        plans: &Plans,
        pass: &RefCell<Pass<'_>>,
        clock: &dyn Fn() -> Timestamp,
    ) -> Option<Attempted> {
        let key = &entry.key;
        let now = clock();
        // The point of no return, called by the client right before its publishing request.
        let committed = std::cell::Cell::new(false);
        let mut commit = || -> Result<(), NotCommitted> {
            if committed.get() {
                return Ok(());
            }
            let at = clock();
            match pass.borrow_mut().write(|l| l.mark_sending(key, at)) {
                Some(true) => {
                    committed.set(true);
                    Ok(())
                }
                Some(false) => Err(NotCommitted {
                    reason: "the publication is no longer scheduled".to_owned(),
                }),
                None => Err(NotCommitted {
                    reason: "the ledger failed".to_owned(),
                }),
            }
        };
        let ended = self.try_once(entry, plans, pass, now, &mut commit).await?;
        Some(Attempted {
            outcome: ended.0,
            next: ended.1,
            answered: ended.2,
            committed: committed.get(),
        })
    }

    /// The body of [`Publisher::attempt`]: the outcome, what the page's queue does next, and
    /// whether a request got an answer (or a transport error). `None`: `commit` refused.
    async fn try_once(
        &self,
        entry: &Entry,
        plans: &Plans,
        pass: &RefCell<Pass<'_>>,
        now: Timestamp,
        commit: &mut dyn FnMut() -> Result<(), NotCommitted>,
    ) -> Option<(Outcome, Next, bool)> {
        let key = &entry.key;
        // A plan that cannot be read now, or a network without credentials: try again later.
        let later = |why: &str| {
            tracing::warn!(reason = why, "not sent now");
            Some((
                Outcome::Retry {
                    at: now
                        .checked_add(SignedDuration::from_mins(10))
                        .unwrap_or(now),
                    why: Some(why.to_owned()),
                },
                Next::Go,
                false,
            ))
        };
        let Some(page) = plans
            .reg
            .org(&key.org)
            .and_then(|o| o.pages.get(&key.network))
        else {
            return Some((
                Outcome::Failed(crate::t!(
                    "reason-no-page",
                    network = key.network.to_string()
                )),
                Next::Go,
                false,
            ));
        };
        let found = self.post_now(plans, entry, &mut pass.borrow_mut().files);
        let Some(post) = found else {
            return later(&crate::t!("reason-plan-unreadable"));
        };
        // The file reads otherwise than the ledger was told: send what the ledger knows only.
        // The file is read again (the daemon does it beside the publishing), and the row goes
        // out after that, a moment later.
        let stale = || {
            let again = now.checked_add(STALE_WAIT).unwrap_or(now);
            let file = entry.file.clone().unwrap_or_default();
            Some((
                Outcome::Retry {
                    at: again,
                    why: None,
                },
                Next::Stale(file),
                false,
            ))
        };
        let Some(post) = post else {
            return stale();
        };
        if !content_hash(&post, key.network).matches(&entry.content) {
            return stale();
        }
        // Each picture is prepared once: for the publication and for the bytes uploaded. On a
        // blocking thread: decoding a 24-megapixel photo takes a second, and on the runtime's
        // thread it would stall every other page's request in flight until its timeout (a
        // request sent and not answered in time is `uncertain`).
        let written: Vec<String> = post
            .images_for(key.network)
            .iter()
            .map(|i| i.value.clone())
            .collect();
        let (cache, root, org, network) = (
            self.cache.clone(),
            self.root.clone(),
            key.org.to_string(),
            key.network,
        );
        // The clips too (a cache hit when they were prepared ahead; a transcode otherwise).
        let clips = clip_jobs(&post, key.network);
        let (prepared, adapted): (HashMap<String, (ImageRef, PathBuf)>, Vec<_>) =
            tokio::task::spawn_blocking(move || {
                let images = written
                    .into_iter()
                    .filter_map(|w| {
                        let p = cache.prepare_written(&root, &org, &w, network)?;
                        Some((w, p))
                    })
                    .collect();
                let clips: Vec<(String, Motion, crate::media::video::PreparedVideo)> = clips
                    .into_iter()
                    .filter_map(|(clip, poster, motion)| {
                        let p = cache.prepare_video_written(
                            &root,
                            &org,
                            &clip,
                            poster.as_deref(),
                            motion,
                            network,
                        )?;
                        Some((clip, motion, p))
                    })
                    .collect();
                (images, clips)
            })
            .await
            .unwrap_or_default();
        let lookup = |written: &str| prepared.get(written).map(|(image, _)| image.clone());
        let clip_lookup = |written: &str, motion: Motion| {
            adapted
                .iter()
                .find(|(w, m, _)| w == written && *m == motion)
                .map(|(_, _, p)| p.video.clone())
        };
        let publication = match publication::render(&post, page, &lookup, &clip_lookup) {
            Ok(p) => p,
            Err(e) => {
                return Some((
                    Outcome::Failed(crate::t!(
                        "reason-not-rendered",
                        network = key.network.to_string(),
                        why = e.message()
                    )),
                    Next::Go,
                    false,
                ));
            }
        };
        let mut paths: HashMap<&str, &PathBuf> = prepared
            .values()
            .map(|(image, path)| (image.source.as_str(), path))
            .collect();
        // A clip's MP4 and poster are read by their sources as pictures are.
        for (_, _, p) in &adapted {
            paths.insert(p.video.source.as_str(), &p.file);
            paths.insert(p.video.poster.source.as_str(), &p.poster);
        }
        let bytes = |i: &ImageRef| {
            paths
                .get(i.source.as_str())
                .and_then(|p| std::fs::read(p).ok())
                .unwrap_or_default()
        };
        // The uploads made ahead of the very pictures prepared now (the same cache key: the
        // same bytes for the same network), for this page; `None` where there is none. What was
        // not uploaded ahead yet is not any more: this attempt uploads it.
        if let Some(up) = &self.uploads {
            up.started(key);
        }
        let ready = |i: &ImageRef| -> Option<String> {
            let picture = paths
                .get(i.source.as_str())
                .and_then(|p| p.file_stem())
                .and_then(|s| s.to_str())?;
            self.uploads
                .as_ref()?
                .take(key.network, &page.id.value, picture, key)
        };
        let result: Result<RemoteId, (PublishError, bool)> = match &publication {
            Publication::Telegram(calls) => match &self.clients.telegram {
                None => return later(&not_configured(key.network)),
                Some(c) => {
                    let mut ids = Vec::new();
                    let mut failure = None;
                    for call in calls {
                        match c.execute_with(call, &bytes, &mut *commit).await {
                            Ok(got) => ids.extend(got),
                            Err(e) => {
                                failure = Some((e, !ids.is_empty()));
                                break;
                            }
                        }
                    }
                    match failure {
                        None => Ok(RemoteId::Telegram(ids)),
                        Some(f) => Err(f),
                    }
                }
            },
            Publication::Vk(calls) => match &self.clients.vk {
                None => return later(&not_configured(key.network)),
                Some(c) => c
                    .execute_prepared(calls, &bytes, vk_ready(calls, &ready), &mut *commit)
                    .await
                    .map(|p| RemoteId::Vk {
                        owner_id: p.owner_id,
                        post_id: p.post_id,
                    })
                    .map_err(|e| (e, false)),
            },
            Publication::Ok(calls) => match &self.clients.ok {
                None => return later(&not_configured(key.network)),
                Some(c) => c
                    .execute_prepared(calls, &bytes, ok_ready(calls, &ready), &mut *commit)
                    .await
                    .map(RemoteId::Ok)
                    .map_err(|e| (e, false)),
            },
        };
        // The client returned: a request got an answer or a transport error (or the call list
        // was refused before anything left, which ends the publication anyway). A refused
        // commit means nothing publishing left, and the attempt did not happen.
        match result {
            Ok(remote_id) => Some((
                Outcome::Published {
                    url: remote_id.url(page),
                    remote_id: remote_id.to_string(),
                },
                Next::Go,
                true,
            )),
            Err((PublishError::NotCommitted { reason }, false)) => {
                tracing::warn!(reason = %reason, "not sent: the ledger did not record it as being sent");
                None
            }
            Err((e, partly)) => {
                if let (PublishError::RateLimited { .. }, Some(m)) = (&e, &self.metrics) {
                    m.rate_limited(key.network);
                }
                match e {
                    PublishError::Unauthorized { reason } if !partly => {
                        // The publication waits for the token, it is not lost.
                        let at = now.checked_add(BLOCK_FOR).unwrap_or(now);
                        let why = crate::t!("reason-token", why = reason.as_str());
                        Some((
                            Outcome::Retry { at, why: Some(why) },
                            Next::Block(reason),
                            true,
                        ))
                    }
                    e => Some((decide(entry, e, partly, now), Next::Go, true)),
                }
            }
        }
    }
}

/// The upload made ahead for each `UploadPhoto` step of a VK publication, in order.
fn vk_ready(
    calls: &[publication::VkCall],
    ready: &dyn Fn(&ImageRef) -> Option<String>,
) -> Vec<Option<String>> {
    calls
        .iter()
        .filter_map(|c| match c {
            publication::VkCall::UploadPhoto { image, .. } => Some(ready(image)),
            _ => None,
        })
        .collect()
}

/// The upload made ahead for each `UploadPhoto` step of an OK publication, in order.
fn ok_ready(
    calls: &[publication::OkCall],
    ready: &dyn Fn(&ImageRef) -> Option<String>,
) -> Vec<Option<String>> {
    calls
        .iter()
        .filter_map(|c| match c {
            publication::OkCall::UploadPhoto { image, .. } => Some(ready(image)),
            publication::OkCall::UploadVideo { .. }
            | publication::OkCall::MediatopicPost { .. } => None,
        })
        .collect()
}

fn raise(ledger: &mut dyn Ledger, alerts: &[Alert], now: Timestamp) -> Result<(), PassError> {
    if alerts.is_empty() {
        return Ok(());
    }
    for a in ledger.raise(alerts, now)? {
        tracing::warn!(alert = %a.id, "{}", a.text);
    }
    Ok(())
}

/// Runs one pass: recovers rows left in `sending` by a crash, reads the plans, syncs the
/// ledger and sends what is due at `now` — `vestnik publish --due`.
///
/// Fails only when the registry cannot be read, a client cannot be configured, or the ledger
/// fails; problems of single posts end up in the report and the ledger.
pub async fn run_once(
    publisher: &mut Publisher,
    now: Timestamp,
    ledger: &mut dyn Ledger,
) -> Result<PassReport, PassError> {
    // Beside daemons on a shared ledger, only through the tokens none of them holds.
    let mut turns = tokens::Turns::new(publisher.networks());
    turns.renew(ledger, |held| publisher.hold(held))?;
    let recovered = recover(ledger, now)?;
    let reading = load(publisher.root())?;
    let sync = publisher.sync(reading, ledger, now)?;
    let broken = publisher.plans().map(Plans::broken).unwrap_or_default();
    // A pass longer than a turn ends there (what is left waits for the next run).
    let sent = publisher
        .send_due(ledger, &|| now, &|| turns.due(), 1)
        .await;
    turns.give_back(ledger, |held| publisher.hold(held));
    let mut report = sent?;
    report.sync = sync;
    report.broken_files = broken;
    report.recovered_uncertain = recovered;
    Ok(report)
}

/// After a crash: rows left in `sending` are retried on VK and become uncertain (with an
/// alert) elsewhere.
///
/// Fails when the ledger fails.
pub fn recover(ledger: &mut dyn Ledger, now: Timestamp) -> Result<Vec<Key>, PassError> {
    let stuck = ledger.recover()?;
    let alerts: Vec<Alert> = stuck
        .iter()
        .map(|e| match &e.state {
            State::Uncertain { reason } => alert::uncertain(&e.key, reason),
            _ => alert::uncertain(&e.key, &crate::t!("alert-stopped-while-sending")),
        })
        .collect();
    raise(ledger, &alerts, now)?;
    Ok(stuck.into_iter().map(|e| e.key).collect())
}

/// Why a publication waits when its network has no credentials in the configuration.
fn not_configured(network: Network) -> String {
    crate::t!("reason-not-configured", network = network.to_string())
}

/// The retry decision for a failed attempt: it lives here, not in the clients.
fn decide(entry: &Entry, e: PublishError, partly: bool, now: Timestamp) -> Outcome {
    let key = &entry.key;
    // This attempt got an answer (or a transport error): it counts.
    let attempts = entry.attempts.saturating_add(1);
    let at = |d: SignedDuration| now.checked_add(d).unwrap_or(now);
    if partly {
        // Some messages of the publication are up: sending it again would repeat them.
        return Outcome::Uncertain(crate::t!("reason-partly", why = e.to_string()));
    }
    let network = key.network.to_string();
    match e {
        PublishError::RateLimited { after, .. } => Outcome::Retry {
            at: at(SignedDuration::try_from(after).unwrap_or(SignedDuration::from_secs(60))),
            why: Some(crate::t!("reason-rate-limited", network = network)),
        },
        PublishError::Transient { reason } if attempts < MAX_ATTEMPTS => Outcome::Retry {
            at: at(backoff(key, attempts)),
            why: Some(crate::t!(
                "reason-transient",
                network = network,
                why = reason.as_str()
            )),
        },
        PublishError::Transient { reason } => Outcome::Failed(crate::t!(
            "reason-gave-up",
            attempts = attempts,
            why = reason.as_str()
        )),
        // VK drops a repeated `guid`: sending again is safe.
        PublishError::Unknown { reason } if deduplicates(key.network) => Outcome::Retry {
            at: now,
            why: Some(crate::t!(
                "reason-no-answer",
                network = network,
                why = reason.as_str()
            )),
        },
        PublishError::Unknown { reason } => Outcome::Uncertain(crate::t!(
            "reason-no-answer",
            network = network,
            why = reason.as_str()
        )),
        PublishError::Unauthorized { reason } => {
            Outcome::Failed(crate::t!("reason-token", why = reason.as_str()))
        }
        // Refused before its publishing request: nothing left; try again soon (the publisher
        // normally handles this itself).
        PublishError::NotCommitted { reason } => Outcome::Retry {
            at: now,
            why: Some(reason),
        },
        PublishError::Rejected { reason } => Outcome::Failed(crate::t!(
            "reason-refused",
            network = network,
            why = reason.as_str()
        )),
    }
}

impl State {
    /// The state in the words of the current language (`published`, «опубликовано»).
    pub fn words(&self) -> String {
        crate::locale::text(&format!("state-{}", self.name()), &[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 12 item 9: the budget counts this attempt and the answered ones before it, never
    /// the claims of processes that died before an answer.
    #[test]
    fn a_single_transient_failure_after_crashes_is_retried() {
        let now: Timestamp = "2026-12-01T02:00:00Z".parse().unwrap();
        let mut entry = Entry {
            key: Key {
                org: "school".into(),
                post: "a".into(),
                network: Network::Vk,
            },
            due: now,
            next_try: now,
            content: String::new(),
            attempts: 0,
            state: State::Sending,
            updated: now,
            file: None,
            waiting: None,
        };
        let e = || PublishError::Transient {
            reason: "HTTP 502".into(),
        };
        match decide(&entry, e(), false, now) {
            Outcome::Retry { at, .. } => assert_eq!(at, now + backoff(&entry.key, 1)),
            other => panic!("{other:?}"),
        }
        entry.attempts = MAX_ATTEMPTS - 1;
        assert!(matches!(
            decide(&entry, e(), false, now),
            Outcome::Failed(_)
        ));
    }
}
