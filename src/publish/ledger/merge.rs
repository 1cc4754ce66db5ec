//! What a sync of the plans does to the ledger's rows, decided alike for every backend: a merge
//! join of the plans (sorted here) with the rows (read in primary-key order, bytewise), so memory
//! stays at the size of the plans, not plans + ledger, with 300,000 rows. The changes are
//! collected first; each backend writes them after the read finished.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};

use super::{Entry, Key, LedgerError, Outcome, Planned, State, SyncReport, Waiting};
use crate::plan::network::Network;

/// The order of the primary key: bytewise, as Rust compares `str` (SQLite compares TEXT so;
/// PostgreSQL must be asked for `COLLATE "C"`).
fn sort_key(k: &Key) -> (&str, &str, &str) {
    (&k.org, &k.post, k.network.key())
}

fn planned_order(p: &Planned) -> (&str, &str, &str) {
    (&p.org, &p.post, p.network.key())
}

/// The state a planned row is written in.
pub(super) fn state_of(missed: bool) -> &'static str {
    if missed { "missed" } else { "scheduled" }
}

/// A change that a sync makes to one row. 16 bytes: at the first start there is one for each
/// of 300,000 rows.
pub(super) enum Action<'a> {
    /// A new publication (`true`: already beyond the grace window).
    Insert(&'a Planned, bool),
    /// A scheduled publication whose time or content changed (or that is now missed).
    Update(&'a Planned, bool),
    /// A cancelled or missed publication back in the plans with a new time or content.
    Revive(&'a Planned),
    /// A cancelled publication back in the plans unchanged.
    Restore(&'a Planned, bool),
    /// Sent (or in flight) and changed afterwards: remembered and reported, not reposted.
    Edited(&'a Planned),
    /// Unchanged, but now written in another file (or read for the first time since the ledger
    /// kept files): only the file is remembered.
    Moved(&'a Planned),
    /// Scheduled but gone from the plans.
    Cancel(Box<Key>),
    /// Scheduled and waiting beyond the grace window, in a file that was not read.
    Miss(Box<Key>),
}

const _: () = assert!(std::mem::size_of::<Action<'static>>() == 16);

/// Which statement writes a planned row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Write {
    /// A new row.
    Insert,
    /// New time or content (next try follows a new time), and state.
    Update,
    /// New time and content, state, attempts and reason reset.
    Revive,
    /// Only the state (and file).
    Restore,
    /// Time and content remembered, state kept.
    Edited,
    /// Only the file.
    Moved,
}

/// Where a written planned row is counted in the [`SyncReport`].
#[derive(Debug, Clone, Copy)]
pub(super) enum Tally {
    Added,
    Updated,
    Missed,
    Edited,
    /// Not reported: only the file changed.
    Quiet,
}

impl Tally {
    fn added(missed: bool) -> Self {
        if missed { Self::Missed } else { Self::Added }
    }

    /// Counts `p` in `report`.
    pub(super) fn count(self, p: &Planned, report: &mut SyncReport) {
        match self {
            Tally::Added => report.added += 1,
            Tally::Updated => report.updated.push(p.key()),
            Tally::Missed => report.missed.push(p.key()),
            Tally::Edited => report.edited_after_publication.push(p.key()),
            Tally::Quiet => {}
        }
    }
}

impl<'a> Action<'a> {
    /// For a planned row: the row, its statement, the state written (`""`: kept) and where it
    /// is counted; `None` for a cancellation.
    pub(super) fn planned(&self) -> Option<(&'a Planned, Write, &'static str, Tally)> {
        Some(match *self {
            Action::Cancel(_) | Action::Miss(_) => return None,
            Action::Insert(p, missed) => (p, Write::Insert, state_of(missed), Tally::added(missed)),
            Action::Update(p, missed) => {
                let tally = if missed {
                    Tally::Missed
                } else {
                    Tally::Updated
                };
                (p, Write::Update, state_of(missed), tally)
            }
            Action::Revive(p) => (p, Write::Revive, state_of(false), Tally::Added),
            // Back in the plans unchanged: schedule it again.
            Action::Restore(p, missed) => {
                (p, Write::Restore, state_of(missed), Tally::added(missed))
            }
            // Reported once: the new plan is remembered, nothing is reposted.
            Action::Edited(p) => (p, Write::Edited, "", Tally::Edited),
            Action::Moved(p) => (p, Write::Moved, "", Tally::Quiet),
        })
    }
}

/// The ledger keeps milliseconds: a plan's time with a finer fraction is the same time.
pub(super) fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

/// A time the ledger kept in milliseconds.
pub(super) fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// What a sync does to an existing row `e` that the plans still want as `p`.
fn compare<'a>(p: &'a Planned, e: &Entry, missed: bool, now: Timestamp) -> Option<Action<'a>> {
    let changed = e.due != ts(ms(p.due)) || !p.content.matches(&e.content);
    match e.state {
        State::Scheduled if changed || missed => Some(Action::Update(p, missed)),
        State::Cancelled | State::Missed if changed && p.due >= now => Some(Action::Revive(p)),
        State::Cancelled => Some(Action::Restore(p, missed)),
        State::Sending
        | State::Published { .. }
        | State::Failed { .. }
        | State::Uncertain { .. }
            if changed =>
        {
            Some(Action::Edited(p))
        }
        _ if e.file.as_deref() != Some(&*p.file) => Some(Action::Moved(p)),
        _ => None,
    }
}

/// The changes that bring `rows` (every row, in bytewise primary-key order) in line with
/// `planned` at `now` (see [`super::Ledger::sync`]).
///
/// Fails with the first error of `rows`.
pub(super) fn actions<'a, E>(
    planned: &'a [Planned],
    mut rows: impl Iterator<Item = Result<Entry, E>>,
    keep: &dyn Fn(&Entry) -> bool,
    now: Timestamp,
    grace: SignedDuration,
) -> Result<Vec<Action<'a>>, E> {
    let mut order: Vec<&Planned> = planned.iter().collect();
    order.sort_by(|a, b| planned_order(a).cmp(&planned_order(b)));
    // One row per key: the plans refuse a post id taken twice, and a duplicate that still came
    // through must not fail the whole sync (a UNIQUE error stopped every organization).
    order.dedup_by(|a, b| planned_order(a) == planned_order(b));
    let late = now.checked_sub(grace).unwrap_or(now);
    let mut actions: Vec<Action<'_>> = Vec::new();
    let mut next_row = rows.next().transpose()?;
    let mut plans = order.iter().copied().peekable();
    loop {
        let step = match (plans.peek(), &next_row) {
            (None, None) => break,
            (Some(p), Some(e)) => planned_order(p).cmp(&sort_key(&e.key)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
        };
        match step {
            std::cmp::Ordering::Less => {
                if let Some(p) = plans.next() {
                    actions.push(Action::Insert(p, p.due < late));
                }
            }
            std::cmp::Ordering::Greater => {
                if let Some(e) = next_row.take()
                    && e.state == State::Scheduled
                    && !keep(&e)
                {
                    actions.push(Action::Cancel(Box::new(e.key)));
                }
                next_row = rows.next().transpose()?;
            }
            std::cmp::Ordering::Equal => {
                if let (Some(p), Some(e)) = (plans.next(), next_row.take()) {
                    actions.extend(compare(p, &e, p.due < late, now));
                }
                next_row = rows.next().transpose()?;
            }
        }
    }
    Ok(actions)
}

/// The changes of a sync of some plan files (see [`super::Ledger::sync_files`]), and the
/// planned publications whose row belongs to a file that was not read, with that file (nothing
/// is done with them). `rows` are the rows of `files`; `row_of` finds the row of a planned key;
/// `waited(late)` gives the scheduled rows whose next try is before `late`.
///
/// Fails with the first error of `row_of` or `waited`.
// The trait method's own arguments, and the two ways the backend reads its rows.
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub(super) fn file_actions<'a, E>(
    planned: &'a [Planned],
    files: &[Arc<str>],
    mut rows: BTreeMap<Key, Entry>,
    mut row_of: impl FnMut(&Planned) -> Result<Option<Entry>, E>,
    waited: impl FnOnce(Timestamp) -> Result<Vec<Entry>, E>,
    keep: &dyn Fn(&Entry) -> bool,
    now: Timestamp,
    grace: SignedDuration,
) -> Result<(Vec<Action<'a>>, Vec<(Key, String)>), E> {
    let late = now.checked_sub(grace).unwrap_or(now);
    let scope: HashSet<&str> = files.iter().map(|f| &**f).collect();
    let mut actions = Vec::new();
    let mut conflicts = Vec::new();
    let mut seen: HashSet<(&str, &str, &str)> = HashSet::new();
    for p in planned {
        // One row per key, as in a sync of everything.
        if !seen.insert(planned_order(p)) {
            continue;
        }
        let e = match row_of(p)? {
            Some(e) => Some(e),
            None => rows.remove(&p.key()),
        };
        match e {
            None => actions.push(Action::Insert(p, p.due < late)),
            Some(e) => {
                rows.remove(&e.key);
                match e.file.as_deref() {
                    Some(other) if !scope.contains(other) && e.state != State::Cancelled => {
                        conflicts.push((e.key, other.to_owned()));
                    }
                    _ => actions.extend(compare(p, &e, p.due < late, now)),
                }
            }
        }
    }
    // The rows of the files read that nothing plans now.
    for (key, e) in rows {
        if e.state == State::Scheduled && !keep(&e) {
            actions.push(Action::Cancel(Box::new(key)));
        }
    }
    // What waited beyond the grace window elsewhere: missed, as a sync of everything finds it.
    for e in waited(late)? {
        let in_scope = e.file.as_deref().is_some_and(|f| scope.contains(f));
        if !in_scope && !seen.contains(&sort_key(&e.key)) && !keep(&e) {
            actions.push(Action::Miss(Box::new(e.key)));
        }
    }
    Ok((actions, conflicts))
}

/// The state `outcome` moves a row to, when [`super::Ledger::finish`] may move a row in state
/// `from` (`None`: no such row) there: from `sending`, any outcome; from `scheduled` (the
/// attempt ended before its publishing request), only a retry or a failure.
///
/// Fails with [`LedgerError::Transition`] otherwise.
pub(super) fn finish_to(
    key: &Key,
    from: Option<&str>,
    outcome: &Outcome,
) -> Result<&'static str, LedgerError> {
    let to = match outcome {
        Outcome::Published { .. } => "published",
        Outcome::Retry { .. } => "scheduled",
        Outcome::Failed(_) => "failed",
        Outcome::Uncertain(_) => "uncertain",
    };
    let allowed = match from {
        Some("sending") => true,
        Some("scheduled") => matches!(outcome, Outcome::Retry { .. } | Outcome::Failed(_)),
        _ => false,
    };
    if allowed {
        return Ok(to);
    }
    let from = match from {
        Some("scheduled") => "scheduled",
        Some("published") => "published",
        Some("failed") => "failed",
        Some("uncertain") => "uncertain",
        Some("missed") => "missed",
        Some("cancelled") => "cancelled",
        _ => "absent",
    };
    Err(LedgerError::Transition {
        key: key.clone(),
        from,
        to,
    })
}

/// The columns of one publication row, as every backend stores them.
pub(super) struct Columns {
    pub org: String,
    pub post: String,
    pub network: String,
    pub due_ms: i64,
    pub next_try_ms: i64,
    pub content: String,
    pub attempts: i64,
    pub state: String,
    pub remote_id: Option<String>,
    pub url: Option<String>,
    pub reason: Option<String>,
    pub updated_ms: i64,
    pub file: Option<String>,
    pub waiting_since_ms: Option<i64>,
}

impl Columns {
    /// The row as an [`Entry`].
    pub(super) fn entry(self) -> Entry {
        let waiting = match (self.state.as_str(), &self.reason, self.waiting_since_ms) {
            ("scheduled" | "sending", Some(reason), Some(since)) => Some(Waiting {
                reason: reason.clone(),
                since: ts(since),
            }),
            _ => None,
        };
        let state = match self.state.as_str() {
            "scheduled" => State::Scheduled,
            "sending" => State::Sending,
            "published" => State::Published {
                remote_id: self.remote_id.unwrap_or_default(),
                url: self.url,
            },
            "failed" => State::Failed {
                reason: self.reason.unwrap_or_default(),
            },
            "uncertain" => State::Uncertain {
                reason: self.reason.unwrap_or_default(),
            },
            "missed" => State::Missed,
            _ => State::Cancelled,
        };
        Entry {
            key: Key {
                org: self.org.into(),
                post: self.post.into(),
                network: Network::from_key(&self.network).unwrap_or(Network::Telegram),
            },
            due: ts(self.due_ms),
            next_try: ts(self.next_try_ms),
            content: self.content,
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX),
            state,
            updated: ts(self.updated_ms),
            file: self.file,
            waiting,
        }
    }
}
