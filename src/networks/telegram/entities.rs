//! Telegram's `parse_mode=HTML` as the Bot API server parses it: the visible text, the entities
//! with UTF-16 offsets, or the exact error the server answers.
//!
//! A port of tdlib's `parse_html` (`td/telegram/MessageEntity.cpp`, the code behind the Bot API
//! server) as far as our emulator needs it: the supported tags of
//! docs/api-facts.md#telegram-html-formatting, attribute syntax, entity decoding
//! (`&lt; &gt; &amp; &quot;` and numeric ones; any other `&…` stays text), balanced tags, and the
//! error texts with byte offsets (`Unsupported start tag "br" at byte offset 5`). Not ported: URL
//! normalisation of `<a href>`, `tg://user?id=` mentions, the nesting restrictions of
//! `pre`/`code`/`blockquote` (tdlib drops such entities silently).

/// One formatting entity of the visible text, as `MessageEntity` in the Bot API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    /// The Bot API type: `bold`, `italic`, `underline`, `strikethrough`, `spoiler`, `code`,
    /// `pre`, `text_link`, `custom_emoji`, `blockquote`, `expandable_blockquote`, `date_time`.
    pub kind: &'static str,
    /// Start, in UTF-16 code units of the visible text.
    pub offset: usize,
    /// Length, in UTF-16 code units.
    pub length: usize,
    /// `url` of a `text_link`, `language` of a `pre`, `custom_emoji_id`, or `unix_time` of a
    /// `date_time`.
    pub argument: Option<String>,
}

/// Visible text and entities of a parsed text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Formatted {
    /// The text as readers see it.
    pub text: String,
    /// The formatting, ordered by offset.
    pub entities: Vec<Entity>,
}

impl Formatted {
    /// Plain text without entities.
    pub fn plain(text: &str) -> Formatted {
        Formatted {
            text: text.to_owned(),
            entities: Vec::new(),
        }
    }

    /// Length in Unicode code points, the unit tdlib counts the 4096/1024 limits in.
    pub fn char_len(&self) -> usize {
        self.text.chars().count()
    }

    /// Drops leading and trailing white space, as the server does before sending; entities are
    /// shifted and clipped with it, empty ones removed.
    pub fn trimmed(self) -> Formatted {
        let start = self.text.len() - self.text.trim_start().len();
        let lead = utf16_len(&self.text[..start]);
        let text = self.text.trim().to_owned();
        let total = utf16_len(&text);
        let mut entities: Vec<Entity> = self
            .entities
            .into_iter()
            .filter_map(|e| {
                let begin = e.offset.saturating_sub(lead);
                let end = (e.offset + e.length).saturating_sub(lead).min(total);
                (end > begin).then_some(Entity {
                    offset: begin,
                    length: end - begin,
                    ..e
                })
            })
            .collect();
        entities.sort_by_key(|e| (e.offset, std::cmp::Reverse(e.length)));
        Formatted { text, entities }
    }
}

/// Length of `s` in UTF-16 code units.
pub fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// The tags the Bot API accepts (docs/api-facts.md#telegram-html-formatting).
const TAGS: [&str; 17] = [
    "a",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "tg-spoiler",
    "span",
    "tg-emoji",
    "tg-time",
    "code",
    "pre",
    "blockquote",
];

struct Open {
    tag: String,
    argument: String,
    utf16_offset: usize,
    result_pos: usize,
}

/// Parses Telegram HTML into visible text and entities.
///
/// Fails with tdlib's message (without the Bot API's `Bad Request: can't parse entities: `
/// prefix), e.g. `Unsupported start tag "p" at byte offset 0`.
pub fn parse_html(input: &str) -> Result<Formatted, String> {
    let b = input.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut utf16 = 0usize;
    let mut nested: Vec<Open> = Vec::new();
    let mut entities: Vec<Entity> = Vec::new();
    let mut i = 0usize;
    while i < b.len() {
        let c = b[i];
        if c == b'&'
            && let Some((ch, next)) = decode_entity(b, i)?
        {
            let mut buf = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            utf16 += ch.len_utf16();
            i = next;
            continue;
        }
        if c != b'<' {
            if is_first_byte(c) {
                utf16 += if c >= 0xf0 { 2 } else { 1 };
            }
            out.push(c);
            i += 1;
            continue;
        }
        let begin = i;
        i += 1;
        if at(i) != b'/' {
            while !is_space(at(i)) && at(i) != b'>' {
                i += 1;
            }
            if at(i) == 0 {
                return Err(format!("Unclosed start tag at byte offset {begin}"));
            }
            let tag = String::from_utf8_lossy(&b[begin + 1..i]).to_lowercase();
            if !TAGS.contains(&tag.as_str()) {
                return Err(format!(
                    "Unsupported start tag \"{tag}\" at byte offset {begin}"
                ));
            }
            let mut argument = String::new();
            while at(i) != b'>' {
                while at(i) != 0 && is_space(at(i)) {
                    i += 1;
                }
                if at(i) == b'>' {
                    break;
                }
                let name_begin = i;
                while !is_space(at(i)) && at(i) != b'=' && at(i) != b'>' {
                    i += 1;
                }
                let name = String::from_utf8_lossy(&b[name_begin..i]).to_lowercase();
                if name.is_empty() {
                    return Err(format!(
                        "Empty attribute name in the tag \"{tag}\" at byte offset {begin}"
                    ));
                }
                while at(i) != 0 && is_space(at(i)) {
                    i += 1;
                }
                if at(i) != b'=' {
                    if tag == "blockquote" && name == "expandable" {
                        argument = "expandable".to_owned();
                        continue;
                    }
                    return Err(format!(
                        "Expected equal sign in declaration of an attribute of the tag \"{tag}\" at byte offset {begin}"
                    ));
                }
                i += 1;
                while at(i) != 0 && is_space(at(i)) {
                    i += 1;
                }
                if at(i) == 0 {
                    return Err(format!(
                        "Unclosed start tag \"{tag}\" at byte offset {begin}"
                    ));
                }
                let mut value: Vec<u8> = Vec::new();
                if at(i) != b'\'' && at(i) != b'"' {
                    let token_begin = i;
                    while at(i).is_ascii_alphanumeric() || at(i) == b'.' || at(i) == b'-' {
                        i += 1;
                    }
                    value.extend(b[token_begin..i].iter().map(u8::to_ascii_lowercase));
                    if !is_space(at(i)) && at(i) != b'>' {
                        return Err(format!(
                            "Unexpected end of name token at byte offset {token_begin}"
                        ));
                    }
                } else {
                    let quote = at(i);
                    i += 1;
                    while at(i) != quote && at(i) != 0 {
                        if at(i) == b'&'
                            && let Some((ch, next)) = decode_entity(b, i)?
                        {
                            let mut buf = [0u8; 4];
                            value.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                            i = next;
                            continue;
                        }
                        value.push(at(i));
                        i += 1;
                    }
                    if at(i) == quote {
                        i += 1;
                    }
                }
                if at(i) == 0 {
                    return Err(format!("Unclosed start tag at byte offset {begin}"));
                }
                let value = String::from_utf8_lossy(&value).into_owned();
                match (tag.as_str(), name.as_str()) {
                    ("a", "href") | ("tg-emoji", "emoji-id") | ("tg-time", "unix") => {
                        argument = value;
                    }
                    ("code", "class") => {
                        if let Some(lang) = value.strip_prefix("language-") {
                            argument = lang.to_owned();
                        }
                    }
                    ("span", "class") => {
                        if let Some(rest) = value.strip_prefix("tg-") {
                            argument = rest.to_owned();
                        }
                    }
                    _ => {}
                }
            }
            if tag == "span" && argument != "spoiler" {
                return Err(format!(
                    "Tag \"span\" must have class \"tg-spoiler\" at byte offset {begin}"
                ));
            }
            nested.push(Open {
                tag,
                argument,
                utf16_offset: utf16,
                result_pos: out.len(),
            });
        } else {
            let Some(open) = nested.pop() else {
                return Err(format!("Unexpected end tag at byte offset {begin}"));
            };
            while !is_space(at(i)) && at(i) != b'>' {
                i += 1;
            }
            let end_name = String::from_utf8_lossy(&b[begin + 2..i]).to_lowercase();
            while at(i) != 0 && is_space(at(i)) {
                i += 1;
            }
            if at(i) != b'>' {
                return Err(format!("Unclosed end tag at byte offset {begin}"));
            }
            if !end_name.is_empty() && end_name != open.tag {
                return Err(format!(
                    "Unmatched end tag at byte offset {begin}, expected \"</{}>\", found \"</{end_name}>\"",
                    open.tag
                ));
            }
            if utf16 > open.utf16_offset {
                let inner = String::from_utf8_lossy(&out[open.result_pos..]).into_owned();
                close(&open, utf16 - open.utf16_offset, inner, &mut entities);
            }
        }
        i += 1;
    }
    if let Some(open) = nested.last() {
        return Err(format!(
            "Can't find end tag corresponding to start tag \"{}\"",
            open.tag
        ));
    }
    let text = String::from_utf8(out).map_err(|_| "Text must be encoded in UTF-8".to_owned())?;
    entities.sort_by_key(|e| (e.offset, std::cmp::Reverse(e.length)));
    Ok(Formatted { text, entities })
}

fn close(open: &Open, length: usize, inner: String, entities: &mut Vec<Entity>) {
    let offset = open.utf16_offset;
    let arg = (!open.argument.is_empty()).then(|| open.argument.clone());
    let kind = match open.tag.as_str() {
        "b" | "strong" => "bold",
        "i" | "em" => "italic",
        "u" | "ins" => "underline",
        "s" | "strike" | "del" => "strikethrough",
        "tg-spoiler" | "span" => "spoiler",
        "tg-emoji" => "custom_emoji",
        "tg-time" => "date_time",
        "blockquote" if open.argument == "expandable" => "expandable_blockquote",
        "blockquote" => "blockquote",
        "a" => {
            let url = arg.unwrap_or(inner);
            entities.push(Entity {
                kind: "text_link",
                offset,
                length,
                argument: Some(url),
            });
            return;
        }
        "pre" => {
            // `<pre><code class="language-x">` closes the code first: merge into one pre.
            if let Some(last) = entities.last()
                && last.kind == "code"
                && last.offset == offset
                && last.length == length
                && last.argument.is_some()
            {
                let language = entities.pop().and_then(|e| e.argument);
                entities.push(Entity {
                    kind: "pre",
                    offset,
                    length,
                    argument: language,
                });
                return;
            }
            "pre"
        }
        "code" => {
            if let Some(last) = entities.last()
                && last.kind == "pre"
                && last.offset == offset
                && last.length == length
                && arg.is_some()
            {
                entities.pop();
                entities.push(Entity {
                    kind: "pre",
                    offset,
                    length,
                    argument: arg,
                });
                return;
            }
            "code"
        }
        _ => return,
    };
    let argument = match kind {
        "custom_emoji" | "date_time" | "code" | "pre" => arg,
        _ => None,
    };
    entities.push(Entity {
        kind,
        offset,
        length,
        argument,
    });
}

/// Decodes an HTML entity at `pos` (which holds `&`): the character and the position after it,
/// `None` when it is not one Telegram knows (then `&` is plain text).
fn decode_entity(b: &[u8], pos: usize) -> Result<Option<(char, usize)>, String> {
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut end = pos + 1;
    let code: u32;
    if at(pos + 1) == b'#' {
        end += 1;
        let mut value: u64 = 0;
        if at(pos + 2) == b'x' {
            end += 1;
            while at(end).is_ascii_hexdigit() {
                let digit = char::from(at(end)).to_digit(16).unwrap_or(0);
                value = (value * 16 + u64::from(digit)).min(u64::from(u32::MAX));
                end += 1;
            }
        } else {
            while at(end).is_ascii_digit() {
                value = (value * 10 + u64::from(at(end) - b'0')).min(u64::from(u32::MAX));
                end += 1;
            }
        }
        if value == 0 || value >= 0x10ffff || end - pos >= 10 {
            return Ok(None);
        }
        code = value as u32;
    } else {
        while at(end).is_ascii_alphabetic() {
            end += 1;
        }
        code = match &b[pos + 1..end] {
            b"lt" => '<' as u32,
            b"gt" => '>' as u32,
            b"amp" => '&' as u32,
            b"quot" => '"' as u32,
            _ => return Ok(None),
        };
    }
    if at(end) == b';' {
        end += 1;
    }
    let ch = char::from_u32(code).ok_or_else(|| {
        "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units".to_owned()
    })?;
    Ok(Some((ch, end)))
}

/// tdlib's `is_space`, which also stops at the end of the text.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | 0 | 0x0b)
}

fn is_first_byte(c: u8) -> bool {
    (c & 0xc0) != 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(kind: &'static str, offset: usize, length: usize) -> Entity {
        Entity {
            kind,
            offset,
            length,
            argument: None,
        }
    }

    // Cases from tdlib's test/message_entities.cpp.
    #[test]
    fn errors_match_tdlib() {
        let cases = [
            ("🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"),
            (
                "🏟 🏟&lt;<abac aba>",
                "Unsupported start tag \"abac\" at byte offset 13",
            ),
            (
                "🏟 🏟&lt;<i   =aba>",
                "Empty attribute name in the tag \"i\" at byte offset 13",
            ),
            (
                "🏟 🏟&lt;<i    aba>",
                "Expected equal sign in declaration of an attribute of the tag \"i\" at byte offset 13",
            ),
            (
                "🏟 🏟&lt;<i    aba  =  ",
                "Unclosed start tag \"i\" at byte offset 13",
            ),
            (
                "🏟 🏟&lt;<i    aba  =  190azAz-.,",
                "Unexpected end of name token at byte offset 27",
            ),
            (
                "🏟 🏟&lt;<i    aba  =  \"&lt;&gt;&quot;>",
                "Unclosed start tag at byte offset 13",
            ),
            ("🏟 🏟&lt;</", "Unexpected end tag at byte offset 13"),
            ("🏟 🏟&lt;<b></b></", "Unexpected end tag at byte offset 20"),
            ("🏟 🏟&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"),
            (
                "🏟 🏟&lt;<i>a</em   >",
                "Unmatched end tag at byte offset 17, expected \"</i>\", found \"</em>\"",
            ),
            (
                "Привет<br>",
                "Unsupported start tag \"br\" at byte offset 12",
            ),
            (
                "<b>жирный",
                "Can't find end tag corresponding to start tag \"b\"",
            ),
        ];
        for (input, error) in cases {
            assert_eq!(parse_html(input), Err(error.to_owned()), "{input}");
        }
    }

    #[test]
    fn text_and_entities_match_tdlib() {
        let f = parse_html("&lt;&gt;&amp;&quot;&laquo;&raquo;&#12345678;").unwrap();
        assert_eq!(f.text, "<>&\"&laquo;&raquo;&#12345678;");
        let f = parse_html("🏟 🏟<i>🏟 &gt;<b aba   =   caba>&lt🏟</b></i>").unwrap();
        assert_eq!(f.text, "🏟 🏟🏟 ><🏟");
        assert_eq!(
            f.entities,
            vec![entity("italic", 5, 7), entity("bold", 9, 3)]
        );
        let f = parse_html("a<pre><code class=\"language-rust\">x</code></pre>").unwrap();
        assert_eq!(f.entities.len(), 1);
        assert_eq!(f.entities[0].kind, "pre");
        assert_eq!(f.entities[0].argument.as_deref(), Some("rust"));
        let f = parse_html("<a href=\"https://example.org/?a=1&amp;b=2\">сайт</a>").unwrap();
        assert_eq!(
            f.entities[0].argument.as_deref(),
            Some("https://example.org/?a=1&b=2")
        );
        let f = parse_html("<blockquote expandable>цитата</blockquote>").unwrap();
        assert_eq!(f.entities, vec![entity("expandable_blockquote", 0, 6)]);
        let f = parse_html("<span class=\"tg-spoiler\">x</span> & y").unwrap();
        assert_eq!(f.text, "x & y");
        assert_eq!(f.entities, vec![entity("spoiler", 0, 1)]);
    }

    #[test]
    fn trimming_shifts_entities() {
        let f = parse_html("  <b>ab</b> c \n").unwrap().trimmed();
        assert_eq!(f.text, "ab c");
        assert_eq!(f.entities, vec![entity("bold", 0, 2)]);
    }
}
