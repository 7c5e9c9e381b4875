//! `file-events`' half of an upload: check what landed under the upload key and, if it is
//! what was declared, copy it to the stored key.
//!
//! An upload URL can be replayed until it expires, and the bucket keeps versions, so the
//! check works on one *version* of the upload object, never on "whatever is there now":
//!
//! 1. The version is pinned first: the one the S3 event names (the current one if it names
//!    none), and the file record claims it (`upload_version`, a conditional write). The first
//!    version claimed is the only one ever checked; the event of any other version of the
//!    same upload (a second `PUT` with the same URL, before or after the decision) finds the
//!    claim, or a decided file, and that version is deleted unread.
//! 2. Size, type and first bytes are read from that version; if they pass, exactly that
//!    version is copied (`CopySource` with its `versionId`) to the stored key, which no
//!    upload URL can write. A `PUT` landing between the check and the copy is therefore not
//!    what gets approved.
//! 3. The record becomes `available` (or `rejected`) on condition that it is still pending
//!    and still claims that version; then the upload version is deleted for good.
//!
//! Every step is safe to repeat: S3 may deliver an event twice and Lambda retries a failed
//! one; a repeated copy of the same version writes the same bytes.

use crate::domain;
use crate::domain::upload::{parse_upload_key, sniff_matches, stored_key};
use crate::error::Result;
use crate::ops::audit::{self, Origin};
use crate::ports::blobs::Blobs;
use crate::store::tx::Change;
use crate::store::{keys, s, FileRecord, FileStatus, Store};

/// What `file-events` decided about an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    Available,
    Rejected(String),
    /// Not an upload key of ours, a file that is not pending any more (S3 may deliver an
    /// event twice; an upload URL may be replayed), or another version of the upload is
    /// already being checked.
    Ignored,
}

/// Compare the landed object with the declaration: the rule, without AWS.
pub fn judge(file: &FileRecord, actual_size: u64, actual_type: &str, head: &[u8]) -> Confirmation {
    let actual_type = actual_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if actual_size != file.size {
        return Confirmation::Rejected(format!("the upload was {actual_size} bytes, not the {} declared", file.size));
    }
    if actual_type != file.content_type {
        return Confirmation::Rejected(format!("the upload was of type {actual_type}, not the {} declared", file.content_type));
    }
    if !sniff_matches(&file.content_type, head) {
        return Confirmation::Rejected(format!("the file's contents are not {}", file.content_type));
    }
    Confirmation::Available
}

/// The condition under which `version` may be checked, and the decision written: the file
/// is pending and claims no other version.
const STILL_OURS: &str = "#status = :pending AND (attribute_not_exists(#upload_version) OR #upload_version = :version)";

/// Check one version of an upload (S3 `ObjectCreated` under `uploads/`; `version` is the
/// event's `versionId`) and mark the file available or rejected (see the module docs).
pub async fn confirm_upload(store: &Store, blobs: &impl Blobs, key: &str, version: Option<&str>) -> Result<Confirmation> {
    let Some((firm_id, client_id, file_id)) = parse_upload_key(key) else {
        tracing::warn!("not an upload key of this system; ignored");
        return Ok(Confirmation::Ignored);
    };
    let stored = stored_key(&firm_id, &client_id, &file_id);
    let file = store
        .get::<FileRecord>(&keys::client(&client_id), &keys::file(&file_id))
        .await?
        .filter(|f| f.status == FileStatus::Pending && f.firm_id == firm_id && f.s3_key == stored);
    let Some(file) = file else {
        // A replayed upload URL (the file was decided already) or an upload nobody waits
        // for: nothing will ever read it, so it goes now rather than at the lifecycle's pace.
        if let Some(v) = version {
            blobs.delete_version(key, v).await?;
        }
        tracing::info!(%client_id, %file_id, "upload for no pending file; deleted");
        return Ok(Confirmation::Ignored);
    };
    let head = blobs.head(key, version).await?;
    if !claim(store, &file, &head.version).await? {
        blobs.delete_version(key, &head.version).await?;
        tracing::warn!(%client_id, %file_id, "a second upload while another version is checked; deleted");
        return Ok(Confirmation::Ignored);
    }
    let bytes = blobs.first_bytes(key, &head.version, 512).await?;
    let verdict = judge(&file, head.size, &head.content_type, &bytes);
    let now = domain::now();
    let change = match &verdict {
        Confirmation::Available => {
            let stored_version = blobs.copy_version(key, &head.version, &stored).await?;
            Change::new()
                .set("status", s("available"))
                .set("available_at", s(domain::rfc3339(now)?))
                .set("etag", s(head.etag.clone()))
                .set("stored_version", s(stored_version))
                .remove("expires_at")
        }
        Confirmation::Rejected(reason) => Change::new().set("status", s("rejected")).set("rejected_reason", s(reason.clone())),
        Confirmation::Ignored => return Ok(verdict),
    };
    let item = change.when(STILL_OURS, vec![(":pending", s("pending")), (":version", s(head.version.clone()))]).on(store.table(), &file.pk, &file.sk)?;
    let mut items = vec![item];
    if verdict == Confirmation::Available {
        let origin = Origin { ip: file.upload_ip.clone(), user_agent: file.upload_user_agent.clone() };
        let entry = audit::entry(&client_id, audit::event::FILE_UPLOADED, file.uploaded_by.clone(), now, &origin, Some(&file_id), Some(file.name.clone()))?;
        items.push(audit::tx_put(store, &entry)?);
    }
    if store.transact_each(items).await?.is_err() {
        // Decided meanwhile by a second delivery of this same event (it copied the same
        // version): nothing left to do.
        tracing::info!(%client_id, %file_id, "upload decided meanwhile");
        return Ok(Confirmation::Ignored);
    }
    // After the decision: if this fails, the retried event finds the file decided and
    // deletes the version then.
    blobs.delete_version(key, &head.version).await?;
    tracing::info!(%client_id, %file_id, verdict = ?verdict, "upload checked");
    Ok(verdict)
}

/// Claim `version` as the one version of this upload that is checked. `false` when the file
/// was decided meanwhile or another version holds the claim.
async fn claim(store: &Store, file: &FileRecord, version: &str) -> Result<bool> {
    let item = Change::new().set("upload_version", s(version)).when(STILL_OURS, vec![(":pending", s("pending")), (":version", s(version))]).on(
        store.table(),
        &file.pk,
        &file.sk,
    )?;
    Ok(store.transact_each(vec![item]).await?.is_ok())
}
