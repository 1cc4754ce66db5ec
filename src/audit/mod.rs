//! The audit of the real pages (issue 14): where what the registry declares and what vestnik
//! published differ from what the pages show. This module only judges: it takes what a reading
//! pass observed (`publish::audit` reads the networks and keeps it in the ledger) and returns
//! the findings, with ids that are a contract (`--format json`):
//!
//! | id                     | level   | what                                                        |
//! |------------------------|---------|-------------------------------------------------------------|
//! | `audit-posts-per-week` | error   | fewer publications observed in a week than the minimum      |
//! | `audit-verified`       | error / warning | the mark differs from the registry's `verified`     |
//! | `audit-profile`        | warning | profile elements missing (each one named)                   |
//! | `audit-access`         | error   | page not found, closed, not administered, token refused     |
//! | `audit-gospubliki`     | warning | a post declared `external: Госпаблики` not seen on the page |
//! | `audit-unplanned`      | info    | posts that no plan knows (by hand): for information         |
//!
//! Weeks are ISO weeks in the district's zone (the registry's, never the machine's), and only
//! weeks that are over are counted. A post vestnik published is counted once: on VK and OK it is
//! observed on the wall and matched to its ledger row by remote id; on Telegram, where a bot
//! never receives its own posts, the ledger's row is counted and the observed posts are the
//! others'.

pub mod observation;

use std::collections::{BTreeMap, BTreeSet};

use jiff::{SignedDuration, Timestamp};

use crate::plan::network::Network;
use crate::plan::registry::{Gospubliki, Registry};
use crate::plan::time::IsoWeek;
pub use observation::{Access, Element, ObservedPost, PageProfile, Source};

/// How long after a post's time Госпаблики is given to put it on the page.
pub const GOSPUBLIKI_WINDOW: SignedDuration = SignedDuration::from_hours(48);

/// How early before a post's time a publication by Госпаблики still counts as that post.
pub const GOSPUBLIKI_EARLY: SignedDuration = SignedDuration::from_hours(1);

/// The most posts a finding quotes.
const QUOTED: usize = 3;

/// The finding ids (a contract: JSON, documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AuditRule {
    /// Fewer publications observed in a week than the minimum.
    PostsPerWeek,
    /// The mark differs from the registry.
    Verified,
    /// Profile elements missing.
    Profile,
    /// The page cannot be read or administered.
    Access,
    /// A post declared as published through Госпаблики was not seen.
    Gospubliki,
    /// Posts no plan knows.
    Unplanned,
}

impl AuditRule {
    /// Every rule.
    pub const ALL: [AuditRule; 6] = [
        AuditRule::PostsPerWeek,
        AuditRule::Verified,
        AuditRule::Profile,
        AuditRule::Access,
        AuditRule::Gospubliki,
        AuditRule::Unplanned,
    ];

    /// The stable id.
    pub fn id(self) -> &'static str {
        match self {
            AuditRule::PostsPerWeek => "audit-posts-per-week",
            AuditRule::Verified => "audit-verified",
            AuditRule::Profile => "audit-profile",
            AuditRule::Access => "audit-access",
            AuditRule::Gospubliki => "audit-gospubliki",
            AuditRule::Unplanned => "audit-unplanned",
        }
    }
}

impl std::fmt::Display for AuditRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// How much a finding weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// The decree is not met: the command exits with 1.
    Error,
    /// Probably not met, or met in a way a person should look at.
    Warning,
    /// For information.
    Info,
}

impl Level {
    /// The word in JSON.
    pub fn key(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Info => "info",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Which rule.
    pub rule: AuditRule,
    /// How much it weighs.
    pub level: Level,
    /// The organization.
    pub org: String,
    /// The network of the page.
    pub network: Network,
    /// The page as the registry names it.
    pub page: String,
    /// The week it is about, for the weekly rules.
    pub week: Option<IsoWeek>,
    /// What was observed, where (a person's words).
    pub message: String,
    /// What to do.
    pub hint: String,
    /// Publications observed (for `audit-posts-per-week` and `audit-unplanned`).
    pub observed: Option<u32>,
    /// Profile elements missing (for `audit-profile`).
    pub missing: Vec<Element>,
}

/// What a reading pass saw on one page.
#[derive(Debug, Clone, PartialEq)]
pub struct PageReading {
    /// The organization.
    pub org: String,
    /// The network.
    pub network: Network,
    /// The page as the registry names it.
    pub page: String,
    /// The profile just read (its access says whether the rest could be read).
    pub profile: PageProfile,
    /// The publications observed in the weeks audited (from the ledger: this pass's and
    /// earlier ones).
    pub posts: Vec<ObservedPost>,
    /// Whether the network lists every publication of the page (VK's wall, OK's topics), so
    /// vestnik's own posts are among `posts`; on Telegram they never are.
    pub complete: bool,
}

/// A publication vestnik made (a published row of the ledger).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The organization.
    pub org: String,
    /// The network.
    pub network: Network,
    /// The network's id, as the ledger keeps it.
    pub remote_id: String,
    /// When it was due.
    pub at: Timestamp,
}

/// A post whose plan says someone else publishes it (`external: Госпаблики`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct External {
    /// The organization.
    pub org: String,
    /// The networks it is meant for.
    pub networks: Vec<Network>,
    /// Its time.
    pub due: Timestamp,
    /// The plan file, for a person to find it.
    pub file: String,
    /// Who publishes it, as the plan says.
    pub by: String,
}

impl External {
    /// Whether Госпаблики publishes it (the plan's `external:` names it).
    pub fn through_gospubliki(&self) -> bool {
        self.by.to_lowercase().contains("госпаблик") || self.by.to_lowercase().contains("gospub")
    }
}

/// The weeks audited, and when.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    /// The first week.
    pub from: IsoWeek,
    /// The last week.
    pub to: IsoWeek,
    /// Now: weeks not over yet are not counted, and Госпаблики is given its window.
    pub now: Timestamp,
}

/// Every finding of the pages read, ordered by organization, network, rule and week.
pub fn judge(
    registry: &Registry,
    scope: &Scope,
    pages: &[PageReading],
    published: &[Published],
    external: &[External],
) -> Vec<Finding> {
    let mut out = Vec::new();
    for reading in pages {
        let page = Page {
            registry,
            scope,
            reading,
        };
        if reading.profile.access != Access::Ok {
            out.push(page.access());
        }
        if !reading.profile.access.read() {
            continue;
        }
        out.extend(page.verified());
        out.extend(page.profile());
        let used = page.gospubliki(external, &mut out);
        page.posts_per_week(published, &mut out);
        page.unplanned(&used, &mut out);
    }
    out.sort_by(|a, b| {
        (&a.org, a.network, a.rule, a.week, &a.page)
            .cmp(&(&b.org, b.network, b.rule, b.week, &b.page))
    });
    out
}

/// One page being judged.
struct Page<'a> {
    registry: &'a Registry,
    scope: &'a Scope,
    reading: &'a PageReading,
}

impl Page<'_> {
    fn finding(&self, rule: AuditRule, level: Level, message: String, hint: String) -> Finding {
        Finding {
            rule,
            level,
            org: self.reading.org.clone(),
            network: self.reading.network,
            page: self.reading.page.clone(),
            week: None,
            message,
            hint,
            observed: None,
            missing: Vec::new(),
        }
    }

    /// `VK 200000001`.
    fn place(&self) -> String {
        format!("{} {}", self.reading.network, self.reading.page)
    }

    fn access(&self) -> Finding {
        let p = &self.reading.profile;
        let mut message = crate::t!(
            "audit-access",
            place = self.place(),
            access = p.access.key()
        );
        if let Some(d) = &p.detail {
            message.push_str(" (");
            message.push_str(d);
            message.push(')');
        }
        let hint = crate::t!(
            "audit-access-hint",
            access = p.access.key(),
            network = self.reading.network.key()
        );
        self.finding(AuditRule::Access, Level::Error, message, hint)
    }

    fn verified(&self) -> Option<Finding> {
        let declared = self
            .registry
            .org(&self.reading.org)?
            .pages
            .get(&self.reading.network)?
            .verified?;
        let seen = self.reading.profile.verified?;
        if declared == seen {
            return None;
        }
        let level = if declared {
            Level::Error
        } else {
            Level::Warning
        };
        let message = crate::t!(
            "audit-verified",
            place = self.place(),
            declared = declared.to_string()
        );
        let hint = crate::t!("audit-verified-hint", declared = declared.to_string());
        Some(self.finding(AuditRule::Verified, level, message, hint))
    }

    fn profile(&self) -> Option<Finding> {
        let missing = self.reading.profile.missing();
        if missing.is_empty() {
            return None;
        }
        let names: Vec<String> = missing
            .iter()
            .map(|e| crate::t!("audit-element", element = e.key()))
            .collect();
        let message = crate::t!(
            "audit-profile",
            place = self.place(),
            missing = names.join(", ")
        );
        let hint = crate::t!("audit-profile-hint", network = self.reading.network.key());
        let mut f = self.finding(AuditRule::Profile, Level::Warning, message, hint);
        f.missing = missing;
        Some(f)
    }

    /// The weeks audited that are over at `now`.
    fn weeks_over(&self) -> Vec<IsoWeek> {
        let tz = &self.registry.tz;
        let current = IsoWeek::of(self.scope.now, tz);
        self.scope
            .from
            .through(self.scope.to)
            .filter(|w| *w < current)
            .collect()
    }

    fn posts_per_week(&self, published: &[Published], out: &mut Vec<Finding>) {
        let tz = &self.registry.tz;
        let min = self.registry.rules.min_posts_per_week;
        let mut per_week: BTreeMap<IsoWeek, BTreeSet<String>> = BTreeMap::new();
        for p in &self.reading.posts {
            per_week
                .entry(IsoWeek::of(p.at, tz))
                .or_default()
                .insert(p.remote_id.clone());
        }
        if !self.reading.complete {
            // The network never shows vestnik's own posts (Telegram): the ledger knows them.
            for p in published
                .iter()
                .filter(|p| p.org == self.reading.org && p.network == self.reading.network)
            {
                per_week
                    .entry(IsoWeek::of(p.at, tz))
                    .or_default()
                    .insert(format!("vestnik:{}", p.remote_id));
            }
        }
        for week in self.weeks_over() {
            let count = per_week.get(&week).map_or(0, BTreeSet::len) as u32;
            if count >= min {
                continue;
            }
            let message = crate::t!(
                "audit-posts-per-week",
                place = self.place(),
                week = week.to_string(),
                span = week.span_label(),
                count = count,
                min = min
            );
            let hint = crate::t!("audit-posts-per-week-hint", min = min);
            let mut f = self.finding(AuditRule::PostsPerWeek, Level::Error, message, hint);
            f.week = Some(week);
            f.observed = Some(count);
            out.push(f);
        }
    }

    /// The posts declared as published through Госпаблики on this page, each looked for among
    /// the observed posts not made by vestnik. Returns the remote ids of those found.
    fn gospubliki(&self, external: &[External], out: &mut Vec<Finding>) -> BTreeSet<String> {
        let mut used = BTreeSet::new();
        let connected = self
            .registry
            .org(&self.reading.org)
            .and_then(|o| o.gospubliki.as_ref())
            .is_some_and(|g| g.value == Gospubliki::Connected);
        if !connected || self.reading.network == Network::Telegram {
            return used;
        }
        let tz = &self.registry.tz;
        let first = week_start(self.scope.from, tz);
        let mut declared: Vec<&External> = external
            .iter()
            .filter(|e| {
                e.org == self.reading.org
                    && e.through_gospubliki()
                    && e.networks.contains(&self.reading.network)
                    && e.due >= first
                    && IsoWeek::of(e.due, tz) <= self.scope.to
                    && e.due + GOSPUBLIKI_WINDOW <= self.scope.now
            })
            .collect();
        declared.sort_by_key(|e| e.due);
        for e in declared {
            let found = self.reading.posts.iter().find(|p| {
                p.source != Source::Vestnik
                    && !used.contains(&p.remote_id)
                    && p.at >= e.due - GOSPUBLIKI_EARLY
                    && p.at <= e.due + GOSPUBLIKI_WINDOW
            });
            if let Some(p) = found {
                used.insert(p.remote_id.clone());
                continue;
            }
            let message = crate::t!(
                "audit-gospubliki",
                place = self.place(),
                file = e.file.as_str(),
                due = crate::plan::time::human(e.due, tz, true),
                hours = GOSPUBLIKI_WINDOW.as_hours()
            );
            let hint = crate::t!("audit-gospubliki-hint");
            let mut f = self.finding(AuditRule::Gospubliki, Level::Warning, message, hint);
            f.week = Some(IsoWeek::of(e.due, tz));
            out.push(f);
        }
        used
    }

    fn unplanned(&self, used: &BTreeSet<String>, out: &mut Vec<Finding>) {
        let tz = &self.registry.tz;
        let mut per_week: BTreeMap<IsoWeek, Vec<&ObservedPost>> = BTreeMap::new();
        for p in &self.reading.posts {
            if p.source == Source::Vestnik || used.contains(&p.remote_id) {
                continue;
            }
            let week = IsoWeek::of(p.at, tz);
            if week < self.scope.from || week > self.scope.to {
                continue;
            }
            per_week.entry(week).or_default().push(p);
        }
        for (week, posts) in per_week {
            let quoted: Vec<String> = posts
                .iter()
                .take(QUOTED)
                .map(|p| {
                    crate::t!(
                        "audit-unplanned-post",
                        id = p.remote_id.as_str(),
                        excerpt = short(&p.excerpt)
                    )
                })
                .collect();
            let message = crate::t!(
                "audit-unplanned",
                place = self.place(),
                week = week.to_string(),
                count = posts.len(),
                posts = quoted.join("; ")
            );
            let hint = crate::t!("audit-unplanned-hint");
            let mut f = self.finding(AuditRule::Unplanned, Level::Info, message, hint);
            f.week = Some(week);
            f.observed = Some(posts.len() as u32);
            out.push(f);
        }
    }
}

/// How many weeks an audit looks at by default: the last ones that are over.
pub const DEFAULT_WEEKS: i64 = 4;

/// The weeks audited by default at `now`: the [`DEFAULT_WEEKS`] weeks that ended last, in the
/// district's zone `tz`.
pub fn default_weeks(now: Timestamp, tz: &jiff::tz::TimeZone) -> (IsoWeek, IsoWeek) {
    let week = SignedDuration::from_hours(7 * 24);
    let to = IsoWeek::of(now - week, tz);
    (
        IsoWeek::of(week_start(to, tz) - week * (DEFAULT_WEEKS as i32 - 1), tz),
        to,
    )
}

/// When `week` starts: its Monday 00:00 in the district's zone `tz`.
pub fn week_start(week: IsoWeek, tz: &jiff::tz::TimeZone) -> Timestamp {
    tz.to_ambiguous_timestamp(week.monday().to_datetime(jiff::civil::Time::midnight()))
        .compatible()
        .unwrap_or(Timestamp::MIN)
}

/// An excerpt shortened for a message line.
fn short(excerpt: &str) -> String {
    const SHOWN: usize = 60;
    if excerpt.chars().count() <= SHOWN {
        excerpt.to_owned()
    } else {
        let mut s: String = excerpt.chars().take(SHOWN).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests;
