//! `accounts` — everything about logins: staff sign-in, refresh and sign-out; the invite
//! link a contact opens, the account they create from it; contact sign-in, refresh,
//! sign-out and profile.
//!
//! Public routes (no bearer token): sign-in, refresh, the invite link and account
//! creation. Sign-out and `me` require the caller's access token.

use shared::audit::Origin;
use lambda_http::{Body, Request, Response};
use shared::auth::{bearer_token, Actor, Audience};
use shared::http::{json, json_body, match_route, no_content, path, route, serve, Route};
use shared::sessions::{self, RefreshInput, SignInInput};
use shared::{portal, AppState, Error, Result};

pub const ROUTES: &[Route] = &[
    route("POST", "/api/staff/sessions", "staff_sign_in"),
    route("POST", "/api/staff/sessions/refresh", "staff_refresh"),
    route("DELETE", "/api/staff/sessions", "staff_sign_out"),
    route("GET", "/api/invites/{token}", "open_invite"),
    route("POST", "/api/invites/{token}/account", "create_account"),
    route("POST", "/api/portal/sessions", "contact_sign_in"),
    route("POST", "/api/portal/sessions/refresh", "contact_refresh"),
    route("DELETE", "/api/portal/sessions", "contact_sign_out"),
    route("GET", "/api/portal/me", "me"),
    route("PATCH", "/api/portal/me", "update_me"),
    route("POST", "/api/staff/sessions/mfa", "staff_mfa"),
    route("POST", "/api/portal/sessions/mfa", "contact_mfa"),
    route("POST", "/api/staff/mfa/setup", "staff_totp_setup"),
    route("POST", "/api/staff/mfa/verify", "staff_totp_verify"),
    route("POST", "/api/portal/me/mfa/setup", "contact_totp_setup"),
    route("POST", "/api/portal/me/mfa/verify", "contact_totp_verify"),
];

/// Turn on an authenticator app for the caller's own login: `setup` gives the secret, then
/// `verify` with the app's first code makes it required at every sign-in.
async fn totp_step(state: &AppState, req: &Request, setup: bool, email: &str) -> Result<Response<Body>> {
    let token = bearer_token(req.headers())?;
    if setup {
        json(200, &sessions::start_totp(state.cognito().await, token, email).await?)
    } else {
        let input = json_body::<sessions::CodeInput>(req)?;
        sessions::confirm_totp(state.cognito().await, token, input.code.as_deref()).await?;
        no_content()
    }
}

pub async fn handle(state: &'static AppState, req: Request) -> Response<Body> {
    serve(req, |req| dispatch(state, req)).await
}

async fn dispatch(state: &AppState, req: Request) -> Result<Response<Body>> {
    let (r, p) = match_route(ROUTES, req.method().as_str(), &path(&req))?;
    let staff = &state.config.staff;
    let contacts = &state.config.contacts;
    match r.name {
        "staff_sign_in" => {
            let (email, password) = json_body::<SignInInput>(&req)?.parse()?;
            let answer = sessions::sign_in(state.cognito().await, staff, &email, &password).await?;
            // The login must belong to a staff member of a firm, or the tokens are useless.
            if let Some(session) = answer.session() {
                state.authenticate_token(&session.access_token, Audience::Staff).await?;
            }
            json(200, &answer)
        }
        "staff_mfa" => {
            let answer = json_body::<sessions::MfaInput>(&req)?.parse()?;
            let session = sessions::complete_mfa(state.cognito().await, staff, &answer).await?;
            state.authenticate_token(&session.access_token, Audience::Staff).await?;
            json(200, &session)
        }
        "contact_mfa" => {
            let answer = json_body::<sessions::MfaInput>(&req)?.parse()?;
            json(200, &portal::complete_sign_in(state, &answer, &Origin::of(&req)).await?)
        }
        "staff_totp_setup" | "staff_totp_verify" => {
            let Actor::Staff { email, .. } = state.authenticate(&req, Audience::Staff).await? else {
                return Err(Error::Forbidden("this route is for firm staff".into()));
            };
            totp_step(state, &req, r.name.ends_with("setup"), &email).await
        }
        "contact_totp_setup" | "contact_totp_verify" => match state.authenticate(&req, Audience::Contact).await? {
            Actor::Contact { contact_id, sub, .. } => {
                let email = portal::me(&state.store, &contact_id).await?.email.map(|e| e.to_string()).unwrap_or_default();
                let setup = r.name.ends_with("setup");
                let resp = totp_step(state, &req, setup, &email).await?;
                if !setup {
                    portal::mark_mfa_enabled(&state.store, &sub).await?;
                }
                Ok(resp)
            }
            Actor::Staff { .. } => Err(Error::Forbidden("this route is for client contacts".into())),
        },
        "staff_refresh" => json(200, &sessions::refresh(state.cognito().await, staff, json_body::<RefreshInput>(&req)?).await?),
        "staff_sign_out" => {
            state.authenticate(&req, Audience::Staff).await?;
            sessions::sign_out(state.cognito().await, bearer_token(req.headers())?).await?;
            no_content()
        }
        "open_invite" => json(200, &portal::invite_info(state, p.get("token")?).await?),
        "create_account" => {
            let body = json_body(&req)?;
            let created = portal::create_account(state, p.get("token")?, body, &Origin::of(&req)).await?;
            json(if created.created { 201 } else { 200 }, &created)
        }
        "contact_sign_in" => {
            let (email, password) = json_body::<SignInInput>(&req)?.parse()?;
            json(200, &portal::sign_in(state, &email, &password, &Origin::of(&req)).await?)
        }
        "contact_refresh" => json(200, &sessions::refresh(state.cognito().await, contacts, json_body::<RefreshInput>(&req)?).await?),
        "contact_sign_out" => {
            state.authenticate(&req, Audience::Contact).await?;
            sessions::sign_out(state.cognito().await, bearer_token(req.headers())?).await?;
            no_content()
        }
        "me" => match state.authenticate(&req, Audience::Contact).await? {
            Actor::Contact { contact_id, .. } => json(200, &portal::me(&state.store, &contact_id).await?),
            Actor::Staff { .. } => Err(Error::Forbidden("this route is for client contacts".into())),
        },
        "update_me" => match state.authenticate(&req, Audience::Contact).await? {
            actor @ Actor::Contact { .. } => {
                let Actor::Contact { contact_id, firm_id, .. } = &actor else { unreachable!() };
                let patch = json_body::<shared::clients::ProfileInput>(&req)?.into_patch()?;
                shared::clients::update_contact(state, &shared::audit::By::of(&actor, &req), firm_id, contact_id, patch).await?;
                json(200, &portal::me(&state.store, contact_id).await?)
            }
            Actor::Staff { .. } => Err(Error::Forbidden("this route is for client contacts".into())),
        },
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
        for uri in ["/api/staff/sessions", "/api/portal/sessions"] {
            let req = lambda_http::http::Request::builder().method("DELETE").uri(uri).body(Body::Empty).unwrap();
            assert_eq!(handle(offline_state(), req).await.status(), 401);
        }
    }

    #[tokio::test]
    async fn account_creation_needs_a_password_before_any_lookup() {
        let req = lambda_http::http::Request::builder()
            .method("POST")
            .uri("/api/invites/abc/account")
            .header("content-type", "application/json")
            .body(Body::Text("{}".into()))
            .unwrap();
        let resp = handle(offline_state(), req).await;
        assert_eq!(resp.status(), 400);
        assert_eq!(body_json(&resp)["errors"][0]["field"], "password");
    }
}
