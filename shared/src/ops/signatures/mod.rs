//! E-signature forms: staff send a document already in the portal to contacts of the client
//! for signature; each signer reads a consent statement and signs by typing their name, or
//! declines with a reason; when all have signed, the form is completed with a certificate.
//!
//! What makes a signature worth something is its evidence, recorded per signer by the
//! server: who (contact id, name, email of the login), when (server time), from where (IP,
//! user agent), what (the SHA-256 of the exact document bytes), and what they agreed to
//! (the consent text and its version, and the name they typed). The document's hash is
//! taken from the stored object (the file's stored key, which only `file-events` writes: a
//! replayed upload URL cannot change it, see `ops::files::confirm`) when the form is sent; at signing, the server hashes the
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

use serde::Serialize;

use crate::domain::email::{escape_html, RenderedEmail};
use crate::domain::{self};
use crate::error::{Error, Result};
use crate::ops::access::Viewer;
use crate::ops::audit::{self, Origin};
use crate::ports::blobs::Blobs;
use crate::ports::mail::{Mailer, Outbox};
use crate::store::{from_item, keys, tx, DrawingRecord, Evidence, FileRecord, FileStatus, FormRecord, FormStatus, Store, TimelineEntry};

mod certificate;
mod rules;
mod views;

pub use certificate::*;
pub use rules::*;
pub use views::*;

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
pub async fn send(
    store: &Store,
    blobs: &impl Blobs,
    outbox: &Outbox<'_, impl Mailer>,
    viewer: &Viewer,
    client_id: &str,
    input: NewFormInput,
    origin: &Origin,
) -> Result<Sent> {
    viewer.staff_only()?;
    viewer.new_work()?;
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
        gsi3pk: None,
        gsi3sk: None,
    }
    .with_open_keys();
    // The signers must be able to open the document: share it with them, in the same
    // transaction (conditional on the file still being available).
    let signer_ids: Vec<String> = form.signers.iter().map(|s| s.contact_id.clone()).collect();
    let mut items = vec![tx::put_new(store.table(), &form)?];
    items.extend(crate::ops::files::share_write(store, &file, &signer_ids)?);
    let entry = audit::entry(
        client_id,
        audit::event::FORM_SENT,
        by,
        now,
        origin,
        Some(&id),
        Some(format!("{} to {} signer(s)", form.document_name, form.signers.len())),
    )?;
    items.push(audit::tx_put(store, &entry)?);
    store.transact(items, |_| Error::Conflict("the document changed meanwhile; reload and try again".into())).await?;

    let firm = store.firm_settings(viewer.firm_id()).await?;
    let email = firm.letterhead(outbox.web_origin).wrap(request_email(
        &firm.name,
        &form.client_name,
        &format!("{}/#/portal", outbox.web_origin),
        form.due_date.as_deref(),
    ));
    let recipients = form.signers.iter().map(|s| ("contact", s.contact_id.clone(), s.email.clone())).collect();
    let emails = crate::ports::mail::notify(outbox.mailer, &firm.sender(), recipients, &email).await;
    tracing::info!(%client_id, form_id = %id, signers = form.signers.len(), "sent for signature");
    Ok(Sent { form: FormView::new(&form, viewer)?, emails })
}

/// One page of the forms the viewer can see, newest first (ids are UUIDv7, so key order is
/// the order they were sent in): one bounded Query of `FORM#…`; a contact's page reads at
/// most `limit` × [`FILTER_READ_FACTOR`](crate::store::FILTER_READ_FACTOR) forms.
pub async fn list(store: &Store, viewer: &Viewer, client_id: &str, page: &crate::store::PageRequest) -> Result<crate::store::Page<FormView>> {
    let range = crate::store::KeyRange::prefix(keys::client(client_id), keys::prefix::FORM);
    let factor = if viewer.contact_id().is_some() { crate::store::FILTER_READ_FACTOR } else { 1 };
    store
        .query_page_where(&range, crate::store::Order::NewestFirst, page, factor, |item| {
            let f: FormRecord = from_item(item.clone())?;
            visible(&f, viewer).then(|| FormView::new(&f, viewer)).transpose()
        })
        .await
}

/// One form, with the drawn signatures the viewer may see (staff: all; a contact: theirs,
/// and everyone's once the form is completed).
pub async fn get(store: &Store, viewer: &Viewer, client_id: &str, form_id: &str) -> Result<FormView> {
    let form = load(store, viewer, client_id, form_id).await?;
    let mut view = FormView::new(&form, viewer)?;
    if form.signers.iter().any(|s| s.evidence.as_ref().is_some_and(|e| e.drawn_signature_sha256.is_some())) {
        let drawings: Vec<DrawingRecord> =
            store.query_partition(&keys::form_drawings(form_id), None, false).await?.into_iter().map(from_item).collect::<Result<_>>()?;
        let all = viewer.contact_id().is_none() || form.status == FormStatus::Completed;
        view.drawings =
            drawings.into_iter().filter(|d| all || viewer.contact_id() == Some(d.contact_id.as_str())).map(|d| (d.contact_id, d.data_url)).collect();
    }
    Ok(view)
}

async fn save(store: &Store, before: &FormRecord, after: &FormRecord, entries: Vec<crate::store::AuditRecord>, drawing: Option<DrawingRecord>) -> Result<()> {
    let mut items = vec![tx::put_versioned(store.table(), &after.clone().with_open_keys(), before.version)?];
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
    let me = viewer.contact_only()?;
    let form = load(store, viewer, client_id, form_id).await?;
    may_answer(&form, me)?;
    let (typed_name, drawing) = check_signature(input, &form)?;
    let file = store
        .get::<FileRecord>(&keys::client(client_id), &keys::file(&form.file_id))
        .await?
        .ok_or_else(|| Error::Conflict("the document is no longer in the portal; ask the firm".into()))?;
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
        entries.push(audit::entry(
            client_id,
            audit::event::FORM_COMPLETED,
            system(),
            now,
            &Origin { ip: None, user_agent: None },
            Some(form_id),
            after.certificate_sha256.clone(),
        )?);
    }
    save(store, &form, &after, entries, drawing).await?;
    tracing::info!(%client_id, %form_id, completed = after.status == FormStatus::Completed, "form signed");
    FormView::new(&after, viewer)
}

pub async fn decline(store: &Store, viewer: &Viewer, client_id: &str, form_id: &str, input: DeclineInput, origin: &Origin) -> Result<FormView> {
    let me = viewer.contact_only()?;
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
    viewer.staff_only()?;
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
            let audited: Vec<crate::store::AuditRecord> =
                store.query_partition(&keys::client(client_id), Some(&prefix), true).await?.into_iter().map(from_item).collect::<Result<_>>()?;
            let in_audit = audited
                .iter()
                .any(|e| e.event == audit::event::FORM_COMPLETED && e.subject_id.as_deref() == Some(form_id) && e.detail.as_deref() == Some(c.sha256.as_str()));
            Some(in_audit && form.certificate_sha256.as_deref() == Some(c.sha256.as_str()))
        }
        _ => None,
    };
    let drawn: Vec<(&str, &str)> =
        form.signers.iter().filter_map(|s| s.evidence.as_ref().and_then(|e| e.drawn_signature_sha256.as_deref()).map(|h| (s.contact_id.as_str(), h))).collect();
    let drawings_intact = if drawn.is_empty() {
        true
    } else {
        let stored: Vec<DrawingRecord> =
            store.query_partition(&keys::form_drawings(form_id), None, true).await?.into_iter().map(from_item).collect::<Result<_>>()?;
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
mod tests;
