#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::runtime::run_http(signatures::handle).await
}
