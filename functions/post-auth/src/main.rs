#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let table = std::env::var("TABLE_NAME").map_err(|_| "missing required environment variable: TABLE_NAME")?;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store: &'static shared::store::Store = Box::leak(Box::new(shared::store::Store::new(aws_sdk_dynamodb::Client::new(&sdk), table)));
    lambda_runtime::run(lambda_runtime::service_fn(move |event| post_auth::handle(store, event))).await
}
