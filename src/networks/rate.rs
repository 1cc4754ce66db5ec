//! Request rates as documented configuration, the [`Limiter`] every client sends its API calls
//! through so that a burst of publications never meets a rate-limit answer, and the sliding
//! windows the emulators count requests in to hold the clients to the same numbers.
//!
//! The limiter spaces requests evenly (one request per spacing, no bursts), a little slower than
//! documented ([`SAFETY_MARGIN_PERCENT`]), and counts each request against the limits until its
//! answer came. A fresh limiter starts as if its windows of a second were full
//! ([`Limiter::new`]): the server still counts what the previous process sent.
//!
//! A rate-limit answer that still happens comes back as
//! [`PublishError::RateLimited`](super::PublishError::RateLimited), and it is a fact about the
//! token (or, on Telegram, about the chat), not about one request: the client reports it with
//! [`Limiter::rate_limited`], every request of that token or chat waits out the pause, and the
//! limiter keeps a slower pace for a while ([`SLOWDOWN_FOR`]). A pause longer than
//! [`LONGEST_PAUSE_WAITED`] is not slept through inside a call: the call fails at once with the
//! rest of the pause ([`Paused`]), and retrying it later stays the scheduler's decision.
//!
//! Requests come in two priorities. A publication's requests wait with [`Limiter::until_ready`]
//! and mark the token busy while they wait ([`Limiter::busy`]); work done ahead of time (pictures
//! uploaded before their post is due) waits with [`Limiter::until_idle`], which takes only a slot
//! that is free now while nothing urgent waits, never fills the server's window with such
//! requests alone (one request of it is left for a publication that falls due), and plans
//! nothing: it never holds a slot a publication could have had.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// How often one token may send, per target page ("chat") and in total.
///
/// A value of 0 means "no limit of this kind". The numbers are the networks' documented ones
/// (docs/api-facts.md, the rate-limit section of each network); where a network publishes none, the
/// safe folklore value is used and says so. The default is no limit at all
/// ([`RateLimits::UNLIMITED`]), not a network's numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimits {
    /// Most messages per second to one chat or page.
    pub per_chat_per_sec: u32,
    /// Most messages per minute to one chat or page.
    pub per_chat_per_min: u32,
    /// Most requests per second for the whole token, all chats together.
    pub global_per_sec: u32,
}

impl RateLimits {
    /// Telegram Bot API (docs/api-facts.md#telegram-rate-limits): avoid more than 1 message/s in
    /// one chat, at most 20 messages/min in one group (channels have no published number; the group
    /// one is used), about 30 messages/s in total. A media group counts as one message per picture
    /// (UNCONFIRMED, assumed to be safe).
    pub const TELEGRAM: RateLimits = RateLimits {
        per_chat_per_sec: 1,
        per_chat_per_min: 20,
        global_per_sec: 30,
    };

    /// VK API with a user token (docs/api-facts.md#vk-rate-limits): 3 requests/s for the token,
    /// whatever the community; no per-page limit is documented.
    pub const VK: RateLimits = RateLimits {
        per_chat_per_sec: 0,
        per_chat_per_min: 0,
        global_per_sec: 3,
    };

    /// OK API: UNCONFIRMED. OK documents per-user method-call quotas but no numbers
    /// (docs/api-facts.md#ok-rate-limits). Assumed: VK's user-token rate, 3 requests/s for the
    /// token and no per-group limit — slow enough for a few publications a minute, and a guess to
    /// replace as soon as OK (or `users.getCallsLeft`) gives a number.
    pub const OK: RateLimits = RateLimits {
        per_chat_per_sec: 0,
        per_chat_per_min: 0,
        global_per_sec: 3,
    };

    /// No limits at all (tests).
    pub const UNLIMITED: RateLimits = RateLimits {
        per_chat_per_sec: 0,
        per_chat_per_min: 0,
        global_per_sec: 0,
    };

    /// The even spacing between two messages to one chat that keeps within both per-chat
    /// limits (Telegram: 3 s), or `None` when neither is set.
    pub fn per_chat_spacing(&self) -> Option<Duration> {
        let per_sec = spacing(self.per_chat_per_sec, Duration::from_secs(1));
        let per_min = spacing(self.per_chat_per_min, Duration::from_secs(60));
        per_sec.into_iter().chain(per_min).max()
    }

    /// The even spacing between two requests of the token that keeps within the global limit.
    pub fn global_spacing(&self) -> Option<Duration> {
        spacing(self.global_per_sec, Duration::from_secs(1))
    }
}

fn spacing(count: u32, window: Duration) -> Option<Duration> {
    (count > 0).then(|| window / count)
}

/// How much slower than documented the [`Limiter`] plans requests, in percent.
///
/// Safety does not rest on it: before a request goes, the limiter counts the earlier requests
/// in the server's windows by the instant their answers came (see [`Limiter`]), which is never
/// earlier than the server counted them. The margin keeps the plan a little under the limit, so
/// that this check, on a request whose predecessors were answered a little slower than usual,
/// seldom has to hold it back.
pub const SAFETY_MARGIN_PERCENT: u32 = 2;

fn with_margin(spacing: Duration) -> Duration {
    spacing + spacing * SAFETY_MARGIN_PERCENT / 100
}

/// What a wait answers while another process holds the token ([`Limiter::hold`]): try again
/// after this long, or when the token is held again.
pub const AWAY_PAUSE: Duration = Duration::from_secs(60);

/// Beyond this many chats, those the limits no longer concern are forgotten.
const CHATS_REMEMBERED: usize = 1024;

/// The longest pause after a rate-limit answer that a call waits out inside the limiter (VK's
/// error 6 asks for about a second, Telegram's `retry_after` is often a few seconds). A longer
/// pause (VK's flood control and quotas, OK's FLOOD_BLOCKED, a Telegram `retry_after` of
/// minutes) is not slept through: the call fails at once with [`Paused`], so that a publishing
/// pass is not held for an hour and the scheduler retries the publication after the pause.
pub const LONGEST_PAUSE_WAITED: Duration = Duration::from_secs(30);

/// How long after a pause ends the limiter keeps its slower pace, then returns to the
/// configured one. NETWORKS.md §2.8 (VK) says "retry after ~1 s, lower rate" without a number;
/// this one is ours.
pub const SLOWDOWN_FOR: Duration = Duration::from_secs(300);

/// The slowest pace after rate-limit answers: the spacing is doubled by the first answer and
/// doubled again by each answer that comes while the limiter is still slowed down, up to this
/// factor.
pub const SLOWDOWN_MAX: u32 = 8;

/// Most requests a fresh limiter remembers per window as sent before it started; a limit above
/// it is remembered in groups, each counted at its latest instant (a little slower, never
/// faster).
const SEED_EVENTS: u32 = 128;

/// A wait the limiter refuses to make: the token or the chat is paused by a rate-limit answer
/// for longer than [`LONGEST_PAUSE_WAITED`]. Nothing was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paused {
    /// The rest of the pause.
    pub left: Duration,
}

impl From<Paused> for super::PublishError {
    /// The call was not sent; it may be sent again after the rest of the pause.
    fn from(p: Paused) -> super::PublishError {
        super::PublishError::RateLimited { after: p.left }
    }
}

/// What a rate-limit answer left on the token or on one chat: a pause, and a slower pace after
/// it.
#[derive(Debug, Clone, Copy, Default)]
struct Pause {
    /// Nothing goes before this instant.
    until: Option<Instant>,
    /// The spacing's factor and until when it holds.
    slow: Option<(u32, Instant)>,
}

impl Pause {
    /// The factor the spacing is multiplied by at `at` (1: the configured pace).
    fn factor(&self, at: Instant) -> u32 {
        match self.slow {
            Some((factor, until)) if at < until => factor,
            _ => 1,
        }
    }

    /// A rate-limit answer at `now` that asked to wait until `until`: pause until then, then
    /// go at half the pace (a quarter, … while the slowdown of an earlier answer still holds).
    fn hit(&mut self, until: Instant, now: Instant) {
        self.until = Some(self.until.map_or(until, |u| u.max(until)));
        let slow_until = until + SLOWDOWN_FOR;
        self.slow = Some(match self.slow {
            Some((factor, u)) if now < u => ((factor * 2).min(SLOWDOWN_MAX), u.max(slow_until)),
            _ => (2, slow_until),
        });
    }

    /// Whether the pause or the slowdown still holds at `now`.
    fn holds(&self, now: Instant) -> bool {
        self.until.is_some_and(|u| u > now) || self.slow.is_some_and(|(_, u)| u > now)
    }
}

/// Why a request made ahead of time may not go yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IdleHold {
    /// A request of a publication waits, or one is being made.
    Busy,
    /// The token or the chat is paused for this long.
    Paused(Duration),
    /// Until this instant.
    Until(Instant),
    /// Until a request in flight is answered.
    Answer,
}

/// Why a request may not go yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hold {
    /// Until this instant.
    Until(Instant),
    /// Until a request in flight is answered.
    Answer,
    /// Its token or chat is paused: it has to be planned again.
    Replan,
}

/// Spaces the requests of one token: evenly by the token's global spacing, and evenly by the
/// per-chat spacing within each chat (both from [`RateLimits`], widened by
/// [`SAFETY_MARGIN_PERCENT`]). Each client owns one and waits on it before every API call.
///
/// A wait first plans the request's slot — the first instant free both for the token and for the
/// chat — and sleeps until it. Planning both at once (rather than waiting for the token and then
/// for the chat) means a request never holds one slot while waiting for the other, so no slot is
/// wasted and callers are served in the order they asked. There are no bursts: even at the
/// start, requests are planned one spacing apart, because a server counting a sliding window
/// refuses what a bucket with a burst allows.
///
/// On waking, the request is checked against what really happened: the earlier requests count
/// in each window the server counts (a second, a minute) until the instant their answers came —
/// a request in flight counts until it is answered — and the request goes only when it fits
/// beside them. A server counts a request when it arrives, which is after it left and before it
/// was answered, so a request that passes this check never overfills a window at the server,
/// however late a busy runtime woke its sleepers or wrote its requests, and however slow the way.
/// (Only a request the client gave up on, by its timeout, that still reaches the server
/// afterwards can be counted later than assumed; its 429 then comes back as
/// [`PublishError::RateLimited`](super::PublishError::RateLimited).) The check does not insist on
/// the even spacing, so a request woken a little late still goes at once and the pace does not
/// drift.
///
/// A request that counts as several messages (a Telegram album) is planned and checked against
/// the windows with all of them: it goes only when the window before it has room for all, and
/// the requests after it wait until they fit beside it.
///
/// A rate-limit answer ([`Limiter::rate_limited`]) pauses the token or the chat it concerns:
/// every wait of it, those already sleeping towards their slots too, is planned again from the
/// end of the pause, and the spacing is doubled for [`SLOWDOWN_FOR`] after it. A pause of more
/// than [`LONGEST_PAUSE_WAITED`] is not waited out: the wait fails with [`Paused`].
///
/// The wait returns a [`Permit`]: hold it until the request is answered. A wait that is dropped
/// does not give its planned slot back: the limiter only ever errs on the slow side. The limiter
/// uses tokio's clock and must be awaited inside a tokio runtime with time enabled. `Debug`
/// shows the limits only.
pub struct Limiter {
    limits: RateLimits,
    token: Rule,
    chat: Rule,
    slots: Mutex<Slots>,
    answered: Notify,
    /// Woken when a pause begins: the waits it concerns plan again.
    paused: Notify,
    /// How many publications' requests are waiting or being made ([`Limiter::busy`]).
    busy: AtomicUsize,
    /// Woken when the last of them is done: requests made ahead of time may go.
    quiet: Notify,
    /// No publication goes through this limiter ([`Limiter::publishes_nothing`]): requests
    /// made ahead of time may fill each window.
    alone: AtomicBool,
    /// Another process uses the token now ([`Limiter::hold`]): nothing goes.
    away: AtomicBool,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// A request's place within the limits, from the wait until its answer. Dropping it tells the
/// limiter that the request was answered (or given up), the latest instant a server can have
/// counted it.
#[must_use = "hold the permit until the request is answered"]
#[derive(Debug)]
pub struct Permit<'a> {
    limiter: &'a Limiter,
    id: u64,
    chat: String,
    /// When the answer came, if not when the permit is dropped (tests).
    answered_at: Option<Instant>,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let at = self.answered_at.unwrap_or_else(Instant::now);
        self.limiter.answered(self.id, &self.chat, at);
    }
}

/// The token is busy with a publication while this is held ([`Limiter::busy`]): requests made
/// ahead of time ([`Limiter::until_idle`]) wait until no such guard is left.
#[must_use = "the token is busy only while this is held"]
#[derive(Debug)]
pub struct Busy<'a> {
    limiter: &'a Limiter,
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        if self.limiter.busy.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.limiter.quiet.notify_waiters();
        }
    }
}

/// The limits of one kind (the token's, or each chat's).
#[derive(Debug, Clone, Default)]
struct Rule {
    /// Least time between two planned requests (with the margin); `None`: no limit of this
    /// kind.
    spacing: Option<Duration>,
    /// Sliding windows and the most messages each may hold, as the server counts them.
    windows: Vec<(Duration, u32)>,
}

impl Rule {
    fn new(spacing: Option<Duration>, windows: &[(Duration, u32)]) -> Rule {
        Rule {
            spacing: spacing.map(with_margin),
            windows: windows
                .iter()
                .filter(|(_, limit)| *limit > 0)
                .copied()
                .collect(),
        }
    }

    /// The plan's windows: widened by the margin.
    fn planned_windows(&self) -> impl Iterator<Item = (Duration, u32)> + '_ {
        self.windows
            .iter()
            .map(|(window, limit)| (with_margin(*window), *limit))
    }

    fn longest_window(&self) -> Duration {
        self.planned_windows()
            .map(|(w, _)| w)
            .max()
            .unwrap_or_default()
    }
}

/// The earliest instant at or after `from` when `n` more messages fit into `limit` per `window`
/// beside `events` (instant or still in flight, message count); `None` when only the answer of
/// a request in flight can make room. More messages than the window holds wait until it is
/// empty.
fn room(
    events: &mut dyn Iterator<Item = (Option<Instant>, u32)>,
    window: Duration,
    limit: u32,
    n: u32,
    from: Instant,
) -> Option<Instant> {
    let n = n.min(limit);
    let mut held = 0;
    let mut leaving: Vec<(Instant, u32)> = Vec::new();
    for (at, m) in events {
        match at {
            None => held += m,
            Some(t) if from.saturating_duration_since(t) < window => {
                held += m;
                leaving.push((t, m));
            }
            Some(_) => {}
        }
    }
    let mut excess = (held + n).saturating_sub(limit);
    if excess == 0 {
        return Some(from);
    }
    leaving.sort_by_key(|(t, _)| *t);
    for (t, m) in leaving {
        excess = excess.saturating_sub(m);
        if excess == 0 {
            return Some(from.max(t + window));
        }
    }
    None
}

/// The planned slots of the token or of one chat.
#[derive(Debug, Default)]
struct Planned {
    /// The earliest instant of the next request (the last one plus the spacing).
    next: Option<Instant>,
    /// Slots within the longest window, oldest first, with their message counts.
    recent: VecDeque<(Instant, u32)>,
}

impl Planned {
    /// The earliest instant at or after `from` and the next slot when `n` messages keep to
    /// `rule`'s windows (widened by the margin). Every slot is before the next one, so the
    /// messages in a window only decrease as the instant moves on.
    fn earliest(&self, rule: &Rule, n: u32, from: Instant) -> Instant {
        let mut at = self.next.map_or(from, |next| from.max(next));
        for (window, limit) in rule.planned_windows() {
            let mut events = self.recent.iter().map(|(t, m)| (Some(*t), *m));
            // Planned slots are never in flight, so there is always an answer.
            at = room(&mut events, window, limit, n, at).unwrap_or(at);
        }
        at
    }

    /// Plans a slot at `at`; the next one is `factor` spacings later (more than one after a
    /// rate-limit answer).
    fn plan(&mut self, rule: &Rule, n: u32, at: Instant, factor: u32) {
        if let Some(spacing) = rule.spacing {
            self.next = Some(at + spacing * factor);
        }
        let longest = rule.longest_window();
        while self
            .recent
            .front()
            .is_some_and(|(t, _)| at.saturating_duration_since(*t) >= longest)
        {
            self.recent.pop_front();
        }
        if !rule.windows.is_empty() {
            self.recent.push_back((at, n));
        }
    }
}

/// The requests that went, of the token or of one chat: when each was answered (`None`: still
/// in flight), with its message count.
#[derive(Debug, Default)]
struct Taken {
    requests: Vec<(u64, Option<Instant>, u32)>,
}

impl Taken {
    /// The earliest instant at or after `now` when `n` messages fit into `rule`'s windows as
    /// the server counts them; `None` when only an answer can make room.
    fn earliest(&self, rule: &Rule, n: u32, now: Instant) -> Option<Instant> {
        let mut at = now;
        for (window, limit) in &rule.windows {
            let mut events = self.requests.iter().map(|(_, t, m)| (*t, *m));
            at = room(&mut events, *window, *limit, n, at)?;
        }
        Some(at)
    }

    /// The earliest instant at or after `now` when one more of these requests keeps them below
    /// the limit of each of `rule`'s windows that holds more than one (so that one request of
    /// the window is always left to others); `None` when only an answer can make room.
    fn earliest_below(&self, rule: &Rule, now: Instant) -> Option<Instant> {
        let mut at = now;
        for (window, limit) in rule.windows.iter().filter(|(_, limit)| *limit > 1) {
            let mut events = self.requests.iter().map(|(_, t, m)| (*t, *m));
            at = room(&mut events, *window, limit - 1, 1, at)?;
        }
        Some(at)
    }

    fn take(&mut self, rule: &Rule, id: u64, n: u32, now: Instant) {
        let longest = rule.longest_window();
        self.requests
            .retain(|(_, t, _)| t.is_none_or(|t| now.saturating_duration_since(t) < longest));
        if !rule.windows.is_empty() {
            self.requests.push((id, None, n));
        }
    }

    fn answered(&mut self, id: u64, at: Instant) {
        if let Some(request) = self.requests.iter_mut().find(|(i, _, _)| *i == id) {
            request.1 = Some(at);
        }
    }

    /// Whether a request at `now` or later could still depend on this chat.
    fn matters(&self, rule: &Rule, now: Instant) -> bool {
        self.requests.iter().any(|(_, t, _)| {
            t.is_none_or(|t| now.saturating_duration_since(t) < rule.longest_window())
        })
    }
}

impl Planned {
    /// Forgets the slots planned after `now`: the waits that planned them plan again after a
    /// pause, whose end is the next slot.
    fn restart_at(&mut self, rule: &Rule, until: Instant, now: Instant) {
        if rule.spacing.is_some() {
            self.next = Some(until);
        }
        self.recent.retain(|(t, _)| *t <= now);
    }

    /// Planned as if `seeds` had been sent.
    fn seeded(seeds: &[(Instant, u32)]) -> Planned {
        Planned {
            next: None,
            recent: seeds.iter().copied().collect(),
        }
    }
}

impl Taken {
    /// Requests answered as `seeds` says.
    fn seeded(seeds: &[(Instant, u32)]) -> Taken {
        Taken {
            // Id 0 is never a permit's.
            requests: seeds.iter().map(|(t, m)| (0, Some(*t), *m)).collect(),
        }
    }
}

/// What a server may still count against a limiter made at `born`: each of `rule`'s windows of
/// a second full, its requests evenly spaced (at the pace of a limiter like this one) up to
/// `born`, oldest first.
///
/// Only windows of a second are filled. Filling the minute (Telegram's 20 messages a minute to
/// one chat) would hold the first message to every chat 3 s after every start, so that a
/// `publish --due` run every minute would publish every Telegram post 3 s late; a restart in the
/// middle of a burst to one chat may instead meet one 429 there, which pauses that chat
/// ([`Limiter::rate_limited`]) and loses nothing.
fn seeds(rule: &Rule, born: Instant) -> Vec<(Instant, u32)> {
    let Some(limit) = rule
        .windows
        .iter()
        .find(|(window, _)| *window == SECOND)
        .map(|(_, limit)| *limit)
    else {
        return Vec::new();
    };
    let pace = with_margin(SECOND / limit);
    let group = limit.div_ceil(SEED_EVENTS);
    let mut out = Vec::new();
    let mut k = 0;
    while k < limit {
        let m = group.min(limit - k);
        out.push((born.checked_sub(pace * k).unwrap_or(born), m));
        k += m;
    }
    out.reverse();
    out
}

/// What the limiter knows: the slots planned for the requests (when to wake them), the requests
/// that went (what the limits are kept against), and the pauses rate-limit answers left.
#[derive(Debug, Default)]
struct Slots {
    planned: Planned,
    planned_chats: HashMap<String, Planned>,
    taken: Taken,
    taken_chats: HashMap<String, Taken>,
    last_id: u64,
    pause: Pause,
    chat_pauses: HashMap<String, Pause>,
    /// The earliest instant of the next request made ahead of time.
    idle_next: Option<Instant>,
    /// The requests made ahead of time among `taken`.
    taken_idle: Taken,
    /// When the limiter was made, or took the token over ([`Limiter::hold`]): what a server
    /// may still count from before is placed before it.
    born: Option<Instant>,
}

impl Slots {
    /// The slots of a limiter made at `born`: the token's windows of a second full (`seeds`).
    fn born(token: &Rule, born: Instant) -> Slots {
        let seeded = seeds(token, born);
        Slots {
            planned: Planned::seeded(&seeded),
            taken: Taken::seeded(&seeded),
            born: Some(born),
            ..Slots::default()
        }
    }

    /// Until when a request to `chat` may not go: the token's pause or the chat's.
    fn paused_until(&self, chat: &str) -> Option<Instant> {
        let chat = self.chat_pauses.get(chat).and_then(|p| p.until);
        self.pause.until.max(chat)
    }
}

impl Limiter {
    /// A limiter for `limits`; [`RateLimits::UNLIMITED`] never waits.
    ///
    /// It starts as if its windows of a second were full, with requests sent evenly at its own
    /// pace until now: a server still counts what the previous process sent before a restart, so
    /// the first request waits one spacing (a third of a second on VK), and a chat first asked for
    /// within a second of the start waits for that chat's window of a second too. A limiter made
    /// longer ago than its windows does not wait for anything of the kind.
    pub fn new(limits: RateLimits) -> Limiter {
        Limiter::starting_at(limits, Instant::now())
    }

    fn starting_at(limits: RateLimits, born: Instant) -> Limiter {
        let token = Rule::new(limits.global_spacing(), &[(SECOND, limits.global_per_sec)]);
        let chat = Rule::new(
            limits.per_chat_spacing(),
            &[
                (SECOND, limits.per_chat_per_sec),
                (MINUTE, limits.per_chat_per_min),
            ],
        );
        let slots = Slots::born(&token, born);
        Limiter {
            limits,
            token,
            chat,
            slots: Mutex::new(slots),
            answered: Notify::new(),
            paused: Notify::new(),
            busy: AtomicUsize::new(0),
            quiet: Notify::new(),
            alone: AtomicBool::new(false),
            away: AtomicBool::new(false),
        }
    }

    /// Says whether this process holds the token (several daemons on one ledger hold each
    /// token in turn, `publish::tokens`). While it does not, every wait fails at once with
    /// [`Paused`] for [`AWAY_PAUSE`] and nothing is sent. Taking it back starts the limiter
    /// afresh, as [`Limiter::new`] does: the windows of a second are full with what the other
    /// process may have sent.
    pub fn hold(&self, held: bool) {
        let was_away = self.away.swap(!held, Ordering::SeqCst);
        if held && was_away {
            *self.slots() = Slots::born(&self.token, Instant::now());
        }
        // The waits plan again, and find the token gone.
        self.paused.notify_waiters();
    }

    /// Whether this process holds the token ([`Limiter::hold`]; true unless told otherwise).
    pub fn held(&self) -> bool {
        !self.away.load(Ordering::SeqCst)
    }

    /// Fails when another process holds the token.
    fn here(&self) -> Result<(), Paused> {
        if self.held() {
            Ok(())
        } else {
            Err(Paused { left: AWAY_PAUSE })
        }
    }

    /// Marks the token busy with a publication until the guard is dropped: a client holds it
    /// over all the requests of one publication, so that nothing made ahead of time slips in
    /// between them. [`Limiter::until_ready`] holds one while it waits.
    pub fn busy(&self) -> Busy<'_> {
        self.busy.fetch_add(1, Ordering::SeqCst);
        Busy { limiter: self }
    }

    /// Says that no publication will go through this limiter: the process only reads (a
    /// `vestnik audit` or `vestnik moderate` run). Its requests at low priority
    /// ([`Limiter::until_idle`]) may then fill each window up to the token's limit, with no room
    /// kept for a publication that cannot come; they still go a spacing apart and wait out
    /// every pause. Another process publishing on the same token at the same time is not seen
    /// here: a rate-limit answer then pauses and slows this one down as any other.
    pub fn publishes_nothing(&self) {
        self.alone.store(true, Ordering::SeqCst);
    }

    /// Waits until one request made ahead of time (an upload before its post is due) may go to
    /// `chat`, at low priority: only while no publication's request waits or is being made
    /// ([`Limiter::busy`]), only into a slot that is free now (after the slot planned for the
    /// token's publications, and a spacing after the last such request), only when the
    /// server's windows have room, and only while such requests alone stay below each window's
    /// limit (VK: at most two of them in a second), so that a publication that falls due finds
    /// room and goes at once, unless publications of the same token filled the rest of the
    /// window within the last second (then it waits at most until the oldest request leaves
    /// the window, one spacing). It plans no slot; what it sent counts in the windows like any
    /// request. Hold the permit until the request is answered.
    ///
    /// Fails, without waiting, when the token or the chat is paused by a rate-limit answer for
    /// longer than [`LONGEST_PAUSE_WAITED`].
    pub async fn until_idle(&self, chat: &str) -> Result<Permit<'_>, Paused> {
        loop {
            self.here()?;
            // Registered before the check, so that a change in between is not missed.
            let quiet = self.quiet.notified();
            let answered = self.answered.notified();
            let paused = self.paused.notified();
            tokio::pin!(quiet, answered, paused);
            quiet.as_mut().enable();
            answered.as_mut().enable();
            paused.as_mut().enable();
            let hold = match self.take_idle(chat, Instant::now()) {
                Ok(permit) => return Ok(permit),
                Err(IdleHold::Paused(left)) if left > LONGEST_PAUSE_WAITED => {
                    return Err(Paused { left });
                }
                Err(hold) => hold,
            };
            let wake = async {
                match hold {
                    IdleHold::Paused(left) => tokio::time::sleep(left).await,
                    IdleHold::Until(at) => tokio::time::sleep_until(at).await,
                    IdleHold::Busy => quiet.await,
                    IdleHold::Answer => answered.await,
                }
            };
            // Whatever it waits for, a new pause ends the wait too: then it looks again.
            tokio::select! {
                () = wake => {}
                () = paused => {}
            }
        }
    }

    /// Takes a permit at `now` for one request made ahead of time, or says what it waits for.
    fn take_idle(&self, chat: &str, now: Instant) -> Result<Permit<'_>, IdleHold> {
        if self.busy.load(Ordering::SeqCst) > 0 {
            return Err(IdleHold::Busy);
        }
        if !self.held() {
            return Err(IdleHold::Paused(AWAY_PAUSE));
        }
        let per_chat = self.per_chat(chat);
        let mut slots = self.slots();
        if let Some(until) = slots.paused_until(chat).filter(|u| *u > now) {
            return Err(IdleHold::Paused(until - now));
        }
        let chat_next = if per_chat {
            slots.planned_chats.get(chat).and_then(|p| p.next)
        } else {
            None
        };
        let at = [slots.planned.next, slots.idle_next, chat_next]
            .into_iter()
            .flatten()
            .fold(now, Instant::max);
        if at > now {
            return Err(IdleHold::Until(at));
        }
        // Room in the server's windows, and among the requests made ahead alone, room left for
        // one more of a publication's.
        let taken = slots.taken.earliest(&self.token, 1, now);
        let token = if self.alone.load(Ordering::SeqCst) {
            taken
        } else {
            taken
                .zip(slots.taken_idle.earliest_below(&self.token, now))
                .map(|(a, b)| a.max(b))
        };
        let chat_room = match slots.taken_chats.get(chat) {
            Some(taken) if per_chat => taken.earliest(&self.chat, 1, now),
            _ => Some(now),
        };
        match token.zip(chat_room).map(|(a, b)| a.max(b)) {
            None => return Err(IdleHold::Answer),
            Some(at) if at != now => return Err(IdleHold::Until(at)),
            Some(_) => {}
        }
        slots.last_id += 1;
        let id = slots.last_id;
        slots.taken.take(&self.token, id, 1, now);
        slots.taken_idle.take(&self.token, id, 1, now);
        if per_chat {
            slots
                .taken_chats
                .entry(chat.to_owned())
                .or_default()
                .take(&self.chat, id, 1, now);
        }
        let factor = slots.pause.factor(now);
        if let Some(spacing) = self.token.spacing {
            slots.idle_next = Some(now + spacing * factor);
        }
        Ok(Permit {
            limiter: self,
            id,
            chat: if per_chat {
                chat.to_owned()
            } else {
                String::new()
            },
            answered_at: None,
        })
    }

    /// The limits it enforces.
    pub fn limits(&self) -> RateLimits {
        self.limits
    }

    /// Waits until one request to `chat` may be sent: the chat's slot and the token's slot.
    /// `chat` is the page the request concerns (a Telegram `chat_id`, a VK `owner_id`, an OK
    /// `gid`); `""` for a call tied to no page, which waits only for the token. Hold the permit
    /// until the request is answered.
    ///
    /// Fails, without waiting, when the token or the chat is paused by a rate-limit answer for
    /// longer than [`LONGEST_PAUSE_WAITED`].
    pub async fn until_ready(&self, chat: &str) -> Result<Permit<'_>, Paused> {
        self.until_ready_n(chat, 1).await
    }

    /// Like [`until_ready`](Self::until_ready) for a request that counts as `n` messages (a
    /// Telegram media group counts one per picture: UNCONFIRMED,
    /// docs/api-facts.md#telegram-rate-limits); `0` counts as 1. A count larger than a window's
    /// limit waits until that window is empty.
    pub async fn until_ready_n(&self, chat: &str, n: u32) -> Result<Permit<'_>, Paused> {
        // While it waits, nothing made ahead of time goes.
        let _busy = self.busy();
        let n = n.max(1);
        loop {
            self.here()?;
            // A paused request plans nothing until the pause is over: its slot would hold up
            // the token's requests to other chats.
            let paused = self.paused.notified();
            tokio::pin!(paused);
            paused.as_mut().enable();
            let now = Instant::now();
            let until = self.slots().paused_until(chat).filter(|u| *u > now);
            if let Some(until) = until {
                let left = until - now;
                if left > LONGEST_PAUSE_WAITED {
                    return Err(Paused { left });
                }
                tokio::select! {
                    () = tokio::time::sleep_until(until) => {}
                    () = paused => {}
                }
                continue;
            }
            let (slot, seen) = self.plan(chat, n, now)?;
            if let Some(permit) = self.wait_for(chat, n, slot, seen).await {
                return Ok(permit);
            }
            // A pause began meanwhile: wait it out, then plan again.
        }
    }

    /// Sleeps until `slot`, then until the request fits beside the requests that went, and
    /// takes its permit; `None` when the pause of the token or of `chat` changed from `seen`.
    async fn wait_for(
        &self,
        chat: &str,
        n: u32,
        slot: Instant,
        seen: Option<Instant>,
    ) -> Option<Permit<'_>> {
        loop {
            // Registered before the checks, so that an answer or a pause in between is not
            // missed.
            let answered = self.answered.notified();
            let paused = self.paused.notified();
            tokio::pin!(answered, paused);
            answered.as_mut().enable();
            paused.as_mut().enable();
            if !self.held() || self.slots().paused_until(chat) != seen {
                return None;
            }
            let now = Instant::now();
            if now < slot {
                tokio::select! {
                    () = tokio::time::sleep_until(slot) => {}
                    () = paused => {}
                }
                continue;
            }
            match self.take(chat, n, now) {
                Ok(permit) => return Some(permit),
                Err(Hold::Replan) => return None,
                Err(Hold::Until(at)) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = answered => {}
                        () = paused => {}
                    }
                }
                Err(Hold::Answer) => {
                    tokio::select! {
                        () = answered => {}
                        () = paused => {}
                    }
                }
            }
        }
    }

    /// Records a rate-limit answer to a request to `chat` (`""`: the token's own, or a request
    /// tied to no page) that asked to wait `after`: nothing of the token (or, for a chat, of the
    /// chat) goes before the pause ends, the waits already planned plan again from its end, and
    /// the pace is halved for [`SLOWDOWN_FOR`] after it.
    ///
    /// A chat's answer pauses the chat only, unless another chat is paused at the same time:
    /// two chats refused together are taken for the token's own limit (Telegram's 30 messages a
    /// second), and the token is paused as well. Telegram's 429 does not say which limit it is
    /// about (UNCONFIRMED, NETWORKS.md §4.5); this is the cautious reading.
    pub fn rate_limited(&self, chat: &str, after: Duration) {
        self.rate_limited_at(chat, after, Instant::now());
    }

    fn rate_limited_at(&self, chat: &str, after: Duration, now: Instant) {
        let until = now + after;
        {
            let mut slots = self.slots();
            let flood = !chat.is_empty()
                && slots
                    .chat_pauses
                    .iter()
                    .any(|(c, p)| c != chat && p.until.is_some_and(|u| u > now));
            if chat.is_empty() || flood {
                slots.pause.hit(until, now);
                slots.planned.restart_at(&self.token, until, now);
            }
            if !chat.is_empty() {
                if slots.chat_pauses.len() >= CHATS_REMEMBERED {
                    slots.chat_pauses.retain(|_, p| p.holds(now));
                }
                slots
                    .chat_pauses
                    .entry(chat.to_owned())
                    .or_default()
                    .hit(until, now);
                if let Some(planned) = slots.planned_chats.get_mut(chat) {
                    planned.restart_at(&self.chat, until, now);
                }
            }
        }
        self.paused.notify_waiters();
    }

    fn per_chat(&self, chat: &str) -> bool {
        !chat.is_empty() && self.chat.spacing.is_some()
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Plans the first slot at or after `now` (and after any pause) for `n` messages to `chat`
    /// and returns it, with the pause it planned after. Fails when the pause lasts longer than
    /// [`LONGEST_PAUSE_WAITED`].
    fn plan(&self, chat: &str, n: u32, now: Instant) -> Result<(Instant, Option<Instant>), Paused> {
        let mut slots = self.slots();
        let paused = slots.paused_until(chat);
        let left = paused.map_or(Duration::ZERO, |u| u.saturating_duration_since(now));
        if left > LONGEST_PAUSE_WAITED {
            return Err(Paused { left });
        }
        let from = paused.map_or(now, |u| now.max(u));
        let token_factor = slots.pause.factor(from);
        let mut at = slots.planned.earliest(&self.token, n, from);
        let chat_factor = slots.chat_pauses.get(chat).map_or(1, |p| p.factor(from));
        if self.per_chat(chat) {
            self.seed_chat(&mut slots, chat, now);
            if let Some(planned) = slots.planned_chats.get(chat) {
                at = at.max(planned.earliest(&self.chat, n, from));
            }
        }
        slots.planned.plan(&self.token, n, at, token_factor);
        if self.per_chat(chat) {
            if slots.planned_chats.len() >= CHATS_REMEMBERED {
                slots
                    .planned_chats
                    .retain(|_, p| p.next.is_some_and(|next| next > now));
            }
            slots
                .planned_chats
                .entry(chat.to_owned())
                .or_default()
                .plan(&self.chat, n, at, chat_factor);
        }
        Ok((at, paused))
    }

    /// A chat first asked for while the limiter is younger than a second starts with its
    /// window of a second full (`seeds`), as the token did.
    fn seed_chat(&self, slots: &mut Slots, chat: &str, now: Instant) {
        let Some(born) = slots.born else { return };
        if slots.planned_chats.contains_key(chat)
            || now.saturating_duration_since(born) >= with_margin(SECOND)
        {
            return;
        }
        let seeded = seeds(&self.chat, born);
        if seeded.is_empty() {
            return;
        }
        slots
            .planned_chats
            .insert(chat.to_owned(), Planned::seeded(&seeded));
        slots
            .taken_chats
            .entry(chat.to_owned())
            .or_insert_with(|| Taken::seeded(&seeded));
    }

    /// Takes a permit at `now` for `n` messages to `chat` when no pause holds and the requests
    /// that went before leave room for them; else says what to wait for.
    fn take(&self, chat: &str, n: u32, now: Instant) -> Result<Permit<'_>, Hold> {
        let per_chat = self.per_chat(chat);
        let mut slots = self.slots();
        if !self.held() || slots.paused_until(chat).is_some_and(|u| u > now) {
            return Err(Hold::Replan);
        }
        let token = slots.taken.earliest(&self.token, n, now);
        let chat_room = match slots.taken_chats.get(chat) {
            Some(taken) if per_chat => taken.earliest(&self.chat, n, now),
            _ => Some(now),
        };
        match token.zip(chat_room).map(|(a, b)| a.max(b)) {
            None => return Err(Hold::Answer),
            Some(at) if at != now => return Err(Hold::Until(at)),
            Some(_) => {}
        }
        slots.last_id += 1;
        let id = slots.last_id;
        slots.taken.take(&self.token, id, n, now);
        if per_chat {
            if slots.taken_chats.len() >= CHATS_REMEMBERED {
                let rule = &self.chat;
                slots.taken_chats.retain(|_, t| t.matters(rule, now));
            }
            slots
                .taken_chats
                .entry(chat.to_owned())
                .or_default()
                .take(&self.chat, id, n, now);
        }
        // A request that went late pushes the plan of the ones that ask later.
        let token_factor = slots.pause.factor(now);
        if let (Some(spacing), Some(next)) = (self.token.spacing, slots.planned.next.as_mut()) {
            *next = (*next).max(now + spacing * token_factor);
        }
        let chat_factor = slots.chat_pauses.get(chat).map_or(1, |p| p.factor(now));
        if per_chat
            && let (Some(spacing), Some(next)) = (
                self.chat.spacing,
                slots
                    .planned_chats
                    .get_mut(chat)
                    .and_then(|p| p.next.as_mut()),
            )
        {
            *next = (*next).max(now + spacing * chat_factor);
        }
        Ok(Permit {
            limiter: self,
            id,
            chat: if per_chat {
                chat.to_owned()
            } else {
                String::new()
            },
            answered_at: None,
        })
    }

    /// Records that the request `id` was answered at `at`, and wakes the waits that may now go.
    fn answered(&self, id: u64, chat: &str, at: Instant) {
        {
            let mut slots = self.slots();
            slots.taken.answered(id, at);
            slots.taken_idle.answered(id, at);
            if let Some(taken) = slots.taken_chats.get_mut(chat) {
                taken.answered(id, at);
            }
        }
        self.answered.notify_waiters();
    }
}

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);

/// One request as an emulator's rate windows counted it: who sent it, to which chat, when it
/// arrived, and whether it was refused. Tests read these to check that nothing of a token (or
/// chat) arrived during the pause a refusal asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    /// The token it came with (an emulator's test token).
    pub token: String,
    /// The chat or page it concerned (`""`: none).
    pub chat: String,
    /// When it arrived.
    pub at: std::time::Instant,
    /// How many messages it counted as.
    pub messages: usize,
    /// `Some(wait)` when it was refused: how long until it would have fitted.
    pub refused: Option<Duration>,
}

/// What a server remembers to enforce [`RateLimits`]: when each recent request of a token
/// arrived, in total and per chat, counted in sliding windows of a second and a minute. The
/// emulators' side of the limits. It also keeps every request it judged ([`Self::arrivals`]).
#[derive(Debug, Default)]
pub(crate) struct Windows {
    global: HashMap<String, VecDeque<std::time::Instant>>,
    chats: HashMap<(String, String), VecDeque<std::time::Instant>>,
    refused: usize,
    arrivals: Vec<Arrival>,
}

impl Windows {
    /// Counts `n` requests of `token` to `chat` (`""`: no chat) arriving at `now` against
    /// `limits`. Fails with the wait until they would fit when any window would hold more than
    /// its limit; then nothing is counted but the refusal ([`Self::refused`]).
    pub(crate) fn admit(
        &mut self,
        limits: RateLimits,
        token: &str,
        chat: &str,
        n: usize,
        now: std::time::Instant,
    ) -> Result<(), Duration> {
        let count_global = limits.global_per_sec > 0;
        let count_chat = !chat.is_empty() && limits.per_chat_spacing().is_some();
        let mut wait = Duration::ZERO;
        if count_global {
            let times = self.global.entry(token.to_owned()).or_default();
            forget_before(times, now, SECOND);
            wait = wait.max(wait_for(times, now, SECOND, limits.global_per_sec, n));
        }
        if count_chat {
            let times = self
                .chats
                .entry((token.to_owned(), chat.to_owned()))
                .or_default();
            forget_before(times, now, MINUTE);
            wait = wait
                .max(wait_for(times, now, SECOND, limits.per_chat_per_sec, n))
                .max(wait_for(times, now, MINUTE, limits.per_chat_per_min, n));
        }
        self.arrivals.push(Arrival {
            token: token.to_owned(),
            chat: chat.to_owned(),
            at: now,
            messages: n,
            refused: (!wait.is_zero()).then_some(wait),
        });
        if !wait.is_zero() {
            self.refused += 1;
            return Err(wait);
        }
        if count_global && let Some(times) = self.global.get_mut(token) {
            record(times, now, n);
        }
        if count_chat && let Some(times) = self.chats.get_mut(&(token.to_owned(), chat.to_owned()))
        {
            record(times, now, n);
        }
        Ok(())
    }

    /// How many times [`Self::admit`] refused.
    pub(crate) fn refused(&self) -> usize {
        self.refused
    }

    /// Every request [`Self::admit`] judged, in the order it judged them.
    pub(crate) fn arrivals(&self) -> Vec<Arrival> {
        self.arrivals.clone()
    }
}

/// Records `n` events at `now`, keeping the events in order: calls that arrived in one order
/// may be counted in another.
fn record(times: &mut VecDeque<std::time::Instant>, now: std::time::Instant, n: usize) {
    let at = times.partition_point(|t| *t <= now);
    for _ in 0..n {
        times.insert(at, now);
    }
}

/// Drops the events that are `window` old or older (oldest first).
fn forget_before(
    times: &mut VecDeque<std::time::Instant>,
    now: std::time::Instant,
    window: Duration,
) {
    while times
        .front()
        .is_some_and(|t| now.duration_since(*t) >= window)
    {
        times.pop_front();
    }
}

/// How long until `n` more events fit into `limit` per `window`, given past events (oldest
/// first); zero when they fit now or when `limit` is 0 (no limit).
fn wait_for(
    times: &VecDeque<std::time::Instant>,
    now: std::time::Instant,
    window: Duration,
    limit: u32,
    n: usize,
) -> Duration {
    let limit = limit as usize;
    if limit == 0 {
        return Duration::ZERO;
    }
    let inside: Vec<&std::time::Instant> = times
        .iter()
        .filter(|t| now.duration_since(**t) < window)
        .collect();
    if inside.len() + n <= limit {
        return Duration::ZERO;
    }
    let free = inside.len() + n - limit;
    match inside.get(free - 1) {
        Some(t) => window.saturating_sub(now.duration_since(**t)),
        None => window,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telegram_spacing_is_three_seconds_per_chat() {
        assert_eq!(
            RateLimits::TELEGRAM.per_chat_spacing(),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            RateLimits::TELEGRAM.global_spacing(),
            Some(Duration::from_millis(33) + Duration::from_nanos(333_333))
        );
        assert_eq!(RateLimits::UNLIMITED.per_chat_spacing(), None);
        assert_eq!(RateLimits::VK.per_chat_spacing(), None);
        assert_eq!(
            with_margin(Duration::from_millis(100)),
            Duration::from_millis(102)
        );
    }

    #[test]
    fn rate_windows_count_only_recent_events() {
        let now = std::time::Instant::now();
        let mut times = VecDeque::new();
        assert_eq!(wait_for(&times, now, MINUTE, 2, 1), Duration::ZERO);
        times.push_back(now);
        times.push_back(now);
        assert_eq!(wait_for(&times, now, MINUTE, 2, 1), MINUTE);
        assert_eq!(wait_for(&times, now, MINUTE, 0, 5), Duration::ZERO);
        assert_eq!(wait_for(&times, now, MINUTE, 3, 3), MINUTE);
        let later = now + MINUTE;
        assert_eq!(wait_for(&times, later, MINUTE, 2, 1), Duration::ZERO);
    }

    #[test]
    fn windows_count_per_token_and_per_chat() {
        let limits = RateLimits {
            per_chat_per_sec: 0,
            per_chat_per_min: 2,
            global_per_sec: 3,
        };
        let t0 = std::time::Instant::now();
        let mut w = Windows::default();
        assert_eq!(w.admit(limits, "a", "c1", 1, t0), Ok(()));
        assert_eq!(w.admit(limits, "a", "c1", 1, t0), Ok(()));
        // The chat is full for a minute; another chat and another token are not.
        assert_eq!(w.admit(limits, "a", "c1", 1, t0), Err(MINUTE));
        assert_eq!(w.admit(limits, "b", "c1", 1, t0), Ok(()));
        assert_eq!(w.admit(limits, "a", "c2", 1, t0), Ok(()));
        // The token is full for a second (three requests counted).
        assert_eq!(w.admit(limits, "a", "", 1, t0), Err(SECOND));
        assert_eq!(w.admit(limits, "a", "", 1, t0 + SECOND), Ok(()));
        assert_eq!(w.refused(), 2);
        // Every request judged is kept, with the wait a refusal asked for.
        let arrivals = w.arrivals();
        assert_eq!(arrivals.len(), 7);
        let refusals: Vec<_> = arrivals
            .iter()
            .filter_map(|a| Some((a.token.as_str(), a.chat.as_str(), a.refused?)))
            .collect();
        assert_eq!(refusals, vec![("a", "c1", MINUTE), ("a", "", SECOND)]);
        assert_eq!(arrivals[6].at, t0 + SECOND);
        let mut none = Windows::default();
        for _ in 0..100 {
            assert_eq!(none.admit(RateLimits::UNLIMITED, "a", "c", 10, t0), Ok(()));
        }
        assert!(none.global.is_empty() && none.chats.is_empty());
    }

    /// An instant long after a limiter made now started: what was sent before it no longer
    /// counts.
    fn long_after_start() -> Instant {
        Instant::now() + Duration::from_secs(3600)
    }

    /// The slot the limiter plans for `n` messages to `chat` asked for at `now`.
    fn slot(limiter: &Limiter, chat: &str, n: u32, now: Instant) -> Instant {
        limiter.plan(chat, n, now).expect("not paused").0
    }

    /// Slots as the limiter reserves them for a sequence of (chat, n) requests, each asked for
    /// as soon as the previous request to the same chat went (pages publishing side by side).
    fn reserved(limiter: &Limiter, requests: &[(&str, u32)], start: Instant) -> Vec<Instant> {
        let mut last: HashMap<&str, Instant> = HashMap::new();
        requests
            .iter()
            .map(|(chat, n)| {
                let now = last.get(chat).copied().unwrap_or(start);
                let at = slot(limiter, chat, *n, now);
                last.insert(chat, at);
                at
            })
            .collect()
    }

    #[test]
    fn slots_are_spaced_per_token_and_per_chat() {
        let limiter = Limiter::new(RateLimits {
            per_chat_per_sec: 10,
            per_chat_per_min: 0,
            global_per_sec: 100,
        });
        let t0 = long_after_start();
        let chat = Duration::from_millis(102);
        let token = Duration::from_micros(10_200);
        let slots = reserved(
            &limiter,
            &[("a", 1), ("a", 1), ("b", 1), ("", 1), ("a", 3)],
            t0,
        );
        assert_eq!(slots[0], t0);
        assert_eq!(slots[1], t0 + chat);
        // Chat b is free at once, but the token's next slot is after a's second request.
        assert_eq!(slots[2], t0 + chat + token);
        assert_eq!(slots[3], t0 + chat + token * 2);
        // Three messages to a fit into a's second beside the two before: one spacing on.
        assert_eq!(slots[4], t0 + chat * 2);
        // Nothing waits without limits, and "" has no chat spacing.
        let free = Limiter::new(RateLimits::UNLIMITED);
        assert!(
            reserved(&free, &[("a", 5); 10], t0)
                .iter()
                .all(|s| *s == t0)
        );
        let only_chat = Limiter::new(RateLimits {
            per_chat_per_sec: 1,
            ..RateLimits::UNLIMITED
        });
        assert!(
            reserved(&only_chat, &[("", 1); 5], t0)
                .iter()
                .all(|s| *s == t0)
        );
    }

    #[test]
    fn a_request_of_several_messages_waits_for_room_in_the_window() {
        let limiter = Limiter::new(RateLimits::VK);
        let t0 = long_after_start();
        let second = with_margin(SECOND);
        // One request, then three messages (VK allows 3 a second): they wait until the first
        // has left the window, and the next request until the three have.
        let slots = reserved(&limiter, &[("", 1), ("", 3), ("", 1), ("", 1)], t0);
        let spacing = with_margin(Duration::from_secs(1) / 3);
        assert_eq!(
            slots,
            vec![t0, t0 + second, t0 + second * 2, t0 + second * 2 + spacing]
        );
        // More messages than a window holds wait until it is empty.
        let slots = reserved(&limiter, &[("", 1), ("", 7)], t0 + second * 10);
        assert_eq!(slots[1], slots[0] + second);
    }

    /// A permit answered at `at`.
    fn answer(permit: Result<Permit<'_>, Hold>, at: Instant) {
        let mut permit = permit.expect("a permit");
        permit.answered_at = Some(at);
    }

    #[test]
    fn requests_are_checked_against_when_the_earlier_ones_were_answered() {
        let limiter = Limiter::new(RateLimits::VK);
        let t0 = long_after_start();
        let ms = Duration::from_millis;
        // Two planned slots, but a busy runtime wakes both half a second late: they may still
        // go together (3 a second), the first answered slowly.
        assert_eq!(slot(&limiter, "", 1, t0), t0);
        assert_eq!(slot(&limiter, "", 1, t0), t0 + with_margin(SECOND / 3));
        let late = t0 + ms(500);
        answer(limiter.take("", 1, late), late + ms(200));
        answer(limiter.take("", 1, late), late + ms(1));
        // A request that asks now is planned one spacing after the late ones.
        assert_eq!(slot(&limiter, "", 1, late), late + with_margin(SECOND / 3));
        answer(limiter.take("", 1, late + ms(10)), late + ms(11));
        // A fourth goes when the earliest answer is a second old.
        assert_eq!(
            limiter.take("", 1, late + ms(20)).err(),
            Some(Hold::Until(late + ms(1) + SECOND))
        );
        answer(
            limiter.take("", 1, late + ms(1) + SECOND),
            late + SECOND * 2,
        );
        // Requests in flight count until their answers come.
        let busy = Limiter::new(RateLimits::VK);
        let flying: Vec<_> = (0..3).map(|_| busy.take("", 1, t0)).collect();
        assert!(flying.iter().all(Result::is_ok));
        assert_eq!(busy.take("", 1, t0 + SECOND * 5).err(), Some(Hold::Answer));
        drop(flying);
        assert!(busy.take("", 1, Instant::now() + SECOND * 5).is_ok());
    }

    #[test]
    fn a_rate_limit_answer_pauses_the_token_then_halves_its_pace() {
        let limiter = Limiter::new(RateLimits::VK);
        let t0 = long_after_start();
        let spacing = with_margin(SECOND / 3);
        assert_eq!(slot(&limiter, "-1", 1, t0), t0);
        // Error 6 on a request to one community: every request of the token waits a second,
        // whatever its community.
        let refused = t0 + Duration::from_millis(10);
        limiter.rate_limited_at("", SECOND, refused);
        let until = refused + SECOND;
        assert_eq!(limiter.take("-2", 1, refused).err(), Some(Hold::Replan));
        assert_eq!(limiter.take("-2", 1, until).err(), None);
        let next = slot(&limiter, "-2", 1, refused);
        assert!(next >= until, "{:?}", next - t0);
        // Then it goes at half the pace for a while, and at the configured one after that.
        assert_eq!(slot(&limiter, "-1", 1, refused), next + spacing * 2);
        let later = until + SLOWDOWN_FOR + SECOND;
        let a = slot(&limiter, "-1", 1, later);
        assert_eq!(slot(&limiter, "-1", 1, later), a + spacing);
        // An answer while it is still slowed down slows it down further, up to a bound.
        let again = later + SECOND * 10;
        limiter.rate_limited_at("", SECOND, again);
        limiter.rate_limited_at("", SECOND, again + SECOND * 2);
        let b = slot(&limiter, "", 1, again + SECOND * 3);
        assert_eq!(slot(&limiter, "", 1, again), b + spacing * 4);
        for i in 0..10 {
            limiter.rate_limited_at("", SECOND, again + SECOND * (5 + i));
        }
        let c = slot(&limiter, "", 1, again + SECOND * 20);
        assert_eq!(slot(&limiter, "", 1, again), c + spacing * SLOWDOWN_MAX);
    }

    #[test]
    fn a_429_pauses_its_chat_and_429s_in_two_chats_pause_the_token() {
        let limiter = Limiter::new(RateLimits::TELEGRAM);
        let t0 = long_after_start();
        let ms = Duration::from_millis;
        assert_eq!(slot(&limiter, "a", 1, t0), t0);
        // Chat a is told to retry after 5 s: its requests wait, chat b's do not.
        limiter.rate_limited_at("a", SECOND * 5, t0 + ms(100));
        assert_eq!(slot(&limiter, "b", 1, t0 + ms(100)), t0 + ms(100));
        assert_eq!(limiter.take("a", 1, t0 + ms(200)).err(), Some(Hold::Replan));
        assert_eq!(slot(&limiter, "a", 1, t0 + ms(200)), t0 + ms(5100));
        // Chat a's pace is halved after its pause (3 s per message becomes 6 s).
        let chat = with_margin(Duration::from_secs(3));
        assert_eq!(
            slot(&limiter, "a", 1, t0 + ms(5100)),
            t0 + ms(5100) + chat * 2
        );
        // A 429 in chat b while a is paused: the bot's own limit, every chat waits.
        limiter.rate_limited_at("b", SECOND * 2, t0 + ms(300));
        assert_eq!(limiter.take("c", 1, t0 + ms(400)).err(), Some(Hold::Replan));
        assert!(slot(&limiter, "c", 1, t0 + ms(400)) >= t0 + ms(2300));
        // A request tied to no chat (getMe) pauses the token as well.
        let other = Limiter::new(RateLimits::TELEGRAM);
        other.rate_limited_at("", SECOND, t0);
        assert_eq!(other.take("d", 1, t0 + ms(10)).err(), Some(Hold::Replan));
    }

    #[test]
    fn a_long_pause_is_not_waited_out_inside_a_call() {
        let limiter = Limiter::new(RateLimits::OK);
        let t0 = long_after_start();
        // OK's FLOOD_BLOCKED: an hour.
        limiter.rate_limited_at("", Duration::from_secs(3600), t0);
        assert_eq!(
            limiter.plan("", 1, t0 + SECOND).err(),
            Some(Paused {
                left: Duration::from_secs(3599)
            })
        );
        // A pause the call may wait out is planned after.
        let short = Limiter::new(RateLimits::OK);
        short.rate_limited_at("", LONGEST_PAUSE_WAITED, t0);
        assert_eq!(slot(&short, "", 1, t0), t0 + LONGEST_PAUSE_WAITED);
        assert_eq!(
            crate::networks::PublishError::from(Paused { left: SECOND }),
            crate::networks::PublishError::RateLimited { after: SECOND }
        );
    }

    /// On tokio's paused clock: a request already sleeping towards its slot when the answer
    /// comes waits out the pause too, and one that would wait longer than
    /// [`LONGEST_PAUSE_WAITED`] fails at once.
    #[tokio::test(start_paused = true)]
    async fn waits_in_progress_wait_out_a_pause() {
        let limiter = Limiter::new(RateLimits {
            global_per_sec: 2,
            ..RateLimits::UNLIMITED
        });
        drop(limiter.until_ready("").await.expect("not paused"));
        let refused = std::cell::Cell::new(None);
        let (went, ()) = futures_util::future::join(
            async {
                let permit = limiter.until_ready("").await.expect("not paused");
                let at = Instant::now();
                drop(permit);
                at
            },
            async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                refused.set(Some(Instant::now()));
                limiter.rate_limited("", SECOND);
            },
        )
        .await;
        let refused = refused.get().expect("the answer came");
        assert!(went >= refused + SECOND, "{:?}", went - refused);
        limiter.rate_limited("", Duration::from_secs(600));
        let start = Instant::now();
        assert_eq!(
            limiter.until_ready("").await.err(),
            Some(Paused {
                left: Duration::from_secs(600)
            })
        );
        assert_eq!(Instant::now(), start);
    }

    /// On tokio's paused clock: a token another process holds sends nothing (a wait in
    /// progress too), and taken back it waits as a fresh limiter does, a spacing after the
    /// moment it was taken.
    #[tokio::test(start_paused = true)]
    async fn a_token_held_elsewhere_sends_nothing_and_taken_back_starts_afresh() {
        let limiter = Limiter::new(RateLimits {
            global_per_sec: 2,
            ..RateLimits::UNLIMITED
        });
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(limiter.until_ready("").await.expect("held"));
        let away = Paused { left: AWAY_PAUSE };
        let (waiting, ()) =
            futures_util::future::join(async { limiter.until_ready("").await.err() }, async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                limiter.hold(false);
            })
            .await;
        assert_eq!(waiting, Some(away), "a wait in progress gives up");
        assert!(!limiter.held());
        assert_eq!(limiter.until_ready("").await.err(), Some(away));
        assert_eq!(limiter.until_idle("").await.err(), Some(away));
        tokio::time::sleep(Duration::from_secs(5)).await;
        let taken = Instant::now();
        limiter.hold(true);
        let permit = limiter.until_ready("").await.expect("held again");
        let went = Instant::now();
        drop(permit);
        assert!(
            went >= taken + with_margin(SECOND / 2),
            "went {:?} after the token was taken",
            went - taken
        );
        // Held all along, it would have gone at once.
        let steady = Limiter::new(RateLimits {
            global_per_sec: 2,
            ..RateLimits::UNLIMITED
        });
        tokio::time::sleep(Duration::from_secs(5)).await;
        let at = Instant::now();
        drop(steady.until_ready("").await.expect("held"));
        assert_eq!(Instant::now(), at);
    }

    #[test]
    fn a_fresh_limiter_waits_as_if_its_second_had_just_been_full() {
        let ns = Duration::from_nanos;
        for (per_sec, group) in [(3, 1), (30, 1), (1000, 8)] {
            let limits = RateLimits {
                global_per_sec: per_sec,
                ..RateLimits::UNLIMITED
            };
            let spacing = with_margin(SECOND / per_sec);
            // `warm` sent `per_sec` requests at its pace until t0; `fresh` starts at t0.
            let warm = Limiter::new(limits);
            let t0 = long_after_start();
            let fresh = Limiter::starting_at(limits, t0);
            let before = t0 - spacing * (per_sec - 1);
            let sent: Vec<Instant> = (0..per_sec).map(|_| slot(&warm, "", 1, before)).collect();
            assert_eq!(sent.last(), Some(&t0));
            // The check against the server's windows holds a request woken early back too.
            if group == 1 {
                assert!(fresh.take("", 1, t0).is_err(), "{per_sec}/s");
            }
            for _ in 0..per_sec {
                let expected = slot(&warm, "", 1, t0);
                let got = slot(&fresh, "", 1, t0);
                // As late as after the warm one's requests (to a few nanoseconds of rounding),
                // never earlier; a limit above SEED_EVENTS a few spacings later.
                assert!(
                    got + ns(10) >= expected && got <= expected + spacing * (group - 1) + ns(10),
                    "{per_sec}/s: {:?} instead of {:?}",
                    got - t0,
                    expected - t0
                );
            }
        }
        // Telegram: the token's second is full, and so is the second of a chat first asked for
        // right after the start; its minute is not (see `seeds`).
        let t0 = long_after_start();
        let fresh = Limiter::starting_at(RateLimits::TELEGRAM, t0);
        let first = slot(&fresh, "-100", 1, t0);
        assert!(first + ns(10) >= t0 + with_margin(SECOND) && first < t0 + SECOND * 2);
        // A chat first asked for after its window of a second waits for nothing of the kind.
        let late = t0 + SECOND * 5;
        assert_eq!(slot(&fresh, "-200", 1, late), late);
        // Nor does anything long after the start.
        let old = Limiter::starting_at(RateLimits::VK, t0);
        assert_eq!(slot(&old, "", 1, t0 + SECOND * 2), t0 + SECOND * 2);
        assert!(old.take("", 1, t0 + SECOND * 3).is_ok());
    }

    /// The limiter's slots, fed to the emulators' windows as arrival times, are never refused:
    /// even spacing, media groups and many chats included.
    #[test]
    fn reserved_slots_are_never_refused_by_the_windows() {
        // The limits, and the most messages one request counts as (a Telegram album: 10).
        for (limits, most) in [
            (RateLimits::TELEGRAM, 1),
            (RateLimits::TELEGRAM, 10),
            (RateLimits::VK, 3),
            (
                RateLimits {
                    per_chat_per_sec: 2,
                    per_chat_per_min: 30,
                    global_per_sec: 7,
                },
                5,
            ),
        ] {
            let limiter = Limiter::new(limits);
            let chats = ["-1001", "-1002", "-1003", "-1004", ""];
            let requests: Vec<(&str, u32)> = (0..400)
                .map(|i: u32| (chats[i as usize % chats.len()], 1 + (i * 7 % 11) % most))
                .collect();
            let t0 = long_after_start();
            let mut slots: Vec<(Instant, &str, u32)> = reserved(&limiter, &requests, t0)
                .into_iter()
                .zip(&requests)
                .map(|(at, (chat, n))| (at, *chat, *n))
                .collect();
            slots.sort_by_key(|(at, _, _)| *at);
            let mut windows = Windows::default();
            for (at, chat, n) in slots {
                // Albums do not fit a per-second limit of one message in a chat at all.
                let limits = RateLimits {
                    per_chat_per_sec: if n > limits.per_chat_per_sec {
                        0
                    } else {
                        limits.per_chat_per_sec
                    },
                    ..limits
                };
                let counted = windows.admit(limits, "token", chat, n as usize, at.into_std());
                assert_eq!(
                    counted,
                    Ok(()),
                    "{limits:?}: {n} to {chat:?} at {:?}",
                    at - t0
                );
            }
        }
    }

    /// A limiter that started long enough ago that nothing from before its start counts.
    fn settled(limits: RateLimits) -> Limiter {
        let now = Instant::now();
        Limiter::starting_at(limits, now.checked_sub(SECOND * 2).unwrap_or(now))
    }

    #[tokio::test]
    async fn calls_are_spaced_in_real_time() {
        let limiter = settled(RateLimits {
            global_per_sec: 200,
            ..RateLimits::UNLIMITED
        });
        let start = std::time::Instant::now();
        for _ in 0..21 {
            drop(limiter.until_ready("").await.expect("not paused"));
        }
        let elapsed = start.elapsed();
        // 20 spacings of 5 ms (5.1 ms with the margin).
        assert!(
            elapsed >= Duration::from_millis(100) && elapsed < Duration::from_millis(200),
            "{elapsed:?}"
        );
        assert_eq!(limiter.limits().global_per_sec, 200);
    }

    #[tokio::test]
    async fn chats_proceed_side_by_side_while_each_is_spaced() {
        let limiter = settled(RateLimits {
            per_chat_per_sec: 100,
            per_chat_per_min: 0,
            global_per_sec: 0,
        });
        let start = std::time::Instant::now();
        let chat = |name: &'static str| {
            let limiter = &limiter;
            async move {
                for _ in 0..11 {
                    drop(limiter.until_ready(name).await.expect("not paused"));
                }
            }
        };
        futures_util::future::join(chat("a"), chat("b")).await;
        let elapsed = start.elapsed();
        // Ten spacings of 10 ms in each chat, the two chats at the same time.
        assert!(
            elapsed >= Duration::from_millis(100) && elapsed < Duration::from_millis(180),
            "{elapsed:?}"
        );
    }

    /// When each of `n` requests at low priority, one after another, got its permit, from the
    /// first call on (each answered at once).
    async fn idle_times(limiter: &Limiter, n: usize) -> Vec<Duration> {
        let t0 = Instant::now();
        let mut at = Vec::new();
        for _ in 0..n {
            drop(limiter.until_idle("").await.expect("not paused"));
            at.push(Instant::now() - t0);
        }
        at
    }

    /// Whether two instants of tokio's paused clock are the same: it counts whole milliseconds.
    fn near(a: Duration, b: Duration) -> bool {
        a.abs_diff(b) <= Duration::from_millis(1)
    }

    /// Issue 12 item 4: uploads ahead of time wait while a publication's request waits or is
    /// being made; when nothing else does, they go a spacing apart and leave one request of the
    /// window free (VK: two a second).
    #[tokio::test(start_paused = true)]
    async fn requests_made_ahead_yield_to_publications() {
        let limiter = settled(RateLimits::VK);
        let spacing = with_margin(SECOND / 3);
        let busy = limiter.busy();
        let early = tokio::time::timeout(SECOND * 5, limiter.until_idle("")).await;
        assert!(early.is_err(), "nothing goes ahead while the token is busy");
        drop(busy);
        let at = idle_times(&limiter, 4).await;
        assert!(near(at[0], Duration::ZERO), "{at:?}");
        assert!(near(at[1], spacing), "{at:?}");
        assert!(near(at[2], SECOND), "{at:?}");
        assert!(near(at[3], SECOND + spacing), "{at:?}");
    }

    /// A limiter that serves no publication (`vestnik audit`) lets requests at low priority use
    /// the whole window, a spacing apart: VK's three a second, not two.
    #[tokio::test(start_paused = true)]
    async fn requests_made_ahead_fill_the_window_when_nothing_publishes() {
        let limiter = settled(RateLimits::VK);
        limiter.publishes_nothing();
        let spacing = with_margin(SECOND / 3);
        let at = idle_times(&limiter, 4).await;
        assert!(near(at[0], Duration::ZERO), "{at:?}");
        assert!(near(at[1], spacing), "{at:?}");
        assert!(near(at[2], spacing * 2), "{at:?}");
        // The fourth waits until the first leaves the window: never four in a second.
        assert!(near(at[3], SECOND.max(spacing * 3)), "{at:?}");
    }

    /// A publication that falls due while uploads ahead keep going is not held behind them: it
    /// goes at once, and the server's window of a second still has room for it.
    #[tokio::test(start_paused = true)]
    async fn a_publication_goes_at_once_beside_requests_made_ahead() {
        let limiter = settled(RateLimits::VK);
        let background = async {
            loop {
                drop(limiter.until_idle("").await.expect("not paused"));
            }
        };
        let publication = async {
            let mut waits = Vec::new();
            for k in 0..20u32 {
                tokio::time::sleep(Duration::from_millis(1000 + 137 * u64::from(k))).await;
                let asked = Instant::now();
                drop(limiter.until_ready("-7").await.expect("not paused"));
                waits.push(Instant::now() - asked);
            }
            waits
        };
        let waits = tokio::select! {
            w = publication => w,
            () = background => unreachable!(),
        };
        assert!(waits.iter().all(|w| w.is_zero()), "{waits:?}");
        // And the two together never overfill VK's window of 3 a second.
        let slots = limiter.slots();
        assert!(
            slots
                .taken
                .earliest(&limiter.token, 0, Instant::now())
                .is_some()
        );
    }
}
