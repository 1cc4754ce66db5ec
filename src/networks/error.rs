//! The typed outcome of a failed call to a network, shared by every client, and the mapping of
//! transport failures (reqwest errors) onto it.

use std::error::Error as _;
use std::time::Duration;

/// Why a call to a network did not succeed, in the terms the scheduler acts on.
///
/// The variants answer one question each: may we send again, when, and could the first attempt
/// already have been applied? Reasons are short human-readable texts from the network or the
/// transport; they never contain a URL or a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// The network asked us to slow down. Nothing was applied; the same call may be sent again
    /// after `after`.
    #[error("rate limited by the network: retry after {} s", .after.as_secs())]
    RateLimited {
        /// How long to wait before the next call (Telegram's `retry_after`).
        after: Duration,
    },
    /// The token was refused (expired, revoked, or lacks the right to post here). Nothing was
    /// applied; a person has to fix the token or the page's rights.
    #[error("the network refused the token: {reason}")]
    Unauthorized {
        /// The network's words.
        reason: String,
    },
    /// The network refused the content or the request (bad markup, over a limit, unknown chat).
    /// Nothing was applied and sending it again will fail the same way.
    #[error("the network rejected the request: {reason}")]
    Rejected {
        /// The network's words.
        reason: String,
    },
    /// A temporary failure that did not apply the request: a 5xx answer, or a connection that
    /// failed before the request was sent. Sending again is safe.
    #[error("temporary failure, nothing was published: {reason}")]
    Transient {
        /// What failed.
        reason: String,
    },
    /// The caller's [`crate::networks::Commit`] hook refused just before the publishing request
    /// (the ledger could not record it as being sent): that request was not sent, so nothing was
    /// published. Uploads before it may have been made (they are invisible).
    #[error("not sent: {reason}")]
    NotCommitted {
        /// Why the hook refused.
        reason: String,
    },
    /// The request was sent but no usable answer came (a timeout while waiting, a connection
    /// closed after sending, an answer that cannot be read). The post may be published; sending
    /// again may publish it twice.
    #[error("no answer from the network, the request may have been applied: {reason}")]
    Unknown {
        /// What happened.
        reason: String,
    },
}

impl PublishError {
    /// Whether the request may have been applied although it failed (only [`Self::Unknown`]).
    pub fn may_have_been_applied(&self) -> bool {
        matches!(self, PublishError::Unknown { .. })
    }

    /// The wait the network asked for, for [`Self::RateLimited`].
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            PublishError::RateLimited { after } => Some(*after),
            _ => None,
        }
    }

    /// The same error with every occurrence of `secret` in its reason replaced by `***`: a last
    /// guard so that no token reaches a log line through an error text.
    pub fn redacted(self, secret: &str) -> PublishError {
        if secret.is_empty() {
            return self;
        }
        let clean = |reason: String| {
            if reason.contains(secret) {
                reason.replace(secret, "***")
            } else {
                reason
            }
        };
        match self {
            PublishError::RateLimited { after } => PublishError::RateLimited { after },
            PublishError::Unauthorized { reason } => PublishError::Unauthorized {
                reason: clean(reason),
            },
            PublishError::Rejected { reason } => PublishError::Rejected {
                reason: clean(reason),
            },
            PublishError::Transient { reason } => PublishError::Transient {
                reason: clean(reason),
            },
            PublishError::Unknown { reason } => PublishError::Unknown {
                reason: clean(reason),
            },
            PublishError::NotCommitted { reason } => PublishError::NotCommitted {
                reason: clean(reason),
            },
        }
    }
}

/// Why a client could not be built from its configuration (before any request is made).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct ConfigError {
    /// What is wrong, in plain words; never the secret itself.
    pub reason: String,
}

/// Classifies a transport failure of reqwest into a [`PublishError`].
///
/// The URL is removed first (`without_url`): Telegram has the bot token in the path, and
/// reqwest's `Display` prints the URL. The reason lists the error and its sources.
///
/// - a failure to connect (refused, DNS, TLS handshake, connect timeout) happened before the
///   request was sent: [`PublishError::Transient`];
/// - a request that could not be built never left: [`PublishError::Rejected`] (a bug or a bad
///   configuration; sending it again fails the same way);
/// - everything else — a timeout while waiting for the answer, a connection closed or reset
///   after sending, a body that cannot be read — may have been applied:
///   [`PublishError::Unknown`].
pub fn classify_transport(err: reqwest::Error) -> PublishError {
    let err = err.without_url();
    let reason = describe(&err);
    if err.is_connect() {
        PublishError::Transient { reason }
    } else if err.is_builder() {
        PublishError::Rejected { reason }
    } else {
        PublishError::Unknown { reason }
    }
}

/// The error and its chain of sources, `: `-separated, without repeating a message its source
/// already says.
fn describe(err: &reqwest::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !text.is_empty() && !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    if err.is_timeout() && !out.contains("timed out") {
        out.push_str(" (timed out)");
    }
    out
}

impl From<crate::networks::NotCommitted> for PublishError {
    fn from(e: crate::networks::NotCommitted) -> PublishError {
        PublishError::NotCommitted { reason: e.reason }
    }
}
