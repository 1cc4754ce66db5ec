//! Finding English left in Russian output: the Latin words of a text that are not code, rule
//! ids, the user's own words, flags, paths, addresses, names or other things that have no
//! Russian form. The scans of `check`, `preview`, `status`, the alerts and the commands' errors
//! share it.

/// Names that stay Latin in Russian text: the networks and the image formats, which have no
/// Russian names.
pub const NAMES: [&str; 7] = ["VK", "OK", "Telegram", "JPEG", "PNG", "WebP", "GIF"];

/// Latin words in a Russian text: what is left after taking out `code` in backticks, rule ids
/// and other machine values in `[...]`, the user's own text in «ёлочки», flags (`--today`),
/// paths and addresses (words with a `/`), Telegram channels (`@name`), [`NAMES`], the words of
/// `allowed` (API method names and the like) and ISO weeks (`2026-W49`, the form `--from` and
/// `--to` take).
pub fn latin_words(text: &str, allowed: &[&str]) -> Vec<String> {
    let mut kept = String::new();
    let (mut code, mut rule, mut quoted) = (false, false, false);
    for c in text.chars() {
        match c {
            '`' if !quoted => code = !code,
            '[' if !code && !quoted => rule = true,
            ']' if rule => rule = false,
            '«' if !code && !rule => quoted = true,
            '»' if quoted => quoted = false,
            _ if code || rule || quoted => {}
            c => kept.push(c),
        }
    }
    kept.split_whitespace()
        .filter(|w| !w.starts_with('@') && !w.starts_with("--"))
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '/'))
        .filter(|w| !w.contains('/') && !NAMES.contains(w) && !allowed.contains(w))
        .filter(|w| {
            !w.split("..").all(|week| {
                let b = week.as_bytes();
                b.len() == 8 && b[4] == b'-' && b[5] == b'W'
            })
        })
        .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
        .map(str::to_owned)
        .collect()
}

#[test]
fn latin_words_are_found_outside_code_quotes_names_flags_and_paths() {
    assert_eq!(
        latin_words("ошибка[foreign-org]: нет `org` в VK", &[]),
        Vec::<String>::new()
    );
    assert_eq!(
        latin_words("  --> plans/school/a.md:3:6", &[]),
        Vec::<String>::new()
    );
    assert_eq!(
        latin_words("флаг --today, дата «nonsense» не годится", &[]),
        Vec::<String>::new()
    );
    assert_eq!(
        latin_words("the post is for «Школа»", &[]),
        ["the", "post", "is", "for"]
    );
    assert_eq!(
        latin_words("1. wall.post: пост на стене, страница @school", &[]),
        ["wall.post"]
    );
    assert_eq!(
        latin_words("1. wall.post: пост на стене", &["wall.post"]),
        Vec::<String>::new()
    );
    assert_eq!(
        latin_words("недели 2026-W49..2026-W50", &[]),
        Vec::<String>::new()
    );
}
