//! Every text of the command line has its key in both catalogues, and the English catalogue is
//! the doc comments.

use super::*;

/// Every text of the tree: its key and the English clap derived.
fn texts() -> Vec<Text> {
    let mut out = Vec::new();
    localize(english(), &mut Vec::new(), Lang::En, &mut |t| out.push(t));
    out
}

#[test]
#[ignore = "prints the English catalogue's entries from the doc comments"]
fn print_english_catalogue() {
    let mut seen = std::collections::BTreeSet::new();
    for t in texts() {
        if seen.insert(t.key.clone()) {
            println!("{} = {}", t.key, t.english);
        }
    }
}

/// The keys the frame uses beside the tree's: headings, notes, man sections, errors.
const FRAME: &[&str] = &[
    "help-usage",
    "help-commands",
    "help-arguments",
    "help-options",
    "help-value-options",
    "help-value-command",
    "help-default",
    "help-values",
    "help-values-heading",
    "help-man-name",
    "help-man-synopsis",
    "help-man-description",
    "help-man-options",
    "help-man-version",
];

/// Whether the catalogue of `lang` has the message `id`.
fn has(lang: Lang, id: &str) -> bool {
    crate::locale::catalogue(lang)
        .iter()
        .any(|(_, text)| crate::locale::messages(text).iter().any(|(m, _)| m == id))
}

#[test]
fn every_command_and_argument_has_its_texts() {
    let mut missing = Vec::new();
    let keys = texts()
        .into_iter()
        .map(|t| t.key)
        .chain(FRAME.iter().map(|k| (*k).to_owned()));
    for key in keys {
        for lang in Lang::ALL {
            if !has(lang, &key) {
                missing.push(format!("locales/{}/help.ftl: `{key}`", lang.code()));
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "texts missing (a new command or flag needs its help in both catalogues, see the \
         header of help.ftl for the keys):\n{}",
        missing.join("\n")
    );
}

#[test]
fn english_catalogue_is_the_doc_comments() {
    let mut differ = Vec::new();
    for t in texts() {
        let english = text_in(Lang::En, &t.key, &[]);
        if english != t.english {
            differ.push(format!(
                "`{}`:\n  doc:       {}\n  catalogue: {english}",
                t.key, t.english
            ));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

#[test]
fn the_tree_is_russian_by_default_and_english_with_en() {
    let mut ru = command(Lang::Ru);
    let help = ru.render_help().to_string();
    assert!(help.contains("Команды:"), "{help}");
    assert!(help.contains("Запуск: vestnik [ФЛАГИ] <КОМАНДА>"), "{help}");
    assert!(help.contains("Показать справку"), "{help}");
    let check = ru
        .find_subcommand_mut("check")
        .map(|c| c.render_long_help().to_string());
    let check = check.unwrap_or_default();
    assert!(check.contains("--root <ПАПКА>"), "{check}");
    assert!(check.contains("[по умолчанию: `.`]"), "{check}");
    assert!(check.contains("- `json`: Один объект JSON"), "{check}");
    let mut en = command(Lang::En);
    let help = en.render_help().to_string();
    assert!(help.contains("Commands:"), "{help}");
    assert!(
        help.contains("Usage: vestnik [OPTIONS] <COMMAND>"),
        "{help}"
    );
}

#[test]
fn clap_errors_are_said_in_russian() {
    let error = |args: &[&str]| {
        let e = command(Lang::Ru)
            .try_get_matches_from(std::iter::once("vestnik").chain(args.iter().copied()))
            .err()
            .map(|e| error_text(&e, Lang::Ru));
        e.flatten().unwrap_or_default()
    };
    let unknown = error(&["check", "--rot", "x"]);
    assert!(unknown.starts_with("лишний аргумент `--rot`"), "{unknown}");
    assert!(unknown.contains("`--root`"), "{unknown}");
    assert!(
        unknown.contains("Справка: `vestnik check --help`"),
        "{unknown}"
    );
    let invalid = error(&["check", "--format", "xml"]);
    assert!(
        invalid.starts_with("`--format`: значения `xml` нет; можно `human`, `json`, `github`"),
        "{invalid}"
    );
    let missing = error(&["status"]);
    assert!(
        missing.starts_with("не хватает аргументов: `--config <ФАЙЛ>`"),
        "{missing}"
    );
    let unknown_command = error(&["chek"]);
    assert!(
        unknown_command.starts_with("команды `chek` нет"),
        "{unknown_command}"
    );
    let empty = error(&["check", "--root"]);
    assert!(
        empty.starts_with("флагу `--root` нужно значение"),
        "{empty}"
    );
    let conflict = error(&[
        "resolve",
        "--config",
        "c",
        "--network",
        "vk",
        "--published",
        "--resend",
        "a/b",
    ]);
    assert!(
        conflict.contains("`--published`") && conflict.contains("`--resend`"),
        "{conflict}"
    );
    let e = command(Lang::En)
        .try_get_matches_from(["vestnik", "check", "--rot"])
        .err();
    assert!(e.is_some_and(|e| error_text(&e, Lang::En).is_none()));
}
