//! Finding English left in Russian output: the Latin words of a line that are not code, rule
//! ids, paths, addresses, names or other things that have no Russian form. `check` and `preview`
//! scan their Russian output with it.

/// Names that stay Latin in Russian text: the networks and the image formats, which have no
/// Russian names.
pub const NAMES: [&str; 7] = ["VK", "OK", "Telegram", "JPEG", "PNG", "WebP", "GIF"];

/// Latin words in a Russian line: what is left after taking out `code`, rule ids and other
/// machine values in `[...]`, paths and addresses (words with a `/`), Telegram channels
/// (`@name`), [`NAMES`], the words of `allowed` (API method names and the like) and ISO weeks
/// (`2026-W49`, the form `--from` and `--to` take).
pub fn latin_words(line: &str, allowed: &[&str]) -> Vec<String> {
    let mut kept = String::new();
    let (mut code, mut rule) = (false, false);
    for c in line.chars() {
        match c {
            '`' => code = !code,
            '[' if !code => rule = true,
            ']' if rule => rule = false,
            _ if code || rule => {}
            c => kept.push(c),
        }
    }
    kept.split_whitespace()
        .filter(|w| !w.starts_with('@'))
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
fn latin_words_are_found_outside_code_names_and_paths() {
    assert_eq!(
        latin_words("ошибка[foreign-org]: нет `org` в VK", &[]),
        Vec::<String>::new()
    );
    assert_eq!(
        latin_words("  --> plans/school/a.md:3:6", &[]),
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
}
