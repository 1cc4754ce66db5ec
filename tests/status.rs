//! `vestnik status` tells why a publication waits beyond its time or failed, since when, and
//! when it is tried next (issue 12, item 1), in Russian by default and in English on request
//! (issue 11). Run through the real binary after real passes into the emulators.
// Helpers of this test file panic on setup failures like the tests themselves.
#![allow(clippy::unwrap_used)]

use std::process::Output;

use crate::support::sandboxed::{Setup, post};
use vestnik::networks::ok;

fn stdout(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn rows(s: &Setup) -> Vec<serde_json::Value> {
    let out = s.vestnik(&["status", "--format", "json"]).await;
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    v["publications"].as_array().unwrap().clone()
}

fn row<'a>(rows: &'a [serde_json::Value], org: &str, network: &str) -> &'a serde_json::Value {
    rows.iter()
        .find(|r| r["org"] == org && r["network"] == network)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_shows_why_since_when_and_the_next_attempt() {
    let s = Setup::new().await;
    s.file(
        "plans/school/news.md",
        &post("date: 2026-12-02 11:00", "Каток открыт"),
    );
    s.file(
        "plans/other/news.md",
        &post("date: 2026-12-02 11:30", "Выставка открыта"),
    );
    s.sb.ok.state.revoke_token(ok::emulator::TEST_ACCESS_TOKEN);
    // 12:00 local = 05:00 UTC.
    let first = s.publish_at("2026-12-02 12:00").await;
    assert_eq!(first.status.code(), Some(0), "{}", stdout(&first));
    let said = stdout(&first);
    assert!(said.contains("Почему: ключ доступа не принят"), "{said}");

    let r = rows(&s).await;
    let school = row(&r, "school", "ok");
    assert_eq!(school["state"], "scheduled");
    let reason = school["reason"].as_str().unwrap();
    assert!(reason.contains("102"), "{reason}");
    assert_eq!(school["since"], "2026-12-02T05:00:00Z");
    assert_eq!(school["next_attempt"], "2026-12-02T05:30:00Z");
    // The other organization's OK post waits for the same token, with the same reason.
    let other = row(&r, "other", "ok");
    assert_eq!(other["state"], "scheduled");
    assert_eq!(other["reason"], school["reason"]);
    assert_eq!(other["next_attempt"], "2026-12-02T05:30:00Z");
    // Published rows and rows waiting only for their time have nothing to explain.
    let vk = row(&r, "school", "vk");
    assert_eq!(vk["state"], "published");
    assert_eq!(vk["reason"], serde_json::Value::Null);
    assert_eq!(vk["next_attempt"], serde_json::Value::Null);

    // The same refusal half an hour later: still waiting since the first one.
    s.publish_at("2026-12-02 12:30").await;
    let r = rows(&s).await;
    let school = row(&r, "school", "ok");
    assert_eq!(school["since"], "2026-12-02T05:00:00Z");
    assert_eq!(school["next_attempt"], "2026-12-02T06:00:00Z");

    let ru = stdout(&s.vestnik(&["status"]).await);
    insta::assert_snapshot!("status_russian", ru);
    // Russian but for ids, states' machine names, the network's own words (quoted) and names.
    let network_said = [
        "PARAM_SESSION_EXPIRED",
        "Session",
        "expired",
        "mediatopic.post",
        "ok",
        "vk",
        "telegram",
        "vestnik",
    ];
    for line in ru.lines() {
        let words = crate::support::latin::latin_words(line, &network_said);
        assert!(words.is_empty(), "{words:?} in: {line}");
    }
    let en = stdout(&s.vestnik(&["status", "--lang", "en"]).await);
    insta::assert_snapshot!("status_english", en);
}
