//! The AWS SDK configuration and HTTPS client every AWS client is made from, loaded off the
//! cold-start path. Below every layer that talks to AWS (the store and the ports).

use aws_config::BehaviorVersion;

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
        let loading = tokio::spawn(async { aws_config::defaults(BehaviorVersion::latest()).http_client(lazy_https_client()).load().await });
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
                        Err(_) => aws_config::defaults(BehaviorVersion::latest()).http_client(lazy_https_client()).load().await,
                    },
                    None => aws_config::defaults(BehaviorVersion::latest()).http_client(lazy_https_client()).load().await,
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
