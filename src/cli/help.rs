//! The command line in the process's language: the clap tree of [`Cli`] (its texts are the
//! English doc comments) with every command's about, every argument's help, every value name
//! and clap's own words (the headings, the usage, `--help`, `--version`, the `help` command)
//! taken from the catalogue `locales/{ru,en}/help.ftl`; and clap's errors said in Russian.
//!
//! The keys are derived from the tree, so that a new command or flag without its texts fails
//! `every_command_and_argument_has_its_texts` (the scheme is in the header of `help.ftl`):
//!
//! - a command: `help-` and its path of names joined by `-` (`help-check`,
//!   `help-registry-changes`); the root is `help-vestnik`, clap's `help` command `help-help`;
//! - an argument: its command's key, `--` and its long flag, or its id for a positional
//!   (`help-check--root`, `help-preview--file`); a global one belongs to the root
//!   (`help-vestnik--lang`); clap's `--help` and `--version` are `help-flag-help` (or
//!   `help-flag-help-more` where `--help` shows more than `-h`) and `help-flag-version`;
//! - a possible value: its argument's key, `--` and the value (`help-check--format--json`);
//! - a longer text (`long_about`, `long_help`) where the doc comment has one: the key and
//!   `-long`;
//! - a value name: `help-value-` and the name in lower case (`<DATE>`: `help-value-date`).
//!
//! The English catalogue is the doc comments as clap reads them; a test keeps them equal.

use clap::builder::PossibleValue;
use clap::{Arg, Command, CommandFactory};

use crate::cli::Cli;
use crate::locale::{Lang, text_in};

/// The command line's tree with its texts in `lang`, built (every subcommand, clap's `help`
/// command and flags in place).
pub fn command(lang: Lang) -> Command {
    localize(english(), &mut Vec::new(), lang, &mut |_| {})
}

/// The tree as clap derives it from the doc comments, built.
fn english() -> Command {
    let mut cmd = <Cli as CommandFactory>::command();
    cmd.build();
    cmd
}

/// The key of the command at `path` (the names of the subcommands from the root).
fn command_key(path: &[String]) -> String {
    match path.last().map(String::as_str) {
        None => "help-vestnik".to_owned(),
        Some("help") => "help-help".to_owned(),
        // clap's `help check` and `registry help changes` say what `check` and
        // `registry changes` say.
        Some(_) if path.iter().any(|p| p == "help") => {
            let real: Vec<String> = path.iter().filter(|p| *p != "help").cloned().collect();
            command_key(&real)
        }
        Some(_) => format!("help-{}", path.join("-")),
    }
}

/// The key of `arg`, an argument of the command whose key is `command`.
fn arg_key(command: &str, arg: &Arg) -> String {
    let name = match arg.get_long() {
        Some(long) => long.to_owned(),
        None => arg.get_id().as_str().replace('_', "-"),
    };
    match arg.get_id().as_str() {
        // clap's `-h` says "see more with '--help'" where `--help` shows more.
        "help" if arg.get_long_help().is_some() => "help-flag-help-more".to_owned(),
        "help" => "help-flag-help".to_owned(),
        "version" => "help-flag-version".to_owned(),
        _ if arg.is_global_set() => format!("help-vestnik--{name}"),
        _ => format!("{command}--{name}"),
    }
}

/// The key of a value name (`DATE`: `help-value-date`).
fn value_name_key(name: &str) -> String {
    format!("help-value-{}", name.to_lowercase().replace('_', "-"))
}

/// The possible values of `arg` that help shows.
fn shown_values(arg: &Arg) -> Vec<PossibleValue> {
    if arg.is_hide_possible_values_set() {
        return Vec::new();
    }
    arg.get_possible_values()
        .into_iter()
        .filter(|v| !v.is_hide_set())
        .collect()
}

/// What a text of the tree is: the facts the key coverage and English tests need.
#[derive(Debug)]
#[cfg_attr(not(test), expect(dead_code, reason = "read by the tests alone"))]
struct Text {
    /// The catalogue key.
    key: String,
    /// The English text clap derived (from a doc comment, or clap's own).
    english: String,
}

/// Gives the tree `cmd` (at `path`) its texts in `lang`, and tells `seen` every text it
/// looked up, with the English it replaced.
fn localize(
    cmd: Command,
    path: &mut Vec<String>,
    lang: Lang,
    seen: &mut dyn FnMut(Text),
) -> Command {
    let t = |id: &str| text_in(lang, id, &[]);
    let key = command_key(path);
    let mut texts = Vec::new();
    let mut cmd = cmd;
    if let Some(about) = cmd.get_about() {
        texts.push(Text {
            key: key.clone(),
            english: about.to_string(),
        });
        cmd = cmd.about(t(&key));
    }
    if let Some(long) = cmd.get_long_about() {
        let long_key = format!("{key}-long");
        texts.push(Text {
            key: long_key.clone(),
            english: long.to_string(),
        });
        cmd = cmd.long_about(t(&long_key));
    }
    cmd = cmd.mut_args(|arg| {
        let arg_key = arg_key(&key, &arg);
        localize_arg(arg, &arg_key, lang, &mut |text| texts.push(text))
    });
    for text in texts {
        seen(text);
    }
    cmd = cmd
        .subcommand_value_name(t("help-value-command"))
        .subcommand_help_heading(t("help-commands"))
        .mut_subcommands(|sub| {
            path.push(sub.get_name().to_owned());
            let sub = localize(sub, path, lang, seen);
            path.pop();
            sub
        });
    let usage = cmd.render_usage().to_string();
    let usage = usage
        .split_once(": ")
        .map_or(usage.as_str(), |(_, u)| u)
        .replace("[OPTIONS]", &format!("[{}]", t("help-value-options")));
    let template = template(&cmd, lang);
    cmd.override_usage(usage).help_template(template)
}

/// Gives `arg` (whose key is `key`) its texts in `lang`: the help, the longer help, the value
/// names, and the default and possible values in words of `lang` (clap's own are hidden).
fn localize_arg(arg: Arg, key: &str, lang: Lang, seen: &mut dyn FnMut(Text)) -> Arg {
    let t = |id: &str| text_in(lang, id, &[]);
    let mut arg = arg;
    let mut help = String::new();
    if let Some(english) = arg.get_help() {
        seen(Text {
            key: key.to_owned(),
            english: english.to_string(),
        });
        help = t(key);
    }
    let mut long = None;
    if let Some(english) = arg.get_long_help() {
        let long_key = format!("{key}-long");
        seen(Text {
            key: long_key.clone(),
            english: english.to_string(),
        });
        long = Some(t(&long_key));
    }
    let takes_values = arg.get_action().takes_values();
    if let Some(names) = arg.get_value_names().filter(|_| takes_values) {
        let names: Vec<String> = names
            .iter()
            .map(|n| {
                let name_key = value_name_key(n.as_str());
                seen(Text {
                    key: name_key.clone(),
                    english: n.to_string(),
                });
                t(&name_key)
            })
            .collect();
        arg = arg.value_names(names);
    }
    // The default and the possible values; the longer help lists the values with their help
    // instead of their names.
    let mut notes = Vec::new();
    let mut long_notes = Vec::new();
    if takes_values && !arg.is_hide_default_value_set() && !arg.get_default_values().is_empty() {
        let value = arg
            .get_default_values()
            .iter()
            .map(|v| format!("`{}`", v.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(", ");
        let default = text_in(lang, "help-default", &[("value", value.into())]);
        long_notes.push(default.clone());
        notes.push(default);
        arg = arg.hide_default_value(true);
    }
    let values = if takes_values {
        shown_values(&arg)
    } else {
        Vec::new()
    };
    let mut described = Vec::new();
    if !values.is_empty() {
        let names = values
            .iter()
            .map(|v| format!("`{}`", v.get_name()))
            .collect::<Vec<_>>()
            .join(", ");
        notes.push(text_in(lang, "help-values", &[("values", names.into())]));
        for v in &values {
            if let Some(english) = v.get_help() {
                let value_key = format!("{key}--{}", v.get_name());
                seen(Text {
                    key: value_key.clone(),
                    english: english.to_string(),
                });
                described.push(format!("- `{}`: {}", v.get_name(), t(&value_key)));
            }
        }
        arg = arg.hide_possible_values(true);
    }
    if described.is_empty() {
        long_notes.clone_from(&notes);
    }
    if !described.is_empty() || (long.is_some() && !long_notes.is_empty()) {
        let mut text = long.clone().unwrap_or_else(|| help.clone());
        if !described.is_empty() {
            text.push_str(&format!(
                "\n\n{}:\n{}",
                t("help-values-heading"),
                described.join("\n")
            ));
        }
        if !long_notes.is_empty() {
            text.push_str("\n\n");
            text.push_str(&long_notes.join(" "));
        }
        long = Some(text);
    }
    if !notes.is_empty() {
        help = [help, notes.join(" ")].join(" ").trim().to_owned();
    }
    if arg.get_help().is_some() || !help.is_empty() {
        arg = arg.help(help);
    }
    match long {
        Some(long) => arg.long_help(long),
        None => arg.long_help(None::<&'static str>),
    }
}

/// The help's frame for `cmd` in `lang`: the about, the usage, then the commands, the
/// arguments and the flags, each under its heading when it has any.
fn template(cmd: &Command, lang: Lang) -> String {
    let t = |id: &str| text_in(lang, id, &[]);
    let mut out = format!("{{about-with-newline}}\n{}: {{usage}}", t("help-usage"));
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        out.push_str(&format!("\n\n{}:\n{{subcommands}}", t("help-commands")));
    }
    let shown = |positional: bool| {
        cmd.get_arguments()
            .any(|a| !a.is_hide_set() && a.is_positional() == positional)
    };
    if shown(true) {
        out.push_str(&format!("\n\n{}:\n{{positionals}}", t("help-arguments")));
    }
    if shown(false) {
        out.push_str(&format!("\n\n{}:\n{{options}}", t("help-options")));
    }
    out.push_str("{after-help}");
    out
}

/// clap's error `e` said in `lang` after `vestnik: `, with the usage and where the help is on
/// the next lines; `None` in English (clap's own text is English) and for `--help` and
/// `--version`, which clap prints itself.
pub fn error_text(e: &clap::Error, lang: Lang) -> Option<String> {
    use clap::error::{ContextKind as K, ContextValue as V, ErrorKind};
    if lang == Lang::En {
        return None;
    }
    let strings = |kind: K| -> Vec<String> {
        match e.get(kind) {
            Some(V::String(s)) => vec![s.clone()],
            Some(V::Strings(v)) => v.clone(),
            Some(V::StyledStr(s)) => vec![s.to_string()],
            _ => Vec::new(),
        }
    };
    let one = |kind: K| strings(kind).into_iter().next().unwrap_or_default();
    let code = |items: Vec<String>| {
        items
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // `--format <FORMAT>` as clap names the argument: the flag alone.
    let flag = |s: String| s.split_whitespace().next().unwrap_or_default().to_owned();
    let t = |id: &str, args: &[(&str, String)]| {
        let args: Vec<(&str, fluent_bundle::FluentValue<'_>)> =
            args.iter().map(|(k, v)| (*k, v.as_str().into())).collect();
        text_in(lang, id, &args)
    };
    let mut text = match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => return None,
        ErrorKind::UnknownArgument => t(
            "help-error-unknown-argument",
            &[("arg", one(K::InvalidArg))],
        ),
        ErrorKind::InvalidSubcommand => t(
            "help-error-unknown-command",
            &[("command", one(K::InvalidSubcommand))],
        ),
        ErrorKind::InvalidValue if one(K::InvalidValue).is_empty() => t(
            "help-error-empty-value",
            &[("flag", flag(one(K::InvalidArg)))],
        ),
        ErrorKind::InvalidValue => t(
            "help-error-invalid-value",
            &[
                ("flag", flag(one(K::InvalidArg))),
                ("value", one(K::InvalidValue)),
                ("valid", code(strings(K::ValidValue))),
            ],
        ),
        ErrorKind::MissingRequiredArgument => t(
            "help-error-missing",
            &[("args", code(strings(K::InvalidArg)))],
        ),
        ErrorKind::MissingSubcommand => t("help-error-missing-command", &[]),
        ErrorKind::ArgumentConflict => t(
            "help-error-conflict",
            &[
                ("arg", flag(one(K::InvalidArg))),
                (
                    "other",
                    code(strings(K::PriorArg).into_iter().map(flag).collect()),
                ),
            ],
        ),
        ErrorKind::NoEquals => t(
            "help-error-no-equals",
            &[("flag", flag(one(K::InvalidArg)))],
        ),
        ErrorKind::TooManyValues => t(
            "help-error-too-many",
            &[
                ("flag", flag(one(K::InvalidArg))),
                ("value", one(K::InvalidValue)),
            ],
        ),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            t("help-error-count", &[("flag", flag(one(K::InvalidArg)))])
        }
        _ => t("help-error-other", &[]),
    };
    let suggested = strings(K::SuggestedArg)
        .into_iter()
        .chain(strings(K::SuggestedSubcommand))
        .collect::<Vec<_>>();
    if !suggested.is_empty() {
        text.push_str(". ");
        text.push_str(&t(
            "help-error-suggested",
            &[("suggested", code(suggested))],
        ));
    }
    // The usage in the error is the tree's own, already in `lang` but for clap's `Usage: `.
    let usage = one(K::Usage);
    let usage = usage
        .split_once(": ")
        .map_or(usage.as_str(), |(_, u)| u)
        .trim();
    if !usage.is_empty() {
        let program: Vec<&str> = usage
            .split_whitespace()
            .take_while(|w| !w.starts_with(['[', '<', '-']))
            .collect();
        text.push('\n');
        text.push_str(&t("help-error-usage", &[("usage", usage.to_owned())]));
        text.push('\n');
        text.push_str(&t("help-error-more", &[("command", program.join(" "))]));
    }
    Some(text)
}

#[cfg(test)]
mod tests;
