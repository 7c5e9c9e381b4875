//! Signature forms, their signers and evidence, and drawn signatures (their rules: `ops::signatures`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::ActorRef;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormStatus {
    Pending,
    Completed,
    Declined,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignerStatus {
    Pending,
    Signed,
    Declined,
}

/// The evidence of one signature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub typed_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub signed_at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// SHA-256 of the document bytes, as hashed by the server at signing (equal to the
    /// hash the signer's browser computed of what it showed).
    pub document_sha256: String,
    pub consent_text: String,
    pub consent_version: String,
    /// SHA-256 of the drawn signature's PNG bytes, when the signer drew one (the image is
    /// kept in its own item, see [`DrawingRecord`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drawn_signature_sha256: Option<String>,
}

/// A drawn signature (PNG) — in its own partition, so the form item (read by every Home)
/// stays small.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrawingRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub contact_id: String,
    pub data_url: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signer {
    pub contact_id: String,
    pub name: String,
    pub email: String,
    pub status: SignerStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub declined_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// `sent`, `signed`, `declined`, `completed`.
    pub event: String,
    pub by: ActorRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub firm_id: String,
    pub client_id: String,
    pub client_name: String,
    pub form_id: String,
    pub file_id: String,
    pub document_name: String,
    pub document_size: u64,
    pub document_sha256: String,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    pub signers: Vec<Signer>,
    pub status: FormStatus,
    pub timeline: Vec<TimelineEntry>,
    pub created_by: ActorRef,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
    /// SHA-256 of the certificate as issued at completion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_sha256: Option<String>,
    pub version: u64,
    /// GSI3 while open (`keys::open_work`): see [`super::open_keys`].
    #[serde(rename = "GSI3PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi3pk: Option<String>,
    #[serde(rename = "GSI3SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi3sk: Option<String>,
}

impl FormRecord {
    /// Set or clear its place in the client's open work: open while signatures are pending.
    pub fn with_open_keys(mut self) -> Self {
        (self.gsi3pk, self.gsi3sk) = super::open_keys(&self.client_id, &self.sk, self.status == FormStatus::Pending);
        self
    }
}
