//! The `main` of every HTTP function: tracing, state once per cold start, serve.

use std::future::Future;

use lambda_http::{service_fn, Body, Request, Response};

use crate::http::state::AppState;

/// Initialise tracing, build the [`AppState`] (failing at init, with the variable's name,
/// if configuration is missing) and serve requests with `handler`.
pub async fn run_http<F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(&'static AppState, Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<Body>> + Send + 'static,
{
    crate::telemetry::init();
    let state = AppState::from_env().await.inspect_err(|e| tracing::error!(error = %e, "init failed"))?;
    let state: &'static AppState = Box::leak(Box::new(state));
    let handler = &*Box::leak(Box::new(handler));
    lambda_http::run(service_fn(move |req: Request| async move { Ok::<_, std::convert::Infallible>(handler(state, req).await) })).await
}
