//! Reading the moderation rule files (`rules/moderation/*.yaml`, `plans/moderation.yaml`) into
//! a [`RuleSet`]; every problem becomes a diagnostic with its position, and what can be read
//! is kept.
//!
//! A word pattern is matched against whole words of the skeleton: letters (a run of one letter
//! written once), `*` for any letters, `[абв]` for one of them, `(а|б)` and `?` as in a regex,
//! a space between words. Every letter also accepts a masked letter (`х*й`).

use std::collections::HashSet;

use regex::Regex;

use super::skeleton::{self, Lookalikes, Skeleton};
use super::{Category, Reason, Verdict};
use crate::plan::diagnostic::{Diagnostic, Rule};
use crate::plan::yaml::{self, Fields, Kind};

/// What a rule without `words` looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detector {
    /// A link whose host is not in `links`.
    Link,
    /// A Russian phone number.
    Phone,
    /// `min` or more `@mentions`.
    Mentions {
        /// How many make a mass mention.
        min: u32,
    },
    /// The same text on `min` pages or from `min` accounts; texts shorter than `words` words
    /// never count.
    Repeated {
        /// Pages or accounts.
        min: u32,
        /// Shortest text counted, in words.
        words: u32,
    },
    /// `min` distinct spam rules fired in one comment.
    Several {
        /// How many distinct rules.
        min: u32,
    },
}

/// What every rule has.
#[derive(Debug, Clone)]
pub struct Head {
    /// The rule's id.
    pub id: String,
    /// Its category.
    pub category: Category,
    /// Its verdict.
    pub verdict: Verdict,
}

impl Head {
    /// A reason of this rule for `span` of `text`.
    pub fn reason(&self, text: &str, span: std::ops::Range<usize>) -> Reason {
        Reason {
            rule: self.id.clone(),
            category: self.category,
            matched: text.get(span.clone()).unwrap_or_default().to_owned(),
            span,
            verdict: self.verdict,
        }
    }
}

/// A rule that matches words of the skeleton.
#[derive(Debug, Clone)]
pub struct WordRule {
    head: Head,
    /// For insults: the verdict when nobody is addressed (`None`: no address needed).
    pub unaddressed: Option<Verdict>,
    /// All patterns as one regex over the skeleton, for the `RegexSet`.
    pub regex: String,
    /// The same, compiled, with the match in group 1.
    pub located: Regex,
}

impl std::ops::Deref for WordRule {
    type Target = Head;
    fn deref(&self) -> &Head {
        &self.head
    }
}

/// A rule with a detector.
#[derive(Debug, Clone)]
pub struct DetectorRule {
    head: Head,
    /// What it looks for.
    pub detector: Detector,
}

impl std::ops::Deref for DetectorRule {
    type Target = Head;
    fn deref(&self) -> &Head {
        &self.head
    }
}

/// Everything the rule files say.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// The lookalike table.
    pub look: Lookalikes,
    /// Word rules.
    pub words: Vec<WordRule>,
    /// Detector rules.
    pub detectors: Vec<DetectorRule>,
    allow_patterns: Vec<String>,
    allow: Option<Regex>,
    /// Words (as skeletons) that address someone.
    pub address: HashSet<String>,
    /// Words (as skeletons) that speak of oneself.
    pub oneself: HashSet<String>,
    links: Vec<String>,
    disabled: Vec<String>,
}

impl RuleSet {
    /// Drops disabled rules and compiles the allow list.
    pub fn finish(&mut self) {
        let off = std::mem::take(&mut self.disabled);
        self.words.retain(|r| !off.contains(&r.id));
        self.detectors.retain(|r| !off.contains(&r.id));
        if !self.allow_patterns.is_empty() {
            let joined = self
                .allow_patterns
                .iter()
                .map(|p| format!("(?:{p})"))
                .collect::<Vec<_>>()
                .join("|");
            self.allow = Regex::new(&format!("^(?:{joined})$")).ok();
        }
    }

    /// Whether a word of the skeleton is on the allow list.
    pub fn is_allowed(&self, word: &str) -> bool {
        self.allow.as_ref().is_some_and(|a| a.is_match(word))
    }

    /// Whether links to `host` are allowed.
    pub fn link_allowed(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.links.iter().any(|d| {
            host == *d
                || host
                    .strip_suffix(d.as_str())
                    .is_some_and(|h| h.ends_with('.'))
        })
    }

    /// The first detector rule that `is` says yes to.
    pub fn detector(&self, is: impl Fn(&Detector) -> bool) -> Option<&DetectorRule> {
        self.detectors.iter().find(|d| is(&d.detector))
    }
}

/// Translates a word pattern into a regex over the skeleton, or says what is wrong with it.
pub fn pattern_regex(pattern: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut prev: Option<char> = None;
    let mut chars = pattern.trim().chars();
    let mut last_space = false;
    while let Some(c) = chars.next() {
        let space = c == ' ';
        match c {
            '*' => out.push_str("[^ ]*"),
            ' ' if !last_space => out.push(' '),
            ' ' => {}
            '(' | ')' | '|' | '?' => out.push(c),
            // The skeleton joins words written with these: «мастер-класс» is «мастерклас».
            '-' | '.' | '_' => continue,
            '[' => {
                out.push('[');
                loop {
                    match chars.next() {
                        Some(']') => break,
                        Some('-') => out.push('-'),
                        Some(d) => match skeleton::fold_letter(d) {
                            Some(l) => out.push(l),
                            None => return Err(format!("`{d}`")),
                        },
                        None => return Err("`[`".to_owned()),
                    }
                }
                out.push_str("*]");
            }
            c => {
                let Some(l) = skeleton::fold_letter(c) else {
                    return Err(format!("`{c}`"));
                };
                if prev == Some(l) && l.is_alphabetic() {
                    continue;
                }
                if l.is_alphabetic() {
                    out.push('[');
                    out.push(l);
                    out.push_str("*]");
                } else {
                    out.push(l);
                }
                prev = Some(l);
                last_space = false;
                continue;
            }
        }
        prev = None;
        last_space = space;
    }
    Ok(out)
}

/// Reads one rule file into `set`.
pub fn parse(text: &str, file: &str, set: &mut RuleSet, out: &mut Vec<Diagnostic>) {
    let node = match yaml::parse(text, 0) {
        Ok(n) => n,
        Err(e) => {
            let message = crate::t!("moderation-rules-invalid", error = e.to_string());
            out.push(e.diagnostic(file, &message, None));
            return;
        }
    };
    let Some(mut f) = Fields::new(&node, "the moderation rules file", file, out) else {
        return;
    };
    if let Some(Kind::Map(entries)) = f.map("lookalikes").map(|n| &n.kind) {
        for (k, v) in entries {
            let (Some(k), Some(v)) = (k.scalar_text(), v.scalar_text()) else {
                continue;
            };
            let mut kc = k.chars();
            let mut vc = v.chars();
            match (kc.next(), kc.next(), vc.next(), vc.next()) {
                (Some(from), None, Some(to), None) => {
                    set.look.map.insert(from, to);
                }
                _ => f.report(bad(file, v_pos(k.as_str(), entries), &k)),
            }
        }
    }
    let mut sk = Skeleton::default();
    let mut scratch = Vec::new();
    let mut words_of = |list: Option<yaml::At<Vec<yaml::At<String>>>>,
                        into: &mut HashSet<String>,
                        look: &Lookalikes| {
        for w in list.map(|l| l.value).unwrap_or_default() {
            skeleton::skeleton(&w.value, look, &mut sk, &mut scratch);
            if !sk.text.is_empty() {
                into.insert(sk.text.clone());
            }
        }
    };
    let address = f.str_list("address");
    words_of(address, &mut set.address, &set.look);
    let oneself = f.str_list("self");
    words_of(oneself, &mut set.oneself, &set.look);
    for d in f.str_list("links").map(|l| l.value).unwrap_or_default() {
        set.links
            .push(d.value.trim().trim_start_matches('.').to_ascii_lowercase());
    }
    if let Some(list) = f.str_list("disable") {
        set.disabled.extend(list.value.into_iter().map(|s| s.value));
    }
    for p in f.str_list("allow").map(|l| l.value).unwrap_or_default() {
        match pattern_regex(&p.value) {
            Ok(r) => set.allow_patterns.push(r),
            Err(e) => f.report(bad(file, p.pos, &e)),
        }
    }
    let items = match f.node("rules") {
        Some(yaml::Node {
            kind: Kind::Seq(items),
            ..
        }) => items.as_slice(),
        _ => &[],
    };
    f.finish(&[
        "rules",
        "allow",
        "address",
        "self",
        "links",
        "lookalikes",
        "disable",
    ]);
    for item in items {
        rule(item, file, set, out);
    }
}

fn v_pos(_key: &str, entries: &[(yaml::Node, yaml::Node)]) -> crate::plan::source::Pos {
    entries
        .first()
        .map_or(crate::plan::source::Pos::START, |(k, _)| k.pos)
}

fn bad(file: &str, pos: crate::plan::source::Pos, what: &str) -> Diagnostic {
    Diagnostic::new(
        Rule::Schema,
        file,
        pos,
        crate::t!("moderation-bad-pattern", what = what),
    )
    .hint(crate::t!("moderation-bad-pattern-hint"))
}

fn rule(item: &yaml::Node, file: &str, set: &mut RuleSet, out: &mut Vec<Diagnostic>) {
    let Some(mut r) = Fields::new(item, "a moderation rule", file, out) else {
        return;
    };
    let pos = r.pos();
    let id = r.req_str("id", "obscene-root");
    let category = r.req_str("category", "obscene");
    let verdict = r.req_str("verdict", "delete");
    let unaddressed = r.str("unaddressed");
    let words = r.str_list("words");
    let detector = r.str("detector");
    let min = r.uint("min", 1..=1000);
    let min_words = r.uint("min_words", 1..=1000);
    r.finish(&[
        "id",
        "category",
        "verdict",
        "unaddressed",
        "words",
        "detector",
        "min",
        "min_words",
    ]);
    let (Some(id), Some(category), Some(verdict)) = (id, category, verdict) else {
        return;
    };
    let enum_error = |value: &yaml::At<String>, allowed: &str| {
        Diagnostic::new(
            Rule::Schema,
            file,
            value.pos,
            crate::t!(
                "moderation-bad-value",
                value = value.value.as_str(),
                allowed = allowed
            ),
        )
    };
    let Some(cat) = Category::from_id(&category.value) else {
        out.push(enum_error(&category, "obscene, insult, spam"));
        return;
    };
    let Some(v) = Verdict::from_id(&verdict.value) else {
        out.push(enum_error(&verdict, "delete, hold"));
        return;
    };
    let alone = match &unaddressed {
        Some(u) => match Verdict::from_id(&u.value) {
            Some(v) => Some(v),
            None => {
                out.push(enum_error(u, "keep, hold"));
                return;
            }
        },
        None => None,
    };
    let head = Head {
        id: id.value.clone(),
        category: cat,
        verdict: v,
    };
    set.words.retain(|w| w.id != id.value);
    set.detectors.retain(|w| w.id != id.value);
    if let Some(d) = detector {
        let min = min.map(|m| m.value);
        let found = match d.value.as_str() {
            "link" => Some(Detector::Link),
            "phone" => Some(Detector::Phone),
            "mentions" => Some(Detector::Mentions {
                min: min.unwrap_or(5),
            }),
            "repeated" => Some(Detector::Repeated {
                min: min.unwrap_or(3),
                words: min_words.map_or(4, |m| m.value),
            }),
            "several" => Some(Detector::Several {
                min: min.unwrap_or(2),
            }),
            _ => None,
        };
        match found {
            Some(detector) => set.detectors.push(DetectorRule { head, detector }),
            None => out.push(enum_error(&d, "link, phone, mentions, repeated, several")),
        }
        return;
    }
    // All patterns as one alternation: the `RegexSet` needs one pattern per rule.
    let mut joined = String::new();
    for w in words.map(|w| w.value).unwrap_or_default() {
        match pattern_regex(&w.value) {
            Ok(p) if Regex::new(&p).is_ok_and(|r| !r.is_match("")) => {
                let bar = if joined.is_empty() { "" } else { "|" };
                joined.push_str(&format!("{bar}(?:{p})"));
            }
            Ok(_) => out.push(bad(file, w.pos, &w.value)),
            Err(e) => out.push(bad(file, w.pos, &e)),
        }
    }
    if joined.is_empty() {
        let message = crate::t!("moderation-nothing-to-match", rule = id.value.as_str());
        let hint = crate::t!("moderation-nothing-to-match-hint");
        out.push(Diagnostic::new(Rule::Schema, file, pos, message).hint(hint));
        return;
    }
    let regex = format!("(?:^| )((?:{joined}))(?: |$)");
    match Regex::new(&regex) {
        Ok(located) => set.words.push(WordRule {
            head,
            unaddressed: alone,
            regex,
            located,
        }),
        Err(e) => out.push(bad(file, pos, &e.to_string())),
    }
}
