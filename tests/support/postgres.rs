//! A PostgreSQL database of a test's own on the server of `VESTNIK_TEST_POSTGRES` (`.ci/run`
//! starts one and sets `VESTNIK_REQUIRE_POSTGRES=1`, so that a missing server fails there
//! instead of skipping).

/// Runs `sql` on the database at `url`, on a runtime of its own (callable from anywhere).
fn execute(url: &str, sql: &str) {
    let (url, sql) = (url.to_owned(), sql.to_owned());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            let driver = tokio::spawn(connection);
            client.batch_execute(&sql).await.unwrap();
            drop(client);
            let _ = driver.await;
        });
    })
    .join()
    .unwrap();
}

/// A fresh database, dropped with this.
pub struct Database {
    server: String,
    name: String,
    /// Its address.
    pub url: String,
}

impl Database {
    /// A new database, or `None` (with a message) when no server is given and none is required.
    ///
    /// Panics when `VESTNIK_REQUIRE_POSTGRES` is set and `VESTNIK_TEST_POSTGRES` is not.
    pub fn new(tag: &str) -> Option<Self> {
        let server = std::env::var("VESTNIK_TEST_POSTGRES")
            .ok()
            .filter(|u| !u.is_empty());
        let Some(server) = server else {
            assert!(
                std::env::var_os("VESTNIK_REQUIRE_POSTGRES").is_none(),
                "PostgreSQL is required but VESTNIK_TEST_POSTGRES is not set"
            );
            eprintln!("skipped: VESTNIK_TEST_POSTGRES is not set (apt-get install postgresql)");
            return None;
        };
        let name = format!("vestnik_it_{tag}_{}", std::process::id());
        execute(
            &server,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        );
        execute(&server, &format!("CREATE DATABASE {name}"));
        let (head, tail) = server.split_at(server.rfind('/').unwrap());
        let query = tail.find('?').map_or("", |q| &tail[q..]);
        let url = format!("{head}/{name}{query}");
        Some(Self { server, name, url })
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        execute(
            &self.server,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}
