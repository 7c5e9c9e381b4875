#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let app = shared::AppState::from_env().await?;
    let state: &'static invite_worker::WorkerState = Box::leak(Box::new(invite_worker::WorkerState::start(app).await));
    lambda_runtime::run(lambda_runtime::service_fn(move |event| invite_worker::handle(state, event))).await
}
