//! `clients` — staff manage their firm's clients and contacts.
//!
//! Thin by design: match the route, authenticate as staff, call [`shared::ops::clients`], map
//! the result. Every id is scoped to the caller's firm inside the shared operations.

use lambda_http::{Body, Request, Response};
use shared::domain::identity::staff_firm;
use shared::http::routes::clients::{Op, ROUTES};
use shared::http::{json, json_body, no_content, page_request, query_param, route_of, serve};
use shared::ops::audit::{self, By};
use shared::ops::{clients, lifecycle, settings};
use shared::{AppState, Result};

pub async fn handle(state: &'static AppState, req: Request) -> Response<Body> {
    serve(req, |req| dispatch(state, req)).await
}

async fn dispatch(state: &AppState, req: Request) -> Result<Response<Body>> {
    let m = route_of(ROUTES, &req)?;
    let p = &m.params;
    let actor = state.authenticate(&req, m.audience).await?;
    let firm = staff_firm(&actor)?;
    let store = &state.store;
    match m.op {
        Op::ListClients => {
            let q = |name| query_param(&req, name);
            let query =
                clients::ListQuery::parse(q("status").as_deref(), q("q").as_deref(), q("portal").as_deref(), q("limit").as_deref(), q("cursor").as_deref())?;
            json(200, &clients::list_page(store, firm, &query).await?)
        }
        Op::CreateClient => json(201, &clients::create_client(store, firm, json_body(&req)?).await?),
        Op::GetClient => json(200, &clients::client_detail(store, firm, p.get("client_id")?).await?),
        Op::RenameClient => json(200, &lifecycle::rename(store, &By::of(&actor, &req), firm, p.get("client_id")?, json_body(&req)?).await?),
        Op::ArchiveClient => json(200, &lifecycle::archive(store, &By::of(&actor, &req), firm, p.get("client_id")?).await?),
        Op::RestoreClient => json(200, &lifecycle::restore(store, &By::of(&actor, &req), firm, p.get("client_id")?).await?),
        Op::RemoveContact => {
            lifecycle::remove_contact(store, &By::of(&actor, &req), firm, p.get("client_id")?, p.get("contact_id")?).await?;
            no_content()
        }
        Op::AddContact => json(201, &clients::add_contact(store, firm, p.get("client_id")?, json_body(&req)?).await?),
        Op::LinkContact => {
            let (created, view) = clients::link_contact(store, firm, p.get("client_id")?, p.get("contact_id")?).await?;
            json(if created { 201 } else { 200 }, &view)
        }
        Op::GetContact => json(200, &clients::contact_detail(store, firm, p.get("contact_id")?).await?),
        Op::UpdateContact => {
            json(200, &clients::update_contact(store, &state.logins, &By::of(&actor, &req), firm, p.get("contact_id")?, json_body(&req)?).await?)
        }
        Op::GetAuditTrail => {
            let contact = query_param(&req, "contact_id");
            json(200, &audit::history(store, firm, p.get("client_id")?, contact.as_deref(), &page_request(&req)?).await?)
        }
        Op::GetFirmHistory => json(200, &audit::firm_history(store, firm, &page_request(&req)?).await?),
        Op::GetFirmSettings => json(200, &settings::get(store, firm, state.config.invite_lifetime_days).await?),
        Op::UpdateFirmSettings => json(200, &settings::update(store, &By::of(&actor, &req), firm, json_body(&req)?, state.config.invite_lifetime_days).await?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::testing::{assert_routes_match_router, body_json, event_request, offline_state};

    #[test]
    fn routes_match_the_local_router() {
        assert_routes_match_router("clients", ROUTES);
    }

    #[tokio::test]
    async fn sample_event_reaches_the_route_and_demands_a_valid_token() {
        // GIVEN the sample event that `cargo lambda invoke --data-file` uses (its token is a
        // placeholder to replace with a real one)
        let req = event_request("clients/create-client.json");
        // WHEN the handler gets it
        let resp = handle(offline_state(), req).await;
        // THEN the route matched (not 404/405) and the placeholder token is refused, before any AWS call
        assert_eq!(resp.status(), 401);
        assert_eq!(resp.headers()["content-type"], "application/problem+json");
        assert!(body_json(&resp)["detail"].as_str().unwrap().contains("not a valid JWT"));
    }

    #[tokio::test]
    async fn unknown_route_is_a_404_problem() {
        let req = lambda_http::http::Request::builder().method("GET").uri("/api/staff/nothing").body(Body::Empty).unwrap();
        let resp = handle(offline_state(), req).await;
        assert_eq!(resp.status(), 404);
    }
}
