//! `accounts` — sign-in, refresh and sign-out.
//!
//! Public routes (no bearer token) except sign-out, which ends every session of the login
//! that presents its access token.

use lambda_http::{Body, Request, Response};
use shared::auth::{bearer_token, Audience};
use shared::http::{json, json_body, match_route, no_content, path, route, serve, Route};
use shared::sessions::{self, RefreshInput, SignInInput};
use shared::{AppState, Result};

pub const ROUTES: &[Route] = &[
    route("POST", "/api/staff/sessions", "staff_sign_in"),
    route("POST", "/api/staff/sessions/refresh", "staff_refresh"),
    route("DELETE", "/api/staff/sessions", "staff_sign_out"),
];

pub async fn handle(state: &'static AppState, req: Request) -> Response<Body> {
    serve(req, |req| dispatch(state, req)).await
}

async fn dispatch(state: &AppState, req: Request) -> Result<Response<Body>> {
    let (r, _) = match_route(ROUTES, req.method().as_str(), &path(&req))?;
    let pool = &state.config.staff;
    match r.name {
        "staff_sign_in" => {
            let (email, password) = json_body::<SignInInput>(&req)?.parse()?;
            let session = sessions::sign_in(&state.cognito, pool, &email, &password).await?;
            // The login must belong to a staff member of a firm, or the tokens are useless.
            state.authenticate_token(&session.access_token, Audience::Staff).await?;
            json(200, &session)
        }
        "staff_refresh" => json(200, &sessions::refresh(&state.cognito, pool, json_body::<RefreshInput>(&req)?).await?),
        "staff_sign_out" => {
            state.authenticate(&req, Audience::Staff).await?;
            sessions::sign_out(&state.cognito, bearer_token(req.headers())?).await?;
            no_content()
        }
        other => unreachable!("route {other} has no handler"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::testing::{assert_routes_match_router, body_json, event_request, offline_state};

    #[test]
    fn routes_match_the_local_router() {
        assert_routes_match_router("accounts", ROUTES);
    }

    #[tokio::test]
    async fn sign_in_checks_input_before_calling_cognito() {
        // The sample event has a malformed email: refused with the field named, no AWS call.
        let resp = handle(offline_state(), event_request("accounts/staff-sign-in-invalid.json")).await;
        assert_eq!(resp.status(), 400);
        let body = body_json(&resp);
        assert_eq!(body["errors"][0]["field"], "email");
        assert_eq!(body["errors"][1]["field"], "password");
    }

    #[tokio::test]
    async fn sign_out_needs_a_token() {
        let req = lambda_http::http::Request::builder().method("DELETE").uri("/api/staff/sessions").body(Body::Empty).unwrap();
        assert_eq!(handle(offline_state(), req).await.status(), 401);
    }
}
