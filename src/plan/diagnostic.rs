//! Diagnostics: what `check` found, where, how bad it is and how to fix it.
//!
//! Every rule has a stable id (a contract with users' CI and scripts) and a default severity,
//! which the registry's `rules.severity` can change.

use std::fmt;

use crate::plan::network::Network;
use crate::plan::source::Pos;
use crate::plan::time::IsoWeek;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Reported, but `check` still passes (unless `--deny-warnings`).
    Warning,
    /// Makes `check` fail.
    Error,
}

impl Severity {
    /// `error` or `warning`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// «ошибка» or «предупреждение», in the process's language.
    pub fn label(self) -> String {
        crate::t!(match self {
            Severity::Error => "severity-error",
            Severity::Warning => "severity-warning",
        })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! rules {
    ($( $variant:ident = $id:literal, $sev:ident, $doc:literal; )*) => {
        /// A rule of `check`. The ids are stable: users' CI and scripts depend on them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $( #[doc = $doc] $variant, )*
        }

        impl Rule {
            /// Every rule, in documentation order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];

            /// The stable id, e.g. `three-per-week`.
            pub const fn id(self) -> &'static str {
                match self { $(Rule::$variant => $id,)* }
            }

            /// The severity unless the registry overrides it.
            pub const fn default_severity(self) -> Severity {
                match self { $(Rule::$variant => Severity::$sev,)* }
            }

            /// One line saying what the rule checks.
            pub const fn summary(self) -> &'static str {
                match self { $(Rule::$variant => $doc,)* }
            }
        }
    };
}

rules! {
    Yaml = "yaml", Error, "Malformed YAML or front matter (including an unclosed `---` block), unreadable or oversized files, invalid UTF-8.";
    Schema = "schema", Error, "Unknown field, wrong type or missing required field.";
    DuplicateId = "duplicate-id", Error, "Two posts of one organization with the same id (the same file name in two folders, an `id:` equal to another post's): neither is published until one is renamed.";
    Date = "date", Error, "Unparseable date, a date without a time, or a local time that does not exist.";
    UnknownOrg = "unknown-org", Error, "A folder or post names an organization that is not in the registry.";
    ForeignOrg = "foreign-org", Error, "A post in one organization's folder targets another organization that it may not post for.";
    UnknownNetwork = "unknown-network", Error, "A post targets a network on which the organization has no page.";
    ThreePerWeek = "three-per-week", Error, "An official page has fewer than the minimum publications in an ISO week (drafts alone only warn).";
    TextLength = "text-length", Error, "Text too long for a network after rendering.";
    Poll = "poll", Error, "A poll violates a network's limits.";
    AlbumSize = "album-size", Error, "More images than a network takes in one post.";
    Markdown = "markdown", Error, "Markdown that no network can show as written: images inside the text, tables, raw HTML.";
    EmptyPost = "empty-post", Error, "A ready post has nothing to publish on a network: no text, no images, no poll.";
    MediaMissing = "media-missing", Error, "An image file does not exist.";
    MediaPath = "media-path", Error, "An image path leaves media/<org-id>/ (absolute path, `..`, symlink out).";
    MediaFormat = "media-format", Error, "An image is not a decodable JPEG, PNG, WebP or GIF; a video or animation is damaged, a still picture, or not readable by FFmpeg.";
    MediaSize = "media-size", Error, "An image cannot be adapted to a network's limits (extreme ratio, too many pixels), or its file is too large to read; a clip is too long or too large (for Telegram: 50 MB after adaptation).";
    MediaTool = "media-tool", Error, "A post has a video or animation and FFmpeg (ffprobe, ffmpeg) is not installed: the clip cannot be checked.";
    Secret = "secret", Error, "A token-like string in a plan file (tokens never belong in git).";
    Style = "style", Warning, "Bureaucratese (канцелярит), stock phrases, chains of verbal nouns, over-long sentences.";
    Variety = "variety", Warning, "A page's week has only plain text posts (the decree asks for photos, cards, video, polls).";
    DraftDue = "draft-due", Warning, "A draft is due within 48 hours (an error once its time has passed).";
    StrayFile = "stray-file", Warning, "A file under plans/ that vestnik does not read (only .md, .yaml, .yml).";
    RegistryDuplicate = "registry-duplicate", Warning, "Two organizations with the same name or the same page id (the same id twice is a `schema` error).";
    RegistryPages = "registry-pages", Warning, "A required organization has no page on a network.";
    Registry2fa = "registry-2fa", Warning, "A page's administrator accounts are not marked as protected by 2FA.";
    RegistryVerified = "registry-verified", Warning, "A VK or OK page has no «Госорганизация» mark.";
    RegistryGospubliki = "registry-gospubliki", Warning, "A required organization is not connected to Госпаблики.";
    RegistryResponsible = "registry-responsible", Warning, "A required organization has no responsible person with phone and e-mail.";
    RegistryProfile = "registry-profile", Warning, "A page profile lacks description, address with map, phones, hours or links to the other pages.";
}

impl Rule {
    /// Whether the rule protects someone else (another organization's page, the host's files,
    /// a token, the uniqueness of what the ledger keys on): the publisher refuses what it finds
    /// too, and the registry cannot lower its severity.
    pub const fn guards(self) -> bool {
        matches!(
            self,
            Rule::UnknownOrg
                | Rule::ForeignOrg
                | Rule::UnknownNetwork
                | Rule::MediaPath
                | Rule::Secret
                | Rule::DuplicateId
        )
    }

    /// Looks a rule up by id.
    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.id() == id)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One finding of `check`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule that fired.
    pub rule: Rule,
    /// Severity after the registry's overrides.
    pub severity: Severity,
    /// Path relative to the content repository, with `/` separators.
    pub file: String,
    /// Where in the file.
    pub pos: Pos,
    /// What is wrong, in plain words.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
    /// The organization concerned, if any.
    pub org: Option<String>,
    /// The network concerned, if any.
    pub network: Option<Network>,
    /// The ISO week concerned, if any.
    pub week: Option<IsoWeek>,
    /// Whether the source line may be shown (false when it holds a secret).
    pub show_source: bool,
}

impl Diagnostic {
    /// A diagnostic of `rule` at its default severity.
    pub fn new(rule: Rule, file: impl Into<String>, pos: Pos, message: impl Into<String>) -> Self {
        Self {
            rule,
            severity: rule.default_severity(),
            file: file.into(),
            pos,
            message: message.into(),
            hint: None,
            org: None,
            network: None,
            week: None,
            show_source: true,
        }
    }

    /// Adds a hint.
    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Names the organization.
    #[must_use]
    pub fn org(mut self, org: impl Into<String>) -> Self {
        self.org = Some(org.into());
        self
    }

    /// Names the network.
    #[must_use]
    pub fn network(mut self, network: Network) -> Self {
        self.network = Some(network);
        self
    }

    /// Names the week.
    #[must_use]
    pub fn week(mut self, week: IsoWeek) -> Self {
        self.week = Some(week);
        self
    }

    /// Sets the severity (for rules whose severity depends on the finding).
    #[must_use]
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Hides the source line (it holds a secret).
    #[must_use]
    pub fn hide_source(mut self) -> Self {
        self.show_source = false;
        self
    }

    /// Sort key: file, position, rule.
    pub fn sort_key(&self) -> (&str, u32, u32, Rule, &str) {
        (
            &self.file,
            self.pos.line,
            self.pos.column,
            self.rule,
            &self.message,
        )
    }
}

/// A place diagnostics are collected into, for one file.
#[derive(Debug, Default)]
pub struct Sink {
    /// The collected diagnostics.
    pub items: Vec<Diagnostic>,
}

impl Sink {
    /// Adds one diagnostic.
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_described_in_both_languages_and_english_matches_the_table() {
        use crate::locale::{Lang, text_in};
        for r in Rule::ALL {
            let id = format!("rule-{}", r.id());
            assert_eq!(text_in(Lang::En, &id, &[]), r.summary(), "{id}");
            let ru = text_in(Lang::Ru, &id, &[]);
            assert!(ru != id && ru != r.summary(), "{id}: {ru}");
        }
    }

    #[test]
    fn ids_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for r in Rule::ALL {
            assert!(seen.insert(r.id()), "duplicate id {}", r.id());
            assert_eq!(Rule::from_id(r.id()), Some(*r));
        }
        assert_eq!(Rule::from_id("three-per-week"), Some(Rule::ThreePerWeek));
        assert_eq!(Rule::from_id("nope"), None);
    }
}
