//! HTTP plumbing shared by every HTTP function: routing, JSON in and out, one span per
//! request.
//!
//! Each function's route table ([`routes`]) is generated from `infra/openapi.yaml`, with
//! API Gateway's path templates (`/api/staff/clients/{client_id}`) and each route's
//! audience. Matching happens here on the raw path (paths with empty or dot segments are
//! refused), so the function behaves the same behind API Gateway, behind
//! `cargo lambda watch`, or fed a sample event by `cargo lambda invoke`.

use std::collections::HashMap;
use std::future::Future;

use lambda_http::{Body, Request, RequestExt, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tracing::Instrument;

use crate::error::{Error, Result};

// Written by scripts/routes.py from infra/openapi.yaml (`make routes`), not by hand or rustfmt:
// `routes.py --check` compares it byte for byte.
#[rustfmt::skip]
pub mod routes;
pub mod runtime;
pub mod state;

pub use crate::domain::identity::Audience;
pub use crate::domain::roles::Permission;

/// One route: method, API Gateway path template, the operation it serves and the audience
/// whose token it takes. The tables are generated from `infra/openapi.yaml`
/// ([`routes`]): a route is declared once, in the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route<Op: 'static> {
    pub method: &'static str,
    pub path: &'static str,
    pub op: Op,
    /// The spec's `operationId`.
    pub operation_id: &'static str,
    pub audience: Audience,
}

/// The route a request matched: what to do, whose token to check, the path's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched<Op> {
    pub op: Op,
    pub audience: Audience,
    pub params: Params,
}

/// Path parameters captured by a route template.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Params(HashMap<String, String>);

impl Params {
    pub fn get(&self, name: &str) -> Result<&str> {
        self.0.get(name).map(String::as_str).ok_or_else(|| Error::internal(format!("route has no parameter {name}")))
    }
}

/// The segments of a request path. Refused (400): a path that does not start with `/`, or
/// has an empty (`//`, a trailing `/`), `.` or `..` segment, also percent-encoded. API
/// Gateway would not route such a path to us; a proxy or router in front that normalises
/// it could, and then the path the caller wrote and the route we matched would differ.
pub fn segments(path: &str) -> Result<Vec<&str>> {
    let refuse = || Error::BadRequest("the path must not contain empty, `.` or `..` segments".into());
    let rest = path.strip_prefix('/').ok_or_else(refuse)?;
    if rest.is_empty() {
        return Ok(Vec::new());
    }
    let segs: Vec<&str> = rest.split('/').collect();
    for seg in &segs {
        let lower = seg.to_ascii_lowercase().replace("%2e", ".");
        if seg.is_empty() || lower == "." || lower == ".." {
            return Err(refuse());
        }
    }
    Ok(segs)
}

fn match_template(template: &str, path: &[&str]) -> Option<Params> {
    let t: Vec<&str> = template.split('/').filter(|s| !s.is_empty()).collect();
    if t.len() != path.len() {
        return None;
    }
    let mut params = HashMap::new();
    for (ts, ps) in t.iter().zip(path) {
        if let Some(name) = ts.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            params.insert(name.to_string(), ps.to_string());
        } else if ts != ps {
            return None;
        }
    }
    Some(Params(params))
}

/// Find the route for `method` and `path`: 400 for a path with empty or dot segments, 404
/// if no template matches the path, 405 if one matches with another method.
pub fn match_route<Op: Copy>(routes: &[Route<Op>], method: &str, path: &str) -> Result<Matched<Op>> {
    let segs = segments(path)?;
    let mut path_matched = false;
    for r in routes {
        if let Some(params) = match_template(r.path, &segs) {
            if r.method.eq_ignore_ascii_case(method) {
                // The template, not the path: paths can carry secrets (invite tokens).
                tracing::Span::current().record("route", r.path);
                return Ok(Matched { op: r.op, audience: r.audience, params });
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

/// [`match_route`] on the request's own method and path.
pub fn route_of<Op: Copy>(routes: &[Route<Op>], req: &Request) -> Result<Matched<Op>> {
    match_route(routes, req.method().as_str(), &path(req))
}

/// Authenticate a request to a client's portal with the token of the matched route's
/// audience (never decided from the raw path) and check access.
pub async fn viewer_for(state: &state::AppState, req: &Request, audience: Audience, client_id: &str) -> Result<crate::ops::access::Viewer> {
    let actor = state.authenticate(req, audience).await?;
    crate::ops::access::open_client(&state.store, &actor, client_id).await
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

/// `?limit=` and `?cursor=` of a list route (see [`crate::store::PageRequest::parse`]):
/// default 50, 1 to 200, else a 400 naming `limit`. The cursor is checked later, against
/// the key range the route reads.
pub fn page_request(req: &Request) -> Result<crate::store::PageRequest> {
    crate::store::PageRequest::parse(query_param(req, "limit").as_deref(), query_param(req, "cursor").as_deref())
}

impl crate::ops::audit::Origin {
    /// Where `req` came from: the caller's IP as API Gateway saw it and the user agent
    /// (cut to [`MAX_USER_AGENT`](crate::ops::audit::MAX_USER_AGENT) characters).
    pub fn of(req: &Request) -> Self {
        Self {
            ip: source_ip(req),
            user_agent: req.headers().get("user-agent").and_then(|v| v.to_str().ok()).map(|u| u.chars().take(crate::ops::audit::MAX_USER_AGENT).collect()),
        }
    }
}

impl crate::ops::audit::By {
    /// The caller of `req`, authenticated as `actor`.
    pub fn of(actor: &crate::domain::identity::Actor, req: &Request) -> Self {
        Self::new(actor, crate::ops::audit::Origin::of(req))
    }
}

/// When Lambda stops this invocation (milliseconds since the epoch; the runtime's
/// `Context.deadline`), if the request came through the Lambda runtime. Operations whose
/// effects must outlive a crash by exactly as long as the invocation could still run (the
/// idempotency lock) take it from here.
pub fn invocation_deadline_ms(req: &Request) -> Option<u64> {
    req.lambda_context_ref().map(|c| c.deadline).filter(|d| *d > 0)
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

    #[test]
    fn the_deadline_is_the_lambda_contexts() {
        let req = Request::default();
        assert_eq!(invocation_deadline_ms(&req), None, "no runtime, no deadline");
        let mut ctx = lambda_http::Context::default();
        ctx.deadline = 1_700_000_030_000;
        let req = Request::default().with_lambda_context(ctx);
        assert_eq!(invocation_deadline_ms(&req), Some(1_700_000_030_000));
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Op {
        List,
        Create,
        Get,
        Link,
    }

    const fn r(method: &'static str, path: &'static str, op: Op) -> Route<Op> {
        Route { method, path, op, operation_id: "", audience: Audience::Staff(Permission::Work) }
    }

    const ROUTES: &[Route<Op>] = &[
        r("GET", "/api/staff/clients", Op::List),
        r("POST", "/api/staff/clients", Op::Create),
        r("GET", "/api/staff/clients/{client_id}", Op::Get),
        r("PUT", "/api/staff/clients/{client_id}/contacts/{contact_id}", Op::Link),
    ];

    #[test]
    fn matches_templates_and_captures_parameters() {
        let m = match_route(ROUTES, "PUT", "/api/staff/clients/c1/contacts/k9").unwrap();
        assert_eq!(m.op, Op::Link);
        assert_eq!((m.params.get("client_id").unwrap(), m.params.get("contact_id").unwrap()), ("c1", "k9"));
        assert_eq!(match_route(ROUTES, "get", "/api/staff/clients").unwrap().op, Op::List);
    }

    #[test]
    fn distinguishes_unknown_paths_from_wrong_methods() {
        assert!(matches!(match_route(ROUTES, "DELETE", "/api/staff/clients"), Err(Error::MethodNotAllowed)));
        assert!(matches!(match_route(ROUTES, "GET", "/api/staff/clients/c1/extra"), Err(Error::NotFound(_))));
    }

    #[test]
    fn refuses_paths_with_empty_or_dot_segments() {
        for bad in [
            "/api/staff/clients/",
            "//api/staff/clients",
            "/api//staff/clients",
            "/api/staff/clients/./x",
            "/api/staff/clients/..",
            "/api/staff/clients/%2E%2e",
            "api/staff/clients",
        ] {
            assert!(matches!(match_route(ROUTES, "GET", bad), Err(Error::BadRequest(_))), "{bad} was not refused");
        }
        assert_eq!(segments("/").unwrap(), Vec::<&str>::new());
    }

    #[test]
    fn a_route_carries_the_audience_of_its_spec_operation() {
        use routes::files::{Op as F, ROUTES as FILES};
        let staff = match_route(FILES, "GET", "/api/staff/clients/c1/files").unwrap();
        assert_eq!((staff.op, staff.audience), (F::StaffListFiles, Audience::Staff(Permission::Work)));
        let contact = match_route(FILES, "GET", "/api/portal/clients/c1/files").unwrap();
        assert_eq!((contact.op, contact.audience), (F::ContactListFiles, Audience::Contact));
        let public = match_route(routes::accounts::ROUTES, "GET", "/api/invites/abc").unwrap();
        assert_eq!(public.audience, Audience::Public);
        let settings = match_route(routes::clients::ROUTES, "PATCH", "/api/staff/firm/settings").unwrap();
        assert_eq!(settings.audience, Audience::Staff(Permission::FirmSettings));
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
