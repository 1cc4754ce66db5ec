//! Source text of one file and the mapping from byte offsets to `line:column` positions.
//!
//! Diagnostics point at `path:line:col`; columns count characters (not bytes), so a caret under
//! Cyrillic text lands where a person expects it.

/// A position in a source file: 1-based line and column (columns count characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl Pos {
    /// A position at `line:column`.
    pub const fn new(line: u32, column: u32) -> Self {
        Self { line, column }
    }

    /// The start of a file.
    pub const START: Pos = Pos { line: 1, column: 1 };
}

/// Byte offsets of line starts in a text, for turning offsets into positions.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts }
    }

    /// The position of byte `offset` in `text` (which must be the text this index was built from).
    /// Offsets past the end map to the last position.
    pub fn pos(&self, text: &str, offset: usize) -> Pos {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let column = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        Pos::new(line as u32 + 1, column as u32 + 1)
    }

    /// Byte offset of the start of 1-based `line`, if the text has that line.
    pub fn line_start(&self, line: u32) -> Option<usize> {
        self.starts.get((line as usize).checked_sub(1)?).copied()
    }
}

/// The text of 1-based `line` of `text`, without its line break.
pub fn line_text(text: &str, line: u32) -> Option<&str> {
    text.split('\n')
        .nth((line as usize).checked_sub(1)?)
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_not_bytes() {
        let text = "да: 1\nнет: [x\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.pos(text, 0), Pos::new(1, 1));
        let bracket = text.find('[').unwrap();
        assert_eq!(idx.pos(text, bracket), Pos::new(2, 6));
        assert_eq!(idx.pos(text, text.len()), Pos::new(3, 1));
        assert_eq!(line_text(text, 2), Some("нет: [x"));
        assert_eq!(idx.line_start(2), Some(text.find('н').unwrap()));
    }
}
