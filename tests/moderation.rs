//! `vestnik moderation classify`: the real binary over comments on stdin.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::support::repo::{Repo, bin};

fn classify(root: &std::path::Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(bin())
        .args(["moderation", "classify", "--root"])
        .arg(root)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run vestnik");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("wait for vestnik");
    let _ = writer.join();
    out
}

fn lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn classify_prints_one_json_object_a_comment() {
    let repo = Repo::bare();
    let input = "Спасибо за утренник!\nДа пошли вы на х.у.й\nГлава района не справляется\nЗаработок от 5000 в день, пиши в лс\n";
    let out = classify(repo.path(), &[], input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let got = lines(&out);
    assert_eq!(got.len(), 4);
    assert_eq!(
        got[0],
        serde_json::json!({"text": "Спасибо за утренник!", "verdict": "keep", "reasons": []})
    );
    assert_eq!(
        got[1],
        serde_json::json!({"text": "Да пошли вы на х.у.й", "verdict": "delete",
            "reasons": [{"rule": "obscene-h", "category": "obscene", "match": "х.у.й"}]})
    );
    assert_eq!(got[2]["verdict"], "keep");
    assert_eq!(got[3]["verdict"], "delete");
    assert!(
        got[3]["reasons"]
            .as_array()
            .is_some_and(|r| r.iter().all(|r| r["category"] == "spam"))
    );
}

#[test]
fn classify_uses_the_repositorys_own_rules() {
    let repo = Repo::new().file("plans/moderation.yaml", "disable: [obscene-h]\n");
    let out = classify(repo.path(), &[], "хуй\n".as_bytes());
    assert_eq!(lines(&out)[0]["verdict"], "keep", "{out:?}");
    let broken = Repo::new().file("plans/moderation.yaml", "rules: [{id: x}]\n");
    let out = classify(broken.path(), &[], "хуй\n".as_bytes());
    assert_eq!(lines(&out)[0]["verdict"], "delete");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("plans/moderation.yaml:1:9: "), "{err}");
}

#[test]
fn classify_speaks_russian_to_people() {
    let repo = Repo::bare();
    let out = classify(
        repo.path(),
        &["--format", "human"],
        "Ты дурак\nПривет\n".as_bytes(),
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "удалить: Ты дурак\n  оскорбление «дурак» (правило insult-mild)\nоставить: Привет\n"
    );
}

#[test]
fn invalid_utf8_names_its_line_and_long_lines_are_cut() {
    let repo = Repo::bare();
    let out = classify(repo.path(), &[], b"ok\n\xff\xfe\n");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(lines(&out).len(), 1);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "vestnik: строка 2 не в кодировке UTF-8\n"
    );

    let long = format!("{}\nхуй\n", "я".repeat(10_000));
    let out = classify(repo.path(), &[], long.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let got = lines(&out);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0]["text"].as_str().map(str::len), Some(16 * 1024));
    assert_eq!(got[1]["verdict"], "delete");
    assert!(String::from_utf8_lossy(&out.stderr).contains("строка 1 длиннее"));
}
