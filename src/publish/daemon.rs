//! `vestnik run`: the long-running publisher.
//!
//! **Posts** are taken from the ledger with a deadline-ordered wait: the loop sleeps until the
//! earliest due publication (one indexed query, `Ledger::next_due`) and is woken early when the
//! plans change — the pattern of mini-redis `src/db.rs` (a `Notify` plus `sleep_until`). It
//! never polls posts one by one, and it never hands posts to the cron scheduler (see
//! docs/decisions.md#posts-go-through-the-ledger-not-a-cron-scheduler: tokio-cron-scheduler
//! 0.15.1 loses one-shot jobs in bursts).
//!
//! **Recurring jobs** run on tokio-cron-scheduler with cron expressions from the config, in the
//! registry's zone: the content sync (git fetch + fast-forward, or a cheap look for changed
//! files in a plain directory), the weekly compliance summary and the retry sweep. They only
//! touch shared flags and the `Notify`; the ledger belongs to the loop alone (and to the alert
//! task, through its own connection). Each job has an
//! overlap guard (a run still going makes the next one skip), and the scheduler gets a large
//! channel so that its broadcast channel never lags.
//!
//! **Pace**: a pass ([`Publisher::send_due`]) gives each page a lane of its own and keeps
//! taking what falls due while it sends, so a network's queue moves at its own pace: Telegram
//! never waits for VK's 3 requests a second. A pass ends when nothing is left to send, or when a
//! job raises a flag (then what is in flight finishes first).
//!
//! **New responsibles**: after each git sync (and once at start) the sync job compares the
//! registry at the new commit with the one at the last commit looked at, remembered in the
//! ledger ([`RegistryWatch`]); each replaced responsible becomes one alert to the МЦУ chat, the
//! notice to ЦУР. The git reads happen on the job's task after the work tree is released; the
//! loop only raises what was found and remembers the commit.
//!
//! **Alerts** go out on their own task ([`Alerts`], with its own connection to the ledger),
//! woken after each pass and every [`Options::max_nap`]; publishing never waits for the alert
//! chat's limits. On a stop the task delivers once more, within
//! [`Options::shutdown_timeout`].
//!
//! **Time**: the loop asks a [`Clock`] for the wall time, and never sleeps longer than
//! [`Options::max_nap`] at once. A monotonic sleep does not advance while the machine is
//! suspended, so a post due during a suspension is caught at most `max_nap` after the wake.
//!
//! **Shutdown**: on SIGTERM nothing new is claimed; publications in flight get
//! [`Options::shutdown_timeout`] to finish and have their outcome recorded. What is cut after
//! that stays `sending`, and the next start resolves it (VK: sent again with the same `guid`;
//! Telegram and OK: `uncertain`, alerted).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio::sync::Notify;
use tokio_cron_scheduler::{Job, JobScheduler};
use tokio_util::sync::CancellationToken;

use crate::ops::metrics::Metrics;
use crate::ops::monitor::Health;
use crate::publish::alert::{self, Alerter};
use crate::publish::changes::{Changes, Tree};
use crate::publish::git::GitSource;
use crate::publish::ledger::Ledger;
use crate::publish::tokens::Turns;
use crate::publish::watch::RegistryWatch;
use crate::publish::{self, PassError, PassReport, Plans, Publisher};

/// The wall clock of the loop.
pub trait Clock: Send + Sync {
    /// The current instant on this clock: the wall clock, or the sandbox demo's faster one.
    fn now(&self) -> Timestamp;

    /// How many of its seconds pass in one real second (1, except in the sandbox demo).
    fn speed(&self) -> u32 {
        1
    }
}

/// The system's clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock for tests: starts at a given time, follows tokio's clock (which a test can pause and
/// advance), and can jump forward without tokio's clock moving — what a suspended machine sees.
pub struct TestClock {
    start: Timestamp,
    origin: tokio::time::Instant,
    jumped_ms: AtomicI64,
}

impl TestClock {
    /// A clock that reads `start` now.
    pub fn new(start: Timestamp) -> TestClock {
        TestClock {
            start,
            origin: tokio::time::Instant::now(),
            jumped_ms: AtomicI64::new(0),
        }
    }

    /// Moves the wall time forward by `by` while no monotonic time passes (a suspension).
    pub fn jump(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.jumped_ms.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        let elapsed = SignedDuration::try_from(self.origin.elapsed()).unwrap_or_default();
        let jumped = SignedDuration::from_millis(self.jumped_ms.load(Ordering::SeqCst));
        self.start
            .checked_add(elapsed)
            .and_then(|t| t.checked_add(jumped))
            .unwrap_or(self.start)
    }
}

/// A clock that runs `speed` times faster than real time from `start`: `vestnik run --sandbox`
/// shows a week of publishing in a minute or two.
pub struct FastClock {
    start: Timestamp,
    origin: std::time::Instant,
    speed: u32,
}

impl FastClock {
    /// A clock reading `start` now and advancing `speed` seconds per real second.
    pub fn new(start: Timestamp, speed: u32) -> FastClock {
        FastClock {
            start,
            origin: std::time::Instant::now(),
            speed: speed.max(1),
        }
    }
}

impl Clock for FastClock {
    fn now(&self) -> Timestamp {
        let elapsed = self.origin.elapsed() * self.speed;
        self.start
            .checked_add(SignedDuration::try_from(elapsed).unwrap_or_default())
            .unwrap_or(self.start)
    }

    fn speed(&self) -> u32 {
        self.speed
    }
}

/// Where the plans come from.
pub enum Source {
    /// A plain directory, read as it is; changes are noticed by a cheap look at the files.
    Dir(PathBuf),
    /// A git remote kept in a checkout (the publisher's root is the checkout).
    Git(Arc<GitSource>),
}

/// Cron expressions of the recurring jobs (six fields, seconds first; `None` turns a job off).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jobs {
    /// Content sync: git fetch + fast-forward, or a look for changed files.
    pub sync: Option<String>,
    /// The weekly compliance summary to the МЦУ chat (for the ISO week just ended).
    pub weekly_summary: Option<String>,
    /// The retry sweep: pages whose token was refused are tried again; undelivered alerts too.
    pub retry_sweep: Option<String>,
    /// Comment moderation: a pass over the pages' comments (`publish::moderation`).
    pub moderate: Option<String>,
    /// The audit of the real pages (`publish::audit`): what they show, kept in the ledger.
    pub audit: Option<String>,
}

impl Default for Jobs {
    fn default() -> Jobs {
        Jobs {
            sync: Some("0 * * * * *".into()),
            weekly_summary: Some("0 0 9 * * Mon".into()),
            retry_sweep: Some("0 */15 * * * *".into()),
            moderate: Some("0 */2 * * * *".into()),
            audit: Some("0 30 6 * * *".into()),
        }
    }
}

/// How the loop behaves.
pub struct Options {
    /// The longest single sleep: how late a post due during a suspension can be caught.
    pub max_nap: Duration,
    /// How long publications in flight may take to finish after SIGTERM.
    pub shutdown_timeout: Duration,
    /// The recurring jobs.
    pub jobs: Jobs,
    /// Capacity of the cron scheduler's channels (its default, 200, drops activations in
    /// bursts; docs/decisions.md#cron-channel-size).
    pub job_channel_size: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_nap: Duration::from_secs(30),
            shutdown_timeout: Duration::from_secs(30),
            jobs: Jobs::default(),
            job_channel_size: 4096,
        }
    }
}

/// Why the daemon stopped on its own.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// A pass could not run (registry unreadable at start, ledger failing).
    #[error(transparent)]
    Pass(#[from] PassError),
    /// The content repository could not be fetched at start.
    #[error("the content repository cannot be fetched: {0}")]
    Git(#[from] crate::publish::git::GitError),
    /// The cron scheduler could not start a job (a bad cron expression, say).
    #[error("recurring job `{job}`: {reason}")]
    Job {
        /// Which job.
        job: &'static str,
        /// What the cron scheduler said.
        reason: String,
    },
}

impl DaemonError {
    /// The error in the language of the process's texts (its `Display` stays English, for
    /// logs).
    pub fn message(&self) -> String {
        match self {
            DaemonError::Pass(e) => e.message(),
            DaemonError::Git(e) => crate::t!("daemon-git", error = e.message()),
            DaemonError::Job { job, reason } => {
                crate::t!("daemon-job", job = *job, reason = reason.as_str())
            }
        }
    }
}

/// What the recurring jobs and the loop share: flags and the wake-up.
#[derive(Default)]
pub struct Signals {
    /// Held for reading while plan files are read, for writing while git changes them.
    content: Arc<tokio::sync::RwLock<()>>,
    wake: Notify,
    /// What changed and was not read yet (from the sync job, and from a pass that met a file
    /// changed since it was read).
    changes: std::sync::Mutex<Changes>,
    reload: AtomicBool,
    sweep: AtomicBool,
    weekly: AtomicBool,
    /// Wakes the moderation task for a pass.
    moderate: Notify,
    /// Wakes the audit task for a pass.
    audit: Notify,
}

impl Signals {
    /// Asks the loop to read the plans again, now.
    pub fn reload(&self) {
        self.reload.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Tells the loop that `changes` are to be read, and wakes it.
    pub fn changed(&self, changes: Changes) {
        if changes.is_empty() && changes.commit.is_none() {
            return;
        }
        self.changes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .add(changes);
        self.wake.notify_one();
    }

    fn take_changes(&self) -> Changes {
        std::mem::take(
            &mut *self
                .changes
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    fn raise(&self, flag: &AtomicBool) {
        flag.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }
}

/// How long to sleep: until the earliest due publication, at most `max_nap`, never negative.
pub fn next_wake(next_due: Option<Timestamp>, now: Timestamp, max_nap: Duration) -> Duration {
    let nap = SignedDuration::try_from(max_nap).unwrap_or(SignedDuration::from_secs(30));
    let wait = next_due.map_or(nap, |due| due.duration_since(now).min(nap));
    Duration::try_from(wait.max(SignedDuration::ZERO)).unwrap_or(Duration::ZERO)
}

/// How long the loop waits before it tries a failing ledger again.
const LEDGER_RETRY: Duration = Duration::from_secs(5);

/// How often a daemon on a shared ledger looks for rows left in flight by one that died.
const RECOVER_EVERY: Duration = Duration::from_secs(60);

/// How often at most the queue's depth is counted again while publications go out.
const DEPTH_EVERY: Duration = Duration::from_secs(60);

/// The metadata of a plain folder's plans, shared by the loop (which takes the first look
/// before the first reading) and the sync job.
type SharedTree = Arc<std::sync::Mutex<Option<Tree>>>;

/// The key under which the ledger remembers the commit whose plans it holds, per branch.
pub fn commit_key(branch: &str) -> String {
    format!("plans/commit/{branch}")
}

/// The reading of plan files beside the loop.
#[derive(Default)]
struct Reader {
    /// Changes not read yet.
    pending: Changes,
    /// The reading going on.
    task: Option<Going>,
    /// After a failed reading: not before this time again.
    retry_at: Option<Timestamp>,
    /// The folders' metadata (plain folder only).
    tree: SharedTree,
}

/// A reading going on: what it reads, its steps as they are read, and what they did so far.
struct Going {
    changes: Changes,
    steps: tokio::sync::mpsc::Receiver<Result<publish::Reading, publish::plans::ReadError>>,
    totals: Totals,
}

/// What the steps of one reading did, for its log line.
#[derive(Default)]
struct Totals {
    /// Files read (`None`: all).
    files: Option<usize>,
    publications: usize,
    added: usize,
    updated: usize,
    cancelled: usize,
    missed: usize,
}

/// Resets an overlap guard when a job run ends, even by a panic.
struct Running(Arc<AtomicBool>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// Takes the overlap guard of a job, or says that a run is still going.
fn begin(guard: &Arc<AtomicBool>, job: &str) -> Option<Running> {
    if guard.swap(true, Ordering::SeqCst) {
        tracing::warn!(job, "the previous run is still going; this run is skipped");
        return None;
    }
    Some(Running(guard.clone()))
}

/// Adds one recurring job that runs `body` on `cron` in the zone `offset`, with an overlap
/// guard.
async fn add_job<F, Fut>(
    sched: &JobScheduler,
    name: &'static str,
    cron: &str,
    offset: chrono::FixedOffset,
    body: F,
) -> Result<(), DaemonError>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let guard = Arc::new(AtomicBool::new(false));
    let body = Arc::new(body);
    let job = Job::new_async_tz(cron, offset, move |_id, _sched| {
        let guard = guard.clone();
        let body = body.clone();
        Box::pin(async move {
            let Some(_running) = begin(&guard, name) else {
                return;
            };
            body().await;
        })
    })
    .map_err(|e| DaemonError::Job {
        job: name,
        reason: format!("`{cron}` is not a cron expression with seconds ({e})"),
    })?;
    sched.add(job).await.map_err(|e| DaemonError::Job {
        job: name,
        reason: e.to_string(),
    })?;
    Ok(())
}

/// The running recurring jobs.
struct Cron {
    sched: JobScheduler,
}

impl Cron {
    async fn start(
        options: &Options,
        offset: chrono::FixedOffset,
        signals: Arc<Signals>,
        source: &Source,
        watch: Option<Arc<RegistryWatch>>,
        tree: SharedTree,
    ) -> Result<Cron, DaemonError> {
        let fail = |reason: String| DaemonError::Job {
            job: "scheduler",
            reason,
        };
        let sched = JobScheduler::new_with_channel_size(options.job_channel_size)
            .await
            .map_err(|e| fail(e.to_string()))?;
        let jobs = &options.jobs;
        if let Some(cron) = &jobs.sync {
            let signals = signals.clone();
            match source {
                Source::Git(git) => {
                    let git = git.clone();
                    add_job(&sched, "sync", cron, offset, move || {
                        let git = git.clone();
                        let signals = signals.clone();
                        let watch = watch.clone();
                        async move {
                            let synced = {
                                // Files change under the checkout only while the loop reads none.
                                let _writing = signals.content.write().await;
                                git.sync().await
                            };
                            match synced {
                                Ok(s) => {
                                    if s.changed() {
                                        tracing::info!(commit = %s.commit, "new commit in the content repository");
                                        // Only what the commits changed is read again.
                                        let changes = match s.previous.as_deref() {
                                            Some(previous) => git
                                                .changed_files(Some(previous), &s.commit)
                                                .await
                                                .map(Changes::from_paths)
                                                .unwrap_or_else(|e| {
                                                    tracing::warn!(error = %e, "git cannot tell what changed; all plans are read again");
                                                    Changes::everything()
                                                }),
                                            None => Changes::everything(),
                                        };
                                        signals.changed(Changes {
                                            commit: Some(s.commit.clone()),
                                            ..changes
                                        });
                                    }
                                    // After the work tree is released: git reads only, while the
                                    // loop publishes.
                                    if let Some(w) = &watch
                                        && w.look().await
                                    {
                                        signals.wake.notify_one();
                                    }
                                }
                                Err(e) => tracing::error!(error = %e, "content sync failed; publishing from the last good commit"),
                            }
                        }
                    })
                    .await?;
                }
                Source::Dir(_) => {
                    add_job(&sched, "sync", cron, offset, move || {
                        let signals = signals.clone();
                        let tree = tree.clone();
                        async move {
                            let looked = tokio::task::spawn_blocking(move || {
                                tree.lock()
                                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                                    .as_mut()
                                    .map(Tree::look)
                            })
                            .await;
                            if let Ok(Some(changes)) = looked
                                && !changes.is_empty()
                            {
                                tracing::info!(
                                    files = changes.files.len(),
                                    all = changes.all,
                                    "plan files changed"
                                );
                                signals.changed(changes);
                            }
                        }
                    })
                    .await?;
                }
            }
        }
        if let Some(cron) = &jobs.weekly_summary {
            let signals = signals.clone();
            add_job(&sched, "weekly_summary", cron, offset, move || {
                let signals = signals.clone();
                async move { signals.raise(&signals.weekly) }
            })
            .await?;
        }
        if let Some(cron) = &jobs.moderate {
            let signals = signals.clone();
            add_job(&sched, "moderate", cron, offset, move || {
                let signals = signals.clone();
                async move { signals.moderate.notify_one() }
            })
            .await?;
        }
        if let Some(cron) = &jobs.audit {
            let signals = signals.clone();
            add_job(&sched, "audit", cron, offset, move || {
                let signals = signals.clone();
                async move { signals.audit.notify_one() }
            })
            .await?;
        }
        if let Some(cron) = &jobs.retry_sweep {
            let signals = signals.clone();
            add_job(&sched, "retry_sweep", cron, offset, move || {
                let signals = signals.clone();
                async move { signals.raise(&signals.sweep) }
            })
            .await?;
        }
        sched.start().await.map_err(|e| fail(e.to_string()))?;
        Ok(Cron { sched })
    }

    async fn stop(mut self) {
        if let Err(e) = self.sched.shutdown().await {
            tracing::warn!(error = %e, "the job scheduler did not stop cleanly");
        }
    }
}

/// Alert delivery, on its own task: the alerter and a connection to the same ledger of its own
/// (for SQLite, [`crate::publish::ledger::sqlite::SqliteLedger::open`] on the publisher's file,
/// inside the process that holds the publisher's lock). Publishing never waits for it.
pub struct Alerts {
    /// Where alerts go.
    pub alerter: Alerter,
    /// The ledger, as the task reads pending alerts and marks them sent.
    pub ledger: Box<dyn Ledger + Send>,
}

/// Delivers pending alerts whenever `wake` is notified, at least every `every`, until `done`;
/// then once more (the last pass's alerts), and ends. A failing ledger is logged and tried
/// again: alerts stay pending in the ledger, never lost.
async fn deliver_alerts(
    alerts: Alerts,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
    every: Duration,
    done: CancellationToken,
) {
    let Alerts {
        alerter,
        mut ledger,
    } = alerts;
    loop {
        let last = done.is_cancelled();
        if let Err(e) = alerter.deliver(&mut *ledger, clock.now()).await {
            tracing::error!(error = %e, "alerts cannot be read from the ledger; will try again");
        }
        if last {
            return;
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(every) => {}
            () = done.cancelled() => {}
        }
    }
}

/// Comment moderation, on tasks of its own with connections of its own to the ledger (as
/// [`Alerts`]): a pass whenever `jobs.moderate` fires, and the one Telegram update poller of
/// the bot. Publishing never waits for either.
pub struct Moderation {
    /// The moderator (the publisher's clients, the classifier).
    pub moderator: crate::publish::moderation::Moderator,
    /// The passes' connection to the ledger.
    pub ledger: Box<dyn Ledger + Send>,
    /// The poller's: the bot and its connection to the ledger, when Telegram is configured.
    pub poller: Option<(
        Arc<crate::networks::telegram::client::Client>,
        Box<dyn Ledger + Send>,
    )>,
}

/// Runs a moderation pass whenever `signals.moderate` is notified, until `done`. The registry
/// is read again for each pass (a page may turn moderation on between two). A failing pass is
/// logged; its comments are judged again the next time.
async fn moderate(
    mut moderator: crate::publish::moderation::Moderator,
    mut ledger: Box<dyn Ledger + Send>,
    root: PathBuf,
    clock: Arc<dyn Clock>,
    signals: Arc<Signals>,
    metrics: Arc<Metrics>,
    done: CancellationToken,
) {
    let options = crate::publish::moderation::Options {
        by: "daemon".to_owned(),
        ..Default::default()
    };
    loop {
        tokio::select! {
            () = signals.moderate.notified() => {}
            () = done.cancelled() => return,
        }
        let registry = {
            let _reading = signals.content.read().await;
            crate::plan::repo::read_registry(&root)
        };
        let registry = match registry {
            Ok((_, r)) => r,
            Err(e) => {
                tracing::warn!(error = %e.message(), "moderation skipped: the registry cannot be read");
                continue;
            }
        };
        let pass = moderator.pass(&registry, &mut *ledger, clock.now(), &options);
        let summary = tokio::select! {
            s = pass => s,
            () = done.cancelled() => return,
        };
        match summary {
            Ok(s) => {
                for d in &s.done {
                    metrics.moderated(
                        d.action.at.network,
                        &d.action.category,
                        d.action.action.key(),
                    );
                }
                for (page, why) in &s.problems {
                    tracing::warn!(page = %page, error = %why, "comments could not be moderated");
                }
                if !s.done.is_empty() {
                    tracing::info!(judged = s.judged, acted = s.done.len(), "moderation pass");
                    signals.wake.notify_one();
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "moderation pass failed; its comments are judged again next time")
            }
        }
    }
}

/// The audit of the real pages, on a task of its own with a connection of its own to the ledger
/// (as [`Moderation`]): a pass whenever `jobs.audit` fires. Its requests go at low priority
/// through the publisher's clients: publishing never waits for it.
pub struct Audit {
    /// The auditor (the publisher's clients).
    pub auditor: crate::publish::audit::Auditor,
    /// The passes' connection to the ledger.
    pub ledger: Box<dyn Ledger + Send>,
    /// The Telegram update poller, when moderation does not run it (one poller per bot): the
    /// channel posts others make come through it.
    pub poller: Option<(
        Arc<crate::networks::telegram::client::Client>,
        Box<dyn Ledger + Send>,
    )>,
}

/// Runs an audit pass whenever `signals.audit` is notified, until `done`: the default weeks
/// ([`crate::audit::default_weeks`]) of every page, what was seen kept in the ledger, the
/// findings logged. The registry and the plans are read again for each pass.
async fn audit(
    mut auditor: crate::publish::audit::Auditor,
    mut ledger: Box<dyn Ledger + Send>,
    root: PathBuf,
    clock: Arc<dyn Clock>,
    signals: Arc<Signals>,
    done: CancellationToken,
) {
    loop {
        tokio::select! {
            () = signals.audit.notified() => {}
            () = done.cancelled() => return,
        }
        let read = {
            let _reading = signals.content.read().await;
            crate::plan::repo::read_registry(&root).map(|(_, r)| {
                let external = crate::publish::audit::external_posts(&root, &r);
                (r, external)
            })
        };
        let (registry, external) = match read {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e.message(), "audit skipped: the registry cannot be read");
                continue;
            }
        };
        let now = clock.now();
        let (from, to) = crate::audit::default_weeks(now, &registry.tz);
        let options = crate::publish::audit::Options {
            org: None,
            from,
            to,
        };
        let mut quiet = |_: &crate::publish::audit::Progress| {};
        let pass = auditor.read(&registry, &mut *ledger, now, &options, &mut quiet);
        let pass = tokio::select! {
            r = pass => r,
            () = done.cancelled() => return,
        };
        match pass {
            Ok(pass) => {
                let scope = crate::audit::Scope { from, to, now };
                let findings = crate::audit::judge(
                    &registry,
                    &scope,
                    &pass.readings,
                    &pass.published,
                    &external,
                );
                for f in findings
                    .iter()
                    .filter(|f| f.level == crate::audit::Level::Error)
                {
                    tracing::warn!(rule = f.rule.id(), org = %f.org, page = %f.page, network = f.network.key(), message = %f.message, "audit finding");
                }
                // Told to the МЦУ and the responsibles by alert delivery, each set once.
                let alerts = crate::publish::audit::alerts(&findings, from, to);
                if let Err(e) = ledger.raise(&alerts, now) {
                    tracing::error!(error = %e, "audit alerts not raised");
                }
                for (page, why) in &pass.problems {
                    tracing::info!(page = %page, error = %why, "page not audited");
                }
                let from_ts = crate::audit::week_start(from, &registry.tz);
                // The plan files are read (the posts' texts): not while git changes them.
                let _reading = signals.content.read().await;
                match crate::publish::audit::settle_uncertain(
                    &mut *ledger,
                    &registry,
                    &root,
                    &pass,
                    from_ts,
                    now,
                ) {
                    Ok(settled) => {
                        if settled
                            .iter()
                            .any(|(_, how)| *how == crate::publish::audit::Settled::Resend)
                        {
                            // A row is scheduled again: the loop takes it at once.
                            signals.wake.notify_one();
                        }
                        for (key, how) in settled {
                            tracing::info!(org = %key.org, post = %key.post, network = key.network.key(), outcome = ?how, "uncertain publication looked at");
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "uncertain publications not settled"),
                }
                tracing::info!(
                    pages = pass.readings.len(),
                    calls = pass.calls,
                    new_posts = pass.new_posts,
                    findings = findings.len(),
                    "audit pass"
                );
            }
            Err(e) => tracing::error!(error = %e, "audit pass failed; it runs again next time"),
        }
    }
}

/// The one poller of the bot's updates: long polls `getUpdates` and keeps the comments in the
/// ledger's inbox and the channel posts others made as the audit's observations, until `done`. A failure is logged and tried again after a pause (a second
/// poller of the same bot, say, which Telegram answers with 409).
async fn poll_updates(
    tg: Arc<crate::networks::telegram::client::Client>,
    mut ledger: Box<dyn Ledger + Send>,
    done: CancellationToken,
) {
    use crate::publish::moderation::{POLL_PAUSE, POLL_TIMEOUT_SECS, receive_updates};
    let mut pause = POLL_PAUSE;
    loop {
        if !tg.held() {
            // Another daemon holds the bot's token: its poller reads the updates (Telegram
            // answers a second poller with 409).
            tokio::select! {
                () = tokio::time::sleep(POLL_PAUSE) => continue,
                () = done.cancelled() => return,
            }
        }
        let got = tokio::select! {
            r = receive_updates(&tg, &mut *ledger, POLL_TIMEOUT_SECS) => r,
            () = done.cancelled() => return,
        };
        match got {
            Ok(n) => {
                pause = POLL_PAUSE;
                if n > 0 {
                    tracing::debug!(updates = n, "Telegram updates received");
                    continue;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "Telegram updates could not be read; trying again");
                pause = (pause * 2).min(Duration::from_secs(60));
            }
        }
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = done.cancelled() => return,
        }
    }
}

/// What the loop keeps when it begins again after a pause of the ledger.
struct Standing {
    /// Since when publishing is paused because the ledger fails.
    paused: Option<std::time::Instant>,
    /// The turns on the tokens.
    turns: Turns,
}

/// The parts of a running daemon.
pub struct Daemon<'a> {
    /// The publisher (clients, plans).
    pub publisher: Publisher,
    /// The ledger.
    pub ledger: &'a mut dyn Ledger,
    /// Where the plans come from.
    pub source: Source,
    /// The wall clock.
    pub clock: Arc<dyn Clock>,
    /// Loop settings.
    pub options: Options,
    /// Where alerts go, if anywhere (else they stay pending in the ledger and in the log).
    pub alerts: Option<Alerts>,
    /// Comment moderation, if it runs.
    pub moderation: Option<Moderation>,
    /// The audit of the real pages, if it runs.
    pub audit: Option<Audit>,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Liveness for `/healthz`.
    pub health: Arc<Health>,
    /// Flags and wake-up shared with the recurring jobs (and tests).
    pub signals: Arc<Signals>,
}

impl Daemon<'_> {
    /// Runs until `stop` is cancelled; `report` is called after each pass. Once it is, nothing
    /// new is claimed, and what is in flight gets [`Options::shutdown_timeout`] to finish.
    ///
    /// Fails when it cannot start (no content, a bad cron expression, the ledger failing); a
    /// ledger that fails later pauses publishing until it answers again, and a broken plan
    /// file, a failing network or a failing git fetch are reported and survived.
    pub async fn run(
        mut self,
        stop: CancellationToken,
        mut report: impl FnMut(&PassReport),
    ) -> Result<(), DaemonError> {
        if let Source::Git(git) = &self.source {
            match git.sync().await {
                Ok(s) => tracing::info!(commit = %s.commit, "content repository ready"),
                Err(e)
                    if git
                        .checkout()
                        .join(crate::plan::registry::REGISTRY_PATH)
                        .exists() =>
                {
                    tracing::error!(error = %e, "content sync failed; starting from the last good commit");
                }
                Err(e) => return Err(e.into()),
            }
        }
        // On a shared ledger each token is used by one daemon at a time: the turns are taken
        // before any task of this daemon may use a token.
        let mut turns = Turns::new(self.publisher.networks());
        turns
            .renew(self.ledger, |held| self.publisher.hold(held))
            .map_err(PassError::from)?;
        let now = self.clock.now();
        let recovered = publish::recover(self.ledger, now)?;
        if !recovered.is_empty() {
            tracing::warn!(
                count = recovered.len(),
                "publications left in flight by a crash are uncertain"
            );
        }
        // The registry's new responsibles, from the commit remembered in the ledger.
        let watch = match &self.source {
            Source::Git(git) => {
                let key = crate::publish::watch::key(git.branch());
                let remembered = self.ledger.meta(&key).map_err(PassError::from)?;
                Some(Arc::new(RegistryWatch::new(git.clone(), remembered)))
            }
            Source::Dir(_) => None,
        };
        let mut reader = Reader::default();
        let tz = self.start_reading(&mut reader, now).await?;
        let offset = tz.to_offset(now).seconds();
        let offset = chrono::FixedOffset::east_opt(offset)
            .unwrap_or_else(|| chrono::Offset::fix(&chrono::Utc));
        let cron = Cron::start(
            &self.options,
            offset,
            self.signals.clone(),
            &self.source,
            watch.clone(),
            reader.tree.clone(),
        )
        .await?;
        // The first look (a change made while the daemon was down) on a task of its own: the
        // loop does not wait for its git reads.
        let first_look = watch.clone().map(|w| {
            let signals = self.signals.clone();
            tokio::spawn(async move {
                if w.look().await {
                    signals.wake.notify_one();
                }
            })
        });
        // Alerts go out on their own task: publishing never waits for the chat's limits.
        let alerts_wake = Arc::new(Notify::new());
        let alerts_done = CancellationToken::new();
        let delivery = self.alerts.take().map(|alerts| {
            tokio::spawn(deliver_alerts(
                alerts,
                self.clock.clone(),
                alerts_wake.clone(),
                self.options.max_nap,
                alerts_done.clone(),
            ))
        });
        let moderation_done = CancellationToken::new();
        let mut moderation_tasks = Vec::new();
        if let Some(m) = self.moderation.take() {
            moderation_tasks.push(tokio::spawn(moderate(
                m.moderator,
                m.ledger,
                self.publisher.root().to_owned(),
                self.clock.clone(),
                self.signals.clone(),
                self.metrics.clone(),
                moderation_done.clone(),
            )));
            if let Some((tg, ledger)) = m.poller {
                moderation_tasks.push(tokio::spawn(poll_updates(
                    tg,
                    ledger,
                    moderation_done.clone(),
                )));
            }
        }
        if let Some(a) = self.audit.take() {
            moderation_tasks.push(tokio::spawn(audit(
                a.auditor,
                a.ledger,
                self.publisher.root().to_owned(),
                self.clock.clone(),
                self.signals.clone(),
                moderation_done.clone(),
            )));
            // One poller per bot: this one only when moderation runs none.
            if let Some((tg, ledger)) = a.poller {
                moderation_tasks.push(tokio::spawn(poll_updates(
                    tg,
                    ledger,
                    moderation_done.clone(),
                )));
            }
        }
        // A ledger that fails (PostgreSQL down, a full disk) pauses publishing: nothing is sent
        // without its row being written first, and the loop begins again once the ledger
        // answers. Said once in the log and on /healthz, not per try.
        let mut standing = Standing {
            paused: None,
            turns,
        };
        let result = loop {
            let turned = self
                .turns(
                    &stop,
                    &mut report,
                    &alerts_wake,
                    watch.as_deref(),
                    &mut reader,
                    &mut standing,
                )
                .await;
            match turned {
                Err(DaemonError::Pass(PassError::Ledger(e))) if !stop.is_cancelled() => {
                    if standing.paused.is_none() {
                        tracing::error!(error = %e, "the ledger cannot be written; publishing pauses until it can");
                        self.health
                            .set_problem(Some(format!("the ledger cannot be written: {e}")));
                        standing.paused = Some(std::time::Instant::now());
                    }
                    tokio::select! {
                        () = tokio::time::sleep(LEDGER_RETRY) => {}
                        () = stop.cancelled() => break Ok(()),
                    }
                }
                other => break other,
            }
        };
        moderation_done.cancel();
        for task in moderation_tasks {
            let _ = task.await;
        }
        // Nothing of this daemon uses the tokens any more: another may take them.
        standing
            .turns
            .give_back(self.ledger, |held| self.publisher.hold(held));
        cron.stop().await;
        if let Some(task) = first_look {
            task.abort();
        }
        alerts_done.cancel();
        if let Some(task) = delivery {
            // The last pass's alerts still go out, within the shutdown timeout.
            if tokio::time::timeout(self.options.shutdown_timeout, task)
                .await
                .is_err()
            {
                tracing::warn!(
                    "alerts still being delivered after the shutdown timeout stay pending"
                );
            }
        }
        result
    }

    async fn turns(
        &mut self,
        stop: &CancellationToken,
        report: &mut impl FnMut(&PassReport),
        alerts: &Notify,
        watch: Option<&RegistryWatch>,
        reader: &mut Reader,
        standing: &mut Standing,
    ) -> Result<(), DaemonError> {
        let Standing { paused, turns } = standing;
        // The queue depth is counted again only when something changed, and at most once in
        // `DEPTH_EVERY` while publishing: a count goes over every scheduled row's index entry
        // (0.4 s at three million), and publications wait for it.
        let mut counted = false;
        let mut last_count: Option<std::time::Instant> = None;
        // After an outage, at once: rows the outage left in flight are settled as soon as
        // their leases have ended.
        let mut last_recover = paused.is_none().then(std::time::Instant::now);
        let mut logged = false;
        loop {
            if stop.is_cancelled() {
                return Ok(());
            }
            if turns.due() {
                turns
                    .renew(self.ledger, |held| self.publisher.hold(held))
                    .map_err(PassError::from)?;
            }
            let now = self.clock.now();
            if self.signals.reload.swap(false, Ordering::SeqCst) {
                reader.pending.add(Changes::everything());
            }
            reader.pending.add(self.signals.take_changes());
            if self.finish_reading(reader, now).await? {
                counted = false;
            }
            self.read_pending(reader, now);
            // Several daemons on one ledger: the rows of one that died come back once its
            // leases have expired.
            if self.ledger.shared() && last_recover.is_none_or(|at| at.elapsed() >= RECOVER_EVERY) {
                last_recover = Some(std::time::Instant::now());
                let uncertain = publish::recover(self.ledger, now)?;
                if !uncertain.is_empty() {
                    tracing::warn!(
                        count = uncertain.len(),
                        "publications left in flight by another daemon that stopped are uncertain"
                    );
                }
            }
            if !logged {
                tracing::info!("publishing from the ledger");
                logged = true;
            }
            if self.signals.sweep.swap(false, Ordering::SeqCst) {
                let waiting = self.publisher.unblock_all();
                tracing::info!(
                    publications = waiting.len(),
                    "retry sweep: refused tokens are tried again"
                );
                for key in &waiting {
                    self.ledger
                        .set_next_try(key, now, None, now)
                        .map_err(PassError::from)?;
                }
            }
            if self.signals.weekly.swap(false, Ordering::SeqCst) {
                self.weekly_summary(now)?;
            }
            if let Some(w) = watch {
                self.new_responsibles(w, now)?;
            }
            self.publisher.prepare_ahead(&*self.ledger, now, false)?;
            let reading = self.signals.clone();
            let clock = self.clock.clone();
            let now_fn = || clock.now();
            // A pass keeps taking what falls due until a stop, or until a job wants the loop.
            let signals = &self.signals;
            let stop_fn = || {
                stop.is_cancelled()
                    || signals.reload.load(Ordering::SeqCst)
                    || signals.sweep.load(Ordering::SeqCst)
                    || signals.weekly.load(Ordering::SeqCst)
                    || turns.due()
            };
            let speed = self.clock.speed();
            let pass = {
                let _reading = reading.content.read().await;
                let pass = self
                    .publisher
                    .send_due(self.ledger, &now_fn, &stop_fn, speed);
                tokio::pin!(pass);
                tokio::select! {
                    r = &mut pass => r,
                    () = stop.cancelled() => {
                        tracing::info!("stopping: publications in flight may finish");
                        match tokio::time::timeout(self.options.shutdown_timeout, &mut pass).await {
                            Ok(r) => r,
                            Err(_) => {
                                tracing::warn!("publications still in flight after the shutdown timeout were cut; the next start resolves them");
                                return Ok(());
                            }
                        }
                    }
                }
            };
            let pass = pass?;
            if let Some(since) = paused.take() {
                tracing::info!(
                    paused_seconds = since.elapsed().as_secs(),
                    "the ledger answers again; publishing goes on"
                );
                self.health.set_problem(None);
            }
            if !pass.stale.is_empty() {
                reader
                    .pending
                    .add(Changes::from_paths(pass.stale.iter().cloned()));
                self.read_pending(reader, now);
            }
            report(&pass);
            // New alerts go out on their own task; this loop does not wait for them.
            alerts.notify_one();
            let busy = !(pass.published.is_empty()
                && pass.retried.is_empty()
                && pass.failed.is_empty()
                && pass.uncertain.is_empty());
            let due_again = last_count.is_none_or(|at| at.elapsed() >= DEPTH_EVERY);
            if (busy || !counted) && due_again {
                for (network, n) in self.ledger.depth().map_err(PassError::from)? {
                    self.metrics.set_queue_depth(network, n);
                }
                counted = true;
                last_count = Some(std::time::Instant::now());
            } else if busy {
                counted = false;
            }
            let now = self.clock.now();
            self.metrics.pass_finished(now);
            self.health.beat();
            if stop.is_cancelled() {
                return Ok(());
            }
            let wake = {
                // In the clock's time, then in real time (they differ in the sandbox demo).
                let speed = self.clock.speed();
                let next = self.ledger.next_due().map_err(PassError::from)?;
                let wake = next_wake(next, now, self.options.max_nap * speed) / speed;
                // The turns on the tokens are renewed in time.
                turns.renew_in().map_or(wake, |renew| wake.min(renew))
            };
            tokio::select! {
                () = tokio::time::sleep(wake) => {}
                () = self.signals.wake.notified() => {}
                () = stop.cancelled() => return Ok(()),
            }
        }
    }

    /// The start: reads the registry (an error when it cannot be read), marks what waited
    /// beyond the grace window while the daemon was down as missed, and begins reading the
    /// plan files beside the loop: all of them, or in git mode only those changed since the
    /// commit the ledger remembers. Returns the registry's zone.
    async fn start_reading(
        &mut self,
        reader: &mut Reader,
        now: Timestamp,
    ) -> Result<jiff::tz::TimeZone, DaemonError> {
        let root = self.publisher.root().to_owned();
        let reg = {
            let _reading = self.signals.content.read().await;
            tokio::task::spawn_blocking(move || publish::plans::registry(&root))
                .await
                .map_err(|e| PassError::Panicked(e.to_string()))?
                .map_err(PassError::from)?
        };
        let tz = reg.tz.clone();
        self.publisher.start_from(reg.clone(), &*self.ledger)?;
        // Nothing is read: only the rows that waited too long are found, before any is sent.
        let nothing =
            publish::read_files(self.publisher.root(), reg, &[]).map_err(PassError::from)?;
        self.publisher.sync(nothing, self.ledger, now)?;
        let first = match &self.source {
            Source::Git(git) => {
                let remembered = self
                    .ledger
                    .meta(&commit_key(git.branch()))
                    .map_err(PassError::from)?;
                let head = git.head().await.ok().flatten();
                match (remembered, head) {
                    (Some(r), Some(h)) if r == h => Changes::default(),
                    (Some(r), Some(h)) => match git.changed_files(Some(&r), &h).await {
                        Ok(paths) => Changes {
                            commit: Some(h),
                            ..Changes::from_paths(paths)
                        },
                        Err(e) => {
                            tracing::warn!(error = %e, "git cannot tell what changed since the last start; all plans are read");
                            Changes {
                                commit: Some(h),
                                ..Changes::everything()
                            }
                        }
                    },
                    (_, head) => Changes {
                        commit: head,
                        ..Changes::everything()
                    },
                }
            }
            Source::Dir(_) => Changes::everything(),
        };
        reader.pending.add(first);
        self.read_pending(reader, now);
        Ok(tz)
    }

    /// Starts reading what is pending, on a blocking thread beside the loop, unless a reading
    /// is going or a failed one waits to be tried again. A reading of everything goes folder
    /// by folder, each folder taken into the ledger by the loop before the next is read: one
    /// folder's posts are in memory at a time, and publishing goes on between them.
    fn read_pending(&mut self, reader: &mut Reader, now: Timestamp) {
        if reader.task.is_some()
            || reader.pending.is_empty() && reader.pending.commit.is_none()
            || reader.retry_at.is_some_and(|at| now < at)
        {
            return;
        }
        let mut changes = std::mem::take(&mut reader.pending);
        let root = self.publisher.root().to_owned();
        let reg = self.publisher.plans().map(|p| p.reg.clone());
        let mut files: Vec<String> = changes.files.iter().cloned().collect();
        if changes.media {
            files.extend(
                self.publisher
                    .plans()
                    .map(Plans::refused_files)
                    .unwrap_or_default(),
            );
        }
        if reg.is_none() {
            changes.all = true;
        }
        let content = self.signals.content.clone();
        let signals = self.signals.clone();
        let tree = match self.source {
            Source::Dir(_) => Some(reader.tree.clone()),
            Source::Git(_) => None,
        };
        let all = changes.all;
        let (tx, steps) = tokio::sync::mpsc::channel(1);
        tokio::spawn(async move {
            let guard = content.read_owned().await;
            let read = tokio::task::spawn_blocking(move || {
                let _reading = guard;
                // The first look at the folders comes before the files are read: a change
                // made while they are read is seen by the next look.
                if let Some(tree) = tree {
                    let mut t = tree
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    if t.is_none() {
                        *t = Some(Tree::scan(&root));
                    }
                }
                let send = |step: Result<publish::Reading, publish::plans::ReadError>| {
                    let sent = tx.blocking_send(step).is_ok();
                    signals.wake.notify_one();
                    sent
                };
                match reg {
                    Some(reg) if !all => {
                        send(publish::read_files(&root, reg, &files));
                    }
                    _ => {
                        let first = publish::plans::registry(&root)
                            .and_then(|reg| Ok((publish::plans::folders(&root)?, reg)));
                        let (folders, reg) = match first {
                            Ok(found) => found,
                            Err(e) => {
                                send(Err(e));
                                return;
                            }
                        };
                        for folder in &folders {
                            if !send(publish::plans::read_folder(&root, reg.clone(), folder)) {
                                return;
                            }
                        }
                        send(Ok(publish::plans::folders_gone(reg, folders)));
                    }
                }
            });
            if let Err(e) = read.await {
                tracing::error!(error = %e, "reading the plans panicked");
            }
        });
        reader.task = Some(Going {
            changes,
            steps,
            totals: Totals {
                files: (!all).then_some(0),
                ..Totals::default()
            },
        });
    }

    /// Takes what a reading has read so far into the ledger (for at most a quarter of a second
    /// of the loop's time); `true` when the reading ended (the queue's depth is counted again
    /// then, not after each folder: a count goes over every row). A reading that failed (the
    /// registry cannot be read) is tried again in a few minutes; publishing goes on from the
    /// last good reading.
    async fn finish_reading(
        &mut self,
        reader: &mut Reader,
        now: Timestamp,
    ) -> Result<bool, DaemonError> {
        let Some(going) = reader.task.as_mut() else {
            return Ok(false);
        };
        let began = std::time::Instant::now();
        let mut took = false;
        let ended = loop {
            if began.elapsed() > Duration::from_millis(250) {
                break false;
            }
            let step = match going.steps.try_recv() {
                Ok(step) => step,
                Err(tokio::sync::mpsc::error::TryRecvError::Empty) => break false,
                Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => break true,
            };
            took = true;
            match step {
                Ok(reading) => {
                    going.totals.publications += reading.planned.len();
                    going.totals.files =
                        going.totals.files.zip(reading.files()).map(|(n, m)| n + m);
                    let sync = self.publisher.sync(reading, self.ledger, now)?;
                    going.totals.added += sync.added;
                    going.totals.updated += sync.updated.len();
                    going.totals.cancelled += sync.cancelled.len();
                    going.totals.missed += sync.missed.len();
                }
                Err(e) => {
                    tracing::error!(error = %e, "the plans cannot be read; publishing from the last good read");
                    self.health
                        .set_problem(Some(format!("the plans cannot be read: {e}")));
                    if let Some(going) = reader.task.take() {
                        reader.pending.add(going.changes);
                    }
                    reader.retry_at = now.checked_add(SignedDuration::from_mins(5)).ok();
                    return Ok(true);
                }
            }
        };
        if !ended {
            return Ok(false);
        }
        let Some(going) = reader.task.take() else {
            return Ok(took);
        };
        reader.retry_at = None;
        if let (Some(commit), Source::Git(git)) = (&going.changes.commit, &self.source) {
            self.ledger
                .set_meta(&commit_key(git.branch()), commit)
                .map_err(PassError::from)?;
        }
        let broken = self
            .publisher
            .plans()
            .map(Plans::broken)
            .unwrap_or_default();
        for (file, why) in &broken {
            tracing::error!(file = %file, problem = %why, "plan file skipped");
        }
        let t = &going.totals;
        tracing::info!(
            files = t.files.map_or_else(|| "all".to_owned(), |n| n.to_string()),
            publications = t.publications,
            added = t.added,
            updated = t.updated,
            cancelled = t.cancelled,
            missed = t.missed,
            "plans read"
        );
        self.health.set_problem(None);
        // Pictures of what is due soon are prepared now, not at the deadline.
        let queued = self.publisher.prepare_ahead(&*self.ledger, now, true)?;
        if queued > 0 {
            tracing::info!(pictures = queued, "pictures queued to be prepared ahead");
        }
        Ok(true)
    }

    /// Raises what the registry watch found, then remembers the commit it looked at: a crash
    /// in between raises the same alerts again at the next start, and the outbox sends them
    /// once.
    fn new_responsibles(
        &mut self,
        watch: &RegistryWatch,
        now: Timestamp,
    ) -> Result<(), DaemonError> {
        let Some(found) = watch.take() else {
            return Ok(());
        };
        self.ledger
            .raise(&found.alerts, now)
            .map_err(PassError::from)?;
        self.ledger
            .set_meta(&watch.key(), &found.commit)
            .map_err(PassError::from)?;
        Ok(())
    }

    fn weekly_summary(&mut self, now: Timestamp) -> Result<(), DaemonError> {
        let Some(plans) = self.publisher.plans() else {
            return Ok(());
        };
        let a = alert::weekly(&plans.reg, &*self.ledger, now).map_err(PassError::from)?;
        tracing::info!(alert = %a.id, "{}", a.text);
        self.ledger.raise(&[a], now).map_err(PassError::from)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wakes_at_the_earliest_deadline_or_the_nap() {
        let now: Timestamp = "2026-12-01T02:00:00Z".parse().unwrap();
        let nap = Duration::from_secs(30);
        assert_eq!(next_wake(None, now, nap), nap);
        assert_eq!(
            next_wake(Some("2026-12-01T02:00:10Z".parse().unwrap()), now, nap),
            Duration::from_secs(10)
        );
        assert_eq!(
            next_wake(Some("2026-12-01T03:00:00Z".parse().unwrap()), now, nap),
            nap
        );
        assert_eq!(
            next_wake(Some("2026-12-01T01:00:00Z".parse().unwrap()), now, nap),
            Duration::ZERO
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_test_clock_follows_tokio_time_and_jumps() {
        let start: Timestamp = "2026-12-01T02:00:00Z".parse().unwrap();
        let c = TestClock::new(start);
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(c.now(), "2026-12-01T02:00:05Z".parse().unwrap());
        c.jump(Duration::from_secs(3600));
        assert_eq!(c.now(), "2026-12-01T03:00:05Z".parse().unwrap());
    }

    #[tokio::test]
    async fn an_overlapping_run_is_skipped() {
        let guard = Arc::new(AtomicBool::new(false));
        let first = begin(&guard, "sync");
        assert!(first.is_some());
        assert!(begin(&guard, "sync").is_none());
        drop(first);
        assert!(begin(&guard, "sync").is_some());
    }
}

/// Issue 17: PostgreSQL stopped while the daemon runs, with a post falling due meanwhile. The
/// daemon does not stop: publishing pauses, says so on /healthz, and the post goes out once the
/// server is back, once.
#[cfg(test)]
mod outage {
    use super::*;
    use std::path::Path;

    use crate::networks::{RateLimits, sandbox};
    use crate::plan::network::Network;
    use crate::plan::registry::{REGISTRY_PATH, Registry};
    use crate::publish::ledger::State;
    use crate::publish::ledger::postgres::PostgresLedger;
    use crate::publish::ledger::postgres::testing::OwnServer;
    use crate::publish::{Publisher, Settings};

    const REGISTRY: &str = "organizations:\n  - id: school\n    name: Школа\n    required: true\n    pages:\n      vk: {id: 900000007}\n";

    /// A daemon on `ledger` publishing the plans under `root` into `sb` with `rates`, and its
    /// health.
    fn daemon<'a>(
        ledger: &'a mut PostgresLedger,
        root: &Path,
        sb: &sandbox::Sandbox,
        rates: Vec<(Network, RateLimits)>,
    ) -> (Daemon<'a>, Arc<Health>) {
        let publisher = Publisher::new(Settings {
            root: root.to_owned(),
            grace: SignedDuration::from_hours(2),
            cache_dir: root.join("../cache"),
            credentials: sb.credentials(),
            rates,
            limit: 1000,
        })
        .unwrap();
        let health = Arc::new(Health::new(Duration::from_secs(60)));
        let daemon = Daemon {
            publisher,
            ledger,
            source: Source::Dir(root.to_owned()),
            clock: Arc::new(SystemClock),
            options: Options {
                max_nap: Duration::from_secs(1),
                shutdown_timeout: Duration::from_secs(5),
                jobs: Jobs {
                    sync: None,
                    weekly_summary: None,
                    retry_sweep: None,
                    moderate: None,
                    audit: None,
                },
                ..Options::default()
            },
            alerts: None,
            moderation: None,
            audit: None,
            metrics: Arc::new(Metrics::new()),
            health: health.clone(),
            signals: Arc::default(),
        };
        (daemon, health)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn publishing_pauses_while_postgres_is_down_and_goes_on_after() {
        let Some(server) = OwnServer::start() else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("content");
        std::fs::create_dir_all(root.join("plans/school")).unwrap();
        std::fs::write(root.join(REGISTRY_PATH), REGISTRY).unwrap();
        let due = Timestamp::now() + SignedDuration::from_secs(6);
        std::fs::write(
            root.join("plans/school/during.md"),
            format!("---\ndate: {due}\nnetworks: [vk]\n---\nВо время простоя\n"),
        )
        .unwrap();
        let (reg, _) = Registry::parse(REGISTRY, REGISTRY_PATH);
        let sb = sandbox::start(&reg).await.unwrap();
        let mut ledger = PostgresLedger::open(&server.url()).unwrap();
        let (daemon, health) = daemon(&mut ledger, &root, &sb, Vec::new());
        let stop = CancellationToken::new();
        let run = daemon.run(stop.clone(), |_| {});
        let wall = || sb.vk.state.wall(900_000_007).len();
        let driver = async {
            tokio::time::sleep(Duration::from_secs(2)).await;
            tokio::task::block_in_place(|| server.stop());
            // The post falls due while the server is down.
            tokio::time::sleep(Duration::from_secs(7)).await;
            let during = wall();
            let told = health.check().is_err();
            tokio::task::block_in_place(|| server.start_again());
            let start = std::time::Instant::now();
            while wall() == 0 && start.elapsed() < Duration::from_secs(30) {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
            let healed = health.check().is_ok();
            stop.cancel();
            (during, told, healed)
        };
        let (ran, (during, told, healed)) = tokio::join!(run, driver);
        ran.unwrap();
        assert_eq!(during, 0, "published without a ledger");
        assert!(told, "the outage was not told on /healthz");
        assert_eq!(wall(), 1, "published after the outage, once");
        assert!(healed, "the problem stayed on /healthz");
    }

    /// A burst of 300 posts on 30 pages and three networks, within the limits; the server
    /// stops for 30 s a little way in. Nothing is sent while it is down; afterwards every
    /// publication goes out (VK once each, Telegram and OK once or `uncertain` for the
    /// requests the outage cut), and no limit was exceeded.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_survives_thirty_seconds_without_postgres() {
        const PAGES: usize = 30;
        const POSTS: usize = 300;
        let Some(server) = OwnServer::start() else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("content");
        let mut reg = String::from("organizations:\n");
        for o in 0..PAGES {
            reg.push_str(&format!(
                "  - id: org{o}\n    name: Школа {o}\n    required: true\n    pages:\n      vk: {{id: {}}}\n      ok: {{id: '{}'}}\n      telegram: {{id: '@outage_{o}'}}\n",
                900_000_100 + o,
                990_000_000_000_100_u64 + o as u64
            ));
        }
        let registry_file = root.join(REGISTRY_PATH);
        std::fs::create_dir_all(registry_file.parent().unwrap()).unwrap();
        std::fs::write(&registry_file, &reg).unwrap();
        let due = Timestamp::now() + SignedDuration::from_secs(8);
        for o in 0..PAGES {
            let mut plan = String::from("posts:\n");
            for i in (o..POSTS).step_by(PAGES) {
                plan.push_str(&format!(
                    "  - id: p{i:03}\n    date: {due}\n    text: Новость {i} школы {o}\n"
                ));
            }
            std::fs::create_dir_all(root.join(format!("plans/org{o}"))).unwrap();
            std::fs::write(root.join(format!("plans/org{o}/burst.yaml")), plan).unwrap();
        }
        let (registry, _) = Registry::parse(&reg, REGISTRY_PATH);
        let telegram = RateLimits::TELEGRAM;
        let token = RateLimits {
            global_per_sec: 20,
            ..RateLimits::UNLIMITED
        };
        let sb = sandbox::start_with_limits(
            &registry,
            sandbox::SandboxLimits {
                telegram,
                vk: token,
                ok: token,
            },
        )
        .await
        .unwrap();
        let url = server.url();
        let lease = Duration::from_secs(10);
        let mut ledger = PostgresLedger::open(&url).unwrap().with_lease(lease);
        let rates = vec![
            (Network::Telegram, telegram),
            (Network::Vk, token),
            (Network::Ok, token),
        ];
        let (daemon, health) = daemon(&mut ledger, &root, &sb, rates);
        let stop = CancellationToken::new();
        let run = daemon.run(stop.clone(), |_| {});
        let sent = || {
            (0..PAGES)
                .map(|o| {
                    sb.vk.state.wall(900_000_100 + o as u64).len()
                        + sb.ok
                            .state
                            .topics(&(990_000_000_000_100_u64 + o as u64).to_string())
                            .len()
                        + sb.telegram.state.messages(&format!("@outage_{o}")).len()
                })
                .sum::<usize>()
        };
        let rows = || {
            tokio::task::block_in_place(|| {
                PostgresLedger::open(&url)
                    .and_then(|l| l.entries())
                    .unwrap_or_default()
            })
        };
        let driver = async {
            // A quarter of the burst out, the server stops for 30 s.
            while sent() < 3 * POSTS / 4 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            tokio::task::block_in_place(|| server.stop());
            // What was in flight lands; then nothing more goes.
            tokio::time::sleep(Duration::from_secs(3)).await;
            let at_stop = sent();
            tokio::time::sleep(Duration::from_secs(27)).await;
            let at_end = sent();
            let told = health.check().is_err();
            tokio::task::block_in_place(|| server.start_again());
            let start = std::time::Instant::now();
            let settled = loop {
                let rows = rows();
                let done = rows.len() == 3 * POSTS
                    && rows.iter().all(|e| {
                        matches!(e.state, State::Published { .. } | State::Uncertain { .. })
                    });
                if done || start.elapsed() > Duration::from_secs(150) {
                    break rows;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            };
            stop.cancel();
            (at_stop, at_end, told, settled)
        };
        let (ran, (at_stop, at_end, told, rows)) = tokio::join!(run, driver);
        ran.unwrap();
        assert!(at_stop < 3 * POSTS, "the burst was over before the outage");
        assert_eq!(at_end, at_stop, "sent while the ledger was down");
        assert!(told, "the outage was not told on /healthz");
        assert_eq!(rows.len(), 3 * POSTS);
        let mut uncertain = 0;
        for e in &rows {
            match (&e.state, e.key.network) {
                (State::Published { .. }, _) => {}
                (State::Uncertain { .. }, Network::Telegram | Network::Ok) => uncertain += 1,
                (state, network) => panic!("{network} {}: {state:?}", e.key.post),
            }
        }
        for o in 0..PAGES {
            let wall = sb.vk.state.wall(900_000_100 + o as u64);
            let topics = sb
                .ok
                .state
                .topics(&(990_000_000_000_100_u64 + o as u64).to_string());
            let messages = sb.telegram.state.messages(&format!("@outage_{o}"));
            for i in (o..POSTS).step_by(PAGES) {
                let text = format!("Новость {i} школы {o}");
                let vk = wall.iter().filter(|p| p.message.contains(&text)).count();
                assert_eq!(vk, 1, "VK {i}");
                let ok = topics
                    .iter()
                    .filter(|t| format!("{:?}", t.blocks).contains(&text))
                    .count();
                let tg = messages
                    .iter()
                    .filter(|m| format!("{:?}", m.content).contains(&text))
                    .count();
                assert!(ok <= 1 && tg <= 1, "post {i}: OK {ok}, Telegram {tg}");
            }
        }
        assert!(uncertain <= 2 * PAGES, "{uncertain} uncertain");
        assert_eq!(
            sb.vk.state.rate_limited()
                + sb.ok.state.rate_limited()
                + sb.telegram.state.rate_limited(),
            0,
            "rate-limit answers"
        );
    }
}
