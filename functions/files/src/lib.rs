//! `files` — upload slots, lists, sharing and downloads of a client's files, for staff
//! (`/api/staff/…`) and contacts (`/api/portal/…`). The rules are in `shared::files`.

use lambda_http::{Body, Request, Response};
use shared::access::{actor_for, open_client, Viewer};
use shared::audit::Origin;
use shared::http::{json, json_body, match_route, path, route, serve, Route};
use shared::{files, AppState, Error, Result};

pub const ROUTES: &[Route] = &[
    route("POST", "/api/staff/clients/{client_id}/files", "upload"),
    route("GET", "/api/staff/clients/{client_id}/files", "list"),
    route("PUT", "/api/staff/clients/{client_id}/files/{file_id}/sharing", "share"),
    route("GET", "/api/staff/clients/{client_id}/files/{file_id}/download", "download"),
    route("POST", "/api/portal/clients/{client_id}/files", "upload"),
    route("GET", "/api/portal/clients/{client_id}/files", "list"),
    route("GET", "/api/portal/clients/{client_id}/files/{file_id}/download", "download"),
];

pub async fn handle(state: &'static AppState, req: Request) -> Response<Body> {
    serve(req, |req| dispatch(state, req)).await
}

async fn dispatch(state: &AppState, req: Request) -> Result<Response<Body>> {
    let (r, p) = match_route(ROUTES, req.method().as_str(), &path(&req))?;
    let client_id = p.get("client_id")?;
    let actor = actor_for(state, &req).await?;
    if r.name == "list" {
        // The access check rides on the list's own Query.
        return json(200, &serde_json::json!({ "files": files::list(&state.store, &actor, client_id).await? }));
    }
    let viewer = open_client(&state.store, &actor, client_id).await?;
    match r.name {
        "upload" => json(201, &files::create_upload(state, &viewer, client_id, json_body(&req)?, &Origin::of(&req)).await?),
        "share" => {
            if !matches!(viewer, Viewer::Staff { .. }) {
                return Err(Error::NotFound("route"));
            }
            json(200, &files::set_sharing(&state.store, &viewer, client_id, p.get("file_id")?, json_body(&req)?, &Origin::of(&req)).await?)
        }
        "download" => json(200, &files::download(state, &viewer, client_id, p.get("file_id")?, &Origin::of(&req)).await?),
        other => unreachable!("route {other} has no handler"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::testing::{assert_routes_match_router, event_request, offline_state};

    #[test]
    fn routes_match_the_local_router() {
        assert_routes_match_router("files", ROUTES);
    }

    #[tokio::test]
    async fn sample_event_reaches_the_route_and_demands_a_valid_token() {
        let resp = handle(offline_state(), event_request("files/request-upload.json")).await;
        assert_eq!(resp.status(), 401);
    }
}
