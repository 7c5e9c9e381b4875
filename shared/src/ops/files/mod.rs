//! Files in a client's portal: upload slots, confirmation of what landed, sharing,
//! listing and downloads.
//!
//! - The server chooses every S3 key; the user's file name is metadata, cleaned of paths and
//!   control characters. A file has two keys (`domain::upload`): the browser uploads to
//!   `uploads/firms/<f>/clients/<c>/files/<id>`, and the approved bytes live at
//!   `firms/<f>/clients/<c>/files/<id>` (the record's `s3_key`), which no upload URL writes.
//! - An upload slot is a presigned `PUT` that signs the declared `content-type` and
//!   `content-length` and expires in [`UPLOAD_URL_SECONDS`]. The file stays `pending` until
//!   `file-events` (S3 `ObjectCreated`, [`confirm_upload`]) checks one version of the upload —
//!   size as declared, type as declared and as its first bytes say — copies exactly that
//!   version to the stored key and marks the file `available`, or marks it `rejected`; the
//!   upload object is deleted either way. That check is the real wall: the local emulator
//!   does not verify presigned URLs at all. The URL stays valid after approval, but a
//!   replayed `PUT` only lands under `uploads/`, where `file-events` deletes it: nothing a
//!   user downloads or signs changes.
//! - Staff see every file of the client. A contact sees a file when it is shared with all
//!   contacts, shared with them, or uploaded by them — never another contact's upload that
//!   was not shared with them. A file they may not see answers 404.
//! - Downloads are presigned `GET`s of the stored key with the original name in
//!   `Content-Disposition`, valid for [`DOWNLOAD_URL_SECONDS`]; each is recorded in the
//!   client's audit trail.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain;
use crate::domain::quotas::Quota;
use crate::domain::upload::*;
use crate::error::{Error, Result};
use crate::ops::access::visible_to;
use crate::ops::access::Viewer;
use crate::ops::audit::{self, Origin};
use crate::ports::blobs::Blobs;
use crate::store::tx::Change;
use crate::store::{keys, s, ActorRef, FileRecord, FileStatus, KeyRange, LinkRecord, Order, Page, PageRequest, Store, FILTER_READ_FACTOR};

/// The write (for the caller's transaction) that shares `file` with those of `contact_ids`
/// who cannot see it yet, conditional on the file still being available; `None` when
/// everyone already can. Used when a file is attached to a message or sent for signature.
pub fn share_write(store: &Store, file: &FileRecord, contact_ids: &[String]) -> Result<Option<aws_sdk_dynamodb::types::TransactWriteItem>> {
    use aws_sdk_dynamodb::types::AttributeValue;
    let missing: Vec<AttributeValue> =
        contact_ids.iter().filter(|c| !file.shared_with_all && !file.shared_with.contains(c)).map(|c| crate::store::s(c.clone())).collect();
    if missing.is_empty() {
        return Ok(None);
    }
    let values = crate::store::Item::from([
        (":new".to_string(), AttributeValue::L(missing)),
        (":empty".to_string(), AttributeValue::L(vec![])),
        (":ok".to_string(), crate::store::s("available")),
    ]);
    let names = std::collections::HashMap::from([("#st".to_string(), "status".to_string())]);
    crate::store::tx::update(
        store.table(),
        &file.pk,
        &file.sk,
        "SET shared_with = list_append(if_not_exists(shared_with, :empty), :new)",
        "#st = :ok",
        values,
        names,
    )
    .map(Some)
}

#[derive(Debug, Clone, Serialize)]
pub struct FileView {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub status: FileStatus,
    pub uploaded_by: ActorRef,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub available_at: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Staff only: whom it is shared with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_with_all: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_with: Option<Vec<String>>,
}

impl FileView {
    pub fn new(f: &FileRecord, viewer: &Viewer) -> Self {
        let staff = viewer.contact_id().is_none();
        Self {
            id: f.file_id.clone(),
            name: f.name.clone(),
            content_type: f.content_type.clone(),
            size: f.size,
            status: f.status,
            uploaded_by: f.uploaded_by.clone(),
            created_at: f.created_at,
            available_at: f.available_at,
            rejected_reason: f.rejected_reason.clone(),
            request_id: f.request_id.clone(),
            shared_with_all: staff.then_some(f.shared_with_all),
            shared_with: staff.then(|| f.shared_with.clone()),
        }
    }
}

/// The outcome of sharing with one contact: `shared`, or `not_invited` when the contact
/// has no portal access yet (the file is shared all the same and shows once they join;
/// the UI offers to invite them now).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShareOutcome {
    pub contact_id: String,
    pub outcome: &'static str,
}

/// Check a sharing list against the client's contacts; unknown ids are an input error.
pub fn plan_sharing(links: &[LinkRecord], contact_ids: &[String], all: bool) -> Result<Vec<ShareOutcome>> {
    let unknown: Vec<&String> = contact_ids.iter().filter(|id| !links.iter().any(|l| &l.contact_id == *id)).collect();
    if !unknown.is_empty() {
        return Err(Error::field(
            "share_with",
            format!("names contacts who are not contacts of this client: {}", unknown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")),
        ));
    }
    let targets: Vec<&LinkRecord> = if all { links.iter().collect() } else { links.iter().filter(|l| contact_ids.contains(&l.contact_id)).collect() };
    Ok(targets
        .into_iter()
        .map(|l| ShareOutcome { contact_id: l.contact_id.clone(), outcome: if l.accepted_at.is_some() { "shared" } else { "not_invited" } })
        .collect())
}

#[derive(Debug, Serialize)]
pub struct PresignedUpload {
    pub method: &'static str,
    pub url: String,
    /// Headers the upload must send exactly (they are part of the signature).
    pub headers: std::collections::BTreeMap<String, String>,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Serialize)]
pub struct UploadSlot {
    pub file: FileView,
    pub upload: PresignedUpload,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sharing: Vec<ShareOutcome>,
}

/// Issue an upload slot: check the limits, choose the key, record the pending file, sign.
pub async fn create_upload(store: &Store, blobs: &impl Blobs, viewer: &Viewer, client_id: &str, input: UploadInput, origin: &Origin) -> Result<UploadSlot> {
    viewer.new_work()?;
    // The firm's upload cap: a minute-old value is harmless (see Store::firm_settings).
    let firm = store.firm_settings(viewer.firm_id()).await?;
    let req = check_upload(input.name.as_deref(), input.size, input.content_type.as_deref(), firm.max_upload_bytes)?;
    let mut sharing = Vec::new();
    let (mut shared_with, mut shared_with_all, mut request_id) = (Vec::new(), false, None);
    match viewer {
        Viewer::Staff { .. } => {
            if input.request_id.is_some() {
                return Err(Error::field("request_id", "is for contacts answering a request"));
            }
            shared_with_all = input.share_with_all.unwrap_or(false);
            shared_with = dedupe(input.share_with.unwrap_or_default());
            if shared_with_all || !shared_with.is_empty() {
                sharing = plan_sharing(&crate::ops::clients::links_of(store, client_id).await?, &shared_with, shared_with_all)?;
            }
        }
        Viewer::Contact { contact_id, .. } => {
            if input.share_with.is_some() || input.share_with_all.is_some() {
                return Err(Error::field("share_with", "only the firm shares files; your uploads are visible to you and the firm"));
            }
            if let Some(rid) = input.request_id.filter(|r| !r.is_empty()) {
                let r = crate::ops::requests::load(store, client_id, &rid).await?;
                if !r.assignees.iter().any(|a| a == contact_id) {
                    return Err(Error::field("request_id", "names no request assigned to you"));
                }
                request_id = Some(rid);
            }
        }
    }
    // Counted once the input is known to be good (a refused request costs no quota).
    if let Viewer::Contact { contact_id, .. } = viewer {
        crate::ops::quotas::spend(store, Quota::ContactUploads, contact_id).await?;
    }
    crate::ops::quotas::spend(store, Quota::FirmUploads, viewer.firm_id()).await?;
    let now = domain::now();
    let file_id = domain::new_id();
    let rec = FileRecord {
        pk: keys::client(client_id),
        sk: keys::file(&file_id),
        firm_id: viewer.firm_id().into(),
        client_id: client_id.into(),
        file_id: file_id.clone(),
        name: req.name,
        content_type: req.content_type.clone(),
        size: req.size,
        s3_key: stored_key(viewer.firm_id(), client_id, &file_id),
        status: FileStatus::Pending,
        uploaded_by: viewer.actor_ref(),
        upload_ip: origin.ip.clone(),
        upload_user_agent: origin.user_agent.clone(),
        created_at: now,
        available_at: None,
        rejected_reason: None,
        etag: None,
        upload_version: None,
        stored_version: None,
        shared_with_all,
        shared_with,
        request_id,
        expires_at: Some(now.unix_timestamp() + PENDING_TTL_SECONDS),
    };
    // The URL writes the upload key only, never the stored key (which it could overwrite
    // after approval: a presigned PUT can be replayed until it expires).
    let key = upload_key(viewer.firm_id(), client_id, &file_id);
    let upload = blobs.upload_url(&key, &req.content_type, req.size, PENDING_TAG, Duration::from_secs(UPLOAD_URL_SECONDS)).await?;
    if !store.put_new(&rec).await? {
        return Err(Error::Conflict("please retry the upload".into()));
    }
    tracing::info!(%client_id, %file_id, size = req.size, "upload slot issued");
    Ok(UploadSlot {
        file: FileView::new(&rec, viewer),
        upload: PresignedUpload {
            method: "PUT",
            url: upload.url,
            headers: upload.headers.into_iter().collect(),
            expires_at: now + time::Duration::seconds(UPLOAD_URL_SECONDS as i64),
        },
        sharing,
    })
}

fn dedupe(ids: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// One page of the client's files `actor` may see, newest first (ids are UUIDv7, so key
/// order is upload order). Two bounded Queries: the client item and its links (`CLIENT`
/// ..= `CONTACT$`, for the access check) and one page of `FILE#…`. A contact's page is
/// filtered by what is shared with them: at most `limit` × [`FILTER_READ_FACTOR`] files
/// read, so a page may come back short with a `next`.
pub async fn list(store: &Store, actor: &crate::domain::identity::Actor, client_id: &str, page: &PageRequest) -> Result<Page<FileView>> {
    if !domain::is_plausible_id(client_id) {
        return Err(Error::NotFound("client"));
    }
    let (client, links) = store.client_with_links(client_id).await?;
    let viewer = crate::ops::access::viewer_from_partition(actor, client.as_ref(), &links)?;
    let range = KeyRange::prefix(keys::client(client_id), keys::prefix::FILE);
    let factor = if viewer.contact_id().is_some() { FILTER_READ_FACTOR } else { 1 };
    store
        .query_page_where(&range, Order::NewestFirst, page, factor, |item| {
            let f: FileRecord = crate::store::from_item(item.clone())?;
            Ok(visible_to(&f, &viewer).then(|| FileView::new(&f, &viewer)))
        })
        .await
}

async fn load_visible(store: &Store, viewer: &Viewer, client_id: &str, file_id: &str) -> Result<FileRecord> {
    if !domain::is_plausible_id(file_id) {
        return Err(Error::NotFound("file"));
    }
    match store.get::<FileRecord>(&keys::client(client_id), &keys::file(file_id)).await? {
        Some(f) if f.firm_id == viewer.firm_id() && visible_to(&f, viewer) => Ok(f),
        _ => Err(Error::NotFound("file")),
    }
}

#[derive(Debug, Serialize)]
pub struct Download {
    pub url: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// A short-lived download link; the download is recorded (who, when, from where).
pub async fn download(store: &Store, blobs: &impl Blobs, viewer: &Viewer, client_id: &str, file_id: &str, origin: &Origin) -> Result<Download> {
    let f = load_visible(store, viewer, client_id, file_id).await?;
    if f.status != FileStatus::Available {
        return Err(Error::Conflict(match f.status {
            FileStatus::Pending => "this file is still being uploaded".into(),
            _ => "this upload was rejected and cannot be downloaded".into(),
        }));
    }
    let url = blobs.download_url(&f.s3_key, &content_disposition(&f.name), &f.content_type, Duration::from_secs(DOWNLOAD_URL_SECONDS)).await?;
    let now = domain::now();
    let entry = audit::entry(client_id, audit::event::FILE_DOWNLOADED, viewer.actor_ref(), now, origin, Some(file_id), Some(f.name.clone()))?;
    audit::record(store, &entry).await?;
    Ok(Download { url, expires_at: now + time::Duration::seconds(DOWNLOAD_URL_SECONDS as i64) })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharingInput {
    #[serde(default)]
    pub contact_ids: Option<Vec<String>>,
    #[serde(default)]
    pub all: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct SharingResult {
    pub file: FileView,
    pub sharing: Vec<ShareOutcome>,
}

/// Staff set whom a file is shared with (replacing the previous list).
pub async fn set_sharing(store: &Store, viewer: &Viewer, client_id: &str, file_id: &str, input: SharingInput, origin: &Origin) -> Result<SharingResult> {
    viewer.staff_only()?;
    let mut f = load_visible(store, viewer, client_id, file_id).await?;
    let ids = dedupe(input.contact_ids.unwrap_or_default());
    let all = input.all.unwrap_or(false);
    let sharing = plan_sharing(&crate::ops::clients::links_of(store, client_id).await?, &ids, all)?;
    let (before, was_all) = (std::mem::replace(&mut f.shared_with, ids.clone()), f.shared_with_all);
    f.shared_with_all = all;
    let ids_value = aws_sdk_dynamodb::types::AttributeValue::L(f.shared_with.iter().map(|i| s(i.clone())).collect());
    let item = Change::new().set("shared_with", ids_value).set("shared_with_all", aws_sdk_dynamodb::types::AttributeValue::Bool(all)).on(
        store.table(),
        &f.pk,
        &f.sk,
    )?;
    // The trail records each contact the file is newly shared with (their access history).
    let now = domain::now();
    let mut items = vec![item];
    if all && !was_all {
        items.push(audit::tx_put(
            store,
            &audit::entry(
                client_id,
                audit::event::FILE_SHARED,
                viewer.actor_ref(),
                now,
                origin,
                Some(file_id),
                Some(format!("{} shared with all contacts", f.name)),
            )?,
        )?);
    }
    for id in ids.iter().filter(|id| !before.contains(id)).take(98) {
        items.push(audit::tx_put(
            store,
            &audit::entry(client_id, audit::event::FILE_SHARED, viewer.actor_ref(), now, origin, Some(id), Some(format!("{} ({file_id})", f.name)))?,
        )?);
    }
    store.transact(items, |_| Error::NotFound("file")).await?;
    Ok(SharingResult { file: FileView::new(&f, viewer), sharing })
}

mod confirm;
pub use confirm::*;

#[cfg(test)]
mod tests;
