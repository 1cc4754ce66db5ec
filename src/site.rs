//! `vestnik site`: the block each organization's website must carry (п. 3.6 of the decree):
//! links to its official pages, each with the network's name in words (not an icon alone), as
//! HTML to paste into the site (no scripts, no fonts, no external requests) or as JSON for a
//! CMS. Built from the registry alone.

use serde::Serialize;

use crate::plan::registry::{Organization, Registry};
use crate::render::markdown::escape_into;

/// Why no block can be made.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    /// `--org` names no organization of the registry.
    #[error("no organization `{0}` in the registry")]
    UnknownOrg(String),
}

impl SiteError {
    /// Why, in the process's language.
    pub fn message(&self) -> String {
        match self {
            SiteError::UnknownOrg(id) => crate::t!("site-unknown-org", org = id.as_str()),
        }
    }
}

/// One official page as a website shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SiteLink {
    /// The network's key: `vk`, `ok`, `telegram` (machine value).
    pub network: &'static str,
    /// The network's name as people read it: «ВКонтакте», «Одноклассники», «Телеграм».
    pub label: String,
    /// The page's public address.
    pub url: String,
}

/// The block of one organization.
#[derive(Debug, Clone, Serialize)]
pub struct SiteBlock {
    /// The organization's id in the registry.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its website, when the registry has it.
    pub website: Option<String>,
    /// Its official pages, in the registry's network order.
    pub pages: Vec<SiteLink>,
}

fn block(org: &Organization) -> SiteBlock {
    SiteBlock {
        id: org.id.value.clone(),
        name: org.name.value.clone(),
        website: org.website.as_ref().map(|w| w.value.clone()),
        pages: org
            .pages
            .values()
            .filter_map(|page| {
                Some(SiteLink {
                    network: page.network.key(),
                    label: page.network.full_name(),
                    url: page.public_url()?,
                })
            })
            .collect(),
    }
}

/// The blocks of every organization with a page, or of the organization `only`.
///
/// Fails when `only` names no organization of the registry.
pub fn blocks(reg: &Registry, only: Option<&str>) -> Result<Vec<SiteBlock>, SiteError> {
    match only {
        Some(id) => reg
            .org(id)
            .map(|o| vec![block(o)])
            .ok_or_else(|| SiteError::UnknownOrg(id.to_owned())),
        None => Ok(reg
            .organizations
            .iter()
            .filter(|o| !o.pages.is_empty())
            .map(block)
            .collect()),
    }
}

/// The HTML a website pastes: a `<section>` with a heading and a list of links, in the
/// process's language. Links open in the same tab (no `target`), carry the network's name in
/// words, and `rel="me"` says the pages belong to the site's owner.
pub fn snippet(b: &SiteBlock) -> String {
    let mut out = String::new();
    let heading_id = format!("official-pages-{}", b.id);
    out.push_str("<section class=\"official-pages\" aria-labelledby=\"");
    escape_into(&mut out, &heading_id, true);
    out.push_str("\">\n  <h2 id=\"");
    escape_into(&mut out, &heading_id, true);
    out.push_str("\">");
    escape_into(&mut out, &crate::t!("site-heading"), false);
    out.push_str("</h2>\n");
    if b.pages.is_empty() {
        out.push_str("  <p>");
        escape_into(&mut out, &crate::t!("site-no-pages"), false);
        out.push_str("</p>\n");
    } else {
        out.push_str("  <ul>\n");
        for link in &b.pages {
            out.push_str("    <li><a href=\"");
            escape_into(&mut out, &link.url, true);
            out.push_str("\" rel=\"me\">");
            escape_into(
                &mut out,
                &crate::t!(
                    "site-link",
                    network = link.label.as_str(),
                    name = b.name.as_str()
                ),
                false,
            );
            out.push_str("</a></li>\n");
        }
        out.push_str("  </ul>\n");
    }
    out.push_str("</section>\n");
    out
}

/// The webmasters' page's style.
const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:1rem auto;padding:0 1rem}\npre{white-space:pre-wrap;background:#f4f4f4;padding:.5rem;overflow-wrap:anywhere}\narticle{border-top:1px solid #ccc;padding-top:1rem;margin-top:1rem}";

/// A self-contained page with every block, each under its organization's name and followed by
/// its code to copy: what the МЦУ sends to the organizations' webmasters.
pub fn to_html(blocks: &[SiteBlock]) -> String {
    let mut out = String::new();
    crate::render::page::open(&mut out, &crate::t!("site-title"), STYLE);
    out.push_str("<p>");
    escape_into(&mut out, &crate::t!("site-intro"), false);
    out.push_str("</p>\n");
    for b in blocks {
        let code = snippet(b);
        out.push_str("<article>\n<h2>");
        escape_into(&mut out, &b.name, false);
        out.push_str("</h2>\n");
        if let Some(site) = &b.website {
            out.push_str("<p>");
            escape_into(
                &mut out,
                &crate::t!("site-website", url = site.as_str()),
                false,
            );
            out.push_str("</p>\n");
        }
        out.push_str(&code.replace("<h2", "<h3").replace("</h2>", "</h3>"));
        out.push_str("<p>");
        escape_into(&mut out, &crate::t!("site-code"), false);
        out.push_str("</p>\n<pre><code>");
        escape_into(&mut out, &code, false);
        out.push_str("</code></pre>\n</article>\n");
    }
    crate::render::page::close(&mut out);
    out
}

/// The blocks as JSON: `{"organizations": [{"id", "name", "website", "pages": [{"network",
/// "label", "url"}]}]}` (keys are a contract; `label` follows the language).
pub fn to_json(blocks: &[SiteBlock]) -> String {
    let v = serde_json::json!({ "organizations": blocks });
    format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGISTRY: &str = "\
organizations:
  - id: school
    name: МБОУ «Школа <1>»
    required: true
    website: https://school.example.ru
    pages:
      vk: {id: 100}
      ok: {id: '200', url: 'https://ok.ru/school'}
      telegram: {id: '@school'}
  - id: museum
    name: Музей
    required: false
    pages:
      telegram: {id: '-1001234'}
  - id: nopages
    name: Без страниц
    required: false
";

    fn reg() -> Registry {
        Registry::parse(REGISTRY, "plans/registry.yaml").0
    }

    #[test]
    fn links_come_from_the_registry_or_the_page_ids() {
        let all = blocks(&reg(), None).unwrap();
        // Organizations without pages have no block; a private chat has no public link.
        assert_eq!(
            all.iter().map(|b| b.id.as_str()).collect::<Vec<_>>(),
            ["school", "museum"]
        );
        let urls: Vec<&str> = all[0].pages.iter().map(|l| l.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://vk.com/club100",
                "https://ok.ru/school",
                "https://t.me/school"
            ]
        );
        assert!(all[1].pages.is_empty());
        assert!(matches!(
            blocks(&reg(), Some("nobody")),
            Err(SiteError::UnknownOrg(_))
        ));
    }

    #[test]
    fn the_snippet_is_accessible_escaped_and_self_contained() {
        let b = &blocks(&reg(), Some("school")).unwrap()[0];
        let html = snippet(b);
        // Every link names its network in words, and the name is escaped.
        assert_eq!(html.matches("<a href=").count(), 3);
        assert!(html.contains("ВКонтакте"), "{html}");
        assert!(html.contains("&lt;1&gt;"), "{html}");
        assert!(!html.contains("<1>"));
        for banned in ["<script", "<link", "<img", "src=", "@import", "url("] {
            assert!(!html.contains(banned), "{banned} in {html}");
        }
        let page = to_html(&blocks(&reg(), None).unwrap());
        for banned in ["<script", "<link", "<img", "src=", "@import", "url("] {
            assert!(!page.contains(banned), "{banned} in the page");
        }
        // The code to copy is shown escaped, once per organization.
        assert_eq!(page.matches("&lt;section class=").count(), 2);
    }
}
