//! vestnik: content plans kept in git, validated in CI and published to VK, OK and Telegram.

pub mod diagnostic;
pub mod network;
pub mod plan;
pub mod registry;
pub mod source;
pub mod time;
pub mod yaml;
