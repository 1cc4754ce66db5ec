//! What each network calls a publication once it is up, and the public link that follows from
//! it. The ledger keeps the id as text ([`RemoteId`]'s `Display`), in the same form as before
//! it was a type: `owner_post` on VK, the message ids joined by `,` on Telegram, the topic id on
//! OK.

use std::fmt;

use crate::plan::registry::Page;

/// A publication as a network knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteId {
    /// A VK wall post.
    Vk {
        /// The wall's owner: the community, negative.
        owner_id: i64,
        /// The post on that wall.
        post_id: i64,
    },
    /// The Telegram messages of one publication, in order (an album and its text, a poll):
    /// the first is the one linked.
    Telegram(Vec<i64>),
    /// An OK group topic.
    Ok(String),
}

impl RemoteId {
    /// The public link of the publication on `page`, where the id makes one: a Telegram
    /// channel needs a public `@username` for a link.
    pub fn url(&self, page: &Page) -> Option<String> {
        match self {
            RemoteId::Vk { owner_id, post_id } => {
                Some(format!("https://vk.com/wall{owner_id}_{post_id}"))
            }
            RemoteId::Telegram(ids) => {
                let first = ids.first()?;
                let name = page.id.value.strip_prefix('@')?;
                Some(format!("https://t.me/{name}/{first}"))
            }
            RemoteId::Ok(topic) => Some(format!(
                "https://ok.ru/group/{}/topic/{topic}",
                page.id.value
            )),
        }
    }
}

impl fmt::Display for RemoteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteId::Vk { owner_id, post_id } => write!(f, "{owner_id}_{post_id}"),
            RemoteId::Telegram(ids) => {
                for (i, id) in ids.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{id}")?;
                }
                Ok(())
            }
            RemoteId::Ok(topic) => f.write_str(topic),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::network::Network;
    use crate::plan::source::Pos;
    use crate::plan::yaml::At;

    fn page(network: Network, id: &str) -> Page {
        Page {
            network,
            id: At::new(id.to_owned(), Pos::START),
            url: None,
            verified: None,
            two_factor: None,
            admins: Vec::new(),
            moderation: crate::plan::registry::Moderation::default(),
            pos: Pos::START,
        }
    }

    #[test]
    fn ids_print_as_the_ledger_keeps_them_and_make_links() {
        let vk = RemoteId::Vk {
            owner_id: -100,
            post_id: 7,
        };
        assert_eq!(vk.to_string(), "-100_7");
        assert_eq!(
            vk.url(&page(Network::Vk, "100")).as_deref(),
            Some("https://vk.com/wall-100_7")
        );
        let tg = RemoteId::Telegram(vec![5, 6]);
        assert_eq!(tg.to_string(), "5,6");
        assert_eq!(
            tg.url(&page(Network::Telegram, "@school")).as_deref(),
            Some("https://t.me/school/5")
        );
        assert_eq!(tg.url(&page(Network::Telegram, "-1001234")), None);
        assert_eq!(
            RemoteId::Telegram(vec![]).url(&page(Network::Telegram, "@s")),
            None
        );
        let ok = RemoteId::Ok("123".to_owned());
        assert_eq!(ok.to_string(), "123");
        assert_eq!(
            ok.url(&page(Network::Ok, "200")).as_deref(),
            Some("https://ok.ru/group/200/topic/123")
        );
    }
}
