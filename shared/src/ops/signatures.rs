//! E-signature forms: staff send a document already in the portal to contacts of the client
//! for signature; each signer reads a consent statement and signs by typing their name, or
//! declines with a reason; when all have signed, the form is completed with a certificate.
//!
//! What makes a signature worth something is its evidence, recorded per signer by the
//! server: who (contact id, name, email of the login), when (server time), from where (IP,
//! user agent), what (the SHA-256 of the exact document bytes), and what they agreed to
//! (the consent text and its version, and the name they typed). The document's hash is
//! taken from the stored object when the form is sent; at signing, the server hashes the
//! object again and the browser sends the hash of the bytes it fetched for the signer — all
//! three must be equal, so nobody signs a document that changed since it was sent. (The web
//! UI lets a signer sign only after fetching the document; the API cannot prove that a
//! person read it, only that the hash sent matches.) The certificate lists the signers, the
//! timeline and the document hash, and carries its own SHA-256, which is also written to the
//! append-only audit trail at completion; [`verify`] hashes the stored object and the drawn
//! signatures again and compares the certificate with that audit entry, so a later change of
//! the document or of the form's record is detectable.
//!
//! Who sees what: staff see every signer's evidence; a signer sees their own, and the other
//! signers' names and status. The completion certificate — like a paper one — is shared
//! with every signer and shows each signature's evidence (time, IP, user agent).
//!
//! The form item lives in the client's partition (`CLIENT#c` / `FORM#f`), so the contact's
//! Home reads pending forms in its one Query (their To-Do). Every change is conditional on
//! the version read.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ops::access::Viewer;
use crate::ops::audit::{self, Origin};
use crate::domain::{self, EmailAddress};
use crate::error::{Error, FieldError, Result};
use crate::store::{from_item, keys, tx, ActorRef, DrawingRecord, Evidence, FileRecord, FileStatus, FormRecord, FormStatus, LinkRecord, Signer, SignerStatus, Store, TimelineEntry};
use crate::domain::email::{escape_html, RenderedEmail};
use crate::ports::blobs::Blobs;
use crate::ports::mail::{Mailer, Outbox};

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
            errs.push(FieldError::new("signer_ids", format!("names contacts without portal access to this client (invite them first): {}", without_access.join(", "))));
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

/// The form after `contact_id` signed with `evidence`: completed when everyone has.
pub fn signed(form: &FormRecord, contact_id: &str, evidence: Evidence, by: ActorRef) -> Result<FormRecord> {
    let mut after = form.clone();
    if after.status != FormStatus::Pending {
        return Err(Error::Conflict(format!("this form is {} and can no longer be signed", status_word(after.status))));
    }
    let at = evidence.signed_at;
    let signer = after.signers.iter_mut().find(|s| s.contact_id == contact_id).ok_or(Error::NotFound("signature form"))?;
    if signer.status != SignerStatus::Pending {
        return Err(Error::Conflict("you have already answered this form".into()));
    }
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

fn status_word(s: FormStatus) -> &'static str {
    match s {
        FormStatus::Pending => "waiting for signatures",
        FormStatus::Completed => "completed",
        FormStatus::Declined => "declined",
    }
}

fn system() -> ActorRef {
    ActorRef { kind: "system".into(), id: "portal".into(), name: "Client portal".into() }
}

// ---------- certificate ----------

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

// ---------- views ----------

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

// ---------- operations ----------

async fn load(store: &Store, viewer: &Viewer, client_id: &str, form_id: &str) -> Result<FormRecord> {
    if !domain::is_plausible_id(form_id) {
        return Err(Error::NotFound("signature form"));
    }
    let f = store.get::<FormRecord>(&keys::client(client_id), &keys::signature_form(form_id)).await?.ok_or(Error::NotFound("signature form"))?;
    if !visible(&f, viewer) {
        return Err(Error::NotFound("signature form"));
    }
    Ok(f)
}

/// What sending a form did: the form, and each signer's email.
#[derive(Debug, Serialize)]
pub struct Sent {
    pub form: FormView,
    /// The email to each signer, sent or failed (the form is on their To-Do either way).
    pub emails: Vec<crate::ports::mail::Notice>,
}


/// The email that tells a signer a document waits for them (no document name, no link to
/// the file: only the portal).
pub fn request_email(firm_name: &str, client_name: &str, url: &str, due: Option<&str>) -> RenderedEmail {
    let due_line = due.map(|d| format!(" It is due on {d}.")).unwrap_or_default();
    RenderedEmail {
        subject: format!("{firm_name} asked you to sign a document in your client portal"),
        text: format!("{firm_name} sent a document for {client_name} for your electronic signature.{due_line}\n\nSign in to read and sign it: {url}"),
        html: format!(
            "<p>{} sent a document for {} for your electronic signature.{}</p><p><a href=\"{}\">Sign in to read and sign it</a></p>",
            escape_html(firm_name),
            escape_html(client_name),
            escape_html(&due_line),
            escape_html(url)
        ),
    }
}

/// Send a document for signature.
pub async fn send(store: &Store, blobs: &impl Blobs, outbox: &Outbox<'_, impl Mailer>, viewer: &Viewer, client_id: &str, input: NewFormInput, origin: &Origin) -> Result<Sent> {
    let by = viewer.actor_ref();
    let links = crate::ops::clients::links_of(store, client_id).await?;
    let now = domain::now();
    let plan = plan_form(input, &links, now.date())?;
    if !domain::is_plausible_id(&plan.file_id) {
        return Err(Error::field("file_id", "names no file of this client's portal"));
    }
    let file = store
        .get::<FileRecord>(&keys::client(client_id), &keys::file(&plan.file_id))
        .await?
        .filter(|f| f.firm_id == viewer.firm_id())
        .ok_or_else(|| Error::field("file_id", "names no file of this client's portal"))?;
    if file.status != FileStatus::Available {
        return Err(Error::field("file_id", "names a file whose upload is not complete"));
    }
    let (sha256, size) = blobs.sha256(&file.s3_key).await?;
    if size != file.size {
        return Err(Error::Conflict("the stored document does not match its upload record; upload it again".into()));
    }
    let id = domain::new_id();
    let form = FormRecord {
        pk: keys::client(client_id),
        sk: keys::signature_form(&id),
        firm_id: viewer.firm_id().into(),
        client_id: client_id.into(),
        client_name: links.first().map(|l| l.client_name.clone()).unwrap_or_default(),
        form_id: id.clone(),
        file_id: file.file_id.clone(),
        document_name: file.name.clone(),
        document_size: size,
        document_sha256: sha256,
        message: plan.message,
        due_date: plan.due_date,
        signers: plan.signers,
        status: FormStatus::Pending,
        timeline: vec![TimelineEntry { at: now, event: "sent".into(), by: by.clone() }],
        created_by: by.clone(),
        created_at: now,
        completed_at: None,
        certificate_sha256: None,
        version: 1,
    };
    // The signers must be able to open the document: share it with them, in the same
    // transaction (conditional on the file still being available).
    let signer_ids: Vec<String> = form.signers.iter().map(|s| s.contact_id.clone()).collect();
    let mut items = vec![tx::put_new(store.table(), &form)?];
    items.extend(crate::ops::files::share_write(store, &file, &signer_ids)?);
    let entry = audit::entry(client_id, audit::event::FORM_SENT, by, now, origin, Some(&id), Some(format!("{} to {} signer(s)", form.document_name, form.signers.len())))?;
    items.push(audit::tx_put(store, &entry)?);
    store.transact(items, |_| Error::Conflict("the document changed meanwhile; reload and try again".into())).await?;

    let firm = store.firm_settings(viewer.firm_id()).await?;
    let email = request_email(&firm.name, &form.client_name, &format!("{}/#/portal", outbox.web_origin), form.due_date.as_deref());
    let recipients = form.signers.iter().map(|s| ("contact", s.contact_id.clone(), s.email.clone())).collect();
    let emails = crate::ports::mail::notify(outbox.mailer, &firm.sender_email, recipients, &email).await;
    tracing::info!(%client_id, form_id = %id, signers = form.signers.len(), "sent for signature");
    Ok(Sent { form: FormView::new(&form, viewer)?, emails })
}

/// The forms the viewer can see (one Query), newest first.
pub async fn list(store: &Store, viewer: &Viewer, client_id: &str) -> Result<Vec<FormView>> {
    let forms: Vec<FormRecord> = store.children(&keys::client(client_id)).await?;
    let mut out = forms.iter().filter(|f| visible(f, viewer)).map(|f| FormView::new(f, viewer)).collect::<Result<Vec<_>>>()?;
    out.sort_by_key(|f| std::cmp::Reverse(f.created_at));
    Ok(out)
}

/// One form, with the drawn signatures the viewer may see (staff: all; a contact: theirs,
/// and everyone's once the form is completed).
pub async fn get(store: &Store, viewer: &Viewer, client_id: &str, form_id: &str) -> Result<FormView> {
    let form = load(store, viewer, client_id, form_id).await?;
    let mut view = FormView::new(&form, viewer)?;
    if form.signers.iter().any(|s| s.evidence.as_ref().is_some_and(|e| e.drawn_signature_sha256.is_some())) {
        let drawings: Vec<DrawingRecord> = store.query_partition(&keys::form_drawings(form_id), None, false).await?.into_iter().map(from_item).collect::<Result<_>>()?;
        let all = viewer.contact_id().is_none() || form.status == FormStatus::Completed;
        view.drawings = drawings.into_iter().filter(|d| all || viewer.contact_id() == Some(d.contact_id.as_str())).map(|d| (d.contact_id, d.data_url)).collect();
    }
    Ok(view)
}

async fn save(store: &Store, before: &FormRecord, after: &FormRecord, entries: Vec<crate::store::AuditRecord>, drawing: Option<DrawingRecord>) -> Result<()> {
    let mut items = vec![tx::put_versioned(store.table(), after, before.version)?];
    for e in &entries {
        items.push(audit::tx_put(store, e)?);
    }
    if let Some(d) = &drawing {
        items.push(tx::put_new(store.table(), d)?);
    }
    store.transact(items, |_| Error::Conflict("someone answered this form at the same moment; reload and try again".into())).await
}

/// Sign: the consent, the typed name, and the document hash checked against the stored
/// object read again now.
pub async fn sign(store: &Store, blobs: &impl Blobs, viewer: &Viewer, client_id: &str, form_id: &str, input: SignInput, origin: &Origin) -> Result<FormView> {
    let me = viewer.contact_id().ok_or(Error::NotFound("route"))?;
    let form = load(store, viewer, client_id, form_id).await?;
    let (typed_name, drawing) = check_signature(input, &form)?;
    let file = store.get::<FileRecord>(&keys::client(client_id), &keys::file(&form.file_id)).await?.ok_or_else(|| Error::Conflict("the document is no longer in the portal; ask the firm".into()))?;
    let (now_hash, _) = blobs.sha256(&file.s3_key).await?;
    if now_hash != form.document_sha256 {
        tracing::warn!(%client_id, %form_id, "document changed since it was sent for signature");
        return Err(Error::Conflict("the document changed since it was sent for signature, so it cannot be signed; ask the firm to send it again".into()));
    }
    let now = domain::now();
    let evidence = Evidence {
        typed_name,
        signed_at: now,
        ip: origin.ip.clone(),
        user_agent: origin.user_agent.clone(),
        document_sha256: now_hash,
        consent_text: CONSENT_TEXT.into(),
        consent_version: CONSENT_VERSION.into(),
        drawn_signature_sha256: drawing.as_ref().map(|(_, sha)| sha.clone()),
    };
    let drawing = drawing.map(|(data_url, sha256)| DrawingRecord {
        pk: keys::form_drawings(form_id),
        sk: keys::signer(me),
        contact_id: me.to_string(),
        data_url,
        sha256,
    });
    let by = viewer.actor_ref();
    let after = signed(&form, me, evidence, by.clone())?;
    let mut entries = vec![audit::entry(client_id, audit::event::FORM_SIGNED, by, now, origin, Some(form_id), Some(form.document_name.clone()))?];
    if after.status == FormStatus::Completed {
        entries.push(audit::entry(client_id, audit::event::FORM_COMPLETED, system(), now, &Origin { ip: None, user_agent: None }, Some(form_id), after.certificate_sha256.clone())?);
    }
    save(store, &form, &after, entries, drawing).await?;
    tracing::info!(%client_id, %form_id, completed = after.status == FormStatus::Completed, "form signed");
    FormView::new(&after, viewer)
}

pub async fn decline(store: &Store, viewer: &Viewer, client_id: &str, form_id: &str, input: DeclineInput, origin: &Origin) -> Result<FormView> {
    let me = viewer.contact_id().ok_or(Error::NotFound("route"))?;
    let mut errs = Vec::new();
    let reason = domain::text_input(&mut errs, "reason", input.reason, 1000, true);
    if !errs.is_empty() {
        return Err(Error::Validation(errs));
    }
    let form = load(store, viewer, client_id, form_id).await?;
    let now = domain::now();
    let by = viewer.actor_ref();
    let after = declined(&form, me, reason.clone(), now, by.clone())?;
    let entry = audit::entry(client_id, audit::event::FORM_DECLINED, by, now, origin, Some(form_id), Some(reason))?;
    save(store, &form, &after, vec![entry], None).await?;
    FormView::new(&after, viewer)
}

/// Is the stored document still the one that was signed, and is the form's record as it
/// was at completion?
#[derive(Debug, Serialize)]
pub struct Verification {
    pub document_sha256: String,
    pub current_sha256: Option<String>,
    pub unchanged: bool,
    /// Completed forms: the certificate computed from the record now has the hash recorded
    /// at completion — on the form and in the append-only audit trail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_intact: Option<bool>,
    /// Every drawn signature still hashes to the value in its signer's evidence.
    pub drawings_intact: bool,
}

pub async fn verify(store: &Store, blobs: &impl Blobs, viewer: &Viewer, client_id: &str, form_id: &str) -> Result<Verification> {
    let form = load(store, viewer, client_id, form_id).await?;
    let file = store.get::<FileRecord>(&keys::client(client_id), &keys::file(&form.file_id)).await?;
    let current = match file {
        Some(f) => Some(blobs.sha256(&f.s3_key).await?.0),
        None => None,
    };
    let certificate_intact = match (certificate(&form)?, form.completed_at) {
        (Some(c), Some(at)) => {
            // The completion entry was written with the form, at the completion time.
            let prefix = keys::audit_at(&domain::rfc3339(at)?);
            let audited: Vec<crate::store::AuditRecord> = store.query_partition(&keys::client(client_id), Some(&prefix), true).await?.into_iter().map(from_item).collect::<Result<_>>()?;
            let in_audit = audited.iter().any(|e| e.event == audit::event::FORM_COMPLETED && e.subject_id.as_deref() == Some(form_id) && e.detail.as_deref() == Some(c.sha256.as_str()));
            Some(in_audit && form.certificate_sha256.as_deref() == Some(c.sha256.as_str()))
        }
        _ => None,
    };
    let drawn: Vec<(&str, &str)> =
        form.signers.iter().filter_map(|s| s.evidence.as_ref().and_then(|e| e.drawn_signature_sha256.as_deref()).map(|h| (s.contact_id.as_str(), h))).collect();
    let drawings_intact = if drawn.is_empty() {
        true
    } else {
        let stored: Vec<DrawingRecord> = store.query_partition(&keys::form_drawings(form_id), None, true).await?.into_iter().map(from_item).collect::<Result<_>>()?;
        drawn.iter().all(|(contact, hash)| stored.iter().any(|d| d.contact_id == *contact && check_drawing(&d.data_url).is_ok_and(|h| h == *hash)))
    };
    Ok(Verification {
        unchanged: current.as_deref() == Some(form.document_sha256.as_str()),
        document_sha256: form.document_sha256,
        current_sha256: current,
        certificate_intact,
        drawings_intact,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ClientRecord, ContactRecord};

    fn t0() -> OffsetDateTime {
        time::macros::datetime!(2026-11-01 09:00 UTC)
    }

    fn links() -> Vec<LinkRecord> {
        let client = ClientRecord::new("f1", "c1", "Acme", t0());
        let mut a = LinkRecord::new(&client, &ContactRecord::sample("f1", "k1", Some("a@example.com"), t0()), t0());
        a.accepted_at = Some(t0());
        let mut b = LinkRecord::new(&client, &ContactRecord::sample("f1", "k2", Some("b@example.com"), t0()), t0());
        b.accepted_at = Some(t0());
        let c = LinkRecord::new(&client, &ContactRecord::sample("f1", "k3", Some("c@example.com"), t0()), t0());
        vec![a, b, c]
    }

    fn staff() -> ActorRef {
        ActorRef { kind: "staff".into(), id: "s1".into(), name: "Sam".into() }
    }

    fn form() -> FormRecord {
        let plan = plan_form(
            NewFormInput { file_id: Some("file1".into()), signer_ids: Some(vec!["k1".into(), "k2".into()]), message: Some("Please sign".into()), due_date: Some("2026-12-01".into()) },
            &links(),
            t0().date(),
        )
        .unwrap();
        FormRecord {
            pk: "p".into(),
            sk: "s".into(),
            firm_id: "f1".into(),
            client_id: "c1".into(),
            client_name: "Acme".into(),
            form_id: "form1".into(),
            file_id: plan.file_id,
            document_name: "Engagement letter.pdf".into(),
            document_size: 10,
            document_sha256: "a".repeat(64),
            message: plan.message,
            due_date: plan.due_date,
            signers: plan.signers,
            status: FormStatus::Pending,
            timeline: vec![TimelineEntry { at: t0(), event: "sent".into(), by: staff() }],
            created_by: staff(),
            created_at: t0(),
            completed_at: None,
            certificate_sha256: None,
            version: 1,
        }
    }

    fn evidence(at: OffsetDateTime) -> Evidence {
        Evidence {
            typed_name: "Ana".into(),
            signed_at: at,
            ip: Some("203.0.113.9".into()),
            user_agent: Some("UA".into()),
            document_sha256: "a".repeat(64),
            consent_text: CONSENT_TEXT.into(),
            consent_version: CONSENT_VERSION.into(),
            drawn_signature_sha256: None,
        }
    }

    fn contact(k: &str) -> ActorRef {
        ActorRef { kind: "contact".into(), id: k.into(), name: k.into() }
    }

    #[test]
    fn signers_need_portal_access_and_bad_input_names_every_field() {
        let Err(Error::Validation(errs)) =
            plan_form(NewFormInput { file_id: None, signer_ids: Some(vec!["k3".into()]), message: None, due_date: Some("2026-10-01".into()) }, &links(), t0().date())
        else {
            panic!()
        };
        assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["file_id", "signer_ids", "due_date"]);
        assert!(errs[1].message.contains("invite them first"));
    }

    #[test]
    fn the_signature_needs_consent_and_the_hash_of_the_document_shown() {
        let f = form();
        let ok = || SignInput {
            typed_name: Some("Ana Sample".into()),
            consent: Some(true),
            consent_version: Some(CONSENT_VERSION.into()),
            document_sha256: Some("A".repeat(64)),
            drawn_signature: None,
        };
        assert_eq!(check_signature(ok(), &f).unwrap(), ("Ana Sample".to_string(), None));
        let Err(Error::Validation(errs)) = check_signature(
            SignInput { typed_name: None, consent: Some(false), consent_version: Some("old".into()), document_sha256: Some("x".into()), drawn_signature: Some("data:image/gif;base64,R0lG".into()) },
            &f,
        ) else {
            panic!()
        };
        assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["typed_name", "consent", "consent_version", "document_sha256", "drawn_signature"]);
        // a drawn signature is kept with the hash of its PNG bytes
        let png = b"\x89PNG\r\n\x1a\nrest-of-image";
        use base64::Engine;
        let url = format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png));
        let (_, drawing) = check_signature(SignInput { drawn_signature: Some(url.clone()), ..ok() }, &f).unwrap();
        assert_eq!(drawing, Some((url, domain::sha256_hex(png))));
        assert!(check_drawing("data:image/png;base64,bm90IGEgcG5n").is_err());
        assert!(matches!(check_signature(SignInput { document_sha256: Some("b".repeat(64)), ..ok() }, &f), Err(Error::Conflict(_))));
    }

    #[test]
    fn the_form_completes_when_everyone_signed_with_a_certificate_whose_hash_detects_change() {
        let f = form();
        let one = signed(&f, "k1", evidence(t0()), contact("k1")).unwrap();
        assert_eq!((one.status, one.version), (FormStatus::Pending, 2));
        assert!(certificate(&one).unwrap().is_none());
        assert!(matches!(signed(&one, "k1", evidence(t0()), contact("k1")), Err(Error::Conflict(_))));
        let both = signed(&one, "k2", evidence(t0() + time::Duration::hours(1)), contact("k2")).unwrap();
        assert_eq!(both.status, FormStatus::Completed);
        let cert = certificate(&both).unwrap().unwrap();
        assert_eq!(Some(cert.sha256.clone()), both.certificate_sha256);
        assert_eq!(cert.body.signers.iter().map(|s| s.ip.as_deref()).collect::<Vec<_>>(), [Some("203.0.113.9"), Some("203.0.113.9")]);
        assert_eq!(cert.body.timeline.iter().map(|t| t.event.as_str()).collect::<Vec<_>>(), ["sent", "signed", "signed", "completed"]);
        // any change of the recorded evidence changes the certificate's hash
        let mut tampered = both.clone();
        tampered.document_sha256 = "c".repeat(64);
        assert_ne!(certificate(&tampered).unwrap().unwrap().sha256, cert.sha256);
        assert!(matches!(signed(&both, "k2", evidence(t0()), contact("k2")), Err(Error::Conflict(_))));
    }

    #[test]
    fn a_decline_ends_the_form_and_other_contacts_see_no_evidence() {
        let f = signed(&form(), "k1", evidence(t0()), contact("k1")).unwrap();
        let d = declined(&f, "k2", "Wrong amount on page 2".into(), t0(), contact("k2")).unwrap();
        assert_eq!(d.status, FormStatus::Declined);
        assert!(matches!(signed(&d, "k2", evidence(t0()), contact("k2")), Err(Error::Conflict(_))));
        let as_k2 = FormView::new(&d, &Viewer::Contact { contact_id: "k2".into(), firm_id: "f1".into(), name: "B".into() }).unwrap();
        assert!(as_k2.signers[0].evidence.is_none() && as_k2.signers[1].decline_reason.is_some());
        assert_eq!(as_k2.my_status, Some(SignerStatus::Declined));
        assert!(!visible(&d, &Viewer::Contact { contact_id: "k3".into(), firm_id: "f1".into(), name: "C".into() }));
    }

    #[test]
    fn pending_forms_are_on_the_signers_todo_only() {
        let f = form();
        assert_eq!(todo_of([&f].into_iter(), "k1", t0().date()).len(), 1);
        assert!(todo_of([&f].into_iter(), "k3", t0().date()).is_empty());
        let done = signed(&f, "k1", evidence(t0()), contact("k1")).unwrap();
        assert!(todo_of([&done].into_iter(), "k1", t0().date()).is_empty());
        assert!(todo_of([&done].into_iter(), "k2", (t0() + time::Duration::days(40)).date())[0].overdue);
    }
}
