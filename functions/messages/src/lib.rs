//! `messages` — secure message threads between the firm and a client's contacts, for staff
//! (`/api/staff/…`) and contacts (`/api/portal/…`). The rules are in `shared::messages`.

use lambda_http::{Body, Request, Response};
use shared::access::viewer_for;
use shared::http::{json, json_body, match_route, path, route, serve, Route};
use shared::{messages, AppState, Result};

pub const ROUTES: &[Route] = &[
    route("POST", "/api/staff/clients/{client_id}/threads", "start"),
    route("GET", "/api/staff/clients/{client_id}/threads", "list"),
    route("GET", "/api/staff/clients/{client_id}/threads/{thread_id}", "open"),
    route("POST", "/api/staff/clients/{client_id}/threads/{thread_id}/messages", "post"),
    route("POST", "/api/portal/clients/{client_id}/threads", "start"),
    route("GET", "/api/portal/clients/{client_id}/threads", "list"),
    route("GET", "/api/portal/clients/{client_id}/threads/{thread_id}", "open"),
    route("POST", "/api/portal/clients/{client_id}/threads/{thread_id}/messages", "post"),
];

pub async fn handle(state: &'static AppState, req: Request) -> Response<Body> {
    serve(req, |req| dispatch(state, req)).await
}

async fn dispatch(state: &AppState, req: Request) -> Result<Response<Body>> {
    let (r, p) = match_route(ROUTES, req.method().as_str(), &path(&req))?;
    let client_id = p.get("client_id")?;
    let viewer = viewer_for(state, &req, client_id).await?;
    match r.name {
        "start" => json(201, &messages::start(state, &viewer, client_id, json_body(&req)?).await?),
        "list" => json(200, &serde_json::json!({ "threads": messages::list(&state.store, &viewer, client_id).await? })),
        "open" => json(200, &messages::open(&state.store, &viewer, client_id, p.get("thread_id")?).await?),
        "post" => json(201, &messages::post(state, &viewer, client_id, p.get("thread_id")?, json_body(&req)?).await?),
        other => unreachable!("route {other} has no handler"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::testing::{assert_routes_match_router, event_request, offline_state};

    #[test]
    fn routes_match_the_local_router() {
        assert_routes_match_router("messages", ROUTES);
    }

    #[tokio::test]
    async fn sample_event_reaches_the_route_and_demands_a_valid_token() {
        let resp = handle(offline_state(), event_request("messages/start-thread.json")).await;
        assert_eq!(resp.status(), 401);
    }
}
