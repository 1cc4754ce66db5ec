//! The report as one self-contained HTML page the head of the МЦУ can mail: nothing is fetched
//! to open it (the style is inline, the chart is inline SVG, there are no scripts or fonts).
//!
//! - A heat map, organization × week: each cell holds the count of the organization's weakest
//!   page that week and a sign (✓ reaches the minimum, ✗ does not), so it reads without colour
//!   and in black-and-white print; the colour repeats it.
//! - Totals per network, and a chart of publications per week (published with a ledger,
//!   planned without).
//! - One section per organization: the registry's state, the pages with their links, the
//!   problems `check` finds.
//!
//! On a phone (375 px) the heat map scrolls sideways with the organizations' column held; the
//! print stylesheet drops the colours and breaks sections cleanly.

use std::fmt::Write as _;

use super::{Basis, OrgReport, Report};
use crate::plan::time::IsoWeek;
use crate::render::markdown::{escape_attr, escape_into};
use crate::render::page;

const STYLE: &str = "\
body{font:15px/1.45 system-ui,sans-serif;margin:1rem;color:#111}
h2{margin-top:2rem}
.note{background:#fff6d6;border-left:4px solid #e0b400;padding:.5rem .75rem}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse}
caption{text-align:left;padding:.25rem 0;color:#444}
th,td{border:1px solid #bbb;padding:.2rem .35rem;text-align:left;vertical-align:top}
table.heat td,table.heat th{text-align:center;white-space:nowrap;font-variant-numeric:tabular-nums}
table.heat th.org,table.heat td.org{text-align:left;position:sticky;left:0;background:#fff;white-space:normal;min-width:14rem;max-width:22rem}
td.ok{background:#d9f2d9}
td.short{background:#f9d4d4;font-weight:bold}
td.none{color:#777}
td.plan{font-style:italic}
th.now{outline:2px solid #333}
.legend span{display:inline-block;margin-right:1rem}
svg{max-width:100%;height:auto}
section.org{border-top:1px solid #ccc;margin-top:1.5rem}
ul{padding-left:1.25rem}
.err{color:#a00}
@media (max-width:600px){body{margin:.5rem}table.heat th.org,table.heat td.org{min-width:7rem}}
@media print{td.ok,td.short,.note{background:none}.scroll{overflow:visible}section.org{break-inside:avoid-page}a{color:#000}}";

/// The page.
pub fn to_html(report: &Report) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let title = crate::t!("report-title");
    page::open(&mut out, &title, STYLE);
    para(
        &mut out,
        &crate::t!(
            "report-intro",
            from = day(report.weeks.first().map(|w| w.monday())),
            to = day(report.weeks.last().map(|w| w.sunday())),
            first = report
                .weeks
                .first()
                .map(ToString::to_string)
                .unwrap_or_default(),
            last = report
                .weeks
                .last()
                .map(ToString::to_string)
                .unwrap_or_default(),
            now = crate::plan::time::human(report.now, &report.tz, true),
            min = report.minimum
        ),
        None,
    );
    if !report.with_ledger {
        para(&mut out, &crate::t!("report-plan-only"), Some("note"));
    }
    heat_map(&mut out, report);
    totals(&mut out, report);
    trend(&mut out, report);
    if !report.general.is_empty() {
        heading(&mut out, 2, &crate::t!("report-general"), None);
        problems(&mut out, &report.general);
    }
    heading(&mut out, 2, &crate::t!("report-organizations"), None);
    for org in &report.organizations {
        organization(&mut out, org);
    }
    page::close(&mut out);
    out
}

/// `30.11.2026`.
fn day(date: Option<jiff::civil::Date>) -> String {
    date.map_or_else(String::new, |d| {
        format!("{:02}.{:02}.{}", d.day(), d.month(), d.year())
    })
}

fn para(out: &mut String, text: &str, class: Option<&str>) {
    match class {
        Some(c) => {
            let _ = write!(out, "<p class=\"{c}\">");
        }
        None => out.push_str("<p>"),
    }
    escape_into(out, text, false);
    out.push_str("</p>\n");
}

fn heading(out: &mut String, level: u8, text: &str, id: Option<&str>) {
    let _ = write!(out, "<h{level}");
    if let Some(id) = id {
        out.push_str(" id=\"");
        escape_into(out, id, true);
        out.push('"');
    }
    out.push('>');
    escape_into(out, text, false);
    let _ = writeln!(out, "</h{level}>");
}

/// The organization × week table.
fn heat_map(out: &mut String, report: &Report) {
    heading(out, 2, &crate::t!("report-heat-title"), None);
    out.push_str("<p class=\"legend\"><span>");
    escape_into(
        out,
        &crate::t!("report-legend-ok", min = report.minimum),
        false,
    );
    out.push_str("</span><span>");
    escape_into(
        out,
        &crate::t!("report-legend-short", min = report.minimum),
        false,
    );
    out.push_str("</span><span>");
    escape_into(out, &crate::t!("report-legend-plan"), false);
    out.push_str("</span></p>\n<div class=\"scroll\">\n<table class=\"heat\">\n<caption>");
    escape_into(out, &crate::t!("report-heat-caption"), false);
    out.push_str("</caption>\n<thead><tr><th class=\"org\" scope=\"col\">");
    escape_into(out, &crate::t!("report-col-organization"), false);
    out.push_str("</th>");
    for w in &report.weeks {
        let now = if *w == report.current {
            " class=\"now\""
        } else {
            ""
        };
        let _ = write!(out, "<th scope=\"col\"{now} title=\"");
        escape_into(out, &w.span_label(), true);
        let _ = write!(out, "\">{:02}</th>", w.week());
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for org in &report.organizations {
        out.push_str("<tr><th class=\"org\" scope=\"row\"><a href=\"#org-");
        escape_into(out, &org.id, true);
        out.push_str("\">");
        escape_into(out, &org.name, false);
        out.push_str("</a></th>");
        for (i, w) in report.weeks.iter().enumerate() {
            cell(out, report, org, i, *w);
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
}

/// One cell: the count of the organization's weakest page that week.
fn cell(out: &mut String, report: &Report, org: &OrgReport, i: usize, week: IsoWeek) {
    let weeks: Vec<(&super::PageReport, &super::Week)> = org
        .pages
        .iter()
        .filter_map(|p| p.weeks.get(i).map(|w| (p, w)))
        .collect();
    let _ = write!(
        out,
        "<td data-org=\"{}\" data-week=\"{week}\"",
        escape_attr(&org.id)
    );
    let Some(weakest) = weeks.iter().map(|(_, w)| w.counted).min() else {
        out.push_str(" class=\"none\" title=\"");
        escape_into(out, &crate::t!("report-no-pages"), true);
        out.push_str("\">—</td>");
        return;
    };
    let meets = weakest >= report.minimum;
    let planned = weeks.iter().any(|(_, w)| w.basis == Basis::Planned);
    let _ = write!(
        out,
        " class=\"{}{}\" title=\"",
        if meets { "ok" } else { "short" },
        if planned { " plan" } else { "" }
    );
    let detail: Vec<String> = weeks
        .iter()
        .map(|(p, w)| format!("{}: {}", p.network.full_name(), w.counted))
        .collect();
    escape_into(
        out,
        &format!("{} · {}", week.span_label(), detail.join(", ")),
        true,
    );
    let _ = write!(
        out,
        "\">{weakest}{}</td>",
        if meets { "\u{a0}✓" } else { "\u{a0}✗" }
    );
}

/// Totals per network.
fn totals(out: &mut String, report: &Report) {
    heading(out, 2, &crate::t!("report-totals-title"), None);
    out.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for id in [
        "network",
        "pages",
        "ready",
        "external",
        "published",
        "failed",
        "weeks-met",
        "weeks-short",
    ] {
        out.push_str("<th scope=\"col\">");
        escape_into(
            out,
            &crate::locale::text(&format!("report-col-{id}"), &[]),
            false,
        );
        out.push_str("</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for t in &report.totals {
        out.push_str("<tr><th scope=\"row\">");
        if let Some(n) = t.network {
            escape_into(out, &n.full_name(), false);
        }
        out.push_str("</th>");
        for n in [
            t.pages,
            t.ready,
            t.external,
            t.published,
            t.failed,
            t.weeks_met,
            t.weeks_short,
        ] {
            let _ = write!(out, "<td>{n}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
}

/// Publications per week as an SVG bar chart, with the minimum for all pages as a line.
fn trend(out: &mut String, report: &Report) {
    let title = if report.with_ledger {
        crate::t!("report-trend-published")
    } else {
        crate::t!("report-trend-planned")
    };
    heading(out, 2, &title, None);
    let pages: u32 = report.totals.iter().map(|t| t.pages).sum();
    let goal = pages.saturating_mul(report.minimum);
    let top = report
        .trend
        .iter()
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(0)
        .max(goal)
        .max(1);
    let n = report.trend.len().max(1);
    let (left, bottom, plot_h) = (48.0_f64, 28.0_f64, 200.0_f64);
    let bar = (720.0 / n as f64).clamp(4.0, 40.0);
    let width = left + bar * n as f64 + 10.0;
    let height = plot_h + bottom + 10.0;
    let y = |v: u32| 10.0 + plot_h - plot_h * f64::from(v) / f64::from(top);
    let _ = write!(
        out,
        "<svg role=\"img\" viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\" xmlns=\"http://www.w3.org/2000/svg\"><title>"
    );
    escape_into(out, &title, false);
    out.push_str("</title><desc>");
    let desc: Vec<String> = report
        .trend
        .iter()
        .map(|(w, n)| format!("{w}: {n}"))
        .collect();
    escape_into(out, &desc.join(", "), false);
    out.push_str("</desc>\n");
    let _ = writeln!(
        out,
        "<line x1=\"{left}\" y1=\"{:.1}\" x2=\"{width:.0}\" y2=\"{:.1}\" stroke=\"#999\"/>",
        y(0),
        y(0)
    );
    let _ = writeln!(
        out,
        "<text x=\"{:.0}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{top}</text><text x=\"{:.0}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">0</text>",
        left - 4.0,
        y(top) + 4.0,
        left - 4.0,
        y(0) + 4.0
    );
    for (i, (week, count)) in report.trend.iter().enumerate() {
        let x = left + bar * i as f64;
        let _ = write!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#4a78b5\"><title>{} · {count}</title></rect>",
            x + 1.0,
            y(*count),
            (bar - 2.0).max(1.0),
            y(0) - y(*count),
            week.span_label()
        );
        if i % (n / 13 + 1) == 0 {
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{:02}</text>",
                x + bar / 2.0,
                y(0) + 14.0,
                week.week()
            );
        }
        out.push('\n');
    }
    if goal > 0 {
        let _ = write!(
            out,
            "<line x1=\"{left}\" y1=\"{:.1}\" x2=\"{width:.0}\" y2=\"{:.1}\" stroke=\"#c00\" stroke-dasharray=\"6 4\"/><text x=\"{width:.0}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#c00\">",
            y(goal),
            y(goal),
            y(goal) - 4.0
        );
        escape_into(
            out,
            &crate::t!("report-trend-goal", goal = goal, min = report.minimum),
            false,
        );
        out.push_str("</text>\n");
    }
    out.push_str("</svg>\n");
}

fn organization(out: &mut String, org: &OrgReport) {
    let _ = writeln!(
        out,
        "<section class=\"org\" id=\"org-{}\">",
        escape_attr(&org.id)
    );
    heading(out, 3, &org.name, None);
    out.push_str("<ul>\n");
    let mut item = |text: String| {
        out.push_str("<li>");
        escape_into(out, &text, false);
        out.push_str("</li>\n");
    };
    item(crate::t!(
        "report-org-required",
        required = if org.required { "yes" } else { "no" }
    ));
    item(crate::t!(
        "report-org-gospubliki",
        state = crate::t!(
            "report-gospubliki",
            state = org.gospubliki.unwrap_or("unknown")
        )
    ));
    let person = org.responsible.as_ref().map(|p| {
        [&p.name, &p.position, &p.phone, &p.email]
            .into_iter()
            .filter_map(|v| v.as_deref())
            .filter(|v| !v.trim().is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    });
    item(
        match (
            &person,
            org.responsible.as_ref().and_then(|p| p.since.as_deref()),
        ) {
            (Some(p), Some(since)) if !p.is_empty() => {
                crate::t!(
                    "report-org-responsible-since",
                    who = p.as_str(),
                    since = since
                )
            }
            (Some(p), _) if !p.is_empty() => crate::t!("report-org-responsible", who = p.as_str()),
            _ => crate::t!("report-org-no-responsible"),
        },
    );
    let profile = if org.profile_missing.is_empty() {
        crate::t!("report-profile-complete")
    } else {
        let fields: Vec<String> = org
            .profile_missing
            .iter()
            .map(|f| crate::t!("report-profile-field", field = *f))
            .collect();
        crate::t!("report-profile-missing", fields = fields.join(", "))
    };
    item(crate::t!("report-org-profile", state = profile));
    if let Some(site) = &org.website {
        item(crate::t!("site-website", url = site.as_str()));
    }
    if org.comments_deleted + org.comments_reported > 0 {
        item(crate::t!(
            "report-org-comments",
            deleted = org.comments_deleted,
            reported = org.comments_reported
        ));
    }
    out.push_str("</ul>\n");
    if org.pages.is_empty() {
        para(out, &crate::t!("report-no-pages"), None);
    } else {
        out.push_str("<ul>\n");
        for p in &org.pages {
            out.push_str("<li>");
            escape_into(out, &p.network.full_name(), false);
            out.push_str(": ");
            match &p.url {
                Some(url) => {
                    out.push_str("<a href=\"");
                    escape_into(out, url, true);
                    out.push_str("\" rel=\"noopener noreferrer\">");
                    escape_into(out, url, false);
                    out.push_str("</a>");
                }
                None => escape_into(out, &p.id, false),
            }
            out.push_str(" — ");
            let short = p.weeks.iter().filter(|w| !w.meets).count();
            escape_into(
                out,
                &crate::t!(
                    "report-page-state",
                    verified = flag(p.verified),
                    two_factor = flag(p.two_factor),
                    short = short,
                    weeks = p.weeks.len()
                ),
                false,
            );
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n");
    }
    if org.problems.is_empty() {
        para(out, &crate::t!("report-no-problems"), None);
    } else {
        problems(out, &org.problems);
    }
    out.push_str("</section>\n");
}

fn flag(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

fn problems(out: &mut String, list: &[super::Problem]) {
    out.push_str("<ul>\n");
    for p in list {
        let class = match p.severity {
            crate::plan::diagnostic::Severity::Error => " class=\"err\"",
            crate::plan::diagnostic::Severity::Warning => "",
        };
        let _ = write!(out, "<li{class}>");
        escape_into(
            out,
            &format!(
                "{}:{}:{} {} [{}]: {}",
                p.file,
                p.line,
                p.column,
                p.severity.label(),
                p.rule,
                p.message
            ),
            false,
        );
        if let Some(h) = &p.hint {
            out.push_str("<br>");
            escape_into(out, &crate::t!("report-hint", hint = h.as_str()), false);
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
}
