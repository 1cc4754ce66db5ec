//! Turns on the networks' tokens. A token's rate limits are the network's, whatever the number
//! of processes using it, and each process's [`Limiter`](crate::networks::Limiter) counts only
//! its own requests: so on a ledger several daemons share, each token is used by one daemon at
//! a time. [`Turns`] asks the ledger for this daemon's turns ([`Ledger::hold_tokens`]) every
//! few seconds and tells the publisher's clients which tokens are theirs
//! ([`Publisher::hold`](crate::publish::Publisher::hold)); the clients refuse every request through a token held elsewhere, so
//! uploads ahead, moderation, the audit and Telegram's update poller follow the turn as
//! publishing does. The ledger leaves out the rows of the other tokens, and marks a row
//! `sending` only while its token's turn lives.
//!
//! A token's work is bound by the network's limit, not by vestnik: one daemon per token loses
//! nothing of it. The daemons alive share the tokens out evenly; one that dies leaves its
//! tokens to the others when its turn ends (at most a minute), one that stops gives them back
//! at once. A ledger of one publisher (SQLite) holds every token for good.

use std::time::{Duration, Instant};

use crate::plan::network::Network;
use crate::publish::ledger::{Ledger, LedgerError};

/// This daemon's turns on the tokens of its configured networks.
#[derive(Debug)]
pub struct Turns {
    /// The networks configured here (each with one token).
    networks: Vec<Network>,
    /// Those whose token this daemon holds now.
    held: Vec<Network>,
    /// When to renew; `None`: now.
    next: Option<Instant>,
    /// Held for good (a ledger of one publisher).
    forever: bool,
}

impl Turns {
    /// No turn yet on the tokens of `networks`.
    pub fn new(networks: Vec<Network>) -> Turns {
        Turns {
            networks,
            held: Vec::new(),
            next: None,
            forever: false,
        }
    }

    /// Whether the turns are to be renewed now.
    pub fn due(&self) -> bool {
        !self.forever && self.next.is_none_or(|at| Instant::now() >= at)
    }

    /// How long until the turns are to be renewed (`None`: never).
    pub fn renew_in(&self) -> Option<Duration> {
        if self.forever {
            return None;
        }
        Some(self.next.map_or(Duration::ZERO, |at| {
            at.saturating_duration_since(Instant::now())
        }))
    }

    /// The networks whose token this daemon holds.
    pub fn held(&self) -> &[Network] {
        &self.held
    }

    /// Takes or renews the turns in `ledger` and tells `hold` the networks whose token is
    /// held now, the first time and whenever they change (the publisher's
    /// [`Publisher::hold`](crate::publish::Publisher::hold)). A change is logged.
    ///
    /// Fails when the ledger fails; the clients then keep what they had until the turn ends
    /// in the database, where `sending` needs a live turn anyway.
    pub fn renew(
        &mut self,
        ledger: &mut dyn Ledger,
        hold: impl FnOnce(&[Network]),
    ) -> Result<(), LedgerError> {
        let names: Vec<&str> = self.networks.iter().map(|n| n.key()).collect();
        let holding = ledger.hold_tokens(&names)?;
        let held: Vec<Network> = self
            .networks
            .iter()
            .copied()
            .filter(|n| holding.held.iter().any(|h| h == n.key()))
            .collect();
        let first = self.next.is_none() && !self.forever;
        match holding.renew_in {
            Some(every) => self.next = Some(Instant::now() + every),
            None => self.forever = true,
        }
        if first || held != self.held {
            hold(&held);
        }
        if held != self.held && !self.forever {
            let keys: Vec<&str> = held.iter().map(|n| n.key()).collect();
            tracing::info!(tokens = %keys.join(","), "tokens held by this daemon");
        }
        self.held = held;
        Ok(())
    }

    /// Gives the tokens back (the daemon stops), for another daemon to take after the gap;
    /// `hold` is told that none is held any more.
    pub fn give_back(&mut self, ledger: &mut dyn Ledger, hold: impl FnOnce(&[Network])) {
        if self.forever || self.held.is_empty() {
            return;
        }
        hold(&[]);
        self.held.clear();
        if let Err(e) = ledger.release_tokens() {
            tracing::warn!(error = %e, "tokens not given back; another daemon takes them when the turn ends");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::publish::ledger::postgres::PostgresLedger;
    use crate::publish::ledger::postgres::testing::TestDatabase;
    use crate::publish::ledger::sqlite::SqliteLedger;

    /// What the clients were told, call by call.
    type Told = RefCell<Vec<Vec<Network>>>;

    fn tell(log: &Told, held: &[Network]) {
        log.borrow_mut().push(held.to_vec());
    }

    #[test]
    fn a_ledger_of_one_publisher_holds_every_token_for_good() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = SqliteLedger::open(&dir.path().join("l.sqlite")).unwrap();
        let mut turns = Turns::new(Network::ALL.to_vec());
        let log = Told::default();
        assert!(turns.due());
        turns.renew(&mut ledger, |h| tell(&log, h)).unwrap();
        assert_eq!(*log.borrow(), [Network::ALL.to_vec()]);
        assert!(!turns.due(), "never renewed again");
        assert_eq!(turns.renew_in(), None);
        // Stopping gives nothing back: no other daemon could take it.
        turns.give_back(&mut ledger, |h| tell(&log, h));
        assert_eq!(log.borrow().len(), 1);
        assert_eq!(turns.held(), Network::ALL);
    }

    #[test]
    fn a_daemon_that_gets_no_token_is_told_so_and_then_each_change() {
        let Some(db) = TestDatabase::new() else {
            return;
        };
        let mut first = PostgresLedger::open(&db.url).unwrap();
        let mut second = PostgresLedger::open(&db.url).unwrap();
        let (mut one, mut two) = (
            Turns::new(Network::ALL.to_vec()),
            Turns::new(Network::ALL.to_vec()),
        );
        let (log_one, log_two) = (Told::default(), Told::default());
        one.renew(&mut first, |h| tell(&log_one, h)).unwrap();
        assert_eq!(one.held().len(), 3);
        // Nothing free: the clients must still hear it (they hold every token until told).
        two.renew(&mut second, |h| tell(&log_two, h)).unwrap();
        assert_eq!(*log_two.borrow(), [Vec::<Network>::new()]);
        let renew = two.renew_in().unwrap();
        assert!(
            renew > Duration::ZERO && renew <= Duration::from_secs(20),
            "{renew:?}"
        );
        // The same again: not told twice.
        two.renew(&mut second, |h| tell(&log_two, h)).unwrap();
        assert_eq!(log_two.borrow().len(), 1);
        // The first gives back what is beyond its share, and is told.
        one.renew(&mut first, |h| tell(&log_one, h)).unwrap();
        assert_eq!(log_one.borrow().len(), 2);
        assert_eq!(one.held().len(), 2);
        // Stopping: the clients hold nothing, and the other may take them after the gap.
        one.give_back(&mut first, |h| tell(&log_one, h));
        assert_eq!(log_one.borrow().last().unwrap(), &Vec::<Network>::new());
        assert!(one.held().is_empty());
    }
}
