//! `vestnik moderation classify`: the moderation classifier over comments read one a line from
//! stdin, for testing the rules offline (the JSON lines are a contract, docs/moderation.md).
//! `moderation log` and `restore` (the journal) live in `moderate.rs`, beside the pass.

use std::io::{BufRead, Read, Write};
use std::path::PathBuf;

use super::CliError;
use crate::moderation::{Classifier, Judgement, Verdict};

/// A line longer than this many bytes is classified on its first this many (cut at a character
/// boundary), with a warning on stderr: no comment of the three networks is longer.
pub const MAX_LINE: usize = 16 * 1024;

/// Commands about the moderation of comments.
#[derive(Debug, clap::Subcommand)]
pub enum ModerationCommand {
    /// Rate comments read one a line from stdin: keep, hold or delete, with the rules that fired.
    Classify(ClassifyArgs),
    /// Show the moderation journal, newest first: what was deleted or reported, where, why.
    Log(super::LogArgs),
    /// Bring back a deleted comment by its journal id, where the network allows (VK).
    Restore(super::RestoreArgs),
}

/// Output formats of `moderation classify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClassifyFormat {
    /// One JSON object a line: `{"text", "verdict", "reasons": [{"rule", "category", "match"}]}`.
    Json,
    /// A line a comment with its verdict, then a line a reason.
    Human,
}

/// Flags of `moderation classify`.
#[derive(Debug, clap::Args)]
pub struct ClassifyArgs {
    /// The content repository whose plans/moderation.yaml adds to the built-in rules (none: the built-in rules alone).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    pub format: ClassifyFormat,
}

/// `vestnik moderation …`.
pub(super) fn run(command: ModerationCommand) -> Result<i32, CliError> {
    match command {
        ModerationCommand::Classify(args) => classify(args),
        ModerationCommand::Log(args) => super::moderate::log(args),
        ModerationCommand::Restore(args) => super::moderate::restore(args),
    }
}

#[derive(serde::Serialize)]
struct Line<'a> {
    text: &'a str,
    verdict: Verdict,
    reasons: &'a [crate::moderation::Reason],
}

fn classify(args: ClassifyArgs) -> Result<i32, CliError> {
    let classifier = match crate::plan::repo::Repo::open(&args.root) {
        Ok(repo) => {
            let (c, diags) = Classifier::load(&repo);
            for d in diags {
                eprintln!("{}:{}:{}: {}", d.file, d.pos.line, d.pos.column, d.message);
            }
            c
        }
        Err(_) => Classifier::builtin(),
    };
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut buf = Vec::new();
    let mut number = 0u64;
    loop {
        buf.clear();
        let read = Read::take(&mut input, MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| stdin_error(&e))?;
        if read == 0 {
            break;
        }
        number += 1;
        let mut cut = false;
        if buf.last() != Some(&b'\n') && buf.len() > MAX_LINE {
            // Skip the rest of the line.
            let mut rest = Vec::new();
            while rest.last() != Some(&b'\n') {
                rest.clear();
                if Read::take(&mut input, 64 * 1024)
                    .read_until(b'\n', &mut rest)
                    .map_err(|e| stdin_error(&e))?
                    == 0
                {
                    break;
                }
            }
            cut = true;
        }
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        let text = if cut {
            eprintln!(
                "vestnik: {}",
                crate::t!("moderation-line-too-long", line = number, max = MAX_LINE)
            );
            let end = (0..=MAX_LINE.min(buf.len()))
                .rev()
                .find(|&i| std::str::from_utf8(&buf[..i]).is_ok())
                .unwrap_or(0);
            match std::str::from_utf8(&buf[..end]) {
                Ok(t) if end + 4 > MAX_LINE.min(buf.len()) => t,
                _ => return Err(not_utf8(number)),
            }
        } else {
            std::str::from_utf8(&buf).map_err(|_| not_utf8(number))?
        };
        let judgement = classifier.classify(text);
        match args.format {
            ClassifyFormat::Json => {
                let line = Line {
                    text,
                    verdict: judgement.verdict,
                    reasons: &judgement.reasons,
                };
                serde_json::to_writer(&mut out, &line).map_err(|e| stdin_error(&e.into()))?;
                writeln!(out)?;
            }
            ClassifyFormat::Human => human(&mut out, text, &judgement)?,
        }
    }
    out.flush()?;
    Ok(0)
}

fn human(out: &mut impl Write, text: &str, j: &Judgement) -> std::io::Result<()> {
    let verdict = crate::t!(&format!("moderation-verdict-{}", j.verdict.id()));
    writeln!(
        out,
        "{}",
        crate::t!("moderation-human-line", verdict = verdict, text = text)
    )?;
    for r in &j.reasons {
        let category = crate::t!(&format!("moderation-category-{}", r.category.id()));
        writeln!(
            out,
            "{}",
            crate::t!(
                "moderation-human-reason",
                category = category,
                found = r.matched.as_str(),
                rule = r.rule.as_str()
            )
        )?;
    }
    Ok(())
}

fn not_utf8(line: u64) -> CliError {
    CliError::Moderation(crate::t!("moderation-line-not-utf8", line = line))
}

fn stdin_error(e: &std::io::Error) -> CliError {
    CliError::Moderation(crate::t!(
        "moderation-stdin",
        error = crate::plan::repo::io_words(e)
    ))
}
