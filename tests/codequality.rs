//! `vestnik check --format gitlab`: the GitLab Code Quality report, held to the schema written
//! from GitLab's documentation (`tests/fixtures/gitlab-codequality.schema.json`), with
//! fingerprints that stay when nothing about a finding changed and differ between findings.

use serde_json::Value;

use crate::support::repo::{Repo, post, repo};
use crate::support::schema;

/// Two style warnings on one line's neighbourhood and an error in another file.
fn findings(body_prefix: &str) -> Repo {
    repo()
        .file(
            "plans/school/a.md",
            &post(
                "date: 2026-12-01 09:00",
                &format!("{body_prefix}Зима.\nВ целях безопасности уборка осуществляется ночью.\n"),
            ),
        )
        .file(
            "plans/library/a.md",
            &post(
                "date: 2026-12-01 09:00\nnetworks: [vk, telegram]",
                "Текст\n",
            ),
        )
}

fn report(r: &Repo) -> (i32, Vec<Value>) {
    let run = r.check().run("gitlab");
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", run.stdout));
    let schema: Value =
        serde_json::from_str(include_str!("fixtures/gitlab-codequality.schema.json"))
            .expect("the schema is JSON");
    assert_eq!(schema::violations(&schema, &v), Vec::<String>::new());
    // The validator does reject what GitLab would not read.
    let mut broken = v.clone();
    if let Some(first) = broken.as_array_mut().and_then(|a| a.first_mut()) {
        first["severity"] = "error".into();
        first["location"]["lines"]["begin"] = 0.into();
        assert_eq!(schema::violations(&schema, &broken).len(), 2);
    }
    (run.code, v.as_array().expect("an array").clone())
}

fn fingerprints(issues: &[Value]) -> Vec<String> {
    issues
        .iter()
        .map(|i| i["fingerprint"].as_str().expect("fingerprint").to_owned())
        .collect()
}

#[test]
fn the_report_follows_gitlabs_format() {
    let r = findings("");
    let (code, issues) = report(&r);
    assert_eq!(code, 1, "errors fail the job, as with every format");
    let got: Vec<String> = issues
        .iter()
        .map(|i| {
            format!(
                "{} {} {}:{}",
                i["check_name"].as_str().unwrap(),
                i["severity"].as_str().unwrap(),
                i["location"]["path"].as_str().unwrap(),
                i["location"]["lines"]["begin"]
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "unknown-network critical plans/library/a.md:3",
            "style minor plans/school/a.md:5",
            "style minor plans/school/a.md:5",
        ]
    );
    // The description is the message with its hint, in the asked language.
    let json = r.check().json();
    for (issue, diag) in issues.iter().zip(&json.diags) {
        let description = issue["description"].as_str().unwrap();
        assert!(description.starts_with(&diag.message), "{description}");
        if let Some(hint) = &diag.hint {
            assert!(description.contains(hint.as_str()), "{description}");
        }
    }
}

#[test]
fn fingerprints_are_stable_and_distinct() {
    let r = findings("");
    let (_, first) = report(&r);
    let (_, second) = report(&r);
    assert_eq!(first, second, "two runs give the same report");
    let prints = fingerprints(&first);
    let mut unique = prints.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), prints.len(), "{prints:?}");
    // The two style findings share rule, file and line: still two fingerprints.
    assert_ne!(prints[1], prints[2]);
    // Text added above moves the findings, not their fingerprints: the merge request's base and
    // head agree that they are the same problems.
    let moved = findings("Новость.\n\n");
    let (_, after) = report(&moved);
    assert_eq!(after[1]["location"]["lines"]["begin"], 7);
    assert_eq!(fingerprints(&after), prints);
}

#[test]
fn a_clean_repository_is_an_empty_array() {
    let r = repo().file(
        "plans/school/a.md",
        &post("date: 2026-12-01 09:00", "Привет!\n"),
    );
    let run = r.check().run("gitlab");
    assert_eq!((run.code, run.stdout.trim()), (0, "[]"));
}
