//! `signatures` — e-signature forms: staff send a document of the client's portal for
//! signature, contacts sign (consent, typed name, document hash) or decline, staff follow
//! who has signed and get the completion certificate. The rules are in
//! `shared::ops::signatures`.

use lambda_http::{Body, Request, Response};
use shared::http::routes::signatures::{Op, ROUTES};
use shared::http::viewer_for;
use shared::http::{json, json_body, page_request, route_of, serve};
use shared::ops::audit::Origin;
use shared::ops::signatures;
use shared::{AppState, Result};

pub async fn handle(state: &'static AppState, req: Request) -> Response<Body> {
    serve(req, |req| dispatch(state, req)).await
}

async fn dispatch(state: &AppState, req: Request) -> Result<Response<Body>> {
    let m = route_of(ROUTES, &req)?;
    let client_id = m.params.get("client_id")?;
    let viewer = viewer_for(state, &req, m.audience, client_id).await?;
    let store = &state.store;
    match m.op {
        Op::SendForSignature => json(
            201,
            &signatures::send(store, &state.blobs, &state.outbox(&state.web_origin(&req)?), &viewer, client_id, json_body(&req)?, &Origin::of(&req)).await?,
        ),
        Op::StaffListSignatureForms | Op::ContactListSignatureForms => json(200, &signatures::list(store, &viewer, client_id, &page_request(&req)?).await?),
        Op::StaffGetSignatureForm | Op::ContactGetSignatureForm => json(200, &signatures::get(store, &viewer, client_id, m.params.get("form_id")?).await?),
        Op::VerifySignatureForm => json(200, &signatures::verify(store, &state.blobs, &viewer, client_id, m.params.get("form_id")?).await?),
        Op::SignForm => {
            json(200, &signatures::sign(store, &state.blobs, &viewer, client_id, m.params.get("form_id")?, json_body(&req)?, &Origin::of(&req)).await?)
        }
        Op::DeclineForm => json(200, &signatures::decline(store, &viewer, client_id, m.params.get("form_id")?, json_body(&req)?, &Origin::of(&req)).await?),
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
