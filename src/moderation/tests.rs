use super::*;

fn c() -> &'static Classifier {
    static C: std::sync::LazyLock<Classifier> = std::sync::LazyLock::new(|| {
        let (c, diags) = Classifier::from_texts(None);
        assert!(diags.is_empty(), "{diags:?}");
        c
    });
    &C
}

fn verdict(text: &str) -> Verdict {
    c().classify(text).verdict
}

fn rules_of(text: &str) -> Vec<String> {
    c().classify(text)
        .reasons
        .into_iter()
        .map(|r| r.rule)
        .collect()
}

#[test]
fn every_builtin_file_loads_without_problems() {
    let c = c();
    assert!(c.len() > 15, "{}", c.len());
}

#[test]
fn obscene_rules_each_fire_and_quote_the_original() {
    for (text, rule, quoted) in [
        ("Да пошли вы на хуй", "obscene-h", "хуй"),
        ("Дорога п*здец", "obscene-p", "п*здец"),
        ("Б л я, опять снег", "obscene-b", "Б л я"),
        ("Заебали уже", "obscene-e", "Заебали"),
        ("Мудак поставил машину", "obscene-m", "Мудак"),
        ("Xyйня полная", "obscene-h", "Xyйня"),
        ("Пи\u{200B}здец", "obscene-p", "Пи\u{200B}здец"),
        ("Ёпта, газ отключили", "obscene-mild", "Ёпта"),
    ] {
        let j = c().classify(text);
        let r = j.reasons.iter().find(|r| r.rule == rule);
        let r = r.unwrap_or_else(|| panic!("{rule} not in {j:?}"));
        assert_eq!(r.matched, quoted, "{text}");
        assert_eq!(&text[r.span.clone()], quoted);
        assert_eq!(r.category, Category::Obscene);
    }
    assert_eq!(verdict("Ёпта, газ отключили"), Verdict::Hold);
}

#[test]
fn scunthorpe_words_are_kept() {
    for text in [
        "Застрахуйте машину заранее",
        "Нельзя употреблять алкоголь",
        "Наша команда победила",
        "Поднимут ли стоимость проезда на рубль",
        "Сабля деда в музее",
        "Колебания напряжения в сети",
        "Нужен психолог в школе",
        "Задержали хулиганов",
        "Ребята из учебного центра купили хлеб и скребок",
        "Гребля на байдарках",
        "Небо над Томью, себе и тебе",
        "Мудрое решение",
    ] {
        assert_eq!(c().classify(text).reasons, [], "{text}");
    }
}

#[test]
fn insults_need_an_address() {
    assert_eq!(verdict("Ты дурак, раз веришь"), Verdict::Delete);
    assert_eq!(verdict("Я дурак, забыл сдать книгу"), Verdict::Keep);
    assert_eq!(verdict("Отвали, урод."), Verdict::Delete);
    assert_eq!(verdict("Админ тупой, удаляет комменты"), Verdict::Keep);
    assert_eq!(verdict("Комментатор выше — конченый дебил"), Verdict::Hold);
    assert_eq!(verdict("Варежки с оленями потерялись"), Verdict::Keep);
    // Said of us, even in a sentence to someone: criticism, not an insult.
    assert_eq!(verdict("Вы что, нас за идиотов держите?"), Verdict::Keep);
    assert_eq!(verdict("Не делайте из нас дураков"), Verdict::Keep);
    assert_eq!(verdict("Сам ты придурок, а не я."), Verdict::Delete);
    assert_eq!(rules_of("Вы все дебилы"), ["insult-strong"]);
}

#[test]
fn criticism_of_the_authorities_is_kept() {
    for text in [
        "Администрация опять ничего не сделала",
        "Глава района не справляется, это видно всем",
        "Позор! Вы обманули жителей, пусть прокуратура проверит.",
    ] {
        assert_eq!(verdict(text), Verdict::Keep, "{text}");
    }
}

#[test]
fn spam_signs_and_their_sum() {
    assert_eq!(
        rules_of("Смотрите https://gosuslugi.ru/help"),
        Vec::<String>::new()
    );
    assert_eq!(rules_of("Смотрите www.kemobl.ru"), Vec::<String>::new());
    assert_eq!(rules_of("Заходи на shop-sale.xyz"), ["spam-link"]);
    assert_eq!(verdict("Заходи на shop-sale.xyz"), Verdict::Hold);
    assert_eq!(
        rules_of("Нашлась собака, звоните 8-913-123-45-67"),
        ["spam-phone"]
    );
    let j = c().classify("Работа на дому, звоните +7 913 123 45 67");
    assert_eq!(j.verdict, Verdict::Delete, "{j:?}");
    assert!(j.reasons.iter().any(|r| r.rule == "spam-several"));
    assert_eq!(verdict("Лучшее казино"), Verdict::Delete);
    assert_eq!(rules_of("@a1 @b2 @c3 @d4 @e5 смотрите"), ["spam-mentions"]);
    assert_eq!(rules_of("@a1 @b2 смотрите"), Vec::<String>::new());
}

#[test]
fn repetition_across_pages_or_accounts() {
    let c = c();
    let mut recent = Recent::new();
    let at = jiff::Timestamp::from_second(1_800_000_000).unwrap_or_default();
    let text = "Отличная подборка, всем советую посмотреть этот канал";
    let seen = |author, page| Seen {
        text,
        author,
        page,
        at,
    };
    assert_eq!(
        c.classify_seen(&seen("a", "p1"), &mut recent).verdict,
        Verdict::Keep
    );
    assert_eq!(
        c.classify_seen(&seen("a", "p2"), &mut recent).verdict,
        Verdict::Keep
    );
    let j = c.classify_seen(&seen("a", "p3"), &mut recent);
    assert_eq!(j.verdict, Verdict::Hold, "{j:?}");
    assert_eq!(j.reasons[0].rule, "spam-repeated");
    // Short texts repeat innocently.
    let mut recent = Recent::new();
    for (i, page) in ["p1", "p2", "p3", "p4"].into_iter().enumerate() {
        let s = Seen {
            text: "Спасибо!",
            author: "a",
            page,
            at,
        };
        assert_eq!(
            c.classify_seen(&s, &mut recent).verdict,
            Verdict::Keep,
            "{i}"
        );
    }
    // A day later the memory is gone.
    let later = at + jiff::SignedDuration::from_hours(25);
    let s = Seen {
        text,
        author: "b",
        page: "p9",
        at: later,
    };
    assert_eq!(c.classify_seen(&s, &mut recent).verdict, Verdict::Keep);
    assert!(recent.len() <= recent::CAPACITY);
}

#[test]
fn a_content_repository_overrides_and_extends() {
    let local = "disable: [obscene-mild]\nallow: [\"мудак*\"]\nlinks: [shop-sale.xyz]\nrules:\n  - id: spam-local\n    category: spam\n    verdict: delete\n    words: [\"шубы оптом\"]\n  - id: obscene-p\n    category: obscene\n    verdict: hold\n    words: [\"*пизд*\"]\n";
    let (c, diags) = Classifier::from_texts(Some(local));
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(c.classify("Ёпта").verdict, Verdict::Keep);
    assert_eq!(c.classify("Мудак").verdict, Verdict::Keep);
    assert_eq!(c.classify("shop-sale.xyz").verdict, Verdict::Keep);
    assert_eq!(c.classify("Продаю ШУБЫ оптом").verdict, Verdict::Delete);
    assert_eq!(c.classify("пиздец").verdict, Verdict::Hold);

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(dir.path().join("plans")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join(LOCAL_PATH), local).unwrap_or_else(|e| panic!("{e}"));
    let repo = crate::plan::repo::Repo::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let (c, diags) = Classifier::load(&repo);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(c.classify("Ёпта").verdict, Verdict::Keep);
}

#[test]
fn problems_in_local_rules_carry_their_position() {
    let local = "rules:\n  - id: x\n    category: rude\n    verdict: delete\n    words: [a]\n  - id: y\n    category: spam\n    verdict: delete\n    words: [\"a{2}\"]\n";
    let (c, diags) = Classifier::from_texts(Some(local));
    assert_eq!(diags.len(), 3, "{diags:?}");
    assert_eq!(
        (
            diags[0].file.as_str(),
            diags[0].pos.line,
            diags[0].pos.column
        ),
        (LOCAL_PATH, 3, 15)
    );
    assert_eq!(diags[1].pos.line, 9);
    assert!(diags[1].message.contains("`{`"), "{}", diags[1].message);
    assert!(diags[2].message.contains("`y`"), "{}", diags[2].message);
    assert_eq!(c.classify("хуй").verdict, Verdict::Delete);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
    #[test]
    fn classify_never_panics_and_spans_are_boundaries(text in "[a-zA-Zа-яА-ЯёЁ0-9 .,*@_\\-\u{200B}\u{301}\u{0}-\u{10FFFF}]{0,80}") {
        let c = c();
        let j = c.classify(&text);
        for r in &j.reasons {
            proptest::prop_assert!(text.is_char_boundary(r.span.start) && text.is_char_boundary(r.span.end));
            proptest::prop_assert!(r.span.start <= r.span.end && r.span.end <= text.len());
            proptest::prop_assert_eq!(&text[r.span.clone()], r.matched.as_str());
        }
        proptest::prop_assert_eq!(j.verdict, j.reasons.iter().map(|r| r.verdict).max().unwrap_or(Verdict::Keep));
    }

    #[test]
    fn obfuscated_roots_are_found(sep in "[ ._*\u{200B}-]", n in 1usize..4) {
        let word: String = "хуй".chars().map(|c| c.to_string().repeat(n)).collect::<Vec<_>>().join(&sep);
        let v = c().classify(&word).verdict;
        proptest::prop_assert!(v == Verdict::Delete, "{} {:?}", word, v);
    }
}

/// One comment of the labelled set.
struct Labelled {
    label: String,
    text: String,
    held_out: bool,
}

fn labelled() -> Vec<Labelled> {
    include_str!("../../tests/fixtures/moderation/labelled.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .enumerate()
        .filter_map(|(i, l)| {
            let (label, text) = l.split_once('\t')?;
            Some(Labelled {
                label: label.to_owned(),
                text: text.to_owned(),
                held_out: i % 4 == 3,
            })
        })
        .collect()
}

/// Precision and recall on the labelled set, printed (`--nocapture`) and held to the issue's
/// targets, on the part the rules were tuned on and on the held-out part.
#[test]
fn labelled_set_meets_the_targets() {
    let c = c();
    let set = labelled();
    assert!(set.len() >= 400, "{}", set.len());
    for (part, held) in [("tuned", false), ("held-out", true)] {
        let rows: Vec<(&Labelled, Judgement)> = set
            .iter()
            .filter(|l| l.held_out == held)
            .map(|l| (l, c.classify(&l.text)))
            .collect();
        println!("\n{part}: {} comments", rows.len());
        println!(
            "{:<10} {:>5} {:>6} {:>6} {:>6} {:>9} {:>7}",
            "label", "n", "keep", "hold", "delete", "recall", "prec."
        );
        let mut misses = Vec::new();
        for label in ["clean", "criticism", "trap", "obscene", "insult", "spam"] {
            let of: Vec<_> = rows.iter().filter(|(l, _)| l.label == label).collect();
            let count = |v| of.iter().filter(|(_, j)| j.verdict == v).count();
            let category = Category::from_id(label);
            let (recall, precision) = match category {
                Some(cat) => {
                    let hit = |j: &Judgement| {
                        j.verdict > Verdict::Keep
                            && j.reasons
                                .iter()
                                .any(|r| r.category == cat && r.verdict == j.verdict)
                    };
                    let found = of.iter().filter(|(_, j)| hit(j)).count();
                    let flagged = rows
                        .iter()
                        .filter(|(_, j)| {
                            j.verdict > Verdict::Keep && j.reasons.iter().any(|r| r.category == cat)
                        })
                        .count();
                    let right = rows
                        .iter()
                        .filter(|(l, j)| {
                            l.label == label
                                && j.verdict > Verdict::Keep
                                && j.reasons.iter().any(|r| r.category == cat)
                        })
                        .count();
                    for (l, j) in &of {
                        if !hit(j) {
                            misses.push(format!("missed {label}: {} {:?}", l.text, j.verdict));
                        }
                    }
                    (
                        found as f64 / of.len().max(1) as f64,
                        right as f64 / flagged.max(1) as f64,
                    )
                }
                None => {
                    for (l, j) in &of {
                        if j.verdict > Verdict::Keep {
                            misses.push(format!(
                                "flagged {label}: {} {:?} {:?}",
                                l.text,
                                j.verdict,
                                j.reasons
                                    .iter()
                                    .map(|r| (&r.rule, &r.matched))
                                    .collect::<Vec<_>>()
                            ));
                        }
                    }
                    (f64::NAN, f64::NAN)
                }
            };
            println!(
                "{label:<10} {:>5} {:>6} {:>6} {:>6} {recall:>9.3} {precision:>7.3}",
                of.len(),
                count(Verdict::Keep),
                count(Verdict::Hold),
                count(Verdict::Delete)
            );
        }
        let deleted: Vec<_> = rows
            .iter()
            .filter(|(_, j)| j.verdict == Verdict::Delete)
            .collect();
        let right = deleted
            .iter()
            .filter(|(l, j)| {
                j.reasons
                    .iter()
                    .any(|r| r.verdict == Verdict::Delete && r.category.id() == l.label)
            })
            .count();
        let delete_precision = right as f64 / deleted.len().max(1) as f64;
        println!(
            "precision of delete: {right}/{} = {delete_precision:.3}",
            deleted.len()
        );
        for m in &misses {
            println!("  {m}");
        }
        let recall = |label: &str| {
            let cat = Category::from_id(label).unwrap_or(Category::Spam);
            let of: Vec<_> = rows.iter().filter(|(l, _)| l.label == label).collect();
            of.iter()
                .filter(|(_, j)| {
                    j.verdict > Verdict::Keep && j.reasons.iter().any(|r| r.category == cat)
                })
                .count() as f64
                / of.len().max(1) as f64
        };
        let deletions = |label: &str| {
            rows.iter()
                .filter(|(l, j)| l.label == label && j.verdict == Verdict::Delete)
                .count()
        };
        assert!(
            delete_precision >= 0.98,
            "{part}: precision of delete {delete_precision}"
        );
        assert!(
            recall("obscene") >= 0.90,
            "{part}: obscene recall {}",
            recall("obscene")
        );
        assert!(
            recall("spam") >= 0.90,
            "{part}: spam recall {}",
            recall("spam")
        );
        assert!(
            recall("insult") >= 0.80,
            "{part}: insult recall {}",
            recall("insult")
        );
        assert_eq!(deletions("criticism"), 0, "{part}");
        assert_eq!(deletions("trap"), 0, "{part}");
    }
}
