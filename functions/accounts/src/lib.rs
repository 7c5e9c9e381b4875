//! `accounts` — everything about logins: staff sign-in, refresh and sign-out; the invite
//! link a contact opens, the account they create from it; contact sign-in, refresh,
//! sign-out and profile.
//!
//! Public routes (no bearer token): sign-in, refresh, the invite link and account
//! creation. Sign-out and `me` require the caller's access token.

use shared::ops::audit::Origin;
use lambda_http::{Body, Request, Response};
use shared::ports::tokens::{bearer_token};
use shared::domain::identity::{Actor, Audience};
use shared::http::routes::accounts::{Op, ROUTES};
use shared::http::{json, json_body, no_content, route_of, serve};
use shared::ports::sessions::{self, RefreshInput, SignInInput};
use shared::ops::portal;
use shared::{AppState, Error, Result};

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
    let m = route_of(ROUTES, &req)?;
    let p = &m.params;
    let staff = &state.config.staff;
    let contacts = &state.config.contacts;
    match m.op {
        Op::StaffSignIn => {
            let (email, password) = json_body::<SignInInput>(&req)?.parse()?;
            let answer = sessions::sign_in(state.cognito().await, staff, &email, &password).await?;
            // The login must belong to a staff member of a firm, or the tokens are useless.
            if let Some(session) = answer.session() {
                state.authenticate_token(&session.access_token, Audience::Staff).await?;
            }
            json(200, &answer)
        }
        Op::StaffMfa => {
            let answer = json_body::<sessions::MfaInput>(&req)?.parse()?;
            let session = sessions::complete_mfa(state.cognito().await, staff, &answer).await?;
            state.authenticate_token(&session.access_token, Audience::Staff).await?;
            json(200, &session)
        }
        Op::ContactMfa => {
            let answer = json_body::<sessions::MfaInput>(&req)?.parse()?;
            json(200, &portal::complete_sign_in(state, &answer, &Origin::of(&req)).await?)
        }
        op @ (Op::StaffTotpSetup | Op::StaffTotpVerify) => {
            let Actor::Staff { email, .. } = state.authenticate(&req, m.audience).await? else {
                return Err(Error::Forbidden("this route is for firm staff".into()));
            };
            totp_step(state, &req, op == Op::StaffTotpSetup, &email).await
        }
        op @ (Op::ContactTotpSetup | Op::ContactTotpVerify) => match state.authenticate(&req, m.audience).await? {
            Actor::Contact { contact_id, sub, .. } => {
                let email = portal::me(&state.store, &contact_id).await?.email.map(|e| e.to_string()).unwrap_or_default();
                let setup = op == Op::ContactTotpSetup;
                let resp = totp_step(state, &req, setup, &email).await?;
                if !setup {
                    portal::mark_mfa_enabled(&state.store, &sub).await?;
                }
                Ok(resp)
            }
            Actor::Staff { .. } => Err(Error::Forbidden("this route is for client contacts".into())),
        },
        Op::StaffRefresh => json(200, &sessions::refresh(state.cognito().await, staff, json_body::<RefreshInput>(&req)?).await?),
        Op::StaffSignOut | Op::ContactSignOut => {
            state.authenticate(&req, m.audience).await?;
            sessions::sign_out(state.cognito().await, bearer_token(req.headers())?).await?;
            no_content()
        }
        Op::OpenInvite => json(200, &portal::invite_info(state, p.get("token")?).await?),
        Op::CreateAccount => {
            let body = json_body(&req)?;
            let created = portal::create_account(state, p.get("token")?, body, &Origin::of(&req)).await?;
            json(if created.created { 201 } else { 200 }, &created)
        }
        Op::ContactSignIn => {
            let (email, password) = json_body::<SignInInput>(&req)?.parse()?;
            json(200, &portal::sign_in(state, &email, &password, &Origin::of(&req)).await?)
        }
        Op::ContactRefresh => json(200, &sessions::refresh(state.cognito().await, contacts, json_body::<RefreshInput>(&req)?).await?),
        Op::Me => match state.authenticate(&req, m.audience).await? {
            Actor::Contact { contact_id, .. } => json(200, &portal::me(&state.store, &contact_id).await?),
            Actor::Staff { .. } => Err(Error::Forbidden("this route is for client contacts".into())),
        },
        Op::UpdateMe => match state.authenticate(&req, m.audience).await? {
            actor @ Actor::Contact { .. } => {
                let Actor::Contact { contact_id, firm_id, .. } = &actor else { unreachable!() };
                let patch = json_body::<shared::ops::clients::ProfileInput>(&req)?.into_patch()?;
                shared::ops::clients::update_contact(state, &shared::ops::audit::By::of(&actor, &req), firm_id, contact_id, patch).await?;
                json(200, &portal::me(&state.store, contact_id).await?)
            }
            Actor::Staff { .. } => Err(Error::Forbidden("this route is for client contacts".into())),
        },
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
