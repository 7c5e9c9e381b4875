//! `home` — the contact's Home for one client: To-Do, recent files, billing at a glance and
//! the firm's help link, in two AWS calls (see `shared::ops::portal::home`).

use lambda_http::{Body, Request, Response};
use shared::domain::identity::Actor;
use shared::http::routes::home::{Op, ROUTES};
use shared::http::{json, route_of, serve};
use shared::ops::home;
use shared::{AppState, Error, Result};

pub async fn handle(state: &'static AppState, req: Request) -> Response<Body> {
    serve(req, |req| dispatch(state, req)).await
}

async fn dispatch(state: &AppState, req: Request) -> Result<Response<Body>> {
    let m = route_of(ROUTES, &req)?;
    let Actor::Contact { contact_id, firm_id, .. } = state.authenticate(&req, m.audience).await? else {
        return Err(Error::NotFound("route"));
    };
    match m.op {
        Op::Home => json(200, &home::home(&state.store, &contact_id, &firm_id, m.params.get("client_id")?, state.config.payment_provider.is_some()).await?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::testing::{assert_routes_match_router, event_request, offline_state};

    #[test]
    fn routes_match_the_local_router() {
        assert_routes_match_router("home", ROUTES);
    }

    #[tokio::test]
    async fn sample_event_reaches_the_route_and_demands_a_valid_token() {
        let resp = handle(offline_state(), event_request("home/get-home.json")).await;
        assert_eq!(resp.status(), 401);
    }
}
