//! The daemon's metrics (work in progress).
