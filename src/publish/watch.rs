//! New responsibles on the branch: after each content sync, the registry at the checkout's
//! commit is compared with the registry at the last commit looked at, and every replaced
//! responsible becomes one alert to the МЦУ chat, the notice to ЦУР ([`alert::responsible`]).
//!
//! The last commit looked at is remembered in the ledger ([`Ledger::meta`] under
//! [`RegistryWatch::key`]), so a change made while the daemon was down is noticed at the next
//! start, and a restart sends nothing again (an alert raised twice after a crash between raising
//! and remembering is sent once: its id). The first start ever only remembers.
//!
//! A registry that does not parse at the new commit is skipped with a warning (once per
//! commit): the last good commit stays the base, so the change is noticed when the registry is
//! fixed, and publishing goes on from the last good read as always. A registry that cannot be
//! read or parsed at the remembered commit (the branch was rewritten and the checkout cloned
//! again) is a warning, and the new commit becomes the base.
//!
//! The git reads are subprocesses of the sync job, run after the sync has released the work tree;
//! the loop only takes what was found ([`RegistryWatch::take`]), raises it and remembers the
//! commit: two small writes, so publications never wait for git.
//!
//! [`Ledger::meta`]: crate::publish::ledger::Ledger::meta

use std::sync::Arc;

use crate::plan::diagnostic::Severity;
use crate::plan::registry::{REGISTRY_PATH, Registry};
use crate::publish::alert;
use crate::publish::git::GitSource;
use crate::publish::ledger::Alert;

/// What looks found since the loop last took it: the alerts to raise, then the commit to
/// remember.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// One alert per new responsible.
    pub alerts: Vec<Alert>,
    /// The commit the registry was last looked at (full hex id).
    pub commit: String,
}

/// The commits a watch knows.
struct Seen {
    /// The base: the last commit whose registry was read (`None`: nothing is known yet).
    base: Option<String>,
    /// A commit whose registry does not parse, already warned about.
    skipped: Option<String>,
}

/// The registry of a [`GitSource`], watched for new responsibles.
pub struct RegistryWatch {
    git: Arc<GitSource>,
    seen: tokio::sync::Mutex<Seen>,
    found: std::sync::Mutex<Option<Found>>,
}

/// What comparing the registry at the base with the registry at a new commit decides.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// The new registry cannot be read or does not parse (why): the base stays.
    Skip(String),
    /// The new commit becomes the base; these alerts are raised. `lost_base` says why the base's
    /// registry could not be compared, when it could not.
    Advance {
        alerts: Vec<Alert>,
        lost_base: Option<String>,
    },
}

/// The registry in `text`, or why it cannot be used: the YAML is malformed, or it has an error
/// (an organization or a responsible misread would look like a replaced responsible).
fn parse(text: &str) -> Result<Registry, String> {
    let (reg, diags) = Registry::parse(text, REGISTRY_PATH);
    match diags.iter().find(|d| d.severity == Severity::Error) {
        None if reg.usable => Ok(reg),
        Some(d) => Err(format!("{}:{}: {}", d.pos.line, d.pos.column, d.message)),
        None => Err(diags.first().map(|d| d.message.clone()).unwrap_or_default()),
    }
}

/// Compares the registry's text at the base (`None`: there is no base) with its text at the new
/// commit; each is the text or why it cannot be read.
fn compare(old: Option<Result<String, String>>, new: Result<String, String>) -> Verdict {
    let new_text = match new {
        Ok(t) => t,
        Err(why) => return Verdict::Skip(why),
    };
    if let Some(Ok(old)) = &old
        && *old == new_text
    {
        return Verdict::Advance {
            alerts: Vec::new(),
            lost_base: None,
        };
    }
    let new = match parse(&new_text) {
        Ok(reg) => reg,
        Err(why) => return Verdict::Skip(why),
    };
    match old.map(|old| old.and_then(|t| parse(&t))) {
        None => Verdict::Advance {
            alerts: Vec::new(),
            lost_base: None,
        },
        Some(Ok(old)) => Verdict::Advance {
            alerts: alert::responsibles(&old, &new),
            lost_base: None,
        },
        Some(Err(why)) => Verdict::Advance {
            alerts: Vec::new(),
            lost_base: Some(why),
        },
    }
}

impl RegistryWatch {
    /// A watch of `git`'s registry from the `remembered` commit (from the ledger; `None` on the
    /// first start ever).
    pub fn new(git: Arc<GitSource>, remembered: Option<String>) -> RegistryWatch {
        RegistryWatch {
            git,
            seen: tokio::sync::Mutex::new(Seen {
                base: remembered,
                skipped: None,
            }),
            found: std::sync::Mutex::new(None),
        }
    }

    /// The ledger key the base commit is remembered under: one per branch, so a daemon moved
    /// to another branch starts afresh instead of telling the difference between branches.
    pub fn key(&self) -> String {
        key(self.git.branch())
    }

    /// Compares the registry at the checkout's commit with the one at the base, and keeps what
    /// it found for [`RegistryWatch::take`]. Returns whether there is something to take. Git
    /// failing, or a registry that cannot be read, is a warning in the log, never an error.
    pub async fn look(&self) -> bool {
        // One look at a time; the commit is read under the lock, so looks never go backwards.
        let mut seen = self.seen.lock().await;
        let head = match self.git.head().await {
            Ok(Some(head)) => head,
            Ok(None) => return false,
            Err(e) => {
                tracing::warn!(error = %e, "the registry cannot be looked at for new responsibles");
                return false;
            }
        };
        if seen.base.as_deref() == Some(head.as_str())
            || seen.skipped.as_deref() == Some(head.as_str())
        {
            return false;
        }
        let old = match &seen.base {
            Some(base) => Some(
                self.git
                    .file_at(base, REGISTRY_PATH)
                    .await
                    .map_err(|e| e.to_string()),
            ),
            None => None,
        };
        let new = self
            .git
            .file_at(&head, REGISTRY_PATH)
            .await
            .map_err(|e| e.to_string());
        // Parsing and comparing are CPU work: off the runtime's threads, in the process's
        // language (the notices are texts people read).
        let lang = crate::locale::current();
        let verdict = match tokio::task::spawn_blocking(move || {
            crate::locale::with(lang, || compare(old, new))
        })
        .await
        {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "comparing the registry's versions failed");
                return false;
            }
        };
        match verdict {
            Verdict::Skip(problem) => {
                tracing::warn!(
                    commit = %head,
                    problem = %problem,
                    "the registry at the new commit cannot be read; new responsibles are looked for again when it is fixed"
                );
                seen.skipped = Some(head);
                false
            }
            Verdict::Advance { alerts, lost_base } => {
                match (&seen.base, lost_base) {
                    (Some(base), Some(problem)) => tracing::warn!(
                        base = %base,
                        commit = %head,
                        problem = %problem,
                        "the registry at the last commit looked at cannot be read (was the branch rewritten?); a new responsible since then is not noticed"
                    ),
                    (None, _) => tracing::info!(
                        commit = %head,
                        "the registry's commit is remembered; new responsibles are told from the next change on"
                    ),
                    _ => {}
                }
                for a in &alerts {
                    tracing::info!(alert = %a.id, "a new responsible in the registry: an alert asks the MCU to tell the regional centre");
                }
                seen.base = Some(head.clone());
                seen.skipped = None;
                let mut found = self
                    .found
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let f = found.get_or_insert_with(Found::default);
                f.alerts.extend(alerts);
                f.commit = head;
                true
            }
        }
    }

    /// What the looks found since the last take, if anything: the loop raises the alerts, then
    /// remembers the commit.
    pub fn take(&self) -> Option<Found> {
        self.found
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }
}

/// The ledger key of the base commit for `branch`.
pub fn key(branch: &str) -> String {
    format!("registry_commit/{branch}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(responsible: &str) -> String {
        format!(
            "organizations:\n  - id: school\n    name: Школа\n    required: true\n    responsible: {responsible}\n    pages:\n      vk: {{id: 1}}\n"
        )
    }

    fn ok(text: &str) -> Result<String, String> {
        Ok(text.to_owned())
    }

    fn alerts(v: &Verdict) -> usize {
        match v {
            Verdict::Advance {
                alerts,
                lost_base: None,
            } => alerts.len(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_replaced_responsible_is_alerted_and_the_commit_advances() {
        let a = registry("{name: Иванова Анна}");
        let b = registry("{name: Петров Олег}");
        assert_eq!(alerts(&compare(Some(ok(&a)), ok(&b))), 1);
        // The same text, or new contacts of the same person: nothing to tell.
        assert_eq!(alerts(&compare(Some(ok(&a)), ok(&a))), 0);
        let a2 = registry("{name: Иванова Анна, phone: '+7 900 000-00-01'}");
        assert_eq!(alerts(&compare(Some(ok(&a)), ok(&a2))), 0);
        // No base: the first look only remembers.
        assert_eq!(alerts(&compare(None, ok(&b))), 0);
    }

    /// A new registry that does not parse (malformed YAML, or an error in it) keeps the base;
    /// one at the base that cannot be read or parsed gives way to the new one.
    #[test]
    fn a_broken_registry_is_skipped_and_a_lost_base_gives_way() {
        let a = registry("{name: Иванова Анна}");
        let b = registry("{name: Петров Олег}");
        for broken in [
            "organizations: [".to_owned(),
            registry("[Петров Олег]"),
            "organizations:\n  - name: Без id\n".to_owned(),
        ] {
            assert!(
                matches!(compare(Some(ok(&a)), ok(&broken)), Verdict::Skip(_)),
                "{broken}"
            );
            assert!(matches!(
                compare(Some(ok(&broken)), ok(&b)),
                Verdict::Advance {
                    ref alerts,
                    lost_base: Some(_)
                } if alerts.is_empty()
            ));
        }
        assert_eq!(
            compare(Some(ok(&a)), Err("no such file".into())),
            Verdict::Skip("no such file".into())
        );
        assert!(matches!(
            compare(Some(Err("bad object".into())), ok(&b)),
            Verdict::Advance {
                lost_base: Some(_),
                ..
            }
        ));
    }

    #[test]
    fn the_base_is_kept_per_branch() {
        assert_eq!(key("main"), "registry_commit/main");
        assert_ne!(key("main"), key("release"));
    }
}
