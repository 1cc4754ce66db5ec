//! The simple shapes of YAML that plans are nearly always written in, read without the general
//! parser: a post's front matter or a weekly plan costs a few microseconds here instead of tens
//! in serde-saphyr (which was a fifth of a check of 100,000 posts).
//!
//! [`parse`] reads block mappings (`key: value`), block sequences (`- item`, also at the
//! indentation of their key), single-line plain scalars, one-line flow sequences of plain
//! scalars (`[a, b]`) and literal blocks (`|`), with blank lines and whole-line comments
//! between entries. Anything else — quotes, anchors, tags, folded blocks, a scalar that could
//! be a number or null, a duplicate key, a tab — makes it answer `None`, and the caller reads
//! the text with the general parser. When it answers, the tree is the one serde-saphyr builds,
//! positions included (a differential test holds it to that): its only job is to be faster,
//! never to read YAML differently.

use crate::plan::source::Pos;
use crate::plan::yaml::{Kind, Node};

/// More nodes than this is not a post: left to the general parser and its budget.
const MAX_NODES: usize = 10_000;

/// Deeper nesting than this is left to the general parser and its depth limit.
const MAX_DEPTH: usize = 16;

/// Longest key read here (YAML's implicit keys end at 1024 characters).
const MAX_KEY_BYTES: usize = 256;

/// The tree of `text` if it is written in the simple shapes, with `line_offset` added to every
/// line; `None` when the general parser must read it (also for every text it would refuse).
pub fn parse(text: &str, line_offset: u32) -> Option<Node> {
    if !text.ends_with('\n') || !plain_characters(text) {
        return None;
    }
    let lines: Vec<Line> = text
        .split_terminator('\n')
        .zip(1u32..)
        .map(|(raw, no)| {
            let body = raw.trim_start_matches(' ');
            Line {
                no: no + line_offset,
                indent: raw.len() - body.len(),
                body,
            }
        })
        .collect();
    let mut r = Reader {
        lines,
        at: 0,
        nodes: 0,
        depth: 0,
    };
    r.skip_blank();
    if r.peek()?.indent != 0 {
        return None;
    }
    let node = r.block(0)?;
    r.skip_blank();
    (r.at == r.lines.len()).then_some(node)
}

/// Whether `text` has no character that YAML refuses or reads specially: controls (but the line
/// feed), tabs, carriage returns, DEL, C1 controls (NEL among them), the byte order mark, the
/// line and paragraph separators and the non-characters U+FFFE and U+FFFF.
fn plain_characters(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' | 0x20..=0x7E => i += 1,
            0x00..=0x1F | 0x7F => return false,
            0xC2 if (0x80..=0x9F).contains(&b[i + 1]) => return false,
            0xE2 if b[i + 1] == 0x80 && matches!(b[i + 2], 0xA8 | 0xA9) => return false,
            0xEF if matches!((b[i + 1], b[i + 2]), (0xBB, 0xBF) | (0xBF, 0xBE | 0xBF)) => {
                return false;
            }
            _ => i += 1,
        }
    }
    true
}

/// One line: its number in the file, its indentation in spaces and what follows it.
#[derive(Clone, Copy)]
struct Line<'a> {
    no: u32,
    indent: usize,
    body: &'a str,
}

impl Line<'_> {
    /// Blank, or a comment only.
    fn is_blank(&self) -> bool {
        self.body.is_empty() || self.body.starts_with('#')
    }

    /// A block sequence entry: `- …`.
    fn is_item(&self) -> bool {
        self.body.starts_with("- ") || self.body == "-"
    }
}

struct Reader<'a> {
    lines: Vec<Line<'a>>,
    at: usize,
    nodes: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<Line<'a>> {
        self.lines.get(self.at).copied()
    }

    fn skip_blank(&mut self) {
        while self.peek().is_some_and(|l| l.is_blank()) {
            self.at += 1;
        }
    }

    /// Counts a node against the budget.
    fn node(&mut self, kind: Kind, pos: Pos) -> Option<Node> {
        self.nodes += 1;
        (self.nodes <= MAX_NODES).then_some(Node { kind, pos })
    }

    /// The mapping or sequence whose first line is the current one, at indentation `indent`.
    fn block(&mut self, indent: usize) -> Option<Node> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let node = if self.peek()?.is_item() {
            self.seq(indent, false)
        } else {
            self.map(indent)
        };
        self.depth -= 1;
        node
    }

    fn map(&mut self, indent: usize) -> Option<Node> {
        let mut entries: Vec<(Node, Node)> = Vec::new();
        loop {
            self.skip_blank();
            let Some(line) = self.peek() else { break };
            if line.indent < indent || line.is_item() && line.indent == indent {
                break;
            }
            if line.indent > indent {
                return None;
            }
            let (key, rest) = split_key(line.body)?;
            if entries
                .iter()
                .any(|(k, _)| matches!(&k.kind, Kind::Str(s) if s == key))
            {
                return None;
            }
            let key_node = self.node(Kind::Str(key.to_owned()), Pos::new(line.no, col(indent)))?;
            self.at += 1;
            let value_col = col(indent + line.body.len() - rest.len());
            let value = if rest.is_empty() {
                self.skip_blank();
                let next = self.peek()?;
                if next.indent > indent {
                    self.block(next.indent)?
                } else if next.indent == indent && next.is_item() {
                    self.depth += 1;
                    let seq = self.seq(indent, true);
                    self.depth -= 1;
                    seq?
                } else {
                    // A key without a value is null: the general parser says how it reads.
                    return None;
                }
            } else if rest == "|" {
                self.literal(indent)?
            } else if rest.starts_with('[') {
                self.flow_seq(rest, Pos::new(line.no, value_col))?
            } else {
                let kind = scalar(rest, false)?;
                self.node(kind, Pos::new(line.no, value_col))?
            };
            entries.push((key_node, value));
        }
        let pos = entries.first()?.0.pos;
        self.node(Kind::Map(entries), pos)
    }

    /// A block sequence at `indent`; `indentless` when it is written at the indentation of its
    /// key (`posts:\n- …`), where serde-saphyr places it at its first entry, not at the dash.
    fn seq(&mut self, indent: usize, indentless: bool) -> Option<Node> {
        let mut items = Vec::new();
        let first_line = self.peek()?.no;
        loop {
            self.skip_blank();
            let Some(line) = self.peek() else { break };
            if line.indent < indent || line.indent == indent && !line.is_item() {
                break;
            }
            if line.indent > indent {
                return None;
            }
            let body = line.body.strip_prefix("- ")?;
            if body.is_empty() || body.starts_with(' ') {
                return None;
            }
            let item = if split_key(body).is_some() {
                // A mapping that starts on the dash's line: its keys are two columns in.
                self.lines[self.at] = Line {
                    no: line.no,
                    indent: indent + 2,
                    body,
                };
                self.block(indent + 2)?
            } else {
                self.at += 1;
                let kind = scalar(body, false)?;
                self.node(kind, Pos::new(line.no, col(indent + 2)))?
            };
            items.push(item);
        }
        let pos = match (indentless, items.first()) {
            (true, Some(first)) => first.pos,
            (false, Some(_)) => Pos::new(first_line, col(indent)),
            (_, None) => return None,
        };
        self.node(Kind::Seq(items), pos)
    }

    /// A literal block (`|`) under a key at `indent`; the reader stands on its first line.
    fn literal(&mut self, indent: usize) -> Option<Node> {
        let first = self.peek()?;
        // Leading blank lines, lines of spaces and empty blocks are left to the general parser.
        if first.body.is_empty() || first.indent <= indent {
            return None;
        }
        let m = first.indent;
        let mut last = self.at;
        let mut i = self.at;
        while let Some(l) = self.lines.get(i) {
            if l.body.is_empty() {
                if l.indent > 0 {
                    return None;
                }
            } else if l.indent >= m {
                last = i;
            } else {
                break;
            }
            i += 1;
        }
        let mut text = String::new();
        for l in &self.lines[self.at..=last] {
            if !l.body.is_empty() {
                for _ in m..l.indent {
                    text.push(' ');
                }
                text.push_str(l.body);
            }
            text.push('\n');
        }
        self.at = last + 1;
        self.node(Kind::Str(text), Pos::new(first.no, col(m)))
    }

    /// `[a, b]`: the rest of the line after a key, starting at `pos`.
    fn flow_seq(&mut self, rest: &str, pos: Pos) -> Option<Node> {
        let inner = rest.strip_prefix('[')?.strip_suffix(']')?;
        let mut items = Vec::new();
        if !inner.is_empty() {
            let mut column = pos.column + 1;
            for part in inner.split(',') {
                let item = part.trim_start_matches(' ');
                let lead = (part.len() - item.len()) as u32;
                let item = item.trim_end_matches(' ');
                let kind = scalar(item, true)?;
                items.push(self.node(kind, Pos::new(pos.line, column + lead))?);
                column += chars(part) + 1;
            }
        }
        self.node(Kind::Seq(items), pos)
    }
}

/// 1-based column of the byte `offset` of a line whose first `offset` bytes are ASCII.
fn col(offset: usize) -> u32 {
    offset as u32 + 1
}

/// Characters in `s`.
fn chars(s: &str) -> u32 {
    s.bytes().filter(|b| b & 0xC0 != 0x80).count() as u32
}

/// `key: rest` or `key:` (then `rest` is empty), when the key is a plain text of the simple
/// kind and written in ASCII (so columns count bytes up to the value).
fn split_key(body: &str) -> Option<(&str, &str)> {
    let colon = body
        .find(": ")
        .or_else(|| body.ends_with(':').then(|| body.len() - 1))?;
    let key = &body[..colon];
    if key.len() > MAX_KEY_BYTES || !key.is_ascii() || !matches!(scalar(key, true)?, Kind::Str(_)) {
        return None;
    }
    let rest = body[colon + 1..].trim_start_matches(' ');
    Some((key, rest))
}

/// The value of a plain scalar written as `s` (in a flow sequence when `flow`), when it is
/// certainly text or a boolean; `None` for anything else (a possible number or null, a comment,
/// a character that starts or ends something in YAML).
fn scalar(s: &str, flow: bool) -> Option<Kind> {
    let first = *s.as_bytes().first()?;
    if b"-?:,[]{}#&*!|>'\"%@`~+ ".contains(&first)
        || s.ends_with([' ', ':'])
        || s.contains(": ")
        || s.contains(" #")
        || flow && s.contains([',', '[', ']', '{', '}', ':', '#'])
        || !flow && s.contains(['[', ']', '{', '}'])
    {
        return None;
    }
    match s {
        "true" | "True" | "TRUE" => return Some(Kind::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Kind::Bool(false)),
        "null" | "Null" | "NULL" => return None,
        _ => {}
    }
    // Only a scalar that starts with a digit or a dot can be a number (`inf` and `nan` spelled
    // out stay text); one with a character no number has (a space, a colon, a letter outside
    // these) is text.
    let numeric = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'+' | b'-');
    if (first.is_ascii_digit() || first == b'.') && s.bytes().all(numeric) {
        return None;
    }
    Some(Kind::Str(s.to_owned()))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::plan::yaml::parse_general;

    /// Whenever the shortcut answers, serde-saphyr reads the same tree.
    fn same_as_general(text: &str, offset: u32) -> Result<bool, TestCaseError> {
        match parse(text, offset) {
            Some(node) => {
                prop_assert_eq!(Ok(node), parse_general(text, offset), "{:?}", text);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Scalars that YAML reads in surprising ways, and ordinary ones.
    const SCALARS: &[&str] = &[
        "2026-11-30 09:00",
        "2026-11-30",
        "09:00",
        "Пост 0-0",
        "photo-0.png",
        "vk",
        "true",
        "True",
        "TRUE",
        "false",
        "yes",
        "no",
        "null",
        "Null",
        "~",
        "12",
        "012",
        "-3",
        "+3",
        "0x1F",
        "0X1F",
        "0o17",
        "1e3",
        ".5",
        "5.",
        ".inf",
        "-.inf",
        ".nan",
        "inf",
        "nan",
        "infinity",
        "1_000",
        "1 000",
        "a #b",
        "a#b",
        "a: b",
        "a:b",
        "a:",
        "a, b",
        "a,b",
        "[a]",
        "a]",
        "{a}",
        "'q'",
        "\"q\"",
        "q'",
        "&a x",
        "*a",
        "!t x",
        "%x",
        "@x",
        "`x`",
        "? x",
        "- x",
        "-x",
        "| x",
        "> x",
        "x ",
        "«ёлка» — 5 €",
        "https://vk.com/club1?a=1&b=2",
        "\u{85}x",
        "a\u{2028}b",
        "\u{feff}x",
        "x\u{a0}",
        "a\tb",
        "a\rb",
    ];

    fn scalar() -> impl Strategy<Value = String> {
        prop_oneof![
            16 => "[a-zA-Zа-яё][a-zA-Zа-яё0-9 ./-]{0,10}[a-zа-я0-9]",
            2 => "[a-zа-я0-9]{1,3}[:,][a-zа-я0-9]{1,3}",
            2 => proptest::sample::select(SCALARS).prop_map(str::to_owned),
            1 => "[a-zA-Zа-яё0-9 :,#.'\"&*!|>?%@_+\\-\\[\\]{}]{1,10}",
        ]
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => "[a-z][a-z_-]{1,7}",
            1 => proptest::sample::select(&[
                "date", "title", "images", "text", "poll", "options", "null", "true", "a b",
                "титул", "k:x", "012", "-k", "k ", "_k", "k-1",
            ])
            .prop_map(str::to_owned),
            1 => "[a-z_]{1,3}",
        ]
    }

    #[derive(Clone, Debug)]
    enum Value {
        Scalar(String),
        Flow(Vec<String>, bool),
        Literal(Vec<(u8, String)>),
        Map(Vec<(String, Value)>),
        Seq(Vec<Value>, bool),
        Empty,
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            4 => scalar().prop_map(Value::Scalar),
            1 => (proptest::collection::vec(scalar(), 0..4), any::<bool>())
                .prop_map(|(v, spaced)| Value::Flow(v, spaced)),
            1 => proptest::collection::vec(
                (0u8..4, prop_oneof![scalar(), Just(String::new()), Just("# not a comment".to_owned())]),
                1..5
            )
            .prop_map(Value::Literal),
        ];
        let leaf = prop_oneof![40 => leaf, 1 => Just(Value::Empty)];
        leaf.prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                proptest::collection::vec((key(), inner.clone()), 1..5).prop_map(Value::Map),
                (proptest::collection::vec(inner, 1..4), any::<bool>())
                    .prop_map(|(v, indentless)| Value::Seq(v, indentless)),
            ]
        })
    }

    /// A small deterministic source of choices for the writer (blank lines, comments, spaces).
    struct Noise(u64);

    impl Noise {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            self.0 >> 33
        }
    }

    fn write_map(
        entries: &[(String, Value)],
        indent: usize,
        inline_first: bool,
        noise: &mut Noise,
        out: &mut String,
    ) {
        for (i, (k, v)) in entries.iter().enumerate() {
            if !(i == 0 && inline_first) {
                match noise.next() % 8 {
                    0 => out.push_str("# comment\n"),
                    1 => out.push('\n'),
                    _ => {}
                }
                out.push_str(&" ".repeat(indent));
            }
            out.push_str(k);
            out.push(':');
            match v {
                Value::Map(inner) => {
                    out.push('\n');
                    write_map(inner, indent + 2, false, noise, out);
                }
                Value::Seq(items, indentless) => {
                    out.push('\n');
                    write_seq(items, indent + if *indentless { 0 } else { 2 }, noise, out);
                }
                _ => {
                    out.push_str(if noise.next().is_multiple_of(5) {
                        "  "
                    } else {
                        " "
                    });
                    write_inline(v, indent, out);
                }
            }
        }
    }

    fn write_seq(items: &[Value], indent: usize, noise: &mut Noise, out: &mut String) {
        for item in items {
            out.push_str(&" ".repeat(indent));
            out.push_str("- ");
            match item {
                Value::Map(entries) => write_map(entries, indent + 2, true, noise, out),
                // Nested block sequences are left to the general parser.
                Value::Seq(..) => out.push_str("x\n"),
                _ => write_inline(item, indent + 2, out),
            }
        }
    }

    /// A value written after `key: ` (or `- `) at indentation `indent`.
    fn write_inline(value: &Value, indent: usize, out: &mut String) {
        match value {
            Value::Scalar(s) => {
                out.push_str(s);
                out.push('\n');
            }
            Value::Flow(items, spaced) => {
                out.push('[');
                out.push_str(&items.join(if *spaced { ", " } else { "," }));
                out.push_str("]\n");
            }
            Value::Literal(lines) => {
                out.push_str("|\n");
                // A block opening with a blank line is left to the general parser.
                let lines = lines.iter().skip_while(|(_, l)| l.is_empty());
                for (extra, l) in lines {
                    if !l.is_empty() {
                        out.push_str(&" ".repeat(indent + 2 + usize::from(*extra % 2)));
                    }
                    out.push_str(l);
                    out.push('\n');
                }
            }
            Value::Empty | Value::Map(_) | Value::Seq(..) => out.push('\n'),
        }
    }

    fn document() -> impl Strategy<Value = String> {
        (
            proptest::collection::vec((key(), value()), 1..6),
            any::<u64>(),
        )
            .prop_map(|(entries, seed)| {
                let mut out = String::new();
                write_map(&entries, 0, false, &mut Noise(seed), &mut out);
                out
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(6000))]

        #[test]
        fn generated_documents_read_as_serde_saphyr_reads_them(doc in document(), offset in 0u32..3) {
            same_as_general(&doc, offset)?;
        }

        #[test]
        fn soups_of_lines_read_as_serde_saphyr_reads_them(
            lines in proptest::collection::vec(
                (0usize..5, key(), 0usize..4, scalar()),
                1..8,
            )
        ) {
            let mut doc = String::new();
            for (indent, k, form, v) in &lines {
                doc.push_str(&" ".repeat(*indent));
                match form {
                    0 => doc.push_str(&format!("{k}: {v}\n")),
                    1 => doc.push_str(&format!("- {k}: {v}\n")),
                    2 => doc.push_str(&format!("{k}:\n")),
                    _ => doc.push_str(&format!("- {v}\n")),
                }
            }
            same_as_general(&doc, 0)?;
        }
    }

    /// The generated documents are not all refused by the shortcut: the tests above compare
    /// trees for many of them.
    #[test]
    fn many_generated_documents_take_the_shortcut() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = document();
        let (mut taken, mut deep) = (0, 0);
        for _ in 0..2000 {
            let doc = strategy.new_tree(&mut runner).unwrap().current();
            if same_as_general(&doc, 0).unwrap() {
                taken += 1;
                deep += usize::from(doc.contains("\n  "));
            }
        }
        assert!(taken >= 250 && deep >= 150, "{taken} taken, {deep} nested");
    }

    /// The shapes of the benchmark's posts and plans take the shortcut, and read as serde-saphyr
    /// reads them.
    #[test]
    fn common_shapes_take_the_shortcut() {
        let front = "date: 2026-11-30 09:00\ntitle: Пост 0-0\nimages: [photo-0.png]\n";
        let plan = "posts:\n  - date: 2026-12-03 12:00\n    title: План 0-3\n    images: [photo-2.png]\n    text: |\n      Приходите в субботу!\n\n      - начало в 12:00\n\n      #Крапивинский #зима\n  - date: 2026-12-05 12:00\n    networks: [vk, telegram]\n    poll:\n      question: Придёте?\n      options: [Да, Нет]\n      multiple: true\n";
        for (text, offset) in [(front, 1), (plan, 0)] {
            assert!(parse(text, offset).is_some(), "{text}");
            assert!(same_as_general(text, offset).unwrap());
        }
    }

    /// Every YAML file and front matter shipped with vestnik reads the same either way.
    #[test]
    fn shipped_files_read_as_serde_saphyr_reads_them() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in [
            "plans",
            "rules",
            "templates",
            "tests/fixtures",
            "deploy",
            "docs",
        ] {
            collect(&root.join(dir), &mut files);
        }
        let mut shortcut = 0;
        for file in &files {
            let Ok(text) = std::fs::read_to_string(file) else {
                continue;
            };
            let name = file.to_string_lossy();
            let (yaml, offset) = if name.ends_with(".md") {
                match crate::plan::split_front_matter(&text) {
                    Ok(fm) => (fm.yaml, fm.yaml_line - 1),
                    Err(_) => continue,
                }
            } else if name.ends_with(".yaml") || name.ends_with(".yml") {
                (text.as_str(), 0)
            } else {
                continue;
            };
            if same_as_general(yaml, offset).unwrap_or_else(|e| panic!("{name}: {e}")) {
                shortcut += 1;
            }
        }
        assert!(shortcut >= 10, "{shortcut} of {} files", files.len());
    }

    fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                collect(&p, out);
            } else {
                out.push(p);
            }
        }
    }
}
