//! How to reach each network: its API base URL and the secrets it takes. The configuration
//! builds these, the sandbox hands out its test ones, and the publisher builds its clients from
//! them.

use crate::networks::Secret;

/// How to reach one network.
#[derive(Clone)]
pub enum Credentials {
    /// Telegram: one bot, admin of every channel.
    Telegram {
        /// API base URL.
        base_url: String,
        /// Bot token.
        token: Secret,
    },
    /// VK: one user token of an administrator of every community.
    Vk {
        /// API base URL.
        base_url: String,
        /// User token.
        token: Secret,
    },
    /// OK: one application and one user token.
    Ok {
        /// API base URL.
        base_url: String,
        /// Public application key.
        application_key: String,
        /// Application secret key.
        application_secret_key: Secret,
        /// User token.
        token: Secret,
    },
}
