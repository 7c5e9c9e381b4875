//! Billing: invoices and payments of a client, the balance a contact sees, and online
//! payment through a provider seam.
//!
//! **Bounded reads.** A client's invoices and payments grow with the years, so neither is
//! read whole: the lists are pages (newest first), and the balance is the sum of what is
//! still due on the invoices not yet paid in full — the client's *open* invoices, which
//! the store keeps in GSI3 (`keys::open_work`) and takes out in the payment's own
//! transaction. Every payment is against one invoice and never more than it owes, so that
//! sum is exactly "every invoice minus every payment".
//!
//! Money is integer **minor units** (cents) with an ISO 4217 currency; never floats. An
//! invoice's total is the sum of its lines (quantity × unit amount); its paid amount is
//! kept on the invoice and raised in the same transaction that records a payment, on the
//! condition that it does not exceed the total — two payments at once cannot overpay.
//! The firm turns billing on or off for its portals (off: contacts get 404), and online
//! payment on or off. No card data touches this system: a [`PaymentProvider`] takes the
//! payment and returns its reference.

use serde::{Deserialize, Serialize};

use crate::domain;
use crate::error::{Error, FieldError, Result};
use crate::ops::access::Viewer;
use crate::ops::audit::{self, By};
use crate::ops::requests::parse_date;
use crate::store::tx::Change;
use crate::store::{from_item, keys, tx, InvoiceRecord, KeyRange, Line, Order, Page, PageRequest, PaymentRecord, Store};

// ---------- inputs and rules ----------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub quantity: Option<u32>,
    #[serde(default)]
    pub unit_amount: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceInput {
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub issue_date: Option<String>,
    #[serde(default)]
    pub due_date: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub lines: Option<Vec<LineInput>>,
}

/// A checked invoice: `(number, issue, due, currency, lines, total)`.
pub type InvoicePlan = (String, String, String, String, Vec<Line>, i64);

pub fn plan_invoice(input: InvoiceInput) -> Result<InvoicePlan> {
    let mut errs = Vec::new();
    let number = input.number.unwrap_or_default().trim().to_string();
    if number.is_empty() || number.len() > 40 {
        errs.push(FieldError::new("number", "is required (at most 40 characters)"));
    }
    let issue = parse_date("issue_date", input.issue_date.as_deref().unwrap_or("")).map_err(|e| errs.push(e)).ok();
    let due = parse_date("due_date", input.due_date.as_deref().unwrap_or("")).map_err(|e| errs.push(e)).ok();
    if let (Some(i), Some(d)) = (issue, due) {
        if d < i {
            errs.push(FieldError::new("due_date", "is before the issue date"));
        }
    }
    let currency = input.currency.unwrap_or_default().trim().to_ascii_uppercase();
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
        errs.push(FieldError::new("currency", "must be a three-letter ISO 4217 code such as USD"));
    }
    let mut lines = Vec::new();
    let mut total: i64 = 0;
    let inputs = input.lines.unwrap_or_default();
    if inputs.is_empty() || inputs.len() > 100 {
        errs.push(FieldError::new("lines", "must have 1 to 100 lines"));
    }
    for (i, l) in inputs.into_iter().enumerate() {
        let desc = l.description.unwrap_or_default().trim().to_string();
        if desc.is_empty() || desc.chars().count() > 300 {
            errs.push(FieldError::new(format!("lines[{i}].description"), "is required (at most 300 characters)"));
        }
        let q = l.quantity.unwrap_or(1);
        if q == 0 {
            errs.push(FieldError::new(format!("lines[{i}].quantity"), "must be at least 1"));
        }
        let Some(unit) = l.unit_amount.filter(|u| *u >= 0 && *u <= 10_000_000_000) else {
            errs.push(FieldError::new(format!("lines[{i}].unit_amount"), "is required: the price in minor units (cents), 0 or more"));
            continue;
        };
        match unit.checked_mul(i64::from(q)).and_then(|a| total.checked_add(a)) {
            Some(t) => total = t,
            None => errs.push(FieldError::new(format!("lines[{i}]"), "makes the total too large")),
        }
        lines.push(Line { description: desc, quantity: q, unit_amount: unit });
    }
    if !errs.is_empty() {
        return Err(Error::Validation(errs));
    }
    Ok((number, issue.map(|d| d.to_string()).unwrap_or_default(), due.map(|d| d.to_string()).unwrap_or_default(), currency, lines, total))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    #[serde(default)]
    pub amount: Option<i64>,
    #[serde(default)]
    pub paid_on: Option<String>,
    #[serde(default)]
    pub reference: Option<String>,
}

/// A payment must be positive and at most what is still due.
pub fn check_payment(invoice: &InvoiceRecord, amount: Option<i64>) -> Result<i64> {
    let due = invoice.total - invoice.amount_paid;
    match amount {
        _ if due <= 0 => Err(Error::Conflict("this invoice is already paid in full".into())),
        None => Err(Error::field("amount", "is required: the amount in minor units (cents)")),
        Some(a) if a <= 0 => Err(Error::field("amount", "must be more than 0")),
        Some(a) if a > due => Err(Error::field("amount", format!("is more than the {due} still due on this invoice"))),
        Some(a) => Ok(a),
    }
}

// ---------- views ----------

#[derive(Debug, Clone, Serialize)]
pub struct InvoiceView {
    pub id: String,
    pub number: String,
    pub issue_date: String,
    pub due_date: String,
    pub currency: String,
    pub lines: Vec<Line>,
    pub total: i64,
    pub amount_paid: i64,
    pub balance_due: i64,
    /// `open`, `overdue` or `paid`.
    pub status: &'static str,
}

impl InvoiceView {
    pub fn new(i: &InvoiceRecord, today: &str) -> Self {
        let balance_due = i.total - i.amount_paid;
        let status = if balance_due <= 0 {
            "paid"
        } else if i.due_date.as_str() < today {
            "overdue"
        } else {
            "open"
        };
        Self {
            id: i.invoice_id.clone(),
            number: i.number.clone(),
            issue_date: i.issue_date.clone(),
            due_date: i.due_date.clone(),
            currency: i.currency.clone(),
            lines: i.lines.clone(),
            total: i.total,
            amount_paid: i.amount_paid,
            balance_due,
            status,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PaymentView {
    pub id: String,
    pub invoice_id: String,
    pub invoice_number: String,
    pub amount: i64,
    pub currency: String,
    pub paid_on: String,
    pub method: String,
    pub reference: String,
}

impl From<&PaymentRecord> for PaymentView {
    fn from(p: &PaymentRecord) -> Self {
        Self {
            id: p.payment_id.clone(),
            invoice_id: p.invoice_id.clone(),
            invoice_number: p.invoice_number.clone(),
            amount: p.amount,
            currency: p.currency.clone(),
            paid_on: p.paid_on.clone(),
            method: p.method.clone(),
            reference: p.reference.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Balance {
    pub currency: String,
    pub amount: i64,
}

/// Outstanding balance per currency: what is still due on each open invoice (those not
/// paid in full), exactly; paid invoices add nothing, so only the open ones are needed.
pub fn balances<'a>(open: impl IntoIterator<Item = &'a InvoiceRecord>) -> Vec<Balance> {
    let mut by: std::collections::BTreeMap<&str, i64> = Default::default();
    for i in open {
        *by.entry(&i.currency).or_default() += i.total - i.amount_paid;
    }
    by.into_iter().filter(|(_, a)| *a != 0).map(|(c, a)| Balance { currency: c.to_string(), amount: a }).collect()
}

/// A client's billing: the balance and the number of open invoices (from the open
/// invoices), and a page of its invoices, newest first.
#[derive(Debug, Serialize)]
pub struct BillingSummary {
    pub balances: Vec<Balance>,
    /// Invoices not yet paid in full.
    pub open_invoices: usize,
    pub online_payments_enabled: bool,
    /// The page of invoices (`items`, `next`).
    #[serde(flatten)]
    pub invoices: Page<InvoiceView>,
}

// ---------- payment provider ----------

/// Takes an online payment. Card data goes from the browser to the provider, never here;
/// we only learn the provider's reference.
pub trait PaymentProvider: Send + Sync {
    fn charge(&self, invoice: &InvoiceRecord, amount: i64) -> Result<String>;
}

/// A provider for local use and tests: it records a payment as if the card was charged.
pub struct TestProvider;

impl PaymentProvider for TestProvider {
    fn charge(&self, _invoice: &InvoiceRecord, _amount: i64) -> Result<String> {
        Ok(format!("test_{}", domain::new_id()))
    }
}

/// The provider the stage names (`Config::payment_provider`), or none.
pub fn provider_for(name: Option<&str>) -> Option<Box<dyn PaymentProvider>> {
    match name {
        Some("test") => Some(Box::new(TestProvider)),
        _ => None,
    }
}

/// Are clients offered "Pay now"? Only when the firm turned online payments on *and* the
/// stage has a provider to take them: a firm that turned them on before its stage lost its
/// provider (or that was written by hand) shows no button that could only fail.
pub fn online_payments_offered(firm_enabled: bool, provider_configured: bool) -> bool {
    firm_enabled && provider_configured
}

// ---------- operations ----------

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BillingSettings {
    pub billing_enabled: bool,
    pub online_payments_enabled: bool,
}

/// The billing settings as staff see them, with whether the stage can take online
/// payments at all.
#[derive(Debug, Serialize, PartialEq)]
pub struct BillingSettingsView {
    pub billing_enabled: bool,
    pub online_payments_enabled: bool,
    /// The stage has a payment provider (without one, online payments cannot be turned on).
    pub online_payments_available: bool,
}

/// Check a change of the billing switches: online payments need billing, and a provider.
pub fn check_billing_settings(input: &BillingSettings, provider_configured: bool) -> Result<()> {
    if input.online_payments_enabled && !input.billing_enabled {
        return Err(Error::field("online_payments_enabled", "needs billing_enabled"));
    }
    if input.online_payments_enabled && !provider_configured {
        return Err(Error::Conflict(
            "online payments cannot be turned on: this portal has no payment provider configured (the stage's PaymentProvider is none); clients can still see invoices and pay you as they do today".into(),
        ));
    }
    Ok(())
}

pub async fn settings(store: &Store, firm_id: &str, provider_configured: bool) -> Result<BillingSettingsView> {
    let f = store.firm(firm_id).await?;
    Ok(BillingSettingsView {
        billing_enabled: f.billing_enabled,
        online_payments_enabled: f.online_payments_enabled,
        online_payments_available: provider_configured,
    })
}

/// Turn billing and online payments on or off: one transaction of the firm item's two
/// switches and the firm history's `billing_settings_changed` entry (nothing is written
/// when nothing changes).
pub async fn set_settings(store: &Store, by: &By, firm_id: &str, input: BillingSettings, provider_configured: bool) -> Result<BillingSettingsView> {
    check_billing_settings(&input, provider_configured)?;
    let before = store.firm(firm_id).await?;
    let mut parts = Vec::new();
    if before.billing_enabled != input.billing_enabled {
        parts.push(format!("billing_enabled: {}", input.billing_enabled));
    }
    if before.online_payments_enabled != input.online_payments_enabled {
        parts.push(format!("online_payments_enabled: {}", input.online_payments_enabled));
    }
    if !parts.is_empty() {
        let item = Change::new()
            .set("billing_enabled", aws_sdk_dynamodb::types::AttributeValue::Bool(input.billing_enabled))
            .set("online_payments_enabled", aws_sdk_dynamodb::types::AttributeValue::Bool(input.online_payments_enabled))
            .on(store.table(), &keys::firm(firm_id), keys::FIRM_SK)?;
        let entry = audit::firm_entry(firm_id, audit::event::BILLING_SETTINGS_CHANGED, by, domain::now(), None, Some(parts.join("; ")))?;
        store.transact(vec![item, audit::tx_put(store, &entry)?], |_| Error::NotFound("firm")).await?;
    }
    Ok(BillingSettingsView {
        billing_enabled: input.billing_enabled,
        online_payments_enabled: input.online_payments_enabled,
        online_payments_available: provider_configured,
    })
}

/// The client's invoices not yet paid in full (GSI3 `keys::open_work`, `INVOICE#…`): what
/// the balance and Home's billing glance count. Bounded by what is still owed, not by the
/// client's years of invoices.
pub async fn open_invoices(store: &Store, client_id: &str) -> Result<Vec<InvoiceRecord>> {
    let range = KeyRange { index: Some(keys::GSI3), ..KeyRange::prefix(keys::open_work(client_id), keys::prefix::INVOICE) };
    store.query_range_all(&range).await?.into_iter().map(from_item).collect()
}

/// The item that holds an invoice number in its client, written with the invoice, so two
/// invoices of one client never share a number (case aside) without reading the others.
#[derive(Debug, Serialize)]
struct NumberGuard<'a> {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    invoice_id: &'a str,
}

pub async fn create_invoice(store: &Store, viewer: &Viewer, client_id: &str, input: InvoiceInput) -> Result<InvoiceView> {
    viewer.staff_only()?;
    viewer.new_work()?;
    let (number, issue_date, due_date, currency, lines, total) = plan_invoice(input)?;
    let id = domain::new_id();
    let rec = InvoiceRecord {
        pk: keys::client(client_id),
        sk: keys::invoice(&id),
        firm_id: viewer.firm_id().into(),
        client_id: client_id.into(),
        invoice_id: id,
        number,
        issue_date,
        due_date,
        currency,
        lines,
        total,
        amount_paid: 0,
        created_at: domain::now(),
        gsi3pk: None,
        gsi3sk: None,
    }
    .with_open_keys();
    let guard = NumberGuard { pk: rec.pk.clone(), sk: keys::invoice_number(&rec.number), invoice_id: &rec.invoice_id };
    store
        .transact(vec![tx::put_new(store.table(), &guard)?, tx::put_new(store.table(), &rec)?], |i| match i {
            0 => Error::field("number", "is already used by another invoice of this client"),
            _ => Error::Conflict("please retry".into()),
        })
        .await?;
    Ok(InvoiceView::new(&rec, &domain::now().date().to_string()))
}

/// The client's balance, open invoices and one page of its invoices (newest first): one
/// bounded `Query` of the page and one of the open invoices, at once.
pub async fn client_summary(store: &Store, client_id: &str, online: bool, page: &PageRequest) -> Result<BillingSummary> {
    let range = KeyRange::prefix(keys::client(client_id), keys::prefix::INVOICE);
    let (invoices, open) = tokio::try_join!(store.query_page(&range, Order::NewestFirst, page), open_invoices(store, client_id))?;
    let today = domain::now().date().to_string();
    Ok(BillingSummary {
        balances: balances(&open),
        open_invoices: open.len(),
        online_payments_enabled: online,
        invoices: invoices.try_map(|item| Ok(InvoiceView::new(&from_item::<InvoiceRecord>(item)?, &today)))?,
    })
}

/// One page of the client's payment history, newest recorded first.
pub async fn payments(store: &Store, client_id: &str, page: &PageRequest) -> Result<Page<PaymentView>> {
    let range = KeyRange::prefix(keys::client(client_id), keys::prefix::PAYMENT);
    store.query_page(&range, Order::NewestFirst, page).await?.try_map(|item| Ok(PaymentView::from(&from_item::<PaymentRecord>(item)?)))
}

async fn load_invoice(store: &Store, viewer: &Viewer, client_id: &str, invoice_id: &str) -> Result<InvoiceRecord> {
    if !domain::is_plausible_id(invoice_id) {
        return Err(Error::NotFound("invoice"));
    }
    match store.get::<InvoiceRecord>(&keys::client(client_id), &keys::invoice(invoice_id)).await? {
        Some(i) if i.firm_id == viewer.firm_id() => Ok(i),
        _ => Err(Error::NotFound("invoice")),
    }
}

pub async fn invoice(store: &Store, viewer: &Viewer, client_id: &str, invoice_id: &str) -> Result<InvoiceView> {
    Ok(InvoiceView::new(&load_invoice(store, viewer, client_id, invoice_id).await?, &domain::now().date().to_string()))
}

/// A payment to record: how much, when, how, and the bank's or provider's reference.
pub struct NewPayment {
    pub amount: Option<i64>,
    pub paid_on: Option<String>,
    /// `recorded` (staff) or `online` (provider).
    pub method: &'static str,
    pub reference: String,
}

/// Staff record a payment they received (check, transfer) against an invoice.
pub async fn record_payment(store: &Store, viewer: &Viewer, client_id: &str, invoice_id: &str, input: PaymentInput) -> Result<PaymentView> {
    viewer.staff_only()?;
    let payment = NewPayment { amount: input.amount, paid_on: input.paid_on, method: "recorded", reference: input.reference.unwrap_or_default() };
    pay(store, viewer, client_id, invoice_id, payment).await
}

/// Record a payment against an invoice.
async fn pay(store: &Store, viewer: &Viewer, client_id: &str, invoice_id: &str, payment: NewPayment) -> Result<PaymentView> {
    let NewPayment { amount, paid_on, method, reference } = payment;
    let by = viewer.actor_ref();
    let inv = load_invoice(store, viewer, client_id, invoice_id).await?;
    let amount = check_payment(&inv, amount)?;
    let paid_on = match paid_on.filter(|d| !d.trim().is_empty()) {
        Some(d) => parse_date("paid_on", &d).map_err(|e| Error::Validation(vec![e]))?.to_string(),
        None => domain::now().date().to_string(),
    };
    let now = domain::now();
    let id = domain::new_id();
    let rec = PaymentRecord {
        pk: keys::client(client_id),
        sk: keys::payment(&id),
        firm_id: inv.firm_id.clone(),
        client_id: client_id.into(),
        payment_id: id,
        invoice_id: inv.invoice_id.clone(),
        invoice_number: inv.number.clone(),
        amount,
        currency: inv.currency.clone(),
        paid_on,
        method: method.into(),
        reference: reference.chars().take(200).collect(),
        recorded_by: by,
        created_at: now,
    };
    // Exactly on the amount paid we read: a payment recorded meanwhile fails this one (never
    // more than the total), and whether this one settles the invoice is then known, so it
    // leaves the open invoices (GSI3) in the same write.
    let mut raise = Change::new()
        .add("amount_paid", aws_sdk_dynamodb::types::AttributeValue::N(amount.to_string()))
        .when("#amount_paid = :read", vec![(":read", aws_sdk_dynamodb::types::AttributeValue::N(inv.amount_paid.to_string()))]);
    if inv.amount_paid + amount >= inv.total {
        raise = raise.remove("GSI3PK").remove("GSI3SK");
    }
    let raise = raise.on(store.table(), &inv.pk, &inv.sk)?;
    store
        .transact(vec![tx::put_new(store.table(), &rec)?, raise], |_| {
            Error::Conflict("another payment was recorded meanwhile; reload to see what is still due".into())
        })
        .await?;
    Ok(PaymentView::from(&rec))
}

/// A contact pays an invoice online (the balance due unless `amount` says less).
pub async fn pay_online(
    store: &Store,
    viewer: &Viewer,
    client_id: &str,
    invoice_id: &str,
    amount: Option<i64>,
    provider: &dyn PaymentProvider,
) -> Result<PaymentView> {
    viewer.contact_only()?;
    let inv = load_invoice(store, viewer, client_id, invoice_id).await?;
    let amount = check_payment(&inv, Some(amount.unwrap_or(inv.total - inv.amount_paid)))?;
    let reference = provider.charge(&inv, amount)?;
    pay(store, viewer, client_id, invoice_id, NewPayment { amount: Some(amount), paid_on: None, method: "online", reference }).await
}

#[cfg(test)]
mod tests;
