//! What an operator of the daemon watches: Prometheus metrics ([`metrics`]), the monitoring
//! endpoint on loopback with `/healthz` and `/metrics` ([`monitor`]), and the log output
//! ([`logging`]). Publishing counts into these; nothing here publishes.

pub mod logging;
pub mod metrics;
pub mod monitor;
