//! The daemon's monitoring endpoint on loopback: `GET /healthz` for a liveness probe and
//! `GET /metrics` for Prometheus.
//!
//! The endpoint has no authentication, so it listens on a loopback address only; a reverse
//! proxy in front exposes it when needed. Connections are served with hyper directly, as in
//! [`crate::networks::serve`]: `axum::serve` needs axum's `tokio` feature, which the crate does
//! not enable, and the accept loop with a graceful shutdown is a few lines.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::{JoinHandle, JoinSet};

use crate::ops::metrics::Metrics;

/// The `Content-Type` of the Prometheus text format 0.0.4.
pub const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// How long a shutdown waits for requests in flight before closing their connections.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Whether the daemon is alive: its loop turned recently and nothing is known to be wrong.
/// Shared as `Arc<Health>` between the daemon (which reports) and the monitor (which answers).
#[derive(Debug)]
pub struct Health {
    stale_after: Duration,
    // A monotonic clock, so that a change of the wall clock never makes the daemon look dead.
    // A suspended machine does make it look stale until the first turn after waking (the
    // monotonic clock keeps counting, or not, depending on the platform); that is fine: a probe
    // cannot tell a suspended daemon from a hung one anyway, and the next turn clears it.
    last_beat: Mutex<Instant>,
    problem: Mutex<Option<String>>,
}

impl Health {
    /// A health whose loop counts as alive until `stale_after` passes without a [`beat`]. The
    /// creation counts as the first beat, so a daemon that just started is healthy.
    ///
    /// [`beat`]: Health::beat
    pub fn new(stale_after: Duration) -> Health {
        Health {
            stale_after,
            last_beat: Mutex::new(Instant::now()),
            problem: Mutex::new(None),
        }
    }

    /// Records that the daemon's loop finished a turn now.
    pub fn beat(&self) {
        *self
            .last_beat
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Instant::now();
    }

    /// Sets (`Some`) or clears (`None`) a problem that makes the daemon unhealthy even while its
    /// loop turns, such as a ledger that fails to write.
    pub fn set_problem(&self, problem: Option<String>) {
        *self.problem.lock().unwrap_or_else(PoisonError::into_inner) = problem;
    }

    /// `Ok` when the last beat is younger than `stale_after` and no problem is set; otherwise
    /// the reason on one line (`no loop turn for 312 s`, the problem, or both joined by `; `).
    pub fn check(&self) -> Result<(), String> {
        let mut reasons = Vec::new();
        if let Some(problem) = &*self.problem.lock().unwrap_or_else(PoisonError::into_inner) {
            reasons.push(problem.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        let since = self
            .last_beat
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .elapsed();
        if since >= self.stale_after {
            reasons.push(if since >= Duration::from_secs(1) {
                format!("no loop turn for {} s", since.as_secs())
            } else {
                format!("no loop turn for {} ms", since.as_millis())
            });
        }
        if reasons.is_empty() {
            Ok(())
        } else {
            Err(reasons.join("; "))
        }
    }
}

/// Why the monitor could not start.
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    /// The address is not a loopback address.
    #[error(
        "cannot listen on {0}: the monitor listens on loopback only (127.0.0.1 or ::1); \
         put a reverse proxy in front to expose it"
    )]
    NotLoopback(SocketAddr),
    /// The address could not be bound (in use, or no permission).
    #[error("cannot listen for the monitor: {0}")]
    Bind(#[source] std::io::Error),
}

impl MonitorError {
    /// The error in the language of the process's texts (its `Display` stays English, for
    /// logs).
    pub fn message(&self) -> String {
        match self {
            MonitorError::NotLoopback(addr) => {
                crate::t!("monitor-not-loopback", addr = addr.to_string())
            }
            MonitorError::Bind(e) => {
                crate::t!("monitor-bind", reason = crate::plan::repo::io_words(e))
            }
        }
    }
}

/// The running monitor. [`Monitor::shutdown`] stops it gracefully; dropping it stops it at
/// once.
#[derive(Debug)]
pub struct Monitor {
    /// The bound address (with the real port when port 0 was asked for).
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Monitor {
    /// Stops accepting connections, lets requests in flight finish (for at most a few
    /// seconds) and closes the connections.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the monitor on `addr`, a loopback address (port 0 picks a free port).
///
/// Fails with [`MonitorError::NotLoopback`] for any other address, since the endpoint has no
/// authentication, and with [`MonitorError::Bind`] when the address cannot be bound.
pub async fn serve(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    health: Arc<Health>,
) -> Result<Monitor, MonitorError> {
    if !addr.ip().to_canonical().is_loopback() {
        return Err(MonitorError::NotLoopback(addr));
    }
    let listener = TcpListener::bind(addr).await.map_err(MonitorError::Bind)?;
    let addr = listener.local_addr().map_err(MonitorError::Bind)?;
    let (tx, rx) = oneshot::channel();
    let task = tokio::spawn(accept(listener, router(metrics, health), rx));
    Ok(Monitor {
        addr,
        shutdown: Some(tx),
        task,
    })
}

#[derive(Clone)]
struct Shared {
    metrics: Arc<Metrics>,
    health: Arc<Health>,
}

fn router(metrics: Arc<Metrics>, health: Arc<Health>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(render_metrics))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found\n") })
        .with_state(Shared { metrics, health })
}

async fn healthz(State(shared): State<Shared>) -> Response {
    match shared.health.check() {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(reason) => (StatusCode::SERVICE_UNAVAILABLE, format!("{reason}\n")).into_response(),
    }
}

async fn render_metrics(State(shared): State<Shared>) -> Response {
    (
        [(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)],
        shared.metrics.render(),
    )
        .into_response()
}

/// Accepts connections until `stop` fires (or its sender is dropped), then shuts the open
/// connections down gracefully.
async fn accept(listener: TcpListener, router: Router, mut stop: oneshot::Receiver<()>) {
    let (closing, closing_rx) = watch::channel(false);
    // Connections live in the set: when this task ends or is aborted, they end too.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(stream, router.clone(), closing_rx.clone()));
                }
                Err(error) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(%error, "monitor: cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let _ = closing.send(true);
    let drained = async { while connections.join_next().await.is_some() {} };
    // Past the grace period, dropping the set closes what is left.
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, drained).await;
}

/// Serves one connection until it ends or `closing` turns true; then finishes the request in
/// flight, if any, and closes.
async fn connection(stream: TcpStream, router: Router, mut closing: watch::Receiver<bool>) {
    let conn = hyper::server::conn::http1::Builder::new()
        // The timer enables hyper's default 30 s limit on reading a request's headers.
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(router));
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = closing.wait_for(|&closing| closing) => conn.as_mut().graceful_shutdown(),
    }
    // The connection's end, an error included, needs no handling.
    let _ = conn.await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_is_ok_when_fresh_and_stale_after_the_limit() {
        let health = Health::new(Duration::from_secs(3600));
        assert_eq!(health.check(), Ok(()));
        let health = Health::new(Duration::ZERO);
        let reason = health.check().unwrap_err();
        assert!(reason.starts_with("no loop turn for "), "{reason}");
    }

    #[test]
    fn a_problem_is_reported_on_one_line_and_cleared() {
        let health = Health::new(Duration::from_secs(3600));
        health.set_problem(Some("the ledger cannot write:\n  disk full".to_owned()));
        assert_eq!(
            health.check(),
            Err("the ledger cannot write: disk full".to_owned())
        );
        health.set_problem(None);
        assert_eq!(health.check(), Ok(()));
    }

    #[test]
    fn problem_and_staleness_are_both_named() {
        let health = Health::new(Duration::ZERO);
        health.set_problem(Some("ledger failing".to_owned()));
        let reason = health.check().unwrap_err();
        assert!(
            reason.starts_with("ledger failing; no loop turn for "),
            "{reason}"
        );
    }

    #[tokio::test]
    async fn loopback_addresses_are_accepted_and_others_refused() {
        let m = Arc::new(Metrics::new());
        let h = Arc::new(Health::new(Duration::from_secs(60)));
        for refused in ["0.0.0.0:0", "[::]:0", "192.0.2.1:9000"] {
            let addr: SocketAddr = refused.parse().unwrap();
            let err = serve(addr, m.clone(), h.clone()).await.unwrap_err();
            assert!(
                matches!(err, MonitorError::NotLoopback(a) if a == addr),
                "{err}"
            );
        }
        let monitor = serve("127.0.0.1:0".parse().unwrap(), m, h).await.unwrap();
        assert!(monitor.addr.ip().is_loopback());
        assert_ne!(monitor.addr.port(), 0);
        monitor.shutdown().await;
    }
}
