//! vestnik: content plans kept in git, validated in CI and published to VK, OK and Telegram.
//!
//! The library holds everything; the `vestnik` binary is a thin command line over it. Modules
//! are named by their domain noun: the plan model ([`plan`], [`registry`], [`time`]), the checks
//! ([`check`], [`rules`], [`style`], [`secret`], [`media`]), rendering ([`render`]) and output
//! ([`report`]).

pub mod alert;
pub mod check;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod diagnostic;
pub mod git;
pub mod ledger;
pub mod logging;
pub mod media;
pub mod metrics;
pub mod monitor;
pub mod network;
pub mod networks;
pub mod plan;
pub mod preview;
pub mod publish;
pub mod registry;
pub mod render;
pub mod repo;
pub mod report;
pub mod rules;
pub mod sandbox;
pub mod secret;
pub mod source;
pub mod style;
pub mod time;
pub mod yaml;
