//! Comment moderation on the official pages (decree п. 3.7, requirement 5): reads users'
//! comments on every page whose registry entry turns it on (`moderation:`), judges each with
//! [`crate::moderation::Classifier`], deletes it or reports it as the page's mode says, and
//! journals every action in the ledger ([`crate::publish::ledger::journal`]).
//!
//! What each mode does with a verdict:
//!
//! | mode     | `delete` (certain) | `hold` (likely) |
//! |----------|--------------------|-----------------|
//! | `delete` | deleted            | deleted         |
//! | `hold`   | deleted            | reported        |
//! | `report` | reported           | reported        |
//! | `off`    | not read           | not read        |
//!
//! Where the comments come from:
//!
//! - **VK**: `wall.getComments` (newest first, threads included) under the posts vestnik
//!   published on the page within [`WINDOW`], known from the ledger. A post is looked at every
//!   pass in its first day, then less often ([`look_every`]). Posts made by hand are not read:
//!   `wall.get` has a quota of 5,000 calls a day (NETWORKS.md §2.8), which a pass every two
//!   minutes over the district's pages would spend by noon; VK's Callback API, which pushes
//!   `wall_reply_new` with a community token, is the way to cover them.
//! - **OK**: `discussions.getComments` under the topics vestnik published within the window
//!   (the method that lists a group's topics is UNCONFIRMED, NETWORKS.md open question 14).
//! - **Telegram**: comments live in the discussion group linked to the channel (`getChat` gives
//!   `linked_chat_id`); the bot, an administrator there, receives them as updates. One poller per
//!   bot ([`receive_updates`]; `getUpdates` is one queue) keeps them in the ledger's inbox, its
//!   offset committed with them, and the pass takes them from there.
//!
//! Never touched: what the page itself wrote (VK `from_id` of the community, OK the group,
//! Telegram `sender_chat` of the channel or of the group: its automatic forwards and its
//! anonymous administrators) and what its administrators wrote (VK `groups.getMembers` with
//! `filter=managers`, Telegram `getChatAdministrators`). A comment whose text changed since it
//! was judged is judged again; on VK it is read again immediately before it is deleted, so an
//! edit made in between is judged as it now reads.
//!
//! Every request goes through the publishing clients at low priority: the same rate limits, and
//! never ahead of a publication that is due.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::audit::observation::excerpt;
use crate::audit::{ObservedPost, Source};
use crate::moderation::{Classifier, Judgement, Recent, Seen, Verdict};
use crate::networks::{Comment, PublishError, ok, telegram, vk};
use crate::plan::network::Network;
use crate::plan::registry::{Moderation, Registry};
use crate::publish::ledger::journal::{
    self, Action, CommentRef, Inbound, Moderated, NewAction, text_hash,
};
use crate::publish::ledger::{Alert, Ledger, LedgerError, State};

/// How far back moderation reads comments: the posts published in the last week.
pub const WINDOW: SignedDuration = SignedDuration::from_hours(7 * 24);

/// How long Telegram lets a bot delete a message in a group.
pub const TELEGRAM_DELETE_WINDOW: SignedDuration = SignedDuration::from_hours(48);

/// How long the administrators of a page and a channel's discussion group are remembered.
const REMEMBER: SignedDuration = SignedDuration::from_hours(1);

/// Pages of comments read per VK post and look (100 each, newest first).
const VK_PAGES: usize = 3;

/// The most inbox comments one pass takes.
const INBOX_BATCH: usize = 5_000;

/// The meta key of the Telegram poller's next offset.
pub const OFFSET_KEY: &str = "telegram/updates/offset";

/// How often the comments under a post published `age` ago are read: every pass in its first
/// day, every half hour until its third, every two hours until [`WINDOW`] ends.
pub fn look_every(age: SignedDuration) -> SignedDuration {
    if age < SignedDuration::from_hours(24) {
        SignedDuration::ZERO
    } else if age < SignedDuration::from_hours(72) {
        SignedDuration::from_mins(30)
    } else {
        SignedDuration::from_hours(2)
    }
}

/// What moderation reaches the networks with: the publisher's own clients, so their limiters
/// are shared with publishing.
#[derive(Clone, Default)]
pub struct Clients {
    /// VK, with a user token of an administrator of every community.
    pub vk: Option<Arc<vk::client::Client>>,
    /// OK.
    pub ok: Option<Arc<ok::client::Client>>,
    /// The Telegram bot.
    pub telegram: Option<Arc<telegram::client::Client>>,
}

impl Clients {
    /// VK's client, while this process holds its token (`publish::tokens`).
    pub fn vk(&self) -> Option<&Arc<vk::client::Client>> {
        self.vk.as_ref().filter(|c| c.held())
    }

    /// OK's client, while this process holds its token.
    pub fn ok(&self) -> Option<&Arc<ok::client::Client>> {
        self.ok.as_ref().filter(|c| c.held())
    }

    /// The bot's client, while this process holds its token.
    pub fn telegram(&self) -> Option<&Arc<telegram::client::Client>> {
        self.telegram.as_ref().filter(|c| c.held())
    }

    /// Whether `network` is configured but its token is held by another daemon now: its
    /// pages are left to that daemon.
    pub fn elsewhere(&self, network: Network) -> bool {
        match network {
            Network::Vk => self.vk.as_ref().is_some_and(|c| !c.held()),
            Network::Ok => self.ok.as_ref().is_some_and(|c| !c.held()),
            Network::Telegram => self.telegram.as_ref().is_some_and(|c| !c.held()),
        }
    }

    /// Says that nothing is published through these clients in this process (a `vestnik audit`
    /// or `vestnik moderate` run): their reads may use each token's whole rate limit, with no
    /// room kept for publications.
    pub fn publishing_nothing(&self) {
        if let Some(vk) = &self.vk {
            vk.publishes_nothing();
        }
        if let Some(ok) = &self.ok {
            ok.publishes_nothing();
        }
        if let Some(tg) = &self.telegram {
            tg.publishes_nothing();
        }
    }
}

/// How one pass runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Judge and say what would be done, changing nothing: no deletion, no journal, no update
    /// confirmed.
    pub dry_run: bool,
    /// Only this organization's pages.
    pub org: Option<String>,
    /// Who acts: `daemon`, or the person who ran the command.
    pub by: String,
}

/// One comment moderation acted on (or, in a dry run, would have).
#[derive(Debug, Clone, PartialEq)]
pub struct Done {
    /// The journal id (`None` in a dry run).
    pub id: Option<i64>,
    /// What was done.
    pub action: NewAction,
    /// Why a deletion did not happen (the comment was reported instead), if one was meant.
    pub not_deleted: Option<String>,
}

/// What one pass did.
#[derive(Debug, Default)]
pub struct Summary {
    /// Comments judged (new or edited).
    pub judged: usize,
    /// Comments deleted or reported.
    pub done: Vec<Done>,
    /// Pages that could not be read, with why (the pass went on with the others).
    pub problems: Vec<(String, String)>,
}

/// A page as one pass moderates it.
struct PageCtx<'a> {
    org: &'a str,
    network: Network,
    page: String,
    mode: Moderation,
}

/// A Telegram channel's discussion group, as remembered.
#[derive(Clone)]
struct Discussion {
    /// The channel's numeric id.
    channel: i64,
    /// The linked group, if any.
    group: Option<i64>,
    /// Its administrators (user ids).
    admins: Vec<String>,
    /// When this was learned.
    at: Timestamp,
}

/// The moderator: the classifier, the memory of recent comments (for repetition), and what it
/// learned about pages (administrators, discussion groups) for an hour.
pub struct Moderator {
    clients: Clients,
    classifier: Arc<Classifier>,
    recent: Recent,
    managers: HashMap<String, (Timestamp, Vec<String>)>,
    discussions: HashMap<String, Discussion>,
}

impl Moderator {
    /// A moderator reaching the networks through `clients`.
    pub fn new(clients: Clients, classifier: Arc<Classifier>) -> Moderator {
        Moderator {
            clients,
            classifier,
            recent: Recent::new(),
            managers: HashMap::new(),
            discussions: HashMap::new(),
        }
    }

    /// One pass over the pages of `registry` at `now`. A page that cannot be read is a problem
    /// of the summary and the pass goes on; only the ledger failing stops it.
    pub async fn pass(
        &mut self,
        registry: &Registry,
        ledger: &mut (dyn Ledger + Send),
        now: Timestamp,
        options: &Options,
    ) -> Result<Summary, LedgerError> {
        let mut summary = Summary::default();
        let mut pages = Vec::new();
        for org in &registry.organizations {
            if options.org.as_deref().is_some_and(|o| o != org.id.value) {
                continue;
            }
            for (network, page) in &org.pages {
                // A page whose token another daemon holds is that daemon's to moderate.
                if page.moderation != Moderation::Off && !self.clients.elsewhere(*network) {
                    pages.push(PageCtx {
                        org: &org.id.value,
                        network: *network,
                        page: page.id.value.clone(),
                        mode: page.moderation,
                    });
                }
            }
        }
        let published = ledger.published_since(now - WINDOW)?;
        for ctx in pages.iter().filter(|p| p.network != Network::Telegram) {
            let threads: Vec<(String, Timestamp)> = published
                .iter()
                .filter(|e| e.key.org.as_str() == ctx.org && e.key.network == ctx.network)
                .filter_map(|e| match &e.state {
                    State::Published { remote_id, .. } => Some((remote_id.clone(), e.due)),
                    _ => None,
                })
                .collect();
            for (remote, due) in threads {
                let look_key = format!("moderation/look/{}/{remote}", ctx.network.key());
                let last = ledger
                    .meta(&look_key)?
                    .and_then(|v| v.parse::<i64>().ok())
                    .and_then(|ms| Timestamp::from_millisecond(ms).ok());
                if last.is_some_and(|l| now.duration_since(l) < look_every(now.duration_since(due)))
                {
                    continue;
                }
                match self.read_thread(ctx, &remote, ledger).await {
                    Ok(comments) => {
                        self.judge(ctx, comments, ledger, now, options, &mut summary)
                            .await?;
                        if !options.dry_run {
                            ledger.set_meta(&look_key, &now.as_millisecond().to_string())?;
                        }
                    }
                    Err(ThreadError::Ledger(e)) => return Err(e),
                    Err(ThreadError::Network(e)) => {
                        summary.problems.push((where_(ctx), e.to_string()));
                        break;
                    }
                }
            }
        }
        self.telegram_pass(&pages, ledger, now, options, &mut summary)
            .await?;
        if !options.dry_run {
            ledger.forget_judged(now - WINDOW - SignedDuration::from_hours(24))?;
            let alerts = alerts(&summary.done);
            ledger.raise(&alerts, now)?;
        }
        Ok(summary)
    }

    /// The comments under one post (VK: newest first, page by page until a page brings none
    /// that is new, at most [`VK_PAGES`]) or topic (OK: the newest).
    async fn read_thread(
        &mut self,
        ctx: &PageCtx<'_>,
        remote: &str,
        ledger: &mut (dyn Ledger + Send),
    ) -> Result<Vec<Comment>, ThreadError> {
        match ctx.network {
            Network::Vk => {
                let (Some(vk), Some(gid)) = (self.clients.vk(), group_id(&ctx.page)) else {
                    return Ok(Vec::new());
                };
                let Some(post) = remote.rsplit('_').next().and_then(|p| p.parse().ok()) else {
                    return Ok(Vec::new());
                };
                let mut out = Vec::new();
                for page in 0..VK_PAGES {
                    let (batch, full) = vk.comments_page(gid, post, page).await?;
                    let keys: Vec<(String, String)> = batch
                        .iter()
                        .map(|c| (c.id.clone(), text_hash(&c.text)))
                        .collect();
                    let fresh = ledger.unjudged(Network::Vk, &ctx.page, &keys)?;
                    out.extend(batch);
                    if fresh.is_empty() || !full {
                        break;
                    }
                }
                Ok(out)
            }
            Network::Ok => match self.clients.ok() {
                Some(ok) => Ok(ok.comments(remote).await?),
                None => Ok(Vec::new()),
            },
            Network::Telegram => Ok(Vec::new()),
        }
    }

    /// The administrators of a VK community, remembered for an hour.
    async fn vk_managers(&mut self, gid: u64, now: Timestamp) -> Vec<String> {
        let key = gid.to_string();
        if let Some((at, ids)) = self.managers.get(&key)
            && now.duration_since(*at) < REMEMBER
        {
            return ids.clone();
        }
        let Some(vk) = self.clients.vk() else {
            return Vec::new();
        };
        match vk.managers(gid).await {
            Ok(ids) => {
                let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
                self.managers.insert(key, (now, ids.clone()));
                ids
            }
            // Without the list, an administrator's comment is judged like anyone's; the
            // classifier's rules, not their rank, protect it. Logged, tried again next pass.
            Err(e) => {
                tracing::warn!(error = %e, group = gid, "the community's administrators could not be read");
                Vec::new()
            }
        }
    }

    /// Judges the comments not judged yet (or edited since), acts on each as `ctx.mode` says,
    /// and remembers them as judged.
    async fn judge(
        &mut self,
        ctx: &PageCtx<'_>,
        comments: Vec<Comment>,
        ledger: &mut (dyn Ledger + Send),
        now: Timestamp,
        options: &Options,
        summary: &mut Summary,
    ) -> Result<(), LedgerError> {
        let keys: Vec<(String, String)> = comments
            .iter()
            .map(|c| (c.id.clone(), text_hash(&c.text)))
            .collect();
        let fresh = ledger.unjudged(ctx.network, &ctx.page, &keys)?;
        if fresh.is_empty() {
            return Ok(());
        }
        let own: Vec<String> = match ctx.network {
            Network::Vk => match group_id(&ctx.page) {
                Some(gid) => {
                    let mut own = self.vk_managers(gid, now).await;
                    own.push(format!("-{gid}"));
                    own
                }
                None => Vec::new(),
            },
            // UNCONFIRMED: how OK names a comment the group itself wrote; its id is the guess.
            Network::Ok => vec![ctx.page.clone()],
            Network::Telegram => Vec::new(),
        };
        let mut judged = Vec::new();
        for i in fresh {
            let c = &comments[i];
            summary.judged += 1;
            if !own.contains(&c.author) {
                self.act(ctx, c, ledger, now, options, summary).await?;
            }
            judged.push(keys[i].clone());
        }
        if !options.dry_run {
            ledger.judged(ctx.network, &ctx.page, &judged, now)?;
        }
        Ok(())
    }

    /// Classifies one comment and acts on it.
    async fn act(
        &mut self,
        ctx: &PageCtx<'_>,
        c: &Comment,
        ledger: &mut (dyn Ledger + Send),
        now: Timestamp,
        options: &Options,
        summary: &mut Summary,
    ) -> Result<(), LedgerError> {
        let seen = Seen {
            text: &c.text,
            author: &c.author,
            page: &ctx.page,
            at: if c.date == Timestamp::UNIX_EPOCH {
                now
            } else {
                c.date
            },
        };
        let mut judgement = self.classifier.classify_seen(&seen, &mut self.recent);
        if judgement.verdict == Verdict::Keep {
            return Ok(());
        }
        let mut text = c.text.clone();
        let mut not_deleted = None;
        let mut action = Action::Reported;
        if removes(ctx.mode, judgement.verdict) && !options.dry_run {
            match self.delete(ctx, c, now).await {
                Ok(Deletion::Deleted) => action = Action::Deleted,
                Ok(Deletion::Edited(now_reads)) => {
                    // Edited since it was read: judged as it reads now.
                    judgement = self.classifier.classify(&now_reads);
                    text = now_reads;
                    if judgement.verdict == Verdict::Keep {
                        return Ok(());
                    }
                    if removes(ctx.mode, judgement.verdict) {
                        let edited = Comment {
                            text: text.clone(),
                            ..c.clone()
                        };
                        match self.delete(ctx, &edited, now).await {
                            Ok(Deletion::Deleted) => action = Action::Deleted,
                            Ok(Deletion::Gone) => return Ok(()),
                            Ok(Deletion::Edited(_)) => {
                                not_deleted = Some(crate::t!("moderation-edited-again"));
                            }
                            Err(why) => not_deleted = Some(why),
                        }
                    }
                }
                Ok(Deletion::Gone) => return Ok(()),
                Err(why) => not_deleted = Some(why),
            }
        } else if removes(ctx.mode, judgement.verdict) {
            action = Action::Deleted;
        }
        let Some(reason) = decisive(&judgement) else {
            return Ok(());
        };
        let new = NewAction {
            org: ctx.org.to_owned(),
            at: CommentRef {
                network: ctx.network,
                page: ctx.page.clone(),
                thread: c.thread.clone(),
                comment: c.id.clone(),
            },
            author: c.author.clone(),
            category: category_key(reason.category).to_owned(),
            rule: reason.rule.clone(),
            verdict: verdict_key(judgement.verdict).to_owned(),
            action,
            excerpt: journal::excerpt(&text),
            when: now,
            by: options.by.clone(),
        };
        let id = if options.dry_run {
            None
        } else {
            match ledger.journal(&new)? {
                Some(id) => Some(id),
                // Journaled already (a pass cut before it remembered the comment as judged).
                None => return Ok(()),
            }
        };
        summary.done.push(Done {
            id,
            action: new,
            not_deleted,
        });
        Ok(())
    }

    /// Deletes one comment, where the network allows. On VK the comment is read again first:
    /// an edit since it was judged is returned instead of deleting.
    async fn delete(
        &mut self,
        ctx: &PageCtx<'_>,
        c: &Comment,
        now: Timestamp,
    ) -> Result<Deletion, String> {
        match ctx.network {
            Network::Vk => {
                let (Some(vk), Some(gid), Ok(id), Ok(post)) = (
                    self.clients.vk(),
                    group_id(&ctx.page),
                    c.id.parse::<i64>(),
                    c.thread.parse::<i64>(),
                ) else {
                    return Err(crate::t!("moderation-no-client"));
                };
                match vk.comment(gid, post, id).await {
                    Ok(None) => return Ok(Deletion::Gone),
                    Ok(Some(current)) if current.text != c.text => {
                        return Ok(Deletion::Edited(current.text));
                    }
                    Ok(Some(_)) => {}
                    Err(e) => return Err(e.to_string()),
                }
                vk.delete_comment(gid, id)
                    .await
                    .map(|()| Deletion::Deleted)
                    .map_err(|e| e.to_string())
            }
            Network::Ok => match self.clients.ok() {
                Some(ok) => ok
                    .delete_comment(&c.thread, &c.id)
                    .await
                    .map(|()| Deletion::Deleted)
                    .map_err(|e| e.to_string()),
                None => Err(crate::t!("moderation-no-client")),
            },
            Network::Telegram => {
                if now.duration_since(c.date) >= TELEGRAM_DELETE_WINDOW {
                    return Err(crate::t!("moderation-too-old"));
                }
                let (Some(tg), Ok(id)) = (self.clients.telegram(), c.id.parse::<i64>()) else {
                    return Err(crate::t!("moderation-no-client"));
                };
                tg.delete_message(&c.thread, id)
                    .await
                    .map(|()| Deletion::Deleted)
                    .map_err(|e| e.to_string())
            }
        }
    }

    /// The Telegram part of a pass: the comments the poller left in the inbox, each to the page
    /// whose discussion group it came from.
    async fn telegram_pass(
        &mut self,
        pages: &[PageCtx<'_>],
        ledger: &mut (dyn Ledger + Send),
        now: Timestamp,
        options: &Options,
        summary: &mut Summary,
    ) -> Result<(), LedgerError> {
        let tg_pages: Vec<&PageCtx<'_>> = pages
            .iter()
            .filter(|p| p.network == Network::Telegram)
            .collect();
        if tg_pages.is_empty() || self.clients.telegram().is_none() {
            return Ok(());
        }
        let mut by_group: HashMap<String, (usize, Discussion)> = HashMap::new();
        for (i, ctx) in tg_pages.iter().enumerate() {
            match self.discussion(&ctx.page, now).await {
                Ok(d) => {
                    if let Some(group) = d.group {
                        by_group.insert(group.to_string(), (i, d));
                    }
                }
                Err(e) => summary.problems.push((where_(ctx), e.to_string())),
            }
        }
        let inbox = ledger.inbox(INBOX_BATCH)?;
        // The last word on each comment: an edit later in the batch replaces what came before.
        let mut last: BTreeMap<(String, String), (i64, Inbound)> = BTreeMap::new();
        let mut done = Vec::new();
        for (id, item) in inbox {
            let key = (item.at.thread.clone(), item.at.comment.clone());
            if !by_group.contains_key(&item.at.thread) {
                // Not the discussion group of a page moderated in this pass: another
                // organization's (`--org`) stays; a chat that is no page's is dropped.
                let moderated_elsewhere = options.org.is_some();
                if !moderated_elsewhere {
                    done.push(id);
                }
                continue;
            }
            if let Some((older, _)) = last.insert(key, (id, item)) {
                done.push(older);
            }
        }
        let mut per_page: BTreeMap<usize, Vec<Comment>> = BTreeMap::new();
        for (id, item) in last.into_values() {
            done.push(id);
            let (i, d) = &by_group[&item.at.thread];
            let own = item.author.strip_prefix("chat:").is_some_and(|chat| {
                chat == d.channel.to_string()
                    || Some(chat) == d.group.map(|g| g.to_string()).as_deref()
            }) || d.admins.contains(&item.author);
            if own {
                continue;
            }
            per_page.entry(*i).or_default().push(Comment {
                thread: item.at.thread,
                id: item.at.comment,
                author: item.author,
                text: item.text,
                date: item.date,
            });
        }
        for (i, comments) in per_page {
            self.judge(tg_pages[i], comments, ledger, now, options, summary)
                .await?;
        }
        if !options.dry_run {
            ledger.inbox_done(&done)?;
        }
        Ok(())
    }

    /// A channel's discussion group and its administrators, remembered for an hour.
    async fn discussion(&mut self, page: &str, now: Timestamp) -> Result<Discussion, PublishError> {
        if let Some(d) = self.discussions.get(page)
            && now.duration_since(d.at) < REMEMBER
        {
            return Ok(d.clone());
        }
        let Some(tg) = self.clients.telegram() else {
            return Err(PublishError::Transient {
                reason: "no Telegram client".into(),
            });
        };
        let info = tg.get_chat(page).await?;
        let mut admins = Vec::new();
        if let Some(group) = info.linked_chat_id {
            admins = tg
                .get_chat_administrators(&group.to_string())
                .await?
                .into_iter()
                .map(|m| m.user.id.to_string())
                .collect();
        }
        let d = Discussion {
            channel: info.id,
            group: info.linked_chat_id,
            admins,
            at: now,
        };
        self.discussions.insert(page.to_owned(), d.clone());
        Ok(d)
    }
}

/// Why the comments of a post could not be read.
#[derive(Debug, thiserror::Error)]
enum ThreadError {
    /// The network did not answer well.
    #[error(transparent)]
    Network(#[from] PublishError),
    /// The ledger failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// How a deletion went.
enum Deletion {
    /// Deleted.
    Deleted,
    /// Gone already (deleted by someone, or never readable): nothing to do.
    Gone,
    /// Its text changed since it was read: here is what it says now.
    Edited(String),
}

/// Whether a page in `mode` removes a comment the classifier rated `verdict`.
pub fn removes(mode: Moderation, verdict: Verdict) -> bool {
    match mode {
        Moderation::Delete => verdict >= Verdict::Hold,
        Moderation::Hold => verdict == Verdict::Delete,
        Moderation::Report | Moderation::Off => false,
    }
}

/// The reason that decided the verdict: the first of the strongest.
fn decisive(j: &Judgement) -> Option<&crate::moderation::Reason> {
    j.reasons
        .iter()
        .find(|r| r.verdict == j.verdict)
        .or_else(|| j.reasons.first())
}

/// The word of a category in the journal and JSON.
pub fn category_key(c: crate::moderation::Category) -> &'static str {
    match c {
        crate::moderation::Category::Obscene => "obscene",
        crate::moderation::Category::Insult => "insult",
        crate::moderation::Category::Spam => "spam",
    }
}

/// The word of a verdict in the journal and JSON.
pub fn verdict_key(v: Verdict) -> &'static str {
    match v {
        Verdict::Keep => "keep",
        Verdict::Hold => "hold",
        Verdict::Delete => "delete",
    }
}

/// A VK community id written in the registry.
fn group_id(page: &str) -> Option<u64> {
    page.trim().trim_start_matches('-').parse().ok()
}

/// A page for a person: `VK 200000001`.
fn where_(ctx: &PageCtx<'_>) -> String {
    format!("{} {}", ctx.network, ctx.page)
}

/// The alerts of a pass: one per organization, listing what was deleted and what was reported
/// (the first few, and how many in all). Its id names the journal's rows, so it is raised once.
pub fn alerts(done: &[Done]) -> Vec<Alert> {
    const SHOWN: usize = 10;
    let mut per_org: BTreeMap<&str, Vec<&Done>> = BTreeMap::new();
    for d in done {
        per_org.entry(d.action.org.as_str()).or_default().push(d);
    }
    per_org
        .into_iter()
        .map(|(org, items)| {
            let ids: Vec<i64> = items.iter().filter_map(|d| d.id).collect();
            let deleted = items
                .iter()
                .filter(|d| d.action.action == Action::Deleted)
                .count();
            let mut text = crate::t!(
                "moderation-alert",
                deleted = deleted,
                reported = items.len() - deleted
            );
            for d in items.iter().take(SHOWN) {
                text.push('\n');
                text.push_str(&line(d));
            }
            if items.len() > SHOWN {
                text.push('\n');
                text.push_str(&crate::t!("moderation-alert-more", n = items.len() - SHOWN));
            }
            text.push('\n');
            text.push_str(&crate::t!("moderation-alert-hint"));
            Alert {
                id: format!(
                    "moderation/{org}/{}-{}",
                    ids.first().copied().unwrap_or(0),
                    ids.last().copied().unwrap_or(0)
                ),
                org: Some(org.into()),
                text,
            }
        })
        .collect()
}

/// One action for a person: the journal id, what was done, where, why and the excerpt.
pub fn line(d: &Done) -> String {
    let a = &d.action;
    let mut s = crate::t!(
        "moderation-line",
        id = d.id.map_or_else(|| "—".to_owned(), |i| i.to_string()),
        action = a.action.key(),
        network = a.at.network.to_string(),
        category = a.category.as_str(),
        rule = a.rule.as_str(),
        excerpt = journal::excerpt(&a.excerpt)
    );
    if let Some(why) = &d.not_deleted {
        s.push(' ');
        s.push_str(&crate::t!("moderation-not-deleted", why = why.as_str()));
    }
    s
}

/// Takes the Telegram updates waiting for the bot and keeps the comments among them (`message`
/// and `edited_message` with text) in the ledger's inbox, and the posts others made in the
/// channels (`channel_post`: by hand, by Госпаблики) as the audit's observations, with the next
/// offset, in one transaction: the one poller of the bot. Waits up to `timeout` seconds for an
/// update (long polling). Returns how many updates were taken (0: the queue is empty).
///
/// The bot's own posts never come back as updates (the Bot API server skips them): the ledger
/// knows those. An album comes as one update per picture, sharing a `media_group_id`: it is
/// kept as one publication, `album:<media_group_id>`. Edits of channel posts change nothing
/// the audit counts and are only taken off the queue.
pub async fn receive_updates(
    tg: &telegram::client::Client,
    ledger: &mut (dyn Ledger + Send),
    timeout: u32,
) -> Result<usize, ReceiveError> {
    let offset = ledger
        .meta(OFFSET_KEY)
        .map_err(ReceiveError::Ledger)?
        .and_then(|o| o.parse::<i64>().ok());
    let updates = tg
        .get_updates(offset, timeout)
        .await
        .map_err(ReceiveError::Network)?;
    let Some(next) = updates.iter().map(|u| u.update_id + 1).max() else {
        return Ok(0);
    };
    let taken = updates.len();
    let mut posts: Vec<ObservedPost> = Vec::new();
    let mut comments: Vec<Inbound> = Vec::new();
    for u in updates {
        if let Some(p) = u.channel_post {
            let remote_id = match &p.media_group_id {
                Some(group) => format!("album:{group}"),
                None => p.message_id.to_string(),
            };
            let text = p.text.or(p.caption).unwrap_or_default();
            if let Some(same) = posts
                .iter_mut()
                .find(|o| o.remote_id == remote_id && o.page == p.chat.id.to_string())
            {
                if same.excerpt.is_empty() {
                    same.excerpt = excerpt(&text);
                }
                continue;
            }
            posts.push(ObservedPost {
                network: Network::Telegram,
                page: p.chat.id.to_string(),
                remote_id,
                at: Comment::unix(p.date),
                source: Source::Hand,
                excerpt: excerpt(&text),
            });
            continue;
        }
        let Some(m) = u.message.or(u.edited_message) else {
            continue;
        };
        let Some(text) = m.text.or(m.caption) else {
            continue;
        };
        let author = match (&m.sender_chat, &m.from) {
            (Some(chat), _) => format!("chat:{}", chat.id),
            (None, Some(user)) => user.id.to_string(),
            (None, None) => continue,
        };
        comments.push(Inbound {
            at: CommentRef {
                network: Network::Telegram,
                page: String::new(),
                thread: m.chat.id.to_string(),
                comment: m.message_id.to_string(),
            },
            author,
            text,
            // The 48 hours to delete count from when it was sent, not edited.
            date: Comment::unix(m.date),
        });
    }
    ledger
        .receive(&comments, &posts, OFFSET_KEY, &next.to_string())
        .map_err(ReceiveError::Ledger)?;
    Ok(taken)
}

/// Why [`receive_updates`] failed.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    /// Telegram did not answer well.
    #[error("{0}")]
    Network(PublishError),
    /// The ledger failed.
    #[error("{0}")]
    Ledger(LedgerError),
}

/// The journal, for `vestnik moderation log`.
pub fn log(
    ledger: &dyn Ledger,
    org: Option<&str>,
    limit: usize,
) -> Result<Vec<Moderated>, LedgerError> {
    ledger.moderation_log(org, limit)
}

/// Brings back the comment of journal entry `id`, where its network allows (VK only: OK and
/// Telegram have no method to restore a deleted comment), and marks it restored by `by`.
pub async fn restore(
    clients: &Clients,
    ledger: &mut (dyn Ledger + Send),
    id: i64,
    now: Timestamp,
    by: &str,
) -> Result<Moderated, RestoreError> {
    let entry = ledger
        .moderated(id)?
        .ok_or(RestoreError::NoSuchAction(id))?;
    if entry.action.action != Action::Deleted {
        return Err(RestoreError::NotDeleted(id));
    }
    if entry.restored.is_some() {
        return Err(RestoreError::Already(id));
    }
    let at = &entry.action.at;
    match at.network {
        Network::Vk => {
            let vk = clients
                .vk
                .as_ref()
                .ok_or(RestoreError::NoClient(Network::Vk))?;
            let (Some(gid), Ok(comment)) = (group_id(&at.page), at.comment.parse::<i64>()) else {
                return Err(RestoreError::NoSuchAction(id));
            };
            vk.restore_comment(gid, comment)
                .await
                .map_err(RestoreError::Network)?;
        }
        network => return Err(RestoreError::Impossible(network)),
    }
    ledger.restored(id, now, by)?;
    Ok(ledger.moderated(id)?.unwrap_or(entry))
}

/// Why a comment could not be restored.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// No journal entry has this id.
    #[error("{}", crate::t!("moderation-restore-no-such", id = .0))]
    NoSuchAction(i64),
    /// The entry is a report: nothing was deleted.
    #[error("{}", crate::t!("moderation-restore-not-deleted", id = .0))]
    NotDeleted(i64),
    /// Restored already.
    #[error("{}", crate::t!("moderation-restore-already", id = .0))]
    Already(i64),
    /// The network has no way back (OK, Telegram).
    #[error("{}", crate::t!("moderation-restore-impossible", network = .0.to_string()))]
    Impossible(Network),
    /// The network is not configured.
    #[error("{}", crate::t!("moderation-restore-no-client", network = .0.to_string()))]
    NoClient(Network),
    /// The network refused or failed.
    #[error("{0}")]
    Network(PublishError),
    /// The ledger failed.
    #[error("{0}")]
    Ledger(#[from] LedgerError),
}

/// How long the daemon's poller waits for updates in one `getUpdates` (long polling), and
/// the least time between two polls (an emulator answers at once).
pub const POLL_TIMEOUT_SECS: u32 = 25;

/// The least time between two polls of the daemon's poller.
pub const POLL_PAUSE: Duration = Duration::from_secs(1);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mode_removes_what_its_table_says() {
        use Moderation::*;
        use Verdict::{Delete as D, Hold as H, Keep as K};
        let table = [
            (Delete, [false, true, true]),
            (Hold, [false, false, true]),
            (Report, [false, false, false]),
            (Off, [false, false, false]),
        ];
        for (mode, expected) in table {
            let got = [removes(mode, K), removes(mode, H), removes(mode, D)];
            assert_eq!(got, expected, "{mode:?}");
        }
    }

    #[test]
    fn older_posts_are_looked_at_less_often() {
        let h = SignedDuration::from_hours;
        assert_eq!(look_every(h(2)), SignedDuration::ZERO);
        assert_eq!(look_every(h(30)), SignedDuration::from_mins(30));
        assert_eq!(look_every(h(100)), h(2));
    }
}
