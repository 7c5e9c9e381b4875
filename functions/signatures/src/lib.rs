//! `signatures` — e-signature forms: staff send a document of the client's portal for
//! signature, contacts sign (consent, typed name, document hash) or decline, staff follow
//! who has signed and get the completion certificate. The rules are in
//! `shared::signatures`.

use lambda_http::{Body, Request, Response};
use shared::access::{viewer_for, Viewer};
use shared::audit::Origin;
use shared::http::{json, json_body, match_route, path, route, serve, Route};
use shared::{signatures, AppState, Error, Result};

pub const ROUTES: &[Route] = &[
    route("POST", "/api/staff/clients/{client_id}/signatures", "send"),
    route("GET", "/api/staff/clients/{client_id}/signatures", "list"),
    route("GET", "/api/staff/clients/{client_id}/signatures/{form_id}", "get"),
    route("GET", "/api/staff/clients/{client_id}/signatures/{form_id}/verify", "verify"),
    route("GET", "/api/portal/clients/{client_id}/signatures", "list"),
    route("GET", "/api/portal/clients/{client_id}/signatures/{form_id}", "get"),
    route("POST", "/api/portal/clients/{client_id}/signatures/{form_id}/sign", "sign"),
    route("POST", "/api/portal/clients/{client_id}/signatures/{form_id}/decline", "decline"),
];

pub async fn handle(state: &'static AppState, req: Request) -> Response<Body> {
    serve(req, |req| dispatch(state, req)).await
}

async fn dispatch(state: &AppState, req: Request) -> Result<Response<Body>> {
    let (r, p) = match_route(ROUTES, req.method().as_str(), &path(&req))?;
    let client_id = p.get("client_id")?;
    let viewer = viewer_for(state, &req, client_id).await?;
    let staff = matches!(viewer, Viewer::Staff { .. });
    let store = &state.store;
    match r.name {
        "send" if staff => json(201, &signatures::send(state, &viewer, client_id, json_body(&req)?, &Origin::of(&req)).await?),
        "list" => json(200, &serde_json::json!({ "forms": signatures::list(store, &viewer, client_id).await? })),
        "get" => json(200, &signatures::get(store, &viewer, client_id, p.get("form_id")?).await?),
        "verify" if staff => json(200, &signatures::verify(state, &viewer, client_id, p.get("form_id")?).await?),
        "sign" if !staff => json(200, &signatures::sign(state, &viewer, client_id, p.get("form_id")?, json_body(&req)?, &Origin::of(&req)).await?),
        "decline" if !staff => json(200, &signatures::decline(state, &viewer, client_id, p.get("form_id")?, json_body(&req)?, &Origin::of(&req)).await?),
        _ => Err(Error::NotFound("route")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::testing::{assert_routes_match_router, event_request, offline_state};

    #[test]
    fn routes_match_the_local_router() {
        assert_routes_match_router("signatures", ROUTES);
    }

    #[tokio::test]
    async fn sample_event_reaches_the_route_and_demands_a_valid_token() {
        let resp = handle(offline_state(), event_request("signatures/list-forms.json")).await;
        assert_eq!(resp.status(), 401);
    }
}
