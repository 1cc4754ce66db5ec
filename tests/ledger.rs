//! `vestnik ledger copy`: a ledger filled by a real publish run into the emulators is copied
//! into PostgreSQL; the counts it prints match the SQLite file's, a second copy into the same
//! database is refused, and `vestnik status` reads the copy as it read the file.
// Helpers of this test file panic on setup failures like the tests themselves.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::path::PathBuf;
use std::process::{Command, Output};

use vestnik::networks::sandbox;
use vestnik::plan::registry::{REGISTRY_PATH, Registry};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn vestnik(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vestnik"))
        .args(args)
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_ledger_is_copied_into_postgres_and_checked() {
    let Some(db) = support::postgres::Database::new("copy") else {
        return;
    };
    let (reg, _) = Registry::parse(
        &std::fs::read_to_string(root().join(REGISTRY_PATH)).unwrap(),
        REGISTRY_PATH,
    );
    let sb = sandbox::start(&reg).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let networks = support::networks_yaml(dir.path(), &sb);
    let config = dir.path().join("vestnik.yaml");
    std::fs::write(
        &config,
        format!("ledger: ledger.sqlite\ncache_dir: cache\ngrace_minutes: 100000\n{networks}"),
    )
    .unwrap();
    let root = root();
    let (cfg, r) = (config.clone(), root.clone());
    let published = tokio::task::spawn_blocking(move || {
        let mut args = vec![
            "publish",
            "--lang",
            "en",
            "--due",
            "--now",
            "2026-12-02 12:00",
        ];
        args.extend([
            "--root",
            r.to_str().unwrap(),
            "--config",
            cfg.to_str().unwrap(),
        ]);
        vestnik(&args)
    })
    .await
    .unwrap();
    assert_eq!(
        published.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&published.stderr)
    );
    let sqlite = dir.path().join("ledger.sqlite");
    // What the file holds, counted here.
    let conn = rusqlite::Connection::open(&sqlite).unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let rows = count("SELECT count(*) FROM publication");
    let sent = count("SELECT count(*) FROM publication WHERE state = 'published'");
    let waiting = count("SELECT count(*) FROM publication WHERE state = 'scheduled'");
    let alerts = count("SELECT count(*) FROM alert");
    assert!(
        sent > 0 && waiting > 0,
        "{sent} published, {waiting} scheduled"
    );

    let from = format!("sqlite:{}", sqlite.display());
    let copied = vestnik(&[
        "ledger", "copy", "--lang", "en", "--from", &from, "--to", &db.url,
    ]);
    let stdout = String::from_utf8_lossy(&copied.stdout);
    assert_eq!(
        copied.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&copied.stderr)
    );
    for line in [
        format!("publication: {rows} → {rows}"),
        format!("publication/published: {sent} → {sent}"),
        format!("publication/scheduled: {waiting} → {waiting}"),
        format!("alert: {alerts} → {alerts}"),
    ] {
        assert!(stdout.lines().any(|l| l == line), "{line} in\n{stdout}");
    }

    // Not twice into the same database, unless told.
    let again = vestnik(&[
        "ledger", "copy", "--lang", "en", "--from", &from, "--to", &db.url,
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("--force"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    // `status` reads the copy as it reads the file.
    let pg_config = dir.path().join("pg.yaml");
    std::fs::write(
        &pg_config,
        format!(
            "ledger: {}\ncache_dir: cache\ngrace_minutes: 100000\n{networks}",
            db.url
        ),
    )
    .unwrap();
    let from_file = support::ledger_rows(&config);
    let from_postgres = support::ledger_rows(&pg_config);
    assert_eq!(from_file.len() as i64, rows);
    assert_eq!(from_postgres, from_file);

    // Two publishers at once on the copy: each due publication is sent by one of them.
    let publishers: Vec<_> = (0..2)
        .map(|_| {
            let (cfg, r) = (pg_config.clone(), root.clone());
            tokio::task::spawn_blocking(move || {
                let mut args = vec![
                    "publish",
                    "--lang",
                    "en",
                    "--due",
                    "--now",
                    "2026-12-06 12:00",
                ];
                args.extend([
                    "--root",
                    r.to_str().unwrap(),
                    "--config",
                    cfg.to_str().unwrap(),
                ]);
                vestnik(&args)
            })
        })
        .collect();
    let mut sent_by_both = 0;
    for p in publishers {
        let out = p.await.unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let n: usize = stdout
            .split("vestnik publish: ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{stdout}"));
        sent_by_both += n;
    }
    let after = support::ledger_rows(&pg_config);
    let published =
        |rows: &[serde_json::Value]| rows.iter().filter(|r| r["state"] == "published").count();
    assert!(
        published(&after) > published(&from_file),
        "later posts were due"
    );
    assert_eq!(sent_by_both, published(&after) - published(&from_file));
    assert!(
        after
            .iter()
            .all(|r| r["state"] != "sending" && r["state"] != "uncertain"),
        "{after:#?}"
    );
}
