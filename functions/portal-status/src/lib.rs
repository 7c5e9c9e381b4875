//! `portal-status` — the contacts of a client, each with its portal status.
//!
//! Answered from one DynamoDB Query (the client partition holds the client item and one
//! link item per contact carrying invite and login times); see `shared::store`.

use lambda_http::{Body, Request, Response};
use shared::domain::identity::staff_firm;
use shared::http::routes::portal_status::{Op, ROUTES};
use shared::http::{json, route_of, serve};
use shared::ops::clients;
use shared::{AppState, Result};

pub async fn handle(state: &'static AppState, req: Request) -> Response<Body> {
    serve(req, |req| dispatch(state, req)).await
}

async fn dispatch(state: &AppState, req: Request) -> Result<Response<Body>> {
    let m = route_of(ROUTES, &req)?;
    let actor = state.authenticate(&req, m.audience).await?;
    match m.op {
        Op::GetPortalStatus => json(200, &clients::portal_status(&state.store, staff_firm(&actor)?, m.params.get("client_id")?).await?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::testing::{assert_routes_match_router, event_request, offline_state};

    #[test]
    fn routes_match_the_local_router() {
        assert_routes_match_router("portal-status", ROUTES);
    }

    #[tokio::test]
    async fn sample_event_reaches_the_route_and_demands_a_valid_token() {
        let resp = handle(offline_state(), event_request("portal-status/get-portal-status.json")).await;
        assert_eq!(resp.status(), 401);
    }

    #[tokio::test]
    async fn missing_token_is_401_without_aws() {
        let req = lambda_http::http::Request::builder()
            .method("GET")
            .uri("/api/staff/clients/0193a0b0-0000-7000-8000-000000000000/portal-status")
            .body(Body::Empty)
            .unwrap();
        let resp = handle(offline_state(), req).await;
        assert_eq!(resp.status(), 401);
        assert_eq!(resp.headers()["www-authenticate"], "Bearer");
    }
}
