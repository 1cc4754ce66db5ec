//! The catalogues stay in step and Russian counts right.

use super::*;

#[test]
fn every_message_exists_in_both_languages_with_the_same_variables() {
    let ru = catalogue(Lang::Ru);
    let en = catalogue(Lang::En);
    let mut problems = Vec::new();
    for ((file, ru_text), (_, en_text)) in ru.iter().zip(&en) {
        let ru_msgs = messages(ru_text);
        let en_msgs = messages(en_text);
        assert!(
            fluent_syntax::parser::parse(*ru_text).is_ok(),
            "locales/ru/{file} does not parse"
        );
        assert!(
            fluent_syntax::parser::parse(*en_text).is_ok(),
            "locales/en/{file} does not parse"
        );
        for (id, vars) in &ru_msgs {
            match en_msgs.iter().find(|(i, _)| i == id) {
                None => problems.push(format!("{file}: `{id}` is missing in en")),
                Some((_, en_vars)) if en_vars != vars => problems.push(format!(
                    "{file}: `{id}` uses {vars:?} in ru but {en_vars:?} in en"
                )),
                Some(_) => {}
            }
        }
        for (id, _) in &en_msgs {
            if !ru_msgs.iter().any(|(i, _)| i == id) {
                problems.push(format!("{file}: `{id}` is missing in ru"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_parity_test_sees_a_missing_message_and_a_variable() {
    assert_eq!(
        messages("a = x { $n }\nb = { $k ->\n [one] y\n*[other] z { $m }\n}\n"),
        [
            ("a".to_owned(), vec!["n".to_owned()]),
            ("b".to_owned(), vec!["k".to_owned(), "m".to_owned()])
        ]
    );
}

#[test]
fn russian_plurals() {
    let summary = |n: i64| {
        text_in(
            Lang::Ru,
            "check-summary",
            &[
                ("verdict", "пройдена".into()),
                ("errors", n.into()),
                ("warnings", n.into()),
                ("files", n.into()),
                ("posts", n.into()),
                ("organizations", n.into()),
                ("from", "2026-W49".into()),
                ("to", "2026-W50".into()),
                ("today", "пн 30 ноября".into()),
            ],
        )
    };
    let want = [
        (
            0,
            "0 ошибок, 0 предупреждений в 0 файлах: 0 публикаций, 0 организаций",
        ),
        (
            1,
            "1 ошибка, 1 предупреждение в 1 файле: 1 публикация, 1 организация",
        ),
        (
            2,
            "2 ошибки, 2 предупреждения в 2 файлах: 2 публикации, 2 организации",
        ),
        (
            5,
            "5 ошибок, 5 предупреждений в 5 файлах: 5 публикаций, 5 организаций",
        ),
        (
            11,
            "11 ошибок, 11 предупреждений в 11 файлах: 11 публикаций, 11 организаций",
        ),
        (
            21,
            "21 ошибка, 21 предупреждение в 21 файле: 21 публикация, 21 организация",
        ),
        (
            22,
            "22 ошибки, 22 предупреждения в 22 файлах: 22 публикации, 22 организации",
        ),
        (
            25,
            "25 ошибок, 25 предупреждений в 25 файлах: 25 публикаций, 25 организаций",
        ),
        (
            101,
            "101 ошибка, 101 предупреждение в 101 файле: 101 публикация, 101 организация",
        ),
        (
            111,
            "111 ошибок, 111 предупреждений в 111 файлах: 111 публикаций, 111 организаций",
        ),
    ];
    for (n, part) in want {
        let got = summary(n);
        assert!(got.contains(part), "{n}: {got}");
    }
}

#[test]
fn languages_parse_from_codes_and_locales() {
    assert_eq!(Lang::parse("ru"), Some(Lang::Ru));
    assert_eq!(Lang::parse("en_US.UTF-8"), Some(Lang::En));
    assert_eq!(Lang::parse("RU-ru"), Some(Lang::Ru));
    assert_eq!(Lang::parse("de"), None);
    assert_eq!(text_in(Lang::En, "severity-error", &[]), "error");
    assert_eq!(text_in(Lang::Ru, "severity-warning", &[]), "предупреждение");
    assert_eq!(text_in(Lang::Ru, "no-such-message", &[]), "no-such-message");
}

#[test]
fn russian_numbers_have_a_decimal_comma_and_thousands_apart_from_five_digits() {
    assert_eq!(russian_number("7"), "7");
    assert_eq!(russian_number("4096"), "4096");
    assert_eq!(russian_number("15000"), "15\u{a0}000");
    assert_eq!(russian_number("1234567"), "1\u{a0}234\u{a0}567");
    assert_eq!(russian_number("1.5"), "1,5");
    assert_eq!(russian_number("-20000.25"), "\u{2212}20\u{a0}000,25");
    assert_eq!(russian_number("NaN"), "NaN");
    // Through the catalogue: numbers are formatted, English keeps its own.
    let n = |lang| {
        text_in(
            lang,
            "status-count",
            &[("state", "x".into()), ("count", FluentValue::from(25000))],
        )
    };
    assert_eq!(n(Lang::Ru), "x: 25\u{a0}000");
    assert!(n(Lang::En).contains("25000"), "{}", n(Lang::En));
}

#[test]
fn a_thread_can_speak_another_language_for_a_while() {
    let summary = || text("status-none", &[]);
    let ru = summary();
    assert_eq!(ru, text_in(Lang::Ru, "status-none", &[]));
    let en = with(Lang::En, || {
        // Nested, and restored on the way out.
        assert_eq!(with(Lang::Ru, summary), ru);
        summary()
    });
    assert_eq!(en, text_in(Lang::En, "status-none", &[]));
    assert_ne!(en, ru);
    assert_eq!(summary(), ru);
    // Other threads keep the process's language.
    with(Lang::En, || {
        assert_eq!(std::thread::spawn(summary).join().unwrap(), ru);
    });
}
