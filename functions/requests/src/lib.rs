//! `requests` — client requests and tasks (the contact's To-Do): staff create, complete
//! and reopen; contacts answer and mark done. The rules are in `shared::ops::requests`.

use lambda_http::{Body, Request, Response};
use shared::http::routes::requests::{Op, ROUTES};
use shared::http::viewer_for;
use shared::http::{json, json_body, page_request, route_of, serve};
use shared::ops::requests::{self, NoteInput};
use shared::{AppState, Result};

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
    let m = route_of(ROUTES, &req)?;
    let client_id = m.params.get("client_id")?;
    let viewer = viewer_for(state, &req, m.audience, client_id).await?;
    let store = &state.store;
    let by = viewer.actor_ref();
    match m.op {
        Op::CreateRequest => json(201, &requests::create(store, &viewer, by, client_id, json_body(&req)?).await?),
        Op::StaffListRequests | Op::Todo => json(200, &requests::list(store, &viewer, client_id, &page_request(&req)?).await?),
        Op::StaffGetRequest | Op::ContactGetRequest => json(200, &requests::get(store, &viewer, client_id, m.params.get("request_id")?).await?),
        Op::RespondToRequest => json(200, &requests::respond(store, &viewer, by, client_id, m.params.get("request_id")?, json_body(&req)?).await?),
        op @ (Op::SubmitRequest | Op::CompleteRequest | Op::ReopenRequest) => {
            let action = match op {
                Op::SubmitRequest => "submit",
                Op::CompleteRequest => "complete",
                _ => "reopen",
            };
            json(200, &requests::change_status(store, &viewer, by, client_id, m.params.get("request_id")?, action, note(&req)?).await?)
        }
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
