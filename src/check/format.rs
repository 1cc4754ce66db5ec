//! Printing a check's findings: for people (`path:line:col`, the source line with a caret, the
//! hint), for machines (one JSON object), for GitHub Actions (workflow annotations) and for
//! GitLab's merge-request widget (a Code Quality report).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::check::Report;
use crate::plan::diagnostic::Severity;
use crate::plan::repo::Repo;
use crate::plan::source;

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: positions, source lines with carets, hints.
    Human,
    /// One JSON object with `diagnostics` and `summary`.
    Json,
    /// GitHub Actions annotations (`::error file=…,line=…::…`).
    Github,
    /// A GitLab Code Quality report: a JSON array of issues (`artifacts: reports: codequality:`).
    Gitlab,
}

/// Renders a report in `format`. `root` is where source lines are read from for `human`.
pub fn render(report: &Report, format: Format, root: &Path, color: bool) -> String {
    match format {
        Format::Human => human(report, root, color),
        Format::Json => json(report),
        Format::Github => github(report),
        Format::Gitlab => gitlab(report, root),
    }
}

/// Text that came from the repository (a file name, a quoted line, a message quoting either),
/// made safe for a terminal and a CI log: control characters (escape sequences that recolour or
/// clear the screen, carriage returns and line breaks that forge lines) and the bidirectional
/// overrides that reorder what is shown are written as `\u{1b}`, never sent raw. Tabs stay.
pub fn printable(s: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            let _ = write!(out, "{}", c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `hint` → `Hint`, `подсказка` → `Подсказка`.
fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn human(report: &Report, root: &Path, color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    };
    let repo = Repo::open(root).ok();
    // The diagnostics come sorted by file: only the text of the current file is kept.
    let mut current: Option<(&str, Option<String>)> = None;
    let mut out = String::new();
    for d in &report.diagnostics {
        let label = d.severity.label();
        let code = match d.severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
        };
        let _ = writeln!(
            out,
            "{}{} {}",
            paint(code, &format!("{label}[{}]", d.rule)),
            paint("1", ":"),
            paint("1", &printable(&d.message))
        );
        let _ = writeln!(
            out,
            "  {} {}:{}:{}",
            paint("1;34", "-->"),
            printable(&d.file),
            d.pos.line,
            d.pos.column
        );
        // Read as every file of the repository is: a link out of it or a pipe shows no line.
        if current.as_ref().is_none_or(|(file, _)| *file != d.file) {
            let text = repo.as_ref().and_then(|r| r.read_text(&d.file).ok());
            current = Some((d.file.as_str(), text));
        }
        let text = current.as_ref().and_then(|(_, t)| t.as_deref());
        if d.show_source
            && let Some(line) = text.and_then(|t| source::line_text(t, d.pos.line))
        {
            // A token elsewhere on the line must not be printed either.
            let line = &crate::check::leak::mask(line);
            let line = &*printable(line);
            let num = d.pos.line.to_string();
            let pad = " ".repeat(num.len());
            let caret_pad: String = line
                .chars()
                .take(d.pos.column.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = writeln!(out, "{pad} {}", paint("1;34", "|"));
            let _ = writeln!(out, "{} {} {line}", paint("1;34", &num), paint("1;34", "|"));
            let _ = writeln!(
                out,
                "{pad} {} {caret_pad}{}",
                paint("1;34", "|"),
                paint(code, "^")
            );
        }
        if let Some(h) = &d.hint {
            let _ = writeln!(
                out,
                "   {} {}: {}",
                paint("1;34", "="),
                crate::t!("hint"),
                printable(h)
            );
        }
        out.push('\n');
    }
    let s = &report.summary;
    let verdict = if s.errors == 0 {
        paint("1;32", &crate::t!("check-verdict-passed"))
    } else {
        paint("1;31", &crate::t!("check-verdict-failed"))
    };
    let summary = crate::t!(
        "check-summary",
        verdict = verdict,
        errors = s.errors,
        warnings = s.warnings,
        files = s.files,
        posts = s.posts,
        organizations = s.organizations,
        from = s.from.map(|w| w.to_string()).unwrap_or_default(),
        to = s.to.map(|w| w.to_string()).unwrap_or_default(),
        today = s.today_label.as_str()
    );
    let _ = writeln!(out, "{summary}");
    out
}

/// One diagnostic as JSON; field order is part of the documented output.
#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    rule: &'a str,
    severity: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
    hint: Option<&'a str>,
    org: Option<&'a str>,
    network: Option<&'a str>,
    week: Option<String>,
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    errors: usize,
    warnings: usize,
    passed: bool,
    files: usize,
    posts: usize,
    organizations: usize,
    from: Option<String>,
    to: Option<String>,
    today: &'a str,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: JsonSummary<'a>,
}

fn json(report: &Report) -> String {
    let s = &report.summary;
    let v = JsonReport {
        diagnostics: report
            .diagnostics
            .iter()
            .map(|d| JsonDiagnostic {
                rule: d.rule.id(),
                severity: d.severity.as_str(),
                file: &d.file,
                line: d.pos.line,
                column: d.pos.column,
                message: &d.message,
                hint: d.hint.as_deref(),
                org: d.org.as_deref(),
                network: d.network.map(|n| n.key()),
                week: d.week.map(|w| w.to_string()),
            })
            .collect(),
        summary: JsonSummary {
            errors: s.errors,
            warnings: s.warnings,
            passed: s.errors == 0,
            files: s.files,
            posts: s.posts,
            organizations: s.organizations,
            from: s.from.map(|w| w.to_string()),
            to: s.to.map(|w| w.to_string()),
            today: &s.today,
        },
    };
    let mut out = serde_json::to_string_pretty(&v).unwrap_or_default();
    out.push('\n');
    out
}

/// Escapes a workflow-command message (`%`, CR, LF).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property (also `:` and `,`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn github(report: &Report) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut msg = printable(&d.message).into_owned();
        if let Some(h) = &d.hint {
            msg.push('\n');
            msg.push_str(&capitalized(&crate::t!("hint")));
            msg.push_str(": ");
            msg.push_str(&printable(h));
        }
        let _ = writeln!(
            out,
            "::{level} file={},line={},col={},title={}::{}",
            escape_property(&printable(&d.file)),
            d.pos.line,
            d.pos.column,
            escape_property(&format!("vestnik {}", d.rule)),
            escape_data(&msg)
        );
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "vestnik check: {} error(s), {} warning(s)",
        s.errors, s.warnings
    );
    out
}

/// One issue of a GitLab Code Quality report: the fields GitLab documents
/// (docs.gitlab.com/ci/testing/code_quality, "Code Quality report format"); field order is part
/// of the documented output.
#[derive(Serialize)]
struct CodeQualityIssue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: CodeQualityLocation<'a>,
}

#[derive(Serialize)]
struct CodeQualityLocation<'a> {
    path: &'a str,
    lines: CodeQualityLines,
}

#[derive(Serialize)]
struct CodeQualityLines {
    begin: u32,
}

/// GitLab's severity of a finding. GitLab knows `info`, `minor`, `major`, `critical` and
/// `blocker`. An error fails the `check` job, so the merge request cannot go in as it is (and
/// the publisher refuses what a guard rule finds): `critical`, above the `major` that linters of
/// code use for their errors, so that a plan's errors head the widget. A warning never fails
/// the job: `minor`. `info` and `blocker` are not used.
pub const fn gitlab_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "critical",
        Severity::Warning => "minor",
    }
}

/// The fingerprint of a finding, stable across runs and across edits elsewhere in the file.
///
/// GitLab matches the issues of the merge request's head against those of its base by
/// fingerprint: equal means "the same problem, still there", new means "introduced here". So it
/// hashes what the problem is (the rule, the file, the organization, the network, the week) and
/// the text of the line it points at (the secrets in it masked), never the line's number: a post
/// added above leaves the finding where it was. `occurrence` tells apart findings equal in all
/// of that (the same rule twice on one line); GitLab keeps only the first of equal fingerprints.
fn fingerprint(d: &crate::plan::diagnostic::Diagnostic, line: &str, occurrence: usize) -> String {
    let mut h = blake3::Hasher::new();
    // Each part ends with a NUL, which none of them can hold, so that parts cannot run together.
    for part in [
        "vestnik-codequality-1",
        d.rule.id(),
        &d.file,
        d.org.as_deref().unwrap_or(""),
        d.network.map_or("", |n| n.key()),
        &d.week.map(|w| w.to_string()).unwrap_or_default(),
        line.trim(),
        &occurrence.to_string(),
    ] {
        h.update(part.as_bytes());
        h.update(b"\0");
    }
    // 128 bits, as GitLab's own example (an MD5 in hex) has.
    h.finalize().to_hex()[..32].to_owned()
}

fn gitlab(report: &Report, root: &Path) -> String {
    let repo = Repo::open(root).ok();
    let mut current: Option<(&str, Option<String>)> = None;
    let mut seen: std::collections::HashMap<(String, String), usize> =
        std::collections::HashMap::new();
    let mut issues = Vec::with_capacity(report.diagnostics.len());
    for d in &report.diagnostics {
        if current.as_ref().is_none_or(|(file, _)| *file != d.file) {
            let text = repo.as_ref().and_then(|r| r.read_text(&d.file).ok());
            current = Some((d.file.as_str(), text));
        }
        let line = current
            .as_ref()
            .and_then(|(_, t)| t.as_deref())
            .and_then(|t| source::line_text(t, d.pos.line))
            .map(crate::check::leak::mask)
            .unwrap_or_default();
        let key = (
            format!(
                "{}\0{}\0{}\0{}\0{}",
                d.rule.id(),
                d.file,
                d.org.as_deref().unwrap_or(""),
                d.network.map_or("", |n| n.key()),
                d.week.map(|w| w.to_string()).unwrap_or_default()
            ),
            line.trim().to_owned(),
        );
        let occurrence = seen.entry(key).or_insert(0);
        *occurrence += 1;
        let mut description = printable(&d.message).into_owned();
        if let Some(h) = &d.hint {
            description.push_str(" (");
            description.push_str(&crate::t!("hint"));
            description.push_str(": ");
            description.push_str(&printable(h));
            description.push(')');
        }
        issues.push(CodeQualityIssue {
            description,
            check_name: d.rule.id(),
            fingerprint: fingerprint(d, &line, *occurrence),
            severity: gitlab_severity(d.severity),
            location: CodeQualityLocation {
                path: &d.file,
                lines: CodeQualityLines {
                    begin: d.pos.line.max(1),
                },
            },
        });
    }
    let mut out = serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".to_owned());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escapes_properties_and_newlines() {
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(escape_data("x\ny"), "x%0Ay");
    }
}
