//! `vestnik calendar`: the content plan as an iCalendar feed (RFC 5545) that Яндекс Календарь,
//! Google and Outlook subscribe to, and as an HTML month view with each week's count against the
//! minimum and the short weeks marked (п. 3.1 of the decree: plan the content).
//!
//! One event per post (drafts and external posts included and marked), with a UID stable across
//! edits (`<org>/<post id>`), the time in UTC (`…Z`), so every client shows the district's local
//! time. The ICS writer is small and hand-made: escaping and 75-octet line folding are the whole
//! of what RFC 5545 asks of a feed this simple.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::plan::diagnostic::Severity;
use crate::plan::network::Network;
use crate::plan::registry::Registry;
use crate::plan::repo::FileKind;
use crate::plan::time::IsoWeek;
use crate::plan::{self, Post, Status};
use crate::render::markdown::{Flavor, escape_into, render};

/// Why there is no calendar.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    /// The repository or its registry cannot be read.
    #[error(transparent)]
    Registry(#[from] crate::plan::repo::RegistryError),
    /// `plans/` cannot be listed.
    #[error("plans/: {0}")]
    Plans(#[source] std::io::Error),
    /// `--org` names no organization of the registry.
    #[error("no organization `{0}` in the registry")]
    UnknownOrg(String),
}

impl CalendarError {
    /// Why, in the process's language.
    pub fn message(&self) -> String {
        match self {
            CalendarError::Registry(e) => e.message(),
            CalendarError::Plans(e) => format!("plans/: {}", crate::plan::repo::io_words(e)),
            CalendarError::UnknownOrg(id) => crate::t!("site-unknown-org", org = id.as_str()),
        }
    }
}

/// One post of the plan as the calendar shows it.
#[derive(Debug, Clone)]
pub struct Event {
    /// Organization id.
    pub org: String,
    /// Organization name.
    pub org_name: String,
    /// Post id (stable within the organization).
    pub id: String,
    /// When it is due.
    pub when: Timestamp,
    /// Title, or the start of the text.
    pub title: String,
    /// The text as VK and OK show it (plain), shortened.
    pub text: String,
    /// Draft (planned topic) or ready.
    pub status: Status,
    /// Published elsewhere (Госпаблики…): counts, not sent by vestnik.
    pub external: bool,
    /// The networks it goes to.
    pub networks: Vec<Network>,
    /// The plan file.
    pub file: String,
}

/// The plan read for a calendar: the registry, every dated post in time order, and the files
/// that have errors (their posts may be missing: `vestnik check` tells why).
pub struct Plan {
    /// The registry.
    pub registry: Registry,
    /// The posts, earliest first.
    pub events: Vec<Event>,
    /// Files with errors.
    pub broken: Vec<String>,
}

/// The month view's style.
const STYLE: &str = "body{font:15px/1.4 system-ui,sans-serif;margin:1rem}\ntable{border-collapse:collapse;width:100%;table-layout:fixed;margin-bottom:2rem}\nth,td{border:1px solid #bbb;vertical-align:top;padding:.25rem;overflow-wrap:anywhere}\ntd.out{color:#999;background:#f6f6f6}\n.draft{font-style:italic;color:#555}\n.short{background:#fde2e2}\n.ok{background:#e3f4e3}\n.day{font-weight:bold}\nul{margin:0;padding-left:1rem}\n@media (max-width:600px){table,thead,tbody,tr,th,td{display:block;width:auto}thead{display:none}td.out{display:none}}\n@media print{.short,.ok{background:none}}";

/// How much of a post's text goes into an event's description.
const DESCRIPTION_CHARS: usize = 500;

/// Reads the plans under `root` (of the organization `only`, when given).
///
/// Fails when the repository or its registry cannot be read, or `only` is unknown.
pub fn read(root: &Path, only: Option<&str>) -> Result<Plan, CalendarError> {
    let (repo, registry) = crate::plan::repo::read_registry(root)?;
    if let Some(id) = only
        && registry.org(id).is_none()
    {
        return Err(CalendarError::UnknownOrg(id.to_owned()));
    }
    let files = repo.plan_files().map_err(CalendarError::Plans)?;
    let mut events = Vec::new();
    let mut broken = Vec::new();
    for f in files {
        if f.kind == FileKind::Other || only.is_some_and(|o| o != &*f.folder) {
            continue;
        }
        let Ok(text) = repo.read_text(&f.rel) else {
            broken.push(f.rel.clone());
            continue;
        };
        let mut diags = Vec::new();
        let posts: Vec<Post> = match f.kind {
            FileKind::Post => {
                plan::parse_markdown(&f.rel, &f.folder, &text, &registry.tz, &mut diags)
                    .into_iter()
                    .collect()
            }
            _ => plan::parse_plan(&f.rel, &f.folder, &text, &registry.tz, &mut diags),
        };
        if diags.iter().any(|d| d.severity == Severity::Error) {
            broken.push(f.rel.clone());
        }
        for post in posts {
            if let Some(e) = event(&registry, &post) {
                events.push(e);
            }
        }
    }
    events.sort_by(|a, b| (a.when, &a.org, &a.id).cmp(&(b.when, &b.org, &b.id)));
    Ok(Plan {
        registry,
        events,
        broken,
    })
}

fn event(reg: &Registry, post: &Post) -> Option<Event> {
    let when = post.when.as_ref()?.value;
    let org = reg.org(&post.org.value);
    let pages: Vec<Network> = org
        .map(|o| o.pages.keys().copied().collect())
        .unwrap_or_default();
    let plain = render(&post.text.markdown, Flavor::Plain).markup;
    let first = plain
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let title = post
        .title
        .clone()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| shorten(first, 80));
    Some(Event {
        org: post.org.value.clone(),
        org_name: org.map_or_else(|| post.org.value.clone(), |o| o.name.value.clone()),
        id: post.id.to_string(),
        when,
        title,
        text: shorten(plain.trim(), DESCRIPTION_CHARS),
        status: post.status,
        external: post.external.is_some(),
        networks: post.targets(pages),
        file: post.file.clone(),
    })
}

fn shorten(s: &str, chars: usize) -> String {
    match s.char_indices().nth(chars) {
        Some((cut, _)) => format!("{}…", s[..cut].trim_end()),
        None => s.to_owned(),
    }
}

/// The mark of a post that is not simply ready: «черновик», «внешняя».
fn mark(e: &Event) -> Option<String> {
    if e.status == Status::Draft {
        Some(crate::t!("calendar-draft"))
    } else if e.external {
        Some(crate::t!("calendar-external"))
    } else {
        None
    }
}

/// TEXT escaping of RFC 5545 (3.3.11).
fn ics_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Writes one content line, folded at 75 octets without splitting a character (RFC 5545 3.1).
fn ics_line(out: &mut String, line: &str) {
    let mut len = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if len + n > 75 {
            out.push_str("\r\n ");
            len = 1;
        }
        out.push(c);
        len += n;
    }
    out.push_str("\r\n");
}

fn ics_time(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// The feed: one VEVENT per post (30 minutes long, at its time in UTC), `stamp` as DTSTAMP.
pub fn to_ics(plan: &Plan, stamp: Timestamp) -> String {
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//vestnik//content plan//RU",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        ics_line(&mut out, l);
    }
    ics_line(
        &mut out,
        &format!("X-WR-CALNAME:{}", ics_text(&crate::t!("calendar-title"))),
    );
    ics_line(
        &mut out,
        &format!("X-WR-TIMEZONE:{}", plan.registry.timezone_name),
    );
    for e in &plan.events {
        ics_line(&mut out, "BEGIN:VEVENT");
        ics_line(
            &mut out,
            &format!("UID:{}/{}@vestnik", e.org, ics_text(&e.id)),
        );
        ics_line(&mut out, &format!("DTSTAMP:{}", ics_time(stamp)));
        ics_line(&mut out, &format!("DTSTART:{}", ics_time(e.when)));
        ics_line(&mut out, "DURATION:PT30M");
        let summary = match mark(e) {
            Some(m) => format!("[{m}] {}: {}", e.org_name, e.title),
            None => format!("{}: {}", e.org_name, e.title),
        };
        ics_line(&mut out, &format!("SUMMARY:{}", ics_text(&summary)));
        let networks: Vec<String> = e.networks.iter().map(ToString::to_string).collect();
        let description = crate::t!(
            "calendar-description",
            text = e.text.as_str(),
            networks = networks.join(", "),
            file = e.file.as_str()
        );
        ics_line(&mut out, &format!("DESCRIPTION:{}", ics_text(&description)));
        if !networks.is_empty() {
            let cats: Vec<String> = networks.iter().map(|n| ics_text(n)).collect();
            ics_line(&mut out, &format!("CATEGORIES:{}", cats.join(",")));
        }
        ics_line(
            &mut out,
            if e.status == Status::Draft {
                "STATUS:TENTATIVE"
            } else {
                "STATUS:CONFIRMED"
            },
        );
        ics_line(&mut out, "TRANSP:TRANSPARENT");
        ics_line(&mut out, "END:VEVENT");
    }
    ics_line(&mut out, "END:VCALENDAR");
    out
}

/// The month view: for each month with posts, a table of its weeks (Monday first), each day
/// with its posts, and each week's count of publications that count (ready or external) per
/// organization against the registry's minimum; a week below it is marked in words, not by
/// colour alone.
pub fn to_html(plan: &Plan) -> String {
    let reg = &plan.registry;
    let min = reg.rules.min_posts_per_week;
    let tz = &reg.tz;
    let mut by_day: BTreeMap<Date, Vec<&Event>> = BTreeMap::new();
    let mut per_week: BTreeMap<(IsoWeek, &str), u32> = BTreeMap::new();
    for e in &plan.events {
        by_day
            .entry(tz.to_datetime(e.when).date())
            .or_default()
            .push(e);
        if e.status == Status::Ready || e.external {
            *per_week
                .entry((IsoWeek::of(e.when, tz), e.org_name.as_str()))
                .or_default() += 1;
        }
    }
    let orgs: Vec<&str> = {
        let mut o: Vec<&str> = plan.events.iter().map(|e| e.org_name.as_str()).collect();
        o.sort_unstable();
        o.dedup();
        o
    };
    let mut out = String::new();
    crate::render::page::open(&mut out, &crate::t!("calendar-title"), STYLE);
    if let (Some(first), Some(last)) = (by_day.keys().next(), by_day.keys().next_back()) {
        let mut month = first.first_of_month();
        while month <= *last {
            month_table(&mut out, month, &by_day, &per_week, &orgs, min, tz);
            month = match month.checked_add(jiff::Span::new().months(1)) {
                Ok(m) => m,
                Err(_) => break,
            };
        }
    } else {
        out.push_str("<p>");
        escape_into(&mut out, &crate::t!("calendar-empty"), false);
        out.push_str("</p>\n");
    }
    crate::render::page::close(&mut out);
    out
}

fn month_table(
    out: &mut String,
    month: Date,
    by_day: &BTreeMap<Date, Vec<&Event>>,
    per_week: &BTreeMap<(IsoWeek, &str), u32>,
    orgs: &[&str],
    min: u32,
    tz: &jiff::tz::TimeZone,
) {
    let _ = write!(
        out,
        "<h2>{}</h2>\n<table>\n<thead><tr>",
        crate::t!(
            "calendar-month",
            month = i64::from(month.month()),
            year = month.year().to_string()
        )
    );
    for d in 1..=7 {
        out.push_str("<th>");
        escape_into(out, &crate::t!("date-weekday", weekday = d), false);
        out.push_str("</th>");
    }
    out.push_str("<th>");
    escape_into(out, &crate::t!("calendar-week"), false);
    out.push_str("</th></tr></thead>\n<tbody>\n");
    // The Monday of the week the month starts in.
    let lead = i64::from(month.weekday().to_monday_zero_offset());
    let mut monday = month
        .checked_sub(jiff::Span::new().days(lead))
        .unwrap_or(month);
    let last = month.last_of_month();
    while monday <= last {
        out.push_str("<tr>");
        for i in 0..7 {
            let Ok(day) = monday.checked_add(jiff::Span::new().days(i)) else {
                continue;
            };
            if day.month() != month.month() {
                out.push_str("<td class=\"out\"></td>");
                continue;
            }
            let _ = write!(out, "<td><div class=\"day\">{}</div>", day.day());
            if let Some(events) = by_day.get(&day) {
                out.push_str("<ul>");
                for e in events {
                    let draft = e.status == Status::Draft;
                    out.push_str(if draft {
                        "<li class=\"draft\">"
                    } else {
                        "<li>"
                    });
                    escape_into(
                        out,
                        &tz.to_datetime(e.when).strftime("%H:%M").to_string(),
                        false,
                    );
                    out.push(' ');
                    if let Some(m) = mark(e) {
                        escape_into(out, &format!("[{m}] "), false);
                    }
                    if orgs.len() > 1 {
                        escape_into(out, &format!("{}: ", e.org_name), false);
                    }
                    escape_into(out, &e.title, false);
                    out.push_str("</li>");
                }
                out.push_str("</ul>");
            }
            out.push_str("</td>");
        }
        let week = IsoWeek::of_date(monday);
        let counts: Vec<(&str, u32)> = orgs
            .iter()
            .map(|o| (*o, per_week.get(&(week, *o)).copied().unwrap_or(0)))
            .collect();
        let short: Vec<&(&str, u32)> = counts.iter().filter(|(_, n)| *n < min).collect();
        let _ = write!(
            out,
            "<td class=\"{}\">",
            if short.is_empty() { "ok" } else { "short" }
        );
        if orgs.len() == 1 {
            let n = counts.first().map_or(0, |c| c.1);
            escape_into(
                out,
                &crate::t!("calendar-week-count", count = n, min = min),
                false,
            );
            if n < min {
                out.push_str("<br>");
                escape_into(out, &crate::t!("calendar-week-short"), false);
            }
        } else if short.is_empty() {
            escape_into(out, &crate::t!("calendar-week-all-ok", min = min), false);
        } else {
            escape_into(out, &crate::t!("calendar-week-below", min = min), false);
            out.push_str("<ul>");
            for (o, n) in short {
                out.push_str("<li>");
                escape_into(out, &format!("{o}: {n}"), false);
                out.push_str("</li>");
            }
            out.push_str("</ul>");
        }
        out.push_str("</td></tr>\n");
        monday = match monday.checked_add(jiff::Span::new().days(7)) {
            Ok(m) => m,
            Err(_) => break,
        };
    }
    out.push_str("</tbody>\n</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_folded_at_75_octets_without_splitting_a_character() {
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "ё".repeat(60));
        ics_line(&mut out, &long);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets: {l}", l.len());
        }
        // Unfolded, the line is whole again.
        assert_eq!(out.replace("\r\n ", "").trim_end(), long);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(ics_text("a, b; c\\d\ne"), "a\\, b\\; c\\\\d\\ne");
    }
}
