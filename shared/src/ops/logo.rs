//! The firm's logo: uploaded by admins through a presigned URL, checked like every upload,
//! shown in the portal's header and in every email the firm sends.
//!
//! It follows the files' road (`ops::files`, `domain::upload`), for the same reasons:
//!
//! 1. [`create_upload`] checks the declared size and type (PNG or JPEG, at most
//!    [`MAX_LOGO_BYTES`]), records a pending [`LogoRecord`] with who asked and from where,
//!    and signs a `PUT` of exactly that size and type to the upload key
//!    (`uploads/firms/<f>/logo/<id>`), which nothing ever serves.
//! 2. `file-events` calls [`confirm`] for that key: one version is claimed, its size, type
//!    and first bytes are checked ([`judge`]); if they pass, exactly that version is copied
//!    to the stored key (`firms/<f>/logo/<id>`) and the firm item names it — in the same
//!    transaction as the firm history's `profile_changed` entry —; the upload is deleted
//!    either way, and so is the logo it replaces.
//! 3. [`image`] answers `GET /api/firms/{firm_id}/logo` with the stored bytes, without
//!    sign-in: mail clients fetch email images with no credentials. The path carries the
//!    logo's id (`?v=`), so it can be cached for good; a new logo is a new URL.
//!
//! Step 2 is the real wall, here as for files: a presigned `PUT` binds the declared size and
//! type, not what the bytes are. (moto checks no presigned URL at all; the local stack's
//! proxy, `scripts/aws_proxy.py`, refuses them as S3 would.)

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::upload::{
    check_logo, logo_stored_key, logo_upload_key, parse_logo_upload_key, sniff_matches, LOGO_TYPES, MAX_LOGO_BYTES, PENDING_TAG, UPLOAD_URL_SECONDS,
};
use crate::domain::{self, quotas::Quota};
use crate::error::{Error, Result};
use crate::ops::audit::{self, By, Origin};
use crate::ops::files::{Confirmation, PresignedUpload};
use crate::ports::blobs::Blobs;
use crate::store::tx::Change;
use crate::store::{keys, s, FileStatus, FirmRecord, LogoRecord, Store};

/// Unchecked logo uploads are forgotten after a day (the bucket expires `uploads/` too).
const PENDING_SECONDS: i64 = 24 * 3600;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogoInput {
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub content_type: Option<String>,
}

/// A logo upload as staff see it.
#[derive(Debug, Clone, Serialize)]
pub struct LogoUploadView {
    pub id: String,
    /// `pending` until `file-events` checked it, then `available` (it is the logo now) or
    /// `rejected`.
    pub status: FileStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected_reason: Option<String>,
}

impl From<&LogoRecord> for LogoUploadView {
    fn from(r: &LogoRecord) -> Self {
        LogoUploadView { id: r.logo_id.clone(), status: r.status, rejected_reason: r.rejected_reason.clone() }
    }
}

#[derive(Debug, Serialize)]
pub struct LogoSlot {
    #[serde(flatten)]
    pub logo: LogoUploadView,
    pub upload: PresignedUpload,
}

/// Issue an upload URL for a new logo (it replaces the current one once checked).
pub async fn create_upload(store: &Store, blobs: &impl Blobs, by: &By, firm_id: &str, input: LogoInput) -> Result<LogoSlot> {
    let (size, content_type) = check_logo(input.size, input.content_type.as_deref())?;
    crate::ops::quotas::spend(store, Quota::FirmUploads, firm_id).await?;
    let now = domain::now();
    let logo_id = domain::new_id();
    let (pk, sk) = LogoRecord::key(firm_id, &logo_id);
    let rec = LogoRecord {
        pk,
        sk,
        firm_id: firm_id.into(),
        logo_id: logo_id.clone(),
        size,
        content_type: content_type.clone(),
        status: FileStatus::Pending,
        rejected_reason: None,
        uploaded_by: by.actor.clone(),
        upload_ip: by.origin.ip.clone(),
        upload_user_agent: by.origin.user_agent.clone(),
        created_at: now,
        upload_version: None,
        expires_at: now.unix_timestamp() + PENDING_SECONDS,
    };
    let upload = blobs.upload_url(&logo_upload_key(firm_id, &logo_id), &content_type, size, PENDING_TAG, Duration::from_secs(UPLOAD_URL_SECONDS)).await?;
    if !store.put_new(&rec).await? {
        return Err(Error::Conflict("please retry the upload".into()));
    }
    tracing::info!(%firm_id, %logo_id, size, "logo upload slot issued");
    Ok(LogoSlot {
        logo: LogoUploadView::from(&rec),
        upload: PresignedUpload {
            method: "PUT",
            url: upload.url,
            headers: upload.headers.into_iter().collect(),
            expires_at: now + time::Duration::seconds(UPLOAD_URL_SECONDS as i64),
        },
    })
}

/// What became of one logo upload (404 for another firm's or an unknown one).
pub async fn upload_status(store: &Store, firm_id: &str, logo_id: &str) -> Result<LogoUploadView> {
    if !domain::is_plausible_id(logo_id) {
        return Err(Error::NotFound("logo upload"));
    }
    let (pk, sk) = LogoRecord::key(firm_id, logo_id);
    store.get::<LogoRecord>(&pk, &sk).await?.map(|r| LogoUploadView::from(&r)).ok_or(Error::NotFound("logo upload"))
}

/// Compare what landed with what was declared, and with what a logo may be: the rule,
/// without AWS.
pub fn judge(logo: &LogoRecord, actual_size: u64, actual_type: &str, head: &[u8]) -> Confirmation {
    let actual_type = actual_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if actual_size != logo.size || actual_size > MAX_LOGO_BYTES {
        return Confirmation::Rejected(format!("the upload was {actual_size} bytes, not the {} declared", logo.size));
    }
    if actual_type != logo.content_type || !LOGO_TYPES.contains(&actual_type.as_str()) {
        return Confirmation::Rejected(format!("the upload was of type {actual_type}, not the {} declared", logo.content_type));
    }
    if !sniff_matches(&actual_type, head) {
        return Confirmation::Rejected(format!("the file's contents are not a {} image", if actual_type == "image/png" { "PNG" } else { "JPEG" }));
    }
    Confirmation::Available
}

/// The condition under which `version` may be checked and the decision written.
const STILL_OURS: &str = "#status = :pending AND (attribute_not_exists(#upload_version) OR #upload_version = :version)";

/// `file-events`' half of a logo upload (see the module docs). Safe to repeat.
pub async fn confirm(store: &Store, blobs: &impl Blobs, key: &str, version: Option<&str>) -> Result<Confirmation> {
    let Some((firm_id, logo_id)) = parse_logo_upload_key(key) else {
        return Ok(Confirmation::Ignored);
    };
    let (pk, sk) = LogoRecord::key(&firm_id, &logo_id);
    let Some(logo) = store.get::<LogoRecord>(&pk, &sk).await?.filter(|l| l.status == FileStatus::Pending) else {
        if let Some(v) = version {
            blobs.delete_version(key, v).await?;
        }
        tracing::info!(%firm_id, %logo_id, "logo upload for no pending logo; deleted");
        return Ok(Confirmation::Ignored);
    };
    let head = blobs.head(key, version).await?;
    let claim =
        Change::new().set("upload_version", s(head.version.clone())).when(STILL_OURS, vec![(":pending", s("pending")), (":version", s(head.version.clone()))]);
    if store.transact_each(vec![claim.on(store.table(), &pk, &sk)?]).await?.is_err() {
        blobs.delete_version(key, &head.version).await?;
        return Ok(Confirmation::Ignored);
    }
    let bytes = blobs.first_bytes(key, &head.version, 16).await?;
    let verdict = judge(&logo, head.size, &head.content_type, &bytes);
    let still_ours = |c: Change| c.when(STILL_OURS, vec![(":pending", s("pending")), (":version", s(head.version.clone()))]).on(store.table(), &pk, &sk);
    let mut replaced = None;
    let items = match &verdict {
        Confirmation::Available => {
            let before = store.firm(&firm_id).await?;
            let stored = logo_stored_key(&firm_id, &logo_id);
            let stored_version = blobs.copy_version(key, &head.version, &stored).await?;
            replaced = before.logo_key.clone().zip(before.logo_version.clone());
            let firm = Change::new()
                .set("logo_id", s(logo_id.clone()))
                .set("logo_key", s(stored))
                .set("logo_version", s(stored_version))
                .set("logo_type", s(logo.content_type.clone()))
                .on(store.table(), &keys::firm(&firm_id), keys::FIRM_SK)?;
            let by = By { actor: logo.uploaded_by.clone(), origin: Origin { ip: logo.upload_ip.clone(), user_agent: logo.upload_user_agent.clone() } };
            let kind = if logo.content_type == "image/png" { "PNG" } else { "JPEG" };
            let entry = audit::firm_entry(
                &firm_id,
                audit::event::PROFILE_CHANGED,
                &by,
                domain::now(),
                Some(&logo_id),
                Some(format!("logo: new {kind} image ({} bytes)", logo.size)),
            )?;
            vec![still_ours(Change::new().set("status", s("available")))?, firm, audit::tx_put(store, &entry)?]
        }
        Confirmation::Rejected(reason) => vec![still_ours(Change::new().set("status", s("rejected")).set("rejected_reason", s(reason.clone())))?],
        Confirmation::Ignored => return Ok(verdict),
    };
    if store.transact_each(items).await?.is_err() {
        tracing::info!(%firm_id, %logo_id, "logo upload decided meanwhile");
        return Ok(Confirmation::Ignored);
    }
    blobs.delete_version(key, &head.version).await?;
    if let Some((old_key, old_version)) = replaced {
        // The logo it replaces is served no more; a failure leaves an object nobody names.
        if let Err(e) = blobs.delete_version(&old_key, &old_version).await {
            tracing::warn!(%firm_id, error = %e, "deleting the replaced logo failed");
        }
    }
    tracing::info!(%firm_id, %logo_id, verdict = ?verdict, "logo upload checked");
    Ok(verdict)
}

/// Remove the firm's logo (nothing to do when there is none): the firm item forgets it in
/// the transaction that records `profile_changed`, then the image is deleted.
pub async fn remove(store: &Store, blobs: &impl Blobs, by: &By, firm_id: &str) -> Result<()> {
    let firm = store.firm(firm_id).await?;
    let (Some(logo_id), Some(key)) = (firm.logo_id.clone(), firm.logo_key.clone()) else {
        return Ok(());
    };
    let forget = Change::new()
        .remove("logo_id")
        .remove("logo_key")
        .remove("logo_version")
        .remove("logo_type")
        .when("#logo_id = :id", vec![(":id", s(logo_id.clone()))])
        .on(store.table(), &keys::firm(firm_id), keys::FIRM_SK)?;
    let entry = audit::firm_entry(firm_id, audit::event::PROFILE_CHANGED, by, domain::now(), Some(&logo_id), Some("logo: removed".into()))?;
    store.transact(vec![forget, audit::tx_put(store, &entry)?], |_| Error::Conflict("the logo changed meanwhile; reload and try again".into())).await?;
    if let Some(version) = &firm.logo_version {
        if let Err(e) = blobs.delete_version(&key, version).await {
            tracing::warn!(%firm_id, error = %e, "deleting the removed logo failed");
        }
    }
    tracing::info!(%firm_id, %logo_id, "logo removed");
    Ok(())
}

/// The logo's bytes, for the public route.
#[derive(Debug)]
pub struct LogoImage {
    pub bytes: Vec<u8>,
    pub content_type: String,
    /// The request named the current logo (`?v=<its id>`): the answer may be cached for good.
    pub named: bool,
}

/// The firm's current logo; 404 when the firm has none (or is no firm).
pub async fn image(store: &Store, blobs: &impl Blobs, firm_id: &str, v: Option<&str>) -> Result<LogoImage> {
    if !domain::is_plausible_id(firm_id) {
        return Err(Error::NotFound("logo"));
    }
    let firm = store.get::<FirmRecord>(&keys::firm(firm_id), keys::FIRM_SK).await?.ok_or(Error::NotFound("logo"))?;
    let (Some(key), Some(version), Some(content_type)) = (&firm.logo_key, &firm.logo_version, &firm.logo_type) else {
        return Err(Error::NotFound("logo"));
    };
    let bytes = blobs.first_bytes(key, version, MAX_LOGO_BYTES).await?;
    Ok(LogoImage { bytes, content_type: content_type.clone(), named: v.is_some() && v == firm.logo_id.as_deref() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ActorRef;

    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0];

    fn logo(size: u64, content_type: &str) -> LogoRecord {
        let (pk, sk) = LogoRecord::key("f", "l");
        LogoRecord {
            pk,
            sk,
            firm_id: "f".into(),
            logo_id: "l".into(),
            size,
            content_type: content_type.into(),
            status: FileStatus::Pending,
            rejected_reason: None,
            uploaded_by: ActorRef { kind: "staff".into(), id: "s".into(), name: "S".into() },
            upload_ip: None,
            upload_user_agent: None,
            created_at: time::macros::datetime!(2026-11-01 00:00 UTC),
            upload_version: None,
            expires_at: 0,
        }
    }

    #[test]
    fn only_png_or_jpeg_up_to_512_kb_may_be_declared() {
        assert_eq!(check_logo(Some(1000), Some("image/PNG")).unwrap(), (1000, "image/png".to_string()));
        assert!(check_logo(Some(MAX_LOGO_BYTES), Some("image/jpeg")).is_ok());
        let fields = |size, ct| match check_logo(size, ct) {
            Err(Error::Validation(errs)) => errs.into_iter().map(|e| e.field).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(fields(Some(MAX_LOGO_BYTES + 1), Some("image/png")), ["size"]);
        assert_eq!(fields(Some(10), Some("image/svg+xml")), ["content_type"]);
        assert_eq!(fields(None, Some("application/pdf")), ["size", "content_type"]);
        assert_eq!(fields(Some(0), None), ["size", "content_type"]);
    }

    #[test]
    fn what_landed_must_be_the_declared_image() {
        assert_eq!(judge(&logo(10, "image/png"), 10, "image/png", PNG), Confirmation::Available);
        assert!(matches!(judge(&logo(10, "image/png"), 11, "image/png", PNG), Confirmation::Rejected(r) if r.contains("11 bytes")));
        assert!(
            matches!(judge(&logo(10, "image/png"), 10, "image/svg+xml", b"<svg onload=alert(1)>"), Confirmation::Rejected(r) if r.contains("image/svg+xml"))
        );
        assert!(matches!(judge(&logo(10, "image/png"), 10, "image/png", b"<svg onload="), Confirmation::Rejected(r) if r.contains("not a PNG")));
        assert!(matches!(judge(&logo(10, "image/jpeg"), 10, "image/jpeg", PNG), Confirmation::Rejected(r) if r.contains("not a JPEG")));
        assert_eq!(judge(&logo(3, "image/jpeg"), 3, "image/jpeg", &[0xff, 0xd8, 0xff]), Confirmation::Available);
    }

    #[test]
    fn logo_keys_are_told_apart_from_file_keys() {
        let (f, l) = ("0192f0c4-1b2a-7c3d-8e4f-5a6b7c8d9e0f", "0192f0c4-1b2a-7c3d-8e4f-5a6b7c8d9e10");
        let up = logo_upload_key(f, l);
        assert_eq!(up, format!("uploads/firms/{f}/logo/{l}"));
        assert_eq!(parse_logo_upload_key(&up), Some((f.into(), l.into())));
        assert_eq!(parse_logo_upload_key(&logo_stored_key(f, l)), None, "a stored key is no upload");
        assert_eq!(parse_logo_upload_key(&format!("uploads/firms/{f}/logo/../x")), None);
        assert_eq!(parse_logo_upload_key(&crate::domain::upload::upload_key(f, l, l)), None);
        assert_eq!(crate::domain::upload::parse_upload_key(&up), None, "a logo is never taken for a client's file");
    }
}
