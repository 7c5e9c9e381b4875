//! The baseline for cold-start figures (`make bench`): the smallest function `lambda_runtime`
//! can run, so that what our functions add at init is measured against it, side by side.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::run(lambda_runtime::service_fn(|event: lambda_runtime::LambdaEvent<serde_json::Value>| async move {
        Ok::<_, lambda_runtime::Error>(serde_json::json!({ "hello": "world", "request_id": event.context.request_id }))
    }))
    .await
}
