//! `three-per-week` and `variety`: the rhythm of every official page, week by week.
//!
//! For every page of every required organization and every ISO week from the current week (or
//! `--from`) to the organization's last planned week, and at least through the weeks the registry
//! requires to be planned ahead (capped by `--to`), count the publications. Drafts only soften
//! the finding to a warning.

use std::collections::HashMap;

use crate::check::rules::PostSummary;
use crate::plan::diagnostic::{Diagnostic, Rule, Severity};
use crate::plan::network::Network;
use crate::plan::registry::Registry;
use crate::plan::time::IsoWeek;

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

/// Runs the weekly rules over the summaries of every post.
pub fn check(reg: &Registry, posts: &[PostSummary], window: Window) -> Vec<Diagnostic> {
    let mut tally: HashMap<(&str, Network, IsoWeek), Tally> = HashMap::new();
    let mut last: HashMap<&str, IsoWeek> = HashMap::new();
    for p in posts {
        for &net in &p.networks {
            let t = tally.entry((p.org.as_str(), net, p.week)).or_default();
            if p.counts {
                t.counted += 1;
            } else {
                t.drafts += 1;
            }
            t.rich |= p.rich && p.counts;
        }
        let l = last.entry(p.org.as_str()).or_insert(p.week);
        *l = (*l).max(p.week);
    }
    let min = reg.rules.min_posts_per_week;
    let mut out = Vec::new();
    for org in reg.organizations.iter().filter(|o| o.required) {
        let id = org.id.value.as_str();
        let end = match window.to {
            Some(to) => to,
            None => last
                .get(id)
                .copied()
                .unwrap_or(window.ahead)
                .max(window.ahead),
        };
        for (&net, page) in &org.pages {
            for week in window.from.through(end) {
                let t = tally.get(&(id, net, week)).copied().unwrap_or_default();
                let base = |rule: Rule, msg: String| {
                    Diagnostic::new(rule, &reg.file, page.pos, msg)
                        .org(id)
                        .network(net)
                        .week(week)
                };
                if t.counted < min {
                    let missing = min - t.counted;
                    let mut msg = format!(
                        "«{}» has {} of {min} publications on {net} in {week} ({}); {missing} missing",
                        org.name.value,
                        t.counted,
                        week.span_label()
                    );
                    let (severity, hint) = if t.counted + t.drafts >= min {
                        msg.push_str(&format!(" ({} more planned as drafts)", t.drafts));
                        (
                            Severity::Warning,
                            "finish the drafts of that week and remove `status: draft`".to_owned(),
                        )
                    } else {
                        (
                            Severity::Error,
                            format!(
                                "add {missing} post(s) dated {} under plans/{id}/, or record a publication made elsewhere with `external: Госпаблики`",
                                week.span_label()
                            ),
                        )
                    };
                    out.push(base(Rule::ThreePerWeek, msg).hint(hint).severity(severity));
                }
                if t.counted > 0 && !t.rich {
                    out.push(
                        base(Rule::Variety, format!("«{}» has only plain text posts on {net} in {week} ({})", org.name.value, week.span_label()))
                            .hint("add photos, a card or a poll to one of the week's posts: the decree asks for varied content"),
                    );
                }
            }
        }
    }
    out
}
