//! The one error type of the system and its one mapping to HTTP.
//!
//! Every operation in this crate returns [`Error`]. Handlers never build error responses
//! themselves: [`Error::to_response`] turns any error into an RFC 9457
//! `application/problem+json` answer. A 4xx says precisely what was wrong with the input so
//! the caller can fix it; a 5xx says nothing internal (the cause is logged with the request
//! id instead), so no table name, ARN or SDK message ever reaches a browser.

use lambda_http::{Body, Response};
use serde::Serialize;

/// One problem with one input field, e.g. `email` / "is not a valid email address".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request body or parameters are invalid; one entry per field that needs fixing.
    #[error("invalid input: {}", summary(.0))]
    Validation(Vec<FieldError>),
    /// The body is not JSON or not the expected shape at all.
    #[error("malformed request: {0}")]
    BadRequest(String),
    /// Missing, malformed, forged, expired or wrong-pool credentials.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// Wrong email or password at sign-in (kept apart so the message can be exact).
    #[error("incorrect email or password")]
    BadCredentials,
    /// Authenticated, but this kind of caller may not use this route at all.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Unknown id, or an id that belongs to another tenant (never distinguished).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The route exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request conflicts with the current state (duplicate, concurrent change).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A link or resource that existed and is no longer usable (expired, used, revoked).
    #[error("gone: {0}")]
    Gone(String),
    /// A caller over one of its limits (see `ops::throttle`): answered 429 with
    /// `Retry-After: retry_after` (seconds) and a detail that says when to try again.
    #[error("too many requests: {detail}")]
    TooManyRequests { retry_after: u64, detail: String },
    /// Anything else: AWS failures, bugs. The message is logged, never returned.
    #[error("internal error: {0}")]
    Internal(String),
}

fn summary(errors: &[FieldError]) -> String {
    errors.iter().map(|e| format!("{} {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    title: &'a str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a [FieldError]>,
}

impl Error {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Error::Internal(e.to_string())
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation(vec![FieldError::new(field, message)])
    }

    pub fn status_code(&self) -> u16 {
        match self {
            Error::Validation(_) => 400,
            Error::BadRequest(_) => 400,
            Error::Unauthorized(_) | Error::BadCredentials => 401,
            Error::Forbidden(_) => 403,
            Error::NotFound(_) => 404,
            Error::MethodNotAllowed => 405,
            Error::Conflict(_) => 409,
            Error::Gone(_) => 410,
            Error::TooManyRequests { .. } => 429,
            Error::Internal(_) => 500,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Error::Validation(_) => "Invalid input",
            Error::BadRequest(_) => "Malformed request",
            Error::Unauthorized(_) => "Authentication required",
            Error::BadCredentials => "Sign-in failed",
            Error::Forbidden(_) => "Forbidden",
            Error::NotFound(_) => "Not found",
            Error::MethodNotAllowed => "Method not allowed",
            Error::Conflict(_) => "Conflict",
            Error::Gone(_) => "Gone",
            Error::TooManyRequests { .. } => "Too many requests",
            Error::Internal(_) => "Internal error",
        }
    }

    /// The text a caller may read. Internal causes are replaced by a generic sentence.
    pub fn public_detail(&self) -> String {
        match self {
            Error::Validation(errs) => format!("Please fix: {}.", summary(errs)),
            Error::BadRequest(m) | Error::Conflict(m) | Error::Gone(m) | Error::Forbidden(m) => m.clone(),
            Error::Unauthorized(m) => m.clone(),
            Error::TooManyRequests { detail, .. } => detail.clone(),
            Error::BadCredentials => "Incorrect email or password.".into(),
            Error::NotFound(what) => format!("No {what} with this id exists for you."),
            Error::MethodNotAllowed => "This route does not accept this method.".into(),
            Error::Internal(_) => "Something went wrong on our side. Please try again; if it persists, contact support with the request id.".into(),
        }
    }

    /// The `application/problem+json` response for this error. Logs 5xx causes.
    pub fn to_response(&self) -> Response<Body> {
        let status = self.status_code();
        if status >= 500 {
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::info!(status, error = %self, "request refused");
        }
        let errors = match self {
            Error::Validation(e) => Some(e.as_slice()),
            _ => None,
        };
        let problem = Problem { kind: "about:blank", title: self.title(), status, detail: self.public_detail(), errors };
        let mut builder = Response::builder().status(status).header("content-type", "application/problem+json").header("cache-control", "no-store");
        if status == 401 {
            builder = builder.header("www-authenticate", "Bearer");
        }
        if let Error::TooManyRequests { retry_after, .. } = self {
            builder = builder.header("retry-after", retry_after.max(&1).to_string());
        }
        builder.body(Body::Text(serde_json::to_string(&problem).expect("problem serializes"))).expect("static response parts are valid")
    }
}

/// Turn an AWS SDK error into [`Error::Internal`], keeping the service's own message
/// (for the log only; [`Error::to_response`] never returns it).
pub fn aws<E, R>(e: aws_sdk_dynamodb::error::SdkError<E, R>) -> Error
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    Error::Internal(format!("{}", aws_sdk_dynamodb::error::DisplayErrorContext(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(r: &Response<Body>) -> serde_json::Value {
        match r.body() {
            Body::Text(t) => serde_json::from_str(t).unwrap(),
            _ => panic!("expected text body"),
        }
    }

    #[test]
    fn validation_names_each_field() {
        let e = Error::Validation(vec![FieldError::new("email", "is not a valid email address"), FieldError::new("first_name", "is required")]);
        let r = e.to_response();
        assert_eq!(r.status(), 400);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let b = body(&r);
        assert_eq!(b["errors"][0]["field"], "email");
        assert!(b["detail"].as_str().unwrap().contains("first_name is required"));
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let r = Error::internal("ResourceNotFoundException: table portal-xyz").to_response();
        assert_eq!(r.status(), 500);
        let text = serde_json::to_string(&body(&r)).unwrap();
        assert!(!text.contains("portal-xyz"), "{text}");
    }

    #[test]
    fn too_many_requests_says_when_to_retry() {
        let r = Error::TooManyRequests { retry_after: 90, detail: "Try again in 2 minutes.".into() }.to_response();
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()["retry-after"], "90");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        assert_eq!(body(&r)["detail"], "Try again in 2 minutes.");
        // never `Retry-After: 0` (a client would retry at once)
        assert_eq!(Error::TooManyRequests { retry_after: 0, detail: "x".into() }.to_response().headers()["retry-after"], "1");
    }

    #[test]
    fn unauthorized_asks_for_a_bearer_token() {
        let r = Error::Unauthorized("missing bearer token".into()).to_response();
        assert_eq!(r.status(), 401);
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
    }
}
