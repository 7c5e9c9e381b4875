//! Secure messages: threads per client between the firm and the contacts a thread is shared
//! with.
//!
//! A **thread** item lives in the client's partition (`CLIENT#c` / `MSGTHREAD#t`), so the
//! portal Home reads it in its one Query and counts unread messages without another call.
//! It carries the subject, the participants (contact ids), the message count and, per
//! reader (`staff:<sub>` or `contact:<id>`), how many messages they have read. Messages
//! live in the thread's own partition (`THREAD#t` / `MSG#<seq>`), read with one Query when
//! the thread is opened. Posting is one transaction: the message (its sequence number is
//! the count plus one, so it cannot be written twice) and the thread's count, conditional
//! on the count read — two people posting at once both succeed, one after a retry.
//!
//! Staff see every thread of the client; a contact sees the threads shared with them.
//! Opening a thread marks it read for the reader. After a post, the other side gets an
//! email that says there is a new message, with a link to the portal — never the body or
//! the subject, which stay behind the sign-in.
//!
//! Attachments are files of the client (the files machinery: upload first, attach by id).
//! A file staff attach is shared with the thread's contacts in the same transaction; a
//! contact can attach only files they can see, and each reader sees only the attachments
//! they may open.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain;
use crate::domain::email::{escape_html, RenderedEmail};
use crate::domain::quotas::Quota;
use crate::error::{Error, FieldError, Result};
use crate::ops::access::Viewer;
use crate::ports::mail::Notice;
use crate::ports::mail::{Mailer, Outbox};
use crate::store::{from_item, keys, s, tx, ActorRef, Attachment, FileRecord, FileStatus, Item, LinkRecord, MessageRecord, Store, ThreadRecord};

mod reading;
pub use reading::{list, open, ThreadDetail};

pub const MAX_SUBJECT: usize = 200;
pub const MAX_BODY: usize = 10_000;
pub const MAX_ATTACHMENTS: usize = 10;
const RETRY: &str = "the thread moved on; read it again";
const ATTACHMENT_GONE: &str = "an attached file is no longer available; reload and try again";

/// Who reads: the key of their read mark.
pub fn reader_key(viewer: &Viewer) -> String {
    match viewer {
        Viewer::Staff { sub, .. } => format!("staff:{sub}"),
        Viewer::Contact { contact_id, .. } => format!("contact:{contact_id}"),
    }
}

pub fn visible(t: &ThreadRecord, viewer: &Viewer) -> bool {
    viewer.contact_id().is_none_or(|me| t.participants.iter().any(|p| p == me))
}

pub fn unread(t: &ThreadRecord, viewer: &Viewer) -> u32 {
    t.message_count.saturating_sub(t.read.get(&reader_key(viewer)).copied().unwrap_or(0))
}

#[derive(Debug, Clone, Serialize)]
pub struct ThreadView {
    pub id: String,
    pub subject: String,
    pub participants: Vec<String>,
    pub created_by: ActorRef,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_message_at: OffsetDateTime,
    pub last_by: ActorRef,
    pub message_count: u32,
    pub unread: u32,
}

impl ThreadView {
    pub fn new(t: &ThreadRecord, viewer: &Viewer) -> Self {
        ThreadView {
            id: t.thread_id.clone(),
            subject: t.subject.clone(),
            participants: t.participants.clone(),
            created_by: t.created_by.clone(),
            created_at: t.created_at,
            last_message_at: t.last_message_at,
            last_by: t.last_by.clone(),
            message_count: t.message_count,
            unread: unread(t, viewer),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MessageView {
    pub seq: u32,
    pub by: ActorRef,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub body: String,
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewThreadInput {
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    /// Staff: the contacts to share the thread with. A contact's thread is theirs.
    #[serde(default)]
    pub contact_ids: Option<Vec<String>>,
    #[serde(default)]
    pub file_ids: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostInput {
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub file_ids: Option<Vec<String>>,
}

fn dedupe(ids: Option<Vec<String>>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids.unwrap_or_default() {
        let id = id.trim().to_string();
        if !id.is_empty() && !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// A checked new thread: subject, first message, participants, attachment ids.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedThread {
    pub subject: String,
    pub body: String,
    pub participants: Vec<String>,
    pub file_ids: Vec<String>,
}

/// Check a new thread against the client's contacts. Staff name the contacts (with portal
/// access); a contact's thread is shared with them alone.
pub fn plan_thread(input: NewThreadInput, viewer: &Viewer, links: &[LinkRecord]) -> Result<PlannedThread> {
    let mut errs = Vec::new();
    let subject = domain::text_input(&mut errs, "subject", input.subject, MAX_SUBJECT, true);
    let body = domain::text_input(&mut errs, "body", input.body, MAX_BODY, true);
    let participants = match viewer.contact_id() {
        Some(me) => {
            if input.contact_ids.as_ref().is_some_and(|ids| ids.iter().any(|id| id != me)) {
                errs.push(FieldError::new("contact_ids", "is set by the firm; your message goes to the firm"));
            }
            vec![me.to_string()]
        }
        None => {
            let ids = dedupe(input.contact_ids);
            if ids.is_empty() {
                errs.push(FieldError::new("contact_ids", "must name at least one contact of the client"));
            }
            let not_active: Vec<&str> = ids
                .iter()
                .filter(|id| !links.iter().any(|l| &l.contact_id == *id && l.accepted_at.is_some() && l.access_revoked_at.is_none()))
                .map(String::as_str)
                .collect();
            if !not_active.is_empty() {
                errs.push(FieldError::new(
                    "contact_ids",
                    format!("names contacts without portal access to this client (invite them first): {}", not_active.join(", ")),
                ));
            }
            ids
        }
    };
    let file_ids = dedupe(input.file_ids);
    if file_ids.len() > MAX_ATTACHMENTS {
        errs.push(FieldError::new("file_ids", format!("may name at most {MAX_ATTACHMENTS} files")));
    }
    if !errs.is_empty() {
        return Err(Error::Validation(errs));
    }
    Ok(PlannedThread { subject, body, participants, file_ids })
}

fn actor(viewer: &Viewer) -> ActorRef {
    viewer.actor_ref()
}

/// The attachments, checked: files of this client, uploaded, that the poster can see.
async fn load_attachments(store: &Store, viewer: &Viewer, client_id: &str, file_ids: &[String]) -> Result<Vec<FileRecord>> {
    if file_ids.is_empty() {
        return Ok(vec![]);
    }
    if file_ids.iter().any(|id| !domain::is_plausible_id(id)) {
        return Err(Error::field("file_ids", "names a file that does not exist in this client's portal"));
    }
    let items = store.batch_get(file_ids.iter().map(|id| (keys::client(client_id), keys::file(id))).collect()).await?;
    let files: Vec<FileRecord> = items.into_iter().map(from_item).collect::<Result<_>>()?;
    for id in file_ids {
        match files.iter().find(|f| &f.file_id == id) {
            Some(f) if f.firm_id == viewer.firm_id() && f.status == FileStatus::Available && crate::ops::access::visible_to(f, viewer) => {}
            _ => return Err(Error::field("file_ids", format!("names a file that is not an uploaded file of this client's portal you can see: {id}"))),
        }
    }
    Ok(file_ids.iter().filter_map(|id| files.iter().find(|f| &f.file_id == id).cloned()).collect())
}

/// Share staff's attachments with the thread's contacts (in the posting transaction).
fn share_writes(store: &Store, files: &[FileRecord], participants: &[String], viewer: &Viewer) -> Result<Vec<aws_sdk_dynamodb::types::TransactWriteItem>> {
    if viewer.contact_id().is_some() {
        return Ok(vec![]);
    }
    files.iter().filter_map(|f| crate::ops::files::share_write(store, f, participants).transpose()).collect()
}

fn message_record(client_id: &str, thread_id: &str, seq: u32, by: ActorRef, at: OffsetDateTime, body: String, files: &[FileRecord]) -> MessageRecord {
    MessageRecord {
        pk: keys::thread(thread_id),
        sk: keys::message(seq),
        client_id: client_id.into(),
        thread_id: thread_id.into(),
        seq,
        by,
        at,
        body,
        attachments: files.iter().map(|f| Attachment { file_id: f.file_id.clone(), name: f.name.clone() }).collect(),
    }
}

/// What a post did: the message, and who was told by email.
#[derive(Debug, Serialize)]
pub struct Posted {
    pub thread: ThreadView,
    pub message: MessageView,
    pub notifications: Vec<Notice>,
}

fn view_of(m: &MessageRecord) -> MessageView {
    MessageView { seq: m.seq, by: m.by.clone(), at: m.at, body: m.body.clone(), attachments: m.attachments.clone() }
}

/// Start a thread (staff: with the contacts named; a contact: with the firm).
pub async fn start(store: &Store, outbox: &Outbox<'_, impl Mailer>, viewer: &Viewer, client_id: &str, input: NewThreadInput) -> Result<Posted> {
    viewer.new_work()?;
    let links = crate::ops::clients::links_of(store, client_id).await?;
    let plan = plan_thread(input, viewer, &links)?;
    let files = load_attachments(store, viewer, client_id, &plan.file_ids).await?;
    if let Viewer::Contact { contact_id, .. } = viewer {
        crate::ops::quotas::spend(store, Quota::ContactThreads, contact_id).await?;
    }
    let now = domain::now();
    let id = domain::new_id();
    let by = actor(viewer);
    let key = reader_key(viewer);
    let thread = ThreadRecord {
        pk: keys::client(client_id),
        sk: keys::message_thread(&id),
        firm_id: viewer.firm_id().into(),
        client_id: client_id.into(),
        thread_id: id.clone(),
        subject: plan.subject,
        participants: plan.participants,
        created_by: by.clone(),
        created_at: now,
        last_message_at: now,
        last_by: by.clone(),
        last_staff: viewer.contact_id().is_none().then(|| by.clone()),
        message_count: 1,
        read: HashMap::from([(key, 1)]),
        gsi3pk: None,
        gsi3sk: None,
    }
    .with_activity_keys();
    let message = message_record(client_id, &id, 1, by, now, plan.body, &files);
    let mut items = vec![tx::put_new(store.table(), &thread)?, tx::put_new(store.table(), &message)?];
    items.extend(share_writes(store, &files, &thread.participants, viewer)?);
    store.transact(items, |_| Error::Conflict("a file changed meanwhile; reload and try again".into())).await?;
    let notifications = notify(store, outbox, viewer, &thread, &links).await;
    tracing::info!(%client_id, thread_id = %id, "thread started");
    Ok(Posted { thread: ThreadView::new(&thread, viewer), message: view_of(&message), notifications })
}

async fn load_thread(store: &Store, viewer: &Viewer, client_id: &str, thread_id: &str) -> Result<ThreadRecord> {
    if !domain::is_plausible_id(thread_id) {
        return Err(Error::NotFound("thread"));
    }
    let t = store.get::<ThreadRecord>(&keys::client(client_id), &keys::message_thread(thread_id)).await?.ok_or(Error::NotFound("thread"))?;
    if t.firm_id != viewer.firm_id() || !visible(&t, viewer) {
        return Err(Error::NotFound("thread"));
    }
    Ok(t)
}

/// Answer in a thread.
pub async fn post(store: &Store, outbox: &Outbox<'_, impl Mailer>, viewer: &Viewer, client_id: &str, thread_id: &str, input: PostInput) -> Result<Posted> {
    viewer.new_work()?;
    let mut errs = Vec::new();
    let body = domain::text_input(&mut errs, "body", input.body, MAX_BODY, true);
    let file_ids = dedupe(input.file_ids);
    if file_ids.len() > MAX_ATTACHMENTS {
        errs.push(FieldError::new("file_ids", format!("may name at most {MAX_ATTACHMENTS} files")));
    }
    if !errs.is_empty() {
        return Err(Error::Validation(errs));
    }
    let files = load_attachments(store, viewer, client_id, &file_ids).await?;
    if let Viewer::Contact { contact_id, .. } = viewer {
        // Counted per attempt (before the retry loop below): an attempt that then fails
        // still counts, which the daily figure leaves ample room for.
        crate::ops::quotas::spend(store, Quota::ContactMessages, contact_id).await?;
    }
    let by = actor(viewer);
    let key = reader_key(viewer);
    // Another post between our read and our write moves the count: read again and retry.
    for _ in 0..5 {
        let mut thread = load_thread(store, viewer, client_id, thread_id).await?;
        let now = domain::now();
        let seq = thread.message_count + 1;
        let message = message_record(client_id, thread_id, seq, by.clone(), now, body.clone(), &files);
        let mut values = Item::from([
            (":n".to_string(), aws_sdk_dynamodb::types::AttributeValue::N(seq.to_string())),
            (":prev".to_string(), aws_sdk_dynamodb::types::AttributeValue::N(thread.message_count.to_string())),
            (":at".to_string(), s(domain::rfc3339(now)?)),
            (":by".to_string(), crate::store::to_attribute(&by)?),
            (":active".to_string(), s(keys::activity_sort(now, thread_id))),
            (":activepk".to_string(), s(keys::thread_activity(client_id))),
        ]);
        // Moves the thread to the top of the client's threads by activity (GSI3).
        let mut set = vec!["message_count = :n", "last_message_at = :at", "last_by = :by", "#read.#me = :n", "GSI3PK = :activepk", "GSI3SK = :active"];
        if viewer.contact_id().is_none() {
            set.push("last_staff = :by");
        }
        let names = HashMap::from([("#read".to_string(), "read".to_string()), ("#me".to_string(), key.clone())]);
        let update =
            tx::update(store.table(), &thread.pk, &thread.sk, &format!("SET {}", set.join(", ")), "message_count = :prev", std::mem::take(&mut values), names)?;
        // The thread's count first: when another post came first, its condition is the first
        // to fail (the message's key is then taken too) and we read again; any other failed
        // condition is an attachment that stopped being available.
        let mut items = vec![update, tx::put_new(store.table(), &message)?];
        items.extend(share_writes(store, &files, &thread.participants, viewer)?);
        match store.transact(items, |i| if i < 2 { Error::Conflict(RETRY.into()) } else { Error::Conflict(ATTACHMENT_GONE.into()) }).await {
            Ok(()) => {
                thread.message_count = seq;
                thread.last_message_at = now;
                thread.last_by = by.clone();
                if viewer.contact_id().is_none() {
                    thread.last_staff = Some(by.clone());
                }
                thread.read.insert(key.clone(), seq);
                let links = crate::ops::clients::links_of(store, client_id).await?;
                let notifications = notify(store, outbox, viewer, &thread, &links).await;
                return Ok(Posted { thread: ThreadView::new(&thread, viewer), message: view_of(&message), notifications });
            }
            // Our own retry, or DynamoDB's "transaction conflict" (a concurrent write to the
            // thread): read again.
            Err(Error::Conflict(m)) if m != ATTACHMENT_GONE => continue,
            Err(e) => return Err(e),
        }
    }
    Err(Error::Conflict("many people are writing in this thread right now; try again".into()))
}

/// Unread messages and threads with unread messages, from thread items already read.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct UnreadSummary {
    pub unread_messages: u32,
    pub unread_threads: u32,
}

pub fn unread_summary<'a>(threads: impl Iterator<Item = &'a ThreadRecord>, viewer: &Viewer) -> UnreadSummary {
    let mut s = UnreadSummary::default();
    for t in threads.filter(|t| visible(t, viewer)) {
        let n = unread(t, viewer);
        if n > 0 {
            s.unread_messages += n;
            s.unread_threads += 1;
        }
    }
    s
}

/// The email that says there is a new message: who it is from and where to read it,
/// never what it says.
pub fn notification(firm_name: &str, client_name: &str, from: &str, url: &str) -> RenderedEmail {
    let subject = format!("You have a new message from {firm_name} in your client portal");
    let text = format!(
        "You have a new message from {from} about {client_name} in the secure client portal.\n\nSign in to read it: {url}\n\nFor your security the message itself is not in this email."
    );
    let html = format!(
        "<p>You have a new message from {} about {} in the secure client portal.</p><p><a href=\"{}\">Sign in to read it</a></p><p>For your security the message itself is not in this email.</p>",
        escape_html(from),
        escape_html(client_name),
        escape_html(url)
    );
    RenderedEmail { subject, text, html }
}

/// Tell the other side: staff wrote → the thread's contacts with portal access; a contact
/// wrote → the last staff member who wrote in the thread, or the firm's staff when none has. Failures are reported,
/// never fatal: the message is posted.
async fn notify(store: &Store, outbox: &Outbox<'_, impl Mailer>, viewer: &Viewer, thread: &ThreadRecord, links: &[LinkRecord]) -> Vec<Notice> {
    let firm = match store.firm_settings(&thread.firm_id).await {
        Ok(f) => f,
        Err(e) => return vec![Notice { to: "firm", id: thread.firm_id.clone(), outcome: "failed", reason: Some(e.public_detail()) }],
    };
    let client_name = links.first().map(|l| l.client_name.clone()).unwrap_or_default();
    let mut targets: Vec<(&'static str, String, String)> = Vec::new();
    match viewer {
        Viewer::Staff { .. } => {
            for p in &thread.participants {
                if let Some(l) = links.iter().find(|l| &l.contact_id == p && l.accepted_at.is_some() && l.access_revoked_at.is_none()) {
                    if let Some(email) = &l.email {
                        targets.push(("contact", p.clone(), email.to_string()));
                    }
                }
            }
        }
        Viewer::Contact { .. } => match &thread.last_staff {
            Some(staff) => {
                if let Ok(Some(rec)) = store.get::<crate::store::StaffRecord>(&keys::staff(&staff.id), keys::STAFF_SK).await {
                    targets.push(("staff", staff.id.clone(), rec.email.clone()));
                }
            }
            // A thread the contact started: nobody at the firm has written yet, so the
            // firm's staff are told (one Query of the firm's staff).
            None => match store.staff_of_firm(&thread.firm_id).await {
                Ok(staff) => {
                    for rec in staff {
                        targets.push(("staff", rec.sub.clone(), rec.email.clone()));
                    }
                }
                Err(e) => return vec![Notice { to: "firm", id: thread.firm_id.clone(), outcome: "failed", reason: Some(e.public_detail()) }],
            },
        },
    }
    let url = match viewer {
        Viewer::Staff { .. } => format!("{}/#/portal", outbox.web_origin),
        Viewer::Contact { .. } => format!("{}/#/staff", outbox.web_origin),
    };
    let from = match viewer {
        Viewer::Staff { .. } => firm.name.clone(),
        Viewer::Contact { name, .. } => name.clone(),
    };
    let email = firm.letterhead(outbox.web_origin).wrap(notification(&firm.name, &client_name, &from, &url));
    let (targets, mut held) = coalesce(store, &thread.client_id, targets).await;
    let sent = crate::ports::mail::notify(outbox.mailer, &firm.sender(), targets, &email).await;
    for n in sent.iter().filter(|n| n.outcome == "failed") {
        // No email went out, so the next message may try again.
        if let Err(e) = store.delete(&keys::notified(&n.id), &keys::notified_about(&thread.client_id)).await {
            tracing::warn!(error = %e, "releasing a notification mark failed");
        }
    }
    held.extend(sent);
    held
}

/// One email per recipient per client per [`NOTIFY_WINDOW_SECONDS`]: the notification says
/// only that there are new messages and where, so a second one within the window tells the
/// recipient nothing — and without this, anyone who can post could make the portal email
/// every staff member of a firm once per message. The others are answered `held`.
pub const NOTIFY_WINDOW_SECONDS: i64 = 15 * 60;

async fn coalesce(store: &Store, client_id: &str, targets: Vec<(&'static str, String, String)>) -> (Vec<(&'static str, String, String)>, Vec<Notice>) {
    let now = domain::now().unix_timestamp();
    let (mut send, mut held) = (Vec::new(), Vec::new());
    for (to, id, address) in targets {
        match store.take_mark(&keys::notified(&id), &keys::notified_about(client_id), now, now + NOTIFY_WINDOW_SECONDS).await {
            Ok(false) => held.push(Notice { to, id, outcome: "held", reason: Some("they were emailed about new messages here in the last 15 minutes".into()) }),
            Ok(true) => send.push((to, id, address)),
            // Better a second email than none.
            Err(e) => {
                tracing::warn!(error = %e, "taking a notification mark failed; sending anyway");
                send.push((to, id, address));
            }
        }
    }
    (send, held)
}

#[cfg(test)]
mod tests;
