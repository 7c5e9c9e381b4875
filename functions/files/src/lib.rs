//! `files` — upload slots, lists, sharing and downloads of a client's files, for staff
//! (`/api/staff/…`) and contacts (`/api/portal/…`). The rules are in `shared::ops::files`.

use lambda_http::{Body, Request, Response};
use shared::ops::access::open_client;
use shared::ops::audit::Origin;
use shared::http::routes::files::{Op, ROUTES};
use shared::http::{json, json_body, route_of, serve};
use shared::ops::files;
use shared::{AppState, Result};

pub async fn handle(state: &'static AppState, req: Request) -> Response<Body> {
    serve(req, |req| dispatch(state, req)).await
}

async fn dispatch(state: &AppState, req: Request) -> Result<Response<Body>> {
    let m = route_of(ROUTES, &req)?;
    let client_id = m.params.get("client_id")?;
    let actor = state.authenticate(&req, m.audience).await?;
    if let Op::StaffListFiles | Op::ContactListFiles = m.op {
        // The access check rides on the list's own Query.
        return json(200, &serde_json::json!({ "files": files::list(&state.store, &actor, client_id).await? }));
    }
    let viewer = open_client(&state.store, &actor, client_id).await?;
    match m.op {
        Op::StaffUploadFile | Op::ContactUploadFile => json(201, &files::create_upload(&state.store, &state.blobs, &viewer, client_id, json_body(&req)?, &Origin::of(&req)).await?),
        Op::ShareFile => json(200, &files::set_sharing(&state.store, &viewer, client_id, m.params.get("file_id")?, json_body(&req)?, &Origin::of(&req)).await?),
        Op::StaffDownloadFile | Op::ContactDownloadFile => json(200, &files::download(&state.store, &state.blobs, &viewer, client_id, m.params.get("file_id")?, &Origin::of(&req)).await?),
        Op::StaffListFiles | Op::ContactListFiles => unreachable!("answered above"),
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
