//! `vestnik run`: the long-running publisher. It repeats the publishing pass at each deadline:
//! it sleeps until the earliest due publication in the ledger (or the next re-read of the plans,
//! whichever is sooner), so nothing is polled post by post, and a post added to the plans is
//! picked up at the next re-read. SIGTERM or Ctrl-C stop it between passes, never between a
//! `sending` row and its outcome.
//!
//! Not here yet (see issue 5): git fetch of the content repository, alerts to the МЦУ chat,
//! metrics and health endpoints, recurring jobs with tokio-cron-scheduler.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::ledger::Ledger;
use crate::publish::{self, PassError, PassReport, Settings};

/// What the loop needs besides the pass settings.
pub struct Schedule {
    /// How often the plans are re-read even when nothing is due.
    pub reload: Duration,
}

/// How long to sleep after a pass: until the earliest due publication, at most `reload`, never
/// negative.
pub fn next_wake(next_due: Option<Timestamp>, now: Timestamp, reload: Duration) -> Duration {
    let reload = SignedDuration::try_from(reload).unwrap_or(SignedDuration::from_mins(1));
    let wait = next_due.map_or(reload, |due| due.duration_since(now).min(reload));
    Duration::try_from(wait.max(SignedDuration::ZERO)).unwrap_or(Duration::ZERO)
}

/// Runs passes until `stop` resolves. `report` is called after each pass.
///
/// Fails when a pass cannot run at all (the registry unreadable, the ledger failing).
pub async fn run(
    mut settings: Settings,
    ledger: &mut dyn Ledger,
    schedule: Schedule,
    stop: impl std::future::Future<Output = ()>,
    mut report: impl FnMut(&PassReport),
) -> Result<(), PassError> {
    tokio::pin!(stop);
    loop {
        settings.now = Timestamp::now();
        let r = publish::run_once(&settings, ledger).await?;
        report(&r);
        let wake = next_wake(ledger.next_due()?, Timestamp::now(), schedule.reload);
        tokio::select! {
            () = &mut stop => return Ok(()),
            () = tokio::time::sleep(wake) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wakes_at_the_earliest_deadline_or_the_reload() {
        let now: Timestamp = "2026-12-01T02:00:00Z".parse().unwrap();
        let reload = Duration::from_secs(60);
        assert_eq!(next_wake(None, now, reload), reload);
        assert_eq!(
            next_wake(Some("2026-12-01T02:00:10Z".parse().unwrap()), now, reload),
            Duration::from_secs(10)
        );
        assert_eq!(
            next_wake(Some("2026-12-01T03:00:00Z".parse().unwrap()), now, reload),
            reload
        );
        assert_eq!(
            next_wake(Some("2026-12-01T01:00:00Z".parse().unwrap()), now, reload),
            Duration::ZERO
        );
    }
}
