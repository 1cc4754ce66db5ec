//! The frame of vestnik's own HTML pages (`site`, `calendar`, `report`): one self-contained
//! document in the process's language, readable on a phone, with its style inline and nothing
//! fetched from elsewhere.

use crate::render::markdown::escape_into;

/// Opens a page: the doctype, `<html lang>` in the process's language, the charset, the
/// viewport of a phone, `title` (escaped) as its title and first heading, and `style` (trusted
/// CSS, written by vestnik) inline. Continue with the body; close with [`close`].
pub fn open(out: &mut String, title: &str, style: &str) {
    out.push_str("<!DOCTYPE html>\n<html lang=\"");
    out.push_str(crate::locale::current().code());
    out.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    escape_into(out, title, false);
    out.push_str("</title>\n<style>\n");
    out.push_str(style);
    out.push_str("\n</style>\n</head>\n<body>\n<h1>");
    escape_into(out, title, false);
    out.push_str("</h1>\n");
}

/// Closes a page opened by [`open`].
pub fn close(out: &mut String) {
    out.push_str("</body>\n</html>\n");
}
