//! The completion certificate: what it states, and its own hash.

use serde::Serialize;
use time::OffsetDateTime;

use crate::domain::{self};
use crate::error::{Error, Result};
use crate::store::{ActorRef, FormRecord, TimelineEntry};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CertificateSigner {
    pub name: String,
    pub email: String,
    pub typed_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub signed_at: OffsetDateTime,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub document_sha256: String,
    pub consent_text: String,
    pub consent_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drawn_signature_sha256: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CertificateBody {
    pub form_id: String,
    pub client_name: String,
    pub document_name: String,
    pub document_size: u64,
    pub document_sha256: String,
    pub sent_by: ActorRef,
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub completed_at: OffsetDateTime,
    pub signers: Vec<CertificateSigner>,
    pub timeline: Vec<TimelineEntry>,
}

/// The completion certificate: its body and the SHA-256 of the body's JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Certificate {
    #[serde(flatten)]
    pub body: CertificateBody,
    pub sha256: String,
}

/// The certificate of a completed form (`None` before completion).
pub fn certificate(form: &FormRecord) -> Result<Option<Certificate>> {
    let Some(completed_at) = form.completed_at else { return Ok(None) };
    let signers = form
        .signers
        .iter()
        .filter_map(|s| {
            s.evidence.as_ref().map(|e| CertificateSigner {
                name: s.name.clone(),
                email: s.email.clone(),
                typed_name: e.typed_name.clone(),
                signed_at: e.signed_at,
                ip: e.ip.clone(),
                user_agent: e.user_agent.clone(),
                document_sha256: e.document_sha256.clone(),
                consent_text: e.consent_text.clone(),
                consent_version: e.consent_version.clone(),
                drawn_signature_sha256: e.drawn_signature_sha256.clone(),
            })
        })
        .collect();
    let body = CertificateBody {
        form_id: form.form_id.clone(),
        client_name: form.client_name.clone(),
        document_name: form.document_name.clone(),
        document_size: form.document_size,
        document_sha256: form.document_sha256.clone(),
        sent_by: form.created_by.clone(),
        sent_at: form.created_at,
        completed_at,
        signers,
        timeline: form.timeline.clone(),
    };
    let json = serde_json::to_vec(&body).map_err(Error::internal)?;
    Ok(Some(Certificate { sha256: domain::sha256_hex(&json), body }))
}
