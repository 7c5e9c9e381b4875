//! The rules of a signature form: consent, what a signer must give, the plan of a new form, and the form as it is after a signature or a decline.

use serde::Deserialize;
use time::OffsetDateTime;

use crate::domain::{self, EmailAddress};
use crate::error::{Error, FieldError, Result};
use crate::store::{ActorRef, Evidence, FormRecord, FormStatus, LinkRecord, Signer, SignerStatus, TimelineEntry};

use super::*;

/// The consent statement a signer agrees to, and its version (recorded with each signature).
pub const CONSENT_TEXT: &str = "I agree to sign this document electronically and to be legally bound by my electronic signature, as if I had signed it on paper. I have read the document I am signing.";
pub const CONSENT_VERSION: &str = "2026-11-28";
pub const MAX_SIGNERS: usize = 10;

/// The largest drawn signature accepted (characters of its data URL).
pub const MAX_DRAWING_CHARS: usize = 100_000;
const PNG_PREFIX: &str = "data:image/png;base64,";

/// Check a drawn signature: a PNG data URL of at most [`MAX_DRAWING_CHARS`]; its SHA-256.
pub fn check_drawing(data_url: &str) -> std::result::Result<String, FieldError> {
    use base64::Engine;
    let bad = || FieldError::new("drawn_signature", format!("must be a PNG image as a data URL ({PNG_PREFIX}…) of at most {MAX_DRAWING_CHARS} characters"));
    if data_url.len() > MAX_DRAWING_CHARS {
        return Err(bad());
    }
    let b64 = data_url.strip_prefix(PNG_PREFIX).ok_or_else(bad)?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).map_err(|_| bad())?;
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err(bad());
    }
    Ok(domain::sha256_hex(&bytes))
}

// ---------- input ----------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFormInput {
    #[serde(default)]
    pub file_id: Option<String>,
    #[serde(default)]
    pub signer_ids: Option<Vec<String>>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub due_date: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInput {
    #[serde(default)]
    pub typed_name: Option<String>,
    #[serde(default)]
    pub consent: Option<bool>,
    #[serde(default)]
    pub consent_version: Option<String>,
    /// SHA-256 (hex) of the document bytes the signer's browser showed.
    #[serde(default)]
    pub document_sha256: Option<String>,
    /// Optional: the signature drawn by hand, as a `data:image/png;base64,…` URL.
    #[serde(default)]
    pub drawn_signature: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclineInput {
    #[serde(default)]
    pub reason: Option<String>,
}

/// A checked new form.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedForm {
    pub file_id: String,
    pub signers: Vec<Signer>,
    pub message: String,
    pub due_date: Option<String>,
}

/// Check a new form against the client's contacts: signers must have portal access (so
/// they can sign) and an email; `today` rejects a due date in the past.
pub fn plan_form(input: NewFormInput, links: &[LinkRecord], today: time::Date) -> Result<PlannedForm> {
    let mut errs = Vec::new();
    let file_id = input.file_id.map(|f| f.trim().to_string()).filter(|f| !f.is_empty());
    if file_id.is_none() {
        errs.push(FieldError::new("file_id", "is required: the document (a file in the client's portal) to sign"));
    }
    let mut ids: Vec<String> = Vec::new();
    for id in input.signer_ids.unwrap_or_default() {
        let id = id.trim().to_string();
        if !id.is_empty() && !ids.contains(&id) {
            ids.push(id);
        }
    }
    let mut signers = Vec::new();
    if ids.is_empty() {
        errs.push(FieldError::new("signer_ids", "must name at least one contact of the client"));
    } else if ids.len() > MAX_SIGNERS {
        errs.push(FieldError::new("signer_ids", format!("may name at most {MAX_SIGNERS} signers")));
    } else {
        let mut without_access = Vec::new();
        for id in &ids {
            match links.iter().find(|l| &l.contact_id == id && l.accepted_at.is_some() && l.access_revoked_at.is_none()) {
                Some(l) => signers.push(Signer {
                    contact_id: id.clone(),
                    name: format!("{} {}", l.first_name, l.last_name),
                    email: l.email.as_ref().map(EmailAddress::to_string).unwrap_or_default(),
                    status: SignerStatus::Pending,
                    evidence: None,
                    decline_reason: None,
                    declined_at: None,
                }),
                None => without_access.push(id.as_str()),
            }
        }
        if !without_access.is_empty() {
            errs.push(FieldError::new(
                "signer_ids",
                format!("names contacts without portal access to this client (invite them first): {}", without_access.join(", ")),
            ));
        }
    }
    let message = domain::text_input(&mut errs, "message", input.message, 2000, false);
    let due_date = match input.due_date.filter(|d| !d.trim().is_empty()) {
        None => None,
        Some(d) => match crate::ops::requests::parse_date("due_date", &d) {
            Ok(date) if date < today => {
                errs.push(FieldError::new("due_date", "is in the past"));
                None
            }
            Ok(date) => Some(date.to_string()),
            Err(e) => {
                errs.push(e);
                None
            }
        },
    };
    if !errs.is_empty() {
        return Err(Error::Validation(errs));
    }
    Ok(PlannedForm { file_id: file_id.unwrap(), signers, message, due_date })
}

/// A checked signature: the typed name and the drawing with its hash, if any, after the
/// consent and document checks.
pub fn check_signature(input: SignInput, form: &FormRecord) -> Result<(String, Option<(String, String)>)> {
    let mut errs = Vec::new();
    let name = domain::text_input(&mut errs, "typed_name", input.typed_name, 200, true);
    if input.consent != Some(true) {
        errs.push(FieldError::new("consent", "is needed: tick the box to agree to sign electronically"));
    }
    if input.consent_version.as_deref() != Some(CONSENT_VERSION) {
        errs.push(FieldError::new("consent_version", format!("must be {CONSENT_VERSION}, the version of the consent statement shown (reload the page)")));
    }
    let shown = input.document_sha256.unwrap_or_default().trim().to_ascii_lowercase();
    if shown.len() != 64 || !shown.bytes().all(|b| b.is_ascii_hexdigit()) {
        errs.push(FieldError::new("document_sha256", "must be the SHA-256 (64 hex digits) of the document you were shown"));
    }
    let drawing = match input.drawn_signature.filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => match check_drawing(&d) {
            Ok(sha) => Some((d, sha)),
            Err(e) => {
                errs.push(e);
                None
            }
        },
    };
    if !errs.is_empty() {
        return Err(Error::Validation(errs));
    }
    if shown != form.document_sha256 {
        return Err(Error::Conflict("the document you were shown is not the one sent for signature; reload it and read it again".into()));
    }
    Ok((name, drawing))
}

/// May `contact_id` answer (sign or decline) `form` now? Checked before any expensive work
/// (reading the whole document again to hash it), so a form that was already answered costs
/// one read, however often it is submitted.
pub fn may_answer(form: &FormRecord, contact_id: &str) -> Result<()> {
    if form.status != FormStatus::Pending {
        return Err(Error::Conflict(format!("this form is {} and can no longer be signed", status_word(form.status))));
    }
    let signer = form.signers.iter().find(|s| s.contact_id == contact_id).ok_or(Error::NotFound("signature form"))?;
    if signer.status != SignerStatus::Pending {
        return Err(Error::Conflict("you have already answered this form".into()));
    }
    Ok(())
}

/// The form after `contact_id` signed with `evidence`: completed when everyone has.
pub fn signed(form: &FormRecord, contact_id: &str, evidence: Evidence, by: ActorRef) -> Result<FormRecord> {
    may_answer(form, contact_id)?;
    let mut after = form.clone();
    let at = evidence.signed_at;
    let signer = after.signers.iter_mut().find(|s| s.contact_id == contact_id).ok_or(Error::NotFound("signature form"))?;
    signer.status = SignerStatus::Signed;
    signer.evidence = Some(evidence);
    after.timeline.push(TimelineEntry { at, event: "signed".into(), by });
    if after.signers.iter().all(|s| s.status == SignerStatus::Signed) {
        after.status = FormStatus::Completed;
        after.completed_at = Some(at);
        after.timeline.push(TimelineEntry { at, event: "completed".into(), by: system() });
        after.certificate_sha256 = certificate(&after)?.map(|c| c.sha256);
    }
    after.version += 1;
    Ok(after)
}

/// The form after `contact_id` declined.
pub fn declined(form: &FormRecord, contact_id: &str, reason: String, at: OffsetDateTime, by: ActorRef) -> Result<FormRecord> {
    let mut after = form.clone();
    if after.status != FormStatus::Pending {
        return Err(Error::Conflict(format!("this form is {} and can no longer be answered", status_word(after.status))));
    }
    let signer = after.signers.iter_mut().find(|s| s.contact_id == contact_id).ok_or(Error::NotFound("signature form"))?;
    if signer.status != SignerStatus::Pending {
        return Err(Error::Conflict("you have already answered this form".into()));
    }
    signer.status = SignerStatus::Declined;
    signer.decline_reason = Some(reason);
    signer.declined_at = Some(at);
    after.status = FormStatus::Declined;
    after.timeline.push(TimelineEntry { at, event: "declined".into(), by });
    after.version += 1;
    Ok(after)
}

pub(crate) fn status_word(s: FormStatus) -> &'static str {
    match s {
        FormStatus::Pending => "waiting for signatures",
        FormStatus::Completed => "completed",
        FormStatus::Declined => "declined",
    }
}

pub(crate) fn system() -> ActorRef {
    ActorRef { kind: "system".into(), id: "portal".into(), name: "Client portal".into() }
}
