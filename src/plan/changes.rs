//! What changed in the registry between two of its versions, per organization: the responsible
//! replaced or their contacts changed, pages added or removed, a page's link, «Госорганизация»
//! mark or 2FA, the Госпаблики status, whether the organization is required. The decree (п. 2.3)
//! asks the МЦУ to tell ЦУР at once when an organization changes its responsible: a
//! [`Change::Responsible`] with [`ResponsibleChange::Replaced`] is that event.
//!
//! Pure: two parsed registries in, changes out. Reading a version from git is `plan::repo`'s.

use serde::Serialize;

use crate::plan::network::Network;
use crate::plan::registry::{Gospubliki, Organization, Registry, Responsible};

/// A responsible person as the changes, the notice to ЦУР and the report show them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Person {
    /// Full name.
    pub name: Option<String>,
    /// Position.
    pub position: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Since when.
    pub since: Option<String>,
}

impl From<&Responsible> for Person {
    fn from(r: &Responsible) -> Self {
        Person {
            name: r.name.clone(),
            position: r.position.clone(),
            phone: r.phone.clone(),
            email: r.email.clone(),
            since: r.since.clone(),
        }
    }
}

/// How the responsible changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponsibleChange {
    /// Another person (the name changed, or one appeared or left): ЦУР must be told.
    Replaced,
    /// The same person, other contacts, position or date.
    Updated,
}

/// One change of one organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A new organization.
    Added {
        /// Its id.
        org: String,
        /// Its name.
        name: String,
    },
    /// An organization left the registry.
    Removed {
        /// Its id.
        org: String,
        /// Its name.
        name: String,
    },
    /// The same organization (same name) under a new id.
    Renamed {
        /// The old id.
        from: String,
        /// The new id.
        org: String,
        /// Its name.
        name: String,
    },
    /// The organization's name.
    Name {
        /// Its id.
        org: String,
        /// Before.
        old: String,
        /// After.
        new: String,
    },
    /// Whether it must have pages (Appendix 2) or may (Appendix 3).
    Required {
        /// Its id.
        org: String,
        /// After.
        new: bool,
    },
    /// The Госпаблики status.
    Gospubliki {
        /// Its id.
        org: String,
        /// Before (`connected`, `requested`, `no`, or none).
        old: Option<&'static str>,
        /// After.
        new: Option<&'static str>,
    },
    /// The responsible person.
    Responsible {
        /// Its id.
        org: String,
        /// Replaced or updated.
        change: ResponsibleChange,
        /// Before.
        old: Option<Person>,
        /// After.
        new: Option<Person>,
    },
    /// A page appeared.
    PageAdded {
        /// Its id.
        org: String,
        /// The network.
        network: Network,
        /// The page's id in the network.
        page: String,
    },
    /// A page was removed.
    PageRemoved {
        /// Its id.
        org: String,
        /// The network.
        network: Network,
        /// The page's id in the network.
        page: String,
    },
    /// A field of a page: `id`, `url`, `verified`, `two_factor`.
    Page {
        /// Its id.
        org: String,
        /// The network.
        network: Network,
        /// The field.
        field: &'static str,
        /// Before (empty when unset).
        old: String,
        /// After.
        new: String,
    },
}

impl Change {
    /// The organization (its id after the change) the change is about.
    pub fn org(&self) -> &str {
        match self {
            Change::Added { org, .. }
            | Change::Removed { org, .. }
            | Change::Renamed { org, .. }
            | Change::Name { org, .. }
            | Change::Required { org, .. }
            | Change::Gospubliki { org, .. }
            | Change::Responsible { org, .. }
            | Change::PageAdded { org, .. }
            | Change::PageRemoved { org, .. }
            | Change::Page { org, .. } => org,
        }
    }
}

fn gospubliki(o: &Organization) -> Option<&'static str> {
    o.gospubliki.as_ref().map(|g| match g.value {
        Gospubliki::Connected => "connected",
        Gospubliki::Requested => "requested",
        Gospubliki::NotConnected => "no",
    })
}

fn flag(v: Option<bool>) -> String {
    v.map_or_else(String::new, |b| b.to_string())
}

/// The changes from `old` to `new`, organization by organization in `new`'s order, then the
/// removed ones. An organization whose id changed but whose name did not is one rename, and
/// its other changes follow it.
pub fn diff(old: &Registry, new: &Registry) -> Vec<Change> {
    let mut out = Vec::new();
    let mut matched: Vec<&str> = Vec::new();
    for n in &new.organizations {
        let id = n.id.value.as_str();
        let before = old.org(id).or_else(|| {
            // A new id with a name that left under another id: a rename.
            old.organizations
                .iter()
                .find(|o| o.name.value == n.name.value && new.org(&o.id.value).is_none())
        });
        let Some(o) = before else {
            out.push(Change::Added {
                org: id.to_owned(),
                name: n.name.value.clone(),
            });
            continue;
        };
        matched.push(o.id.value.as_str());
        if o.id.value != n.id.value {
            out.push(Change::Renamed {
                from: o.id.value.clone(),
                org: id.to_owned(),
                name: n.name.value.clone(),
            });
        }
        organization(o, n, &mut out);
    }
    for o in &old.organizations {
        if !matched.contains(&o.id.value.as_str()) {
            out.push(Change::Removed {
                org: o.id.value.clone(),
                name: o.name.value.clone(),
            });
        }
    }
    out
}

fn organization(o: &Organization, n: &Organization, out: &mut Vec<Change>) {
    let org = n.id.value.clone();
    if o.name.value != n.name.value {
        out.push(Change::Name {
            org: org.clone(),
            old: o.name.value.clone(),
            new: n.name.value.clone(),
        });
    }
    if o.required != n.required {
        out.push(Change::Required {
            org: org.clone(),
            new: n.required,
        });
    }
    if gospubliki(o) != gospubliki(n) {
        out.push(Change::Gospubliki {
            org: org.clone(),
            old: gospubliki(o),
            new: gospubliki(n),
        });
    }
    let (before, after) = (
        o.responsible.as_ref().map(Person::from),
        n.responsible.as_ref().map(Person::from),
    );
    if before != after {
        let name = |p: &Option<Person>| {
            p.as_ref().and_then(|p| p.name.as_deref()).map(|n| {
                n.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase()
            })
        };
        let change = if name(&before) == name(&after) {
            ResponsibleChange::Updated
        } else {
            ResponsibleChange::Replaced
        };
        out.push(Change::Responsible {
            org: org.clone(),
            change,
            old: before,
            new: after,
        });
    }
    for (network, page) in &n.pages {
        let Some(was) = o.pages.get(network) else {
            out.push(Change::PageAdded {
                org: org.clone(),
                network: *network,
                page: page.id.value.clone(),
            });
            continue;
        };
        let fields = [
            ("id", was.id.value.clone(), page.id.value.clone()),
            (
                "url",
                was.url.clone().unwrap_or_default(),
                page.url.clone().unwrap_or_default(),
            ),
            ("verified", flag(was.verified), flag(page.verified)),
            ("two_factor", flag(was.two_factor), flag(page.two_factor)),
        ];
        for (field, old, new) in fields {
            if old != new {
                out.push(Change::Page {
                    org: org.clone(),
                    network: *network,
                    field,
                    old,
                    new,
                });
            }
        }
    }
    for (network, page) in &o.pages {
        if !n.pages.contains_key(network) {
            out.push(Change::PageRemoved {
                org: org.clone(),
                network: *network,
                page: page.id.value.clone(),
            });
        }
    }
}

/// A person in one line: name, position, phone, e-mail (what is known), or «не указан».
fn person(p: Option<&Person>) -> String {
    let parts: Vec<&str> = p
        .map(|p| {
            [&p.name, &p.position, &p.phone, &p.email]
                .into_iter()
                .filter_map(|v| v.as_deref())
                .filter(|v| !v.trim().is_empty())
                .collect()
        })
        .unwrap_or_default();
    if parts.is_empty() {
        crate::t!("changes-nobody")
    } else {
        parts.join(", ")
    }
}

fn gospubliki_words(v: Option<&'static str>) -> String {
    crate::t!("changes-gospubliki-state", state = v.unwrap_or("none"))
}

/// One change in a line, in the process's language.
pub fn describe(c: &Change) -> String {
    match c {
        Change::Added { .. } => crate::t!("changes-added"),
        Change::Removed { .. } => crate::t!("changes-removed"),
        Change::Renamed { from, org, .. } => {
            crate::t!("changes-renamed", from = from.as_str(), to = org.as_str())
        }
        Change::Name { old, new, .. } => {
            crate::t!("changes-name", old = old.as_str(), new = new.as_str())
        }
        Change::Required { new, .. } => crate::t!(if *new {
            "changes-required"
        } else {
            "changes-not-required"
        }),
        Change::Gospubliki { old, new, .. } => crate::t!(
            "changes-gospubliki",
            old = gospubliki_words(*old),
            new = gospubliki_words(*new)
        ),
        Change::Responsible {
            change, old, new, ..
        } => crate::t!(
            match change {
                ResponsibleChange::Replaced => "changes-responsible-replaced",
                ResponsibleChange::Updated => "changes-responsible-updated",
            },
            old = person(old.as_ref()),
            new = person(new.as_ref())
        ),
        Change::PageAdded { network, page, .. } => crate::t!(
            "changes-page-added",
            network = network.to_string(),
            page = page.as_str()
        ),
        Change::PageRemoved { network, page, .. } => crate::t!(
            "changes-page-removed",
            network = network.to_string(),
            page = page.as_str()
        ),
        Change::Page {
            network,
            field,
            old,
            new,
            ..
        } => crate::t!(
            "changes-page-field",
            network = network.to_string(),
            field = *field,
            old = if old.is_empty() { "—" } else { old.as_str() },
            new = if new.is_empty() { "—" } else { new.as_str() }
        ),
    }
}

/// The notice to ЦУР for a replaced responsible (п. 2.3 of the decree), ready to send: which
/// organization and pages, who was and who is responsible, with contacts, since when. `None`
/// for any other change.
pub fn notice(c: &Change, reg: &Registry) -> Option<String> {
    let Change::Responsible {
        org,
        change: ResponsibleChange::Replaced,
        old,
        new,
    } = c
    else {
        return None;
    };
    let o = reg.org(org)?;
    let pages: Vec<String> = o
        .pages
        .values()
        .map(|p| match p.public_url() {
            Some(url) => format!("{} {url}", p.network),
            None => format!("{} {}", p.network, p.id.value),
        })
        .collect();
    let since = new
        .as_ref()
        .and_then(|p| p.since.clone())
        .unwrap_or_else(|| crate::t!("changes-since-unknown"));
    Some(crate::t!(
        "changes-notice",
        name = o.name.value.as_str(),
        pages = if pages.is_empty() {
            crate::t!("changes-no-pages")
        } else {
            pages.join(", ")
        },
        since = since,
        old = person(old.as_ref()),
        new = person(new.as_ref())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(text: &str) -> Registry {
        let (r, d) = Registry::parse(text, "plans/registry.yaml");
        assert!(
            d.iter()
                .all(|d| d.severity != crate::plan::diagnostic::Severity::Error),
            "{d:?}"
        );
        r
    }

    const OLD: &str = "\
organizations:
  - id: school
    name: МБОУ «Школа»
    required: true
    gospubliki: requested
    responsible: {name: Иванова Анна Петровна, position: секретарь, phone: '+7 900 000-00-01', email: a@school.ru, since: 2026-09-01}
    pages:
      vk: {id: 100, verified: false}
      ok: {id: '200'}
  - id: lib
    name: Библиотека
    required: false
  - id: gone
    name: Закрытый клуб
    required: false
";

    const NEW: &str = "\
organizations:
  - id: school
    name: МБОУ «Школа»
    required: true
    gospubliki: connected
    responsible: {name: Петров Олег, position: учитель, phone: '+7 900 000-00-02', email: o@school.ru, since: 2026-12-01}
    pages:
      vk: {id: 100, verified: true}
      telegram: {id: '@school'}
  - id: library
    name: Библиотека
    required: true
    responsible: {name: Сидорова Е. В.}
  - id: new
    name: Новый музей
    required: false
";

    #[test]
    fn every_kind_of_change_is_found() {
        let changes = diff(&reg(OLD), &reg(NEW));
        let kinds: Vec<String> = changes
            .iter()
            .map(|c| {
                serde_json::to_value(c).unwrap()["kind"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "gospubliki",
                "responsible",
                "page",
                "page_added",
                "page_removed",
                "renamed",
                "required",
                "responsible",
                "added",
                "removed"
            ]
        );
        assert!(matches!(
            &changes[1],
            Change::Responsible {
                change: ResponsibleChange::Replaced,
                ..
            }
        ));
        assert!(
            matches!(&changes[5], Change::Renamed { from, org, .. } if from == "lib" && org == "library")
        );
        assert!(diff(&reg(NEW), &reg(NEW)).is_empty());
        // The notice to ЦУР: only for the replaced responsible, with both people's contacts.
        let notices: Vec<String> = changes
            .iter()
            .filter_map(|c| notice(c, &reg(NEW)))
            .collect();
        assert_eq!(notices.len(), 2, "{notices:?}");
        assert!(notices[0].contains("Иванова Анна Петровна, секретарь, +7 900 000-00-01"));
        assert!(notices[0].contains("Петров Олег, учитель"));
        assert!(notices[0].contains("2026-12-01"));
    }

    #[test]
    fn new_contacts_of_the_same_person_are_an_update() {
        let new = OLD.replace("+7 900 000-00-01", "+7 900 111-11-11");
        let changes = diff(&reg(OLD), &reg(&new));
        assert!(matches!(
            changes.as_slice(),
            [Change::Responsible {
                change: ResponsibleChange::Updated,
                ..
            }]
        ));
    }
}
