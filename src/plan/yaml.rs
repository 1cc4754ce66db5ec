//! YAML with positions: a small tree of nodes that remember where they were written, and a reader
//! that turns mappings into typed fields while collecting every problem instead of stopping at the
//! first.
//!
//! Parsing goes through serde-saphyr with a tight budget (depth, nodes, aliases, replayed events),
//! so YAML bombs and deep nesting end in a diagnostic, never in a hang or a crash. Typed reading is
//! done here rather than by `#[derive(Deserialize)]` so that one post with a typo does not hide the
//! problems of the next one, and so that messages can speak plainly to non-programmers.

use std::fmt;

use fluent_bundle::FluentValue;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::locale::{self, Lang};

use crate::plan::diagnostic::{Diagnostic, Rule};
use crate::plan::source::Pos;

mod simple;

/// A YAML value with the position it was written at.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub kind: Kind,
    /// Where the value starts in the file.
    pub pos: Pos,
}

/// The kinds of YAML values.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// `~`, `null` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in written order.
    Map(Vec<(Node, Node)>),
}

impl Kind {
    /// How the value is called in messages to people, in the process's language.
    pub fn describe(&self) -> String {
        self.describe_in(locale::current())
    }

    /// How the value is called in messages to people, in `lang`.
    pub fn describe_in(&self, lang: Lang) -> String {
        let id = match self {
            Kind::Null => "kind-null",
            Kind::Bool(_) => "kind-bool",
            Kind::Int(_) | Kind::Float(_) => "kind-number",
            Kind::Str(_) => "kind-text",
            Kind::Seq(_) => "kind-list",
            Kind::Map(_) => "kind-map",
        };
        locale::text_in(lang, id, &[])
    }
}

/// The message `id` of the catalogues in `lang`, with text arguments.
pub(crate) fn say(lang: Lang, id: &str, args: &[(&str, &str)]) -> String {
    let args: Vec<(&str, FluentValue<'_>)> = args
        .iter()
        .map(|(k, v)| (*k, FluentValue::from(*v)))
        .collect();
    locale::text_in(lang, id, &args)
}

/// Names (of fields, of rules) as a list for a message: `date, title` in English, each in
/// backticks in Russian.
pub(crate) fn name_list(lang: Lang, names: &[&str]) -> String {
    names
        .iter()
        .map(|n| say(lang, "yaml-name", &[("name", n)]))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a mapping describes, as the reader's messages name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum What {
    /// A message of `locales/*/plan.ftl` (`what-post`, `what-poll`…): the reader's messages
    /// speak the process's language.
    Msg(&'static str),
    /// English words ("the configuration"), from a reader whose texts are not in the catalogues
    /// yet: its messages stay English, whole, rather than half translated.
    English(&'static str),
}

impl From<&'static str> for What {
    fn from(words: &'static str) -> Self {
        What::English(words)
    }
}

impl What {
    /// The language the reader's messages are in.
    fn lang(self) -> Lang {
        match self {
            What::Msg(_) => locale::current(),
            What::English(_) => Lang::En,
        }
    }

    /// The words naming the mapping in `lang`.
    fn words(self, lang: Lang) -> String {
        match self {
            What::Msg(id) => locale::text_in(lang, id, &[]),
            What::English(words) => words.to_owned(),
        }
    }
}

impl Node {
    /// The value as text, if it is a scalar (numbers and booleans are written out).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            Kind::Str(s) => Some(s.clone()),
            Kind::Int(i) => Some(i.to_string()),
            Kind::Float(f) => Some(f.to_string()),
            Kind::Bool(b) => Some(b.to_string()),
            Kind::Null | Kind::Seq(_) | Kind::Map(_) => None,
        }
    }

    /// The entries, if the value is a mapping.
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }
}

/// A value together with the position it was written at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct At<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub pos: Pos,
}

impl<T> At<T> {
    /// Pairs a value with a position.
    pub const fn new(value: T, pos: Pos) -> Self {
        Self { value, pos }
    }
}

/// Malformed YAML: a message and where the parser stopped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    /// What the parser said, without its own position suffix.
    pub message: String,
    /// Where, already shifted by the caller's line offset.
    pub pos: Pos,
}

impl YamlError {
    /// The `yaml` diagnostic of a file that did not parse: the catalogue message `message`
    /// (which takes the parser's words as `$error`) at the parser's position, with the hint
    /// `hint` if any.
    pub fn diagnostic(&self, file: &str, message: &str, hint: Option<&str>) -> Diagnostic {
        let text = crate::locale::text(
            message,
            &[(
                "error",
                fluent_bundle::FluentValue::from(self.message.as_str()),
            )],
        );
        let d = Diagnostic::new(Rule::Yaml, file, self.pos, text);
        match hint {
            Some(h) => d.hint(crate::locale::text(h, &[])),
            None => d,
        }
    }
}

struct Inner(Kind);

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<Inner>::deserialize(d)?;
        let pos = Pos::new(s.referenced.line() as u32, s.referenced.column() as u32);
        Ok(Node {
            kind: s.value.0,
            pos,
        })
    }
}

impl<'de> Deserialize<'de> for Inner {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(InnerVisitor)
    }
}

struct InnerVisitor;

impl<'de> Visitor<'de> for InnerVisitor {
    type Value = Inner;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Inner, E> {
        Ok(Inner(Kind::Null))
    }
    fn visit_none<E>(self) -> Result<Inner, E> {
        Ok(Inner(Kind::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Inner, D::Error> {
        Inner::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Inner, E> {
        Ok(Inner(Kind::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Inner, E> {
        Ok(Inner(Kind::Int(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Inner, E> {
        Ok(Inner(
            i64::try_from(v).map_or_else(|_| Kind::Str(v.to_string()), Kind::Int),
        ))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Inner, E> {
        Ok(Inner(Kind::Float(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Inner, E> {
        Ok(Inner(Kind::Str(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Inner, E> {
        Ok(Inner(Kind::Str(v)))
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Inner, E> {
        Err(E::custom(crate::t!("yaml-binary")))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Inner, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            items.push(n);
        }
        Ok(Inner(Kind::Seq(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Inner, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = map.next_key::<Node>()? {
            let v = map.next_value::<Node>()?;
            entries.push((k, v));
        }
        Ok(Inner(Kind::Map(entries)))
    }
}

/// Parses one YAML document. `line_offset` is added to every line (front matter starts on line 2
/// of its file). An empty document is `Null`. The simple shapes most plans are written in are
/// read by a shortcut ([`simple`]) that builds the same tree; the rest by serde-saphyr.
///
/// Fails with the parser's message and position on malformed YAML, duplicate keys, and inputs that
/// exceed the budget (YAML bombs, nesting deeper than 32).
pub fn parse(text: &str, line_offset: u32) -> Result<Node, YamlError> {
    match simple::parse(text, line_offset) {
        Some(node) => Ok(node),
        None => parse_general(text, line_offset),
    }
}

/// [`parse`] by serde-saphyr alone, for any YAML.
fn parse_general(text: &str, line_offset: u32) -> Result<Node, YamlError> {
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: 32,
            max_nodes: 200_000,
            max_aliases: 200,
            max_anchors: 1_000,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 20_000,
        },
        // YAML 1.2: `no`, `yes`, `on` are text, and `0123` (a phone, an id) stays text.
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
    };
    let shift = |mut n: Node| {
        shift_lines(&mut n, line_offset);
        n
    };
    match serde_saphyr::from_str_with_options::<Option<Node>>(text, options) {
        Ok(Some(n)) => Ok(shift(n)),
        Ok(None) => Ok(Node {
            kind: Kind::Null,
            pos: Pos::new(1 + line_offset, 1),
        }),
        Err(e) => {
            let pos = e.location().map_or(Pos::new(1 + line_offset, 1), |l| {
                Pos::new(l.line() as u32 + line_offset, l.column().max(1) as u32)
            });
            Err(YamlError {
                message: plain_message(&e),
                pos,
            })
        }
    }
}

fn shift_lines(n: &mut Node, by: u32) {
    n.pos.line += by;
    match &mut n.kind {
        Kind::Seq(items) => items.iter_mut().for_each(|i| shift_lines(i, by)),
        Kind::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            shift_lines(k, by);
            shift_lines(v, by);
        }),
        _ => {}
    }
}

/// The parser's message without its trailing ` at line N, column M` (we print positions ourselves).
fn plain_message(e: &serde_saphyr::Error) -> String {
    let text = e.without_snippet().to_string();
    // serde-saphyr appends ` at line N, column M` (and for aliases `(defined at …) (used at …)`);
    // positions are printed by us, so everything from the first such position on is dropped.
    let cut = text
        .match_indices(" at line ")
        .find(|(i, m)| text[i + m.len()..].starts_with(|c: char| c.is_ascii_digit()))
        .map_or(text.len(), |(i, _)| i);
    let text = &text[..cut];
    let text = text.trim();
    if text.contains("budget") || text.contains("alias replay") {
        crate::t!("yaml-too-big", parser = text)
    } else if text.contains("duplicate mapping key") {
        let key = text
            .trim_start_matches("duplicate mapping key:")
            .split(',')
            .next()
            .unwrap_or("")
            .trim();
        crate::t!("yaml-duplicate-key", key = key)
    } else {
        text.to_owned()
    }
}

/// Reads the fields of one YAML mapping into typed values, reporting every problem as a `schema`
/// (or other) diagnostic and remembering which keys were read, so that unknown ones are reported
/// by [`Fields::finish`].
pub struct Fields<'a, 'o> {
    entries: &'a [(Node, Node)],
    used: Vec<bool>,
    pos: Pos,
    what: What,
    lang: Lang,
    file: &'a str,
    out: &'o mut Vec<Diagnostic>,
}

impl<'a, 'o> Fields<'a, 'o> {
    /// Starts reading `node` as a mapping describing `what` (`What::Msg("what-post")`, or
    /// English words such as "the configuration"). Reports a schema diagnostic and returns `None`
    /// when it is not a mapping.
    pub fn new(
        node: &'a Node,
        what: impl Into<What>,
        file: &'a str,
        out: &'o mut Vec<Diagnostic>,
    ) -> Option<Self> {
        let what = what.into();
        let lang = what.lang();
        match &node.kind {
            Kind::Map(entries) => Some(Self {
                entries,
                used: vec![false; entries.len()],
                pos: node.pos,
                what,
                lang,
                file,
                out,
            }),
            other => {
                let msg = say(
                    lang,
                    "yaml-not-a-map",
                    &[
                        ("what", &what.words(lang)),
                        ("found", &other.describe_in(lang)),
                    ],
                );
                out.push(Diagnostic::new(Rule::Schema, file, node.pos, msg).hint(say(
                    lang,
                    "yaml-not-a-map-hint",
                    &[],
                )));
                None
            }
        }
    }

    /// The file being read.
    pub fn file(&self) -> &'a str {
        self.file
    }

    /// Where the mapping starts.
    pub fn pos(&self) -> Pos {
        self.pos
    }

    /// Reports a diagnostic through this reader.
    pub fn report(&mut self, d: Diagnostic) {
        self.out.push(d);
    }

    /// The diagnostics sink.
    pub fn out(&mut self) -> &mut Vec<Diagnostic> {
        self.out
    }

    /// Takes the raw node of `key`, if present. Nulls count as absent.
    pub fn node(&mut self, key: &str) -> Option<&'a Node> {
        let i = self
            .entries
            .iter()
            .position(|(k, _)| matches!(&k.kind, Kind::Str(s) if s == key))?;
        self.used[i] = true;
        let v = &self.entries[i].1;
        (!matches!(v.kind, Kind::Null)).then_some(v)
    }

    /// Whether `key` is written at all (even with no value).
    pub fn has(&self, key: &str) -> bool {
        self.entries
            .iter()
            .any(|(k, _)| matches!(&k.kind, Kind::Str(s) if s == key))
    }

    /// Where `key` is written (the key itself), or the mapping's start.
    pub fn key_pos(&self, key: &str) -> Pos {
        self.entries
            .iter()
            .find(|(k, _)| matches!(&k.kind, Kind::Str(s) if s == key))
            .map_or(self.pos, |(k, _)| k.pos)
    }

    /// The message `id` in this reader's language.
    fn say(&self, id: &str, args: &[(&str, &str)]) -> String {
        say(self.lang, id, args)
    }

    /// Reports a value of the wrong type: `expected` and `hint` are message ids, `args` their
    /// arguments.
    fn wrong(&mut self, key: &str, node: &Node, expected: &str, hint: &str, args: &[(&str, &str)]) {
        let msg = self.say(
            "yaml-wrong-type",
            &[
                ("key", key),
                ("what", &self.what.words(self.lang)),
                ("expected", &self.say(expected, args)),
                ("found", &node.kind.describe_in(self.lang)),
            ],
        );
        let hint = self.say(hint, args);
        self.out
            .push(Diagnostic::new(Rule::Schema, self.file, node.pos, msg).hint(hint));
    }

    /// A text field (numbers are accepted and written out).
    pub fn str(&mut self, key: &str) -> Option<At<String>> {
        let node = self.node(key)?;
        match node.scalar_text() {
            Some(s) => Some(At::new(s, node.pos)),
            None => {
                self.wrong(key, node, "yaml-expect-text", "yaml-expect-text-hint", &[]);
                None
            }
        }
    }

    /// A required text field: reports `schema` when missing.
    pub fn req_str(&mut self, key: &str, example: &str) -> Option<At<String>> {
        let v = self.str(key);
        if v.is_none() && !self.has(key) {
            let msg = self.say(
                "yaml-missing",
                &[("what", &self.what.words(self.lang)), ("key", key)],
            );
            let hint = self.say("yaml-missing-hint", &[("key", key), ("example", example)]);
            let d = Diagnostic::new(Rule::Schema, self.file, self.pos, msg).hint(hint);
            self.out.push(d);
        }
        v
    }

    /// A `true`/`false` field.
    pub fn bool(&mut self, key: &str) -> Option<At<bool>> {
        let node = self.node(key)?;
        match node.kind {
            Kind::Bool(b) => Some(At::new(b, node.pos)),
            _ => {
                self.wrong(key, node, "yaml-expect-bool", "yaml-expect-bool-hint", &[]);
                None
            }
        }
    }

    /// A whole number within `range`: every numeric setting has bounds, so that no value
    /// written in a file makes vestnik loop, wait or allocate without end.
    pub fn uint(&mut self, key: &str, range: std::ops::RangeInclusive<u32>) -> Option<At<u32>> {
        let node = self.node(key)?;
        match node.kind {
            Kind::Int(i) if (i64::from(*range.start())..=i64::from(*range.end())).contains(&i) => {
                Some(At::new(i as u32, node.pos))
            }
            _ => {
                let (lo, hi) = (range.start().to_string(), range.end().to_string());
                self.wrong(
                    key,
                    node,
                    "yaml-expect-number",
                    "yaml-expect-number-hint",
                    &[("lo", &lo), ("hi", &hi)],
                );
                None
            }
        }
    }

    /// A list of texts; a single text is taken as a list of one.
    pub fn str_list(&mut self, key: &str) -> Option<At<Vec<At<String>>>> {
        let node = self.node(key)?;
        let items = match &node.kind {
            Kind::Seq(items) => items.as_slice(),
            _ if node.scalar_text().is_some() => std::slice::from_ref(node),
            _ => {
                self.wrong(key, node, "yaml-expect-list", "yaml-expect-list-hint", &[]);
                return None;
            }
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match item.scalar_text() {
                Some(s) => out.push(At::new(s, item.pos)),
                None => self.wrong(
                    key,
                    item,
                    "yaml-expect-text-list",
                    "yaml-expect-text-list-hint",
                    &[],
                ),
            }
        }
        Some(At::new(out, node.pos))
    }

    /// A nested mapping: returns its node after checking it is a mapping.
    pub fn map(&mut self, key: &str) -> Option<&'a Node> {
        let node = self.node(key)?;
        if matches!(node.kind, Kind::Map(_)) {
            Some(node)
        } else {
            self.wrong(key, node, "yaml-expect-map", "yaml-expect-map-hint", &[]);
            None
        }
    }

    /// Reports every key that was not read as an unknown field, suggesting the closest known one.
    pub fn finish(self, known: &[&str]) {
        for ((k, _), used) in self.entries.iter().zip(&self.used) {
            if *used {
                continue;
            }
            let name = k.scalar_text().unwrap_or_default();
            let msg = self.say(
                "yaml-unknown-field",
                &[("name", &name), ("what", &self.what.words(self.lang))],
            );
            let names = name_list(self.lang, known);
            let hint = match closest(&name, known) {
                Some(best) => self.say(
                    "yaml-unknown-field-did-you-mean",
                    &[("best", best), ("known", &names)],
                ),
                None => self.say("yaml-unknown-field-known", &[("known", &names)]),
            };
            let d = Diagnostic::new(Rule::Schema, self.file, k.pos, msg).hint(hint);
            self.out.push(d);
        }
    }
}

/// The known name closest to `name`, if it is a plausible typo of it.
pub fn closest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edit_distance(name, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_keep_positions_and_offsets() {
        let n = parse("date: 2026-12-01 09:00\nimages:\n  - a.jpg\n", 1).unwrap();
        let m = n.as_map().unwrap();
        assert_eq!(m[0].1.pos, Pos::new(2, 7));
        assert_eq!(m[0].1.kind, Kind::Str("2026-12-01 09:00".into()));
        let Kind::Seq(items) = &m[1].1.kind else {
            panic!()
        };
        assert_eq!(items[0].pos, Pos::new(4, 5));
    }

    #[test]
    fn yaml_1_2_keeps_norway() {
        let n = parse("a: no\nb: yes\nc: true\nd: 0123\n", 0).unwrap();
        let m = n.as_map().unwrap();
        assert_eq!(m[0].1.kind, Kind::Str("no".into()));
        assert_eq!(m[1].1.kind, Kind::Str("yes".into()));
        assert_eq!(m[2].1.kind, Kind::Bool(true));
        assert_eq!(m[3].1.kind, Kind::Str("0123".into()));
    }

    #[test]
    fn malformed_inputs_are_errors_with_positions() {
        let e = parse("a: [x\n", 0).unwrap_err();
        assert_eq!(e.pos.line, 1);
        let e = parse("a: 1\na: 2\n", 3).unwrap_err();
        assert_eq!(e.pos, Pos::new(5, 1));
        assert_eq!(e.message, crate::t!("yaml-duplicate-key", key = "a"));
        let deep = "[".repeat(5000);
        assert!(parse(&deep, 0).is_err());
        let bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n";
        assert!(parse(bomb, 0).is_err());
        assert_eq!(parse("", 0).unwrap().kind, Kind::Null);
        assert_eq!(parse("# only a comment\n", 0).unwrap().kind, Kind::Null);
    }

    #[test]
    fn fields_report_every_problem() {
        let n = parse("date: 5\nnetworks: {a: 1}\npol: x\nstatus: [a]\n", 0).unwrap();
        let mut out = Vec::new();
        let mut f = Fields::new(&n, "a post", "p.md", &mut out).unwrap();
        assert_eq!(f.str("date").unwrap().value, "5");
        assert!(f.str_list("networks").is_none());
        assert!(f.str("status").is_none());
        assert!(f.req_str("title", "x").is_none());
        f.finish(&["date", "networks", "poll", "status", "title"]);
        let msgs: Vec<_> = out
            .iter()
            .map(|d| (d.pos.line, d.message.as_str()))
            .collect();
        assert_eq!(msgs.len(), 4, "{msgs:?}");
        assert!(out[3].message.contains("unknown field `pol`"));
        assert!(
            out[3]
                .hint
                .as_deref()
                .unwrap()
                .contains("did you mean `poll`")
        );
    }
}
