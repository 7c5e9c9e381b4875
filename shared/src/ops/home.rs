//! The contact's Home: To-Do, recent files, billing at a glance and unread messages of one
//! client, from two reads of the client's partition (a bounded page of the newest files).

use serde::Serialize;

use crate::domain;
use crate::error::{Error, Result};
use crate::ops::accounts::PortalClient;
use crate::store::{from_item, keys, ClientItem, KeyRange, LinkRecord, Order, PageRequest, Store, FILTER_READ_FACTOR};

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

/// The contact's Home for one client. Three AWS calls: `BatchGetItem` (the contact's link —
/// the access check — and the firm's settings), then at once one bounded `Query` of the
/// newest files and one of the client's signature forms, invoices, message threads,
/// payments and requests.
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
    // The newest files the contact may see: one bounded page (files are what a client
    // gathers most of; at most HOME_ITEMS × FILTER_READ_FACTOR read). Forms, invoices,
    // threads, payments and requests sort together after them, between `FORM#` and
    // `REQUEST$`, and are read whole for the counts and balances (the audit trail sorts
    // before all of them and is never read here).
    let recent = PageRequest::first(HOME_ITEMS);
    let files_range = KeyRange::prefix(keys::client(client_id), keys::prefix::FILE);
    let (pk, rest_to) = (keys::client(client_id), keys::through(keys::prefix::REQUEST));
    let (files, items) = tokio::try_join!(
        store.query_page_where(&files_range, Order::NewestFirst, &recent, FILTER_READ_FACTOR, |item| {
            let f: crate::store::FileRecord = from_item(item.clone())?;
            Ok(crate::ops::access::visible_to(&f, &viewer).then(|| crate::ops::files::FileView::new(&f, &viewer)))
        }),
        store.query_between(&pk, keys::prefix::FORM, &rest_to),
    )?;
    let files = files.items;
    let today = domain::now().date();
    let (mut requests, mut threads, mut forms, mut invoices, mut payments) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for item in ClientItem::decode_all(items)? {
        match item {
            ClientItem::Request(r) if crate::ops::requests::visible(&r, &viewer) && r.status != crate::store::RequestStatus::Completed => {
                requests.push(crate::ops::requests::RequestView::new(&r, today));
            }
            ClientItem::Form(f) => forms.push(*f),
            ClientItem::Thread(t) => threads.push(*t),
            ClientItem::Invoice(i) => invoices.push(*i),
            ClientItem::Payment(p) => payments.push(*p),
            _ => {}
        }
    }
    crate::ops::requests::sort_for_todo(&mut requests);
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

