//! vestnik: content plans kept in git, validated in CI and published to VK, OK and Telegram.
//!
//! The library holds everything; the `vestnik` binary is a thin command line over it. The
//! folders read as the data flow, each stage using only the stages below it (ARCHITECTURE.md
//! has the map and the arrows that must never exist):
//!
//! - [`plan`]: the model of a content repository and its parsing: posts, the registry, YAML with
//!   positions, local time, the safe reading of the repository's files, diagnostics.
//! - [`render`]: one parsed post turned into exactly what each network receives (pure).
//! - [`media`]: pictures: where they may live, what they are, adapted per network, cached.
//! - [`check`]: `vestnik check`, the offline validation (the rules, style, token leaks) and the
//!   output formats of its findings.
//! - [`preview`]: `vestnik preview`, what each network will receive for one file.
//! - [`networks`]: the VK, OK and Telegram clients (no scheduling, retries or state), their rate
//!   limits, and local emulators of the three APIs (the sandbox).
//! - [`ops`]: what an operator watches: metrics, the monitoring endpoint, logs.
//! - [`publish`]: publishing: the pass, the ledger (the queue and the memory of publications),
//!   the daemon, alerts, and the content repository synced from git.
//! - [`report`]: `vestnik report`, the МЦУ's view of compliance: plans, registry and ledger per
//!   organization, page and week, as HTML, XLSX, CSV or JSON.
//! - [`init`]: `vestnik init`, a new content repository from templates (registry, an example
//!   post, CI files).
//! - [`cli`]: the command line: flags and the configuration file resolved into settings, one
//!   file per command.

pub mod audit;
pub mod calendar;
pub mod check;
pub mod cli;
pub mod init;
pub mod locale;
pub mod media;
pub mod moderation;
pub mod networks;
pub mod ops;
pub mod plan;
pub mod preview;
pub mod publish;
pub mod render;
pub mod report;
pub mod site;
