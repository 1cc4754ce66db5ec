//! Moderation of comments: the classifier that rates a comment `keep`, `hold` or `delete`, with
//! the rule, category and span that say why.
//!
//! The rules are data (`rules/moderation/*.yaml`, compiled in; a content repository adds to
//! them and overrides them in [`LOCAL_PATH`], see `docs/moderation.md`). A comment is read once
//! into its [`skeleton`] (lowercase words, lookalikes and obfuscation undone, every byte mapped
//! back to the original); one `RegexSet` pass over the skeleton tells which word rules fire, and
//! only those are located. Links, phone numbers and mentions are found in the original text.
//! Repetition across pages and accounts needs memory: [`Classifier::classify_seen`] with a
//! [`Recent`].
//!
//! **Invariant:** classification is pure and never panics; a span is a range of the original
//! text on character boundaries.

mod recent;
mod rules;
pub mod skeleton;

use std::ops::Range;

use regex::{Regex, RegexSet};

use crate::plan::diagnostic::Diagnostic;

pub use recent::{Recent, Seen};
use rules::{Detector, RuleSet, WordRule};
use skeleton::Skeleton;

/// Where a content repository keeps its own moderation rules.
pub const LOCAL_PATH: &str = "plans/moderation.yaml";

/// The built-in rule files, compiled into the binary: (name, text).
pub const BUILTIN: [(&str, &str); 5] = [
    (
        "rules/moderation/normalize.yaml",
        include_str!("../../rules/moderation/normalize.yaml"),
    ),
    (
        "rules/moderation/obscene.yaml",
        include_str!("../../rules/moderation/obscene.yaml"),
    ),
    (
        "rules/moderation/insult.yaml",
        include_str!("../../rules/moderation/insult.yaml"),
    ),
    (
        "rules/moderation/spam.yaml",
        include_str!("../../rules/moderation/spam.yaml"),
    ),
    (
        "rules/moderation/allow.yaml",
        include_str!("../../rules/moderation/allow.yaml"),
    ),
];

/// At most this many reasons are kept for one comment.
pub const MAX_REASONS: usize = 16;

/// What should happen to a comment: ordered, `Keep < Hold < Delete`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Nothing wrong found.
    Keep,
    /// Likely wrong, but doubtful: a person should look.
    Hold,
    /// Certainly wrong: obscenity, clear spam, a clear insult addressed to a person.
    Delete,
}

impl Verdict {
    /// The verdict's id as in the data and in JSON.
    pub const fn id(self) -> &'static str {
        match self {
            Verdict::Keep => "keep",
            Verdict::Hold => "hold",
            Verdict::Delete => "delete",
        }
    }

    /// The verdict of an id (`keep`, `hold`, `delete`).
    pub fn from_id(id: &str) -> Option<Verdict> {
        [Verdict::Keep, Verdict::Hold, Verdict::Delete]
            .into_iter()
            .find(|v| v.id() == id)
    }
}

/// Why a comment is moderated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Obscene language (нецензурная лексика).
    Obscene,
    /// An insult addressed to a person.
    Insult,
    /// Spam: advertising, links, phone numbers, repeated text, mass mentions.
    Spam,
}

impl Category {
    /// The category's id as in the data and in JSON.
    pub const fn id(self) -> &'static str {
        match self {
            Category::Obscene => "obscene",
            Category::Insult => "insult",
            Category::Spam => "spam",
        }
    }

    /// The category of an id.
    pub fn from_id(id: &str) -> Option<Category> {
        [Category::Obscene, Category::Insult, Category::Spam]
            .into_iter()
            .find(|c| c.id() == id)
    }
}

/// One rule that fired.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Reason {
    /// The rule's id (`obscene-root-h`, `spam-link`…).
    pub rule: String,
    /// The rule's category.
    pub category: Category,
    /// The original text the rule matched.
    #[serde(rename = "match")]
    pub matched: String,
    /// Byte range of the match in the original text, on character boundaries.
    #[serde(skip)]
    pub span: Range<usize>,
    /// What this reason alone asks for.
    #[serde(skip)]
    pub verdict: Verdict,
}

/// The classifier's answer for one comment.
#[derive(Clone, Debug, PartialEq)]
pub struct Judgement {
    /// The highest verdict of the reasons; `Keep` when there are none.
    pub verdict: Verdict,
    /// Every rule that fired, in text order.
    pub reasons: Vec<Reason>,
}

impl Judgement {
    fn new(mut reasons: Vec<Reason>) -> Judgement {
        reasons.sort_by_key(|r| (r.span.start, r.span.end));
        reasons.truncate(MAX_REASONS);
        let verdict = reasons
            .iter()
            .map(|r| r.verdict)
            .max()
            .unwrap_or(Verdict::Keep);
        Judgement { verdict, reasons }
    }
}

/// The compiled moderation rules.
#[derive(Debug, Clone)]
pub struct Classifier {
    set: RuleSet,
    any: RegexSet,
    link: Regex,
    phone: Regex,
    mention: Regex,
}

impl Classifier {
    /// The built-in rules alone.
    pub fn builtin() -> Classifier {
        let (c, diags) = Classifier::from_texts(None);
        debug_assert!(diags.is_empty(), "{diags:?}");
        c
    }

    /// The built-in rules with the content repository's own `plans/moderation.yaml`, when it
    /// has one; problems in that file come back as diagnostics (the rest still loads).
    pub fn load(repo: &crate::plan::repo::Repo) -> (Classifier, Vec<Diagnostic>) {
        if std::fs::symlink_metadata(repo.root().join(LOCAL_PATH)).is_err() {
            return Classifier::from_texts(None);
        }
        match repo.read_text(LOCAL_PATH) {
            Ok(text) => Classifier::from_texts(Some(&text)),
            Err(d) => {
                let (c, mut diags) = Classifier::from_texts(None);
                diags.push(d);
                (c, diags)
            }
        }
    }

    /// The built-in rules plus `local` (the text of [`LOCAL_PATH`]).
    pub fn from_texts(local: Option<&str>) -> (Classifier, Vec<Diagnostic>) {
        let mut out = Vec::new();
        let mut set = RuleSet::default();
        for (file, text) in BUILTIN {
            rules::parse(text, &format!("{file} (built in)"), &mut set, &mut out);
        }
        if let Some(text) = local {
            rules::parse(text, LOCAL_PATH, &mut set, &mut out);
        }
        set.finish();
        let any = RegexSet::new(set.words.iter().map(|r| r.regex.as_str()))
            .unwrap_or_else(|_| RegexSet::empty());
        (
            Classifier {
                set,
                any,
                link: Regex::new(
                    r"(?i)\b(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,24}|xn--[a-z0-9-]+|\x{440}\x{444}))\b(?:[/?#][^\s]*)?",
                )
                .expect("constant regex"),
                phone: Regex::new(
                    r"(?:\+7|\b8)[\s(\-]{0,3}\d{3}[\s)\-]{0,3}\d{3}[\s\-]?\d{2}[\s\-]?\d{2}\b",
                )
                .expect("constant regex"),
                mention: Regex::new(r"(?:^|[\s,;])@[A-Za-z0-9_.]{2,32}").expect("constant regex"),
            },
            out,
        )
    }

    /// The number of rules (word rules and detectors).
    pub fn len(&self) -> usize {
        self.set.words.len() + self.set.detectors.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Rates one comment. Pure: the same text gets the same judgement.
    pub fn classify(&self, text: &str) -> Judgement {
        Judgement::new(self.reasons(text))
    }

    /// Rates one comment as seen on a page, remembering it in `recent`: the same text from
    /// several accounts or on several pages is spam (`detector: repeated`).
    pub fn classify_seen(&self, comment: &Seen<'_>, recent: &mut Recent) -> Judgement {
        let mut reasons = self.reasons(comment.text);
        if let Some(rule) = self
            .set
            .detector(|d| matches!(d, Detector::Repeated { .. }))
        {
            let Detector::Repeated { min, words } = rule.detector else {
                return Judgement::new(reasons);
            };
            SKELETON.with_borrow_mut(|(sk, scratch)| {
                skeleton::skeleton(comment.text, &self.set.look, sk, scratch);
                let long_enough = sk.text.split(' ').count() >= words as usize;
                let seen = recent.note(&sk.text, comment);
                if long_enough && seen >= min as usize {
                    let span = 0..comment.text.len();
                    reasons.push(rule.reason(comment.text, span));
                    self.escalate(comment.text, &mut reasons);
                }
            });
        }
        Judgement::new(reasons)
    }

    fn reasons(&self, text: &str) -> Vec<Reason> {
        let mut reasons = Vec::new();
        SKELETON.with_borrow_mut(|(sk, scratch)| {
            skeleton::skeleton(text, &self.set.look, sk, scratch);
            if !sk.text.is_empty() {
                for i in self.any.matches(&sk.text).iter() {
                    self.locate(&self.set.words[i], text, sk, &mut reasons);
                }
            }
        });
        self.detect(text, &mut reasons);
        self.escalate(text, &mut reasons);
        reasons
    }

    /// Every match of a word rule that fired, with its allow list and address checked.
    fn locate(&self, rule: &WordRule, text: &str, sk: &Skeleton, reasons: &mut Vec<Reason>) {
        let mut at = 0;
        // A text that repeats one word thousands of times needs no more reasons than are kept.
        while at < sk.text.len() && reasons.len() < MAX_REASONS {
            let Some(c) = rule.located.captures_at(&sk.text, at) else {
                break;
            };
            let Some(m) = c.get(1) else {
                break;
            };
            at = m.end().max(at + 1);
            while at < sk.text.len() && !sk.text.is_char_boundary(at) {
                at += 1;
            }
            let found = m.as_str();
            let masks = found.matches(skeleton::MASK).count();
            let letters = found.chars().filter(|c| c.is_alphanumeric()).count();
            if masks >= letters || letters < 2 {
                continue;
            }
            if found.split(' ').any(|w| self.set.is_allowed(w)) {
                continue;
            }
            let span = sk.original(m.range());
            let mut verdict = rule.verdict;
            if let Some(alone) = rule.unaddressed {
                verdict = match self.address(text, &span, sk) {
                    Address::Other => rule.verdict,
                    Address::Oneself => Verdict::Keep,
                    Address::Unknown => alone,
                };
            }
            if verdict > Verdict::Keep {
                let mut r = rule.reason(text, span);
                r.verdict = verdict;
                reasons.push(r);
            }
        }
    }

    /// Whom the words at `span` are said to: a second-person word or an imperative in the same
    /// sentence, or the word standing alone between commas, address someone; a first-person
    /// word (and none of those) says it of oneself.
    fn address(&self, text: &str, span: &Range<usize>, sk: &Skeleton) -> Address {
        let ends = |c: char| matches!(c, '.' | '!' | '?' | '\n' | ';');
        let start = text[..span.start].rfind(ends).map_or(0, |i| i + 1);
        let end = text[span.end..]
            .find(ends)
            .map_or(text.len(), |i| span.end + i);
        let before = text[start..span.start].trim_end();
        let after = text[span.end..end].trim_start();
        let vocative = (before.is_empty() || before.ends_with([',', '-', '\u{2014}', ':']))
            && (after.is_empty() || after.starts_with([',', '!', '?', '.', ')']));
        if vocative {
            return Address::Other;
        }
        let mut oneself = false;
        let mut addressed = false;
        // Whether each of the two words just before the match speaks of oneself: «нас за
        // идиотов», «я дурак» say it of us whatever else the sentence holds.
        let mut just_before = [false; 2];
        let mut pos = 0;
        for word in sk.text.split(' ') {
            let range = pos..pos + word.len();
            pos += word.len() + 1;
            let orig = sk.original(range);
            if orig.start < start || orig.end > end || word.is_empty() {
                continue;
            }
            let own = self.set.oneself.contains(word);
            if orig.end <= span.start {
                just_before = [just_before[1], own];
            }
            addressed |= self.set.address.contains(word);
            oneself |= own;
        }
        match (just_before.contains(&true), addressed, oneself) {
            (true, _, _) | (false, false, true) => Address::Oneself,
            (false, true, _) => Address::Other,
            (false, false, false) => Address::Unknown,
        }
    }

    /// Links outside the allow list, phone numbers, mass mentions.
    fn detect(&self, text: &str, reasons: &mut Vec<Reason>) {
        for rule in &self.set.detectors {
            match &rule.detector {
                Detector::Link => {
                    for c in self.link.captures_iter(text) {
                        let (Some(all), Some(host)) = (c.get(0), c.get(1)) else {
                            continue;
                        };
                        if !self.set.link_allowed(host.as_str()) {
                            reasons.push(rule.reason(text, all.range()));
                        }
                    }
                }
                Detector::Phone => {
                    for m in self.phone.find_iter(text) {
                        reasons.push(rule.reason(text, m.range()));
                    }
                }
                Detector::Mentions { min } => {
                    let found: Vec<_> = self.mention.find_iter(text).collect();
                    if let (Some(first), Some(last)) = (found.first(), found.last())
                        && found.len() >= *min as usize
                    {
                        let start = first.start() + first.as_str().find('@').unwrap_or(0);
                        reasons.push(rule.reason(text, start..last.end()));
                    }
                }
                Detector::Repeated { .. } | Detector::Several { .. } => {}
            }
        }
    }

    /// Several distinct signs of spam in one comment make it certain (`detector: several`).
    fn escalate(&self, text: &str, reasons: &mut Vec<Reason>) {
        let Some(rule) = self.set.detector(|d| matches!(d, Detector::Several { .. })) else {
            return;
        };
        let Detector::Several { min } = rule.detector else {
            return;
        };
        if reasons.iter().any(|r| r.rule == rule.id) {
            return;
        }
        let mut spam: Vec<&Reason> = reasons
            .iter()
            .filter(|r| r.category == Category::Spam)
            .collect();
        spam.sort_by_key(|r| r.span.start);
        let mut ids: Vec<&str> = spam.iter().map(|r| r.rule.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() >= min as usize
            && let (Some(first), Some(last)) = (spam.first(), spam.iter().map(|r| r.span.end).max())
        {
            let span = first.span.start..last;
            reasons.push(rule.reason(text, span));
        }
    }
}

/// Whom an insult is said to.
enum Address {
    /// Someone addressed: «ты», «вы», an imperative, a vocative.
    Other,
    /// The writer of themself: «я», «себя».
    Oneself,
    /// No sign either way.
    Unknown,
}

thread_local! {
    /// The skeleton and its scratch space, reused by every classification on this thread.
    static SKELETON: std::cell::RefCell<(Skeleton, skeleton::Words)> =
        std::cell::RefCell::new((Skeleton::default(), Vec::new()));
}

#[cfg(test)]
mod tests;
