//! Tracing, initialised once per process.
//!
//! On Lambda with JSON logging configured (the SAM template sets `LoggingConfig:
//! LogFormat: JSON`, which makes Lambda set `AWS_LAMBDA_LOG_FORMAT=JSON`) every line is one
//! JSON object CloudWatch can query; elsewhere lines are readable text. The level comes
//! from `RUST_LOG` (default `info`). Nothing here ever logs a header, body or token: the
//! request span carries only ids.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = if json {
        builder.json().with_current_span(true).with_span_list(false).without_time().try_init()
    } else {
        builder.with_ansi(false).try_init()
    };
}
