//! A form as staff and signers see it, and the To-Do entries of a contact.

use serde::Serialize;
use time::OffsetDateTime;

use crate::error::Result;
use crate::ops::access::Viewer;
use crate::store::{ActorRef, Evidence, FormRecord, FormStatus, SignerStatus, TimelineEntry};

use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct SignerView {
    pub contact_id: String,
    pub name: String,
    pub status: SignerStatus,
    #[serde(skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub signed_at: Option<OffsetDateTime>,
    /// Staff, and the signer themself, see the evidence and the reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decline_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FormView {
    pub id: String,
    pub file_id: String,
    pub document_name: String,
    pub document_size: u64,
    pub document_sha256: String,
    pub message: String,
    pub due_date: Option<String>,
    pub status: FormStatus,
    pub signers: Vec<SignerView>,
    /// The caller's own part, for a contact: `pending`, `signed` or `declined`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub my_status: Option<SignerStatus>,
    pub consent_text: &'static str,
    pub consent_version: &'static str,
    pub timeline: Vec<TimelineEntry>,
    pub created_by: ActorRef,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<Certificate>,
    /// Drawn signatures (contact id → PNG data URL), on a single form's view.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub drawings: std::collections::BTreeMap<String, String>,
}

pub fn visible(form: &FormRecord, viewer: &Viewer) -> bool {
    form.firm_id == viewer.firm_id() && viewer.contact_id().is_none_or(|me| form.signers.iter().any(|s| s.contact_id == me))
}

impl FormView {
    pub fn new(f: &FormRecord, viewer: &Viewer) -> Result<Self> {
        let me = viewer.contact_id();
        Ok(FormView {
            id: f.form_id.clone(),
            file_id: f.file_id.clone(),
            document_name: f.document_name.clone(),
            document_size: f.document_size,
            document_sha256: f.document_sha256.clone(),
            message: f.message.clone(),
            due_date: f.due_date.clone(),
            status: f.status,
            signers: f
                .signers
                .iter()
                .map(|s| {
                    let full = me.is_none_or(|me| me == s.contact_id);
                    SignerView {
                        contact_id: s.contact_id.clone(),
                        name: s.name.clone(),
                        status: s.status,
                        signed_at: s.evidence.as_ref().map(|e| e.signed_at),
                        evidence: if full { s.evidence.clone() } else { None },
                        decline_reason: if full { s.decline_reason.clone() } else { None },
                    }
                })
                .collect(),
            my_status: me.and_then(|me| f.signers.iter().find(|s| s.contact_id == me).map(|s| s.status)),
            consent_text: CONSENT_TEXT,
            consent_version: CONSENT_VERSION,
            timeline: f.timeline.clone(),
            created_by: f.created_by.clone(),
            created_at: f.created_at,
            certificate: certificate(f)?,
            drawings: Default::default(),
        })
    }
}

/// What a contact's To-Do shows of a form waiting for their signature.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureTodo {
    pub id: String,
    pub document_name: String,
    pub due_date: Option<String>,
    pub overdue: bool,
}

/// Forms waiting for `contact_id`'s signature, from form items already read.
pub fn todo_of<'a>(forms: impl Iterator<Item = &'a FormRecord>, contact_id: &str, today: time::Date) -> Vec<SignatureTodo> {
    let mut out: Vec<SignatureTodo> = forms
        .filter(|f| f.status == FormStatus::Pending && f.signers.iter().any(|s| s.contact_id == contact_id && s.status == SignerStatus::Pending))
        .map(|f| SignatureTodo {
            id: f.form_id.clone(),
            document_name: f.document_name.clone(),
            due_date: f.due_date.clone(),
            overdue: f.due_date.as_deref().and_then(|d| crate::ops::requests::parse_date("", d).ok()).is_some_and(|d| d < today),
        })
        .collect();
    out.sort_by(|a, b| a.due_date.is_none().cmp(&b.due_date.is_none()).then(a.due_date.cmp(&b.due_date)));
    out
}
