use super::*;

const REGISTRY: &str = "\
timezone: Asia/Novokuznetsk
organizations:
  - id: school
    name: МБОУ «Школа»
    required: false
    gospubliki: connected
    pages:
      vk: {id: 100, verified: true}
      telegram: {id: \"@school\"}
";

fn registry() -> Registry {
    let (reg, diags) = Registry::parse(REGISTRY, "plans/registry.yaml");
    assert!(reg.usable, "{diags:?}");
    reg
}

fn t(s: &str) -> Timestamp {
    let tz = jiff::tz::TimeZone::get("Asia/Novokuznetsk").unwrap();
    let dt: jiff::civil::DateTime = s.parse().unwrap();
    tz.to_ambiguous_timestamp(dt).unambiguous().unwrap()
}

fn week(s: &str) -> IsoWeek {
    s.parse().unwrap()
}

fn complete_profile(network: Network, page: &str) -> PageProfile {
    PageProfile {
        network,
        page: page.into(),
        at: t("2026-12-10T12:00"),
        access: Access::Ok,
        detail: None,
        verified: Some(true),
        description: Some("Школа".into()),
        address: Some("ул. Ленина, 1".into()),
        map: Some("54.9,86.8".into()),
        phones: vec!["+7 384 46 2-22-22".into()],
        hours: Some("пн–пт 8–17".into()),
        links: vec!["https://school.ru".into()],
    }
}

fn post(id: &str, at: &str, source: Source) -> ObservedPost {
    ObservedPost {
        network: Network::Vk,
        page: "100".into(),
        remote_id: id.into(),
        at: t(at),
        source,
        excerpt: format!("пост {id}"),
    }
}

fn vk(posts: Vec<ObservedPost>) -> PageReading {
    PageReading {
        org: "school".into(),
        network: Network::Vk,
        page: "100".into(),
        profile: complete_profile(Network::Vk, "100"),
        posts,
        complete: true,
    }
}

fn scope(from: &str, to: &str) -> Scope {
    Scope {
        from: week(from),
        to: week(to),
        now: t("2026-12-10T12:00"),
    }
}

fn rules(findings: &[Finding]) -> Vec<(AuditRule, Option<String>)> {
    findings
        .iter()
        .map(|f| (f.rule, f.week.map(|w| w.to_string())))
        .collect()
}

/// A post at Sunday 23:30 local time is in its week, one at Monday 00:10 in the next, whatever
/// the machine's zone (in UTC both are on the same day, Sunday).
#[test]
fn weeks_are_iso_weeks_in_the_districts_zone() {
    let reg = registry();
    let posts = vec![
        post("-100_1", "2026-11-30T10:00", Source::Vestnik),
        post("-100_2", "2026-12-02T10:00", Source::Vestnik),
        post("-100_3", "2026-12-06T23:30", Source::Vestnik),
        post("-100_4", "2026-12-07T00:10", Source::Vestnik),
    ];
    let f = judge(
        &reg,
        &scope("2026-W49", "2026-W49"),
        &[vk(posts.clone())],
        &[],
        &[],
    );
    assert!(f.is_empty(), "{f:?}");
    // Without the Sunday evening post, W49 has two.
    let fewer: Vec<_> = posts
        .into_iter()
        .filter(|p| p.remote_id != "-100_3")
        .collect();
    let f = judge(&reg, &scope("2026-W49", "2026-W49"), &[vk(fewer)], &[], &[]);
    assert_eq!(
        rules(&f),
        [(AuditRule::PostsPerWeek, Some("2026-W49".into()))]
    );
    assert_eq!(f[0].observed, Some(2));
    assert_eq!(f[0].level, Level::Error);
}

/// The current week is not over: it is not counted.
#[test]
fn a_week_not_over_is_not_counted() {
    let f = judge(
        &registry(),
        &scope("2026-W50", "2026-W50"),
        &[vk(vec![])],
        &[],
        &[],
    );
    assert!(f.is_empty(), "{f:?}");
}

/// On Telegram the ledger's own posts count, beside those others made, once each.
#[test]
fn telegram_counts_the_ledgers_posts_and_the_observed_ones() {
    let reg = registry();
    let mut profile = complete_profile(Network::Telegram, "@school");
    profile.verified = None;
    let reading = PageReading {
        org: "school".into(),
        network: Network::Telegram,
        page: "@school".into(),
        profile,
        posts: vec![ObservedPost {
            network: Network::Telegram,
            page: "-1001".into(),
            remote_id: "9".into(),
            at: t("2026-12-01T09:00"),
            source: Source::Hand,
            excerpt: "руками".into(),
        }],
        complete: false,
    };
    let published = |id: &str, at: &str| Published {
        org: "school".into(),
        network: Network::Telegram,
        remote_id: id.into(),
        at: t(at),
    };
    let f = judge(
        &reg,
        &scope("2026-W49", "2026-W49"),
        std::slice::from_ref(&reading),
        &[
            published("5,6", "2026-12-02T10:00"),
            published("7", "2026-12-03T10:00"),
        ],
        &[],
    );
    // Three publications: no shortfall; the hand-made one is unplanned.
    assert_eq!(rules(&f), [(AuditRule::Unplanned, Some("2026-W49".into()))]);
    let f = judge(
        &reg,
        &scope("2026-W49", "2026-W49"),
        &[reading],
        &[published("7", "2026-12-03T10:00")],
        &[],
    );
    assert_eq!(f[0].rule, AuditRule::PostsPerWeek);
    assert_eq!(f[0].observed, Some(2));
}

#[test]
fn access_stands_alone_and_marks_and_profiles_are_named() {
    let reg = registry();
    let mut closed = vk(vec![]);
    closed.profile = PageProfile::unreadable(
        Network::Vk,
        "100",
        t("2026-12-10T12:00"),
        Access::NotFound,
        Some("deleted".into()),
    );
    let f = judge(&reg, &scope("2026-W49", "2026-W49"), &[closed], &[], &[]);
    assert_eq!(rules(&f), [(AuditRule::Access, None)]);
    assert!(f[0].message.contains("deleted"), "{}", f[0].message);

    let mut bare = vk(vec![
        post("-100_1", "2026-12-01T10:00", Source::Vestnik),
        post("-100_2", "2026-12-02T10:00", Source::Vestnik),
        post("-100_3", "2026-12-03T10:00", Source::Vestnik),
    ]);
    bare.profile.verified = Some(false);
    bare.profile.phones.clear();
    bare.profile.hours = None;
    let f = judge(&reg, &scope("2026-W49", "2026-W49"), &[bare], &[], &[]);
    assert_eq!(
        rules(&f),
        [(AuditRule::Verified, None), (AuditRule::Profile, None)]
    );
    assert_eq!(f[0].level, Level::Error);
    assert_eq!(f[1].missing, [Element::Phones, Element::Hours]);
}

/// A post declared as Госпаблики's is found among the posts others made within the window;
/// when it is not, the page is told; what it matched is not «unplanned».
#[test]
fn gospubliki_posts_are_looked_for_within_the_window() {
    let reg = registry();
    let ext = |due: &str| External {
        org: "school".into(),
        networks: vec![Network::Vk],
        due: t(due),
        file: "plans/school/a.md".into(),
        by: "Госпаблики".into(),
    };
    let posts = vec![
        post("-100_1", "2026-12-01T10:00", Source::Vestnik),
        post("-100_2", "2026-12-02T10:00", Source::Vestnik),
        post("-100_3", "2026-12-03T11:00", Source::Hand),
    ];
    let f = judge(
        &reg,
        &scope("2026-W49", "2026-W49"),
        &[vk(posts.clone())],
        &[],
        &[ext("2026-12-03T10:00")],
    );
    assert!(f.is_empty(), "{f:?}");
    let f = judge(
        &reg,
        &scope("2026-W49", "2026-W49"),
        &[vk(posts)],
        &[],
        &[ext("2026-11-30T08:00")],
    );
    assert_eq!(
        rules(&f),
        [
            (AuditRule::Gospubliki, Some("2026-W49".into())),
            (AuditRule::Unplanned, Some("2026-W49".into()))
        ]
    );
}

/// A page closed to the public is an access error, and unlike an unread page the rest is
/// still judged (here: too few posts in the week, one of them by hand); the stored word reads
/// back.
#[test]
fn a_private_page_is_an_access_error_and_the_rest_is_still_judged() {
    let mut reading = vk(vec![post("-100_1", "2026-12-01T10:00", Source::Hand)]);
    reading.profile.access = Access::Private;
    let f = judge(
        &registry(),
        &scope("2026-W49", "2026-W49"),
        &[reading.clone()],
        &[],
        &[],
    );
    assert_eq!(
        rules(&f),
        [
            (AuditRule::PostsPerWeek, Some("2026-W49".into())),
            (AuditRule::Access, None),
            (AuditRule::Unplanned, Some("2026-W49".into())),
        ]
    );
    let access = f.iter().find(|f| f.rule == AuditRule::Access).unwrap();
    assert_eq!(access.level, Level::Error);
    assert_eq!(Access::from_key(Access::Private.key()), Access::Private);
    // Not found: only the access finding.
    reading.profile.access = Access::NotFound;
    let f = judge(
        &registry(),
        &scope("2026-W49", "2026-W49"),
        &[reading],
        &[],
        &[],
    );
    assert_eq!(rules(&f), [(AuditRule::Access, None)]);
}
