//! The skeleton of a comment: the text as the rules read it, with every byte mapped back to the
//! original, so that a match quotes what the person wrote.
//!
//! One pass over the characters: letters are lowercased, `ё` is read as `е`; in a word that holds
//! a Cyrillic letter, Latin letters, digits and other lookalikes become the Cyrillic letter they
//! imitate (`Xyй`, `пи3дец`, `e6ать`: the table is data, [`Lookalikes`]); combining marks and
//! zero-width characters vanish; a run of one letter is one letter (`хууууй`); `*` and `@` between
//! letters stay as a mask that any letter of a pattern accepts (`х*й`); `_`, `-`, `'` between
//! letters and `.` after one or two letters join (`пи_зд_ец`, `х.у.й`); three or more one-letter
//! words in a row are one word (`б л я`). Anything else separates words: the skeleton is words of
//! lowercase letters, digits and masks joined by single spaces.

use std::collections::HashMap;

/// What a character of a word becomes.
#[derive(Debug, Clone, Default)]
pub struct Lookalikes {
    /// Characters (Latin, Greek, digits…) read as another letter inside a word that holds a
    /// Cyrillic letter.
    pub map: HashMap<char, char>,
}

/// The mask character of the skeleton: a letter hidden by `*` or `@`.
pub const MASK: char = '*';

/// A normalized text and the map back to the original.
#[derive(Debug, Default, Clone)]
pub struct Skeleton {
    /// Words separated by one space, no space at either end.
    pub text: String,
    /// For each byte of `text`: where its character starts in the original.
    from: Vec<u32>,
    /// For each byte of `text`: where its character (and what was folded into it) ends.
    to: Vec<u32>,
}

impl Skeleton {
    /// The byte range in the original text of the skeleton's bytes `range` (which must be
    /// non-empty and on character boundaries of the skeleton).
    pub fn original(&self, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
        if range.is_empty() || range.end > self.text.len() {
            return 0..0;
        }
        self.from[range.start] as usize..self.to[range.end - 1] as usize
    }
}

/// One character of a word being built: the skeleton character and its original range (scratch
/// space of [`skeleton`]).
#[derive(Debug, Clone, Copy)]
pub struct Cell {
    c: char,
    start: u32,
    end: u32,
}

fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{400}'..='\u{4FF}')
}

/// Characters that vanish: combining marks, zero-width characters, the soft hyphen, variation
/// selectors.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{300}'..='\u{36F}' | '\u{483}'..='\u{489}' | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}'
        | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{AD}'
        | '\u{FE00}'..='\u{FE0F}')
}

fn is_joiner(c: char) -> bool {
    matches!(
        c,
        '.' | '_' | '-' | '\'' | '\u{2019}' | '\u{2010}' | '\u{2011}'
    )
}

fn is_masker(c: char) -> bool {
    matches!(c, '*' | '@')
}

/// Whether `c` belongs to a raw token (a word with its inner punctuation).
fn in_token(c: char) -> bool {
    c.is_alphanumeric() || is_invisible(c) || is_joiner(c) || is_masker(c)
}

/// Lowercase, `ё` as `е`; `None` for characters that are not letters or digits.
fn letter(c: char) -> Option<char> {
    match c {
        // а..е, ж..я: already lowercase Cyrillic.
        'a'..='z' | '0'..='9' | '\u{430}'..='\u{435}' | '\u{436}'..='\u{44F}' => Some(c),
        'A'..='Z' => Some(c.to_ascii_lowercase()),
        // А..Я
        '\u{410}'..='\u{42F}' => char::from_u32(c as u32 + 0x20),
        // ё, Ё as е
        '\u{451}' | '\u{401}' => Some('\u{435}'),
        c if c.is_alphanumeric() => c.to_lowercase().next(),
        _ => None,
    }
}

/// Scratch space of [`skeleton`]: the words of a text, each with whether punctuation came before it.
pub type Words = Vec<(bool, Vec<Cell>)>;

/// A character of a pattern as the skeleton reads it: lowercase, `ё` as `е`; `None` for what is
/// neither a letter nor a digit. (Patterns are written in the script they match: no lookalikes.)
pub fn fold_letter(c: char) -> Option<char> {
    letter(c)
}

/// Builds the skeleton of `text`. `words` is scratch space reused between calls.
pub fn skeleton(text: &str, look: &Lookalikes, out: &mut Skeleton, words: &mut Words) {
    out.text.clear();
    out.from.clear();
    out.to.clear();
    let mut used = 0;
    // Whether punctuation (not only spaces) came before the next word: «б л я, н а х у й» is
    // two words.
    let mut punct = false;
    let push_word = |cells: &[Cell], used: &mut usize, words: &mut Words, punct: &mut bool| {
        if cells.is_empty() {
            return;
        }
        if words.len() <= *used {
            words.push((false, Vec::new()));
        }
        words[*used].0 = std::mem::take(punct);
        words[*used].1.clear();
        words[*used].1.extend_from_slice(cells);
        *used += 1;
    };
    let mut cells: Vec<Cell> = Vec::with_capacity(32);
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !in_token(c) {
            punct |= !c.is_whitespace();
            continue;
        }
        // A raw token: from `i` to the first character outside a token.
        let start = i;
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = chars.peek() {
            if !in_token(d) {
                break;
            }
            end = j + d.len_utf8();
            chars.next();
        }
        let token = &text[start..end];
        let cyrillic = token.chars().any(is_cyrillic);
        cells.clear();
        let mut segment = 0usize; // letters since the word's start or its last joiner
        let mut it = token.char_indices().peekable();
        while let Some((k, raw)) = it.next() {
            let at = (start + k) as u32;
            let stop = at + raw.len_utf8() as u32;
            let next_is_letter = |it: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
                it.peek()
                    .is_some_and(|&(_, n)| n.is_alphanumeric() || is_masker(n))
            };
            if is_invisible(raw) {
                if let Some(last) = cells.last_mut() {
                    last.end = stop;
                }
                continue;
            }
            if is_masker(raw) {
                if !cells.is_empty() && next_is_letter(&mut it) {
                    cells.push(Cell {
                        c: MASK,
                        start: at,
                        end: stop,
                    });
                    segment += 1;
                } else {
                    push_word(&cells, &mut used, words, &mut punct);
                    cells.clear();
                    segment = 0;
                }
                continue;
            }
            if is_joiner(raw) {
                let joins =
                    !cells.is_empty() && next_is_letter(&mut it) && (raw != '.' || segment <= 2);
                if !joins {
                    push_word(&cells, &mut used, words, &mut punct);
                    cells.clear();
                }
                segment = 0;
                continue;
            }
            let Some(mut l) = letter(raw) else {
                push_word(&cells, &mut used, words, &mut punct);
                cells.clear();
                segment = 0;
                continue;
            };
            if cyrillic && let Some(&m) = look.map.get(&raw).or_else(|| look.map.get(&l)) {
                l = m;
            }
            segment += 1;
            match cells.last_mut() {
                // A run of one letter is one letter; digits and masks count each.
                Some(last) if last.c == l && l.is_alphabetic() => last.end = stop,
                _ => cells.push(Cell {
                    c: l,
                    start: at,
                    end: stop,
                }),
            }
        }
        push_word(&cells, &mut used, words, &mut punct);
        cells.clear();
    }
    // Three or more one-letter words in a row are one word: «б л я», «н а х у й».
    let mut w = 0;
    while w < used {
        let mut run = w;
        let single =
            |(_, cells): &(bool, Vec<Cell>)| cells.len() == 1 && cells[0].c.is_alphabetic();
        while run < used && single(&words[run]) && (run == w || !words[run].0) {
            run += 1;
        }
        let group = if run - w >= 3 { w..run } else { w..w + 1 };
        if !out.text.is_empty() {
            out.text.push(' ');
            let at = out.to.last().copied().unwrap_or(0);
            out.from.push(at);
            out.to.push(at);
        }
        let mut last: Option<char> = None;
        for (_, word) in &words[group.clone()] {
            for cell in word {
                if last == Some(cell.c) && cell.c.is_alphabetic() {
                    // «х у у й»: the run rule across the joined letters.
                    let len = out.to.len();
                    for t in &mut out.to[len - cell.c.len_utf8()..] {
                        *t = cell.end;
                    }
                    continue;
                }
                out.text.push(cell.c);
                for _ in 0..cell.c.len_utf8() {
                    out.from.push(cell.start);
                    out.to.push(cell.end);
                }
                last = Some(cell.c);
            }
        }
        w = group.end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn look() -> Lookalikes {
        let mut map = HashMap::new();
        for (a, b) in [
            ('x', 'х'),
            ('y', 'у'),
            ('e', 'е'),
            ('a', 'а'),
            ('c', 'с'),
            ('3', 'з'),
            ('6', 'б'),
        ] {
            map.insert(a, b);
        }
        Lookalikes { map }
    }

    fn sk(text: &str) -> Skeleton {
        let mut out = Skeleton::default();
        skeleton(text, &look(), &mut out, &mut Vec::new());
        out
    }

    #[test]
    fn words_are_lowercased_and_joined_by_one_space() {
        assert_eq!(sk("  Привет,   МИР! Ёлка ").text, "привет мир елка");
        assert_eq!(sk("").text, "");
        assert_eq!(sk("...!!!").text, "");
    }

    #[test]
    fn lookalikes_only_in_words_with_cyrillic() {
        assert_eq!(sk("Xyй и xyz").text, "хуй и xyz");
        assert_eq!(sk("пи3дец 3 часа e6ать").text, "пиздец 3 часа ебать");
    }

    #[test]
    fn separators_inside_words_join() {
        assert_eq!(sk("х.у.й.н.я").text, "хуйня");
        assert_eq!(sk("пи_зд_ец Пиз-дец").text, "пиздец пиздец");
        assert_eq!(sk("Кирова.Вот").text, "кирова вот");
        assert_eq!(sk("б л я, н а х у й").text, "бля нахуй");
        assert_eq!(sk("и я").text, "и я");
    }

    #[test]
    fn masks_stay_inside_words_only() {
        assert_eq!(sk("х*й пи**ец бл@ть").text, "х*й пи**ец бл*ть");
        assert_eq!(sk("@ivan ** *звезда*").text, "ivan звезда");
    }

    #[test]
    fn runs_invisible_and_combining_characters() {
        assert_eq!(sk("Хуууууйня").text, "хуйня");
        assert_eq!(sk("Пи\u{200B}здец").text, "пиздец");
        assert_eq!(sk("Оху\u{301}еть").text, "охуеть");
        assert_eq!(sk("класс 5000").text, "клас 5000");
    }

    #[test]
    fn spans_map_back_to_the_original() {
        let text = "Ну х.у.й, а Бляяяяять!";
        let s = sk(text);
        assert_eq!(s.text, "ну хуй а блять");
        let at = s.text.find("хуй").unwrap_or(0);
        assert_eq!(&text[s.original(at..at + "хуй".len())], "х.у.й");
        let at = s.text.find("блять").unwrap_or(0);
        assert_eq!(&text[s.original(at..at + "блять".len())], "Бляяяяять");
        let text = "Xyй \u{200B}б л я\u{301}";
        let s = sk(text);
        assert_eq!(s.text, "хуй бля");
        assert_eq!(
            &text[s.original(s.text.len() - "бля".len()..s.text.len())],
            "б л я\u{301}"
        );
    }
}
