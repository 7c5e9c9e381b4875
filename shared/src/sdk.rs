//! The AWS SDK configuration and HTTPS client every AWS client is made from, loaded off the
//! cold-start path. Below every layer that talks to AWS (the store and the ports).
//!
//! Every client gets explicit timeouts ([`timeouts_for`]) derived from the function's own
//! Lambda timeout, so that a call to an AWS service that hangs fails inside the function —
//! with an error it can log, release and answer — instead of Lambda killing the function
//! mid-operation. Lambda does not tell a function its timeout, so the template repeats it
//! in `FUNCTION_TIMEOUT_SECONDS` (Globals and each function that overrides `Timeout`;
//! tests/test_operations.py checks they agree).

use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;

/// The function timeout assumed without `FUNCTION_TIMEOUT_SECONDS` (the template's Globals
/// `Timeout`; also what tools outside Lambda get).
pub const DEFAULT_FUNCTION_TIMEOUT: Duration = Duration::from_secs(10);

/// The SDK timeouts for a function that Lambda stops after `function_timeout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdkTimeouts {
    /// Establishing a connection (a healthy one in the region takes milliseconds).
    pub connect: Duration,
    /// One attempt of a call: as long as the whole call. An attempt cut short and retried
    /// may already have been applied: SES would send the email twice, and a conditional
    /// write's retry would fail its own condition and report a conflict that never was (both
    /// seen on the loaded local stack with attempts of half the call). Retries still follow
    /// fast failures (throttling, a 5xx, a refused connection), as the SDK's default does.
    pub attempt: Duration,
    /// A whole call, retries included: the function's timeout less a margin (a tenth, 1 to
    /// 10 s) to log the failure and answer.
    pub operation: Duration,
}

/// The SDK timeouts derived from the function's timeout; each is below it.
pub fn timeouts_for(function_timeout: Duration) -> SdkTimeouts {
    let total = function_timeout.as_millis().max(2) as u64;
    let margin = (total / 10).clamp(1_000, 10_000).min(total / 2);
    let operation = total - margin;
    let attempt = operation;
    let connect = (operation / 4).min(3_000);
    SdkTimeouts { connect: Duration::from_millis(connect), attempt: Duration::from_millis(attempt), operation: Duration::from_millis(operation) }
}

/// The function's timeout from `FUNCTION_TIMEOUT_SECONDS` (whole seconds, as the template's
/// `Timeout`); missing or unreadable: [`DEFAULT_FUNCTION_TIMEOUT`].
pub fn function_timeout(var: Option<&str>) -> Duration {
    match var.map(str::trim).map(str::parse::<u64>) {
        Some(Ok(s)) if s > 0 => Duration::from_secs(s),
        None => DEFAULT_FUNCTION_TIMEOUT,
        Some(_) => {
            tracing::warn!("FUNCTION_TIMEOUT_SECONDS is not a whole number of seconds; assuming the default");
            DEFAULT_FUNCTION_TIMEOUT
        }
    }
}

/// The timeout configuration of every client of this process.
pub fn timeout_config() -> TimeoutConfig {
    let t = timeouts_for(function_timeout(std::env::var("FUNCTION_TIMEOUT_SECONDS").ok().as_deref()));
    TimeoutConfig::builder().connect_timeout(t.connect).operation_attempt_timeout(t.attempt).operation_timeout(t.operation).build()
}

/// The configuration loader every function uses: the environment's settings, the lazy
/// HTTPS client and the timeouts.
fn loader() -> aws_config::ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest()).http_client(lazy_https_client()).timeout_config(timeout_config())
}

async fn load() -> aws_config::SdkConfig {
    loader().load().await
}

/// The AWS SDK configuration, loaded off the init path: [`LazySdk::start`] begins
/// `aws_config`'s load on the runtime (about half a millisecond of environment and profile
/// work) while the function already asks the Runtime API for its first event; the first
/// AWS call awaits it (by then long done). Measured by `make bench` (BENCHMARKS.md).
#[derive(Clone)]
pub struct LazySdk(std::sync::Arc<LazySdkInner>);

impl std::fmt::Debug for LazySdk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazySdk").field("loaded", &self.0.cell.initialized()).finish()
    }
}

struct LazySdkInner {
    cell: tokio::sync::OnceCell<aws_config::SdkConfig>,
    loading: std::sync::Mutex<Option<tokio::task::JoinHandle<aws_config::SdkConfig>>>,
}

impl LazySdk {
    /// Start loading the configuration from the environment (needs a Tokio runtime).
    pub fn start() -> Self {
        let loading = tokio::spawn(load());
        LazySdk(std::sync::Arc::new(LazySdkInner { cell: tokio::sync::OnceCell::new(), loading: std::sync::Mutex::new(Some(loading)) }))
    }

    /// An already loaded configuration (tests, and functions that build their own).
    pub fn ready(sdk: aws_config::SdkConfig) -> Self {
        LazySdk(std::sync::Arc::new(LazySdkInner { cell: tokio::sync::OnceCell::from(sdk), loading: std::sync::Mutex::new(None) }))
    }

    pub async fn get(&self) -> &aws_config::SdkConfig {
        self.0
            .cell
            .get_or_init(|| async {
                let handle = self.0.loading.lock().unwrap_or_else(|p| p.into_inner()).take();
                match handle {
                    Some(h) => match h.await {
                        Ok(sdk) => sdk,
                        // The load task panicked (it does not in practice): load here instead.
                        Err(_) => load().await,
                    },
                    None => load().await,
                }
            })
            .await
    }
}

/// The AWS SDK's HTTPS client, built when the first AWS call needs a connection instead of
/// at `aws_config` load: building it reads and parses the trusted root certificates, which
/// took most of each function's init (measured with `make bench`; BENCHMARKS.md). The client
/// is the SDK's default (hyper 1, rustls with aws-lc), built once and shared by every SDK
/// client of the process.
pub fn lazy_https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    use aws_smithy_runtime_api::client::http::{http_client_fn, HttpClient, SharedHttpClient};
    let cell: std::sync::Arc<std::sync::OnceLock<SharedHttpClient>> = Default::default();
    http_client_fn(move |settings, components| {
        cell.get_or_init(|| aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::AwsLc)).build_https())
            .http_connector(settings, components)
    })
}

/// An AWS client made from the [`LazySdk`] on its first use: a function pays (at init and
/// in memory) only for the clients it calls.
pub struct LazyClient<C> {
    sdk: LazySdk,
    cell: tokio::sync::OnceCell<C>,
    make: fn(&aws_config::SdkConfig) -> C,
}

impl<C> LazyClient<C> {
    pub fn new(sdk: LazySdk, make: fn(&aws_config::SdkConfig) -> C) -> Self {
        Self { sdk, cell: tokio::sync::OnceCell::new(), make }
    }

    pub async fn get(&self) -> &C {
        self.cell.get_or_init(|| async { (self.make)(self.sdk.get().await) }).await
    }
}

impl<C> std::fmt::Debug for LazyClient<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyClient").field("made", &self.cell.initialized()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn every_timeout_is_below_the_function_timeout_and_ordered() {
        // Lambda's range is 1 s to 900 s.
        for s in 1..=900 {
            let t = timeouts_for(secs(s));
            assert!(t.operation < secs(s), "{s}s: {t:?}");
            assert!(t.connect < t.operation, "{s}s: {t:?}");
            assert_eq!(t.attempt, t.operation, "{s}s: an attempt is never cut short to be retried");
            assert!(t.connect > Duration::ZERO, "{s}s: {t:?}");
        }
    }

    #[test]
    fn the_portals_functions_get_these() {
        // The template's timeouts: post-auth 5 s, most 10 s, invites 30 s, reminders 120 s, file-events 300 s.
        let ms = |s| {
            let t = timeouts_for(secs(s));
            (t.connect.as_millis(), t.attempt.as_millis(), t.operation.as_millis())
        };
        assert_eq!(ms(5), (1_000, 4_000, 4_000));
        assert_eq!(ms(10), (2_250, 9_000, 9_000));
        assert_eq!(ms(30), (3_000, 27_000, 27_000));
        assert_eq!(ms(120), (3_000, 110_000, 110_000));
        // A CopyObject of a 5 GiB upload gets minutes.
        assert_eq!(ms(300), (3_000, 290_000, 290_000));
    }

    #[test]
    fn the_function_timeout_comes_from_the_environment() {
        assert_eq!(function_timeout(Some("300")), secs(300));
        assert_eq!(function_timeout(Some(" 30 ")), secs(30));
        assert_eq!(function_timeout(None), DEFAULT_FUNCTION_TIMEOUT);
        assert_eq!(function_timeout(Some("0")), DEFAULT_FUNCTION_TIMEOUT);
        assert_eq!(function_timeout(Some("ten")), DEFAULT_FUNCTION_TIMEOUT);
    }

    #[tokio::test]
    async fn every_client_gets_all_three() {
        // What `LazySdk::start` loads (the region given, so nothing is looked up).
        let sdk = loader().region(aws_config::Region::new("us-east-1")).load().await;
        let c = sdk.timeout_config().expect("a timeout configuration");
        let t = timeouts_for(function_timeout(std::env::var("FUNCTION_TIMEOUT_SECONDS").ok().as_deref()));
        assert_eq!((c.connect_timeout(), c.operation_attempt_timeout(), c.operation_timeout()), (Some(t.connect), Some(t.attempt), Some(t.operation)));
        // And a client made from it carries them.
        let db = aws_sdk_dynamodb::Client::new(&sdk);
        assert_eq!(db.config().timeout_config().and_then(|c| c.operation_timeout()), Some(t.operation));
    }
}
