//! The loopback HTTP endpoint: /healthz and /metrics (work in progress).
