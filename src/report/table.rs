//! The report as tables: the rows of the «Реестр», «Недели» and «Проблемы» sheets (shared by
//! CSV and XLSX, so both carry the same rows), CSV itself, and JSON.
//!
//! JSON keys are a contract (documented in docs/report.md); column headers are for people and
//! follow the language.

use jiff::civil::Date;
use serde_json::{Value, json};

use super::{OrgReport, Person, Problem, Report, Week, since_date};

/// The version of the JSON document; raised when a key changes meaning or goes away.
pub const JSON_VERSION: u32 = 1;

/// One cell, typed so that a spreadsheet gets numbers and dates, not text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A count.
    Number(u32),
    /// A calendar date.
    Date(Date),
    /// Nothing.
    Empty,
}

impl Cell {
    fn text(s: impl Into<String>) -> Self {
        Cell::Text(s.into())
    }

    fn opt(s: Option<&str>) -> Self {
        s.filter(|s| !s.trim().is_empty())
            .map_or(Cell::Empty, Cell::text)
    }

    /// The cell as CSV and people read it: dates as `YYYY-MM-DD`.
    pub fn to_text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// One table's name, header and column widths; its rows come from [`each_row`], one at a
/// time (the «Недели» of a district's year are 80,000 rows: they are never all in memory).
#[derive(Debug, Clone)]
pub struct Sheet {
    /// The sheet's name («Реестр»).
    pub name: String,
    /// Column headers.
    pub header: Vec<String>,
    /// Widths of the columns, in characters (for spreadsheets).
    pub widths: Vec<u16>,
}

impl Table {
    /// Every table, in the order of the workbook's sheets.
    pub const ALL: [Table; 3] = [Table::Registry, Table::Weeks, Table::Problems];

    /// The table's name, header and widths.
    pub fn sheet(self) -> Sheet {
        let (name, columns, widths): (&str, &[&str], &[u16]) = match self {
            Table::Registry => (
                "report-sheet-registry",
                &[
                    "organization",
                    "network",
                    "page",
                    "verified",
                    "two-factor",
                    "gospubliki",
                    "responsible",
                    "position",
                    "phone",
                    "email",
                    "since",
                    "profile",
                    "website",
                    "id",
                ],
                &[40, 14, 32, 14, 12, 16, 28, 20, 18, 26, 14, 30, 28, 16],
            ),
            Table::Weeks => (
                "report-sheet-weeks",
                &[
                    "organization",
                    "network",
                    "page",
                    "week",
                    "monday",
                    "ready",
                    "external",
                    "drafts",
                    "published",
                    "failed",
                    "missed",
                    "uncertain",
                    "counted",
                    "basis",
                    "meets",
                    "id",
                ],
                &[40, 14, 32, 10, 12, 9, 9, 10, 12, 10, 10, 10, 11, 14, 12, 16],
            ),
            Table::Problems => (
                "report-sheet-problems",
                &[
                    "organization",
                    "severity",
                    "rule",
                    "file",
                    "line",
                    "column",
                    "message",
                    "hint",
                ],
                &[40, 14, 22, 36, 8, 8, 60, 60],
            ),
        };
        Sheet {
            name: crate::locale::text(name, &[]),
            header: columns
                .iter()
                .map(|id| crate::locale::text(&format!("report-col-{id}"), &[]))
                .collect(),
            widths: widths.to_vec(),
        }
    }
}

/// Calls `visit` with each row of `table`, in order.
pub fn each_row(report: &Report, table: Table, visit: &mut dyn FnMut(&[Cell])) {
    match table {
        Table::Registry => registry(report, visit),
        Table::Weeks => weeks(report, visit),
        Table::Problems => problems(report, visit),
    }
}

/// Which table `--format csv` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Table {
    /// Organization × page × week.
    #[default]
    Weeks,
    /// One row per organization and page.
    Registry,
    /// Every problem.
    Problems,
}

fn yes_no(v: Option<bool>) -> Cell {
    match v {
        Some(true) => Cell::text(crate::t!("report-yes")),
        Some(false) => Cell::text(crate::t!("report-no")),
        None => Cell::text(crate::t!("report-unknown")),
    }
}

fn gospubliki(v: Option<&str>) -> Cell {
    Cell::text(crate::t!(
        "report-gospubliki",
        state = v.unwrap_or("unknown")
    ))
}

/// «Реестр»: one row per organization and page (an organization without pages has one row with
/// the page's columns empty), with the columns ЦУР asks for.
fn registry(report: &Report, visit: &mut dyn FnMut(&[Cell])) {
    for org in &report.organizations {
        let person = org.responsible.clone().unwrap_or_default();
        let mut row = |page: [Cell; 4]| {
            let [network, url, verified, two_factor] = page;
            visit(&[
                Cell::text(&org.name),
                network,
                url,
                verified,
                two_factor,
                gospubliki(org.gospubliki),
                Cell::opt(person.name.as_deref()),
                Cell::opt(person.position.as_deref()),
                Cell::opt(person.phone.as_deref()),
                Cell::opt(person.email.as_deref()),
                since(&person),
                profile(org),
                Cell::opt(org.website.as_deref()),
                Cell::text(&org.id),
            ]);
        };
        if org.pages.is_empty() {
            row([Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty]);
        }
        for page in &org.pages {
            row([
                Cell::text(page.network.full_name()),
                page.url.as_deref().map_or(Cell::text(&page.id), Cell::text),
                yes_no(page.verified),
                yes_no(page.two_factor),
            ]);
        }
    }
}

/// «С какого числа»: a real date when the registry's text is one, else the text as written.
fn since(p: &Person) -> Cell {
    match (since_date(p), p.since.as_deref()) {
        (Some(d), _) => Cell::Date(d),
        (None, text) => Cell::opt(text),
    }
}

fn profile(org: &OrgReport) -> Cell {
    if org.profile_missing.is_empty() {
        return Cell::text(crate::t!("report-profile-complete"));
    }
    let missing: Vec<String> = org
        .profile_missing
        .iter()
        .map(|f| crate::t!("report-profile-field", field = *f))
        .collect();
    Cell::text(crate::t!(
        "report-profile-missing",
        fields = missing.join(", ")
    ))
}

/// «Недели»: one row per organization, page and week.
fn weeks(report: &Report, visit: &mut dyn FnMut(&[Cell])) {
    for org in &report.organizations {
        for page in &org.pages {
            let url = page.url.clone().unwrap_or_else(|| page.id.clone());
            for w in &page.weeks {
                visit(&week_row(org, &page.network.full_name(), &url, w));
            }
        }
    }
}
fn week_row(org: &OrgReport, network: &str, url: &str, w: &Week) -> [Cell; 16] {
    [
        Cell::text(&org.name),
        Cell::text(network),
        Cell::text(url),
        Cell::text(w.week.to_string()),
        Cell::Date(w.week.monday()),
        Cell::Number(w.ready),
        Cell::Number(w.external),
        Cell::Number(w.drafts),
        Cell::Number(w.published),
        Cell::Number(w.failed),
        Cell::Number(w.missed),
        Cell::Number(w.uncertain),
        Cell::Number(w.counted),
        Cell::text(crate::t!("report-basis", basis = w.basis.key())),
        yes_no(Some(w.meets)),
        Cell::text(&org.id),
    ]
}

/// «Проблемы»: every finding of `check`, organization by organization, then the general ones.
fn problems(report: &Report, visit: &mut dyn FnMut(&[Cell])) {
    let general = crate::t!("report-general");
    let all = report
        .organizations
        .iter()
        .flat_map(|o| o.problems.iter().map(move |p| (o.name.as_str(), p)))
        .chain(report.general.iter().map(|p| (general.as_str(), p)));
    for (org, p) in all {
        visit(&[
            Cell::text(org),
            Cell::text(p.severity.label()),
            Cell::text(p.rule),
            Cell::text(&p.file),
            Cell::Number(p.line),
            Cell::Number(p.column),
            Cell::text(&p.message),
            Cell::opt(p.hint.as_deref()),
        ]);
    }
}

/// One table as CSV: UTF-8 with a byte order mark (so Excel reads Cyrillic), `separator`
/// between fields (`,`, or `;` for a Russian Excel), quoted where needed, CRLF line ends.
pub fn to_csv(report: &Report, table: Table, separator: u8) -> Vec<u8> {
    let sheet = table.sheet();
    let mut out = Vec::new();
    out.extend_from_slice("\u{feff}".as_bytes());
    let mut w = csv::WriterBuilder::new()
        .delimiter(separator)
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    // Writing to memory cannot fail; a failure would only mean a bug in `csv`.
    let _ = w.write_record(&sheet.header);
    let mut record = Vec::new();
    each_row(report, table, &mut |row| {
        record.clear();
        record.extend(row.iter().map(Cell::to_text));
        let _ = w.write_record(&record);
    });
    w.into_inner().unwrap_or_default()
}

/// The report as JSON: the keys documented in docs/report.md, stable.
pub fn to_json(report: &Report) -> String {
    let problem = |p: &Problem| {
        json!({
            "severity": p.severity.as_str(),
            "rule": p.rule,
            "file": p.file,
            "line": p.line,
            "column": p.column,
            "message": p.message,
            "hint": p.hint,
        })
    };
    let organizations: Vec<Value> = report
        .organizations
        .iter()
        .map(|o| {
            json!({
                "id": o.id,
                "name": o.name,
                "required": o.required,
                "website": o.website,
                "gospubliki": o.gospubliki,
                "responsible": o.responsible.as_ref().map(|p| json!({
                    "name": p.name,
                    "position": p.position,
                    "phone": p.phone,
                    "email": p.email,
                    "since": since_date(p).map(|d| d.to_string()).or_else(|| p.since.clone()),
                })),
                "profile_missing": o.profile_missing,
                "comments": {"deleted": o.comments_deleted, "reported": o.comments_reported},
                "pages": o.pages.iter().map(|p| json!({
                    "network": p.network.key(),
                    "id": p.id,
                    "url": p.url,
                    "verified": p.verified,
                    "two_factor": p.two_factor,
                    "weeks": p.weeks.iter().map(|w| json!({
                        "week": w.week.to_string(),
                        "ready": w.ready,
                        "external": w.external,
                        "drafts": w.drafts,
                        "published": w.published,
                        "failed": w.failed,
                        "missed": w.missed,
                        "uncertain": w.uncertain,
                        "counted": w.counted,
                        "basis": w.basis.key(),
                        "meets": w.meets,
                        "observed": w.observed,
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "problems": o.problems.iter().map(problem).collect::<Vec<_>>(),
            })
        })
        .collect();
    let v = json!({
        "version": JSON_VERSION,
        "generated": report.now.to_string(),
        "zone": report.zone,
        "from": report.weeks.first().map(ToString::to_string),
        "to": report.weeks.last().map(ToString::to_string),
        "current_week": report.current.to_string(),
        "min_posts_per_week": report.minimum,
        "ledger": report.with_ledger,
        "totals": report.totals.iter().map(|t| json!({
            "network": t.network.map(|n| n.key()),
            "pages": t.pages,
            "ready": t.ready,
            "external": t.external,
            "published": t.published,
            "failed": t.failed,
            "weeks_met": t.weeks_met,
            "weeks_short": t.weeks_short,
        })).collect::<Vec<_>>(),
        "organizations": organizations,
        "problems": report.general.iter().map(problem).collect::<Vec<_>>(),
    });
    format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
}
