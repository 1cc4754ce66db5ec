//! Alerts for people: every failed, uncertain or missed publication, every token that needs
//! renewal, every broken plan file and every edit made after publication becomes one message in
//! the Telegram chat of the МЦУ (and, when the registry gives one, in the responsible's chat).
//! A new responsible on the branch becomes one message to the МЦУ chat alone: the notice to ЦУР
//! (п. 2.3 of the decree), ready to forward.
//!
//! Alerts go through an outbox in the ledger: a problem is *raised* with a stable id in the same
//! process step that finds it ([`crate::publish::ledger::Ledger::raise`] ignores ids it already knows, so
//! each problem is alerted once, across restarts), and [`Alerter::deliver`] sends what is
//! pending. A delivery that fails stays pending and is tried again on the next turn; a crash
//! between sending and marking an alert sent repeats that one alert (at least once, never lost).

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use jiff::{SignedDuration, Timestamp};

use crate::networks::telegram;
use crate::plan::changes::{self, Change, Person};
use crate::plan::id::OrgId;
use crate::plan::network::Network;
use crate::plan::registry::Registry;
use crate::plan::time::IsoWeek;
use crate::publish::ledger::{Alert, Key, Ledger, LedgerError};

/// Telegram's limit for one message, in UTF-16 units; alerts are packed into messages below it.
const MESSAGE_LIMIT: usize = 3500;

fn id(kind: &str, k: &Key) -> String {
    format!("{kind}/{}/{}/{}", k.org, k.post, k.network.key())
}

/// A publication as people read it: `school/katok on VK`, «school/katok в VK».
pub fn what(k: &Key) -> String {
    crate::t!(
        "alert-what",
        org = k.org.as_str(),
        post = k.post.as_str(),
        network = k.network.to_string()
    )
}

/// A publication failed for good.
pub fn failed(k: &Key, why: &str) -> Alert {
    Alert {
        id: id("failed", k),
        org: Some(k.org.clone()),
        text: crate::t!("alert-failed", what = what(k), why = why),
    }
}

/// A publication may or may not be on the page.
pub fn uncertain(k: &Key, why: &str) -> Alert {
    Alert {
        id: id("uncertain", k),
        org: Some(k.org.clone()),
        text: crate::t!("alert-uncertain", what = what(k), why = why),
    }
}

/// A publication's time passed while vestnik was not running, beyond the grace window.
pub fn missed(k: &Key, grace: SignedDuration) -> Alert {
    Alert {
        id: id("missed", k),
        org: Some(k.org.clone()),
        text: crate::t!("alert-missed", what = what(k), minutes = grace.as_mins()),
    }
}

/// A published publication was edited in git: the change is not reposted.
pub fn edited(k: &Key, content: &str) -> Alert {
    Alert {
        id: format!("{}/{content}", id("edited", k)),
        org: Some(k.org.clone()),
        text: crate::t!("alert-edited", what = what(k)),
    }
}

/// A plan file cannot be read: its posts are neither published nor cancelled.
pub fn broken_file(file: &str, why: &str) -> Alert {
    let h = blake3::hash(why.as_bytes()).to_hex();
    Alert {
        id: format!("broken/{file}/{}", &h.as_str()[..16]),
        org: file.split('/').nth(1).map(OrgId::from),
        text: crate::t!("alert-broken-file", file = file, why = why),
    }
}

/// The id of the alert for a refused token (see `publish::block_key`).
pub fn token_id(block: &str) -> String {
    format!("token/{block}")
}

/// A token was refused: publishing to the page (Telegram) or the network (VK, OK) waits, and is
/// retried every `retry_every`.
pub fn token(block: &str, k: &Key, page: &str, why: &str, retry_every: SignedDuration) -> Alert {
    let scope = if block.contains('/') {
        crate::t!("alert-token-bot", page = page)
    } else {
        crate::t!("alert-token-network", network = k.network.to_string())
    };
    Alert {
        id: token_id(block),
        org: block.contains('/').then(|| k.org.clone()),
        text: crate::t!(
            "alert-token",
            network = k.network.to_string(),
            scope = scope,
            why = why,
            minutes = retry_every.as_mins()
        ),
    }
}

/// Who was and who is responsible, hashed field by field: the part of a responsible alert's id
/// that tells one change from another.
fn people_hash(people: [Option<&Person>; 2]) -> String {
    let mut h = blake3::Hasher::new();
    for p in people {
        match p {
            None => {
                h.update(b"\0");
            }
            Some(p) => {
                for field in [&p.name, &p.position, &p.phone, &p.email, &p.since] {
                    h.update(field.as_deref().map_or(b"\0".as_slice(), str::as_bytes));
                    h.update(b"\x1f");
                }
            }
        }
        h.update(b"\x1e");
    }
    h.finalize().to_hex().as_str()[..16].to_owned()
}

/// A new responsible in the registry (see [`changes::notice`]): the notice to ЦУР ready to
/// forward, under a line asking the МЦУ to send it. `None` for a change that needs no notice.
///
/// It goes to the МЦУ chat alone (no organization): the МЦУ tells ЦУР, and the responsible's
/// chat known to the alerter may be the previous person's. Its id names the organization and
/// hashes who was and who is responsible, so the same change seen again (another sync, a
/// restart) is alerted once.
pub fn responsible(c: &Change, new: &Registry) -> Option<Alert> {
    let notice = changes::notice(c, new)?;
    let Change::Responsible {
        org, old, new: now, ..
    } = c
    else {
        return None;
    };
    Some(Alert {
        id: format!(
            "responsible/{org}/{}",
            people_hash([old.as_ref(), now.as_ref()])
        ),
        org: None,
        text: format!("{}\n{notice}", crate::t!("alert-responsible")),
    })
}

/// The alerts for every new responsible from registry `old` to registry `new`.
pub fn responsibles(old: &Registry, new: &Registry) -> Vec<Alert> {
    changes::diff(old, new)
        .iter()
        .filter_map(|c| responsible(c, new))
        .collect()
}

/// The compliance summary of the ISO week before the one `now` is in: for every official page,
/// how many publications went out, and which pages fell short of the registry's weekly
/// minimum (the decree's three a week).
pub fn weekly(reg: &Registry, ledger: &dyn Ledger, now: Timestamp) -> Result<Alert, LedgerError> {
    let this = IsoWeek::of(now, &reg.tz);
    let last = IsoWeek::of_date(this.monday().saturating_sub(jiff::Span::new().days(7)));
    let min = reg.rules.min_posts_per_week;
    let start = |w: IsoWeek| {
        w.monday()
            .to_zoned_datetime(reg.tz.clone())
            .map_or(now, |z| z.timestamp())
    };
    let counts: BTreeMap<(String, Network), u32> = ledger
        .published_counts(start(last), start(this))?
        .into_iter()
        .map(|(org, net, n)| ((org, net), n))
        .collect();
    let mut pages = 0;
    let mut short = Vec::new();
    for org in &reg.organizations {
        for net in org.pages.keys() {
            pages += 1;
            let n = counts
                .get(&(org.id.value.clone(), *net))
                .copied()
                .unwrap_or(0);
            if n < min {
                short.push(crate::t!(
                    "alert-weekly-page",
                    org = org.id.value.as_str(),
                    network = net.to_string(),
                    count = n
                ));
            }
        }
    }
    let mut text = crate::t!(
        "alert-weekly",
        week = last.to_string(),
        span = last.span_label(),
        ok = pages - short.len(),
        pages = pages,
        min = min
    );
    if !short.is_empty() {
        text.push(' ');
        text.push_str(&crate::t!("alert-weekly-short", pages = short.join("; ")));
    }
    Ok(Alert {
        id: format!("weekly/{last}"),
        org: None,
        text,
    })
}

/// Escapes text for Telegram's HTML parse mode.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Packs alert texts into messages below Telegram's limit, one alert per paragraph (escaped
/// for HTML; an alert longer than a message is cut). Each message comes with the range of
/// `texts` it carries.
pub fn pack(texts: &[&str]) -> Vec<(Range<usize>, String)> {
    let mut out: Vec<(Range<usize>, String)> = Vec::new();
    let mut cur = String::new();
    let mut first = 0;
    for (i, t) in texts.iter().enumerate() {
        let t = escape(t);
        let t: String = if t.encode_utf16().count() > MESSAGE_LIMIT {
            t.chars().take(MESSAGE_LIMIT / 2).collect::<String>() + "…"
        } else {
            t
        };
        if !cur.is_empty()
            && (cur.encode_utf16().count() + t.encode_utf16().count() + 2) > MESSAGE_LIMIT
        {
            out.push((first..i, std::mem::take(&mut cur)));
            first = i;
        }
        if !cur.is_empty() {
            cur.push_str("\n\n");
        }
        cur.push_str(&t);
    }
    if !cur.is_empty() {
        out.push((first..texts.len(), cur));
    }
    out
}

/// Sends pending alerts to the МЦУ chat and the responsibles' chats.
pub struct Alerter {
    client: telegram::client::Client,
    chat: String,
    responsibles: HashMap<String, String>,
}

/// What a delivery did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Alerts delivered.
    pub sent: usize,
    /// Alerts still pending (delivery failed; tried again next time).
    pub pending: usize,
}

impl Alerter {
    /// Alerts go to `chat` through `client`; those of an organization also go to its
    /// responsible's chat in `responsibles` (org id → chat id).
    pub fn new(
        client: telegram::client::Client,
        chat: impl Into<String>,
        responsibles: HashMap<String, String>,
    ) -> Alerter {
        Alerter {
            client,
            chat: chat.into(),
            responsibles,
        }
    }

    /// Sends every pending alert, packed into as few messages as fit, and marks them sent.
    /// Stops at the first failure (the rest stay pending).
    ///
    /// Fails only when the ledger fails.
    pub async fn deliver<L: Ledger + ?Sized>(
        &self,
        ledger: &mut L,
        now: Timestamp,
    ) -> Result<Delivered, LedgerError> {
        let pending = ledger.pending_alerts()?;
        let mut d = Delivered {
            sent: 0,
            pending: pending.len(),
        };
        let texts: Vec<&str> = pending.iter().map(|a| a.text.as_str()).collect();
        for (range, message) in pack(&texts) {
            if let Err(e) = self.client.send_message(&self.chat, &message).await {
                tracing::warn!(error = %e, "alerts not delivered to the МЦУ chat; will try again");
                return Ok(d);
            }
            // The responsibles' copies are a courtesy: a failure there is logged, not retried.
            for a in &pending[range] {
                if let Some(chat) = a
                    .org
                    .as_ref()
                    .and_then(|o| self.responsibles.get(o.as_str()))
                {
                    for (_, copy) in pack(&[a.text.as_str()]) {
                        if let Err(e) = self.client.send_message(chat, &copy).await {
                            tracing::warn!(error = %e, org = a.org.as_deref().unwrap_or(""), "alert not delivered to the responsible");
                        }
                    }
                }
                ledger.alert_sent(&a.id, now)?;
                d.sent += 1;
                d.pending -= 1;
            }
        }
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        Key {
            org: "school".into(),
            post: "2026-12-01-hello".into(),
            network: Network::Telegram,
        }
    }

    #[test]
    fn ids_are_stable_and_distinct_per_problem() {
        let k = key();
        assert_eq!(failed(&k, "a").id, failed(&k, "b").id);
        assert_ne!(failed(&k, "a").id, uncertain(&k, "a").id);
        assert_ne!(edited(&k, "h1").id, edited(&k, "h2").id);
        assert_ne!(
            broken_file("plans/school/a.md", "3:1: x").id,
            broken_file("plans/school/a.md", "4:1: y").id
        );
        assert_eq!(
            broken_file("plans/school/a.md", "x").org.as_deref(),
            Some("school")
        );
        let vk = Key {
            network: Network::Vk,
            ..key()
        };
        assert_eq!(
            token("vk", &vk, "club1", "revoked", SignedDuration::from_mins(30)).id,
            "token/vk"
        );
        assert_eq!(
            token("vk", &vk, "club1", "revoked", SignedDuration::from_mins(30)).org,
            None
        );
    }

    fn registry(people: &[(&str, &str)]) -> Registry {
        let mut text = String::from("organizations:\n");
        for (org, responsible) in people {
            text.push_str(&format!(
                "  - id: {org}\n    name: Орг {org}\n    required: true\n    responsible: {responsible}\n    pages:\n      vk: {{id: 1}}\n"
            ));
        }
        let (reg, d) = Registry::parse(&text, crate::plan::registry::REGISTRY_PATH);
        assert!(d.is_empty(), "{d:?}");
        reg
    }

    /// A replaced responsible is one alert to the МЦУ chat alone, with the notice under the line
    /// asking to tell ЦУР; new contacts of the same person are none. The id is the same for the
    /// same change and differs for another one.
    #[test]
    fn a_new_responsible_is_one_alert_with_the_notice() {
        let old = registry(&[
            ("school", "{name: Иванова Анна, phone: '+7 900 000-00-01'}"),
            ("lib", "{name: Петров Олег}"),
        ]);
        let new = registry(&[
            ("school", "{name: Сидорова Е. В., since: 2026-12-01}"),
            ("lib", "{name: Петров Олег, phone: '+7 900 000-00-03'}"),
        ]);
        let alerts = responsibles(&old, &new);
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        let a = &alerts[0];
        assert!(a.id.starts_with("responsible/school/"), "{}", a.id);
        assert_eq!(a.org, None);
        let notice = changes::diff(&old, &new)
            .iter()
            .find_map(|c| changes::notice(c, &new))
            .unwrap();
        assert_eq!(
            a.text,
            format!("{}\n{notice}", crate::t!("alert-responsible"))
        );
        assert!(a.text.contains("Иванова Анна") && a.text.contains("Сидорова Е. В."));
        // The same change seen again: the same id.
        assert_eq!(responsibles(&old, &new), alerts);
        // Back to the first person, or to a third one: other ids.
        let back = responsibles(&new, &old);
        let third = registry(&[
            ("school", "{name: Кузнецов Иван}"),
            ("lib", "{name: Петров Олег}"),
        ]);
        let ids = [
            a.id.clone(),
            back[0].id.clone(),
            responsibles(&new, &third)[0].id.clone(),
        ];
        assert!(
            ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2],
            "{ids:?}"
        );
        assert!(responsibles(&new, &new).is_empty());
    }

    #[test]
    fn packs_below_the_limit_and_escapes_html() {
        let long = "x".repeat(1500);
        let texts = [long.as_str(), long.as_str(), long.as_str(), "a <b> & c"];
        let packed = pack(&texts);
        assert_eq!(packed.len(), 2);
        assert!(
            packed
                .iter()
                .all(|(_, m)| m.encode_utf16().count() <= MESSAGE_LIMIT)
        );
        assert!(packed[1].1.ends_with("a &lt;b&gt; &amp; c"));
        // Every alert is in exactly one message, in order.
        assert_eq!((packed[0].0.clone(), packed[1].0.clone()), (0..2, 2..4));
        let huge = "y".repeat(10_000);
        let packed = pack(&[huge.as_str()]);
        assert!(packed[0].1.encode_utf16().count() <= MESSAGE_LIMIT);
    }

    #[test]
    fn the_weekly_summary_names_the_pages_below_the_minimum() {
        use crate::publish::ledger::sqlite::SqliteLedger;
        use crate::publish::ledger::{Outcome, Planned, claim_due};
        let reg_text = "organizations:\n  - id: a\n    name: A\n    required: true\n    pages:\n      vk: {id: 1}\n  - id: b\n    name: B\n    required: true\n    pages:\n      vk: {id: 2}\n";
        let (reg, _) = Registry::parse(reg_text, crate::plan::registry::REGISTRY_PATH);
        let mut l = SqliteLedger::in_memory().unwrap();
        // 2026-W49 is Mon 30 Nov .. Sun 6 Dec (local, UTC+7); the summary runs in W50.
        let dues = [
            ("a", "2026-11-29T17:00:00Z"), // Mon 00:00 local: in W49
            ("a", "2026-12-02T03:00:00Z"),
            ("a", "2026-12-06T16:59:00Z"), // Sun 23:59 local: in W49
            ("b", "2026-12-03T03:00:00Z"),
            ("b", "2026-12-06T17:00:00Z"), // Mon 00:00 local of W50: not counted
        ];
        let planned: Vec<Planned> = dues
            .iter()
            .enumerate()
            .map(|(i, (org, due))| {
                Planned::new(
                    Key {
                        org: (*org).into(),
                        post: format!("p{i}").into(),
                        network: Network::Vk,
                    },
                    due.parse().unwrap(),
                    crate::publish::ledger::ContentHash::of(b"h"),
                    "plans/a/p.md",
                )
            })
            .collect();
        let t0: Timestamp = "2026-11-29T00:00:00Z".parse().unwrap();
        l.sync(&planned, &|_| false, t0, SignedDuration::from_hours(2))
            .unwrap();
        let end: Timestamp = "2026-12-07T00:00:00Z".parse().unwrap();
        for e in claim_due(&mut l, end, 10).unwrap() {
            let out = Outcome::Published {
                remote_id: "1".into(),
                url: None,
            };
            l.finish(&e.key, out, true, end).unwrap();
        }
        let now: Timestamp = "2026-12-07T02:00:00Z".parse().unwrap(); // Mon 09:00 local, W50
        let a = weekly(&reg, &l, now).unwrap();
        assert_eq!(a.id, "weekly/2026-W49");
        // In the default language: Russian.
        assert_eq!(
            a.text,
            "НЕДЕЛЯ 2026-W49 (30.11–06.12.2026): норму в 3 публикации выполнили 1 из 2 \
             официальных страниц. Ниже нормы: b в VK: 1."
        );
    }
}
