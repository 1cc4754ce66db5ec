//! Log output of the daemon (work in progress).
