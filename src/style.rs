//! The `style` rule: bureaucratese (канцелярит), stock phrases, chains of verbal nouns and
//! over-long sentences, found in the Markdown of a post.
//!
//! Phrases come from a data file (`rules/style.yaml`, built in; a content repository adds its own
//! in `plans/style.yaml`), Vale-like: words or stems (`осуществл*`) matched case-insensitively on
//! word boundaries, with `ё` read as `е`. One pass of a `RegexSet` tells which rules fire, so
//! texts without findings cost one scan.

use regex::{Regex, RegexSet};

use crate::diagnostic::{Diagnostic, Rule};
use crate::yaml::{self, Fields, Kind};

/// The built-in rules, compiled into the binary.
pub const BUILTIN: &str = include_str!("../rules/style.yaml");

/// Where a content repository keeps its own style rules.
pub const LOCAL_PATH: &str = "plans/style.yaml";

/// Sentences longer than this many words are reported.
pub const LONG_SENTENCE_WORDS: usize = 30;

/// One rule of the data file.
#[derive(Debug, Clone)]
pub struct StyleRule {
    /// Slug.
    pub id: String,
    /// What is wrong.
    pub message: String,
    /// A plainer alternative.
    pub suggest: String,
    regex: Regex,
}

/// A finding in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Byte range in the text.
    pub start: usize,
    /// End of the range.
    pub end: usize,
    /// Message naming the phrase.
    pub message: String,
    /// Suggestion.
    pub hint: String,
}

/// The compiled style rules.
#[derive(Debug, Clone)]
pub struct Style {
    rules: Vec<StyleRule>,
    set: RegexSet,
    chain: Regex,
    sentence_end: Regex,
}

/// Turns one `match` entry into a regex: words on word boundaries, `stem*` for any ending,
/// whitespace between words, `е` also matching `ё`.
fn phrase_regex(phrase: &str) -> String {
    let words: Vec<String> = phrase
        .split_whitespace()
        .map(|w| {
            let (stem, open) = match w.strip_suffix('*') {
                Some(s) => (s, true),
                None => (w, false),
            };
            let mut r = String::new();
            for c in stem.chars() {
                match c {
                    'е' | 'ё' => r.push_str("[её]"),
                    'Е' | 'Ё' => r.push_str("[ЕЁ]"),
                    c => r.push_str(&regex::escape(&c.to_string())),
                }
            }
            if open {
                r.push_str(r"\w*");
            }
            r
        })
        .collect();
    format!(r"(?i)\b{}\b", words.join(r"\s+"))
}

impl Style {
    /// Compiles the built-in rules plus `local` (the text of `plans/style.yaml`, if any).
    /// Problems in the local file are reported against `local_file`; a broken built-in file is a
    /// bug and is reported the same way so `check` never panics.
    pub fn load(local: Option<&str>, local_file: &str) -> (Style, Vec<Diagnostic>) {
        let mut out = Vec::new();
        let mut rules = Vec::new();
        let mut disabled = Vec::new();
        parse_rules(
            BUILTIN,
            "rules/style.yaml (built in)",
            &mut rules,
            &mut disabled,
            &mut out,
        );
        if let Some(text) = local {
            parse_rules(text, local_file, &mut rules, &mut disabled, &mut out);
        }
        rules.retain(|r| !disabled.contains(&r.id));
        let set = RegexSet::new(rules.iter().map(|r| r.regex.as_str()))
            .unwrap_or_else(|_| RegexSet::empty());
        // Three or more verbal nouns in a row: «проведение обследования состояния».
        let noun = r"\w{2,}(?:ние|ния|нию|нием|нии|ций|ция|ции|цию|цией|ость|ости|остью|ство|ства|ству|ством|стве)";
        let chain = Regex::new(&format!(r"(?i)\b{noun}(?:\s+{noun}){{2,}}\b"))
            .unwrap_or_else(|_| Regex::new("$^").unwrap_or_else(|_| unreachable!()));
        // Lines and list items end sentences too: posts break lines where prose would put a stop.
        let sentence_end = Regex::new(r"[.!?…;]+(?:\s|$)|\n").unwrap_or_else(|_| unreachable!());
        (
            Style {
                rules,
                set,
                chain,
                sentence_end,
            },
            out,
        )
    }

    /// Number of phrase rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no phrase rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Every finding in `text` (Markdown), in text order; a phrase inside a longer finding is
    /// reported once, with the longer one's advice.
    pub fn findings(&self, text: &str) -> Vec<Finding> {
        let mut found: Vec<Finding> = Vec::new();
        for i in self.set.matches(text).iter() {
            let rule = &self.rules[i];
            for m in rule.regex.find_iter(text) {
                found.push(Finding {
                    start: m.start(),
                    end: m.end(),
                    message: format!("«{}»: {}", m.as_str(), rule.message),
                    hint: format!("лучше: {}", rule.suggest),
                });
            }
        }
        for m in self.chain.find_iter(text) {
            found.push(Finding {
                start: m.start(),
                end: m.end(),
                message: format!(
                    "«{}»: цепочка отглагольных существительных, текст читается тяжело",
                    m.as_str()
                ),
                hint:
                    "перестройте фразу вокруг глагола: не «проведение обследования», а «проверим»"
                        .to_owned(),
            });
        }
        found.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
        let mut kept: Vec<Finding> = Vec::with_capacity(found.len());
        for f in found {
            if kept
                .last()
                .is_some_and(|k| f.start >= k.start && f.end <= k.end)
            {
                continue;
            }
            kept.push(f);
        }
        kept.extend(self.long_sentences(text));
        kept.sort_by_key(|f| f.start);
        kept
    }

    fn long_sentences(&self, text: &str) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut start = 0;
        let ends = self
            .sentence_end
            .find_iter(text)
            .map(|m| (m.start(), m.end()))
            .chain(std::iter::once((text.len(), text.len())));
        for (end, next) in ends {
            let sentence = &text[start..end];
            let words = sentence
                .split_whitespace()
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .count();
            if words > LONG_SENTENCE_WORDS {
                let lead = sentence.len() - sentence.trim_start().len();
                let first: String = sentence
                    .trim_start()
                    .split_whitespace()
                    .take(4)
                    .collect::<Vec<_>>()
                    .join(" ");
                out.push(Finding {
                    start: start + lead,
                    end,
                    message: format!(
                        "предложение «{first}…» длиной {words} слов: его трудно дочитать"
                    ),
                    hint: format!("разбейте на два-три предложения до {LONG_SENTENCE_WORDS} слов"),
                });
            }
            start = next;
        }
        out
    }
}

fn parse_rules(
    text: &str,
    file: &str,
    rules: &mut Vec<StyleRule>,
    disabled: &mut Vec<String>,
    out: &mut Vec<Diagnostic>,
) {
    let node = match yaml::parse(text, 0) {
        Ok(n) => n,
        Err(e) => {
            out.push(Diagnostic::new(
                Rule::Yaml,
                file,
                e.pos,
                format!("the style rules are not valid YAML: {}", e.message),
            ));
            return;
        }
    };
    let Some(mut f) = Fields::new(&node, "the style rules file", file, out) else {
        return;
    };
    if let Some(list) = f.str_list("disable") {
        disabled.extend(list.value.into_iter().map(|s| s.value));
    }
    let items = match f.node("rules") {
        Some(yaml::Node {
            kind: Kind::Seq(items),
            ..
        }) => items.as_slice(),
        _ => &[],
    };
    f.finish(&["rules", "disable"]);
    for item in items {
        let Some(mut r) = Fields::new(item, "a style rule", file, out) else {
            continue;
        };
        let id = r.req_str("id", "v-celyah");
        let matches = r.str_list("match");
        let message = r.req_str("message", "«в целях» — канцелярит");
        let suggest = r.str("suggest").map(|s| s.value).unwrap_or_default();
        let pos = r.pos();
        r.finish(&["id", "match", "message", "suggest"]);
        let (Some(id), Some(matches), Some(message)) = (id, matches, message) else {
            continue;
        };
        let alternatives: Vec<String> = matches
            .value
            .iter()
            .filter(|m| !m.value.trim().is_empty())
            .map(|m| phrase_regex(&m.value))
            .collect();
        if alternatives.is_empty() {
            out.push(
                Diagnostic::new(
                    Rule::Schema,
                    file,
                    pos,
                    format!("style rule `{}` has nothing to match", id.value),
                )
                .hint("add `match: [\"слово\", \"основа*\"]`"),
            );
            continue;
        }
        let joined = alternatives
            .iter()
            .map(|a| format!("(?:{a})"))
            .collect::<Vec<_>>()
            .join("|");
        match Regex::new(&joined) {
            Ok(regex) => {
                rules.retain(|r| r.id != id.value);
                rules.push(StyleRule {
                    id: id.value,
                    message: message.value,
                    suggest,
                    regex,
                });
            }
            Err(e) => out.push(Diagnostic::new(
                Rule::Schema,
                file,
                pos,
                format!("style rule `{}` cannot be compiled: {e}", id.value),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style() -> Style {
        let (s, diags) = Style::load(None, LOCAL_PATH);
        assert!(diags.is_empty(), "{diags:?}");
        s
    }

    #[test]
    fn builtin_rules_catch_every_bad_line() {
        let s = style();
        assert!(s.len() >= 50);
        for line in include_str!("../tests/fixtures/style/bad.txt")
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            assert!(!s.findings(line).is_empty(), "no finding in: {line}");
        }
    }

    #[test]
    fn builtin_rules_leave_good_lines_alone() {
        let s = style();
        for line in include_str!("../tests/fixtures/style/good.txt").lines() {
            assert_eq!(s.findings(line), [], "false alarm in: {line}");
        }
    }

    #[test]
    fn inflections_yo_and_boundaries() {
        let s = style();
        let f = s.findings("Осуществляется приём. Работы произведены. Это изданный сборник.");
        assert!(
            f.iter()
                .any(|f| f.message.starts_with("«Осуществляется приём»")),
            "{f:?}"
        );
        assert!(f.iter().any(|f| f.message.contains("произведены")), "{f:?}");
        assert!(!f.iter().any(|f| f.message.contains("изданный")), "{f:?}");
    }

    #[test]
    fn local_rules_extend_and_disable() {
        let local = "disable: [v-celyah]\nrules:\n  - id: zima\n    match: [\"зимн* период*\"]\n    message: штамп\n    suggest: зимой\n";
        let (s, diags) = Style::load(Some(local), LOCAL_PATH);
        assert!(diags.is_empty(), "{diags:?}");
        let f = s.findings("В зимнем периоде в целях безопасности");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].hint, "лучше: зимой");
    }

    #[test]
    fn long_sentences_and_noun_chains() {
        let s = style();
        let long = vec!["слово"; 35].join(" ") + ". Коротко.";
        let f = s.findings(&long);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("35 слов"));
        let f = s.findings("Ждём проведение обследования состояния крыши");
        assert!(f.iter().any(|f| f.message.contains("цепочка")), "{f:?}");
    }
}
