//! Throughput of the moderation classifier on one thread: the labelled set
//! (`tests/fixtures/moderation/labelled.tsv`) repeated to at least 200,000 comments, classified
//! one after another. The issue's target is 20,000 comments a second on one core.
//!
//! ```sh
//! cargo run --release --example bench_moderation            # 200,000 comments
//! cargo run --release --example bench_moderation -- 1000000 # or as many as given
//! ```

use std::time::Instant;

use vestnik::moderation::{Classifier, Verdict};

fn main() {
    let want: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let set: Vec<&str> = include_str!("../tests/fixtures/moderation/labelled.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t').map(|(_, text)| text))
        .collect();
    let comments: Vec<&str> = set
        .iter()
        .copied()
        .cycle()
        .take(want.max(set.len()))
        .collect();
    let bytes: usize = comments.iter().map(|c| c.len()).sum();

    let started = Instant::now();
    let classifier = Classifier::builtin();
    let load = started.elapsed();

    // Warm up the regex caches, as a daemon that has run for a while would have them.
    for c in &set {
        std::hint::black_box(classifier.classify(c));
    }
    let started = Instant::now();
    let mut counts = [0usize; 3];
    for c in &comments {
        let j = classifier.classify(c);
        counts[match j.verdict {
            Verdict::Keep => 0,
            Verdict::Hold => 1,
            Verdict::Delete => 2,
        }] += 1;
    }
    let took = started.elapsed().as_secs_f64();
    println!(
        "rules loaded in {:.1} ms; {} comments ({:.1} MB) in {:.3} s on one thread: {:.0} comments/s, {:.1} µs each (keep {}, hold {}, delete {})",
        load.as_secs_f64() * 1000.0,
        comments.len(),
        bytes as f64 / 1e6,
        took,
        comments.len() as f64 / took,
        took * 1e6 / comments.len() as f64,
        counts[0],
        counts[1],
        counts[2],
    );
}
