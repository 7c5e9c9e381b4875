//! The contact's Home: To-Do, recent files, billing at a glance and unread messages of one
//! client.
//!
//! **Bounded reads.** A client gathers files, requests, forms, invoices and threads for
//! years; Home reads none of them whole. It reads a bounded page of the newest files, the
//! client's *open work* (GSI3 `keys::open_work`: requests not completed, forms still to
//! sign, invoices not paid in full — each leaves the index in the write that closes it),
//! which is what the counts and the balance are made of, and the [`UNREAD_WINDOW`] most
//! recently active threads (GSI3 `keys::thread_activity`) for the unread count. A thread
//! that has had no message since that many others did is not counted as unread here (it
//! still is in the messages list).

use serde::Serialize;

use crate::domain;
use crate::error::{Error, Result};
use crate::ops::accounts::PortalClient;
use crate::store::{from_item, keys, ClientItem, KeyRange, LinkRecord, Order, PageRequest, Store, ThreadRecord, FILTER_READ_FACTOR};

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

/// How many of the most recently active threads Home counts unread messages in.
pub const UNREAD_WINDOW: usize = 50;

/// The contact's Home for one client. Four AWS calls: `BatchGetItem` (the contact's link —
/// the access check — and the firm's settings), then at once one bounded `Query` of the
/// newest files, one of the client's open work and one of its most recently active threads.
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
    // The newest files the contact may see: one bounded page (at most HOME_ITEMS ×
    // FILTER_READ_FACTOR read); the open work (requests, forms and invoices, which sort
    // `FORM#` < `INVOICE#` < `REQUEST#`); the most recently active threads.
    let recent = PageRequest::first(HOME_ITEMS);
    let window = PageRequest::first(UNREAD_WINDOW);
    let files_range = KeyRange::prefix(keys::client(client_id), keys::prefix::FILE);
    let open_range =
        KeyRange { index: Some(keys::GSI3), pk: keys::open_work(client_id), from: keys::prefix::FORM.into(), to: keys::through(keys::prefix::REQUEST) };
    let threads_range = KeyRange { index: Some(keys::GSI3), pk: keys::thread_activity(client_id), from: "0".into(), to: ":".into() };
    let (files, open, active) = tokio::try_join!(
        store.query_page_where(&files_range, Order::NewestFirst, &recent, FILTER_READ_FACTOR, |item| {
            let f: crate::store::FileRecord = from_item(item.clone())?;
            Ok(crate::ops::access::visible_to(&f, &viewer).then(|| crate::ops::files::FileView::new(&f, &viewer)))
        }),
        store.query_range_all(&open_range),
        store.query_page(&threads_range, Order::NewestFirst, &window),
    )?;
    let files = files.items;
    let threads: Vec<ThreadRecord> = active.items.into_iter().map(from_item).collect::<Result<_>>()?;
    let today = domain::now().date();
    let (mut requests, mut forms, mut invoices) = (Vec::new(), Vec::new(), Vec::new());
    for item in ClientItem::decode_all(open)? {
        match item {
            ClientItem::Request(r) if crate::ops::requests::visible(&r, &viewer) && r.status != crate::store::RequestStatus::Completed => {
                requests.push(crate::ops::requests::RequestView::new(&r, today));
            }
            ClientItem::Form(f) => forms.push(*f),
            ClientItem::Invoice(i) if i.amount_paid < i.total => invoices.push(*i),
            _ => {}
        }
    }
    crate::ops::requests::sort_for_todo(&mut requests);
    let billing = if firm.billing_enabled {
        let online = crate::ops::billing::online_payments_offered(firm.online_payments_enabled, payments_configured);
        Some(BillingGlance { open_invoices: invoices.len(), balances: crate::ops::billing::balances(&invoices), online_payments_enabled: online })
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
