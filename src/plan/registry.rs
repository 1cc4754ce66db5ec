//! The registry of official pages (реестр официальных страниц) kept by the municipal control
//! centre: organizations, their responsibles, profiles and pages, and the settings of the rules.
//!
//! Parsing takes text and returns the model plus every problem found; the `registry-*` rules that
//! judge the model live in `rules::registry`.

use std::collections::{BTreeMap, HashMap};

use jiff::tz::TimeZone;

use crate::plan::diagnostic::{Diagnostic, Rule, Severity};
use crate::plan::network::Network;
use crate::plan::source::Pos;
use crate::plan::time;
use crate::plan::yaml::{self, At, Fields, Kind, What};

/// Where the registry lives in a content repository.
pub const REGISTRY_PATH: &str = "plans/registry.yaml";

/// The parsed registry.
#[derive(Debug, Clone)]
pub struct Registry {
    /// Path of the file the registry came from.
    pub file: String,
    /// IANA name of the zone of every local time in plans.
    pub timezone_name: String,
    /// That zone.
    pub tz: TimeZone,
    /// Settings of the rules.
    pub rules: RuleSettings,
    /// The organizations, in written order.
    pub organizations: Vec<Organization>,
    /// False when the file could not be read at all: rules that need organizations are skipped
    /// instead of flooding the report with `unknown-org`.
    pub usable: bool,
    /// Index of `organizations` by id (first entry wins).
    by_id: HashMap<String, usize>,
}

/// `rules:` of the registry.
#[derive(Debug, Clone)]
pub struct RuleSettings {
    /// Minimum publications per page per ISO week (default 3, as the decree says).
    pub min_posts_per_week: u32,
    /// Besides the current week, how many following weeks must be planned (default 1).
    pub weeks_ahead: u32,
    /// Per-rule severity overrides; `None` turns a rule off.
    pub severity: BTreeMap<Rule, Option<Severity>>,
}

impl Default for RuleSettings {
    fn default() -> Self {
        Self {
            min_posts_per_week: 3,
            weeks_ahead: 1,
            severity: BTreeMap::new(),
        }
    }
}

impl RuleSettings {
    /// The severity `rule` reports at, given the severity the finding itself carries; `None` when
    /// the rule is turned off.
    pub fn effective(&self, rule: Rule, found: Severity) -> Option<Severity> {
        match self.severity.get(&rule) {
            Some(over) => *over,
            None => Some(found),
        }
    }
}

/// Whether an organization's pages are connected to Госпаблики.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gospubliki {
    /// Connected to Госпаблики: materials sent there reach the pages.
    Connected,
    /// Connection requested through ЦУР.
    Requested,
    /// Not connected.
    NotConnected,
}

/// One organization of Appendix 2 or 3 of the decree.
#[derive(Debug, Clone)]
pub struct Organization {
    /// Slug: the folder name under `plans/` and `media/`.
    pub id: At<String>,
    /// Name as in the decree.
    pub name: At<String>,
    /// Appendix 2 (must have pages) or Appendix 3 (may have none).
    pub required: bool,
    /// Official website.
    pub website: Option<At<String>>,
    /// Organizations this one may publish for (`*` = any).
    pub can_post_for: Vec<String>,
    /// The person responsible for the pages.
    pub responsible: Option<Responsible>,
    /// Госпаблики status.
    pub gospubliki: Option<At<Gospubliki>>,
    /// The profile every page must show.
    pub profile: Option<Profile>,
    /// Pages by network.
    pub pages: BTreeMap<Network, Page>,
    /// Where the entry starts.
    pub pos: Pos,
}

impl Organization {
    /// Whether this organization may publish posts for `other`.
    pub fn may_post_for(&self, other: &str) -> bool {
        self.id.value == other || self.can_post_for.iter().any(|o| o == "*" || o == other)
    }
}

/// The responsible person.
#[derive(Debug, Clone, Default)]
pub struct Responsible {
    /// Full name.
    pub name: Option<String>,
    /// Their position in the organization, e.g. «секретарь».
    pub position: Option<String>,
    /// A phone number to reach them, as written.
    pub phone: Option<String>,
    /// An e-mail address to reach them, as written.
    pub email: Option<String>,
    /// Since when.
    pub since: Option<String>,
    /// Their Telegram chat with vestnik's bot (a numeric user id; they must have started the
    /// bot), for copies of their organization's alerts.
    pub telegram: Option<String>,
    /// Where the entry starts.
    pub pos: Pos,
}

/// What a page profile must show (decree, section 2 item 3).
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// Text saying whose page it is.
    pub description: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Link to the address on a map.
    pub map: Option<String>,
    /// Phone numbers.
    pub phones: Vec<String>,
    /// Opening hours.
    pub hours: Option<String>,
    /// Where the entry starts.
    pub pos: Pos,
}

/// One official page.
#[derive(Debug, Clone)]
pub struct Page {
    /// The network.
    pub network: Network,
    /// VK community id, OK group id, Telegram `@channel` or numeric chat id.
    pub id: At<String>,
    /// Public link.
    pub url: Option<String>,
    /// «Госорганизация» mark obtained through Госуслуги.
    pub verified: Option<bool>,
    /// 2FA on the administering accounts.
    pub two_factor: Option<bool>,
    /// Who holds the login (names only).
    pub admins: Vec<String>,
    /// What moderation does with users' comments on the page (`report` when not written).
    pub moderation: Moderation,
    /// Where the page's key is written.
    pub pos: Pos,
}

/// `moderation:` of a page: what happens to users' comments the classifier finds wrong
/// (decree п. 3.7: spam, obscene language, insults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Moderation {
    /// Removes what is certain and what is likely.
    Delete,
    /// Removes only what is certain; reports what is likely.
    Hold,
    /// Removes nothing; reports to the responsible (the default: nothing is removed until the
    /// organization turns it on).
    #[default]
    Report,
    /// Comments are not read at all.
    Off,
}

impl Moderation {
    /// Every mode, in the order the documentation lists them.
    pub const ALL: [Moderation; 4] = [
        Moderation::Delete,
        Moderation::Hold,
        Moderation::Report,
        Moderation::Off,
    ];

    /// The word written in the registry.
    pub fn key(self) -> &'static str {
        match self {
            Moderation::Delete => "delete",
            Moderation::Hold => "hold",
            Moderation::Report => "report",
            Moderation::Off => "off",
        }
    }

    /// The mode written as `key`.
    pub fn from_key(key: &str) -> Option<Moderation> {
        Moderation::ALL.into_iter().find(|m| m.key() == key)
    }
}

impl Page {
    /// The page's public address: the registry's `url`, else the one its id makes (VK
    /// `club…`, OK `group/…`, Telegram `t.me/…` for a `@channel`). `None` for a private
    /// Telegram chat id.
    pub fn public_url(&self) -> Option<String> {
        if let Some(url) = self.url.as_deref().filter(|u| !u.trim().is_empty()) {
            return Some(url.trim().to_owned());
        }
        let id = self.id.value.trim();
        match self.network {
            Network::Vk => Some(format!("https://vk.com/club{}", id.trim_start_matches('-'))),
            Network::Ok => Some(format!("https://ok.ru/group/{id}")),
            Network::Telegram => id
                .strip_prefix('@')
                .map(|name| format!("https://t.me/{name}")),
        }
    }
}

impl Registry {
    /// A registry with no organizations, used when the file is missing or unreadable.
    pub fn unusable(file: &str) -> Self {
        Self {
            file: file.to_owned(),
            timezone_name: time::DEFAULT_ZONE.to_owned(),
            tz: time::zone(time::DEFAULT_ZONE).unwrap_or(TimeZone::UTC),
            rules: RuleSettings::default(),
            organizations: Vec::new(),
            usable: false,
            by_id: HashMap::new(),
        }
    }

    /// The organization with slug `id`.
    pub fn org(&self, id: &str) -> Option<&Organization> {
        self.by_id.get(id).map(|&i| &self.organizations[i])
    }

    /// Parses the registry from `text`; `file` names it in diagnostics. Always returns a registry
    /// (unusable when the YAML is malformed) and the problems found.
    pub fn parse(text: &str, file: &str) -> (Registry, Vec<Diagnostic>) {
        let mut out = Vec::new();
        let node = match yaml::parse(text, 0) {
            Ok(n) => n,
            Err(e) => {
                out.push(e.diagnostic(file, "registry-yaml", Some("registry-yaml-hint")));
                return (Registry::unusable(file), out);
            }
        };
        let mut reg = Registry::unusable(file);
        let Some(mut f) = Fields::new(&node, What::Msg("what-registry"), file, &mut out) else {
            return (reg, out);
        };
        reg.usable = true;
        if let Some(tz) = f.str("timezone") {
            match time::zone(&tz.value) {
                Ok(zone) => {
                    reg.tz = zone;
                    reg.timezone_name = tz.value;
                }
                Err(msg) => f.report(
                    Diagnostic::new(Rule::Schema, file, tz.pos, msg)
                        .hint(crate::t!("registry-timezone-hint")),
                ),
            }
        }
        if let Some(rules) = f.map("rules") {
            reg.rules = parse_rules(rules, file, f.out());
        }
        match f.node("organizations") {
            Some(n) => match &n.kind {
                Kind::Seq(items) => {
                    for item in items {
                        if let Some(org) = parse_org(item, file, f.out()) {
                            reg.organizations.push(org);
                        }
                    }
                }
                other => {
                    let msg = crate::t!("registry-orgs-not-a-list", found = other.describe());
                    f.report(
                        Diagnostic::new(Rule::Schema, file, n.pos, msg)
                            .hint(crate::t!("registry-orgs-not-a-list-hint")),
                    );
                }
            },
            None => {
                let pos = f.pos();
                f.report(
                    Diagnostic::new(Rule::Schema, file, pos, crate::t!("registry-no-orgs"))
                        .hint(crate::t!("registry-no-orgs-hint")),
                );
            }
        }
        f.finish(&["timezone", "rules", "organizations"]);
        for (i, o) in reg.organizations.iter().enumerate() {
            reg.by_id.entry(o.id.value.clone()).or_insert(i);
        }
        (reg, out)
    }
}

fn parse_rules(node: &yaml::Node, file: &str, out: &mut Vec<Diagnostic>) -> RuleSettings {
    let mut s = RuleSettings::default();
    let Some(mut f) = Fields::new(node, What::Msg("what-rules"), file, out) else {
        return s;
    };
    if let Some(n) = f.uint("min_posts_per_week", MIN_POSTS_RANGE) {
        s.min_posts_per_week = n.value;
    }
    if let Some(n) = f.uint("weeks_ahead", WEEKS_AHEAD_RANGE) {
        s.weeks_ahead = n.value;
    }
    if let Some(sev) = f.map("severity") {
        for (k, v) in sev.as_map().unwrap_or_default() {
            let key = k.scalar_text().unwrap_or_default();
            let Some(rule) = Rule::from_id(&key) else {
                let ids: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
                let mut d = Diagnostic::new(
                    Rule::Schema,
                    file,
                    k.pos,
                    crate::t!("registry-unknown-rule", key = key.as_str()),
                );
                d = match yaml::closest(&key, &ids) {
                    Some(best) => {
                        d.hint(crate::t!("registry-unknown-rule-did-you-mean", best = best))
                    }
                    None => d.hint(crate::t!(
                        "registry-unknown-rule-ids",
                        ids = yaml::name_list(crate::locale::current(), &ids)
                    )),
                };
                f.report(d);
                continue;
            };
            let value = v.scalar_text();
            if rule.guards() && value.as_deref() != Some("error") {
                f.report(
                    Diagnostic::new(
                        Rule::Schema,
                        file,
                        v.pos,
                        crate::t!("registry-guard-severity", key = key.as_str()),
                    )
                    .hint(crate::t!(
                        "registry-guard-severity-hint",
                        key = key.as_str()
                    )),
                );
                continue;
            }
            match value.as_deref() {
                Some("error") => s.severity.insert(rule, Some(Severity::Error)),
                Some("warning") => s.severity.insert(rule, Some(Severity::Warning)),
                Some("off") => s.severity.insert(rule, None),
                _ => {
                    f.report(
                        Diagnostic::new(
                            Rule::Schema,
                            file,
                            v.pos,
                            crate::t!("registry-bad-severity", key = key.as_str()),
                        )
                        .hint(crate::t!("registry-bad-severity-hint")),
                    );
                    None
                }
            };
        }
    }
    f.finish(&["min_posts_per_week", "weeks_ahead", "severity"]);
    s
}

/// `rules.min_posts_per_week`: a page can hardly publish more than a few times a day.
pub const MIN_POSTS_RANGE: std::ops::RangeInclusive<u32> = 0..=50;

/// `rules.weeks_ahead`: the weeks after the current one that must already be planned; a year
/// at most (the weekly rules walk every week of the window).
pub const WEEKS_AHEAD_RANGE: std::ops::RangeInclusive<u32> = 0..=52;

/// Whether `id` is a valid organization slug.
pub fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
}

fn parse_org(node: &yaml::Node, file: &str, out: &mut Vec<Diagnostic>) -> Option<Organization> {
    let mut f = Fields::new(node, What::Msg("what-organization"), file, out)?;
    let id = f.req_str("id", "school-krapivino");
    let name = f.req_str("name", "МБОУ «Крапивинская средняя школа»");
    let required = f.bool("required");
    if required.is_none() && !f.has("required") {
        let pos = f.pos();
        f.report(
            Diagnostic::new(Rule::Schema, file, pos, crate::t!("registry-no-required"))
                .hint(crate::t!("registry-no-required-hint")),
        );
    }
    if let Some(id) = &id
        && !is_slug(&id.value)
    {
        f.report(
            Diagnostic::new(
                Rule::Schema,
                file,
                id.pos,
                crate::t!("registry-bad-org-id", id = id.value.as_str()),
            )
            .hint(crate::t!("registry-bad-org-id-hint")),
        );
    }
    let website = f.str("website");
    let can_post_for = f
        .str_list("can_post_for")
        .map(|l| l.value.into_iter().map(|s| s.value).collect())
        .unwrap_or_default();
    let responsible = f
        .map("responsible")
        .and_then(|n| parse_responsible(n, file, f.out()));
    let gospubliki = f.str("gospubliki").and_then(|g| {
        let v = match g.value.as_str() {
            "connected" => Gospubliki::Connected,
            "requested" => Gospubliki::Requested,
            "not-connected" => Gospubliki::NotConnected,
            other => {
                let msg = crate::t!("registry-bad-gospubliki", value = other);
                f.report(
                    Diagnostic::new(Rule::Schema, file, g.pos, msg)
                        .hint(crate::t!("registry-bad-gospubliki-hint")),
                );
                return None;
            }
        };
        Some(At::new(v, g.pos))
    });
    let profile = f
        .map("profile")
        .and_then(|n| parse_profile(n, file, f.out()));
    let mut pages = BTreeMap::new();
    if let Some(pn) = f.map("pages") {
        for (k, v) in pn.as_map().unwrap_or_default() {
            let key = k.scalar_text().unwrap_or_default();
            match Network::from_key(&key) {
                Some(net) => {
                    if let Some(p) = parse_page(net, k.pos, v, file, f.out()) {
                        pages.insert(net, p);
                    }
                }
                None => f.report(
                    Diagnostic::new(
                        Rule::Schema,
                        file,
                        k.pos,
                        crate::t!("registry-unknown-network", key = key.as_str()),
                    )
                    .hint(crate::t!("registry-unknown-network-hint")),
                ),
            }
        }
    }
    let pos = f.pos();
    f.finish(&[
        "id",
        "name",
        "required",
        "website",
        "can_post_for",
        "responsible",
        "gospubliki",
        "profile",
        "pages",
    ]);
    Some(Organization {
        id: id?,
        name: name?,
        required: required.is_some_and(|r| r.value),
        website,
        can_post_for,
        responsible,
        gospubliki,
        profile,
        pages,
        pos,
    })
}

fn text(v: Option<At<String>>) -> Option<String> {
    v.map(|a| a.value).filter(|s| !s.trim().is_empty())
}

fn parse_responsible(
    node: &yaml::Node,
    file: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<Responsible> {
    let mut f = Fields::new(node, What::Msg("what-responsible"), file, out)?;
    let r = Responsible {
        name: text(f.str("name")),
        position: text(f.str("position")),
        phone: text(f.str("phone")),
        email: text(f.str("email")),
        since: text(f.str("since")),
        telegram: text(f.str("telegram")),
        pos: f.pos(),
    };
    f.finish(&["name", "position", "phone", "email", "since", "telegram"]);
    Some(r)
}

fn parse_profile(node: &yaml::Node, file: &str, out: &mut Vec<Diagnostic>) -> Option<Profile> {
    let mut f = Fields::new(node, What::Msg("what-profile"), file, out)?;
    let p = Profile {
        description: text(f.str("description")),
        address: text(f.str("address")),
        map: text(f.str("map")),
        phones: f
            .str_list("phones")
            .map(|l| {
                l.value
                    .into_iter()
                    .map(|s| s.value)
                    .filter(|s| !s.trim().is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        hours: text(f.str("hours")),
        pos: f.pos(),
    };
    f.finish(&["description", "address", "map", "phones", "hours"]);
    Some(p)
}

fn parse_page(
    net: Network,
    key_pos: Pos,
    node: &yaml::Node,
    file: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<Page> {
    let what = What::Msg(match net {
        Network::Vk => "what-page-vk",
        Network::Ok => "what-page-ok",
        Network::Telegram => "what-page-telegram",
    });
    let mut f = Fields::new(node, what, file, out)?;
    let example = match net {
        Network::Vk => "200000001",
        Network::Ok => "\"70000000000001\"",
        Network::Telegram => "\"@channel_name\"",
    };
    let id = f.req_str("id", example);
    if let Some(id) = &id {
        let ok = match net {
            Network::Vk | Network::Ok => {
                id.value.bytes().all(|b| b.is_ascii_digit()) && !id.value.is_empty()
            }
            Network::Telegram => {
                (id.value.starts_with('@') && id.value.len() > 1)
                    || id
                        .value
                        .strip_prefix('-')
                        .unwrap_or(&id.value)
                        .bytes()
                        .all(|b| b.is_ascii_digit())
            }
        };
        if !ok {
            let hint = match net {
                Network::Vk => "registry-bad-page-id-hint-vk",
                Network::Ok => "registry-bad-page-id-hint-ok",
                Network::Telegram => "registry-bad-page-id-hint-telegram",
            };
            f.report(
                Diagnostic::new(
                    Rule::Schema,
                    file,
                    id.pos,
                    crate::t!(
                        "registry-bad-page-id",
                        id = id.value.as_str(),
                        network = net.to_string()
                    ),
                )
                .hint(crate::t!(hint)),
            );
        }
    }
    let page = Page {
        network: net,
        id: id?,
        url: text(f.str("url")),
        verified: f.bool("verified").map(|b| b.value),
        two_factor: f.bool("two_factor").map(|b| b.value),
        admins: f
            .str_list("admins")
            .map(|l| l.value.into_iter().map(|s| s.value).collect())
            .unwrap_or_default(),
        moderation: Moderation::default(),
        pos: key_pos,
    };
    let mut page = page;
    if let Some(m) = f.str("moderation") {
        match Moderation::from_key(&m.value) {
            Some(mode) => page.moderation = mode,
            None => {
                let keys: Vec<&str> = Moderation::ALL.iter().map(|m| m.key()).collect();
                f.report(
                    Diagnostic::new(
                        Rule::Schema,
                        file,
                        m.pos,
                        crate::t!("registry-bad-moderation", value = m.value.as_str()),
                    )
                    .hint(crate::t!(
                        "registry-bad-moderation-hint",
                        values = yaml::name_list(crate::locale::current(), &keys)
                    )),
                );
            }
        }
    }
    f.finish(&[
        "id",
        "url",
        "verified",
        "two_factor",
        "admins",
        "moderation",
    ]);
    Some(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
timezone: Asia/Novokuznetsk
rules:
  min_posts_per_week: 4
  severity:
    registry-2fa: error
    variety: off
organizations:
  - id: school-1
    name: МБОУ «Школа»
    required: true
    pages:
      vk: {id: 200000001, url: https://vk.com/club200000001, verified: true, two_factor: false}
      telegram: {id: \"@school\"}
";

    #[test]
    fn parses_a_registry() {
        let (r, diags) = Registry::parse(SAMPLE, REGISTRY_PATH);
        assert!(diags.is_empty(), "{diags:?}");
        assert!(r.usable);
        assert_eq!(r.rules.min_posts_per_week, 4);
        assert_eq!(r.rules.weeks_ahead, 1);
        assert_eq!(
            r.rules.effective(Rule::Registry2fa, Severity::Warning),
            Some(Severity::Error)
        );
        assert_eq!(r.rules.effective(Rule::Variety, Severity::Warning), None);
        let org = r.org("school-1").unwrap();
        assert!(org.required);
        assert_eq!(org.pages[&Network::Vk].id.value, "200000001");
        assert_eq!(org.pages[&Network::Vk].pos, Pos::new(12, 7));
        assert_eq!(org.pages[&Network::Telegram].id.value, "@school");
    }

    #[test]
    fn moderation_defaults_to_report_and_refuses_unknown_modes() {
        let text = "organizations:\n  - id: s\n    name: S\n    required: true\n    pages:\n      vk: {id: 1, moderation: hold}\n      ok: {id: \"2\"}\n      telegram: {id: \"@s\", moderation: ban}\n";
        let (r, diags) = Registry::parse(text, REGISTRY_PATH);
        let org = r.org("s").unwrap();
        assert_eq!(org.pages[&Network::Vk].moderation, Moderation::Hold);
        assert_eq!(org.pages[&Network::Ok].moderation, Moderation::Report);
        assert_eq!(org.pages[&Network::Telegram].moderation, Moderation::Report);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!((diags[0].pos.line, diags[0].pos.column), (8, 40));
        assert!(diags[0].message.contains("ban"), "{}", diags[0].message);
    }

    #[test]
    fn reports_bad_fields_and_keeps_going() {
        let text = "\
organizations:
  - id: School 1
    name: X
    required: yes
    pages:
      vk: {id: abc}
      max: {id: 1}
  - id: ok-org
    name: Y
    required: false
    gospubliki: maybe
    pasword: secret
";
        let (r, diags) = Registry::parse(text, REGISTRY_PATH);
        let mut got: Vec<(u32, &str)> = diags.iter().map(|d| (d.pos.line, d.rule.id())).collect();
        got.sort();
        assert_eq!(
            got,
            [
                (2, "schema"),
                (4, "schema"),
                (6, "schema"),
                (7, "schema"),
                (11, "schema"),
                (12, "schema")
            ],
            "{diags:#?}"
        );
        assert_eq!(r.organizations.len(), 2);
    }

    #[test]
    fn malformed_registry_is_unusable_not_fatal() {
        let (r, diags) = Registry::parse("organizations: [\n", REGISTRY_PATH);
        assert!(!r.usable);
        assert_eq!(diags[0].rule, Rule::Yaml);
    }
}
