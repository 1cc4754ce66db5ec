//! Pictures prepared ahead of their time: when the plans are read, the images of publications
//! due within [`HORIZON`] are decoded, resized and cached in the background, on one thread at
//! low priority, so that at the deadline only the requests remain (issue 12, item 4: ten
//! 24-megapixel photos take seconds to prepare).
//!
//! Clips are adapted the same way ([`Ahead::want_clips`]), after the pictures waiting: FFmpeg
//! runs from this thread, so it inherits its low priority.
//!
//! Best effort by design: a picture that is not ready in time is prepared at send time, as
//! before, and one that cannot be prepared is left to the attempt, which reports it. Nothing
//! here decides what is published.
//!
//! What comes after a publication's pictures are ready (their upload ahead, see
//! [`crate::publish::uploads`]) is handed over with [`Ahead::then`], on this same thread.

use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};

use jiff::SignedDuration;

use crate::media::MediaCache;
use crate::media::video::Motion;
use crate::plan::network::Network;

/// How far ahead pictures are prepared unless the configuration says otherwise.
pub const HORIZON: SignedDuration = SignedDuration::from_hours(3);

/// How often the daemon looks again for pictures entering the horizon.
pub const LOOK_EVERY: SignedDuration = SignedDuration::from_mins(5);

/// At most this many pictures wait to be prepared; more are left to send time.
pub const MAX_QUEUED: usize = 2_000;

/// The niceness of the preparing thread (Linux: per thread): publishing goes first.
const NICENESS: i32 = 10;

/// One picture or clip of one publication: the file (inside the repository, resolved and
/// checked by [`crate::media::resolve`]) and the network it is prepared for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Job {
    /// The image file.
    pub path: PathBuf,
    /// The network whose profile it is prepared with.
    pub network: Network,
}

/// One clip of one publication, adapted ahead as pictures are (a transcode can take a
/// minute): the clip, its poster if given, its kind and the network.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClipJob {
    /// The clip as the post names it, resolved: (`media/<org>/…`, the file).
    pub clip: (String, PathBuf),
    /// The poster, likewise.
    pub poster: Option<(String, PathBuf)>,
    /// Video or animation.
    pub motion: Motion,
    /// The network it is adapted for.
    pub network: Network,
}

/// The cached JPEG of each picture of a [`Ahead::then`], in order: `None` for a picture that
/// could not be prepared.
pub type Prepared = Vec<Option<PathBuf>>;

/// What to do once some pictures are prepared.
struct Handoff {
    jobs: Vec<Job>,
    then: Box<dyn FnOnce(Prepared) + Send>,
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    /// Clips to adapt, after the pictures (a picture takes a second, a clip a minute).
    clips: VecDeque<ClipJob>,
    /// Clips queued or adapted since the start.
    clips_known: HashSet<ClipJob>,
    /// Waiting for their pictures, in the order asked.
    handoffs: Vec<Handoff>,
    /// Queued or being prepared, so that a picture is not queued twice.
    known: HashSet<Job>,
    /// Prepared (or failed) since the start: looked at again only after a restart.
    done: HashSet<Job>,
    busy: bool,
    stop: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
}

/// The background preparer: one low-priority thread fed by [`Ahead::want`]. Dropping it stops
/// the thread after the picture in hand.
pub struct Ahead {
    horizon: SignedDuration,
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Ahead {
    /// Starts the thread, preparing into `cache` the pictures of what is due within
    /// `horizon`.
    ///
    /// Fails when the thread cannot be started.
    pub fn start(cache: MediaCache, horizon: SignedDuration) -> std::io::Result<Ahead> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            wake: Condvar::new(),
        });
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name("vestnik-media-ahead".to_owned())
            .spawn(move || {
                lower_priority();
                work(&worker, &cache);
            })?;
        Ok(Ahead {
            horizon,
            shared,
            thread: Some(thread),
        })
    }

    /// Queues the pictures of `jobs` not prepared or queued yet, in order (the earliest due
    /// first), up to [`MAX_QUEUED`] waiting. Returns how many were queued.
    pub fn want(&self, jobs: impl IntoIterator<Item = Job>) -> usize {
        let mut q = lock(&self.shared.queue);
        let mut added = 0;
        for job in jobs {
            if q.jobs.len() >= MAX_QUEUED {
                break;
            }
            if q.done.contains(&job) || !q.known.insert(job.clone()) {
                continue;
            }
            q.jobs.push_back(job);
            added += 1;
        }
        drop(q);
        if added > 0 {
            self.shared.wake.notify_all();
        }
        added
    }

    /// Queues the pictures of `jobs` (as [`Ahead::want`]) and calls `then`, on the preparing
    /// thread, once none of them is waiting or being prepared any more, with the cached JPEG of
    /// each (found in the cache, or prepared then if it was not). Returns `false`, and drops
    /// `then`, when [`MAX_QUEUED`] handovers are waiting already.
    pub fn then(&self, jobs: Vec<Job>, then: impl FnOnce(Prepared) + Send + 'static) -> bool {
        self.want(jobs.iter().cloned());
        let mut q = lock(&self.shared.queue);
        if q.handoffs.len() >= MAX_QUEUED {
            return false;
        }
        q.handoffs.push(Handoff {
            jobs,
            then: Box::new(then),
        });
        drop(q);
        self.shared.wake.notify_all();
        true
    }

    /// Queues the clips of `jobs` not adapted or queued yet, up to [`MAX_QUEUED`] waiting.
    /// Returns how many were queued.
    pub fn want_clips(&self, jobs: impl IntoIterator<Item = ClipJob>) -> usize {
        let mut q = lock(&self.shared.queue);
        let mut added = 0;
        for job in jobs {
            if q.clips.len() >= MAX_QUEUED {
                break;
            }
            if q.clips_known.insert(job.clone()) {
                q.clips.push_back(job);
                added += 1;
            }
        }
        drop(q);
        if added > 0 {
            self.shared.wake.notify_all();
        }
        added
    }

    /// Waits until nothing is queued or being prepared (tests, benchmarks).
    pub fn idle(&self) {
        let mut q = lock(&self.shared.queue);
        while !q.jobs.is_empty() || !q.clips.is_empty() || !q.handoffs.is_empty() || q.busy {
            q = self
                .shared
                .wake
                .wait(q)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }

    /// How far ahead pictures are prepared.
    pub fn horizon(&self) -> SignedDuration {
        self.horizon
    }

    /// How many pictures were prepared (or found unpreparable) since the start.
    pub fn done(&self) -> usize {
        lock(&self.shared.queue).done.len()
    }
}

impl Drop for Ahead {
    fn drop(&mut self) {
        lock(&self.shared.queue).stop = true;
        self.shared.wake.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn lock(m: &Mutex<Queue>) -> std::sync::MutexGuard<'_, Queue> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What the thread does next.
enum Work {
    /// A picture and every network waiting for it: decoded once, prepared for each.
    Pictures(Vec<Job>),
    /// A handover whose pictures are done.
    Handoff(Handoff),
    /// A clip.
    Clip(ClipJob),
}

fn work(shared: &Shared, cache: &MediaCache) {
    loop {
        let work = {
            let mut q = lock(&shared.queue);
            loop {
                if q.stop {
                    return;
                }
                // A handover as soon as its pictures are done: its upload can start.
                let ready = q
                    .handoffs
                    .iter()
                    .position(|h| h.jobs.iter().all(|j| !q.known.contains(j)));
                if let Some(i) = ready {
                    let handoff = q.handoffs.remove(i);
                    q.busy = true;
                    break Work::Handoff(handoff);
                }
                if let Some(job) = q.jobs.pop_front() {
                    let mut same: Vec<Job> = vec![job];
                    q.jobs.retain(|j| {
                        let take = j.path == same[0].path;
                        if take {
                            same.push(j.clone());
                        }
                        !take
                    });
                    q.busy = true;
                    break Work::Pictures(same);
                }
                if let Some(clip) = q.clips.pop_front() {
                    q.busy = true;
                    break Work::Clip(clip);
                }
                q = shared
                    .wake
                    .wait(q)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
        };
        match work {
            Work::Pictures(jobs) => {
                prepare(cache, &jobs);
                let mut q = lock(&shared.queue);
                for job in jobs {
                    q.known.remove(&job);
                    q.done.insert(job);
                }
            }
            Work::Clip(c) => {
                // A failure is left to the attempt, which adapts it again and reports it.
                let poster = c.poster.as_ref().map(|(s, p)| (s.as_str(), p.as_path()));
                match cache.prepare_video(&c.clip.0, &c.clip.1, poster, c.motion, c.network) {
                    Ok(_) => tracing::debug!(clip = c.clip.0.as_str(), "clip adapted ahead"),
                    Err(e) => {
                        tracing::debug!(clip = c.clip.0.as_str(), error = %e, "clip not adapted ahead");
                    }
                }
            }
            Work::Handoff(h) => {
                // Cache hits, unless a picture changed since (then prepared here, at low
                // priority) or could not be prepared (then `None`).
                let prepared: Prepared = h
                    .jobs
                    .iter()
                    .map(|j| {
                        cache
                            .get_or_prepare_file(&j.path, j.network)
                            .ok()
                            .map(|c| c.path)
                    })
                    .collect();
                (h.then)(prepared);
            }
        }
        lock(&shared.queue).busy = false;
        shared.wake.notify_all();
    }
}

/// Prepares one picture for the networks of `jobs` (all of one path). A failure is left to the
/// attempt, which prepares it again and reports what is wrong.
fn prepare(cache: &MediaCache, jobs: &[Job]) {
    let Some(path) = jobs.first().map(|j| j.path.as_path()) else {
        return;
    };
    let networks: Vec<Network> = jobs.iter().map(|j| j.network).collect();
    match cache.get_or_prepare_file_all(path, &networks) {
        Ok(_) => tracing::debug!(path = %path.display(), "picture prepared ahead"),
        Err(e) => tracing::debug!(path = %path.display(), error = %e, "picture not prepared ahead"),
    }
}

/// Lowers this thread's priority, so that preparing pictures never slows publishing down. On
/// Linux a thread has its own niceness; `unsafe_code` is forbidden here, so no `setpriority`:
/// the `renice` program (util-linux) sets it for this thread's id, read from
/// `/proc/thread-self`. Without either, the thread runs at normal priority.
fn lower_priority() {
    let Ok(link) = std::fs::read_link("/proc/thread-self") else {
        return;
    };
    let Some(tid) = link
        .file_name()
        .and_then(|t| t.to_str())
        .filter(|t| t.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
    else {
        return;
    };
    let done = std::process::Command::new("renice")
        .args(["-n", &NICENESS.to_string(), "-p", &tid])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    if !done.is_ok_and(|s| s.success()) {
        tracing::debug!("pictures are prepared ahead at normal priority (renice failed)");
    }
}
