//! `accounts` — everything about logins: staff sign-in, refresh and sign-out; the invite
//! link a contact opens, the account they create from it; the staff invite link a
//! colleague opens and the staff login they create from it; contact sign-in, refresh,
//! sign-out and profile.
//!
//! Public routes (no bearer token): sign-in, refresh, the invite link and account
//! creation. Sign-out and `me` require the caller's access token.
//!
//! Every public route is throttled per caller (`shared::ops::throttle`): the source's limit
//! for its group of routes, checked once the body parses, and around each sign-in step
//! (password, authenticator code) the account's lockout.

use lambda_http::{Body, Request, Response};
use shared::domain::identity::Actor;
use shared::domain::throttle::Scope;
use shared::domain::EmailAddress;
use shared::http::routes::accounts::{Op, ROUTES};
use shared::http::{json, json_body, no_content, route_of, serve};
use shared::ops::audit::{By, Origin};
use shared::ops::clients::{self, ProfileInput};
use shared::ops::step_up::ProofInput;
use shared::ops::throttle::{self, Account};
use shared::ops::{accounts, team};
use shared::ports::logins::{CodeInput, Logins, MfaInput, Pool, RefreshInput, SignInInput};
use shared::ports::tokens::bearer_token;
use shared::{AppState, Error, Result};

pub async fn handle(state: &'static AppState, req: Request) -> Response<Body> {
    serve(req, |req| dispatch(state, req)).await
}

fn for_contacts() -> Error {
    Error::Forbidden("this route is for client contacts".into())
}

/// The operations with the largest futures (sign-in steps, account creation) are boxed:
/// inline, the one future of this `match` outgrew a 2 MB thread stack in debug builds.
async fn dispatch(state: &AppState, req: Request) -> Result<Response<Body>> {
    let m = route_of(ROUTES, &req)?;
    let p = &m.params;
    let (store, logins, limits) = (&state.store, &state.logins, &state.limits);
    let origin = Origin::of(&req);
    match m.op {
        Op::StaffSignIn => {
            let (email, password) = json_body::<SignInInput>(&req)?.parse()?;
            let step = Box::pin(accounts::staff_sign_in(store, logins, &state.staff_tokens, &email, &password));
            json(200, &throttle::sign_in_step(store, limits, &origin, Account::password(Pool::Staff, &email), step).await?)
        }
        Op::StaffMfa => {
            let answer = json_body::<MfaInput>(&req)?.parse()?;
            let step = Box::pin(accounts::staff_mfa(store, logins, &state.staff_tokens, &answer));
            json(200, &throttle::sign_in_step(store, limits, &origin, Account::code(Pool::Staff, &answer.email), step).await?)
        }
        Op::ContactMfa => {
            let answer = json_body::<MfaInput>(&req)?.parse()?;
            let step = Box::pin(accounts::complete_sign_in(store, logins, &state.contact_tokens, &answer, &origin));
            json(200, &throttle::sign_in_step(store, limits, &origin, Account::code(Pool::Contacts, &answer.email), step).await?)
        }
        Op::StaffTotpSetup | Op::StaffTotpVerify | Op::ContactTotpSetup | Op::ContactTotpVerify => {
            let (email, sub, pool, tokens, contact) = match state.authenticate(&req, m.audience).await? {
                Actor::Staff { email, sub, .. } => {
                    (EmailAddress::parse("email", &email).map_err(|e| Error::Validation(vec![e]))?, sub, Pool::Staff, &state.staff_tokens, false)
                }
                Actor::Contact { contact_id, sub, .. } => {
                    let email = accounts::me(store, &contact_id).await?.email.ok_or_else(|| Error::Forbidden("this contact has no email address".into()))?;
                    (email, sub, Pool::Contacts, &state.contact_tokens, true)
                }
            };
            let token = bearer_token(req.headers())?;
            if let Op::StaffTotpSetup | Op::ContactTotpSetup = m.op {
                let proof = json_body::<ProofInput>(&req)?;
                json(200, &Box::pin(accounts::start_totp(logins, tokens, pool, token, &sub, &email, proof)).await?)
            } else {
                let code = json_body::<CodeInput>(&req)?.code;
                accounts::confirm_totp(store, logins, token, code.as_deref(), contact.then_some(sub.as_str())).await?;
                no_content()
            }
        }
        Op::StaffRefresh | Op::ContactRefresh => {
            let input = json_body::<RefreshInput>(&req)?;
            throttle::source(store, limits, Scope::Refresh, &origin).await?;
            json(200, &logins.refresh(if m.op == Op::StaffRefresh { Pool::Staff } else { Pool::Contacts }, input).await?)
        }
        Op::StaffSignOut | Op::ContactSignOut => {
            state.authenticate(&req, m.audience).await?;
            logins.sign_out(bearer_token(req.headers())?).await?;
            no_content()
        }
        Op::OpenInvite => {
            throttle::source(store, limits, Scope::InviteLookup, &origin).await?;
            json(200, &accounts::invite_info(store, logins, p.get("token")?).await?)
        }
        Op::CreateAccount => {
            let body = json_body::<accounts::CreateAccountInput>(&req)?;
            // Without a password the operation refuses before any lookup: not counted.
            if body.password.as_deref().is_some_and(|p| !p.is_empty()) {
                throttle::source(store, limits, Scope::CreateAccount, &origin).await?;
            }
            let created = Box::pin(accounts::create_account(store, logins, p.get("token")?, body, &origin)).await?;
            json(if created.created { 201 } else { 200 }, &created)
        }
        Op::OpenStaffInvite => {
            throttle::source(store, limits, Scope::InviteLookup, &origin).await?;
            json(200, &team::join_info(store, logins, p.get("token")?).await?)
        }
        Op::JoinFirm => {
            let body = json_body::<team::JoinInput>(&req)?;
            // Without a password the operation refuses before any lookup: not counted.
            if body.password.as_deref().is_some_and(|p| !p.is_empty()) {
                throttle::source(store, limits, Scope::CreateAccount, &origin).await?;
            }
            json(201, &Box::pin(team::join(store, logins, p.get("token")?, body, &origin)).await?)
        }
        Op::ContactSignIn => {
            let (email, password) = json_body::<SignInInput>(&req)?.parse()?;
            let step = Box::pin(accounts::sign_in(store, logins, &state.contact_tokens, &email, &password, &origin));
            json(200, &throttle::sign_in_step(store, limits, &origin, Account::password(Pool::Contacts, &email), step).await?)
        }
        Op::Me => match state.authenticate(&req, m.audience).await? {
            Actor::Contact { contact_id, .. } => json(200, &accounts::me(store, &contact_id).await?),
            Actor::Staff { .. } => Err(for_contacts()),
        },
        Op::UpdateMe => {
            let actor = state.authenticate(&req, m.audience).await?;
            let Actor::Contact { contact_id, firm_id, .. } = &actor else { return Err(for_contacts()) };
            let patch = json_body::<ProfileInput>(&req)?.into_patch()?;
            clients::update_contact(store, logins, &By::of(&actor, &req), firm_id, contact_id, patch).await?;
            json(200, &accounts::me(store, contact_id).await?)
        }
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
