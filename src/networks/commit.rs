//! The point of no return of a publication: a hook that a client calls immediately before the
//! first request that can publish leaves (VK's `wall.post`, OK's `mediatopic.post`, Telegram's
//! `send*`), after its rate-limit waits and uploads. The publisher's hook commits `sending` to
//! the ledger there; the waits and uploads before it are safe to repeat, so a crash during them
//! leaves the publication as it was.

/// A hook called by a client immediately before each request that can publish leaves.
///
/// It is called again before each further publishing request of one publication (Telegram's
/// next message of a post, the same request sent again after a token refresh): an
/// implementation records once and then lets the rest through.
pub trait Commit {
    /// Records that a publishing request is about to leave. An error stops the client before
    /// that request: nothing irreversible is sent, and the client returns
    /// [`crate::networks::PublishError::NotCommitted`].
    fn commit(&mut self) -> Result<(), NotCommitted>;
}

/// Why a [`Commit`] hook refused: the publication could not be recorded as being sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the publication could not be recorded as being sent: {reason}")]
pub struct NotCommitted {
    /// What failed.
    pub reason: String,
}

/// No hook: for callers that keep no ledger (tests, tools).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCommit;

impl Commit for NoCommit {
    fn commit(&mut self) -> Result<(), NotCommitted> {
        Ok(())
    }
}

/// A closure is a hook (and so is `&mut` one, for several calls of one publication).
impl<F: FnMut() -> Result<(), NotCommitted>> Commit for F {
    fn commit(&mut self) -> Result<(), NotCommitted> {
        self()
    }
}
