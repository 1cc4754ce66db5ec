//! `vestnik sandbox`: the three local emulators (VK, OK, Telegram) started together and seeded
//! with the pages of the registry, so that a newcomer can watch publishing without any token.
//! [`Sandbox::describe`] tells the base URLs and the test credentials; the command itself
//! (serve until stopped) belongs to the command line (`vestnik sandbox`).

use std::fmt::Write as _;

use crate::networks::{RateLimits, ok, telegram, vk};
use crate::plan::network::Network;
use crate::plan::registry::Registry;

/// The user id that owns the sandbox's VK user token and administers every community.
pub const VK_USER_ID: i64 = 100;

/// The sandbox's VK user token. Obviously fake.
pub const VK_TOKEN: &str = "vk-sandbox-user-token";

/// The three running emulators.
pub struct Sandbox {
    /// Telegram Bot API emulator.
    pub telegram: telegram::emulator::Emulator,
    /// VK API emulator.
    pub vk: vk::emulator::Emulator,
    /// OK API emulator.
    pub ok: ok::emulator::Emulator,
    /// Each Telegram page's discussion group (where its comments live), by the page's id in
    /// the registry.
    pub discussions: std::collections::BTreeMap<String, i64>,
}

/// The discussion group the sandbox links to the channel `channel`.
const fn discussion_of(channel: i64) -> i64 {
    channel - 1_000_000_000
}

/// The rates each emulator of the sandbox enforces (per token, and per chat or page where
/// set); past them an emulator answers as its network does (429, error 6, error 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SandboxLimits {
    /// Telegram Bot API emulator.
    pub telegram: RateLimits,
    /// VK API emulator.
    pub vk: RateLimits,
    /// OK API emulator.
    pub ok: RateLimits,
}

impl SandboxLimits {
    /// The networks' own limits, as far as they are known: Telegram 20 messages a minute per
    /// chat and 30 a second in total (short bursts in one chat are tolerated, so no per-second
    /// limit per chat: an album would break it), VK 3 requests a second per token, OK the
    /// assumed 3 a second (UNCONFIRMED, [`RateLimits::OK`]). The clients' defaults keep within
    /// all of them.
    pub const REAL: SandboxLimits = SandboxLimits {
        telegram: RateLimits {
            per_chat_per_sec: 0,
            per_chat_per_min: 20,
            global_per_sec: 30,
        },
        vk: RateLimits::VK,
        ok: RateLimits::OK,
    };

    /// No limits (tests that are about something else).
    pub const UNLIMITED: SandboxLimits = SandboxLimits {
        telegram: RateLimits::UNLIMITED,
        vk: RateLimits::UNLIMITED,
        ok: RateLimits::UNLIMITED,
    };
}

impl Default for SandboxLimits {
    /// [`SandboxLimits::REAL`].
    fn default() -> SandboxLimits {
        SandboxLimits::REAL
    }
}

/// Starts the emulators with every page of `reg` (channels, communities, groups), with the
/// networks' rate limits ([`SandboxLimits::REAL`]).
///
/// Fails when a local port cannot be bound.
pub async fn start(reg: &Registry) -> std::io::Result<Sandbox> {
    start_with_limits(reg, SandboxLimits::REAL).await
}

/// Like [`start`] with each emulator's rate limits given: a benchmark raises them (VK 20/s)
/// to keep a burst short, a test about something else turns them off. Clients that publish to
/// the sandbox should keep to the same numbers (their `Config::rate`).
///
/// Fails when a local port cannot be bound.
pub async fn start_with_limits(reg: &Registry, limits: SandboxLimits) -> std::io::Result<Sandbox> {
    let mut tg = telegram::emulator::Config {
        rate: limits.telegram,
        ..telegram::emulator::Config::default()
    };
    let mut ok_cfg = ok::emulator::Config {
        rate: limits.ok,
        ..ok::emulator::Config::default()
    };
    let mut communities = Vec::new();
    let mut discussions = std::collections::BTreeMap::new();
    for (i, org) in reg.organizations.iter().enumerate() {
        for (net, page) in &org.pages {
            match net {
                Network::Telegram => {
                    let (id, username) = match page.id.value.strip_prefix('@') {
                        Some(name) => (-1_002_000_000_000 - i as i64, Some(name.to_owned())),
                        None => (
                            page.id
                                .value
                                .parse()
                                .unwrap_or(-1_002_000_000_000 - i as i64),
                            None,
                        ),
                    };
                    let group = discussion_of(id);
                    tg.chats.push(telegram::emulator::Chat {
                        id,
                        username,
                        title: org.name.value.clone(),
                        kind: telegram::emulator::ChatKind::Channel,
                        description: org.profile.as_ref().and_then(|p| p.description.clone()),
                        linked_chat_id: Some(group),
                    });
                    tg.chats.push(telegram::emulator::Chat {
                        id: group,
                        username: None,
                        title: format!("{} (discussion)", org.name.value),
                        kind: telegram::emulator::ChatKind::Supergroup,
                        description: None,
                        linked_chat_id: Some(id),
                    });
                    discussions.insert(page.id.value.clone(), group);
                }
                Network::Ok => ok_cfg.groups.push(ok::emulator::Group {
                    gid: page.id.value.clone(),
                    name: org.name.value.clone(),
                }),
                Network::Vk => {
                    if let Ok(id) = page.id.value.parse::<u64>() {
                        communities.push(id);
                    }
                }
            }
        }
    }
    let telegram = telegram::emulator::start(tg).await?;
    let ok = ok::emulator::start(ok_cfg).await?;
    let vk_cfg = vk::emulator::Config {
        rate: limits.vk,
        ..vk::emulator::Config::default()
    };
    let vk = vk::emulator::start(vk_cfg).await?;
    vk.state.add_user_token(VK_TOKEN, VK_USER_ID);
    for id in communities {
        vk.state.add_community(id, &[VK_USER_ID]);
    }
    Ok(Sandbox {
        telegram,
        vk,
        ok,
        discussions,
    })
}

impl Sandbox {
    /// Credentials that reach the three emulators, as the publisher takes them.
    pub fn credentials(&self) -> Vec<crate::networks::Credentials> {
        use crate::networks::Credentials;
        use crate::networks::Secret;
        vec![
            Credentials::Telegram {
                base_url: self.telegram.base_url.clone(),
                token: Secret::new(telegram::emulator::TEST_TOKEN),
            },
            Credentials::Vk {
                base_url: self.vk.base_url.clone(),
                token: Secret::new(VK_TOKEN),
            },
            Credentials::Ok {
                base_url: self.ok.base_url.clone(),
                application_key: ok::emulator::TEST_APPLICATION_KEY.into(),
                application_secret_key: Secret::new(ok::emulator::TEST_APPLICATION_SECRET),
                token: Secret::new(ok::emulator::TEST_ACCESS_TOKEN),
            },
        ]
    }

    /// Seeds the pages of `reg` for `vestnik audit` (issue 14), so that every finding the
    /// pages themselves can cause shows: in the week that ended last before `now` (in the
    /// registry's zone), posts made by hand on every VK community (only two on the first
    /// organization's: fewer than the minimum) and in every Telegram channel; a complete
    /// profile with the registry's mark on the first community, a profile without phone and
    /// hours and without the mark on the others; the last organization's community deleted
    /// when there are three or more, and the bot no longer an administrator of the second
    /// organization's channel. (`audit-gospubliki` comes from the plans: a post with
    /// `external: Госпаблики` of an organization connected to it.)
    pub fn seed_audit(&self, reg: &Registry, now: jiff::Timestamp) {
        use crate::plan::time::IsoWeek;
        let tz = &reg.tz;
        let week = IsoWeek::of(now - jiff::SignedDuration::from_hours(7 * 24), tz);
        let at = |day: i64, hour: i8| {
            let date = week.monday() + jiff::Span::new().days(day);
            tz.to_ambiguous_timestamp(date.to_datetime(jiff::civil::time(hour, 0, 0, 0)))
                .compatible()
                .map_or(0, jiff::Timestamp::as_second)
        };
        let count = reg.organizations.len();
        for (i, org) in reg.organizations.iter().enumerate() {
            for (net, page) in &org.pages {
                match net {
                    Network::Vk => {
                        let Ok(id) = page.id.value.parse::<u64>() else {
                            continue;
                        };
                        let mut profile = vk::emulator::Profile::complete(&org.name.value);
                        if i == 0 {
                            profile.verified = page.verified.unwrap_or(false);
                        } else {
                            profile.verified = false;
                            profile.phone.clear();
                            profile.weekdays = None;
                        }
                        self.vk.state.set_profile(id, profile);
                        let posts = if i == 0 { 2 } else { 3 };
                        for d in 0..posts {
                            self.vk.state.add_post_by_hand(
                                id,
                                VK_USER_ID,
                                "Запись, сделанная вручную",
                                at(d * 2, 10),
                            );
                        }
                        if count >= 3 && i == count - 1 {
                            self.vk.state.delete_community(id);
                        }
                    }
                    Network::Telegram => {
                        let channel = match page.id.value.strip_prefix('@') {
                            Some(_) => -1_002_000_000_000 - i as i64,
                            None => page
                                .id
                                .value
                                .parse()
                                .unwrap_or(-1_002_000_000_000 - i as i64),
                        };
                        self.telegram.state.channel_post(
                            channel,
                            "Объявление, опубликованное вручную",
                            at(1, 12),
                        );
                        if i == 1 {
                            self.telegram.state.demote_bots(channel);
                        }
                    }
                    Network::Ok => {
                        // A description only: no address, map point or website.
                        self.ok.state.set_group_profile(
                            &page.id.value,
                            ok::emulator::GroupProfile {
                                description: format!("Официальная группа: {}", org.name.value),
                                ..Default::default()
                            },
                        );
                        self.ok.state.add_topic_by_hand(
                            &page.id.value,
                            "Тема, опубликованная вручную",
                            at(3, 12) * 1000,
                        );
                    }
                }
            }
        }
    }

    /// What a person needs to point vestnik (or curl) at the sandbox.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{}", crate::t!("sandbox-intro"));
        let _ = writeln!(
            s,
            "telegram  base_url={}  token={}",
            self.telegram.base_url,
            telegram::emulator::TEST_TOKEN
        );
        let _ = writeln!(
            s,
            "vk        base_url={}  user_token={VK_TOKEN}",
            self.vk.base_url
        );
        let _ = writeln!(
            s,
            "ok        base_url={}  application_key={}  application_secret_key={}  access_token={}",
            self.ok.base_url,
            ok::emulator::TEST_APPLICATION_KEY,
            ok::emulator::TEST_APPLICATION_SECRET,
            ok::emulator::TEST_ACCESS_TOKEN
        );
        let _ = writeln!(s, "{}", crate::t!("sandbox-outro"));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::registry::REGISTRY_PATH;

    #[tokio::test]
    async fn the_sandbox_knows_every_page_of_the_registry() {
        let text = "organizations:\n  - id: a\n    name: A\n    required: true\n    pages:\n      vk: {id: 900000001}\n      ok: {id: '990000000000001'}\n      telegram: {id: '@a_channel'}\n";
        let (reg, _) = Registry::parse(text, REGISTRY_PATH);
        let sb = start(&reg).await.unwrap();
        let d = sb.describe();
        assert!(
            d.contains(&sb.telegram.base_url)
                && d.contains(&sb.vk.base_url)
                && d.contains(&sb.ok.base_url)
        );
        // The Telegram channel exists: a message to it is accepted.
        let client = telegram::client::Client::new(telegram::client::Config {
            base_url: sb.telegram.base_url.clone(),
            ..telegram::client::Config::new(crate::networks::Secret::new(
                telegram::emulator::TEST_TOKEN,
            ))
        })
        .unwrap();
        client.send_message("@a_channel", "Привет").await.unwrap();
        assert_eq!(sb.telegram.state.messages("@a_channel").len(), 1);
    }
}
