//! Bulk invites as background work: a job of any size is accepted at once (202 with its id),
//! recorded, and sent by the `invite-worker` function from an SQS queue at no more than the
//! account's SES sending rate.
//!
//! Why this shape:
//!
//! - **Accepting is bounded.** The API checks that every selected client is the firm's own
//!   and not archived (`BatchGetItem`, 100 keys a call), writes one job item and hands the
//!   queue one small message per client (`SendMessageBatch`, 10 a call): ⌈C/100⌉ + 1 + ⌈C/10⌉
//!   calls for C clients, no email and no read of any client's partition. A client of
//!   another firm (or one that does not exist, or is archived) refuses the whole selection
//!   with 400, and nothing is recorded.
//! - **The worker reuses the invite machinery** ([`super::prepare`], [`super::record_links`]):
//!   same token and link rules, the link recorded before the email leaves, a refused email
//!   puts the link back.
//! - **No one gets two emails.** The link written before the send carries the job's id
//!   (`invite_job`); a contact whose link already names the job is never sent to again by
//!   it — a message delivered twice, or a worker that died between SES and the record, costs
//!   at most an `unconfirmed` status, never a second email.
//! - **Counters are exact.** Each client of a job has a tally (`store::jobs`) of the contacts
//!   still open; every counter `ADD` is in the same transaction as the tally change that
//!   accounts for it (conditional on the tally's version), so a contact is counted once.
//! - **Rate.** [`pace`]: the account's rate from SES `GetAccount` (once per cold start),
//!   capped by a configured ceiling and split between the worker's concurrent instances;
//!   throttled sends back off and are retried, and what is still throttled goes back to the
//!   queue.

pub mod pace;
pub mod worker;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain;
use crate::error::{Error, FieldError, Result};
use crate::ops::audit::By;
use crate::ports::queue::JobQueue;
use crate::store::{self, keys, tx::Change, ClientRecord, InviteJobRecord, Store, JOB_PREFIX};

/// Clients one job may name (a firm of 10,000 clients invites in two jobs; the body stays
/// well under API Gateway's limit).
pub const MAX_JOB_CLIENTS: usize = 5000;
/// Named contacts one job may list (at most [`super::MAX_CONTACTS`] per client).
pub const MAX_JOB_CONTACTS: usize = 10_000;
/// Recent jobs listed per page, by default and at most.
pub const LIST_DEFAULT: usize = 20;
pub const LIST_MAX: usize = 100;

// ---------- input ----------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactRef {
    pub client_id: String,
    pub contact_id: String,
}

/// `POST /api/staff/invite-jobs`: whole clients (every contact of each), and/or contacts
/// named with their client; the invite window's message and template.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobInput {
    #[serde(default)]
    pub client_ids: Option<Vec<String>>,
    #[serde(default)]
    pub contacts: Option<Vec<ContactRef>>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub template_id: Option<String>,
}

/// One client of a job: every contact (`None`), or those listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_ids: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobRequest {
    pub clients: Vec<Selection>,
    pub message: String,
    pub template_id: Option<String>,
}

impl JobInput {
    /// The selection per client, in the order given, without duplicates; a client named
    /// whole wins over contacts named in it.
    pub fn parse(self) -> Result<JobRequest> {
        let mut errs = Vec::new();
        let mut clients: Vec<Selection> = Vec::new();
        let whole = self.client_ids.unwrap_or_default();
        let pairs = self.contacts.unwrap_or_default();
        if whole.is_empty() && pairs.is_empty() {
            errs.push(FieldError::new("client_ids", "select at least one client (client_ids) or contact (contacts)"));
        }
        if pairs.len() > MAX_JOB_CONTACTS {
            errs.push(FieldError::new("contacts", format!("may name at most {MAX_JOB_CONTACTS} contacts; send several jobs")));
        }
        for id in whole {
            let id = id.trim().to_string();
            match clients.iter_mut().find(|c| c.client_id == id) {
                Some(c) => c.contact_ids = None,
                None => clients.push(Selection { client_id: id, contact_ids: None }),
            }
        }
        for p in pairs {
            let (client_id, contact_id) = (p.client_id.trim().to_string(), p.contact_id.trim().to_string());
            match clients.iter_mut().find(|c| c.client_id == client_id) {
                Some(Selection { contact_ids: None, .. }) => {}
                Some(Selection { contact_ids: Some(ids), .. }) => {
                    if !ids.contains(&contact_id) {
                        ids.push(contact_id);
                    }
                }
                None => clients.push(Selection { client_id, contact_ids: Some(vec![contact_id]) }),
            }
        }
        if clients.len() > MAX_JOB_CLIENTS {
            errs.push(FieldError::new("client_ids", format!("may name at most {MAX_JOB_CLIENTS} clients; send several jobs")));
        }
        if clients.iter().any(|c| c.contact_ids.as_ref().is_some_and(|ids| ids.len() > super::MAX_CONTACTS)) {
            errs.push(FieldError::new("contacts", format!("may name at most {} contacts of one client", super::MAX_CONTACTS)));
        }
        let bad: Vec<&str> = clients.iter().map(|c| c.client_id.as_str()).filter(|id| !domain::is_plausible_id(id)).take(5).collect();
        if !bad.is_empty() {
            errs.push(FieldError::new("client_ids", format!("not client ids: {}", bad.join(", "))));
        }
        let message = super::parse_message(&mut errs, self.message);
        if !errs.is_empty() {
            return Err(Error::Validation(errs));
        }
        Ok(JobRequest { clients, message, template_id: self.template_id.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()) })
    }
}

/// What one queue message asks of the worker: one client of one job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobMessage {
    pub job_id: String,
    pub firm_id: String,
    #[serde(flatten)]
    pub selection: Selection,
}

// ---------- views ----------

/// A job's progress as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobView {
    pub id: String,
    /// `running`, `done`, or `failed` (the work could not be queued).
    pub status: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub clients_total: u64,
    pub clients_done: u64,
    /// Contacts selected (known once the worker has taken each client).
    pub total: u64,
    pub sent: u64,
    pub failed: u64,
    pub missing_email: u64,
    pub already_active: u64,
    pub not_found: u64,
    /// Contacts whose outcome is still to come.
    pub pending: u64,
}

impl JobView {
    pub fn of(job: &InviteJobRecord) -> Self {
        let accounted = job.sent + job.failed + job.missing_email + job.already_active + job.not_found;
        let status = if job.enqueue_failed.is_some() {
            "failed"
        } else if job.clients_done >= job.clients_total {
            "done"
        } else {
            "running"
        };
        JobView {
            id: job.job_id.clone(),
            status,
            created_at: job.created_at,
            created_by: job.created_by.name.clone(),
            clients_total: job.clients_total,
            clients_done: job.clients_done.min(job.clients_total),
            total: job.total,
            sent: job.sent,
            failed: job.failed,
            missing_email: job.missing_email,
            already_active: job.already_active,
            not_found: job.not_found,
            pending: job.total.saturating_sub(accounted),
        }
    }
}

// ---------- operations ----------

/// Check the selection against the firm, record the job and queue its clients.
pub async fn create(store: &Store, queue: &impl JobQueue, by: &By, firm_id: &str, input: JobInput) -> Result<JobView> {
    let req = input.parse()?;
    check_clients(store, firm_id, &req.clients).await?;
    if let Some(t) = req.template_id.as_deref() {
        // A template that does not exist is the caller's to fix now, not a failed job later.
        crate::ops::templates::load(store, firm_id, Some(t)).await?;
    }
    let job_id = domain::new_id();
    let (pk, sk) = InviteJobRecord::keys(firm_id, &job_id);
    let job = InviteJobRecord {
        pk,
        sk,
        job_id: job_id.clone(),
        firm_id: firm_id.to_string(),
        created_at: domain::now(),
        created_by: by.actor.clone(),
        ip: by.origin.ip.clone(),
        user_agent: by.origin.user_agent.clone(),
        message: req.message,
        template_id: req.template_id,
        clients_total: req.clients.len() as u64,
        enqueue_failed: None,
        total: 0,
        sent: 0,
        failed: 0,
        missing_email: 0,
        already_active: 0,
        not_found: 0,
        clients_done: 0,
        clients_skipped: 0,
    };
    if !store.put_new(&job).await? {
        return Err(Error::internal("a new job id was taken"));
    }
    let bodies = req
        .clients
        .into_iter()
        .map(|selection| serde_json::to_string(&JobMessage { job_id: job_id.clone(), firm_id: firm_id.to_string(), selection }).map_err(Error::internal))
        .collect::<Result<Vec<_>>>()?;
    if let Err(e) = queue.send_all(bodies).await {
        tracing::error!(%job_id, error = %e, "an invite job could not be queued");
        let change = Change::new().set("enqueue_failed", store::s("the work could not be queued"));
        let _ = store.transact(vec![change.on(store.table(), &job.pk, &job.sk)?], |_| Error::internal("job vanished")).await;
        return Err(Error::internal("the invites could not be queued; nothing was sent, try again"));
    }
    tracing::info!(%job_id, clients = job.clients_total, "invite job queued");
    Ok(JobView::of(&job))
}

/// Every selected client exists, is the firm's and is not archived; otherwise 400 naming
/// (a few of) those that are not, and nothing is recorded. Another firm's client and one
/// that does not exist get the same answer.
async fn check_clients(store: &Store, firm_id: &str, clients: &[Selection]) -> Result<()> {
    let ids: Vec<&str> = clients.iter().map(|c| c.client_id.as_str()).collect();
    let mut found: std::collections::HashMap<String, ClientRecord> = std::collections::HashMap::new();
    for chunk in ids.chunks(100) {
        let items = store.batch_get(chunk.iter().map(|id| (keys::client(id), keys::CLIENT_SK.to_string())).collect()).await?;
        for item in items {
            let c: ClientRecord = store::from_item(item)?;
            found.insert(c.client_id.clone(), c);
        }
    }
    let unknown: Vec<&str> = ids.iter().copied().filter(|id| found.get(*id).is_none_or(|c| c.firm_id != firm_id)).collect();
    if !unknown.is_empty() {
        let shown: Vec<&str> = unknown.iter().copied().take(5).collect();
        return Err(Error::field("client_ids", format!("{} selected client(s) are not clients of your firm: {}", unknown.len(), shown.join(", "))));
    }
    let archived: Vec<&str> = ids.iter().copied().filter(|id| found.get(*id).is_some_and(|c| c.archived_at.is_some())).collect();
    if !archived.is_empty() {
        let names: Vec<&str> = archived.iter().take(5).filter_map(|id| found.get(*id).map(|c| c.name.as_str())).collect();
        return Err(Error::field("client_ids", format!("{} selected client(s) are archived (restore them first): {}", archived.len(), names.join(", "))));
    }
    Ok(())
}

/// One job of the firm (404 for another firm's: the key names the firm).
pub async fn get(store: &Store, firm_id: &str, job_id: &str) -> Result<JobView> {
    if !domain::is_plausible_id(job_id) {
        return Err(Error::NotFound("invite job"));
    }
    let (pk, sk) = InviteJobRecord::keys(firm_id, job_id);
    let job: InviteJobRecord = store.get(&pk, &sk).await?.ok_or(Error::NotFound("invite job"))?;
    Ok(JobView::of(&job))
}

#[derive(Debug, Serialize)]
pub struct JobPage {
    pub items: Vec<JobView>,
    pub next: Option<String>,
}

/// The firm's jobs, newest first, a page at a time: `cursor` is the `next` of the page
/// before (the last job id shown, base64url), and at most `limit` + 1 items are read.
pub async fn list(store: &Store, firm_id: &str, limit: Option<&str>, cursor: Option<&str>) -> Result<JobPage> {
    let limit = match limit {
        None | Some("") => LIST_DEFAULT,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=LIST_MAX).contains(n))
            .ok_or_else(|| Error::BadRequest(format!("limit must be a whole number from 1 to {LIST_MAX}")))?,
    };
    let after = cursor.filter(|c| !c.is_empty()).map(decode_cursor).transpose()?;
    // Sort keys below the cursor's (newer jobs sort higher: UUIDv7).
    let to = match &after {
        Some(id) => store::job_sort(id),
        None => keys::through(JOB_PREFIX),
    };
    let mut items = store.query_newest(&keys::firm(firm_id), JOB_PREFIX, &to, limit + 2).await?;
    let mut jobs = Vec::new();
    for item in items.drain(..) {
        let job: InviteJobRecord = store::from_item(item)?;
        if after.as_deref() == Some(job.job_id.as_str()) {
            continue;
        }
        jobs.push(JobView::of(&job));
    }
    let next = if jobs.len() > limit {
        jobs.truncate(limit);
        jobs.last().map(|j| encode_cursor(&j.id))
    } else {
        None
    };
    Ok(JobPage { items: jobs, next })
}

pub fn encode_cursor(job_id: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(job_id)
}

pub fn decode_cursor(cursor: &str) -> Result<String> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .filter(|id| domain::is_plausible_id(id))
        .ok_or_else(|| Error::BadRequest("cursor is not one this list gave out; start again without it".into()))
}
