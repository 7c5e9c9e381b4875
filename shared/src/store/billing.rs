//! Invoices and payments of a client (their rules: `ops::billing`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::ActorRef;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub description: String,
    pub quantity: u32,
    /// Minor units per item.
    pub unit_amount: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub firm_id: String,
    pub client_id: String,
    pub invoice_id: String,
    pub number: String,
    pub issue_date: String,
    pub due_date: String,
    pub currency: String,
    pub lines: Vec<Line>,
    pub total: i64,
    pub amount_paid: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// GSI3 while open (`keys::open_work`): see [`super::open_keys`].
    #[serde(rename = "GSI3PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi3pk: Option<String>,
    #[serde(rename = "GSI3SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi3sk: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub firm_id: String,
    pub client_id: String,
    pub payment_id: String,
    pub invoice_id: String,
    pub invoice_number: String,
    pub amount: i64,
    pub currency: String,
    pub paid_on: String,
    /// `recorded` by staff (cheque, transfer) or `online` through the provider.
    pub method: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reference: String,
    pub recorded_by: ActorRef,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl InvoiceRecord {
    /// Set or clear its place in the client's open work: open until paid in full.
    pub fn with_open_keys(mut self) -> Self {
        (self.gsi3pk, self.gsi3sk) = super::open_keys(&self.client_id, &self.sk, self.amount_paid < self.total);
        self
    }
}
