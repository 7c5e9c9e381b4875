#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let table = std::env::var("TABLE_NAME").map_err(|_| "missing required environment variable: TABLE_NAME")?;
    // The SDK configuration loads while the runtime already asks for the first event.
    let store: &'static shared::store::Store = Box::leak(Box::new(shared::store::Store::lazy(shared::sdk::LazySdk::start(), table)));
    lambda_runtime::run(lambda_runtime::service_fn(move |event| post_auth::handle(store, event))).await
}
