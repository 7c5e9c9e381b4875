#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let state: &'static shared::AppState = Box::leak(Box::new(shared::AppState::from_env().await?));
    lambda_runtime::run(lambda_runtime::service_fn(move |event| reminders::handle(state, event))).await
}
