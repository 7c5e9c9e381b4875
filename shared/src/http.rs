//! HTTP plumbing shared by every HTTP function: routing, JSON in and out, one span per
//! request.
//!
//! Each function declares its routes as a `&[Route]` table with API Gateway's path
//! templates (`/api/staff/clients/{client_id}`). The same table is what the OpenAPI spec,
//! the SAM template and the local router must agree with (a test checks it), and matching
//! happens here on the raw path, so the function behaves the same behind API Gateway,
//! behind `cargo lambda watch`, or fed a sample event by `cargo lambda invoke`.

use std::collections::HashMap;
use std::future::Future;

use lambda_http::{Body, Request, RequestExt, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tracing::Instrument;

use crate::error::{Error, Result};

/// One route of a function: method, API Gateway path template, and a name for dispatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub name: &'static str,
}

pub const fn route(method: &'static str, path: &'static str, name: &'static str) -> Route {
    Route { method, path, name }
}

/// Path parameters captured by a route template.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Params(HashMap<String, String>);

impl Params {
    pub fn get(&self, name: &str) -> Result<&str> {
        self.0.get(name).map(String::as_str).ok_or_else(|| Error::internal(format!("route has no parameter {name}")))
    }
}

fn match_template(template: &str, path: &str) -> Option<Params> {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_end_matches('/').trim_start_matches('/').split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut params = HashMap::new();
    for (ts, ps) in t.iter().zip(&p) {
        if let Some(name) = ts.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            if ps.is_empty() {
                return None;
            }
            params.insert(name.to_string(), ps.to_string());
        } else if ts != ps {
            return None;
        }
    }
    Some(Params(params))
}

/// Find the route for `method` and `path`: 404 if no template matches the path, 405 if
/// one matches with another method.
pub fn match_route<'a>(routes: &'a [Route], method: &str, path: &str) -> Result<(&'a Route, Params)> {
    let mut path_matched = false;
    for r in routes {
        if let Some(params) = match_template(r.path, path) {
            if r.method.eq_ignore_ascii_case(method) {
                // The template, not the path: paths can carry secrets (invite tokens).
                tracing::Span::current().record("route", r.path);
                return Ok((r, params));
            }
            path_matched = true;
        }
    }
    if path_matched {
        Err(Error::MethodNotAllowed)
    } else {
        Err(Error::NotFound("route"))
    }
}

/// Parse a JSON body into `T`. The 400 names the field serde stumbled on.
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T> {
    let bytes: &[u8] = match req.body() {
        Body::Empty => b"",
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => b"",
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::BadRequest("the request needs a JSON body".into()));
    }
    if let Some(ct) = req.headers().get("content-type").and_then(|v| v.to_str().ok()) {
        if !ct.to_ascii_lowercase().starts_with("application/json") {
            return Err(Error::BadRequest(format!("the body must be application/json, not {ct}")));
        }
    }
    serde_json::from_slice(bytes).map_err(|e| Error::BadRequest(format!("the JSON body is not valid: {e}")))
}

/// A JSON response.
pub fn json<T: Serialize>(status: u16, value: &T) -> Result<Response<Body>> {
    json_text(status, serde_json::to_string(value).map_err(Error::internal)?)
}

/// A JSON response from an already serialized body (e.g. a replayed idempotent answer).
pub fn json_text(status: u16, body: String) -> Result<Response<Body>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(Body::Text(body))
        .map_err(Error::internal)
}

pub fn no_content() -> Result<Response<Body>> {
    Response::builder().status(204).header("cache-control", "no-store").body(Body::Empty).map_err(Error::internal)
}

/// The path of the request without stage prefix.
pub fn path(req: &Request) -> String {
    let raw = req.raw_http_path();
    if raw.is_empty() {
        req.uri().path().to_string()
    } else {
        raw.to_string()
    }
}

/// A query-string parameter, if present and not empty.
pub fn query_param(req: &Request, name: &str) -> Option<String> {
    req.query_string_parameters_ref().and_then(|q| q.first(name)).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

/// The caller's IP as API Gateway saw it (for audit), if known.
pub fn source_ip(req: &Request) -> Option<String> {
    match req.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.clone(),
        _ => None,
    }
}

/// Run one request inside its span (request id, method; the route template, `actor` and
/// `firm` once known — never the raw path, which may carry an invite token) and turn any
/// error into its problem response.
pub async fn serve<F, Fut>(req: Request, f: F) -> Response<Body>
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Result<Response<Body>>>,
{
    let request_id = req.lambda_context_ref().map(|c| c.request_id.clone()).unwrap_or_default();
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        route = tracing::field::Empty,
        actor = tracing::field::Empty,
        firm = tracing::field::Empty,
        status = tracing::field::Empty,
    );
    async move {
        let resp = match f(req).await {
            Ok(r) => r,
            Err(e) => e.to_response(),
        };
        tracing::Span::current().record("status", resp.status().as_u16());
        tracing::info!("done");
        resp
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTES: &[Route] = &[
        route("GET", "/api/staff/clients", "list"),
        route("POST", "/api/staff/clients", "create"),
        route("GET", "/api/staff/clients/{client_id}", "get"),
        route("PUT", "/api/staff/clients/{client_id}/contacts/{contact_id}", "link"),
    ];

    #[test]
    fn matches_templates_and_captures_parameters() {
        let (r, p) = match_route(ROUTES, "PUT", "/api/staff/clients/c1/contacts/k9").unwrap();
        assert_eq!(r.name, "link");
        assert_eq!((p.get("client_id").unwrap(), p.get("contact_id").unwrap()), ("c1", "k9"));
        assert_eq!(match_route(ROUTES, "get", "/api/staff/clients/").unwrap().0.name, "list");
    }

    #[test]
    fn distinguishes_unknown_paths_from_wrong_methods() {
        assert!(matches!(match_route(ROUTES, "DELETE", "/api/staff/clients"), Err(Error::MethodNotAllowed)));
        assert!(matches!(match_route(ROUTES, "GET", "/api/staff/clients/c1/extra"), Err(Error::NotFound(_))));
        assert!(matches!(match_route(ROUTES, "GET", "/api/staff//contacts"), Err(Error::NotFound(_))));
    }

    #[test]
    fn json_body_errors_say_what_to_fix() {
        let req = lambda_http::http::Request::builder().header("content-type", "text/plain").body(Body::Text("{}".into())).unwrap();
        assert!(json_body::<serde_json::Value>(&req).unwrap_err().public_detail().contains("application/json"));
        let req = lambda_http::http::Request::builder().body(Body::Empty).unwrap();
        assert!(json_body::<serde_json::Value>(&req).unwrap_err().public_detail().contains("JSON body"));
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Need {
            name: String,
        }
        let req = lambda_http::http::Request::builder().body(Body::Text("{}".into())).unwrap();
        assert!(json_body::<Need>(&req).unwrap_err().public_detail().contains("missing field `name`"));
    }
}
