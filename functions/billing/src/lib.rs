//! `billing` — invoices, payments and balances; the firm's billing settings; online
//! payment through the provider seam. The rules are in `shared::ops::billing`.

use std::sync::OnceLock;

use lambda_http::{Body, Request, Response};
use shared::domain::identity::staff_firm;
use shared::http::routes::billing::{Op, ROUTES};
use shared::http::viewer_for;
use shared::http::{json, json_body, page_request, route_of, serve};
use shared::ops::access::Viewer;
use shared::ops::audit::By;
use shared::ops::billing::{self, PaymentInput, PaymentProvider};
use shared::{AppState, Error, Result};

/// The payment provider, chosen once per cold start from the configuration
/// (`PAYMENT_PROVIDER`).
fn provider(state: &AppState) -> Option<&'static dyn PaymentProvider> {
    static P: OnceLock<Option<Box<dyn PaymentProvider>>> = OnceLock::new();
    P.get_or_init(|| billing::provider_for(state.config.payment_provider.as_deref())).as_deref()
}

pub async fn handle(state: &'static AppState, req: Request) -> Response<Body> {
    serve(req, |req| dispatch(state, req)).await
}

async fn dispatch(state: &AppState, req: Request) -> Result<Response<Body>> {
    let m = route_of(ROUTES, &req)?;
    let store = &state.store;
    let configured = provider(state).is_some();
    if let Op::GetBillingSettings | Op::SetBillingSettings = m.op {
        let actor = state.authenticate(&req, m.audience).await?;
        let firm_id = staff_firm(&actor)?;
        return match m.op {
            Op::GetBillingSettings => json(200, &billing::settings(store, firm_id, configured).await?),
            _ => json(200, &billing::set_settings(store, &By::of(&actor, &req), firm_id, json_body(&req)?, configured).await?),
        };
    }
    let client_id = m.params.get("client_id")?;
    let viewer = viewer_for(state, &req, m.audience, client_id).await?;
    let firm = store.firm(viewer.firm_id()).await?;
    // Billing off: the portal has no billing at all.
    if !matches!(viewer, Viewer::Staff { .. }) && !firm.billing_enabled {
        return Err(Error::NotFound("route"));
    }
    let invoice_id = || m.params.get("invoice_id");
    let online = billing::online_payments_offered(firm.online_payments_enabled, configured);
    match m.op {
        Op::CreateInvoice => json(201, &billing::create_invoice(store, &viewer, client_id, json_body(&req)?).await?),
        Op::StaffBilling | Op::ContactBilling => json(200, &billing::client_summary(store, client_id, online, &page_request(&req)?).await?),
        Op::StaffPayments | Op::ContactPayments => json(200, &billing::payments(store, client_id, &page_request(&req)?).await?),
        Op::StaffInvoice | Op::ContactInvoice => json(200, &billing::invoice(store, &viewer, client_id, invoice_id()?).await?),
        Op::RecordPayment => json(201, &billing::record_payment(store, &viewer, client_id, invoice_id()?, json_body(&req)?).await?),
        Op::PayOnline => {
            if !online {
                return Err(Error::Conflict("online payment is not available; contact your firm to pay".into()));
            }
            let provider = provider(state).ok_or_else(|| Error::Conflict("online payment is not configured; contact your firm to pay".into()))?;
            let input: PaymentInput = json_body(&req)?;
            json(201, &billing::pay_online(store, &viewer, client_id, invoice_id()?, input.amount, provider).await?)
        }
        Op::GetBillingSettings | Op::SetBillingSettings => unreachable!("answered above"),
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
