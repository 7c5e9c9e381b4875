//! The contact's Home: To-Do, recent files, billing at a glance and unread messages of one
//! client, from one read of the client's partition.

use serde::Serialize;

use crate::domain;
use crate::error::{Error, Result};
use crate::ops::accounts::PortalClient;
use crate::store::{ClientItem, from_item, keys, LinkRecord, Store};

#[derive(Debug, Serialize)]
pub struct TodoSummary {
    pub open: usize,
    pub overdue: usize,
    pub items: Vec<crate::ops::requests::RequestView>,
    /// Documents waiting for the contact's signature (counted in `open` and `overdue`).
    pub signatures: Vec<crate::ops::signatures::SignatureTodo>,
}

#[derive(Debug, Serialize)]
pub struct BillingGlance {
    pub balances: Vec<crate::ops::billing::Balance>,
    pub open_invoices: usize,
    pub online_payments_enabled: bool,
}

#[derive(Debug, Serialize)]
pub struct Home {
    pub client: PortalClient,
    pub firm_name: String,
    pub help_center_url: Option<String>,
    pub todo: TodoSummary,
    pub recent_files: Vec<crate::ops::files::FileView>,
    /// Absent when the firm has billing off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing: Option<BillingGlance>,
    /// Unread messages in the threads shared with the contact.
    pub messages: crate::ops::messages::UnreadSummary,
}

/// How many items each Home section shows.
pub const HOME_ITEMS: usize = 5;

/// The contact's Home for one client. Two AWS calls: `BatchGetItem` (the contact's link —
/// the access check — and the firm's settings) and one `Query` of the client's files,
/// signature forms, invoices, message threads, payments and requests.
/// `payments_configured`: the stage has a payment provider (see
/// [`crate::ops::billing::online_payments_offered`]).
pub async fn home(store: &Store, contact_id: &str, firm_id: &str, client_id: &str, payments_configured: bool) -> Result<Home> {
    if !domain::is_plausible_id(client_id) {
        return Err(Error::NotFound("client"));
    }
    let got = store.batch_get(vec![(keys::client(client_id), keys::contact(contact_id)), (keys::firm(firm_id), keys::FIRM_SK.into())]).await?;
    let mut link = None;
    let mut firm = None;
    for item in got {
        if item.get("SK").and_then(|v| v.as_s().ok()).map(String::as_str) == Some(keys::FIRM_SK) {
            firm = Some(from_item::<crate::store::FirmRecord>(item)?);
        } else {
            link = Some(from_item::<LinkRecord>(item)?);
        }
    }
    let link = link.filter(LinkRecord::opens_portal).ok_or(Error::NotFound("client"))?;
    let firm = firm.ok_or_else(|| Error::internal("firm settings missing"))?;
    let viewer = crate::ops::access::Viewer::Contact { contact_id: contact_id.into(), firm_id: firm_id.into(), name: String::new() };
    // Files, forms, invoices, threads, payments and requests sort together between `FILE#`
    // and `REQUEST$` (the audit trail sorts before them and is never read here).
    let items = store.query_between(&keys::client(client_id), keys::prefix::FILE, &keys::through(keys::prefix::REQUEST)).await?;
    let today = domain::now().date();
    let (mut requests, mut files, mut threads, mut forms, mut invoices, mut payments) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for item in ClientItem::decode_all(items)? {
        match item {
            ClientItem::Request(r) if crate::ops::requests::visible(&r, &viewer) && r.status != crate::store::RequestStatus::Completed => {
                requests.push(crate::ops::requests::RequestView::new(&r, today));
            }
            ClientItem::Form(f) => forms.push(*f),
            ClientItem::Thread(t) => threads.push(*t),
            ClientItem::File(f) if crate::ops::access::visible_to(&f, &viewer) => files.push(crate::ops::files::FileView::new(&f, &viewer)),
            ClientItem::Invoice(i) => invoices.push(*i),
            ClientItem::Payment(p) => payments.push(*p),
            _ => {}
        }
    }
    crate::ops::requests::sort_for_todo(&mut requests);
    files.sort_by_key(|f| std::cmp::Reverse(f.created_at));
    let billing = if firm.billing_enabled {
        let online = crate::ops::billing::online_payments_offered(firm.online_payments_enabled, payments_configured);
        let summary = crate::ops::billing::summary(invoices, payments, online)?;
        Some(BillingGlance {
            open_invoices: summary.invoices.iter().filter(|i| i.status != "paid").count(),
            balances: summary.balances,
            online_payments_enabled: online,
        })
    } else {
        None
    };
    let signatures = crate::ops::signatures::todo_of(forms.iter().filter(|f| f.firm_id == firm_id), contact_id, today);
    let open = requests.iter().filter(|r| r.status == crate::store::RequestStatus::Open).count() + signatures.len();
    let overdue = requests.iter().filter(|r| r.overdue).count() + signatures.iter().filter(|s| s.overdue).count();
    Ok(Home {
        client: PortalClient { id: link.client_id, name: link.client_name },
        firm_name: firm.name,
        help_center_url: firm.help_center_url,
        todo: TodoSummary { open, overdue, items: requests.into_iter().take(HOME_ITEMS).collect(), signatures },
        recent_files: files.into_iter().take(HOME_ITEMS).collect(),
        billing,
        messages: crate::ops::messages::unread_summary(threads.iter(), &viewer),
    })
}

