#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::http::runtime::run_http(team::handle).await
}
