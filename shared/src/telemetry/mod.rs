//! Tracing, initialised once per process, and the product's own metrics ([`metrics`]).
//!
//! On Lambda with JSON logging configured (the SAM template sets `LoggingConfig:
//! LogFormat: JSON`, which makes Lambda set `AWS_LAMBDA_LOG_FORMAT=JSON`) every line is one
//! JSON object CloudWatch can query; elsewhere lines are readable text. Nothing here ever
//! logs a header, body or token: the request span carries only ids.
//!
//! The level follows the function's `LoggingConfig: ApplicationLogLevel` (the template's
//! `LogLevel` parameter), which Lambda passes as `AWS_LAMBDA_LOG_LEVEL`, so an operator
//! turns on debug logs by redeploying with a parameter, not by editing code. `RUST_LOG`, when
//! set, wins (local runs). At DEBUG and TRACE only the portal's own code gets more verbose:
//! the AWS SDK, HTTP and TLS crates stay at `info`, because their debug output describes
//! requests on the wire, and a token or link must never reach a log.

use tracing_subscriber::EnvFilter;

pub mod metrics;

/// Dependencies whose debug output describes requests on the wire (target prefixes).
const WIRE_CRATES: &[&str] = &["aws", "hyper", "h2", "rustls", "reqwest", "tower", "lambda_runtime", "lambda_http"];

/// The tracing filter directive: `RUST_LOG` if given, else the Lambda log level
/// (`TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `FATAL`; tracing has no fatal, so `error`),
/// else `info`.
pub fn filter_directive(rust_log: Option<&str>, lambda_level: Option<&str>) -> String {
    if let Some(d) = rust_log.map(str::trim).filter(|d| !d.is_empty()) {
        return d.to_string();
    }
    let level = match lambda_level.map(|l| l.trim().to_ascii_uppercase()).as_deref() {
        Some("TRACE") => "trace",
        Some("DEBUG") => "debug",
        Some("WARN") => "warn",
        Some("ERROR" | "FATAL") => "error",
        _ => "info",
    };
    if matches!(level, "trace" | "debug") {
        std::iter::once(level.to_string()).chain(WIRE_CRATES.iter().map(|c| format!("{c}=info"))).collect::<Vec<_>>().join(",")
    } else {
        level.to_string()
    }
}

pub fn init() {
    let directive = filter_directive(std::env::var("RUST_LOG").ok().as_deref(), std::env::var("AWS_LAMBDA_LOG_LEVEL").ok().as_deref());
    let filter = EnvFilter::try_new(&directive).unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = if json { builder.json().with_current_span(true).with_span_list(false).without_time().try_init() } else { builder.with_ansi(false).try_init() };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_levels_map_to_tracing_levels() {
        assert_eq!(filter_directive(None, Some("INFO")), "info");
        assert_eq!(filter_directive(None, Some("WARN")), "warn");
        assert_eq!(filter_directive(None, Some("ERROR")), "error");
        assert_eq!(filter_directive(None, Some("FATAL")), "error");
        assert_eq!(filter_directive(None, Some("warn")), "warn", "case does not matter");
        assert!(filter_directive(None, Some("DEBUG")).starts_with("debug,"));
        assert!(filter_directive(None, Some("TRACE")).starts_with("trace,"));
    }

    #[test]
    fn without_a_level_or_with_an_unknown_one_it_is_info() {
        assert_eq!(filter_directive(None, None), "info");
        assert_eq!(filter_directive(None, Some("LOUD")), "info");
        assert_eq!(filter_directive(Some("  "), None), "info");
    }

    #[test]
    fn rust_log_overrides_the_lambda_level() {
        assert_eq!(filter_directive(Some("shared=trace"), Some("ERROR")), "shared=trace");
    }

    #[test]
    fn debug_never_opens_the_wire_crates() {
        for level in ["DEBUG", "TRACE"] {
            let d = filter_directive(None, Some(level));
            for c in WIRE_CRATES {
                assert!(d.contains(&format!(",{c}=info")), "{level}: {c} stays at info in {d}");
            }
            // The directive parses as a filter.
            EnvFilter::try_new(&d).unwrap();
        }
    }
}
