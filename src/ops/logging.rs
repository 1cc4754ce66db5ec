//! Log output of the command line and the daemon: `tracing` events on stderr, either compact
//! lines for people or one JSON object per line for a log collector.
//!
//! Call [`init`] first thing in `main`, before the daemon starts anything:
//! tokio-cron-scheduler reports a lost or failed job only through `tracing::error!`, so a
//! subscriber installed after its scheduler starts would miss exactly the events that matter.
//!
//! The filter uses `tracing-subscriber`'s `EnvFilter` syntax (`info`, `vestnik=debug,warn`);
//! it comes from the caller (a command-line flag), else from the `VESTNIK_LOG` environment
//! variable, else it is `info`.

use std::fmt;
use std::io::IsTerminal as _;
use std::str::FromStr;

use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// The environment variable holding the log filter when no flag gives one.
pub const FILTER_ENV: &str = "VESTNIK_LOG";

/// The filter when neither a flag nor [`FILTER_ENV`] gives one.
pub const DEFAULT_FILTER: &str = "info";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Compact lines for a terminal or the journal; colored only on a terminal.
    Human,
    /// One JSON object per line: `timestamp`, `level`, `target`, `fields` and the current
    /// span's fields under `span`.
    Json,
}

impl LogFormat {
    /// The name accepted by [`FromStr`]: `human` or `json`.
    pub const fn key(self) -> &'static str {
        match self {
            LogFormat::Human => "human",
            LogFormat::Json => "json",
        }
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A log format name other than `human` or `json`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown log format `{0}`: expected `human` or `json`")]
pub struct UnknownLogFormat(pub String);

impl UnknownLogFormat {
    /// The error in the language of the process's texts (its `Display` stays English, for
    /// logs).
    pub fn message(&self) -> String {
        crate::t!("log-format-unknown", value = self.0.as_str())
    }
}

impl FromStr for LogFormat {
    type Err = UnknownLogFormat;

    /// Parses `human` or `json` (any case, surrounding blanks ignored).
    fn from_str(s: &str) -> Result<LogFormat, UnknownLogFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "human" => Ok(LogFormat::Human),
            "json" => Ok(LogFormat::Json),
            _ => Err(UnknownLogFormat(s.to_owned())),
        }
    }
}

/// Why logging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The filter is not valid `EnvFilter` syntax.
    #[error("invalid log filter `{filter}`: {source}")]
    Filter {
        /// The filter as given.
        filter: String,
        /// What is wrong with it.
        #[source]
        source: tracing_subscriber::filter::ParseError,
    },
    /// A global subscriber is already installed ([`init`] was called before).
    #[error("logging is already set up")]
    AlreadySet,
}

impl LogError {
    /// The error in the language of the process's texts (its `Display` stays English, for
    /// logs).
    pub fn message(&self) -> String {
        match self {
            LogError::Filter { filter, source } => crate::t!(
                "log-filter",
                filter = filter.as_str(),
                error = source.to_string()
            ),
            LogError::AlreadySet => crate::t!("log-already-set"),
        }
    }
}

/// Installs the global subscriber writing to stderr in `format`, with `filter` (else
/// [`FILTER_ENV`], else [`DEFAULT_FILTER`]). Human lines are colored only when stderr is a
/// terminal and `NO_COLOR` is not set.
///
/// Fails when the filter is invalid, or with [`LogError::AlreadySet`] when called twice.
pub fn init(format: LogFormat, filter: Option<&str>) -> Result<(), LogError> {
    let env = std::env::var(FILTER_ENV).ok();
    let filter = resolve_filter(filter, env.as_deref());
    let ansi = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let subscriber = subscriber(format, filter, ansi, std::io::stderr)?;
    tracing::subscriber::set_global_default(subscriber).map_err(|_| LogError::AlreadySet)
}

/// The filter to use: the argument, else the environment's value, else [`DEFAULT_FILTER`]; a
/// blank value counts as none.
fn resolve_filter<'a>(arg: Option<&'a str>, env: Option<&'a str>) -> &'a str {
    [arg, env]
        .into_iter()
        .flatten()
        .find(|f| !f.trim().is_empty())
        .unwrap_or(DEFAULT_FILTER)
}

/// The subscriber [`init`] installs, writing to `writer` instead of stderr: tests run it with
/// `tracing::subscriber::with_default` and a buffer. `ansi` colors the human format (the JSON
/// format is never colored).
///
/// Fails when `filter` is not valid `EnvFilter` syntax.
pub fn subscriber<W>(
    format: LogFormat,
    filter: &str,
    ansi: bool,
    writer: W,
) -> Result<Box<dyn Subscriber + Send + Sync>, LogError>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let env_filter = EnvFilter::try_new(filter).map_err(|source| LogError::Filter {
        filter: filter.to_owned(),
        source,
    })?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(env_filter)
        .with_writer(writer);
    Ok(match format {
        LogFormat::Human => Box::new(builder.compact().with_ansi(ansi).finish()),
        LogFormat::Json => Box::new(
            builder
                .json()
                .with_current_span(true)
                .with_span_list(false)
                .with_ansi(false)
                .finish(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;
    use std::sync::{Arc, Mutex};

    /// A writer that collects everything into a shared buffer.
    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Capture {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    /// Logs one span with an event inside it and one debug event, in `format` at `info`.
    fn log_sample(format: LogFormat) -> String {
        let capture = Capture::default();
        let writer = capture.clone();
        let subscriber = subscriber(format, "info", false, move || writer.clone()).unwrap();
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("publish", org = "school");
            let _entered = span.enter();
            tracing::info!(post = "2025-09-01-open-day", "published the post");
            tracing::debug!("below the filter");
        });
        capture.text()
    }

    #[test]
    fn json_lines_carry_the_message_and_the_span_fields() {
        let text = log_sample(LogFormat::Json);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1, "{text}");
        let line: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["target"], "vestnik::ops::logging::tests");
        assert!(line["timestamp"].is_string(), "{line}");
        assert_eq!(line["fields"]["message"], "published the post");
        assert_eq!(line["fields"]["post"], "2025-09-01-open-day");
        assert_eq!(line["span"]["name"], "publish");
        assert_eq!(line["span"]["org"], "school");
        assert!(line.get("spans").is_none(), "no span list: {line}");
    }

    #[test]
    fn human_lines_carry_the_message_without_color() {
        let text = log_sample(LogFormat::Human);
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains("published the post"), "{text}");
        assert!(
            text.contains("org=\"school\"") || text.contains("org=school"),
            "{text}"
        );
        assert!(!text.contains('\x1b'), "no ANSI escapes: {text:?}");
        assert!(!text.contains("below the filter"));
    }

    #[test]
    fn an_invalid_filter_is_an_error() {
        let Err(err) = subscriber(LogFormat::Human, "vestnik=loud", false, io::sink) else {
            panic!("the filter was accepted");
        };
        assert!(matches!(err, LogError::Filter { .. }));
        assert!(
            err.to_string()
                .starts_with("invalid log filter `vestnik=loud`: "),
            "{err}"
        );
    }

    #[test]
    fn the_filter_comes_from_the_argument_then_the_environment_then_info() {
        assert_eq!(resolve_filter(Some("debug"), Some("warn")), "debug");
        assert_eq!(resolve_filter(None, Some("warn")), "warn");
        assert_eq!(resolve_filter(Some(" "), Some("warn")), "warn");
        assert_eq!(resolve_filter(None, Some("")), "info");
        assert_eq!(resolve_filter(None, None), "info");
    }

    #[test]
    fn formats_parse_by_name() {
        assert_eq!("human".parse(), Ok(LogFormat::Human));
        assert_eq!(" JSON ".parse(), Ok(LogFormat::Json));
        assert_eq!(LogFormat::Json.to_string(), "json");
        let err = "yaml".parse::<LogFormat>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown log format `yaml`: expected `human` or `json`"
        );
    }
}
