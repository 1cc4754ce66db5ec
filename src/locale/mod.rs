//! The texts people read, in Russian (the default) or in English: Project Fluent catalogues in
//! `locales/ru/*.ftl` and `locales/en/*.ftl`, compiled into the binary, so that a translator
//! edits data and never Rust. Russian plural forms («1 ошибка, 2 ошибки, 5 ошибок») come from
//! Fluent's CLDR rules.
//!
//! The language is chosen once per process ([`set`]), by the command line: `--lang`, then
//! `VESTNIK_LANG`, then the daemon's `language:`, then Russian. Machine contracts (rule ids,
//! JSON keys, flags, exit codes) never go through here.
//!
//! This is the bottom of the crate beside `plan`: it imports no other stage.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU8, Ordering};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// A language vestnik speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Russian: the users' language, the default.
    Ru,
    /// English.
    En,
}

impl Lang {
    /// Every language, the default first.
    pub const ALL: [Lang; 2] = [Lang::Ru, Lang::En];

    /// The language a code names: `ru`, `en`, also `ru_RU.UTF-8` or `en-US`.
    pub fn parse(code: &str) -> Option<Lang> {
        let base = code
            .split(['_', '-', '.'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match base.as_str() {
            "ru" => Some(Lang::Ru),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language's code: `ru` or `en`.
    pub const fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }
}

/// The catalogue files, in the same order for each language.
const FILES: [&str; 15] = [
    "core.ftl",
    "plan.ftl",
    "rules.ftl",
    "alerts.ftl",
    "cli.ftl",
    "preview.ftl",
    "errors.ftl",
    "site.ftl",
    "calendar.ftl",
    "changes.ftl",
    "report.ftl",
    "init.ftl",
    "help.ftl",
    "moderation.ftl",
    "audit.ftl",
];

/// The text of each catalogue file of `lang`.
fn sources(lang: Lang) -> [&'static str; 15] {
    match lang {
        Lang::Ru => [
            include_str!("../../locales/ru/core.ftl"),
            include_str!("../../locales/ru/plan.ftl"),
            include_str!("../../locales/ru/rules.ftl"),
            include_str!("../../locales/ru/alerts.ftl"),
            include_str!("../../locales/ru/cli.ftl"),
            include_str!("../../locales/ru/preview.ftl"),
            include_str!("../../locales/ru/errors.ftl"),
            include_str!("../../locales/ru/site.ftl"),
            include_str!("../../locales/ru/calendar.ftl"),
            include_str!("../../locales/ru/changes.ftl"),
            include_str!("../../locales/ru/report.ftl"),
            include_str!("../../locales/ru/init.ftl"),
            include_str!("../../locales/ru/help.ftl"),
            include_str!("../../locales/ru/moderation.ftl"),
            include_str!("../../locales/ru/audit.ftl"),
        ],
        Lang::En => [
            include_str!("../../locales/en/core.ftl"),
            include_str!("../../locales/en/plan.ftl"),
            include_str!("../../locales/en/rules.ftl"),
            include_str!("../../locales/en/alerts.ftl"),
            include_str!("../../locales/en/cli.ftl"),
            include_str!("../../locales/en/preview.ftl"),
            include_str!("../../locales/en/errors.ftl"),
            include_str!("../../locales/en/site.ftl"),
            include_str!("../../locales/en/calendar.ftl"),
            include_str!("../../locales/en/changes.ftl"),
            include_str!("../../locales/en/report.ftl"),
            include_str!("../../locales/en/init.ftl"),
            include_str!("../../locales/en/help.ftl"),
            include_str!("../../locales/en/moderation.ftl"),
            include_str!("../../locales/en/audit.ftl"),
        ],
    }
}

fn bundle(lang: Lang) -> FluentBundle<FluentResource> {
    let id: unic_langid::LanguageIdentifier = lang
        .code()
        .parse()
        .unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No invisible isolation marks around values: the texts go to terminals, CI logs and chats.
    bundle.set_use_isolating(false);
    if lang == Lang::Ru {
        bundle.set_formatter(Some(|value, _| match value {
            FluentValue::Number(n) => Some(russian_number(&n.as_string())),
            _ => None,
        }));
    }
    for (name, text) in FILES.iter().zip(sources(lang)) {
        // A broken catalogue is a bug that the catalogue tests catch; what parsed is kept.
        let resource = FluentResource::try_new(text.to_owned()).unwrap_or_else(|(r, _)| r);
        if bundle.add_resource(resource).is_err() {
            debug_assert!(false, "locales/{}/{name}: a message id twice", lang.code());
        }
    }
    bundle
}

/// A number as a Russian editor sets it: a decimal comma, and thousands apart by a no-break
/// space from five digits up (`4096`, `15\u{a0}000`, `1234,5`): four-digit numbers stay whole.
pub fn russian_number(plain: &str) -> String {
    let (sign, rest) = match plain.strip_prefix('-') {
        Some(r) => ("\u{2212}", r),
        None => ("", plain),
    };
    let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
    if !int.bytes().all(|b| b.is_ascii_digit()) {
        return plain.to_owned();
    }
    let mut out = String::from(sign);
    if int.len() >= 5 {
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                out.push('\u{a0}');
            }
            out.push(c);
        }
    } else {
        out.push_str(int);
    }
    if !frac.is_empty() {
        out.push(',');
        out.push_str(frac);
    }
    out
}

static BUNDLES: LazyLock<[FluentBundle<FluentResource>; 2]> =
    LazyLock::new(|| [bundle(Lang::Ru), bundle(Lang::En)]);

static CURRENT: AtomicU8 = AtomicU8::new(0);

/// Sets the language of this process's texts.
pub fn set(lang: Lang) {
    CURRENT.store(lang as u8, Ordering::Relaxed);
}

thread_local! {
    /// A language for this thread only, while [`with`] runs.
    static OVERRIDE: std::cell::Cell<Option<Lang>> = const { std::cell::Cell::new(None) };
}

/// The language of this process's texts (Russian until [`set`] says otherwise), or of this
/// thread while [`with`] runs.
pub fn current() -> Lang {
    if let Some(lang) = OVERRIDE.with(std::cell::Cell::get) {
        return lang;
    }
    match CURRENT.load(Ordering::Relaxed) {
        1 => Lang::En,
        _ => Lang::Ru,
    }
}

/// Runs `f` with this thread's texts in `lang`, leaving the process's language and the other
/// threads alone: tests that render in both languages side by side, in one process.
pub fn with<R>(lang: Lang, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Lang>);
    impl Drop for Restore {
        fn drop(&mut self) {
            OVERRIDE.with(|o| o.set(self.0));
        }
    }
    let _restore = Restore(OVERRIDE.with(|o| o.replace(Some(lang))));
    f()
}

/// The message `id` in `lang` with `args`. A message missing from the catalogue (a bug the
/// catalogue tests catch) comes out as its id rather than as nothing.
pub fn text_in(lang: Lang, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let bundle = &BUNDLES[lang as usize];
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        return id.to_owned();
    };
    let mut fluent_args = FluentArgs::new();
    for (k, v) in args {
        fluent_args.set(*k, v.clone());
    }
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, Some(&fluent_args), &mut errors)
        .into_owned()
}

/// The message `id` in the current language with `args`.
pub fn text(id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    text_in(current(), id, args)
}

/// `t!("message-id", name = value, …)`: the message in the current language. Values are
/// anything Fluent takes: text, or a number (which selects the plural form).
#[macro_export]
macro_rules! t {
    ($id:expr) => {
        $crate::locale::text($id, &[])
    };
    ($id:expr, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::locale::text(
            $id,
            &[$((stringify!($name), ::fluent_bundle::FluentValue::from($value))),+],
        )
    };
}

/// The ids and the variables of every message of a catalogue text (for the tests that keep the
/// languages in step).
pub fn messages(text: &str) -> Vec<(String, Vec<String>)> {
    use fluent_syntax::ast;
    let Ok(resource) = fluent_syntax::parser::parse(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in resource.body {
        if let ast::Entry::Message(m) = entry {
            let mut vars = Vec::new();
            if let Some(p) = &m.value {
                pattern_vars(p, &mut vars);
            }
            vars.sort();
            vars.dedup();
            out.push((m.id.name.to_owned(), vars));
        }
    }
    out
}

fn pattern_vars(p: &fluent_syntax::ast::Pattern<&str>, out: &mut Vec<String>) {
    use fluent_syntax::ast::{Expression, InlineExpression, PatternElement};
    fn inline(e: &InlineExpression<&str>, out: &mut Vec<String>) {
        match e {
            InlineExpression::VariableReference { id } => out.push(id.name.to_owned()),
            InlineExpression::Placeable { expression } => expr(expression, out),
            InlineExpression::FunctionReference { arguments, .. } => {
                for a in &arguments.positional {
                    inline(a, out);
                }
            }
            _ => {}
        }
    }
    fn expr(e: &Expression<&str>, out: &mut Vec<String>) {
        match e {
            Expression::Inline(i) => inline(i, out),
            Expression::Select { selector, variants } => {
                inline(selector, out);
                for v in variants {
                    for el in &v.value.elements {
                        if let PatternElement::Placeable { expression } = el {
                            expr(expression, out);
                        }
                    }
                }
            }
        }
    }
    for el in &p.elements {
        if let PatternElement::Placeable { expression } = el {
            expr(expression, out);
        }
    }
}

/// The catalogue files of `lang` with their names (for the tests).
pub fn catalogue(lang: Lang) -> Vec<(&'static str, &'static str)> {
    FILES.iter().copied().zip(sources(lang)).collect()
}

#[cfg(test)]
mod tests;
