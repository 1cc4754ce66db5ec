//! The daemon's monitoring endpoint over real HTTP on `127.0.0.1:0`: `/healthz`, `/metrics`,
//! refusal of non-loopback addresses, and the one-time log setup.

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use vestnik::ops::logging::{self, LogError, LogFormat};
use vestnik::ops::metrics::Metrics;
use vestnik::ops::monitor::{self, Health, Monitor, MonitorError};
use vestnik::plan::network::Network;

struct Running {
    monitor: Monitor,
    metrics: Arc<Metrics>,
    health: Arc<Health>,
    client: reqwest::Client,
}

impl Running {
    async fn start(stale_after: Duration) -> Running {
        let metrics = Arc::new(Metrics::new());
        let health = Arc::new(Health::new(stale_after));
        let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let monitor = monitor::serve(addr, metrics.clone(), health.clone())
            .await
            .unwrap();
        // A proxy from the environment must not see loopback requests.
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        Running {
            monitor,
            metrics,
            health,
            client,
        }
    }

    async fn get(&self, path: &str) -> (u16, Option<String>, String) {
        let url = format!("http://{}{path}", self.monitor.addr);
        let response = self.client.get(url).send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned());
        (status, content_type, response.text().await.unwrap())
    }
}

#[tokio::test]
async fn healthz_is_ok_after_a_beat() {
    let r = Running::start(Duration::from_secs(60)).await;
    r.health.beat();
    let (status, _, body) = r.get("/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    r.monitor.shutdown().await;
}

#[tokio::test]
async fn healthz_is_503_when_the_loop_is_stale_and_ok_again_after_a_beat() {
    let r = Running::start(Duration::from_millis(50)).await;
    r.health.beat();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, _, body) = r.get("/healthz").await;
    assert_eq!(status, 503);
    assert!(body.starts_with("no loop turn for "), "{body}");
    assert!(
        body.ends_with('\n') && body.lines().count() == 1,
        "{body:?}"
    );
    r.health.beat();
    let (status, _, body) = r.get("/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    r.monitor.shutdown().await;
}

#[tokio::test]
async fn healthz_is_503_with_the_problem_while_one_is_set() {
    let r = Running::start(Duration::from_secs(60)).await;
    r.health.beat();
    r.health
        .set_problem(Some("the ledger cannot write: disk full".to_owned()));
    let (status, _, body) = r.get("/healthz").await;
    assert_eq!(status, 503);
    assert_eq!(body, "the ledger cannot write: disk full\n");
    r.health.set_problem(None);
    let (status, _, _) = r.get("/healthz").await;
    assert_eq!(status, 200);
    r.monitor.shutdown().await;
}

#[tokio::test]
async fn metrics_have_the_prometheus_content_type_and_show_counters() {
    let r = Running::start(Duration::from_secs(60)).await;
    let (status, content_type, body) = r.get("/metrics").await;
    assert_eq!(status, 200);
    assert_eq!(
        content_type.as_deref(),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert!(
        body.contains("\nvestnik_published_total{network=\"vk\"} 0\n"),
        "{body}"
    );

    r.metrics
        .published(Network::Vk, Duration::from_millis(1500));
    r.metrics.published(Network::Vk, Duration::from_millis(20));
    let (_, _, body) = r.get("/metrics").await;
    assert!(
        body.contains("# TYPE vestnik_published_total counter\n"),
        "{body}"
    );
    assert!(
        body.contains("\nvestnik_published_total{network=\"vk\"} 2\n"),
        "{body}"
    );
    assert!(
        body.contains("\nvestnik_published_total{network=\"ok\"} 0\n"),
        "{body}"
    );
    assert!(
        body.contains("\nvestnik_publication_lateness_seconds_bucket{network=\"vk\",le=\"2\"} 2\n"),
        "{body}"
    );
    assert!(
        body.contains("\nvestnik_publication_lateness_seconds_count{network=\"vk\"} 2\n"),
        "{body}"
    );
    r.monitor.shutdown().await;
}

#[tokio::test]
async fn other_paths_are_404() {
    let r = Running::start(Duration::from_secs(60)).await;
    for path in ["/", "/health", "/metrics/x", "/healthz/"] {
        let (status, _, _) = r.get(path).await;
        assert_eq!(status, 404, "{path}");
    }
    r.monitor.shutdown().await;
}

#[tokio::test]
async fn non_loopback_addresses_are_refused() {
    let metrics = Arc::new(Metrics::new());
    let health = Arc::new(Health::new(Duration::from_secs(60)));
    let addr: SocketAddr = "0.0.0.0:0".parse().unwrap();
    let err = monitor::serve(addr, metrics, health).await.unwrap_err();
    assert!(matches!(err, MonitorError::NotLoopback(_)));
    assert_eq!(
        err.to_string(),
        "cannot listen on 0.0.0.0:0: the monitor listens on loopback only (127.0.0.1 or ::1); \
         put a reverse proxy in front to expose it"
    );
}

#[tokio::test]
async fn a_port_in_use_is_a_bind_error() {
    let r = Running::start(Duration::from_secs(60)).await;
    let err = monitor::serve(r.monitor.addr, r.metrics.clone(), r.health.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, MonitorError::Bind(_)), "{err}");
    r.monitor.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_the_port() {
    let r = Running::start(Duration::from_secs(60)).await;
    let addr = r.monitor.addr;
    // A kept-alive connection must not hold the shutdown up.
    let (status, _, _) = r.get("/healthz").await;
    assert_eq!(status, 200);
    tokio::time::timeout(Duration::from_secs(2), r.monitor.shutdown())
        .await
        .unwrap();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

// Logging is global to the process; this test binary is the one place that installs it.
#[test]
fn logging_init_twice_is_an_error_not_a_panic() {
    // `off` keeps the other tests' output clean.
    logging::init(LogFormat::Json, Some("off")).unwrap();
    let err = logging::init(LogFormat::Human, Some("off")).unwrap_err();
    assert!(matches!(err, LogError::AlreadySet), "{err}");
}
