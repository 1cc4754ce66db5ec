//! The `style` rule: bureaucratese (канцелярит), stock phrases, chains of verbal nouns and
//! over-long sentences, found in the Markdown of a post.
//!
//! Phrases come from a data file (`rules/style.yaml`, built in; a content repository adds its own
//! in `plans/style.yaml`), Vale-like: words or stems (`осуществл*`) matched case-insensitively on
//! word boundaries, with `ё` read as `е`. One pass of a `RegexSet` tells which rules fire, so
//! texts without findings cost one scan.

use std::sync::OnceLock;

use regex::{Regex, RegexSet};

use crate::plan::diagnostic::{Diagnostic, Rule};
use crate::plan::yaml::{self, Fields, Kind};

/// The built-in rules, compiled into the binary.
pub const BUILTIN: &str = include_str!("../../rules/style.yaml");

/// Where a content repository keeps its own style rules.
pub const LOCAL_PATH: &str = "plans/style.yaml";

/// Sentences longer than this many words are reported.
pub const LONG_SENTENCE_WORDS: usize = 30;

/// One rule of the data file.
#[derive(Debug, Clone)]
pub struct StyleRule {
    /// The rule's id, e.g. `v-celyah`: a local rule with the same id replaces the built-in one.
    pub id: String,
    /// What is wrong.
    pub message: String,
    /// A plainer alternative.
    pub suggest: String,
    /// All phrases as one pattern, for the `RegexSet` prefilter.
    any: String,
    /// Each phrase's pattern.
    patterns: Vec<String>,
    /// Each phrase compiled, on the first text the rule fires on: most of the built-in rules
    /// never fire in a check, and compiling all of them was a sixth of a check's start.
    phrases: OnceLock<Vec<Regex>>,
}

impl StyleRule {
    /// The rule's phrases, compiled.
    fn phrases(&self) -> &[Regex] {
        self.phrases.get_or_init(|| {
            // Checked when the rules were read (a repository's) or by the tests (the built-in).
            self.patterns
                .iter()
                .filter_map(|p| Regex::new(p).ok())
                .collect()
        })
    }
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
    /// What to write instead, as a hint.
    pub hint: String,
}

/// The compiled style rules.
#[derive(Debug, Clone)]
pub struct Style {
    rules: Vec<StyleRule>,
    set: RegexSet,
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
            let mut r = regex::escape(&fold(stem));
            if open {
                r.push_str("[а-яa-z0-9]*");
            }
            r
        })
        .collect();
    // Matched against `fold`ed text, so no `(?i)` and no Unicode `\w`/`\b`: with those the regex
    // crate leaves its DFA for the PikeVM, measured 100× slower on Cyrillic. Word boundaries are
    // checked by hand in `Style::findings`.
    words.join(r"\s+")
}

/// Whether the pattern of `phrase` ([`phrase_regex`]) matches empty text: only a phrase that
/// is a bare `*` (one word, no stem, any ending) does; a stem or a second word (joined by
/// `\s+`) always takes at least one character.
fn matches_empty(phrase: &str) -> bool {
    let mut words = phrase.split_whitespace();
    match (words.next(), words.next()) {
        (Some(word), None) => fold(word.strip_suffix('*').unwrap_or(word)).is_empty(),
        _ => false,
    }
}

/// Lowercases ASCII and Cyrillic letters and reads `ё` as `е`, keeping every byte offset (each
/// of these characters keeps its UTF-8 length), so matches in the folded text are matches in
/// the original.
pub fn fold(text: &str) -> String {
    // On the UTF-8 bytes, two at a time for Cyrillic: every change keeps a character's length,
    // and the result is valid UTF-8 because only whole characters are replaced by whole
    // characters (А–П D0 90..9F → а–п D0 B0..BF, Р–Я D0 A0..AF → р–я D1 80..8F, Ё D0 81 and
    // ё D1 91 → е D0 B5). Collecting chars one by one was 3% of a check of 100,000 posts.
    let mut out = text.as_bytes().to_vec();
    let mut i = 0;
    while i < out.len() {
        match (out[i], out.get(i + 1).copied()) {
            (b'A'..=b'Z', _) => {
                out[i] += 0x20;
                i += 1;
            }
            (0xD0, Some(second @ 0x90..=0x9F)) => {
                out[i + 1] = second + 0x20;
                i += 2;
            }
            (0xD0, Some(second @ 0xA0..=0xAF)) => {
                out[i] = 0xD1;
                out[i + 1] = second - 0x20;
                i += 2;
            }
            (0xD0, Some(0x81)) | (0xD1, Some(0x91)) => {
                out[i] = 0xD0;
                out[i + 1] = 0xB5;
                i += 2;
            }
            _ => i += 1,
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| fold_chars(text))
}

/// [`fold`] one character at a time: the definition the byte version keeps to.
fn fold_chars(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'Ё' | 'ё' => 'е',
            'А'..='Я' => char::from_u32(c as u32 + 0x20).unwrap_or(c),
            c if c.is_ascii() => c.to_ascii_lowercase(),
            c => c,
        })
        .collect()
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
            false,
            &mut rules,
            &mut disabled,
            &mut out,
        );
        if let Some(text) = local {
            parse_rules(text, local_file, true, &mut rules, &mut disabled, &mut out);
        }
        rules.retain(|r| !disabled.contains(&r.id));
        let set = RegexSet::new(rules.iter().map(|r| r.any.as_str()))
            .unwrap_or_else(|_| RegexSet::empty());
        // Lines and list items end sentences too: posts break lines where prose would put a stop.
        let sentence_end = Regex::new(r"[.!?…;]+(?:\s|$)|\n").expect("constant regex");
        (
            Style {
                rules,
                set,
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
        let folded = fold(text);
        for i in self.set.matches(&folded).iter() {
            let rule = &self.rules[i];
            for regex in rule.phrases() {
                let mut at = 0;
                while let Some(m) = regex.find_at(&folded, at) {
                    if m.is_empty() {
                        // Patterns that match empty text are refused when the rules are read;
                        // should one still come through, step over it rather than loop here.
                        at = m.end() + text[m.end()..].chars().next().map_or(1, char::len_utf8);
                    } else if is_word_boundary(text, m.start()) && is_word_boundary(text, m.end()) {
                        found.push(Finding {
                            start: m.start(),
                            end: m.end(),
                            message: crate::t!(
                                "style-phrase",
                                text = &text[m.range()],
                                message = rule.message.as_str()
                            ),
                            hint: crate::t!("style-phrase-hint", suggest = rule.suggest.as_str()),
                        });
                        at = m.end();
                    } else {
                        // Inside a longer word («изданный» holds «данный»): go on from the next char.
                        at = m.start() + text[m.start()..].chars().next().map_or(1, char::len_utf8);
                    }
                    if at >= text.len() {
                        break;
                    }
                }
            }
        }
        found.extend(noun_chains(text, &folded));
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
                .filter(|w| w.chars().any(is_letter_or_digit))
                .count();
            if words > LONG_SENTENCE_WORDS {
                let lead = sentence.len() - sentence.trim_start().len();
                let first: String = sentence
                    .split_whitespace()
                    .take(4)
                    .collect::<Vec<_>>()
                    .join(" ");
                out.push(Finding {
                    start: start + lead,
                    end,
                    message: crate::t!("style-long-sentence", first = first, words = words),
                    hint: crate::t!("style-long-sentence-hint", max = LONG_SENTENCE_WORDS),
                });
            }
            start = next;
        }
        out
    }
}

/// `char::is_alphanumeric` with a fast path for ASCII and Cyrillic, which are nearly all of
/// our texts (the general Unicode table lookup was 9% of a 100,000-post check).
fn is_letter_or_digit(c: char) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' | '0'..='9' | 'А'..='я' | 'Ё' | 'ё' => true,
        c if c.is_ascii() => false,
        c => c.is_alphanumeric(),
    }
}

/// Whether byte `i` of `text` sits between a word character and a non-word character (or the
/// text's edge), as `\b` would say.
fn is_word_boundary(text: &str, i: usize) -> bool {
    let word = |c: char| is_letter_or_digit(c) || c == '_';
    let before = text[..i].chars().next_back().is_some_and(word);
    let after = text[i..].chars().next().is_some_and(word);
    before != after
}

/// Suffixes of verbal and abstract nouns: «проведение», «организация», «готовность», «руководство».
const NOUN_SUFFIXES: &[&str] = &[
    "ние",
    "ния",
    "нию",
    "нием",
    "нии",
    "ций",
    "ция",
    "ции",
    "цию",
    "цией",
    "ость",
    "ости",
    "остью",
    "ство",
    "ства",
    "ству",
    "ством",
    "стве",
];

/// Three or more such nouns in a row, separated only by spaces: «проведение обследования
/// состояния».
fn noun_chains(text: &str, folded: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut run: Vec<(usize, usize)> = Vec::new();
    let mut flush = |run: &mut Vec<(usize, usize)>| {
        if run.len() >= 3 {
            let (start, end) = (run[0].0, run[run.len() - 1].1);
            out.push(Finding {
                start,
                end,
                message: crate::t!("style-noun-chain", text = &text[start..end]),
                hint: crate::t!("style-noun-chain-hint"),
            });
        }
        run.clear();
    };
    let mut prev_end = 0;
    for (start, word) in words(folded) {
        let end = start + word.len();
        // At least five Cyrillic letters (two bytes each); `folded` is already lowercase.
        let nounish = word.len() >= 10 && NOUN_SUFFIXES.iter().any(|s| word.ends_with(s));
        let joined = text[prev_end..start].chars().all(char::is_whitespace);
        if !(nounish && (run.is_empty() || joined)) {
            flush(&mut run);
        }
        if nounish {
            run.push((start, end));
        }
        prev_end = end;
    }
    flush(&mut run);
    out
}

/// Words of a text with their byte offsets.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(|c: char| !(is_letter_or_digit(c) || c == '-'))
        .scan(0usize, move |pos, w| {
            let start = *pos;
            *pos += w.len()
                + text[*pos + w.len()..]
                    .chars()
                    .next()
                    .map_or(0, char::len_utf8);
            Some((start, w))
        })
        .filter(|(_, w)| !w.is_empty())
}

/// Reads the rules of `text` (the file `file`) into `rules`. With `compile`, each phrase is
/// compiled now, so that a pattern the regex engine refuses is reported against its rule (a
/// repository's file); the built-in rules are compiled when they first fire, and their tests
/// compile every one of them.
fn parse_rules(
    text: &str,
    file: &str,
    compile: bool,
    rules: &mut Vec<StyleRule>,
    disabled: &mut Vec<String>,
    out: &mut Vec<Diagnostic>,
) {
    let node = match yaml::parse(text, 0) {
        Ok(n) => n,
        Err(e) => {
            out.push(e.diagnostic(file, "yaml-style-invalid", None));
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
        let mut alternatives: Vec<String> = Vec::new();
        for m in matches.value.iter().filter(|m| !m.value.trim().is_empty()) {
            let regex = phrase_regex(&m.value);
            // A phrase that matches empty text (`*`) would match everywhere, at every position.
            if matches_empty(&m.value) {
                out.push(
                    Diagnostic::new(
                        Rule::Schema,
                        file,
                        m.pos,
                        crate::t!(
                            "schema-style-empty-phrase",
                            phrase = m.value.as_str(),
                            rule = id.value.as_str()
                        ),
                    )
                    .hint(crate::t!("schema-style-empty-phrase-hint")),
                );
                continue;
            }
            alternatives.push(regex);
        }
        if alternatives.is_empty() {
            out.push(
                Diagnostic::new(
                    Rule::Schema,
                    file,
                    pos,
                    crate::t!("schema-style-nothing-to-match", rule = id.value.as_str()),
                )
                .hint(crate::t!("schema-style-nothing-to-match-hint")),
            );
            continue;
        }
        let joined = alternatives
            .iter()
            .map(|a| format!("(?:{a})"))
            .collect::<Vec<_>>()
            .join("|");
        // One regex per phrase: with word boundaries checked by hand, a shorter alternative
        // («произведен») must not shadow a longer one («произведены») at the same position.
        let compiled = if compile {
            alternatives
                .iter()
                .map(|a| Regex::new(a))
                .collect::<Result<Vec<_>, _>>()
                .map(OnceLock::from)
        } else {
            Ok(OnceLock::new())
        };
        match compiled {
            Ok(phrases) => {
                rules.retain(|r| r.id != id.value);
                rules.push(StyleRule {
                    id: id.value,
                    message: message.value,
                    suggest,
                    any: joined,
                    patterns: alternatives,
                    phrases,
                });
            }
            Err(e) => out.push(Diagnostic::new(
                Rule::Schema,
                file,
                pos,
                crate::t!(
                    "schema-style-bad-pattern",
                    rule = id.value.as_str(),
                    error = e.to_string()
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn folding_bytes_is_folding_characters(text in "[a-zA-Zа-яА-ЯёЁ0-9 .,«»—–\\u{0}-\\u{10FFFF}]{0,64}") {
            proptest::prop_assert_eq!(fold(&text), fold_chars(&text));
        }
    }

    #[test]
    fn folding_keeps_every_offset() {
        let text = "Ёлка, ЁЖИК и ёж: ABC — Пётр Яковлевич; Ñ stays Ñ";
        assert_eq!(
            fold(text),
            "елка, ежик и еж: abc — петр яковлевич; Ñ stays Ñ"
        );
        assert_eq!(fold(text).len(), text.len());
        assert_eq!(fold(text), fold_chars(text));
    }

    fn style() -> Style {
        let (s, diags) = Style::load(None, LOCAL_PATH);
        assert!(diags.is_empty(), "{diags:?}");
        s
    }

    /// The built-in phrases are compiled only when they fire: here every one of them is, once.
    #[test]
    fn builtin_phrases_all_compile() {
        let (s, problems) = Style::load(None, LOCAL_PATH);
        assert!(problems.is_empty(), "{problems:?}");
        for rule in &s.rules {
            assert!(rule.phrases.get().is_none(), "{} compiled early", rule.id);
            assert_eq!(rule.phrases().len(), rule.patterns.len(), "{}", rule.id);
        }
    }

    /// Telling an empty-matching phrase by its shape says what the regex engine says.
    #[test]
    fn empty_phrases_are_told_by_shape() {
        for phrase in [
            "*",
            " * ",
            "**",
            "в целях",
            "осуществл*",
            "а*",
            "*a",
            "Ё*",
            "x * y",
            "* *",
            "-",
            ".*",
        ] {
            let by_engine = Regex::new(&phrase_regex(phrase)).is_ok_and(|r| r.is_match(""));
            assert_eq!(matches_empty(phrase), by_engine, "{phrase:?}");
        }
        assert!(matches_empty("*"));
    }

    #[test]
    fn builtin_rules_catch_every_bad_line() {
        let s = style();
        assert!(s.len() >= 50);
        for line in include_str!("../../tests/fixtures/style/bad.txt")
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            assert!(!s.findings(line).is_empty(), "no finding in: {line}");
        }
    }

    #[test]
    fn builtin_rules_leave_good_lines_alone() {
        let s = style();
        for line in include_str!("../../tests/fixtures/style/good.txt").lines() {
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

    /// The texts vestnik writes to people pass its own style rules.
    #[test]
    fn our_own_russian_texts_pass_the_style_rules() {
        use crate::locale::{Lang, catalogue, messages, text_in};
        let s = style();
        let mut flagged = Vec::new();
        for (file, text) in catalogue(Lang::Ru) {
            for (id, _) in messages(text) {
                let shown = text_in(Lang::Ru, &id, &[]);
                for f in s.findings(&shown) {
                    flagged.push(format!("{file} {id}: {}", f.message));
                }
            }
        }
        assert!(flagged.is_empty(), "{}", flagged.join("\n"));
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
