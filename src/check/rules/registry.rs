//! The `registry-*` rules: duplicates, missing pages, 2FA, the «Госорганизация» mark, Госпаблики,
//! the responsible person and the page profile. They default to warnings so that CI stays usable
//! while the registry is being filled; `rules.severity` can raise them.

use std::collections::HashMap;

use crate::plan::diagnostic::{Diagnostic, Rule};
use crate::plan::network::Network;
use crate::plan::registry::{Gospubliki, Registry};
use crate::t;

/// Checks the registry itself.
pub fn check(reg: &Registry) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let file = reg.file.as_str();
    let mut ids: HashMap<&str, &str> = HashMap::new();
    let mut names: HashMap<String, &str> = HashMap::new();
    let mut page_ids: HashMap<(Network, &str), &str> = HashMap::new();
    for org in &reg.organizations {
        let id = org.id.value.as_str();
        if let Some(first) = ids.insert(id, id) {
            out.push(
                Diagnostic::new(
                    Rule::Schema,
                    file,
                    org.id.pos,
                    t!("schema-registry-id-twice", id = first),
                )
                .hint(t!("schema-registry-id-twice-hint"))
                .org(id),
            );
        }
        if let Some(first) = names.insert(normalize(&org.name.value), id) {
            out.push(
                Diagnostic::new(
                    Rule::RegistryDuplicate,
                    file,
                    org.name.pos,
                    t!(
                        "registry-duplicate-name",
                        name = org.name.value.as_str(),
                        first = first
                    ),
                )
                .hint(t!("registry-duplicate-name-hint"))
                .org(id),
            );
        }
        for (net, page) in &org.pages {
            if let Some(first) = page_ids.insert((*net, page.id.value.as_str()), id) {
                out.push(
                    Diagnostic::new(
                        Rule::RegistryDuplicate,
                        file,
                        page.id.pos,
                        t!(
                            "registry-duplicate-page",
                            net = net.display_name(),
                            page = page.id.value.as_str(),
                            first = first
                        ),
                    )
                    .hint(t!("registry-duplicate-page-hint"))
                    .org(id)
                    .network(*net),
                );
            }
        }
        if !org.required {
            continue;
        }
        let name = &org.name.value;
        let missing: Vec<Network> = Network::ALL
            .into_iter()
            .filter(|n| !org.pages.contains_key(n))
            .collect();
        if !missing.is_empty() {
            let list: Vec<&str> = missing.iter().map(|n| n.display_name()).collect();
            let mut d = Diagnostic::new(
                Rule::RegistryPages,
                file,
                org.pos,
                t!(
                    "registry-pages-missing",
                    name = name.as_str(),
                    networks = list.join(", ")
                ),
            )
            .hint(t!("registry-pages-missing-hint"))
            .org(id);
            if let [one] = missing.as_slice() {
                d = d.network(*one);
            }
            out.push(d);
        }
        for (net, page) in &org.pages {
            if page.two_factor != Some(true) {
                out.push(
                    Diagnostic::new(
                        Rule::Registry2fa,
                        file,
                        page.pos,
                        t!(
                            "registry-2fa-off",
                            net = net.display_name(),
                            name = name.as_str()
                        ),
                    )
                    .hint(t!("registry-2fa-off-hint"))
                    .org(id)
                    .network(*net),
                );
            }
            if *net != Network::Telegram && page.verified != Some(true) {
                out.push(
                    Diagnostic::new(
                        Rule::RegistryVerified,
                        file,
                        page.pos,
                        t!(
                            "registry-verified-no-mark",
                            net = net.display_name(),
                            name = name.as_str()
                        ),
                    )
                    .hint(t!("registry-verified-no-mark-hint"))
                    .org(id)
                    .network(*net),
                );
            }
        }
        let gp = org.gospubliki.as_ref().map(|g| g.value);
        if matches!(gp, None | Some(Gospubliki::NotConnected)) {
            out.push(
                Diagnostic::new(
                    Rule::RegistryGospubliki,
                    file,
                    org.gospubliki.as_ref().map_or(org.pos, |g| g.pos),
                    t!("registry-gospubliki-off", name = name.as_str()),
                )
                .hint(t!("registry-gospubliki-off-hint"))
                .org(id),
            );
        }
        let r = org.responsible.as_ref();
        let mut lacks = Vec::new();
        if r.and_then(|r| r.name.as_ref()).is_none() {
            lacks.push(t!("registry-responsible-name"));
        }
        if r.and_then(|r| r.phone.as_ref()).is_none() {
            lacks.push(t!("registry-responsible-phone"));
        }
        if r.and_then(|r| r.email.as_ref()).is_none() {
            lacks.push(t!("registry-responsible-email"));
        }
        if !lacks.is_empty() {
            let msg = if r.is_none() {
                t!("registry-responsible-none", name = name.as_str())
            } else {
                t!(
                    "registry-responsible-lacks",
                    name = name.as_str(),
                    missing = lacks.join(", ")
                )
            };
            out.push(
                Diagnostic::new(
                    Rule::RegistryResponsible,
                    file,
                    r.map_or(org.pos, |r| r.pos),
                    msg,
                )
                .hint(t!("registry-responsible-hint"))
                .org(id),
            );
        }
        let p = org.profile.as_ref();
        let mut lacks = Vec::new();
        if p.and_then(|p| p.description.as_ref()).is_none() {
            lacks.push(t!("registry-profile-description"));
        }
        if p.and_then(|p| p.address.as_ref()).is_none() {
            lacks.push(t!("registry-profile-address"));
        }
        if p.and_then(|p| p.map.as_ref()).is_none() {
            lacks.push(t!("registry-profile-map"));
        }
        if p.is_none_or(|p| p.phones.is_empty()) {
            lacks.push(t!("registry-profile-phones"));
        }
        if p.and_then(|p| p.hours.as_ref()).is_none() {
            lacks.push(t!("registry-profile-hours"));
        }
        let without_url: Vec<&str> = org
            .pages
            .values()
            .filter(|pg| pg.url.is_none())
            .map(|pg| pg.network.display_name())
            .collect();
        if !without_url.is_empty() {
            lacks.push(t!("registry-profile-links"));
        }
        if !lacks.is_empty() {
            out.push(
                Diagnostic::new(
                    Rule::RegistryProfile,
                    file,
                    p.map_or(org.pos, |p| p.pos),
                    t!(
                        "registry-profile-lacks",
                        name = name.as_str(),
                        missing = lacks.join(", ")
                    ),
                )
                .hint(t!("registry-profile-hint"))
                .org(id),
            );
        }
    }
    out
}

/// A name compared without case, quotes and extra spaces: «МКДЦ Лидер» = «МКДЦ «ЛИДЕР»».
fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '«' | '»' | '"' | '\'' | '„' | '“' | '”'))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::registry::REGISTRY_PATH;

    #[test]
    fn registry_rules_fire_where_they_should() {
        let text = "\
organizations:
  - id: a
    name: МБУК «МКДЦ Лидер»
    required: true
    gospubliki: connected
    responsible: {name: Иванова, phone: '1', email: a@b.c}
    profile: {description: d, address: a, map: m, phones: ['1'], hours: h}
    pages:
      vk: {id: 1, url: u, verified: true, two_factor: true}
      ok: {id: 2, url: u, verified: true, two_factor: true}
      telegram: {id: '@a', url: u, two_factor: true}
  - id: b
    name: МБУК «МКДЦ «ЛИДЕР»»
    required: true
    pages:
      vk: {id: 1}
  - id: c
    name: Контрольно-счетный орган
    required: false
";
        let (reg, d) = Registry::parse(text, REGISTRY_PATH);
        assert!(d.is_empty(), "{d:?}");
        let diags = check(&reg);
        let got: Vec<(u32, &str)> = diags.iter().map(|d| (d.pos.line, d.rule.id())).collect();
        assert_eq!(
            got,
            [
                (13, "registry-duplicate"),
                (16, "registry-duplicate"),
                (12, "registry-pages"),
                (16, "registry-2fa"),
                (16, "registry-verified"),
                (12, "registry-gospubliki"),
                (12, "registry-responsible"),
                (12, "registry-profile"),
            ]
        );
        assert!(diags.iter().all(|d| d.org.as_deref() == Some("b")));
    }
}
