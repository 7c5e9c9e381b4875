//! `requests` — client requests and tasks (the contact's To-Do): staff create, complete
//! and reopen; contacts answer and mark done. The rules are in `shared::requests`.

use lambda_http::{Body, Request, Response};
use shared::access::{viewer_for, Viewer};
use shared::http::{json, json_body, match_route, path, route, serve, Route};
use shared::requests::{self, NoteInput};
use shared::{AppState, Error, Result};

pub const ROUTES: &[Route] = &[
    route("POST", "/api/staff/clients/{client_id}/requests", "create"),
    route("GET", "/api/staff/clients/{client_id}/requests", "list"),
    route("GET", "/api/staff/clients/{client_id}/requests/{request_id}", "get"),
    route("POST", "/api/staff/clients/{client_id}/requests/{request_id}/complete", "complete"),
    route("POST", "/api/staff/clients/{client_id}/requests/{request_id}/reopen", "reopen"),
    route("GET", "/api/portal/clients/{client_id}/todo", "list"),
    route("GET", "/api/portal/clients/{client_id}/requests/{request_id}", "get"),
    route("POST", "/api/portal/clients/{client_id}/requests/{request_id}/responses", "respond"),
    route("POST", "/api/portal/clients/{client_id}/requests/{request_id}/submit", "submit"),
];

pub async fn handle(state: &'static AppState, req: Request) -> Response<Body> {
    serve(req, |req| dispatch(state, req)).await
}

fn note(req: &Request) -> Result<NoteInput> {
    match req.body() {
        Body::Empty => Ok(NoteInput::default()),
        Body::Text(t) if t.trim().is_empty() => Ok(NoteInput::default()),
        _ => json_body(req),
    }
}

async fn dispatch(state: &AppState, req: Request) -> Result<Response<Body>> {
    let (r, p) = match_route(ROUTES, req.method().as_str(), &path(&req))?;
    let client_id = p.get("client_id")?;
    let viewer = viewer_for(state, &req, client_id).await?;
    let store = &state.store;
    let by = viewer.actor_ref();
    let staff = matches!(viewer, Viewer::Staff { .. });
    match r.name {
        "create" if staff => {
            let body = json_body(&req)?;
            json(201, &requests::create(store, &viewer, by, client_id, body).await?)
        }
        "list" => json(200, &serde_json::json!({ "requests": requests::list(store, &viewer, client_id).await? })),
        "get" => json(200, &requests::get(store, &viewer, client_id, p.get("request_id")?).await?),
        "respond" if !staff => {
            let body = json_body(&req)?;
            json(200, &requests::respond(store, &viewer, by, client_id, p.get("request_id")?, body).await?)
        }
        action @ ("submit" | "complete" | "reopen") => {
            let body = note(&req)?;
            json(200, &requests::change_status(store, &viewer, by, client_id, p.get("request_id")?, action, body).await?)
        }
        _ => Err(Error::NotFound("route")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::testing::{assert_routes_match_router, event_request, offline_state};

    #[test]
    fn routes_match_the_local_router() {
        assert_routes_match_router("requests", ROUTES);
    }

    #[tokio::test]
    async fn sample_event_reaches_the_route_and_demands_a_valid_token() {
        let resp = handle(offline_state(), event_request("requests/create-request.json")).await;
        assert_eq!(resp.status(), 401);
    }
}
