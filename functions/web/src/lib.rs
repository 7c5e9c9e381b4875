//! `web` — serves the staff and client web UI from the API's own origin.
//!
//! The UI is static HTML, CSS and ES modules compiled into this binary (`web/` at the
//! repository root), so a deploy is one artifact and the pages share the API's origin:
//! no CORS for the API, cookies not needed, and a strict Content-Security-Policy (no inline
//! scripts, no inline styles — not even style attributes —, no third-party origins; uploads
//! may go to the files bucket only).

use lambda_http::{Body, Request, Response};
use shared::http::routes::web::{Op, ROUTES};
use shared::http::{route_of, serve};
use shared::{AppState, Error, Result};

const JS: &str = "text/javascript; charset=utf-8";

/// (name, content type, bytes) of every file the UI has: index.html and the flat files of
/// web/assets/ (one path segment under /assets; see `every_file_of_the_ui_is_served`).
pub const ASSETS: &[(&str, &str, &[u8])] = &[
    ("index.html", "text/html; charset=utf-8", include_bytes!("../../../web/index.html")),
    ("api-clients.js", JS, include_bytes!("../../../web/assets/api-clients.js")),
    ("api-contacts.js", JS, include_bytes!("../../../web/assets/api-contacts.js")),
    ("api-files.js", JS, include_bytes!("../../../web/assets/api-files.js")),
    ("api-firm.js", JS, include_bytes!("../../../web/assets/api-firm.js")),
    ("api-invites.js", JS, include_bytes!("../../../web/assets/api-invites.js")),
    ("api-invoices.js", JS, include_bytes!("../../../web/assets/api-invoices.js")),
    ("api-me.js", JS, include_bytes!("../../../web/assets/api-me.js")),
    ("api-mfa.js", JS, include_bytes!("../../../web/assets/api-mfa.js")),
    ("api-requests.js", JS, include_bytes!("../../../web/assets/api-requests.js")),
    ("api-signatures.js", JS, include_bytes!("../../../web/assets/api-signatures.js")),
    ("api-team.js", JS, include_bytes!("../../../web/assets/api-team.js")),
    ("api-templates.js", JS, include_bytes!("../../../web/assets/api-templates.js")),
    ("api-threads.js", JS, include_bytes!("../../../web/assets/api-threads.js")),
    ("api.js", JS, include_bytes!("../../../web/assets/api.js")),
    ("app.js", JS, include_bytes!("../../../web/assets/app.js")),
    ("brand.js", JS, include_bytes!("../../../web/assets/brand.js")),
    ("certificate.js", JS, include_bytes!("../../../web/assets/certificate.js")),
    ("email-preview.js", JS, include_bytes!("../../../web/assets/email-preview.js")),
    ("messages.js", JS, include_bytes!("../../../web/assets/messages.js")),
    ("mfa.js", JS, include_bytes!("../../../web/assets/mfa.js")),
    ("portal-billing.js", JS, include_bytes!("../../../web/assets/portal-billing.js")),
    ("portal-create-account.js", JS, include_bytes!("../../../web/assets/portal-create-account.js")),
    ("portal-files.js", JS, include_bytes!("../../../web/assets/portal-files.js")),
    ("portal-home.js", JS, include_bytes!("../../../web/assets/portal-home.js")),
    ("portal-messages.js", JS, include_bytes!("../../../web/assets/portal-messages.js")),
    ("portal-request.js", JS, include_bytes!("../../../web/assets/portal-request.js")),
    ("portal-settings.js", JS, include_bytes!("../../../web/assets/portal-settings.js")),
    ("portal-sign.js", JS, include_bytes!("../../../web/assets/portal-sign.js")),
    ("portal-todo.js", JS, include_bytes!("../../../web/assets/portal-todo.js")),
    ("portal.js", JS, include_bytes!("../../../web/assets/portal.js")),
    ("sign-in.js", JS, include_bytes!("../../../web/assets/sign-in.js")),
    ("signature-parts.js", JS, include_bytes!("../../../web/assets/signature-parts.js")),
    ("staff-access-history.js", JS, include_bytes!("../../../web/assets/staff-access-history.js")),
    ("staff-client.js", JS, include_bytes!("../../../web/assets/staff-client.js")),
    ("staff-clients.js", JS, include_bytes!("../../../web/assets/staff-clients.js")),
    ("staff-contacts.js", JS, include_bytes!("../../../web/assets/staff-contacts.js")),
    ("staff-files.js", JS, include_bytes!("../../../web/assets/staff-files.js")),
    ("staff-invite-jobs.js", JS, include_bytes!("../../../web/assets/staff-invite-jobs.js")),
    ("staff-invites.js", JS, include_bytes!("../../../web/assets/staff-invites.js")),
    ("staff-invoices.js", JS, include_bytes!("../../../web/assets/staff-invoices.js")),
    ("staff-messages.js", JS, include_bytes!("../../../web/assets/staff-messages.js")),
    ("staff-requests.js", JS, include_bytes!("../../../web/assets/staff-requests.js")),
    ("staff-join.js", JS, include_bytes!("../../../web/assets/staff-join.js")),
    ("staff-settings.js", JS, include_bytes!("../../../web/assets/staff-settings.js")),
    ("staff-signatures.js", JS, include_bytes!("../../../web/assets/staff-signatures.js")),
    ("staff-team.js", JS, include_bytes!("../../../web/assets/staff-team.js")),
    ("staff-templates.js", JS, include_bytes!("../../../web/assets/staff-templates.js")),
    ("staff.js", JS, include_bytes!("../../../web/assets/staff.js")),
    ("ui.js", JS, include_bytes!("../../../web/assets/ui.js")),
    ("style.css", "text/css; charset=utf-8", include_bytes!("../../../web/assets/style.css")),
    ("favicon.svg", "image/svg+xml", include_bytes!("../../../web/assets/favicon.svg")),
];

/// Where browsers may upload to: the files bucket (presigned PUTs), nothing else. With a
/// custom endpoint, the one the S3 client signs URLs for: as the SDK, the service's own
/// variable first (the local stack points S3 at its IAM-checking proxy), then the global one.
pub fn upload_origin(state: &AppState) -> String {
    let custom = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"].iter().find_map(|k| std::env::var(k).ok().filter(|e| !e.is_empty()));
    match custom {
        // A custom endpoint (path-style S3): its origin.
        Some(endpoint) => endpoint.trim_end_matches('/').to_string(),
        None => format!("https://{}.s3.{}.amazonaws.com", state.config.bucket_name, state.config.region),
    }
}

pub fn content_security_policy(upload_origin: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self' {upload_origin}; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
    )
}

/// The policy, built once per cold start.
fn csp(state: &AppState) -> &'static str {
    static CSP: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CSP.get_or_init(|| content_security_policy(&upload_origin(state)))
}

fn file(name: &str) -> Option<&'static (&'static str, &'static str, &'static [u8])> {
    ASSETS.iter().find(|(n, _, _)| *n == name)
}

pub async fn handle(state: &'static AppState, req: Request) -> Response<Body> {
    serve(req, |req| dispatch(state, req)).await
}

async fn dispatch(state: &AppState, req: Request) -> Result<Response<Body>> {
    let m = route_of(ROUTES, &req)?;
    let name = match m.op {
        Op::WebApp | Op::CreateAccountPage | Op::JoinPage => "index.html",
        Op::WebAsset => m.params.get("file")?,
    };
    let (_, ctype, bytes) = file(name).ok_or(Error::NotFound("file"))?;
    let cache = if name == "index.html" { "no-cache" } else { "public, max-age=300" };
    Response::builder()
        .status(200)
        .header("content-type", *ctype)
        .header("cache-control", cache)
        .header("content-security-policy", csp(state))
        .header("x-content-type-options", "nosniff")
        .header("referrer-policy", "no-referrer")
        .header("x-frame-options", "DENY")
        .body(Body::Binary(bytes.to_vec()))
        .map_err(Error::internal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::testing::{assert_routes_match_router, offline_state};

    #[test]
    fn routes_match_the_local_router() {
        assert_routes_match_router("web", ROUTES);
    }

    #[tokio::test]
    async fn serves_pages_and_assets_with_a_strict_policy() {
        for (uri, ctype) in
            [("/", "text/html; charset=utf-8"), ("/create-account", "text/html; charset=utf-8"), ("/assets/app.js", "text/javascript; charset=utf-8")]
        {
            let req = lambda_http::http::Request::builder().method("GET").uri(uri).body(Body::Empty).unwrap();
            let resp = handle(offline_state(), req).await;
            assert_eq!(resp.status(), 200, "{uri}");
            assert_eq!(resp.headers()["content-type"], ctype);
            let csp = resp.headers()["content-security-policy"].to_str().unwrap();
            assert!(csp.contains("script-src 'self';") && csp.contains("style-src 'self';"), "{csp}");
            // No inline scripts, no inline styles: not in <style>/<script> and not in attributes.
            assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval") && !csp.contains("style-src-attr"), "{csp}");
        }
        let req = lambda_http::http::Request::builder().method("GET").uri("/assets/../Cargo.toml").body(Body::Empty).unwrap();
        assert_eq!(handle(offline_state(), req).await.status(), 400);
        let req = lambda_http::http::Request::builder().method("GET").uri("/assets/nothing.js").body(Body::Empty).unwrap();
        assert_eq!(handle(offline_state(), req).await.status(), 404);
    }

    #[test]
    fn every_file_of_the_ui_is_served() {
        let dir = shared::testing::repo_root().join("web/assets");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        on_disk.push("index.html".into());
        on_disk.sort();
        let mut served: Vec<String> = ASSETS.iter().map(|(n, _, _)| n.to_string()).collect();
        served.sort();
        assert_eq!(served, on_disk, "a file in web/ is not embedded (or the list names a file that is gone)");
    }

    #[test]
    fn index_has_no_inline_script() {
        let html = std::str::from_utf8(file("index.html").unwrap().2).unwrap();
        assert!(!html.contains("<script>") && html.contains("<script type=\"module\" src=\"/assets/app.js\">"));
    }

    #[test]
    fn file_inputs_accept_what_the_server_accepts() {
        // The UI's list cannot follow the server's by itself (no build step): it is compared.
        let js = std::str::from_utf8(file("api-files.js").unwrap().2).unwrap();
        let accept = shared::domain::upload::accept_attribute();
        assert!(js.contains(&format!("export const UPLOAD_ACCEPT = \"{accept}\";")), "web/assets/api-files.js UPLOAD_ACCEPT must be {accept:?}");
        let words = shared::domain::upload::ACCEPTED_IN_WORDS;
        assert!(js.contains(&format!("export const UPLOAD_TYPES_IN_WORDS = \"{words}\";")), "web/assets/api-files.js UPLOAD_TYPES_IN_WORDS must be {words:?}");
    }

    #[tokio::test]
    async fn sample_event_serves_the_app() {
        let resp = handle(offline_state(), shared::testing::event_request("web/index.json")).await;
        assert_eq!(resp.status(), 200);
    }
}
