//! The `secret` rule: token-like strings in plan files. Tokens never belong in git; the finding
//! shows only a masked prefix so the report itself does not spread the secret.

use std::sync::LazyLock;

use regex::Regex;

/// A token-like string found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretMatch {
    /// Byte offset of the match.
    pub start: usize,
    /// What kind of secret it looks like.
    pub kind: &'static str,
    /// The first characters, then `***`.
    pub masked: String,
}

// ASCII word boundaries (`(?-u:\b)`): Unicode ones force the regex crate onto a slow engine.
static PATTERNS: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    [
        ("a VK access token", r"vk1\.a\.[A-Za-z0-9_\-]{16,}"),
        ("a Telegram bot token", r"(?-u:\b)\d{6,12}:AA[A-Za-z0-9_\-]{30,}"),
        ("an OK or app secret key (long hex)", r"(?-u:\b)[0-9a-fA-F]{32,}(?-u:\b)"),
        ("an access token", r"(?i)(?-u:\b)(?:access_token|session_secret_key|application_secret_key|client_secret|refresh_token)\s*[:=]\s*['\x22]?[A-Za-z0-9._\-]{12,}"),
    ]
    .into_iter()
    .filter_map(|(k, p)| Regex::new(p).ok().map(|r| (k, r)))
    .collect()
});

/// Every token-like string in `text`.
pub fn find(text: &str) -> Vec<SecretMatch> {
    let mut out = Vec::new();
    for (kind, re) in PATTERNS.iter() {
        for m in re.find_iter(text) {
            let prefix: String = m.as_str().chars().take(6).collect();
            out.push(SecretMatch {
                start: m.start(),
                kind,
                masked: format!("{prefix}***"),
            });
        }
    }
    out.sort_by_key(|m| m.start);
    out.dedup_by_key(|m| m.start);
    out
}

/// `text` with every token-like string replaced by its masked form.
pub fn mask(text: &str) -> String {
    if find(text).is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut spans: Vec<(usize, usize, String)> = Vec::new();
    for (_, re) in PATTERNS.iter() {
        for m in re.find_iter(text) {
            let prefix: String = m.as_str().chars().take(6).collect();
            spans.push((m.start(), m.end(), format!("{prefix}***")));
        }
    }
    spans.sort_by_key(|s| (s.0, std::cmp::Reverse(s.1)));
    for (start, end, masked) in spans {
        if start < last {
            continue;
        }
        out.push_str(&text[last..start]);
        out.push_str(&masked);
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_tokens_and_masks_them() {
        let text = "a: vk1.a.AbCdEfGhIjKlMnOpQrStUv\nb: 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0\nc: d41d8cd98f00b204e9800998ecf8427e\n";
        let found = find(text);
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0].masked, "vk1.a.***");
        assert!(found.iter().all(|m| !m.masked.contains("AbCd")));
        assert!(find("Телефон 8-800-555-35-35, id 900000001, @krapivino").is_empty());
        let masked = mask("id: 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0 ok");
        assert_eq!(masked, "id: 123456***** ok".replace("*****", "***"));
    }
}
