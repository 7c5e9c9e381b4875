//! `clients` — staff manage their firm's clients and contacts.
//!
//! Thin by design: match the route, authenticate as staff, call [`shared::clients`], map
//! the result. Every id is scoped to the caller's firm inside the shared operations.

use lambda_http::{Body, Request, Response};
use shared::auth::Audience;
use shared::audit::{self, By};
use shared::http::{json, json_body, match_route, path, query_param, route, serve, Route};
use shared::state::staff_firm;
use shared::{clients, settings, AppState, Result};

pub const ROUTES: &[Route] = &[
    route("GET", "/api/staff/clients", "list_clients"),
    route("POST", "/api/staff/clients", "create_client"),
    route("GET", "/api/staff/clients/{client_id}", "get_client"),
    route("POST", "/api/staff/clients/{client_id}/contacts", "add_contact"),
    route("PUT", "/api/staff/clients/{client_id}/contacts/{contact_id}", "link_contact"),
    route("GET", "/api/staff/contacts/{contact_id}", "get_contact"),
    route("PATCH", "/api/staff/contacts/{contact_id}", "update_contact"),
    route("GET", "/api/staff/clients/{client_id}/audit", "audit"),
    route("GET", "/api/staff/firm/settings", "get_settings"),
    route("PATCH", "/api/staff/firm/settings", "update_settings"),
];

pub async fn handle(state: &'static AppState, req: Request) -> Response<Body> {
    serve(req, |req| dispatch(state, req)).await
}

async fn dispatch(state: &AppState, req: Request) -> Result<Response<Body>> {
    let (r, p) = match_route(ROUTES, req.method().as_str(), &path(&req))?;
    let actor = state.authenticate(&req, Audience::Staff).await?;
    let firm = staff_firm(&actor)?;
    let store = &state.store;
    match r.name {
        "list_clients" => json(200, &serde_json::json!({ "clients": clients::list_clients(store, firm).await? })),
        "create_client" => json(201, &clients::create_client(store, firm, json_body(&req)?).await?),
        "get_client" => json(200, &clients::client_detail(store, firm, p.get("client_id")?).await?),
        "add_contact" => {
            let body = json_body(&req)?;
            json(201, &clients::add_contact(store, firm, p.get("client_id")?, body).await?)
        }
        "link_contact" => {
            let (created, view) = clients::link_contact(store, firm, p.get("client_id")?, p.get("contact_id")?).await?;
            json(if created { 201 } else { 200 }, &view)
        }
        "get_contact" => json(200, &clients::contact_detail(store, firm, p.get("contact_id")?).await?),
        "update_contact" => {
            let body = json_body(&req)?;
            json(200, &clients::update_contact(state, &By::of(&actor, &req), firm, p.get("contact_id")?, body).await?)
        }
        "audit" => {
            let contact = query_param(&req, "contact_id");
            json(200, &serde_json::json!({ "entries": audit::history(store, firm, p.get("client_id")?, contact.as_deref()).await? }))
        }
        "get_settings" => json(200, &settings::get(store, firm, state.config.invite_lifetime_days).await?),
        "update_settings" => json(200, &settings::update(store, firm, json_body(&req)?, state.config.invite_lifetime_days).await?),
        other => unreachable!("route {other} has no handler"),
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
