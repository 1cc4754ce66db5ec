//! The reading pass of the audit of the real pages (`vestnik audit`, `jobs.audit`): reads every
//! official page of the registry through the publishing clients, at low priority (the same rate
//! limits, never ahead of a due publication), keeps what it saw in the ledger (observed posts,
//! profile snapshots), and hands the readings to [`crate::audit::judge`].
//!
//! Per page:
//!
//! - **VK**: `groups.getById` (profile, mark, whether the token's user administers it), then
//!   `wall.get` with `filter=owner`, a hundred posts a call, newest first, until the first
//!   post older than the weeks audited: 1 + ⌈posts / 100⌉ calls. `wall.get` has a daily quota
//!   of 5,000 calls (NETWORKS.md §2.8), so at most [`VK_WALL_PAGES`] are read per page.
//! - **Telegram**: `getChat` (description) and `getChatAdministrators` (is the bot still one),
//!   two calls; the posts are those the one update poller kept (`channel_post`, made by others),
//!   with vestnik's own from the ledger: a bot never receives its own posts, and cannot read a
//!   channel's history.
//! - **OK**: `group.getInfo` (description, address, map point, website), then the group's topics
//!   a hundred a call (`mediatopic.getTopics`: the method listing a group's topics is UNCONFIRMED,
//!   NETWORKS.md §3.11, open question 14; its answer is read defensively, and a page whose
//!   listing cannot be read is left for the next pass).
//!
//! The three networks are read side by side, each network's pages one after another: a pass
//! takes as long as its slowest network. At low priority a network's requests keep below each
//! window's limit (VK and OK: two of the three a second; `Limiter::until_idle`), so a pass over
//! `n` VK pages takes about `2n / 2` seconds (examples/bench_audit.rs measures it). What was
//! read is kept in the ledger once every page is read.
//!
//! Observed posts whose remote id is a published row of the ledger are vestnik's: they are
//! counted once.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};

use crate::audit::{
    Access, External, ObservedPost, PageProfile, PageReading, Published, Source, observation,
    week_start,
};
use crate::networks::{PublishError, vk};
use crate::plan::network::Network;
use crate::plan::registry::Registry;
use crate::plan::time::IsoWeek;
use crate::publish::ledger::{Ledger, LedgerError, State};
use crate::publish::moderation::Clients;

/// The most `wall.get` calls per VK page and pass (100 posts each): a page publishing ten
/// times a day for the four default weeks needs three.
pub const VK_WALL_PAGES: usize = 20;

/// The most `mediatopic.getTopics` calls per OK group and pass (100 topics each).
pub const OK_TOPIC_PAGES: usize = 20;

/// How far before the first week audited the ledger's rows are read: a post due on Sunday may
/// go out on Monday.
const LEDGER_MARGIN: SignedDuration = SignedDuration::from_hours(7 * 24);

/// What to audit.
#[derive(Debug, Clone)]
pub struct Options {
    /// Only this organization's pages.
    pub org: Option<String>,
    /// The first week.
    pub from: IsoWeek,
    /// The last week.
    pub to: IsoWeek,
}

/// How far a pass has come, for a progress line.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Pages read.
    pub done: usize,
    /// Pages to read.
    pub total: usize,
    /// Requests made so far.
    pub calls: usize,
    /// When the pass started.
    pub started: Instant,
}

impl Progress {
    /// The seconds left, guessed from the pace so far.
    pub fn left_secs(&self) -> u64 {
        if self.done == 0 {
            return 0;
        }
        let per_page = self.started.elapsed().as_secs_f64() / self.done as f64;
        (per_page * (self.total.saturating_sub(self.done)) as f64).round() as u64
    }
}

/// What a pass read.
#[derive(Debug, Default)]
pub struct Pass {
    /// One reading per page that was read (its access says how far).
    pub readings: Vec<PageReading>,
    /// vestnik's own publications in the weeks audited, from the ledger.
    pub published: Vec<Published>,
    /// Pages that could not be read now (a transient failure, a network not configured or not
    /// read): `(where, why)`. They have no findings this time.
    pub problems: Vec<(String, String)>,
    /// Requests made.
    pub calls: usize,
    /// Posts observed for the first time.
    pub new_posts: usize,
}

/// The auditor: the publisher's clients.
pub struct Auditor {
    clients: Clients,
    /// The bot's user id (`getMe`), learned once.
    bot: Option<i64>,
}

impl Auditor {
    /// An auditor reaching the networks through `clients` (shared with publishing).
    pub fn new(clients: Clients) -> Auditor {
        Auditor { clients, bot: None }
    }

    /// Reads the pages of `registry` (of one organization when `options.org` says so) at `now`,
    /// the three networks side by side, keeps what it saw in `ledger`, and returns the
    /// readings. A page that cannot be read now is a problem of the pass, which goes on; only
    /// the ledger failing stops it.
    pub async fn read(
        &mut self,
        registry: &Registry,
        ledger: &mut (dyn Ledger + Send),
        now: Timestamp,
        options: &Options,
        progress: &mut (dyn FnMut(&Progress) + Send),
    ) -> Result<Pass, LedgerError> {
        let tz = &registry.tz;
        let from = week_start(options.from, tz);
        let to = week_start(options.to.next(), tz);
        let mut pass = Pass::default();
        let mut ours: HashSet<(Network, String)> = HashSet::new();
        for e in ledger.published_since(from - LEDGER_MARGIN)? {
            if let State::Published { remote_id, .. } = &e.state {
                ours.insert((e.key.network, remote_id.clone()));
                if e.due >= from && e.due < to {
                    pass.published.push(Published {
                        org: e.key.org.to_string(),
                        network: e.key.network,
                        remote_id: remote_id.clone(),
                        at: e.due,
                    });
                }
            }
        }
        let pages: Vec<(String, Network, String)> = registry
            .organizations
            .iter()
            .filter(|o| options.org.as_deref().is_none_or(|id| id == o.id.value))
            .flat_map(|o| {
                o.pages
                    .iter()
                    .map(|(n, p)| (o.id.value.clone(), *n, p.id.value.clone()))
            })
            // Pages whose token another daemon holds are that daemon's to read.
            .filter(|(_, n, _)| !self.clients.elsewhere(*n))
            .collect();
        let total = pages.len();
        let started = Instant::now();
        let calls = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let progress = std::sync::Mutex::new(progress);
        let tick = |finished: usize| {
            let p = Progress {
                done: finished,
                total,
                calls: calls.load(Ordering::Relaxed),
                started,
            };
            if let Ok(mut show) = progress.lock() {
                show(&p);
            }
        };
        tick(0);
        // The bot, learned once (`getMe`), before the channels are read.
        let bot = match self.clients.telegram() {
            Some(tg) if pages.iter().any(|(_, n, _)| *n == Network::Telegram) => match self.bot {
                Some(id) => Ok(id),
                None => {
                    calls.fetch_add(1, Ordering::Relaxed);
                    let me = tg.get_me().await.map(|me| me.id);
                    if let Ok(id) = me {
                        self.bot = Some(id);
                    }
                    me
                }
            },
            _ => Ok(0),
        };
        // The three networks are read side by side, each at its own rate: a pass takes as long
        // as its slowest network, not their sum. Each network's pages go one after another
        // (its limiter spaces the calls anyway).
        let this = &*self;
        let read_network = |network: Network| {
            let pages: Vec<(usize, &str)> = pages
                .iter()
                .enumerate()
                .filter(|(_, (_, n, _))| *n == network)
                .map(|(i, (_, _, page))| (i, page.as_str()))
                .collect();
            let (ours, calls, done, bot, tick) = (&ours, &calls, &done, &bot, &tick);
            async move {
                let mut out = Vec::with_capacity(pages.len());
                for (i, page) in pages {
                    let read = match network {
                        Network::Vk => this.read_vk(page, from, now, ours, calls).await,
                        Network::Ok => this.read_ok(page, from, now, ours, calls).await,
                        Network::Telegram => this.read_telegram(page, now, bot, calls).await,
                    };
                    tick(done.fetch_add(1, Ordering::Relaxed) + 1);
                    out.push((i, read));
                }
                out
            }
        };
        let (vk, ok, telegram) = futures_util::future::join3(
            read_network(Network::Vk),
            read_network(Network::Ok),
            read_network(Network::Telegram),
        )
        .await;
        let mut reads: Vec<(usize, Result<Read, Unread>)> =
            vk.into_iter().chain(ok).chain(telegram).collect();
        reads.sort_by_key(|(i, _)| *i);
        pass.calls = calls.load(Ordering::Relaxed);
        for (i, read) in reads {
            let (org, network, page) = pages[i].clone();
            let place = format!("{network} {page}");
            let read = match read {
                Ok(r) => r,
                Err(Unread::Network(e)) => {
                    pass.problems.push((place, e.to_string()));
                    continue;
                }
                Err(Unread::NotConfigured) => {
                    pass.problems.push((place, "not configured".to_owned()));
                    continue;
                }
            };
            pass.new_posts += ledger.observe(&read.posts, now)?;
            ledger.snapshot(&read.profile)?;
            if let (Network::Telegram, Some(chat)) = (network, &read.kept_under) {
                ledger.set_meta(&crate::publish::ledger::telegram_chat_key(&page), chat)?;
            }
            let posts = match &read.kept_under {
                Some(id) => ledger.observed(network, id, from, to)?,
                None => Vec::new(),
            };
            pass.readings.push(PageReading {
                org,
                network,
                page,
                profile: read.profile,
                posts,
                complete: read.complete,
            });
        }
        Ok(pass)
    }

    /// A VK page: its profile, and its wall since `since` kept in the ledger. Returns the
    /// profile, that the listing is complete, and the page its posts are kept under.
    async fn read_vk(
        &self,
        page: &str,
        since: Timestamp,
        now: Timestamp,
        ours: &HashSet<(Network, String)>,
        calls: &AtomicUsize,
    ) -> Result<Read, Unread> {
        let Some(client) = self.clients.vk().cloned() else {
            return Err(Unread::NotConfigured);
        };
        let unreadable =
            |access, detail| PageProfile::unreadable(Network::Vk, page, now, access, detail);
        let Some(gid) = page.trim().trim_start_matches('-').parse::<u64>().ok() else {
            return Ok(Read::unreadable(unreadable(Access::NotFound, None), true));
        };
        calls.fetch_add(1, Ordering::Relaxed);
        let group = match client.group(gid).await {
            Ok(g) => g,
            Err(e) => {
                return refused(e, Access::NotFound)
                    .map(|a| Read::unreadable(unreadable(a, None), true));
            }
        };
        if let Some(d) = &group.deactivated {
            return Ok(Read::unreadable(
                unreadable(Access::NotFound, Some(d.clone())),
                true,
            ));
        }
        if group.is_admin == Some(false) {
            return Ok(Read::unreadable(unreadable(Access::NotAdmin, None), true));
        }
        let (items, n) = match client
            .wall_since(gid, since.as_second(), VK_WALL_PAGES)
            .await
        {
            Ok(r) => r,
            Err(e) => {
                calls.fetch_add(1, Ordering::Relaxed);
                return refused(e, Access::Closed)
                    .map(|a| Read::unreadable(unreadable(a, None), true));
            }
        };
        calls.fetch_add(n, Ordering::Relaxed);
        let posts = items
            .iter()
            .map(|item| {
                let at = Timestamp::from_second(item.date).unwrap_or(Timestamp::UNIX_EPOCH);
                seen(Network::Vk, page, item.remote_id(), at, &item.text, ours)
            })
            .collect();
        Ok(Read {
            profile: vk_profile(page, now, &group),
            complete: true,
            kept_under: Some(page.to_owned()),
            posts,
        })
    }

    /// An OK group: its profile (`group.getInfo`) and its topics since `since`
    /// (`mediatopic.getTopics`, UNCONFIRMED). OK shows no mark and no administrators here, so
    /// neither is judged; a group OK does not show is not found.
    async fn read_ok(
        &self,
        page: &str,
        since: Timestamp,
        now: Timestamp,
        ours: &HashSet<(Network, String)>,
        calls: &AtomicUsize,
    ) -> Result<Read, Unread> {
        let Some(client) = self.clients.ok().cloned() else {
            return Err(Unread::NotConfigured);
        };
        let unreadable =
            |access, detail| PageProfile::unreadable(Network::Ok, page, now, access, detail);
        calls.fetch_add(1, Ordering::Relaxed);
        let info = match client.group_info(page).await {
            Ok(Some(info)) => info,
            Ok(None) => return Ok(Read::unreadable(unreadable(Access::NotFound, None), true)),
            Err(e) => {
                return refused(e, Access::NotFound)
                    .map(|a| Read::unreadable(unreadable(a, None), true));
            }
        };
        let (items, n) = match client
            .topics_since(page, since.as_millisecond(), OK_TOPIC_PAGES)
            .await
        {
            Ok(r) => r,
            Err(e) => {
                calls.fetch_add(1, Ordering::Relaxed);
                return refused(e, Access::Closed)
                    .map(|a| Read::unreadable(unreadable(a, None), true));
            }
        };
        calls.fetch_add(n, Ordering::Relaxed);
        let posts = items
            .iter()
            .map(|t| {
                let at = Timestamp::from_millisecond(t.created_ms).unwrap_or(Timestamp::UNIX_EPOCH);
                seen(Network::Ok, page, t.id.clone(), at, &t.text, ours)
            })
            .collect();
        // `access_type`: OPEN, CLOSED or SECRET (NETWORKS.md §3.10); a group that does not say
        // is taken as open.
        let access = match info.access_type.as_deref().map(str::to_ascii_uppercase) {
            Some(t) if t == "CLOSED" || t == "SECRET" => Access::Private,
            _ => Access::Ok,
        };
        let mut profile = unreadable(access, None);
        profile.description = info.description;
        profile.address = info.address;
        profile.map = info.location.map(|(lat, long)| format!("{lat},{long}"));
        profile.links = info.homepage_url.into_iter().collect();
        Ok(Read {
            profile,
            complete: true,
            kept_under: Some(page.to_owned()),
            posts,
        })
    }

    /// A Telegram channel: its description and whether the bot still administers it. Its posts
    /// are those the update poller kept under the channel's numeric id.
    async fn read_telegram(
        &self,
        page: &str,
        now: Timestamp,
        bot: &Result<i64, PublishError>,
        calls: &AtomicUsize,
    ) -> Result<Read, Unread> {
        let Some(tg) = self.clients.telegram().cloned() else {
            return Err(Unread::NotConfigured);
        };
        let unreadable =
            |access, detail| PageProfile::unreadable(Network::Telegram, page, now, access, detail);
        let bot = match bot {
            Ok(id) => *id,
            Err(PublishError::Unauthorized { .. }) => {
                return Ok(Read::unreadable(
                    unreadable(Access::TokenRefused, None),
                    false,
                ));
            }
            Err(e) => return Err(Unread::Network(e.clone())),
        };
        calls.fetch_add(1, Ordering::Relaxed);
        let info = match tg.get_chat_ahead(page).await {
            Ok(info) => info,
            // 401 was ruled out by getMe: a 403 is a bot no longer in the channel.
            Err(e) => {
                return refused(e, Access::NotFound)
                    .map(|a| match a {
                        Access::TokenRefused => Access::NotAdmin,
                        other => other,
                    })
                    .map(|a| Read::unreadable(unreadable(a, None), false));
            }
        };
        calls.fetch_add(1, Ordering::Relaxed);
        let admins = match tg.get_chat_administrators_ahead(page).await {
            Ok(list) => list,
            Err(e) => {
                return refused(e, Access::NotAdmin)
                    .map(|_| Read::unreadable(unreadable(Access::NotAdmin, None), false));
            }
        };
        if !admins.iter().any(|m| m.user.id == bot) {
            return Ok(Read::unreadable(unreadable(Access::NotAdmin, None), false));
        }
        let mut profile = unreadable(Access::Ok, None);
        profile.description = info.description.filter(|d| !d.trim().is_empty());
        if let Some(name) = &info.username {
            profile.links.push(format!("https://t.me/{name}"));
        }
        Ok(Read {
            profile,
            complete: false,
            kept_under: Some(info.id.to_string()),
            posts: Vec::new(),
        })
    }
}

/// A page read.
struct Read {
    /// Its profile (its access says how far it could be read).
    profile: PageProfile,
    /// Whether the network lists every post of the page.
    complete: bool,
    /// The page its observed posts are kept under in the ledger (none when unreadable).
    kept_under: Option<String>,
    /// The posts read now, to keep.
    posts: Vec<ObservedPost>,
}

impl Read {
    /// A page that could not be read.
    fn unreadable(profile: PageProfile, complete: bool) -> Read {
        Read {
            profile,
            complete,
            kept_under: None,
            posts: Vec::new(),
        }
    }
}

/// Why a page was not read.
enum Unread {
    /// The network did not answer well now: the page is tried again next time.
    Network(PublishError),
    /// The network has no client.
    NotConfigured,
}

/// A publication read from a page's listing: vestnik's own when the ledger knows its remote id
/// (`ours`), made by hand otherwise.
fn seen(
    network: Network,
    page: &str,
    remote_id: String,
    at: Timestamp,
    text: &str,
    ours: &HashSet<(Network, String)>,
) -> ObservedPost {
    let source = if ours.contains(&(network, remote_id.clone())) {
        Source::Vestnik
    } else {
        Source::Hand
    };
    ObservedPost {
        network,
        page: page.to_owned(),
        remote_id,
        at,
        source,
        excerpt: observation::excerpt(text),
    }
}

/// What a network's refusal says about the page: an answer about the page (`Rejected`: the
/// page named is none) is `on_rejected`, a refused token is [`Access::TokenRefused`]; anything
/// else (a rate limit, a failure on the way) tells nothing, and the page is read next time.
fn refused(e: PublishError, on_rejected: Access) -> Result<Access, Unread> {
    match e {
        PublishError::Rejected { .. } => Ok(on_rejected),
        PublishError::Unauthorized { .. } if on_rejected == Access::Closed => Ok(Access::Closed),
        PublishError::Unauthorized { .. } => Ok(Access::TokenRefused),
        other => Err(Unread::Network(other)),
    }
}

/// A VK community's profile as the audit keeps it.
fn vk_profile(page: &str, now: Timestamp, g: &vk::client::Group) -> PageProfile {
    PageProfile {
        network: Network::Vk,
        page: page.to_owned(),
        at: now,
        // `is_closed`: 0 open, 1 closed, 2 private (the VK schema's `groups_group_is_closed`).
        access: if g.is_closed == 0 {
            Access::Ok
        } else {
            Access::Private
        },
        detail: None,
        verified: g.verified,
        description: g.description.clone(),
        address: g.address.clone(),
        map: g.map.clone(),
        phones: g.phones.clone(),
        hours: g.hours.clone(),
        links: g.links.clone(),
    }
}

/// The posts of the plans under `root` that someone else publishes (`external:`), each with the
/// networks it is meant for. A file that cannot be read is skipped (`check` reports it).
pub fn external_posts(root: &std::path::Path, registry: &Registry) -> Vec<External> {
    use crate::plan::repo::{FileKind, Repo};
    let Ok(repo) = Repo::open(root) else {
        return Vec::new();
    };
    let Ok(files) = repo.plan_files() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for f in files
        .iter()
        .filter(|f| matches!(f.kind, FileKind::Post | FileKind::Plan))
    {
        let Ok(text) = repo.read_text(&f.rel) else {
            continue;
        };
        let mut diags = Vec::new();
        for post in crate::plan::parse_file(&f.rel, &f.folder, &text, &registry.tz, &mut diags) {
            let (Some(by), Some(when)) = (&post.external, &post.when) else {
                continue;
            };
            let Some(org) = registry.org(&post.org.value) else {
                continue;
            };
            let pages: Vec<Network> = org.pages.keys().copied().collect();
            out.push(External {
                org: post.org.value.clone(),
                networks: post
                    .targets(pages.iter().copied())
                    .into_iter()
                    .filter(|n| pages.contains(n))
                    .collect(),
                due: when.value,
                file: f.rel.clone(),
                by: by.clone(),
            });
        }
    }
    out
}

/// The alerts of an audit pass: one per organization with error-level findings, listing the
/// first few. Its id names the weeks and the findings, so the same problems are alerted once
/// (the daemon audits daily), and new ones again.
pub fn alerts(
    findings: &[crate::audit::Finding],
    from: IsoWeek,
    to: IsoWeek,
) -> Vec<crate::publish::ledger::Alert> {
    const SHOWN: usize = 10;
    let mut per_org: std::collections::BTreeMap<&str, Vec<&crate::audit::Finding>> =
        std::collections::BTreeMap::new();
    for f in findings
        .iter()
        .filter(|f| f.level == crate::audit::Level::Error)
    {
        per_org.entry(f.org.as_str()).or_default().push(f);
    }
    per_org
        .into_iter()
        .map(|(org, items)| {
            let mut h = blake3::Hasher::new();
            for f in &items {
                h.update(f.rule.id().as_bytes());
                h.update(f.network.key().as_bytes());
                h.update(f.page.as_bytes());
                h.update(f.week.map(|w| w.to_string()).unwrap_or_default().as_bytes());
                h.update(b"\n");
            }
            let mut text = crate::t!(
                "audit-alert",
                from = from.to_string(),
                to = to.to_string(),
                count = items.len()
            );
            for f in items.iter().take(SHOWN) {
                text.push('\n');
                text.push_str(&f.message);
            }
            if items.len() > SHOWN {
                text.push('\n');
                text.push_str(&crate::t!(
                    "audit-alert-more",
                    n = items.len() - SHOWN,
                    org = org
                ));
            }
            text.push('\n');
            text.push_str(&crate::t!("audit-alert-hint"));
            crate::publish::ledger::Alert {
                id: format!("audit/{org}/{from}-{to}/{}", &h.finalize().to_hex()[..16]),
                org: Some(org.into()),
                text,
            }
        })
        .collect()
}

/// What became of an `uncertain` publication the audit looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// Found on the page by its content: `published` with this remote id.
    Published(String),
    /// The page's listing covers its time and it is not there: `scheduled` again, to resend.
    Resend,
    /// Cannot be decided from what the network shows: the links a person should open. On
    /// Telegram a bot never receives its own posts and cannot read a channel's history, so no
    /// sound Bot API way tells whether the message went out: the links are the few message ids
    /// after the last one vestnik knows on the channel (none for a channel without a public
    /// name).
    Person(Vec<String>),
}

/// How many message ids after the last known one are offered for a person to open.
const CANDIDATES: i64 = 3;

/// Settles the `uncertain` publications of the pages this pass read, from what it observed:
///
/// - **OK**: the post's text as vestnik renders it for OK is looked for among the topics
///   observed on the group that vestnik is not known to have made; found, the row becomes
///   `published` with the topic's id; absent from a listing that covers the post's time (it is
///   due after `from`, where the pass began reading), it goes back to `scheduled` and is sent
///   again. A page not read now leaves its rows as they are.
/// - **Telegram**: the candidate message links, for a person ([`Settled::Person`]).
/// - VK never leaves a row uncertain (its `guid` deduplicates a resend).
pub fn settle_uncertain(
    ledger: &mut (dyn Ledger + Send),
    registry: &Registry,
    root: &std::path::Path,
    pass: &Pass,
    from: Timestamp,
    now: Timestamp,
) -> Result<Vec<(crate::publish::ledger::Key, Settled)>, LedgerError> {
    let read: HashSet<(&str, Network)> = pass
        .readings
        .iter()
        .filter(|r| r.profile.access.read())
        .map(|r| (r.org.as_str(), r.network))
        .collect();
    let entries = ledger.entries()?;
    let uncertain: Vec<_> = entries
        .iter()
        .filter(|e| matches!(e.state, State::Uncertain { .. }))
        .filter(|e| read.contains(&(e.key.org.as_str(), e.key.network)))
        .collect();
    if uncertain.is_empty() {
        return Ok(Vec::new());
    }
    let wanted: HashSet<(String, String)> = uncertain
        .iter()
        .filter(|e| e.key.network == Network::Ok)
        .map(|e| (e.key.org.to_string(), e.key.post.to_string()))
        .collect();
    let texts = ok_texts(root, registry, &wanted);
    let mut out = Vec::new();
    for e in uncertain {
        let Some(page) = registry
            .org(e.key.org.as_str())
            .and_then(|o| o.pages.get(&e.key.network))
        else {
            continue;
        };
        let gid = page.id.value.as_str();
        match e.key.network {
            Network::Ok => {
                let Some(text) = texts.get(&(e.key.org.to_string(), e.key.post.to_string())) else {
                    continue;
                };
                let want = observation::excerpt(text);
                let seen = ledger.observed(
                    Network::Ok,
                    gid,
                    e.due - SignedDuration::from_hours(24),
                    now + SignedDuration::from_hours(24),
                )?;
                let found = seen
                    .iter()
                    .find(|p| p.source != Source::Vestnik && p.excerpt == want);
                if let Some(p) = found {
                    let url = format!("https://ok.ru/group/{gid}/topic/{}", p.remote_id);
                    if ledger.resolve_published(&e.key, &p.remote_id, Some(&url), now)? {
                        let mut ours = p.clone();
                        ours.source = Source::Vestnik;
                        ledger.observe(&[ours], now)?;
                        out.push((e.key.clone(), Settled::Published(p.remote_id.clone())));
                    }
                } else if e.due >= from && ledger.resolve(&e.key, true, now)? {
                    out.push((e.key.clone(), Settled::Resend));
                }
            }
            Network::Telegram => {
                let last = entries
                    .iter()
                    .filter(|o| o.key.org == e.key.org && o.key.network == Network::Telegram)
                    .filter_map(|o| match &o.state {
                        State::Published { remote_id, .. } => remote_id
                            .split(',')
                            .filter_map(|id| id.trim().parse::<i64>().ok())
                            .max(),
                        _ => None,
                    })
                    .max()
                    .unwrap_or(0);
                let links = match gid.strip_prefix('@') {
                    Some(name) => (last + 1..=last + CANDIDATES)
                        .map(|id| format!("https://t.me/{name}/{id}"))
                        .collect(),
                    None => Vec::new(),
                };
                out.push((e.key.clone(), Settled::Person(links)));
            }
            Network::Vk => {}
        }
    }
    Ok(out)
}

/// The text vestnik sends to OK for each wanted `(organization, post id)` of the plans.
fn ok_texts(
    root: &std::path::Path,
    registry: &Registry,
    wanted: &HashSet<(String, String)>,
) -> std::collections::HashMap<(String, String), String> {
    use crate::plan::repo::{FileKind, Repo};
    let mut out = std::collections::HashMap::new();
    if wanted.is_empty() {
        return out;
    }
    let Ok(repo) = Repo::open(root) else {
        return out;
    };
    let Ok(files) = repo.plan_files() else {
        return out;
    };
    for f in files
        .iter()
        .filter(|f| matches!(f.kind, FileKind::Post | FileKind::Plan))
    {
        let Ok(text) = repo.read_text(&f.rel) else {
            continue;
        };
        let mut diags = Vec::new();
        for post in crate::plan::parse_file(&f.rel, &f.folder, &text, &registry.tz, &mut diags) {
            let key = (post.org.value.clone(), post.id.to_string());
            if wanted.contains(&key) {
                let rendered = crate::render::render(
                    &post.text_for(Network::Ok).markdown,
                    crate::render::flavor(Network::Ok),
                );
                out.insert(key, rendered.markup);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{AuditRule, Finding, Level};

    fn finding(org: &str, rule: AuditRule, level: Level, page: &str) -> Finding {
        Finding {
            rule,
            level,
            org: org.into(),
            network: Network::Vk,
            page: page.into(),
            week: None,
            message: format!("{rule} {page}"),
            hint: String::new(),
            observed: None,
            missing: Vec::new(),
        }
    }

    /// One alert per organization with errors, naming them; warnings and notes alert nobody;
    /// the same findings make the same id (raised once), others another.
    #[test]
    fn errors_alert_once_per_organization_and_set_of_findings() {
        let (from, to) = ("2026-W45".parse().unwrap(), "2026-W48".parse().unwrap());
        let findings = [
            finding("school", AuditRule::Access, Level::Error, "100"),
            finding("school", AuditRule::Profile, Level::Warning, "100"),
            finding("club", AuditRule::Unplanned, Level::Info, "200"),
        ];
        let a = alerts(&findings, from, to);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].org.as_ref().map(|o| o.as_str()), Some("school"));
        assert!(a[0].text.contains("audit-access 100"), "{}", a[0].text);
        assert!(!a[0].text.contains("audit-profile"), "{}", a[0].text);
        assert_eq!(alerts(&findings, from, to)[0].id, a[0].id);
        let more = [
            findings[0].clone(),
            finding("school", AuditRule::PostsPerWeek, Level::Error, "100"),
        ];
        assert_ne!(alerts(&more, from, to)[0].id, a[0].id);
    }
}
