//! Request rates as documented configuration, the [`Limiter`] every client sends its API calls
//! through so that a burst of publications never meets a rate-limit answer, and the sliding
//! windows the emulators count requests in to hold the clients to the same numbers.
//!
//! The limiter spaces requests evenly (one request per spacing, no bursts), a little slower than
//! documented ([`SAFETY_MARGIN_PERCENT`]), and counts each request against the limits until its
//! answer came. A rate-limit answer that still happens comes back
//! as [`PublishError::RateLimited`](super::PublishError::RateLimited); waiting it out is the
//! scheduler's decision, never the client's.

use std::collections::{HashMap, VecDeque};
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

/// Beyond this many chats, those the limits no longer concern are forgotten.
const CHATS_REMEMBERED: usize = 1024;

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

    fn plan(&mut self, rule: &Rule, n: u32, at: Instant) {
        if let Some(spacing) = rule.spacing {
            self.next = Some(at + spacing);
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

/// What the limiter knows: the slots planned for the requests (when to wake them) and the
/// requests that went (what the limits are kept against).
#[derive(Debug, Default)]
struct Slots {
    planned: Planned,
    planned_chats: HashMap<String, Planned>,
    taken: Taken,
    taken_chats: HashMap<String, Taken>,
    last_id: u64,
}

impl Limiter {
    /// A limiter for `limits`; [`RateLimits::UNLIMITED`] never waits.
    pub fn new(limits: RateLimits) -> Limiter {
        Limiter {
            limits,
            token: Rule::new(limits.global_spacing(), &[(SECOND, limits.global_per_sec)]),
            chat: Rule::new(
                limits.per_chat_spacing(),
                &[
                    (SECOND, limits.per_chat_per_sec),
                    (MINUTE, limits.per_chat_per_min),
                ],
            ),
            slots: Mutex::new(Slots::default()),
            answered: Notify::new(),
        }
    }

    /// The limits it enforces.
    pub fn limits(&self) -> RateLimits {
        self.limits
    }

    /// Waits until one request to `chat` may be sent: the chat's slot and the token's slot.
    /// `chat` is the page the request concerns (a Telegram `chat_id`, a VK `owner_id`, an OK
    /// `gid`); `""` for a call tied to no page, which waits only for the token. Hold the permit
    /// until the request is answered.
    pub async fn until_ready(&self, chat: &str) -> Permit<'_> {
        self.until_ready_n(chat, 1).await
    }

    /// Like [`until_ready`](Self::until_ready) for a request that counts as `n` messages (a
    /// Telegram media group counts one per picture: UNCONFIRMED,
    /// docs/api-facts.md#telegram-rate-limits); `0` counts as 1. A count larger than a window's
    /// limit waits until that window is empty.
    pub async fn until_ready_n(&self, chat: &str, n: u32) -> Permit<'_> {
        let n = n.max(1);
        let planned = self.plan(chat, n, Instant::now());
        if planned > Instant::now() {
            tokio::time::sleep_until(planned).await;
        }
        loop {
            // Registered before the check, so that an answer in between is not missed.
            let answered = self.answered.notified();
            tokio::pin!(answered);
            answered.as_mut().enable();
            match self.take(chat, n, Instant::now()) {
                Ok(permit) => return permit,
                Err(Some(at)) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = answered => {}
                    }
                }
                Err(None) => answered.await,
            }
        }
    }

    fn per_chat(&self, chat: &str) -> bool {
        !chat.is_empty() && self.chat.spacing.is_some()
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Plans the first slot at or after `now` for `n` messages to `chat` and returns it.
    fn plan(&self, chat: &str, n: u32, now: Instant) -> Instant {
        let mut slots = self.slots();
        let mut at = slots.planned.earliest(&self.token, n, now);
        if self.per_chat(chat)
            && let Some(planned) = slots.planned_chats.get(chat)
        {
            at = at.max(planned.earliest(&self.chat, n, now));
        }
        slots.planned.plan(&self.token, n, at);
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
                .plan(&self.chat, n, at);
        }
        at
    }

    /// Takes a permit at `now` for `n` messages to `chat` when the requests that went before
    /// leave room for them; else returns the instant to try again (`None`: after an answer).
    fn take(&self, chat: &str, n: u32, now: Instant) -> Result<Permit<'_>, Option<Instant>> {
        let per_chat = self.per_chat(chat);
        let mut slots = self.slots();
        let token = slots.taken.earliest(&self.token, n, now);
        let chat_room = match slots.taken_chats.get(chat) {
            Some(taken) if per_chat => taken.earliest(&self.chat, n, now),
            _ => Some(now),
        };
        let at = token.zip(chat_room).map(|(a, b)| a.max(b));
        if at != Some(now) {
            return Err(at);
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
        if let (Some(spacing), Some(next)) = (self.token.spacing, slots.planned.next.as_mut()) {
            *next = (*next).max(now + spacing);
        }
        if per_chat
            && let (Some(spacing), Some(next)) = (
                self.chat.spacing,
                slots
                    .planned_chats
                    .get_mut(chat)
                    .and_then(|p| p.next.as_mut()),
            )
        {
            *next = (*next).max(now + spacing);
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

    /// Slots as the limiter reserves them for a sequence of (chat, n) requests, each asked for
    /// as soon as the previous request to the same chat went (pages publishing side by side).
    fn reserved(limiter: &Limiter, requests: &[(&str, u32)], start: Instant) -> Vec<Instant> {
        let mut last: HashMap<&str, Instant> = HashMap::new();
        requests
            .iter()
            .map(|(chat, n)| {
                let now = last.get(chat).copied().unwrap_or(start);
                let at = limiter.plan(chat, *n, now);
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
        let t0 = Instant::now();
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
        let t0 = Instant::now();
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
    fn answer(permit: Result<Permit<'_>, Option<Instant>>, at: Instant) {
        let mut permit = permit.expect("a permit");
        permit.answered_at = Some(at);
    }

    #[test]
    fn requests_are_checked_against_when_the_earlier_ones_were_answered() {
        let limiter = Limiter::new(RateLimits::VK);
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        // Two planned slots, but a busy runtime wakes both half a second late: they may still
        // go together (3 a second), the first answered slowly.
        assert_eq!(limiter.plan("", 1, t0), t0);
        assert_eq!(limiter.plan("", 1, t0), t0 + with_margin(SECOND / 3));
        let late = t0 + ms(500);
        answer(limiter.take("", 1, late), late + ms(200));
        answer(limiter.take("", 1, late), late + ms(1));
        // A request that asks now is planned one spacing after the late ones.
        assert_eq!(limiter.plan("", 1, late), late + with_margin(SECOND / 3));
        answer(limiter.take("", 1, late + ms(10)), late + ms(11));
        // A fourth goes when the earliest answer is a second old.
        assert_eq!(
            limiter.take("", 1, late + ms(20)).err(),
            Some(Some(late + ms(1) + SECOND))
        );
        answer(
            limiter.take("", 1, late + ms(1) + SECOND),
            late + SECOND * 2,
        );
        // Requests in flight count until their answers come.
        let busy = Limiter::new(RateLimits::VK);
        let flying: Vec<_> = (0..3).map(|_| busy.take("", 1, t0)).collect();
        assert!(flying.iter().all(Result::is_ok));
        assert_eq!(busy.take("", 1, t0 + SECOND * 5).err(), Some(None));
        drop(flying);
        assert!(busy.take("", 1, Instant::now() + SECOND * 5).is_ok());
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
            let t0 = Instant::now();
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

    #[tokio::test]
    async fn calls_are_spaced_in_real_time() {
        let limiter = Limiter::new(RateLimits {
            global_per_sec: 200,
            ..RateLimits::UNLIMITED
        });
        let start = std::time::Instant::now();
        for _ in 0..21 {
            drop(limiter.until_ready("").await);
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
        let limiter = Limiter::new(RateLimits {
            per_chat_per_sec: 100,
            per_chat_per_min: 0,
            global_per_sec: 0,
        });
        let start = std::time::Instant::now();
        let chat = |name: &'static str| {
            let limiter = &limiter;
            async move {
                for _ in 0..11 {
                    drop(limiter.until_ready(name).await);
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
}
