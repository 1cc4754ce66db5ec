//! Every kind of alert, the weekly summary and the notice of a new responsible as the МЦУ chat
//! and the responsibles read them, in Russian (the default) and in English (`language: en`),
//! snapshotted. The texts are built by the library's own alert functions; `tests/daemon.rs`
//! sees them delivered to the sandbox's chat.
// Helpers of this test file panic on setup failures like the tests themselves.
#![allow(clippy::unwrap_used)]

use jiff::{SignedDuration, Timestamp};

use vestnik::locale::{self, Lang};
use vestnik::plan::network::Network;
use vestnik::plan::registry::Registry;
use vestnik::publish::alert;
use vestnik::publish::ledger::sqlite::SqliteLedger;
use vestnik::publish::ledger::{ContentHash, Key, Ledger, Outcome, Planned};

fn key(org: &str, post: &str, network: Network) -> Key {
    Key {
        org: org.into(),
        post: post.into(),
        network,
    }
}

const REGISTRY: &str = "\
organizations:
  - id: school
    name: МБОУ «Школа»
    required: true
    pages:
      vk: {id: 100}
      telegram: {id: '@school'}
  - id: library
    name: МБУК «Библиотека»
    required: true
    pages:
      vk: {id: 101}
      ok: {id: '201'}
";

/// A ledger where, in 2026-W49, `school` published three times on VK and once on Telegram, and
/// `library` twice on VK and never on OK.
fn ledger() -> SqliteLedger {
    let mut l = SqliteLedger::in_memory().unwrap();
    let t = |s: &str| s.parse::<Timestamp>().unwrap();
    let mut planned = Vec::new();
    for (i, (org, network)) in [
        ("school", Network::Vk),
        ("school", Network::Vk),
        ("school", Network::Vk),
        ("school", Network::Telegram),
        ("library", Network::Vk),
        ("library", Network::Vk),
    ]
    .into_iter()
    .enumerate()
    {
        planned.push(Planned::new(
            key(org, &format!("p{i}"), network),
            t("2026-12-02T03:00:00Z"),
            ContentHash::of(b"x"),
            "plans/x/p.md",
        ));
    }
    let start = t("2026-12-01T00:00:00Z");
    l.sync(&planned, &|_| false, start, SignedDuration::from_hours(100))
        .unwrap();
    let at = t("2026-12-02T03:00:00Z");
    for p in &planned {
        l.claim(&p.key(), at).unwrap().unwrap();
        assert!(l.mark_sending(&p.key(), at).unwrap());
        let out = Outcome::Published {
            remote_id: "1".into(),
            url: None,
        };
        l.finish(&p.key(), out, true, at).unwrap();
    }
    l
}

/// Every alert kind in the thread's language, one paragraph each, as the chat shows them.
fn every_alert() -> String {
    let katok = key("school", "2026-12-01-katok", Network::Vk);
    let poll = key("school", "2026-12-05-opros", Network::Telegram);
    let ok = key("library", "2026-12-03-vystavka", Network::Ok);
    let said = |network: &str, code: &str, method: &str, message: &str| {
        locale::text(
            "net-said",
            &[
                ("network", network.into()),
                ("code", code.into()),
                ("method", method.into()),
                ("message", message.into()),
            ],
        )
    };
    let refused = locale::text(
        "reason-refused",
        &[
            ("network", "VK".into()),
            (
                "why",
                said("VK", "214", "wall.post", "Access to adding post denied").into(),
            ),
        ],
    );
    let no_answer = locale::text(
        "reason-no-answer",
        &[
            ("network", "Telegram".into()),
            ("why", "operation timed out".into()),
        ],
    );
    let stopped = locale::text("reason-stopped", &[("network", "OK".into())]);
    let token_why = said("OK", "102", "mediatopic.post", "PARAM_SESSION_EXPIRED");
    let (reg, _) = Registry::parse(REGISTRY, "plans/registry.yaml");
    let now: Timestamp = "2026-12-07T02:00:00Z".parse().unwrap(); // Mon 09:00 local, W50
    let weekly = alert::weekly(&reg, &ledger(), now).unwrap();
    let alerts = [
        alert::failed(&katok, &refused),
        alert::uncertain(&poll, &no_answer),
        alert::uncertain(&ok, &stopped),
        alert::missed(&katok, SignedDuration::from_mins(120)),
        alert::edited(&katok, "h1"),
        alert::broken_file(
            "plans/school/2026-12-10-elka.md",
            // As the publisher gives it: the position, then what `check` says there.
            &format!(
                "3:7: {}",
                locale::text("date-no-time", &[("text", "2026-12-10".into())])
            ),
        ),
        alert::token("ok", &ok, "201", &token_why, SignedDuration::from_mins(30)),
        alert::token(
            "telegram/@school",
            &poll,
            "@school",
            "Forbidden: bot is not a member of the channel chat",
            SignedDuration::from_mins(30),
        ),
        weekly,
    ];
    // A new responsible at `school`: the notice to ЦУР under the line asking to send it.
    let with = |who: &str| {
        let text = REGISTRY.replacen(
            "    pages:\n      vk: {id: 100}",
            &format!("    responsible: {who}\n    pages:\n      vk: {{id: 100}}"),
            1,
        );
        Registry::parse(&text, "plans/registry.yaml").0
    };
    let before = with("{name: Иванова Анна Петровна, phone: '+7 900 000-00-01'}");
    let after = with(
        "{name: Петров Олег Иванович, position: учитель информатики, phone: '+7 900 000-00-02', email: o@school.ru, since: 2026-12-01}",
    );
    let responsible = alert::responsibles(&before, &after);
    assert_eq!(responsible.len(), 1);
    let alerts: Vec<_> = alerts.into_iter().chain(responsible).collect();
    let texts: Vec<&str> = alerts.iter().map(|a| a.text.as_str()).collect();
    alert::pack(&texts)
        .into_iter()
        .map(|(_, message)| message)
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[test]
fn every_alert_kind_in_russian() {
    let ru = locale::with(Lang::Ru, every_alert);
    insta::assert_snapshot!("alerts_russian", ru);
    // Russian but for the network's own words (quoted after «ошибка VK …») and commands.
    let network_said = [
        "Access",
        "to",
        "adding",
        "post",
        "denied",
        "operation",
        "timed",
        "out",
        "PARAM_SESSION_EXPIRED",
        "Forbidden",
        "bot",
        "is",
        "not",
        "a",
        "member",
        "of",
        "the",
        "channel",
        "chat",
        "wall.post",
        "mediatopic.post",
        "vestnik",
        "git",
        "school",
        "library",
        // The new responsible's e-mail, in the notice to ЦУР.
        "o@school.ru",
    ];
    for line in ru.lines() {
        let words = crate::support::latin::latin_words(line, &network_said);
        assert!(words.is_empty(), "{words:?} in: {line}");
    }
}

#[test]
fn every_alert_kind_in_english() {
    let en = locale::with(Lang::En, every_alert);
    insta::assert_snapshot!("alerts_english", en);
}
