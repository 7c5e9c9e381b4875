//! Helpers for the functions' tests (feature `testing`, dev-dependency only).

use std::collections::BTreeSet;
use std::path::PathBuf;

use lambda_http::{Body, Request, Response};

use crate::config::Config;
use crate::http::state::AppState;
use crate::http::Route;

/// The repository root (tests run with the crate's directory as working directory).
pub fn repo_root() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    dir.pop();
    dir
}

/// The routes the local router (`[workspace.metadata.lambda.watch.router]` in the root
/// `Cargo.toml`) sends to `function`, as `"METHOD /path"`.
pub fn router_routes_for(function: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(repo_root().join("Cargo.toml")).expect("root Cargo.toml");
    let doc: toml::Table = text.parse().expect("root Cargo.toml parses");
    let router = doc["workspace"]["metadata"]["lambda"]["watch"]["router"].as_table().expect("router table");
    let mut out = BTreeSet::new();
    for (path, targets) in router {
        for t in targets.as_array().expect("router entries are arrays") {
            if t["function"].as_str() == Some(function) {
                out.insert(format!("{} {}", t["method"].as_str().expect("method"), path));
            }
        }
    }
    out
}

/// Assert that a function's route table (generated from the spec) is exactly what the local
/// router gives it.
pub fn assert_routes_match_router<Op>(function: &str, routes: &[Route<Op>]) {
    let ours: BTreeSet<String> = routes.iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    assert_eq!(ours, router_routes_for(function), "the route table of `{function}` and the local router disagree");
}

/// A state whose AWS endpoint is a closed local port: for tests that must not reach AWS.
pub fn offline_state() -> &'static AppState {
    Box::leak(Box::new(offline_app()))
}

/// [`offline_state`], owned (for a function's own state around it).
pub fn offline_app() -> AppState {
    let env: std::collections::HashMap<&str, &str> = [
        ("AWS_REGION", "us-east-1"),
        ("TABLE_NAME", "offline"),
        ("BUCKET_NAME", "offline"),
        ("STAFF_POOL_ID", "us-east-1_staff"),
        ("STAFF_CLIENT_ID", "staffclient"),
        ("CONTACTS_POOL_ID", "us-east-1_contacts"),
        ("CONTACTS_CLIENT_ID", "contactsclient"),
        ("WEB_ORIGIN", "http://127.0.0.1:9000"),
        ("COGNITO_JWKS_BASE", "http://127.0.0.1:9"),
    ]
    .into_iter()
    .collect();
    let config = Config::from_lookup(|k| env.get(k).map(|v| v.to_string())).expect("offline config");
    let sdk = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url("http://127.0.0.1:9")
        .build();
    AppState::new(config, &sdk)
}

/// Load a sample event from `events/` as the request a Lambda would receive.
pub fn event_request(relative: &str) -> Request {
    let text = std::fs::read_to_string(repo_root().join("events").join(relative)).unwrap_or_else(|e| panic!("events/{relative}: {e}"));
    lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("events/{relative} is not an API Gateway event: {e}"))
}

/// The JSON body of a response.
pub fn body_json(resp: &Response<Body>) -> serde_json::Value {
    match resp.body() {
        Body::Text(t) => serde_json::from_str(t).expect("JSON body"),
        Body::Binary(b) => serde_json::from_slice(b).expect("JSON body"),
        _ => serde_json::Value::Null,
    }
}
