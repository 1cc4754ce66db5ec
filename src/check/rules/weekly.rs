//! `three-per-week` and `variety`: the rhythm of every official page, week by week.
//!
//! For every page of every required organization and every ISO week from the current week (or
//! `--from`) to the organization's last planned week, and at least through the weeks the registry
//! requires to be planned ahead (capped by `--to`), count the publications. Drafts only soften
//! the finding to a warning.

use std::collections::HashMap;

use crate::check::rules::{Orgs, PostSummary};
use crate::plan::diagnostic::{Diagnostic, Rule, Severity};
use crate::plan::network::Network;
use crate::plan::registry::Registry;
use crate::plan::time::IsoWeek;
use crate::t;

/// The weeks to judge.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// First week (the current one, or `--from`).
    pub from: IsoWeek,
    /// The week `weeks_ahead` after the current one: always judged.
    pub ahead: IsoWeek,
    /// `--to`, if given: nothing later is judged, and everything up to it is.
    pub to: Option<IsoWeek>,
}

#[derive(Default, Clone, Copy)]
struct Tally {
    counted: u32,
    drafts: u32,
    rich: bool,
}

/// Runs the weekly rules over the summaries of every post; `orgs` numbers their organizations.
pub fn check(
    reg: &Registry,
    posts: &[PostSummary],
    orgs: &Orgs,
    window: Window,
) -> Vec<Diagnostic> {
    let mut tally: HashMap<(u32, Network, IsoWeek), Tally> = HashMap::new();
    let mut last: HashMap<u32, IsoWeek> = HashMap::new();
    for p in posts {
        for net in p.networks() {
            let t = tally.entry((p.org, net, p.week)).or_default();
            if p.counts {
                t.counted += 1;
            } else {
                t.drafts += 1;
            }
            t.rich |= p.rich && p.counts;
        }
        let l = last.entry(p.org).or_insert(p.week);
        *l = (*l).max(p.week);
    }
    let min = reg.rules.min_posts_per_week;
    let mut out = Vec::new();
    for org in reg.organizations.iter().filter(|o| o.required) {
        let id = org.id.value.as_str();
        let num = orgs.get(id);
        let end = match window.to {
            Some(to) => to,
            None => num
                .and_then(|n| last.get(&n))
                .copied()
                .unwrap_or(window.ahead)
                .max(window.ahead),
        };
        for (&net, page) in &org.pages {
            for week in window.from.through(end) {
                let t = num
                    .and_then(|n| tally.get(&(n, net, week)))
                    .copied()
                    .unwrap_or_default();
                let base = |rule: Rule, msg: String| {
                    Diagnostic::new(rule, &reg.file, page.pos, msg)
                        .org(id)
                        .network(net)
                        .week(week)
                };
                if t.counted < min {
                    let missing = min - t.counted;
                    let (org_name, net_name) = (org.name.value.as_str(), net.display_name());
                    let (week_label, span) = (week.to_string(), week.span_label());
                    let (severity, msg, hint) = if t.counted + t.drafts >= min {
                        (
                            Severity::Warning,
                            t!(
                                "three-per-week-missing-drafts",
                                org = org_name,
                                counted = t.counted,
                                min = min,
                                net = net_name,
                                week = week_label.as_str(),
                                span = span.as_str(),
                                missing = missing,
                                drafts = t.drafts
                            ),
                            t!("three-per-week-drafts-hint"),
                        )
                    } else {
                        (
                            Severity::Error,
                            t!(
                                "three-per-week-missing",
                                org = org_name,
                                counted = t.counted,
                                min = min,
                                net = net_name,
                                week = week_label.as_str(),
                                span = span.as_str(),
                                missing = missing
                            ),
                            t!(
                                "three-per-week-missing-hint",
                                missing = missing,
                                span = span.as_str(),
                                org = id
                            ),
                        )
                    };
                    out.push(base(Rule::ThreePerWeek, msg).hint(hint).severity(severity));
                }
                if t.counted > 0 && !t.rich {
                    out.push(
                        base(
                            Rule::Variety,
                            t!(
                                "variety-plain-only",
                                org = org.name.value.as_str(),
                                net = net.display_name(),
                                week = week.to_string(),
                                span = week.span_label()
                            ),
                        )
                        .hint(t!("variety-plain-only-hint")),
                    );
                }
            }
        }
    }
    out
}
