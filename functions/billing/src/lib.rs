//! `billing` — invoices, payments and balances; the firm's billing settings; online
//! payment through the provider seam. The rules are in `shared::billing`.

use std::sync::OnceLock;

use lambda_http::{Body, Request, Response};
use shared::access::{viewer_for, Viewer};
use shared::auth::{Actor, Audience};
use shared::billing::{self, PaymentInput, PaymentProvider};
use shared::http::{json, json_body, match_route, path, route, serve, Route};
use shared::{AppState, Error, Result};

pub const ROUTES: &[Route] = &[
    route("GET", "/api/staff/settings/billing", "get_settings"),
    route("PUT", "/api/staff/settings/billing", "set_settings"),
    route("POST", "/api/staff/clients/{client_id}/invoices", "create_invoice"),
    route("GET", "/api/staff/clients/{client_id}/invoices", "summary"),
    route("GET", "/api/staff/clients/{client_id}/invoices/{invoice_id}", "invoice"),
    route("POST", "/api/staff/clients/{client_id}/invoices/{invoice_id}/payments", "record_payment"),
    route("GET", "/api/portal/clients/{client_id}/billing", "summary"),
    route("GET", "/api/portal/clients/{client_id}/invoices/{invoice_id}", "invoice"),
    route("POST", "/api/portal/clients/{client_id}/invoices/{invoice_id}/pay", "pay_online"),
];

/// The payment provider, chosen once per cold start from `PAYMENT_PROVIDER`.
fn provider() -> Option<&'static dyn PaymentProvider> {
    static P: OnceLock<Option<Box<dyn PaymentProvider>>> = OnceLock::new();
    P.get_or_init(billing::provider_from_env).as_deref()
}

pub async fn handle(state: &'static AppState, req: Request) -> Response<Body> {
    serve(req, |req| dispatch(state, req)).await
}

async fn dispatch(state: &AppState, req: Request) -> Result<Response<Body>> {
    let (r, p) = match_route(ROUTES, req.method().as_str(), &path(&req))?;
    let store = &state.store;
    if r.name.ends_with("_settings") {
        let Actor::Staff { firm_id, .. } = state.authenticate(&req, Audience::Staff).await? else {
            return Err(Error::NotFound("route"));
        };
        return match r.name {
            "get_settings" => json(200, &billing::settings(store, &firm_id).await?),
            _ => json(200, &billing::set_settings(store, &firm_id, json_body(&req)?).await?),
        };
    }
    let client_id = p.get("client_id")?;
    let viewer = viewer_for(state, &req, client_id).await?;
    let firm = store.firm(viewer.firm_id()).await?;
    let staff = matches!(viewer, Viewer::Staff { .. });
    // Billing off: the portal has no billing at all.
    if !staff && !firm.billing_enabled {
        return Err(Error::NotFound("route"));
    }
    match r.name {
        "create_invoice" => json(201, &billing::create_invoice(store, &viewer, client_id, json_body(&req)?).await?),
        "summary" => json(200, &billing::client_summary(store, client_id, firm.online_payments_enabled).await?),
        "invoice" => json(200, &billing::invoice(store, &viewer, client_id, p.get("invoice_id")?).await?),
        "record_payment" => {
            let input: PaymentInput = json_body(&req)?;
            let reference = input.reference.unwrap_or_default();
            let payment = billing::NewPayment { amount: input.amount, paid_on: input.paid_on, method: "recorded", reference };
            json(201, &billing::pay(store, &viewer, client_id, p.get("invoice_id")?, payment).await?)
        }
        "pay_online" => {
            if !firm.online_payments_enabled {
                return Err(Error::Conflict("online payment is not available; contact your firm to pay".into()));
            }
            let provider = provider().ok_or_else(|| Error::Conflict("online payment is not configured; contact your firm to pay".into()))?;
            let input: PaymentInput = json_body(&req)?;
            json(201, &billing::pay_online(store, &viewer, client_id, p.get("invoice_id")?, input.amount, provider).await?)
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
        assert_routes_match_router("billing", ROUTES);
    }

    #[tokio::test]
    async fn sample_event_reaches_the_route_and_demands_a_valid_token() {
        let resp = handle(offline_state(), event_request("billing/create-invoice.json")).await;
        assert_eq!(resp.status(), 401);
    }
}
