//! `messages` — secure message threads between the firm and a client's contacts, for staff
//! (`/api/staff/…`) and contacts (`/api/portal/…`). The rules are in `shared::ops::messages`.

use lambda_http::{Body, Request, Response};
use shared::http::routes::messages::{Op, ROUTES};
use shared::http::viewer_for;
use shared::http::{json, json_body, page_request, route_of, serve};
use shared::ops::messages;
use shared::{AppState, Result};

pub async fn handle(state: &'static AppState, req: Request) -> Response<Body> {
    serve(req, |req| dispatch(state, req)).await
}

async fn dispatch(state: &AppState, req: Request) -> Result<Response<Body>> {
    let m = route_of(ROUTES, &req)?;
    let client_id = m.params.get("client_id")?;
    let viewer = viewer_for(state, &req, m.audience, client_id).await?;
    match m.op {
        Op::StaffStartThread | Op::ContactStartThread => {
            json(201, &messages::start(&state.store, &state.outbox(&state.web_origin(&req)?), &viewer, client_id, json_body(&req)?).await?)
        }
        Op::StaffListThreads | Op::ContactListThreads => json(200, &messages::list(&state.store, &viewer, client_id, &page_request(&req)?).await?),
        Op::StaffOpenThread | Op::ContactOpenThread => {
            json(200, &messages::open(&state.store, &viewer, client_id, m.params.get("thread_id")?, &page_request(&req)?).await?)
        }
        Op::StaffPostMessage | Op::ContactPostMessage => json(
            201,
            &messages::post(&state.store, &state.outbox(&state.web_origin(&req)?), &viewer, client_id, m.params.get("thread_id")?, json_body(&req)?).await?,
        ),
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
