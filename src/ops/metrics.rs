//! The daemon's metrics, rendered in the Prometheus text exposition format 0.0.4 for the
//! monitor's `GET /metrics`.
//!
//! Written by hand rather than with the `metrics` or `prometheus` crates: a handful of counters,
//! three gauges and one histogram do not justify two more dependencies, and the text format is
//! a few lines of `format!`. Every series of every network is present from the start (at zero),
//! so a dashboard or an alert sees a 0 rather than a missing series.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::plan::network::Network;

/// Upper bounds of the lateness histogram's buckets, in seconds (`+Inf` is implied).
const LATENESS_BUCKETS: [f64; 10] = [0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0];

/// The daemon's counters, gauges and lateness histogram. Thread-safe; shared as
/// `Arc<Metrics>` between the publishing loop and the monitor.
#[derive(Debug)]
pub struct Metrics {
    /// Per-network series, indexed by [`slot`].
    networks: [PerNetwork; 3],
    broken_plan_files: AtomicU64,
    /// Milliseconds since the Unix epoch of the last finished pass; 0 before the first.
    last_pass_ms: AtomicI64,
}

#[derive(Debug, Default)]
struct PerNetwork {
    published: AtomicU64,
    failed: AtomicU64,
    uncertain: AtomicU64,
    missed: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    queue_depth: AtomicU64,
    /// Comments moderation acted on, by category and action (`deleted`, `reported`).
    moderated: Mutex<std::collections::BTreeMap<(String, &'static str), u64>>,
    /// Behind a lock so that a render never sees a count that disagrees with the buckets.
    lateness: Mutex<Histogram>,
}

#[derive(Debug, Default, Clone)]
struct Histogram {
    /// Observations per bucket (not cumulative); the last one is `+Inf`.
    buckets: [u64; LATENESS_BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, value: f64) {
        let i = LATENESS_BUCKETS
            .iter()
            .position(|&le| value <= le)
            .unwrap_or(LATENESS_BUCKETS.len());
        self.buckets[i] += 1;
        self.sum += value;
        self.count += 1;
    }
}

/// A counter family: its name, its help text and where each network's value lives.
type Counter = (&'static str, &'static str, fn(&PerNetwork) -> &AtomicU64);

/// The index of a network in [`Metrics::networks`], in the order of [`Network::ALL`].
const fn slot(network: Network) -> usize {
    match network {
        Network::Vk => 0,
        Network::Ok => 1,
        Network::Telegram => 2,
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    /// All series at zero.
    pub fn new() -> Metrics {
        Metrics {
            networks: Default::default(),
            broken_plan_files: AtomicU64::new(0),
            last_pass_ms: AtomicI64::new(0),
        }
    }

    fn of(&self, network: Network) -> &PerNetwork {
        &self.networks[slot(network)]
    }

    /// Counts a comment moderation acted on: its `category` (`obscene`, `insult`, `spam`) and
    /// what was done (`deleted`, `reported`).
    pub fn moderated(&self, network: Network, category: &str, action: &'static str) {
        *self
            .of(network)
            .moderated
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry((category.to_owned(), action))
            .or_default() += 1;
    }

    /// Counts a publication and records how late it went out against its scheduled time.
    pub fn published(&self, network: Network, lateness: Duration) {
        let n = self.of(network);
        n.published.fetch_add(1, Ordering::Relaxed);
        n.lateness
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .observe(lateness.as_secs_f64());
    }

    /// Counts a publication that failed for good.
    pub fn failed(&self, network: Network) {
        self.of(network).failed.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a publication whose outcome is unknown (no answer; it may have been applied).
    pub fn uncertain(&self, network: Network) {
        self.of(network).uncertain.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a publication given up because its time had passed too long ago.
    pub fn missed(&self, network: Network) {
        self.of(network).missed.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a retried attempt.
    pub fn retried(&self, network: Network) {
        self.of(network).retries.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a rate-limit answer (HTTP 429 or the network's equivalent).
    pub fn rate_limited(&self, network: Network) {
        self.of(network)
            .rate_limited
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Sets how many publications to `network` are scheduled and not yet done.
    pub fn set_queue_depth(&self, network: Network, n: u64) {
        self.of(network).queue_depth.store(n, Ordering::Relaxed);
    }

    /// Sets how many plan files failed to parse in the last pass.
    pub fn set_broken_plan_files(&self, n: u64) {
        self.broken_plan_files.store(n, Ordering::Relaxed);
    }

    /// Records when the last publishing pass finished.
    pub fn pass_finished(&self, at: jiff::Timestamp) {
        self.last_pass_ms
            .store(at.as_millisecond(), Ordering::Relaxed);
    }

    /// Renders every series in the Prometheus text format 0.0.4: `# HELP` and `# TYPE` lines,
    /// then one line per series; the histogram as cumulative `_bucket{le=..}`, `_sum` and
    /// `_count`.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        let counters: [Counter; 6] = [
            (
                "vestnik_published_total",
                "Publications that went out.",
                |n| &n.published,
            ),
            (
                "vestnik_failed_total",
                "Publications that failed for good.",
                |n| &n.failed,
            ),
            (
                "vestnik_uncertain_total",
                "Publications with no answer from the network: they may have been applied.",
                |n| &n.uncertain,
            ),
            (
                "vestnik_missed_total",
                "Publications given up because their time had passed.",
                |n| &n.missed,
            ),
            ("vestnik_retries_total", "Retried attempts.", |n| &n.retries),
            (
                "vestnik_rate_limited_total",
                "Rate-limit answers (HTTP 429) from the network.",
                |n| &n.rate_limited,
            ),
        ];
        for (name, help, field) in counters {
            header(&mut out, name, help, "counter");
            for network in Network::ALL {
                let value = field(self.of(network)).load(Ordering::Relaxed);
                series(&mut out, name, &[("network", network.key())], value);
            }
        }

        let name = "vestnik_moderated_total";
        header(
            &mut out,
            name,
            "Users' comments moderation deleted or reported, by category.",
            "counter",
        );
        for network in Network::ALL {
            let counts = self
                .of(network)
                .moderated
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            for ((category, action), n) in counts {
                let labels = [
                    ("network", network.key()),
                    ("category", category.as_str()),
                    ("action", action),
                ];
                series(&mut out, name, &labels, n);
            }
        }

        let name = "vestnik_queue_depth";
        header(
            &mut out,
            name,
            "Publications scheduled and not yet done.",
            "gauge",
        );
        for network in Network::ALL {
            let value = self.of(network).queue_depth.load(Ordering::Relaxed);
            series(&mut out, name, &[("network", network.key())], value);
        }

        let name = "vestnik_broken_plan_files";
        header(
            &mut out,
            name,
            "Plan files that failed to parse in the last pass.",
            "gauge",
        );
        series(
            &mut out,
            name,
            &[],
            self.broken_plan_files.load(Ordering::Relaxed),
        );

        let name = "vestnik_last_pass_timestamp_seconds";
        header(
            &mut out,
            name,
            "When the last publishing pass finished, in seconds since the Unix epoch (0: none yet).",
            "gauge",
        );
        let ms = self.last_pass_ms.load(Ordering::Relaxed);
        series(&mut out, name, &[], format_args!("{}", ms as f64 / 1000.0));

        let name = "vestnik_publication_lateness_seconds";
        header(
            &mut out,
            name,
            "How late publications went out against their scheduled time.",
            "histogram",
        );
        for network in Network::ALL {
            let h = self
                .of(network)
                .lateness
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            let bucket = format!("{name}_bucket");
            let mut cumulative = 0;
            for (i, count) in h.buckets.iter().enumerate() {
                cumulative += count;
                let le = match LATENESS_BUCKETS.get(i) {
                    Some(le) => le.to_string(),
                    None => "+Inf".to_owned(),
                };
                let labels = [("network", network.key()), ("le", &le)];
                series(&mut out, &bucket, &labels, cumulative);
            }
            let labels = [("network", network.key())];
            series(&mut out, &format!("{name}_sum"), &labels, h.sum);
            series(&mut out, &format!("{name}_count"), &labels, h.count);
        }
        out
    }
}

/// Writes the `# HELP` and `# TYPE` lines of a metric family.
fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let help = help.replace('\\', "\\\\").replace('\n', "\\n");
    // Writing to a String cannot fail.
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// Writes one sample line: `name{label="value",..} value`.
fn series(out: &mut String, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (label, label_value)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{label}=\"{}\"", escape_label_value(label_value));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// Escapes a label value as the text format requires: backslash, double quote and line feed.
fn escape_label_value(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// One sample of the text format: name, labels, value.
    #[derive(Debug, PartialEq)]
    struct Sample {
        name: String,
        labels: BTreeMap<String, String>,
        value: f64,
    }

    /// A parse of the text format 0.0.4 strict enough to catch malformed output: comments must
    /// be `# HELP name text` or `# TYPE name kind`, a family's TYPE comes before its samples,
    /// and every sample belongs to a declared family.
    fn parse(text: &str) -> Vec<Sample> {
        assert!(text.ends_with('\n'), "the exposition ends with a line feed");
        let mut types: BTreeMap<String, String> = BTreeMap::new();
        let mut samples = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# ") {
                let mut parts = rest.splitn(3, ' ');
                let keyword = parts.next().unwrap();
                let name = parts.next().unwrap();
                let arg = parts.next().unwrap();
                assert!(valid_name(name), "bad metric name in {line:?}");
                match keyword {
                    "HELP" => assert!(!arg.is_empty()),
                    "TYPE" => {
                        assert!(
                            ["counter", "gauge", "histogram", "summary", "untyped"].contains(&arg),
                            "bad type in {line:?}"
                        );
                        assert!(types.insert(name.to_owned(), arg.to_owned()).is_none());
                    }
                    _ => panic!("unknown comment {line:?}"),
                }
                continue;
            }
            assert!(
                !line.starts_with('#') && !line.is_empty(),
                "stray line {line:?}"
            );
            let sample = parse_sample(line);
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|suffix| {
                    let base = sample.name.strip_suffix(suffix)?;
                    (types.get(base).map(String::as_str) == Some("histogram")).then_some(base)
                })
                .unwrap_or(&sample.name);
            assert!(types.contains_key(family), "no TYPE before {line:?}");
            samples.push(sample);
        }
        samples
    }

    fn valid_name(name: &str) -> bool {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    }

    fn parse_sample(line: &str) -> Sample {
        let name_end = line.find(['{', ' ']).unwrap();
        let name = &line[..name_end];
        assert!(valid_name(name), "bad name in {line:?}");
        let mut labels = BTreeMap::new();
        let mut rest = &line[name_end..];
        if let Some(inner) = rest.strip_prefix('{') {
            let mut chars = inner.char_indices();
            let mut label = String::new();
            loop {
                let (_, c) = chars.next().unwrap();
                match c {
                    '}' => break,
                    ',' if label.is_empty() => {}
                    '=' => {
                        assert_eq!(chars.next().unwrap().1, '"', "unquoted value in {line:?}");
                        let mut value = String::new();
                        loop {
                            match chars.next().unwrap().1 {
                                '"' => break,
                                '\\' => match chars.next().unwrap().1 {
                                    '\\' => value.push('\\'),
                                    '"' => value.push('"'),
                                    'n' => value.push('\n'),
                                    other => panic!("bad escape \\{other} in {line:?}"),
                                },
                                '\n' => panic!("raw line feed in {line:?}"),
                                c => value.push(c),
                            }
                        }
                        assert!(valid_name(&label), "bad label name in {line:?}");
                        assert!(labels.insert(std::mem::take(&mut label), value).is_none());
                    }
                    c => label.push(c),
                }
            }
            rest = chars.as_str();
        }
        let value = rest.strip_prefix(' ').expect("one space before the value");
        let value = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v
                .parse()
                .unwrap_or_else(|_| panic!("bad value in {line:?}")),
        };
        Sample {
            name: name.to_owned(),
            labels,
            value,
        }
    }

    fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
        let labels: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let found: Vec<_> = samples
            .iter()
            .filter(|s| s.name == name && s.labels == labels)
            .collect();
        assert_eq!(found.len(), 1, "{name} {labels:?}");
        found[0].value
    }

    #[test]
    fn every_series_is_present_at_zero_from_the_start() {
        let samples = parse(&Metrics::new().render());
        for network in Network::ALL {
            let key = network.key();
            for name in [
                "vestnik_published_total",
                "vestnik_failed_total",
                "vestnik_uncertain_total",
                "vestnik_missed_total",
                "vestnik_retries_total",
                "vestnik_rate_limited_total",
                "vestnik_queue_depth",
                "vestnik_publication_lateness_seconds_sum",
                "vestnik_publication_lateness_seconds_count",
            ] {
                assert_eq!(value(&samples, name, &[("network", key)]), 0.0);
            }
            let inf = [("network", key), ("le", "+Inf")];
            assert_eq!(
                value(
                    &samples,
                    "vestnik_publication_lateness_seconds_bucket",
                    &inf
                ),
                0.0
            );
        }
        assert_eq!(value(&samples, "vestnik_broken_plan_files", &[]), 0.0);
        assert_eq!(
            value(&samples, "vestnik_last_pass_timestamp_seconds", &[]),
            0.0
        );
        // 6 counters and 1 gauge per network, 2 plain gauges, 11 buckets + sum + count per network.
        assert_eq!(samples.len(), 7 * 3 + 2 + 13 * 3);
    }

    #[test]
    fn counters_and_gauges_follow_the_calls() {
        let m = Metrics::new();
        m.failed(Network::Vk);
        m.failed(Network::Vk);
        m.uncertain(Network::Ok);
        m.missed(Network::Telegram);
        m.retried(Network::Telegram);
        m.retried(Network::Telegram);
        m.retried(Network::Telegram);
        m.rate_limited(Network::Vk);
        m.published(Network::Ok, Duration::from_millis(300));
        m.set_queue_depth(Network::Ok, 7);
        m.set_queue_depth(Network::Ok, 5);
        m.set_broken_plan_files(2);
        m.pass_finished(jiff::Timestamp::from_millisecond(1_700_000_000_250).unwrap());
        let s = parse(&m.render());
        let vk = [("network", "vk")];
        let ok = [("network", "ok")];
        let tg = [("network", "telegram")];
        assert_eq!(value(&s, "vestnik_failed_total", &vk), 2.0);
        assert_eq!(value(&s, "vestnik_failed_total", &ok), 0.0);
        assert_eq!(value(&s, "vestnik_uncertain_total", &ok), 1.0);
        assert_eq!(value(&s, "vestnik_missed_total", &tg), 1.0);
        assert_eq!(value(&s, "vestnik_retries_total", &tg), 3.0);
        assert_eq!(value(&s, "vestnik_rate_limited_total", &vk), 1.0);
        assert_eq!(value(&s, "vestnik_published_total", &ok), 1.0);
        assert_eq!(value(&s, "vestnik_published_total", &vk), 0.0);
        assert_eq!(value(&s, "vestnik_queue_depth", &ok), 5.0);
        assert_eq!(value(&s, "vestnik_broken_plan_files", &[]), 2.0);
        assert_eq!(
            value(&s, "vestnik_last_pass_timestamp_seconds", &[]),
            1_700_000_000.25
        );
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_count_equals_inf() {
        let m = Metrics::new();
        for ms in [50, 100, 300, 1_000, 7_000, 400_000] {
            m.published(Network::Telegram, Duration::from_millis(ms));
        }
        let s = parse(&m.render());
        let name = "vestnik_publication_lateness_seconds_bucket";
        let mut previous = 0.0;
        let mut les = Vec::new();
        for sample in s.iter().filter(|s| {
            s.name == name && s.labels.get("network").map(String::as_str) == Some("telegram")
        }) {
            assert!(sample.value >= previous, "not cumulative at {sample:?}");
            previous = sample.value;
            les.push((sample.labels["le"].clone(), sample.value));
        }
        let expected = [
            ("0.1", 2.0), // 0.05 and 0.1: the bound is inclusive
            ("0.25", 2.0),
            ("0.5", 3.0),
            ("1", 4.0),
            ("2", 4.0),
            ("5", 4.0),
            ("10", 5.0),
            ("30", 5.0),
            ("60", 5.0),
            ("300", 5.0),
            ("+Inf", 6.0),
        ];
        let expected: Vec<_> = expected.iter().map(|(l, v)| (l.to_string(), *v)).collect();
        assert_eq!(les, expected);
        let tg = [("network", "telegram")];
        let count = value(&s, "vestnik_publication_lateness_seconds_count", &tg);
        assert_eq!(count, 6.0);
        assert_eq!(count, les.last().unwrap().1);
        let sum = value(&s, "vestnik_publication_lateness_seconds_sum", &tg);
        assert!((sum - 408.45).abs() < 1e-9, "{sum}");
        assert_eq!(value(&s, "vestnik_published_total", &tg), 6.0);
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label_value("plain"), "plain");
        assert_eq!(escape_label_value(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escape_label_value("two\nlines"), r"two\nlines");
        let mut out = String::new();
        series(&mut out, "x", &[("path", "C:\\plans\n\"a\"")], 1);
        assert_eq!(out, "x{path=\"C:\\\\plans\\n\\\"a\\\"\"} 1\n");
        out.insert_str(0, "# TYPE x gauge\n");
        let s = parse(&out);
        assert_eq!(s[0].labels["path"], "C:\\plans\n\"a\"");
    }
}
