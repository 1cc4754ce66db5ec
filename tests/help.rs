//! `--help` in Russian by default and in English with `--lang en`, clap's usage errors in
//! Russian, and the completion scripts and man pages built from the same tree.
// Helpers of this test file panic on setup failures like the tests themselves.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

use crate::support::latin::latin_words;
use crate::support::repo::bin;

/// Runs vestnik with `args`, in the default language.
fn vestnik(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .env_remove("VESTNIK_LANG")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// The commands (`changes` is `registry changes`, `help` clap's own).
/// The subcommands among [`COMMANDS`], each with the command it belongs to.
const SUBCOMMANDS: &[(&str, &str)] = &[
    ("registry", "changes"),
    ("moderation", "classify"),
    ("moderation", "log"),
    ("moderation", "restore"),
    ("ledger", "copy"),
];

/// Whether `name` is one of [`SUBCOMMANDS`].
fn is_sub(name: &str) -> bool {
    SUBCOMMANDS.iter().any(|(_, sub)| *sub == name)
}

const COMMANDS: &[&str] = &[
    "check",
    "preview",
    "rules",
    "sandbox",
    "publish",
    "run",
    "status",
    "resolve",
    "site",
    "calendar",
    "registry",
    "report",
    "init",
    "changes",
    "completions",
    "man",
    "moderate",
    "moderation",
    "classify",
    "log",
    "restore",
    "audit",
    "ledger",
    "copy",
    "help",
];

/// The Latin words a Russian help may keep: the program and its commands, short flags, names
/// of products, formats and standards, and the values flags take.
const ALLOWED: &[&str] = &[
    "vestnik",
    "h",
    "V",
    "o",
    "git",
    "CI",
    "ISO",
    "id",
    "ID",
    "JSON",
    "HTML",
    "XLSX",
    "CSV",
    "UTF-8",
    "API",
    "iCalendar",
    "RFC",
    "Google",
    "Outlook",
    "Excel",
    "Ctrl-C",
    "ru",
    "en",
    "GitHub",
    "Actions",
    "GitLab",
    "Code",
    "Quality",
    "codequality",
    "Bash",
    "Zsh",
    "Fish",
    "bash",
    "zsh",
    "fish",
    "man",
    "vestnik.1",
    "plans",
    "media",
    "Asia/Novokuznetsk",
    "UTC",
    "SQLite",
    "PostgreSQL",
];

/// The Latin words of a Russian help or error, but for the allowed words and the commands.
fn english_in(text: &str) -> Vec<String> {
    let allowed: Vec<&str> = ALLOWED.iter().chain(COMMANDS).copied().collect();
    text.lines()
        .flat_map(|line| latin_words(line, &allowed))
        // `HTML-страница`, `man-страница`: Russian words with a Latin part.
        .filter(|w| {
            !w.chars()
                .any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap_or(c)))
        })
        .collect()
}

#[test]
fn help_is_russian_by_default() {
    for args in [
        &["--help"][..],
        &["check", "--help"],
        &["check", "-h"],
        &["report", "--help"],
        &["registry", "changes", "--help"],
        &["help", "status"],
    ] {
        let run = vestnik(args);
        assert_eq!(run.status.code(), Some(0), "{args:?}");
        let help = String::from_utf8(run.stdout).unwrap();
        assert!(help.contains("Запуск: vestnik"), "{args:?}:\n{help}");
        let english = english_in(&help);
        assert!(english.is_empty(), "{args:?}: {english:?} in\n{help}");
    }
    let help = String::from_utf8(vestnik(&["--help"]).stdout).unwrap();
    for command in COMMANDS.iter().filter(|c| !is_sub(c)) {
        assert!(
            help.contains(&format!("\n  {command} ")),
            "{command}:\n{help}"
        );
    }
    assert!(
        help.contains("Команды:") && help.contains("Флаги:"),
        "{help}"
    );
}

#[test]
fn help_is_english_with_lang_en() {
    let run = vestnik(&["--lang", "en", "check", "--help"]);
    let help = String::from_utf8(run.stdout).unwrap();
    assert!(
        help.starts_with("Validate the content repository"),
        "{help}"
    );
    assert!(help.contains("Usage: vestnik check [OPTIONS]"), "{help}");
    assert!(help.contains("--root <ROOT>"), "{help}");
    assert!(help.contains("Print help"), "{help}");
    let run = Command::new(bin())
        .arg("--help")
        .env("VESTNIK_LANG", "en")
        .output()
        .unwrap();
    let help = String::from_utf8(run.stdout).unwrap();
    assert!(help.contains("Commands:"), "{help}");
}

#[test]
fn usage_errors_are_russian_and_exit_with_2() {
    for (args, start) in [
        (
            &["check", "--rot", "."][..],
            "vestnik: лишний аргумент `--rot`",
        ),
        (
            &["check", "--format", "xml"],
            "vestnik: `--format`: значения `xml` нет",
        ),
        (
            &["status"],
            "vestnik: не хватает аргументов: `--config <ФАЙЛ>`",
        ),
        (&["chek"], "vestnik: команды `chek` нет"),
    ] {
        let run = vestnik(args);
        assert_eq!(run.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(run.stderr).unwrap();
        assert!(stderr.starts_with(start), "{args:?}: {stderr}");
        let english = english_in(&stderr);
        assert!(english.is_empty(), "{args:?}: {english:?} in\n{stderr}");
    }
}

#[test]
fn the_bash_completion_names_every_command() {
    let run = vestnik(&["completions", "bash"]);
    assert_eq!(run.status.code(), Some(0));
    let script = String::from_utf8(run.stdout).unwrap();
    assert!(script.contains("complete -F _vestnik"), "{script}");
    for command in COMMANDS.iter().filter(|c| !is_sub(c)) {
        assert!(script.contains(&format!("vestnik,{command})")), "{command}");
    }
    for shell in ["zsh", "fish"] {
        let run = vestnik(&["completions", shell]);
        assert_eq!(run.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(run.stdout).unwrap();
        assert!(script.contains("Проверить репозиторий контента"), "{shell}");
    }
}

/// Whether `page` looks like a man page roff reads: the `.TH` header, then sections.
fn is_roff(page: &str) -> bool {
    page.lines().any(|l| l.starts_with(".TH "))
        && page.lines().filter(|l| l.starts_with(".SH ")).count() >= 3
        && page.lines().all(|l| !l.starts_with(". "))
}

#[test]
fn man_pages_are_written_for_every_command() {
    let run = vestnik(&["man"]);
    assert_eq!(run.status.code(), Some(0));
    let page = String::from_utf8(run.stdout).unwrap();
    assert!(is_roff(&page), "{page}");
    assert!(
        page.contains(".SH ИМЯ") && page.contains(".SH КОМАНДЫ"),
        "{page}"
    );
    let en = String::from_utf8(vestnik(&["--lang", "en", "man"]).stdout).unwrap();
    assert!(
        en.contains(".SH NAME") && en.contains("Validate the content repository"),
        "{en}"
    );

    let dir = tempfile::tempdir().unwrap();
    let run = vestnik(&["man", "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    let mut pages = vec!["vestnik.1".to_owned()];
    pages.extend(
        SUBCOMMANDS
            .iter()
            .map(|(parent, sub)| format!("vestnik-{parent}-{sub}.1")),
    );
    pages.extend(
        COMMANDS
            .iter()
            .filter(|c| **c != "help" && !is_sub(c))
            .map(|c| format!("vestnik-{c}.1")),
    );
    for name in &pages {
        let path = dir.path().join(name);
        let page = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(is_roff(&page), "{name}:\n{page}");
        // `man -l` formats it, where man is installed.
        if let Ok(man) = Command::new("man")
            .arg("-l")
            .arg(&path)
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "80")
            .output()
        {
            let text = String::from_utf8_lossy(&man.stdout);
            assert!(man.status.success(), "{name}: {man:?}");
            assert!(text.contains("ИМЯ"), "{name}:\n{text}");
        }
    }
    let written = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(written, pages.len());
}
