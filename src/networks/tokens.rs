//! Rotating token pairs, shared by the VK and OK clients.
//!
//! Both networks can hand out an access token together with a refresh token that is exchanged
//! for a new pair when the access token has expired. A new pair is handed to a [`TokenStore`]
//! **before** its access token is used: once the network has answered a refresh, the old
//! refresh token may no longer work, so a pair that is lost is a person's sign-in.
//!
//! [`Rotating`] keeps the current pair, the store and whether the pair still has to be saved.
//! The HTTP request that obtains a new pair is each network's own and stays in its client: the
//! client asks [`Rotating::is_current`] whether the token that failed is still the one in use,
//! fetches a new pair, and hands it to [`Rotating::install`].

use std::sync::Arc;

use crate::networks::Secret;

/// An access token and its refresh token. `Debug` prints `***` for both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPair {
    /// Sent with every call (for OK also part of the signature's secret).
    pub access: Secret,
    /// Exchanged for a new pair when the network says the access token has expired.
    pub refresh: Secret,
}

/// Keeps the current token pair somewhere that outlives the process (a secrets file of mode
/// 600, a vault), so that a restart does not lose it.
pub trait TokenStore: Send + Sync {
    /// Saves `tokens`, replacing the pair saved before.
    ///
    /// Called after the network issued a new pair and before its access token is used: once
    /// the network has answered, the old refresh token may no longer work, so a pair that is
    /// lost is a person's sign-in. An `Err` (a short reason, never the tokens) stops the call
    /// with [`PublishError::Unauthorized`](crate::networks::PublishError::Unauthorized); the
    /// pair is kept in memory and saved again before the next call.
    fn save(&self, tokens: &TokenPair) -> Result<(), String>;
}

/// The pair in use, the store it is saved to, and whether a new pair still waits to be saved.
pub struct Rotating {
    tokens: TokenPair,
    store: Arc<dyn TokenStore>,
    /// A pair the network issued that the store has not taken yet: saved before any use.
    unsaved: bool,
}

impl Rotating {
    /// Starts with `tokens`, which are taken as already saved.
    pub fn new(tokens: TokenPair, store: Arc<dyn TokenStore>) -> Rotating {
        Rotating {
            tokens,
            store,
            unsaved: false,
        }
    }

    /// The pair in use (for a refresh request and for scrubbing errors).
    pub fn tokens(&self) -> &TokenPair {
        &self.tokens
    }

    /// The access token to send, after saving a pair that is still unsaved.
    ///
    /// The `Err` is the store's reason.
    pub fn access_token(&mut self) -> Result<Secret, String> {
        if self.unsaved {
            self.store.save(&self.tokens)?;
            self.unsaved = false;
        }
        Ok(self.tokens.access.clone())
    }

    /// Whether `failed` is still the access token in use; when it is not, another call has
    /// already replaced it and no refresh is needed.
    pub fn is_current(&self, failed: &Secret) -> bool {
        self.tokens.access == *failed
    }

    /// Puts a newly issued pair in place and saves it. On an `Err` (the store's reason) the pair
    /// stays in use and is saved again by the next [`Rotating::access_token`].
    pub fn install(&mut self, new: TokenPair) -> Result<(), String> {
        self.tokens = new;
        self.unsaved = true;
        self.store.save(&self.tokens)?;
        self.unsaved = false;
        Ok(())
    }
}
