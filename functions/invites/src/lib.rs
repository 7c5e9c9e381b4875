//! `invites` — staff send portal invites (one contact or many), preview the email, revoke
//! an open invite, and manage the firm's invite email templates.
//!
//! The rules live in `shared::invites` and `shared::templates`; this is the HTTP edge.

use lambda_http::{Body, Request, Response};
use shared::auth::{Actor, Audience};
use shared::http::{json, json_body, json_text, match_route, no_content, path, route, serve, Route};
use shared::audit::By;
use shared::{idempotency, invites, templates, AppState, Error, Result};


pub const ROUTES: &[Route] = &[
    route("POST", "/api/staff/clients/{client_id}/invites", "send"),
    route("POST", "/api/staff/clients/{client_id}/invites/preview", "preview"),
    route("POST", "/api/staff/clients/{client_id}/contacts/{contact_id}/revoke-invite", "revoke"),
    route("POST", "/api/staff/contacts/{contact_id}/revoke-access", "revoke_access"),
    route("GET", "/api/staff/templates", "list_templates"),
    route("POST", "/api/staff/templates", "create_template"),
    route("GET", "/api/staff/templates/{template_id}", "get_template"),
    route("PUT", "/api/staff/templates/{template_id}", "update_template"),
    route("DELETE", "/api/staff/templates/{template_id}", "delete_template"),
];

pub async fn handle(state: &'static AppState, req: Request) -> Response<Body> {
    serve(req, |req| dispatch(state, req)).await
}

async fn dispatch(state: &AppState, req: Request) -> Result<Response<Body>> {
    let (r, p) = match_route(ROUTES, req.method().as_str(), &path(&req))?;
    let actor = state.authenticate(&req, Audience::Staff).await?;
    let Actor::Staff { sub, firm_id, .. } = &actor else {
        return Err(Error::Forbidden("this route is for firm staff".into()));
    };
    let by = By::of(&actor, &req);
    let store = &state.store;
    let firm = firm_id.as_str();
    match r.name {
        "send" => {
            let body = json_body(&req)?;
            let client_id = p.get("client_id")?;
            // With an Idempotency-Key, a retry of the same request sends nothing twice.
            let claim = match idempotency::key_from(req.headers())? {
                None => None,
                Some(key) => {
                    let raw = std::str::from_utf8(req.body().as_ref()).unwrap_or("");
                    match idempotency::claim(store, sub, &format!("invites:{client_id}"), &key, raw).await? {
                        idempotency::Claim::Replay(status, body) => return json_text(status, body),
                        idempotency::Claim::Proceed(pk) => Some(pk),
                    }
                }
            };
            let outcome = invites::send_invites(state, &by, firm, client_id, body).await;
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
        "preview" => {
            let body = json_body(&req)?;
            json(200, &invites::preview(state, firm, p.get("client_id")?, body).await?)
        }
        "revoke" => json(200, &invites::revoke_invite(store, &by, firm, p.get("client_id")?, p.get("contact_id")?).await?),
        "revoke_access" => json(200, &shared::portal::revoke_access(state, &by, firm, p.get("contact_id")?).await?),
        "list_templates" => json(200, &serde_json::json!({ "templates": templates::list(store, firm).await? })),
        "create_template" => json(201, &templates::create(store, firm, json_body(&req)?).await?),
        "get_template" => json(200, &templates::get(store, firm, p.get("template_id")?).await?),
        "update_template" => json(200, &templates::update(store, firm, p.get("template_id")?, json_body(&req)?).await?),
        "delete_template" => {
            templates::delete(store, firm, p.get("template_id")?).await?;
            no_content()
        }
        other => unreachable!("route {other} has no handler"),
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
