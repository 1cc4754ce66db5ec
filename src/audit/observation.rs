//! What the audit saw on a page: the publications on it ([`ObservedPost`]) and its profile
//! ([`PageProfile`]). The ledger keeps both (`publish::ledger`), so later audits, the report and
//! the weekly summary can use them; the findings are judged from them ([`super::judge`]).

use jiff::Timestamp;

use crate::plan::network::Network;

/// The longest excerpt of an observed post kept, in characters.
pub const EXCERPT_CHARS: usize = 200;

/// Who made an observed publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// vestnik: its remote id is a published row of the ledger.
    Vestnik,
    /// Someone else: a person by hand, or Госпаблики (the networks do not tell them apart).
    Hand,
    /// Not decided (kept by a version that could not tell).
    Unknown,
}

impl Source {
    /// The word stored in the ledger and shown in JSON: `vestnik`, `hand`, `unknown`.
    pub fn key(self) -> &'static str {
        match self {
            Source::Vestnik => "vestnik",
            Source::Hand => "hand",
            Source::Unknown => "unknown",
        }
    }

    /// The source stored as `key` (an unknown word is [`Source::Unknown`]).
    pub fn from_key(key: &str) -> Source {
        match key {
            "vestnik" => Source::Vestnik,
            "hand" => Source::Hand,
            _ => Source::Unknown,
        }
    }
}

/// One publication seen on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedPost {
    /// The network.
    pub network: Network,
    /// The page as the registry names it (VK community id, OK group id); for Telegram the
    /// channel's numeric id, which is what every update carries.
    pub page: String,
    /// The network's id of the publication, in the ledger's form (VK `-owner_post`, OK the
    /// topic id, Telegram the message id, or `album:<media_group_id>` for an album).
    pub remote_id: String,
    /// When it was published.
    pub at: Timestamp,
    /// Who made it.
    pub source: Source,
    /// Its text's first [`EXCERPT_CHARS`] characters, spaces collapsed.
    pub excerpt: String,
}

/// The first [`EXCERPT_CHARS`] characters of `text`, runs of white space as one space.
pub fn excerpt(text: &str) -> String {
    let mut out = String::new();
    for (n, word) in text.split_whitespace().enumerate() {
        if n > 0 {
            out.push(' ');
        }
        out.push_str(word);
        if out.chars().count() >= EXCERPT_CHARS {
            break;
        }
    }
    out.chars().take(EXCERPT_CHARS).collect()
}

/// Whether a page could be read, and as whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Found, readable, administered by vestnik's token or bot.
    Ok,
    /// Not found: deleted, blocked, or the id is wrong.
    NotFound,
    /// Found but closed to vestnik's token (a private community, a wall it may not read).
    Closed,
    /// Found, but vestnik's token or bot is not among its administrators any more.
    NotAdmin,
    /// The network refused the token itself (revoked, expired, of the wrong kind).
    TokenRefused,
    /// Found, read and administered by vestnik, but closed to the public: only members see
    /// its posts (a closed or private VK community, a closed or secret OK group). Everything
    /// else is judged as on an open page.
    Private,
}

impl Access {
    /// The word stored in the ledger and shown in JSON.
    pub fn key(self) -> &'static str {
        match self {
            Access::Ok => "ok",
            Access::NotFound => "not-found",
            Access::Closed => "closed",
            Access::NotAdmin => "not-admin",
            Access::TokenRefused => "token-refused",
            Access::Private => "private",
        }
    }

    /// The access stored as `key` (an unknown word reads as [`Access::Closed`]).
    pub fn from_key(key: &str) -> Access {
        match key {
            "ok" => Access::Ok,
            "not-found" => Access::NotFound,
            "not-admin" => Access::NotAdmin,
            "token-refused" => Access::TokenRefused,
            "private" => Access::Private,
            _ => Access::Closed,
        }
    }

    /// Whether vestnik read the page: its profile and posts are known.
    pub fn read(self) -> bool {
        matches!(self, Access::Ok | Access::Private)
    }

    /// Whether the page was found at all.
    pub fn found(self) -> bool {
        !matches!(self, Access::NotFound | Access::TokenRefused)
    }
}

/// One element of a page's profile the decree asks for (requirement 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Element {
    /// What the organization is and does.
    Description,
    /// The postal address.
    Address,
    /// The point on a map.
    Map,
    /// Telephone numbers.
    Phones,
    /// Opening hours.
    Hours,
    /// Links to the website and the other pages.
    Links,
}

impl Element {
    /// Every element, in the order findings name them.
    pub const ALL: [Element; 6] = [
        Element::Description,
        Element::Address,
        Element::Map,
        Element::Phones,
        Element::Hours,
        Element::Links,
    ];

    /// The word shown in JSON and used as the catalogue's selector.
    pub fn key(self) -> &'static str {
        match self {
            Element::Description => "description",
            Element::Address => "address",
            Element::Map => "map",
            Element::Phones => "phones",
            Element::Hours => "hours",
            Element::Links => "links",
        }
    }

    /// The elements a network's API shows, so that their absence means something:
    ///
    /// - VK `groups.getById` shows all six (`description`, `addresses.main_address` with its
    ///   coordinates, phone and timetable, `contacts`, `links` and `site`);
    /// - OK `group.getInfo` shows `description`, `address`, the coordinates and
    ///   `homepage_url`; phones and hours are UNCONFIRMED (NETWORKS.md §3.10), so not judged;
    /// - a Telegram channel has only its description (`getChat`).
    pub fn shown_by(network: Network) -> &'static [Element] {
        match network {
            Network::Vk => &Element::ALL,
            Network::Ok => &[
                Element::Description,
                Element::Address,
                Element::Map,
                Element::Links,
            ],
            Network::Telegram => &[Element::Description],
        }
    }
}

/// A page's profile as observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageProfile {
    /// The network.
    pub network: Network,
    /// The page as the registry names it.
    pub page: String,
    /// When it was read.
    pub at: Timestamp,
    /// Whether it could be read, and as whom. The fields below are empty unless found.
    pub access: Access,
    /// The network's words when the page could not be read (never a token).
    pub detail: Option<String>,
    /// The verification mark («Госорганизация»), when the network shows one (VK's `verified`;
    /// whether it is the gov mark is UNCONFIRMED, NETWORKS.md §2.10); `None` when it does not.
    pub verified: Option<bool>,
    /// The description.
    pub description: Option<String>,
    /// The main address.
    pub address: Option<String>,
    /// The map point, `latitude,longitude`.
    pub map: Option<String>,
    /// Telephone numbers.
    pub phones: Vec<String>,
    /// Opening hours, as the network gives them (VK: the timetable's days).
    pub hours: Option<String>,
    /// Links: the website and other links of the profile.
    pub links: Vec<String>,
}

impl PageProfile {
    /// A page that could not be read at `at`, for the reason `access`, the network saying
    /// `detail`.
    pub fn unreadable(
        network: Network,
        page: &str,
        at: Timestamp,
        access: Access,
        detail: Option<String>,
    ) -> PageProfile {
        PageProfile {
            network,
            page: page.to_owned(),
            at,
            access,
            detail,
            verified: None,
            description: None,
            address: None,
            map: None,
            phones: Vec::new(),
            hours: None,
            links: Vec::new(),
        }
    }

    /// Whether the profile shows `element` (a blank text does not count).
    pub fn has(&self, element: Element) -> bool {
        let text = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.trim().is_empty());
        match element {
            Element::Description => text(&self.description),
            Element::Address => text(&self.address),
            Element::Map => text(&self.map),
            Element::Phones => self.phones.iter().any(|p| !p.trim().is_empty()),
            Element::Hours => text(&self.hours),
            Element::Links => self.links.iter().any(|l| !l.trim().is_empty()),
        }
    }

    /// The elements the network shows that this profile lacks, in [`Element::ALL`]'s order.
    pub fn missing(&self) -> Vec<Element> {
        Element::shown_by(self.network)
            .iter()
            .copied()
            .filter(|e| !self.has(*e))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_collapses_spaces_and_keeps_200_characters() {
        assert_eq!(
            excerpt("  День\n\n  открытых   дверей "),
            "День открытых дверей"
        );
        let long = "я".repeat(500);
        assert_eq!(excerpt(&long).chars().count(), EXCERPT_CHARS);
    }

    #[test]
    fn missing_elements_are_those_the_network_shows() {
        let mut p = PageProfile::unreadable(
            Network::Telegram,
            "@school",
            Timestamp::UNIX_EPOCH,
            Access::Ok,
            None,
        );
        assert_eq!(p.missing(), [Element::Description]);
        p.description = Some("Школа №1".into());
        assert!(p.missing().is_empty());
        p.network = Network::Vk;
        assert_eq!(
            p.missing(),
            [
                Element::Address,
                Element::Map,
                Element::Phones,
                Element::Hours,
                Element::Links
            ]
        );
        p.network = Network::Ok;
        assert_eq!(
            p.missing(),
            [Element::Address, Element::Map, Element::Links]
        );
    }

    #[test]
    fn words_read_back() {
        for s in [Source::Vestnik, Source::Hand, Source::Unknown] {
            assert_eq!(Source::from_key(s.key()), s);
        }
        for a in [
            Access::Ok,
            Access::NotFound,
            Access::Closed,
            Access::NotAdmin,
            Access::TokenRefused,
        ] {
            assert_eq!(Access::from_key(a.key()), a);
        }
    }
}
