#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::http::runtime::run_http(portal_status::handle).await
}
