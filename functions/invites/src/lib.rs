//! `invites` — staff send portal invites (one contact or many), preview the email, revoke
//! an open invite, and manage the firm's invite email templates.
//!
//! The rules live in `shared::ops::invites` and `shared::ops::templates`; this is the HTTP edge.

use lambda_http::{Body, Request, Response};
use shared::domain::identity::Actor;
use shared::http::routes::invites::{Op, ROUTES};
use shared::http::{invocation_deadline_ms, json, json_body, json_text, no_content, page_request, query_param, route_of, serve};
use shared::ops::audit::By;
use shared::ops::{idempotency, invites, templates};
use shared::{AppState, Error, Result};

pub async fn handle(state: &'static AppState, req: Request) -> Response<Body> {
    serve(req, |req| dispatch(state, req)).await
}

async fn dispatch(state: &AppState, req: Request) -> Result<Response<Body>> {
    let m = route_of(ROUTES, &req)?;
    let p = &m.params;
    let actor = state.authenticate(&req, m.audience).await?;
    let Actor::Staff { sub, firm_id, .. } = &actor else {
        return Err(Error::Forbidden("this route is for firm staff".into()));
    };
    let by = By::of(&actor, &req);
    let store = &state.store;
    let firm = firm_id.as_str();
    match m.op {
        Op::SendInvites => {
            let body = json_body(&req)?;
            let client_id = p.get("client_id")?;
            // With an Idempotency-Key, a retry of the same request sends nothing twice.
            let claim = match idempotency::key_from(req.headers())? {
                None => None,
                Some(key) => {
                    let raw = std::str::from_utf8(req.body().as_ref()).unwrap_or("");
                    match idempotency::claim(store, sub, &format!("invites:{client_id}"), &key, raw, invocation_deadline_ms(&req)).await? {
                        idempotency::Claim::Replay(status, body) => return json_text(status, body),
                        idempotency::Claim::Proceed(pk) => Some(pk),
                    }
                }
            };
            let outcome = invites::send_invites(store, &state.mailer, &*state.config_for(&req)?, &by, firm, client_id, body).await;
            match (outcome, claim) {
                (Ok(results), claim) => {
                    let body = serde_json::json!({ "results": results }).to_string();
                    if let Some(pk) = claim {
                        idempotency::complete(store, &pk, 200, &body).await?;
                    }
                    json_text(200, body)
                }
                (Err(e), Some(pk)) => {
                    idempotency::release(store, &pk).await?;
                    Err(e)
                }
                (Err(e), None) => Err(e),
            }
        }
        Op::CreateInviteJob => {
            let body = json_body(&req)?;
            // With an Idempotency-Key, a retry gets the same job and queues nothing again.
            let claim = match idempotency::key_from(req.headers())? {
                None => None,
                Some(key) => {
                    let raw = std::str::from_utf8(req.body().as_ref()).unwrap_or("");
                    match idempotency::claim(store, sub, "invite-jobs", &key, raw, invocation_deadline_ms(&req)).await? {
                        idempotency::Claim::Replay(status, body) => return json_text(status, body),
                        idempotency::Claim::Proceed(pk) => Some(pk),
                    }
                }
            };
            match (invites::jobs::create(store, &state.queue, &by, firm, body).await, claim) {
                (Ok(job), claim) => {
                    let body = serde_json::to_string(&job).map_err(Error::internal)?;
                    if let Some(pk) = claim {
                        idempotency::complete(store, &pk, 202, &body).await?;
                    }
                    json_text(202, body)
                }
                (Err(e), Some(pk)) => {
                    idempotency::release(store, &pk).await?;
                    Err(e)
                }
                (Err(e), None) => Err(e),
            }
        }
        Op::GetInviteJob => json(200, &invites::jobs::get(store, firm, p.get("job_id")?).await?),
        Op::ListInviteJobs => {
            json(200, &invites::jobs::list(store, firm, query_param(&req, "limit").as_deref(), query_param(&req, "cursor").as_deref()).await?)
        }
        Op::PreviewInvite => {
            let body = json_body(&req)?;
            json(200, &invites::preview(store, &*state.config_for(&req)?, firm, p.get("client_id")?, body).await?)
        }
        Op::RevokeInvite => json(200, &invites::revoke_invite(store, &by, firm, p.get("client_id")?, p.get("contact_id")?).await?),
        Op::RevokeAccess => json(200, &shared::ops::revoke::revoke_access(store, &state.logins, &by, firm, p.get("contact_id")?).await?),
        Op::ListTemplates => json(200, &templates::list(store, firm, &page_request(&req)?).await?),
        Op::CreateTemplate => json(201, &templates::create(store, firm, json_body(&req)?).await?),
        Op::GetTemplate => json(200, &templates::get(store, firm, p.get("template_id")?).await?),
        Op::UpdateTemplate => json(200, &templates::update(store, firm, p.get("template_id")?, json_body(&req)?).await?),
        Op::DeleteTemplate => {
            templates::delete(store, firm, p.get("template_id")?).await?;
            no_content()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::testing::{assert_routes_match_router, event_request, offline_state};

    #[test]
    fn routes_match_the_local_router() {
        assert_routes_match_router("invites", ROUTES);
    }

    #[tokio::test]
    async fn sample_event_reaches_the_route_and_demands_a_valid_token() {
        let resp = handle(offline_state(), event_request("invites/send-invites.json")).await;
        assert_eq!(resp.status(), 401);
    }
}
