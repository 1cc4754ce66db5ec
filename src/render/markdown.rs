//! Markdown → the text each network receives: Telegram HTML (parse_mode HTML) or plain text for
//! VK and OK, produced by one walk over pulldown-cmark events so both flavours agree on blocks,
//! lists and line breaks.
//!
//! Telegram accepts only a whitelist of tags (b, i, u, s, a, code, pre, blockquote, tg-spoiler) and
//! rejects `<p>` and `<br>`; everything else is escaped text. Lengths are measured on the visible
//! text (what remains after entity parsing), which this walk builds alongside the markup.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// Which markup to produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// Telegram HTML.
    TelegramHtml,
    /// Plain text (VK, OK).
    Plain,
}

/// What in the Markdown a network cannot show as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProblemKind {
    /// HTML tags, shown as text.
    Html,
    /// A link that is not a web address, shown as plain text.
    Link,
    /// An image inside the text: only its description remains.
    Image,
    /// A table: its cells become lines.
    Table,
}

impl ProblemKind {
    /// The catalogue id of its message; the hint's id is this with `-hint`.
    pub const fn id(self) -> &'static str {
        match self {
            ProblemKind::Html => "render-md-html",
            ProblemKind::Link => "render-md-link",
            ProblemKind::Image => "render-md-image",
            ProblemKind::Table => "render-md-table",
        }
    }
}

/// Something in the Markdown that a network cannot show as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Byte offset in the Markdown.
    pub offset: usize,
    /// What is wrong.
    pub kind: ProblemKind,
    /// Whether the text can still be published (it only looks different).
    pub cosmetic: bool,
}

impl Problem {
    /// What is wrong, in the process's language.
    pub fn message(&self) -> String {
        self.message_in(crate::locale::current())
    }

    /// How to fix it, in the process's language.
    pub fn hint(&self) -> String {
        self.hint_in(crate::locale::current())
    }

    /// What is wrong, in `lang`.
    pub fn message_in(&self, lang: crate::locale::Lang) -> String {
        crate::locale::text_in(lang, self.kind.id(), &[])
    }

    /// How to fix it, in `lang`.
    pub fn hint_in(&self, lang: crate::locale::Lang) -> String {
        crate::locale::text_in(lang, &format!("{}-hint", self.kind.id()), &[])
    }
}

/// Rendered text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rendered {
    /// The text as sent (HTML for Telegram, plain for VK/OK).
    pub markup: String,
    /// The text a reader sees (equal to `markup` for plain text).
    pub visible: String,
    /// What could not be rendered faithfully.
    pub problems: Vec<Problem>,
}

impl Rendered {
    /// Length of the visible text in UTF-16 code units (how Telegram counts entity offsets).
    pub fn utf16_len(&self) -> usize {
        self.visible.encode_utf16().count()
    }

    /// Length of the visible text in characters (Unicode scalar values).
    pub fn char_len(&self) -> usize {
        self.visible.chars().count()
    }
}

/// Renders `markdown` in `flavor`.
pub fn render(markdown: &str, flavor: Flavor) -> Rendered {
    let mut w = Writer {
        flavor,
        out: Rendered::default(),
        lists: Vec::new(),
        pending_break: 0,
        pending_open: Vec::new(),
        link: Vec::new(),
        quote_depth: 0,
        code: None,
        item_start: false,
    };
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES,
    );
    for (event, range) in parser.into_offset_iter() {
        w.event(event, range.start);
    }
    w.finish()
}

struct List {
    next: Option<u64>,
}

/// An open code block: where its text starts and the tag that closes it.
struct Code {
    start: usize,
    close: &'static str,
}

struct Writer {
    flavor: Flavor,
    out: Rendered,
    lists: Vec<List>,
    /// Line breaks owed before the next visible content (1 = new line, 2 = new paragraph).
    pending_break: u8,
    /// Opening tags not written yet: they go out with the next visible text, after the owed
    /// line breaks, so that breaks never sit inside a tag and empty elements vanish instead of
    /// leaving `<b></b>` (and lengths that the plain flavour does not have).
    pending_open: Vec<String>,
    /// Destinations of the links being written and where their text started (`usize::MAX`: not
    /// written as a link).
    link: Vec<(String, usize)>,
    quote_depth: u32,
    code: Option<Code>,
    /// A list marker was just written: the item's first paragraph continues its line.
    item_start: bool,
}

impl Writer {
    fn html(&self) -> bool {
        self.flavor == Flavor::TelegramHtml
    }

    /// Opens a tag (Telegram only): written with the next visible text.
    fn open(&mut self, tag: impl Into<String>) {
        if self.html() {
            self.pending_open.push(tag.into());
        }
    }

    /// Closes a tag: drops it with its opening when nothing was written inside.
    fn close(&mut self, tag: &str) {
        if self.html() && self.pending_open.pop().is_none() {
            self.out.markup.push_str(tag);
        }
    }

    fn flush_break(&mut self) {
        if self.pending_break > 0 && !self.out.visible.is_empty() {
            let n = if self.pending_break >= 2 {
                "\n\n"
            } else {
                "\n"
            };
            self.out.markup.push_str(n);
            self.out.visible.push_str(n);
        }
        self.pending_break = 0;
    }

    fn block_break(&mut self, n: u8) {
        self.pending_break = self.pending_break.max(n);
    }

    /// Writes visible text, escaped for HTML where needed.
    fn text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        self.flush_break();
        for t in self.pending_open.drain(..) {
            self.out.markup.push_str(&t);
        }
        self.item_start = false;
        self.out.visible.push_str(s);
        if self.html() {
            escape_into(&mut self.out.markup, s, false);
        } else {
            self.out.markup.push_str(s);
        }
    }

    fn problem(&mut self, offset: usize, kind: ProblemKind, cosmetic: bool) {
        self.out.problems.push(Problem {
            offset,
            kind,
            cosmetic,
        });
    }

    fn event(&mut self, event: Event<'_>, offset: usize) {
        match event {
            Event::Start(tag) => self.start(tag, offset),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => self.text(&t),
            Event::Code(t) => {
                self.open("<code>");
                self.text(&t);
                self.close("</code>");
            }
            Event::SoftBreak | Event::HardBreak => {
                if self.code.is_some() {
                    self.text("\n");
                } else {
                    self.block_break(1);
                }
            }
            Event::Rule => {
                self.block_break(2);
                self.text("———");
                self.block_break(2);
            }
            Event::Html(h) | Event::InlineHtml(h) => {
                self.problem(offset, ProblemKind::Html, true);
                self.text(&h);
            }
            Event::InlineMath(t) | Event::DisplayMath(t) => self.text(&t),
            Event::FootnoteReference(t) => self.text(&t),
            Event::TaskListMarker(done) => self.text(if done { "☑ " } else { "☐ " }),
        }
    }

    fn start(&mut self, tag: Tag<'_>, offset: usize) {
        match tag {
            Tag::Paragraph => {
                if !self.item_start {
                    self.block_break(if self.lists.is_empty() { 2 } else { 1 });
                }
            }
            Tag::Heading { .. } => {
                self.block_break(2);
                self.open("<b>");
            }
            Tag::BlockQuote(_) => {
                self.block_break(2);
                // Telegram's blockquotes cannot nest: inner quotes join the outer one.
                if self.quote_depth == 0 {
                    self.open("<blockquote>");
                }
                self.quote_depth += 1;
            }
            Tag::CodeBlock(kind) => {
                self.block_break(2);
                let close = match kind {
                    CodeBlockKind::Fenced(lang) if !lang.trim().is_empty() && self.html() => {
                        let lang = lang.split_whitespace().next().unwrap_or("");
                        let mut t = String::from("<pre><code class=\"language-");
                        escape_into(&mut t, lang, true);
                        t.push_str("\">");
                        self.open(t);
                        "</code></pre>"
                    }
                    _ => {
                        self.open("<pre>");
                        "</pre>"
                    }
                };
                self.code = Some(Code {
                    start: self.out.visible.len(),
                    close,
                });
            }
            Tag::List(start) => {
                self.block_break(if self.lists.is_empty() { 2 } else { 1 });
                self.lists.push(List { next: start });
            }
            Tag::Item => {
                self.block_break(1);
                let depth = self.lists.len().saturating_sub(1);
                let marker = match self.lists.last_mut() {
                    Some(List { next: Some(n) }) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    _ => "• ".to_owned(),
                };
                self.text(&format!("{}{marker}", "  ".repeat(depth)));
                self.item_start = true;
            }
            Tag::Emphasis => self.open("<i>"),
            Tag::Strong => self.open("<b>"),
            Tag::Strikethrough => self.open("<s>"),
            Tag::Link { dest_url, .. } if !safe_link(&dest_url) => {
                self.problem(offset, ProblemKind::Link, true);
                self.link.push((String::new(), usize::MAX));
            }
            Tag::Link { .. } if self.link.iter().any(|(_, s)| *s != usize::MAX) => {
                // A link inside a link (an autolink in a link's text): Telegram cannot nest them.
                self.link.push((String::new(), usize::MAX));
            }
            Tag::Link { dest_url, .. } => {
                if self.html() {
                    let mut t = String::from("<a href=\"");
                    escape_into(&mut t, &dest_url, true);
                    t.push_str("\">");
                    self.open(t);
                }
                self.flush_break();
                let start = self.out.visible.len();
                self.link.push((dest_url.into_string(), start));
            }
            Tag::Image { .. } => {
                self.problem(offset, ProblemKind::Image, false);
                self.link.push((String::new(), usize::MAX));
            }
            Tag::Table(_) => {
                self.block_break(2);
                self.problem(offset, ProblemKind::Table, true);
            }
            Tag::TableHead | Tag::TableRow => self.block_break(1),
            Tag::TableCell => {
                if !self.out.visible.ends_with('\n')
                    && !self.out.visible.is_empty()
                    && self.pending_break == 0
                {
                    self.text(" | ");
                }
            }
            Tag::HtmlBlock => self.block_break(2),
            Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_)
            | Tag::Superscript
            | Tag::Subscript => self.block_break(0),
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => self.block_break(if self.lists.is_empty() { 2 } else { 1 }),
            TagEnd::Heading(_) => {
                self.close("</b>");
                self.block_break(2);
            }
            TagEnd::BlockQuote(_) => {
                self.quote_depth = self.quote_depth.saturating_sub(1);
                if self.quote_depth == 0 {
                    self.pending_break = 0;
                    self.close("</blockquote>");
                }
                self.block_break(2);
            }
            TagEnd::CodeBlock => {
                if let Some(code) = self.code.take() {
                    // The code's last line break belongs to the fence, not to the code.
                    if self.out.visible.len() > code.start && self.out.visible.ends_with('\n') {
                        self.out.visible.pop();
                        self.out.markup.pop();
                    }
                    self.close(code.close);
                }
                self.block_break(2);
            }
            TagEnd::List(_) => {
                self.lists.pop();
                self.block_break(if self.lists.is_empty() { 2 } else { 1 });
            }
            TagEnd::Item => {
                self.item_start = false;
                self.block_break(1);
            }
            TagEnd::Emphasis => self.close("</i>"),
            TagEnd::Strong => self.close("</b>"),
            TagEnd::Strikethrough => self.close("</s>"),
            TagEnd::Link => {
                let (url, start) = self.link.pop().unwrap_or_default();
                if start == usize::MAX {
                    // Not written as a link: its text stands alone.
                } else if self.html() {
                    self.close("</a>");
                } else {
                    let shown = &self.out.visible[start.min(self.out.visible.len())..];
                    if !same_link(shown, &url) {
                        self.text(&format!(" ({url})"));
                    }
                }
            }
            TagEnd::Image => {
                self.link.pop();
            }
            TagEnd::Table => self.block_break(2),
            TagEnd::TableHead | TagEnd::TableRow => self.block_break(1),
            TagEnd::HtmlBlock => {
                // An HTML block ends with its own line break; the block break stands for it.
                while self.out.visible.ends_with('\n') && self.out.markup.ends_with('\n') {
                    self.out.visible.pop();
                    self.out.markup.pop();
                }
                self.block_break(2);
            }
            _ => {}
        }
    }

    fn finish(mut self) -> Rendered {
        let trimmed = self.out.visible.trim_end().len();
        let cut = self.out.visible.len() - trimmed;
        self.out.visible.truncate(trimmed);
        // Only plain text carries the same trailing whitespace in markup; HTML may end in a tag.
        if self.flavor == Flavor::Plain {
            self.out.markup.truncate(self.out.markup.len() - cut);
        } else {
            let t = self.out.markup.trim_end().len();
            self.out.markup.truncate(t);
        }
        self.out
    }
}

/// Whether a link may be published: web, Telegram and mail addresses only (no `javascript:`,
/// no relative paths, which no network can open).
fn safe_link(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["https://", "http://", "tg://", "mailto:"]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// Whether a link's visible text is just its address (then VK/OK show the address once).
fn same_link(text: &str, url: &str) -> bool {
    let strip = |s: &str| {
        let s = s.trim().trim_end_matches('/');
        let s = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
            .unwrap_or(s);
        let s = s.strip_prefix("mailto:").unwrap_or(s);
        s.to_owned()
    };
    strip(text) == strip(url)
}

/// Escapes `<`, `>`, `&` (and `"` inside attributes) the way Telegram's HTML parser expects.
pub fn escape_into(out: &mut String, s: &str, attr: bool) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' if attr => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// [`escape_into`] a new string, escaped for an attribute's value (quotes too).
pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s, true);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tg(md: &str) -> String {
        render(md, Flavor::TelegramHtml).markup
    }
    fn plain(md: &str) -> String {
        render(md, Flavor::Plain).markup
    }

    #[test]
    fn telegram_whitelist_and_escaping() {
        assert_eq!(
            tg("Hello **bold** and _it_ <x> & y"),
            "Hello <b>bold</b> and <i>it</i> &lt;x&gt; &amp; y"
        );
        assert_eq!(tg("# Заголовок\n\nТекст"), "<b>Заголовок</b>\n\nТекст");
        assert_eq!(
            tg("[сайт](https://a.ru/?a=1&b=\"2\")"),
            "<a href=\"https://a.ru/?a=1&amp;b=&quot;2&quot;\">сайт</a>"
        );
        assert_eq!(
            tg("- раз\n- два\n\n1. a\n2. b"),
            "• раз\n• два\n\n1. a\n2. b"
        );
        assert_eq!(tg("`a<b`"), "<code>a&lt;b</code>");
        assert_eq!(
            tg("```rust\nfn x() {}\n```"),
            "<pre><code class=\"language-rust\">fn x() {}</code></pre>"
        );
        assert_eq!(
            tg("> цитата\n> > вложенная"),
            "<blockquote>цитата\n\nвложенная</blockquote>"
        );
        assert_eq!(tg("строка\nещё"), "строка\nещё");
    }

    #[test]
    fn plain_text_for_vk_and_ok() {
        assert_eq!(
            plain("Hello **bold** [сайт](https://a.ru) https://b.ru"),
            "Hello bold сайт (https://a.ru) https://b.ru"
        );
        assert_eq!(plain("[https://a.ru](https://a.ru/)"), "https://a.ru");
        assert_eq!(
            plain("Абзац 1\n\n\n\nАбзац 2\n\n#Крапивинский #зима"),
            "Абзац 1\n\nАбзац 2\n\n#Крапивинский #зима"
        );
        assert_eq!(plain("- a\n  - b\n- c"), "• a\n  • b\n• c");
    }

    #[test]
    fn images_and_tables_are_problems() {
        let r = render("Текст ![кот](cat.jpg)", Flavor::TelegramHtml);
        assert_eq!(r.markup, "Текст кот");
        assert_eq!(r.problems.len(), 1);
        assert!(!r.problems[0].cosmetic);
        let r = render("| a | b |\n|---|---|\n| 1 | 2 |", Flavor::Plain);
        assert_eq!(r.markup, "a | b\n1 | 2");
        assert!(r.problems[0].cosmetic);
    }

    #[test]
    fn problems_are_told_in_either_language() {
        use crate::locale::Lang;
        let r = render("Текст ![кот](cat.jpg)", Flavor::Plain);
        assert_eq!(r.problems[0].kind, ProblemKind::Image);
        assert_eq!(
            r.problems[0].message_in(Lang::En),
            "an image inside the text cannot be published; only its description is shown"
        );
        assert_eq!(
            r.problems[0].hint_in(Lang::En),
            "list the picture under `images:` and remove it from the text"
        );
        // In-process the language is the default, Russian.
        assert_eq!(r.problems[0].message(), r.problems[0].message_in(Lang::Ru));
        assert!(r.problems[0].message().contains("картинку"));
    }

    #[test]
    fn only_web_links_become_links() {
        let r = render(
            "[x](javascript:alert(1)) [y](https://a.ru)",
            Flavor::TelegramHtml,
        );
        assert_eq!(r.markup, "x <a href=\"https://a.ru\">y</a>");
        assert_eq!(r.problems.len(), 1);
        assert_eq!(plain("[x](/relative)"), "x");
    }

    #[test]
    fn visible_length_ignores_tags() {
        let r = render("**Привет** 👋🏽", Flavor::TelegramHtml);
        assert_eq!(r.visible, "Привет 👋🏽");
        assert_eq!(r.utf16_len(), 11);
        assert_eq!(r.char_len(), 9);
    }
}
