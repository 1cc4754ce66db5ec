//! `vestnik report`: the МЦУ's view of compliance (п. 2.1–2.4 of the decree), for the head of
//! the МЦУ and for ЦУР.
//!
//! One [`Report`] is gathered from three sources and written in four formats:
//!
//! - the plans, through `check` (its per-week counts of ready, external and draft posts, and
//!   every finding, grouped per organization);
//! - the registry (verified, 2FA, Госпаблики, the responsible, the profile, the website);
//! - the ledger, when one is given (published, failed, missed, uncertain per week), read
//!   without building rows.
//!
//! Which count a week is judged by: with a ledger, a week that has ended counts what was
//! published plus the external posts; the current and later weeks (and every week without a
//! ledger) count what is planned, ready plus external. The report says which ([`Basis`]).
//!
//! The formats: [`html`] (one self-contained page to mail), [`xlsx`] (the sheets ЦУР asks
//! for), and [`table`] (CSV and JSON with the same rows).

pub mod html;
pub mod table;
pub mod xlsx;

use std::collections::HashMap;
use std::path::PathBuf;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::check::{self, CheckError};
pub use crate::plan::changes::Person;
use crate::plan::diagnostic::{Diagnostic, Severity};
use crate::plan::network::Network;
use crate::plan::registry::{Gospubliki, Organization, Registry};
use crate::plan::time::{self, IsoWeek};
use crate::publish::ledger::{Ledger, LedgerError};

/// The most weeks one report covers (ten years): the heat map and the tables grow with it.
pub const MAX_WEEKS: usize = 520;

/// How many weeks before the current one a report starts by default (a quarter in all).
pub const DEFAULT_WEEKS_BACK: usize = 12;

/// What to report on.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The content repository.
    pub root: PathBuf,
    /// First week (default: [`DEFAULT_WEEKS_BACK`] weeks before the current one).
    pub from: Option<IsoWeek>,
    /// Last week (default: the current week plus the registry's `weeks_ahead`).
    pub to: Option<IsoWeek>,
    /// Only this organization.
    pub org: Option<String>,
    /// Report as if now were this date (or date and time), in the registry's zone.
    pub today: Option<String>,
}

/// Why there is no report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The plans could not be checked at all.
    #[error("{0}")]
    Check(#[from] CheckError),
    /// The repository or its registry cannot be read.
    #[error(transparent)]
    Registry(#[from] crate::plan::repo::RegistryError),
    /// `--org` names no organization of the registry.
    #[error("no organization `{0}` in the registry")]
    UnknownOrg(String),
    /// `--from` is after `--to`, or the window is longer than [`MAX_WEEKS`].
    #[error("the weeks {from}..{to} are not a window of at most {MAX_WEEKS} weeks")]
    Window {
        /// First week asked for.
        from: IsoWeek,
        /// Last week asked for.
        to: IsoWeek,
    },
    /// The ledger could not be read.
    #[error("{0}")]
    Ledger(#[from] LedgerError),
}

impl ReportError {
    /// Why, in the process's language.
    pub fn message(&self) -> String {
        match self {
            ReportError::Check(e) => e.message(),
            ReportError::Registry(e) => e.message(),
            ReportError::UnknownOrg(id) => crate::t!("site-unknown-org", org = id.as_str()),
            ReportError::Window { from, to } => crate::t!(
                "report-window",
                from = from.to_string(),
                to = to.to_string(),
                max = MAX_WEEKS
            ),
            ReportError::Ledger(e) => e.message(),
        }
    }
}

/// Which counts judge a week against the minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// What the plan holds: ready plus external posts.
    Planned,
    /// What the ledger says was published, plus external posts (a week that has ended).
    Published,
}

impl Basis {
    /// `planned` or `published`, as in JSON and CSV.
    pub const fn key(self) -> &'static str {
        match self {
            Basis::Planned => "planned",
            Basis::Published => "published",
        }
    }
}

/// One page in one ISO week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Week {
    /// The week.
    pub week: IsoWeek,
    /// Ready posts in the plan.
    pub ready: u32,
    /// External posts in the plan (Госпаблики and others): they count.
    pub external: u32,
    /// Drafts in the plan: they do not count.
    pub drafts: u32,
    /// Published, by the ledger.
    pub published: u32,
    /// Failed, by the ledger.
    pub failed: u32,
    /// Missed while the daemon was down, by the ledger.
    pub missed: u32,
    /// Uncertain (maybe published; a person must look), by the ledger.
    pub uncertain: u32,
    /// The count judged against the minimum.
    pub counted: u32,
    /// Which counts `counted` is made of.
    pub basis: Basis,
    /// Whether `counted` reaches the minimum.
    pub meets: bool,
    /// Publications the audit observed on the page that week, as it counts them (those seen
    /// that others made, and vestnik's published), `None` when the page was never audited.
    pub observed: Option<u32>,
}

/// One official page with its weeks.
#[derive(Debug, Clone)]
pub struct PageReport {
    /// The network.
    pub network: Network,
    /// The page's id in the registry.
    pub id: String,
    /// Its public address, when one is known.
    pub url: Option<String>,
    /// The «Госорганизация» mark.
    pub verified: Option<bool>,
    /// 2FA on the administering accounts.
    pub two_factor: Option<bool>,
    /// One entry per week of the report, in order.
    pub weeks: Vec<Week>,
}

/// One finding of `check` as the report lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `error` or `warning`.
    pub severity: Severity,
    /// The rule id.
    pub rule: &'static str,
    /// The file, relative to the repository.
    pub file: String,
    /// The line (1-based).
    pub line: u32,
    /// The column (1-based).
    pub column: u32,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

/// One organization of the registry.
#[derive(Debug, Clone)]
pub struct OrgReport {
    /// Its id.
    pub id: String,
    /// Its name as in the decree.
    pub name: String,
    /// Appendix 2 (must have pages) or Appendix 3.
    pub required: bool,
    /// Its website.
    pub website: Option<String>,
    /// Госпаблики: `connected`, `requested`, `not-connected`, or not said.
    pub gospubliki: Option<&'static str>,
    /// The responsible.
    pub responsible: Option<Person>,
    /// What the profile lacks: `description`, `address`, `map`, `phones`, `hours` (all five
    /// when there is no profile).
    pub profile_missing: Vec<&'static str>,
    /// Its pages, in [`Network::ALL`] order.
    pub pages: Vec<PageReport>,
    /// Its problems, as `check` reports them.
    pub problems: Vec<Problem>,
    /// Users' comments comment moderation deleted and reported on its pages in the report's
    /// weeks (from the ledger's journal; zero without a ledger).
    pub comments_deleted: u32,
    /// See [`OrgReport::comments_deleted`].
    pub comments_reported: u32,
}

impl OrgReport {
    /// Weeks of its pages below the minimum.
    pub fn short_weeks(&self) -> usize {
        self.pages
            .iter()
            .flat_map(|p| &p.weeks)
            .filter(|w| !w.meets)
            .count()
    }
}

/// Totals of one network over the report's weeks and organizations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkTotal {
    /// The network.
    pub network: Option<Network>,
    /// Pages in the registry.
    pub pages: u32,
    /// Ready posts planned.
    pub ready: u32,
    /// External posts planned.
    pub external: u32,
    /// Published, by the ledger.
    pub published: u32,
    /// Failed, by the ledger.
    pub failed: u32,
    /// Page-weeks that reach the minimum.
    pub weeks_met: u32,
    /// Page-weeks below it.
    pub weeks_short: u32,
}

/// The report.
#[derive(Debug, Clone)]
pub struct Report {
    /// When it was made (or `--today`).
    pub now: Timestamp,
    /// The district's zone.
    pub tz: TimeZone,
    /// Its IANA name.
    pub zone: String,
    /// The weeks, in order.
    pub weeks: Vec<IsoWeek>,
    /// The current week.
    pub current: IsoWeek,
    /// The minimum of publications per page per week.
    pub minimum: u32,
    /// Whether a ledger was read (otherwise the report is of the plan alone).
    pub with_ledger: bool,
    /// The organizations, in the registry's order.
    pub organizations: Vec<OrgReport>,
    /// Problems that concern no single organization (the registry file, the style rules).
    pub general: Vec<Problem>,
    /// Totals per network.
    pub totals: Vec<NetworkTotal>,
    /// Per week: publications published (with a ledger) or planned (without), all pages.
    pub trend: Vec<(IsoWeek, u32)>,
}

/// Counts per organization, network and week, from the ledger.
#[derive(Debug, Default, Clone, Copy)]
struct Sent {
    published: u32,
    failed: u32,
    missed: u32,
    uncertain: u32,
}

/// Gathers the report: checks the plans, reads the registry, and reads `ledger` when given.
pub fn gather(opts: &Options, ledger: Option<&dyn Ledger>) -> Result<Report, ReportError> {
    if !opts.root.join("plans").is_dir() {
        return Err(CheckError::NotARepository(opts.root.display().to_string()).into());
    }
    let (_, registry) = crate::plan::repo::read_registry(&opts.root)?;
    if let Some(id) = &opts.org
        && registry.org(id).is_none()
    {
        return Err(ReportError::UnknownOrg(id.clone()));
    }
    let tz = registry.tz.clone();
    let now = match &opts.today {
        Some(t) => time::parse_today(t, &tz).map_err(CheckError::Today)?,
        None => Timestamp::now(),
    };
    let current = IsoWeek::of(now, &tz);
    let (from, to) = window(opts, &registry, current)?;
    let weeks: Vec<IsoWeek> = from.through(to).collect();
    if weeks.is_empty() || weeks.len() > MAX_WEEKS {
        return Err(ReportError::Window { from, to });
    }

    // The check of the plans takes most of the time: the ledger is read meanwhile.
    let settings = check::Settings {
        root: opts.root.clone(),
        today: opts.today.clone(),
        ..check::Settings::default()
    };
    let lang = crate::locale::current();
    let (audited, others) = match ledger {
        Some(l) => count_observed(l, &registry, from, to)?,
        None => Default::default(),
    };
    let (checked, sent, moderated) = std::thread::scope(|scope| {
        let checking = scope.spawn(|| crate::locale::with(lang, || check::run(&settings)));
        let sent = ledger
            .map(|l| count_sent(l, &registry, from, to))
            .transpose();
        let moderated = ledger
            .map(|l| l.moderation_counts(week_start(from, &tz), week_start(to.next(), &tz)))
            .transpose();
        let checked = checking
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (checked, sent, moderated)
    });
    let checked = checked?;
    let sent = sent?.unwrap_or_default();
    let moderated: HashMap<String, (u32, u32)> = moderated?
        .unwrap_or_default()
        .into_iter()
        .map(|(org, deleted, reported)| (org, (deleted, reported)))
        .collect();
    let planned: HashMap<(&str, Network, IsoWeek), &check::PlannedWeek> = checked
        .weeks
        .iter()
        .map(|w| ((w.org.as_str(), w.network, w.week), w))
        .collect();

    let minimum = registry.rules.min_posts_per_week;
    let with_ledger = ledger.is_some();
    let mut problems: HashMap<&str, Vec<Problem>> = HashMap::new();
    let mut general = Vec::new();
    for d in &checked.diagnostics {
        match &d.org {
            Some(org) if registry.org(org).is_some() => {
                problems.entry(org.as_str()).or_default().push(problem(d));
            }
            _ if opts.org.is_none() => general.push(problem(d)),
            _ => {}
        }
    }

    let mut organizations = Vec::new();
    for (i, org) in registry.organizations.iter().enumerate() {
        if opts.org.as_deref().is_some_and(|o| o != org.id.value) {
            continue;
        }
        let pages = org
            .pages
            .values()
            .map(|page| {
                let weeks = weeks
                    .iter()
                    .map(|&week| {
                        let key = (org.id.value.as_str(), page.network, week);
                        let plan = planned.get(&key);
                        let s = sent
                            .get(&(i, page.network, week))
                            .copied()
                            .unwrap_or_default();
                        let ready = plan.map_or(0, |p| p.ready);
                        let external = plan.map_or(0, |p| p.external);
                        let basis = if with_ledger && week < current {
                            Basis::Published
                        } else {
                            Basis::Planned
                        };
                        let counted = match basis {
                            Basis::Published => s.published + external,
                            Basis::Planned => ready + external,
                        };
                        Week {
                            week,
                            ready,
                            external,
                            drafts: plan.map_or(0, |p| p.drafts),
                            published: s.published,
                            failed: s.failed,
                            missed: s.missed,
                            uncertain: s.uncertain,
                            counted,
                            basis,
                            meets: counted >= minimum,
                            observed: audited.contains(&(i, page.network)).then(|| {
                                s.published
                                    + others.get(&(i, page.network, week)).copied().unwrap_or(0)
                            }),
                        }
                    })
                    .collect();
                PageReport {
                    network: page.network,
                    id: page.id.value.clone(),
                    url: page.public_url(),
                    verified: page.verified,
                    two_factor: page.two_factor,
                    weeks,
                }
            })
            .collect();
        organizations.push(OrgReport {
            id: org.id.value.clone(),
            name: org.name.value.clone(),
            required: org.required,
            website: org.website.as_ref().map(|w| w.value.clone()),
            gospubliki: org.gospubliki.as_ref().map(|g| match g.value {
                Gospubliki::Connected => "connected",
                Gospubliki::Requested => "requested",
                Gospubliki::NotConnected => "not-connected",
            }),
            responsible: org.responsible.as_ref().map(Person::from),
            profile_missing: profile_missing(org),
            pages,
            problems: problems.remove(org.id.value.as_str()).unwrap_or_default(),
            comments_deleted: moderated.get(&org.id.value).map_or(0, |m| m.0),
            comments_reported: moderated.get(&org.id.value).map_or(0, |m| m.1),
        });
    }

    let totals = totals(&organizations);
    let trend = weeks
        .iter()
        .enumerate()
        .map(|(i, &week)| {
            let n = organizations
                .iter()
                .flat_map(|o| &o.pages)
                .filter_map(|p| p.weeks.get(i))
                .map(|w| if with_ledger { w.published } else { w.ready })
                .sum();
            (week, n)
        })
        .collect();
    Ok(Report {
        now,
        zone: registry.timezone_name.clone(),
        tz,
        weeks,
        current,
        minimum,
        with_ledger,
        organizations,
        general,
        totals,
        trend,
    })
}

/// The ledger's rows due in the weeks `from..=to`, counted per organization (its number in the
/// registry), network and week: no allocation per row.
fn count_sent(
    ledger: &dyn Ledger,
    registry: &Registry,
    from: IsoWeek,
    to: IsoWeek,
) -> Result<HashMap<(usize, Network, IsoWeek), Sent>, LedgerError> {
    let tz = &registry.tz;
    let index: HashMap<&str, usize> = registry
        .organizations
        .iter()
        .enumerate()
        .map(|(i, o)| (o.id.value.as_str(), i))
        .collect();
    // Each week's start, to find a row's week by a binary search instead of a conversion to
    // local time per row.
    let starts: Vec<(Timestamp, IsoWeek)> =
        from.through(to).map(|w| (week_start(w, tz), w)).collect();
    let mut sent: HashMap<(usize, Network, IsoWeek), Sent> = HashMap::new();
    ledger.visit_due(
        week_start(from, tz),
        week_start(to.next(), tz),
        &mut |org, network, due, state| {
            let Some(&i) = index.get(org) else {
                return;
            };
            let at = starts.partition_point(|(start, _)| *start <= due);
            let Some(&(_, week)) = at.checked_sub(1).and_then(|k| starts.get(k)) else {
                return;
            };
            let s = sent.entry((i, network, week)).or_default();
            match state {
                "published" => s.published += 1,
                "failed" => s.failed += 1,
                "missed" => s.missed += 1,
                "uncertain" => s.uncertain += 1,
                _ => {}
            }
        },
    )?;
    Ok(sent)
}

/// Pages audited at least once: organization number and network.
type Audited = std::collections::HashSet<(usize, Network)>;

/// Publications observed that others made, per organization number, network and week.
type Others = HashMap<(usize, Network, IsoWeek), u32>;

/// Pages audited at least once (by organization number and network), and the publications the
/// audit observed on them not made by vestnik, per organization, network and week.
fn count_observed(
    ledger: &dyn Ledger,
    registry: &Registry,
    from: IsoWeek,
    to: IsoWeek,
) -> Result<(Audited, Others), LedgerError> {
    let tz = &registry.tz;
    let mut audited = Audited::new();
    // The page as the audit keeps its posts → organization number and network.
    let mut pages: HashMap<(Network, String), usize> = HashMap::new();
    for (i, org) in registry.organizations.iter().enumerate() {
        for (network, page) in &org.pages {
            if ledger.last_snapshot(*network, &page.id.value)?.is_none() {
                continue;
            }
            audited.insert((i, *network));
            let kept = match network {
                Network::Telegram => ledger
                    .meta(&crate::publish::ledger::telegram_chat_key(&page.id.value))?
                    .unwrap_or_else(|| page.id.value.clone()),
                _ => page.id.value.clone(),
            };
            pages.insert((*network, kept), i);
        }
    }
    let starts: Vec<(Timestamp, IsoWeek)> =
        from.through(to).map(|w| (week_start(w, tz), w)).collect();
    let mut others = Others::new();
    ledger.visit_observed(
        week_start(from, tz),
        week_start(to.next(), tz),
        &mut |network, page, at, source| {
            if source == "vestnik" {
                return;
            }
            let Some(&i) = pages.get(&(network, page.to_owned())) else {
                return;
            };
            let k = starts.partition_point(|(start, _)| *start <= at);
            if let Some(&(_, week)) = k.checked_sub(1).and_then(|k| starts.get(k)) {
                *others.entry((i, network, week)).or_default() += 1;
            }
        },
    )?;
    Ok((audited, others))
}

/// The report's weeks: `--from` and `--to`, or a quarter up to the weeks that must be planned.
fn window(
    opts: &Options,
    registry: &Registry,
    current: IsoWeek,
) -> Result<(IsoWeek, IsoWeek), ReportError> {
    let to = opts
        .to
        .unwrap_or_else(|| (0..registry.rules.weeks_ahead.min(52)).fold(current, |w, _| w.next()));
    let from = opts.from.unwrap_or_else(|| {
        let monday = current.monday();
        let back = i64::try_from(DEFAULT_WEEKS_BACK).unwrap_or(12) * 7;
        monday
            .checked_sub(jiff::Span::new().days(back))
            .map_or(current, IsoWeek::of_date)
    });
    if from > to {
        return Err(ReportError::Window { from, to });
    }
    Ok((from, to))
}

/// Monday 00:00 of `week` in `tz`.
fn week_start(week: IsoWeek, tz: &TimeZone) -> Timestamp {
    tz.to_ambiguous_timestamp(week.monday().to_datetime(jiff::civil::Time::midnight()))
        .compatible()
        .unwrap_or(Timestamp::MIN)
}

fn problem(d: &Diagnostic) -> Problem {
    Problem {
        severity: d.severity,
        rule: d.rule.id(),
        file: d.file.clone(),
        line: d.pos.line,
        column: d.pos.column,
        message: d.message.clone(),
        hint: d.hint.clone(),
    }
}

/// The profile fields an organization lacks (the decree's section 2, item 3).
fn profile_missing(org: &Organization) -> Vec<&'static str> {
    let Some(p) = &org.profile else {
        return vec!["description", "address", "map", "phones", "hours"];
    };
    let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
    let mut missing = Vec::new();
    if blank(&p.description) {
        missing.push("description");
    }
    if blank(&p.address) {
        missing.push("address");
    }
    if blank(&p.map) {
        missing.push("map");
    }
    if p.phones.iter().all(|s| s.trim().is_empty()) {
        missing.push("phones");
    }
    if blank(&p.hours) {
        missing.push("hours");
    }
    missing
}

/// Since when `person` is responsible, when the registry's text is a date.
pub fn since_date(person: &Person) -> Option<jiff::civil::Date> {
    person.since.as_deref().and_then(date_of)
}

/// A date as people write it in the registry: `2026-09-01` or `01.09.2026`.
fn date_of(text: &str) -> Option<jiff::civil::Date> {
    let t = text.trim();
    if let Ok(d) = t.parse::<jiff::civil::Date>() {
        return Some(d);
    }
    let mut parts = t.split('.');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    jiff::civil::Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
}

fn totals(orgs: &[OrgReport]) -> Vec<NetworkTotal> {
    Network::ALL
        .into_iter()
        .map(|network| {
            let mut t = NetworkTotal {
                network: Some(network),
                ..NetworkTotal::default()
            };
            for page in orgs.iter().flat_map(|o| &o.pages) {
                if page.network != network {
                    continue;
                }
                t.pages += 1;
                for w in &page.weeks {
                    t.ready += w.ready;
                    t.external += w.external;
                    t.published += w.published;
                    t.failed += w.failed;
                    if w.meets {
                        t.weeks_met += 1;
                    } else {
                        t.weeks_short += 1;
                    }
                }
            }
            t
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::ledger::sqlite::SqliteLedger;
    use crate::publish::ledger::{ContentHash, Key, Planned};

    #[test]
    fn a_ledger_row_belongs_to_the_local_week_of_its_time() {
        let (registry, _) = Registry::parse(
            "timezone: Asia/Novokuznetsk\norganizations:\n  - id: school\n    name: Школа\n    required: true\n    pages:\n      vk: {id: 1}\n",
            "plans/registry.yaml",
        );
        let at = |local: &str| time::parse_when(local, &registry.tz).unwrap();
        let mut ledger = SqliteLedger::in_memory().unwrap();
        let rows: Vec<Planned> = [
            ("a", "2026-12-06 23:59"), // Sunday night: week 49
            ("b", "2026-12-07 00:00"), // Monday midnight local (Sunday 17:00 UTC): week 50
            ("c", "2026-11-29 23:59"), // before the report's first week
            ("d", "2026-12-14 00:00"), // after its last
        ]
        .iter()
        .map(|(post, due)| {
            let key = Key {
                org: "school".into(),
                post: (*post).into(),
                network: Network::Vk,
            };
            Planned::new(key, at(due), ContentHash::of(b"x"), "plans/school/x.md")
        })
        .collect();
        ledger
            .sync(
                &rows,
                &|_| false,
                at("2026-11-01 00:00"),
                jiff::SignedDuration::from_mins(30),
            )
            .unwrap();
        let (w49, w50): (IsoWeek, IsoWeek) =
            ("2026-W49".parse().unwrap(), "2026-W50".parse().unwrap());
        let mut seen = Vec::new();
        ledger
            .visit_due(
                week_start(w49, &registry.tz),
                week_start(w50.next(), &registry.tz),
                &mut |_, _, due, _| seen.push(due),
            )
            .unwrap();
        assert_eq!(seen.len(), 2, "rows outside the weeks are not read");
        // Scheduled rows count in no column, but each makes its week's entry.
        let sent = count_sent(&ledger, &registry, w49, w50).unwrap();
        let mut keys: Vec<_> = sent.keys().copied().collect();
        keys.sort();
        assert_eq!(keys, [(0, Network::Vk, w49), (0, Network::Vk, w50)]);
    }

    #[test]
    fn responsible_since_is_read_in_both_ways_people_write_dates() {
        let want = jiff::civil::date(2026, 9, 1);
        assert_eq!(date_of("2026-09-01"), Some(want));
        assert_eq!(date_of(" 01.09.2026 "), Some(want));
        assert_eq!(date_of("1.9.2026"), Some(want));
        assert_eq!(date_of("сентябрь 2026"), None);
        assert_eq!(date_of("31.02.2026"), None);
    }
}
