//! A client's audit trail: who did what, when, from where.
//!
//! Firms answer to regulators and to their clients for who saw a tax return; so every
//! access-relevant event is recorded on the client it concerns, with the actor, the server
//! time, the caller's IP and user agent:
//!
//! - `AUDIT#<time>#<id>` items in the client's partition, written with `put_new` (never
//!   overwritten, never updated, no API deletes them) — account created, sign-in, file
//!   uploaded / downloaded / shared, contact details changed, invite revoked, access
//!   revoked — and, where an event changes other items, inside the same transaction, so
//!   the trail never claims what did not happen;
//! - invite emails, which are logged on the contact's link item itself (`invite_log`): an
//!   invite writes exactly one item (the performance target for bulk invites), and the log
//!   entry changes in the same write as the link it describes.
//!
//! [`history`] merges both, newest first; staff read it per client or per contact ("access
//! history"). Entries name the actor as people saw them at the time (a copy of the name).
//!
//! The firm's own history — team invites, role changes, deactivations, profile and settings
//! changes — is kept the same way in the firm's partition (`FIRM#<id>`, [`firm_entry`]) and
//! read by admins and owners ([`firm_history`]).

use serde::Serialize;
use time::OffsetDateTime;

use crate::domain;
use crate::error::{Error, Result};
use crate::store::{cursor_position, keys, tx, ActorRef, AuditRecord, KeyRange, LinkRecord, Order, Page, PageRequest, Store, FILTER_READ_FACTOR};

/// Where a request came from, as API Gateway saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Who did something and from where: what every audit entry records about the actor.
#[derive(Debug, Clone)]
pub struct By {
    pub actor: ActorRef,
    pub origin: Origin,
}

impl By {
    /// `actor`, calling from `origin` (a request's: `By::of` in `http`). A contact's name is
    /// not in their token; operations that load the contact fill it in ([`By::named`]).
    pub fn new(actor: &crate::domain::identity::Actor, origin: Origin) -> Self {
        let actor = match actor {
            crate::domain::identity::Actor::Staff { sub, name, .. } => ActorRef { kind: "staff".into(), id: sub.clone(), name: name.clone() },
            crate::domain::identity::Actor::Contact { contact_id, .. } => ActorRef { kind: "contact".into(), id: contact_id.clone(), name: String::new() },
        };
        By { actor, origin }
    }

    /// The same caller with a display name, if it had none.
    pub fn named(&self, name: impl FnOnce() -> String) -> Self {
        let mut by = self.clone();
        if by.actor.name.is_empty() {
            by.actor.name = name();
        }
        by
    }
}

/// User agents are kept to this many characters.
pub const MAX_USER_AGENT: usize = 400;

/// The audit events, as stored and as the API names them.
pub mod event {
    pub const INVITE_SENT: &str = "invite_sent";
    pub const INVITE_REVOKED: &str = "invite_revoked";
    pub const ACCOUNT_CREATED: &str = "account_created";
    pub const INVITE_ACCEPTED: &str = "invite_accepted";
    pub const SIGNED_IN: &str = "signed_in";
    pub const ACCESS_REVOKED: &str = "access_revoked";
    pub const FILE_UPLOADED: &str = "file_uploaded";
    pub const FILE_DOWNLOADED: &str = "file_downloaded";
    pub const FILE_SHARED: &str = "file_shared";
    pub const CONTACT_UPDATED: &str = "contact_updated";
    pub const FORM_SENT: &str = "form_sent";
    pub const FORM_SIGNED: &str = "form_signed";
    pub const FORM_DECLINED: &str = "form_declined";
    pub const FORM_COMPLETED: &str = "form_completed";
    // The client's lifecycle.
    pub const CLIENT_RENAMED: &str = "client_renamed";
    pub const CLIENT_ARCHIVED: &str = "client_archived";
    pub const CLIENT_RESTORED: &str = "client_restored";
    pub const CONTACT_REMOVED: &str = "contact_removed";
    // The firm's own history.
    pub const FIRM_CREATED: &str = "firm_created";
    pub const STAFF_INVITED: &str = "staff_invited";
    pub const STAFF_INVITE_REVOKED: &str = "staff_invite_revoked";
    pub const STAFF_JOINED: &str = "staff_joined";
    pub const ROLE_CHANGED: &str = "role_changed";
    pub const STAFF_DEACTIVATED: &str = "staff_deactivated";
    pub const STAFF_REACTIVATED: &str = "staff_reactivated";
    pub const PROFILE_CHANGED: &str = "profile_changed";
    pub const SETTINGS_CHANGED: &str = "settings_changed";
    pub const BILLING_SETTINGS_CHANGED: &str = "billing_settings_changed";

    /// Every event, as the spec's `AuditEntry.event` enumerates them (a test compares).
    pub const ALL: &[&str] = &[
        INVITE_SENT,
        INVITE_REVOKED,
        ACCOUNT_CREATED,
        INVITE_ACCEPTED,
        SIGNED_IN,
        ACCESS_REVOKED,
        FILE_UPLOADED,
        FILE_DOWNLOADED,
        FILE_SHARED,
        CONTACT_UPDATED,
        FORM_SENT,
        FORM_SIGNED,
        FORM_DECLINED,
        FORM_COMPLETED,
        CLIENT_RENAMED,
        CLIENT_ARCHIVED,
        CLIENT_RESTORED,
        CONTACT_REMOVED,
        FIRM_CREATED,
        STAFF_INVITED,
        STAFF_INVITE_REVOKED,
        STAFF_JOINED,
        ROLE_CHANGED,
        STAFF_DEACTIVATED,
        STAFF_REACTIVATED,
        PROFILE_CHANGED,
        SETTINGS_CHANGED,
        BILLING_SETTINGS_CHANGED,
    ];
}

/// A new entry for `client_id` (not yet written).
pub fn entry(
    client_id: &str,
    event: &str,
    actor: ActorRef,
    at: OffsetDateTime,
    origin: &Origin,
    subject_id: Option<&str>,
    detail: Option<String>,
) -> Result<AuditRecord> {
    Ok(AuditRecord {
        pk: keys::client(client_id),
        sk: keys::audit(&domain::rfc3339(at)?, &domain::new_id()),
        client_id: client_id.into(),
        event: event.into(),
        actor,
        at,
        ip: origin.ip.clone(),
        user_agent: origin.user_agent.clone(),
        subject_id: subject_id.map(str::to_string),
        detail,
    })
}

/// A new entry of the firm's own history (not yet written). `subject_id`: the staff
/// member or invite the event concerns; `detail`: what changed, in words (never a secret).
pub fn firm_entry(firm_id: &str, event: &str, by: &By, at: OffsetDateTime, subject_id: Option<&str>, detail: Option<String>) -> Result<AuditRecord> {
    Ok(AuditRecord {
        pk: keys::firm(firm_id),
        sk: keys::audit(&domain::rfc3339(at)?, &domain::new_id()),
        client_id: String::new(),
        event: event.into(),
        actor: by.actor.clone(),
        at,
        ip: by.origin.ip.clone(),
        user_agent: by.origin.user_agent.clone(),
        subject_id: subject_id.map(str::to_string),
        detail,
    })
}

/// One page of the firm's own history, newest first: one Query of at most `limit` of the
/// `AUDIT#…` items in the firm's partition, read backwards.
pub async fn firm_history(store: &Store, firm_id: &str, page: &PageRequest) -> Result<Page<AuditView>> {
    let range = KeyRange::prefix(keys::firm(firm_id), keys::prefix::AUDIT);
    store.query_page(&range, Order::NewestFirst, page).await?.try_map(|i| crate::store::from_item::<AuditRecord>(i).map(AuditView::from))
}

/// Append one entry on its own (for events that change nothing else, such as a download).
pub async fn record(store: &Store, entry: &AuditRecord) -> Result<()> {
    if !store.put_new(entry).await? {
        return Err(Error::internal("audit entry collided"));
    }
    Ok(())
}

/// The entry as part of a transaction that makes the change it records.
pub fn tx_put(store: &Store, entry: &AuditRecord) -> Result<aws_sdk_dynamodb::types::TransactWriteItem> {
    tx::put_new(store.table(), entry)
}

/// One line of a client's audit trail, as staff read it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditView {
    pub event: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: ActorRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The contact or file the event concerns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl From<AuditRecord> for AuditView {
    fn from(r: AuditRecord) -> Self {
        AuditView { event: r.event, at: r.at, actor: r.actor, ip: r.ip, user_agent: r.user_agent, subject_id: r.subject_id, detail: r.detail }
    }
}

/// The invite emails logged on a link, as audit lines.
pub fn invite_lines(link: &LinkRecord) -> impl DoubleEndedIterator<Item = AuditView> + '_ {
    link.invite_log.iter().map(|e| AuditView {
        event: event::INVITE_SENT.into(),
        at: e.at,
        actor: e.by.clone(),
        ip: e.ip.clone(),
        user_agent: e.user_agent.clone(),
        subject_id: Some(link.contact_id.clone()),
        detail: Some(format!("to {}", e.email)),
    })
}

/// Does a line concern this contact (done by them, or to them)?
pub fn concerns(line: &AuditView, contact_id: &str) -> bool {
    line.subject_id.as_deref() == Some(contact_id) || (line.actor.kind == "contact" && line.actor.id == contact_id)
}

/// Merge one page of stored entries (newest first) and the links' invite-log lines that
/// fall in the page's time window `(after, until]` (`None`: unbounded): newest first, only
/// those concerning `contact_id` when given.
pub fn merge(
    entries: Vec<AuditRecord>,
    links: &[LinkRecord],
    contact_id: Option<&str>,
    after: Option<OffsetDateTime>,
    until: Option<OffsetDateTime>,
) -> Vec<AuditView> {
    // Times are kept to the second: within one second, the stored order (the entry's key
    // ends with a time-ordered id; the invite log is appended) decides, newest first.
    let in_window = |at: OffsetDateTime| after.is_none_or(|a| at > a) && until.is_none_or(|u| at <= u);
    let mut lines: Vec<AuditView> =
        entries.into_iter().map(AuditView::from).chain(links.iter().flat_map(|l| invite_lines(l).rev()).filter(|l| in_window(l.at))).collect();
    if let Some(k) = contact_id {
        lines.retain(|l| concerns(l, k));
    }
    lines.sort_by_key(|l| std::cmp::Reverse(l.at));
    lines
}

/// The time in an audit sort key (`AUDIT#<RFC 3339>#<id>`).
fn time_of(sort_key: &str) -> Result<OffsetDateTime> {
    let at = sort_key.strip_prefix(keys::prefix::AUDIT).and_then(|r| r.rsplit_once('#')).map(|(at, _)| at).unwrap_or_default();
    OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
        .map_err(|_| Error::field("cursor", "is not a cursor this list gave out; start again without a cursor"))
}

/// One page of a client's audit trail (for staff of the client's firm), newest first. Two
/// bounded Queries: the client item and its links (`CLIENT` ..= `CONTACT$`), and one page
/// of audit entries (`AUDIT#…`, read backwards, at most `limit`; with `contact_id`, at most
/// `limit` × [`FILTER_READ_FACTOR`] read and filtered to that contact's lines). The invite
/// emails logged on the links (a few per link) are merged into the page whose time window
/// holds them, so a page can hold a few more than `limit` lines.
pub async fn history(store: &Store, firm_id: &str, client_id: &str, contact_id: Option<&str>, page: &PageRequest) -> Result<Page<AuditView>> {
    if !domain::is_plausible_id(client_id) {
        return Err(Error::NotFound("client"));
    }
    let links = match store.client_with_links(client_id).await? {
        (Some(c), links) if c.firm_id == firm_id => links,
        _ => return Err(Error::NotFound("client")),
    };
    if let Some(k) = contact_id {
        if !links.iter().any(|l| l.contact_id == k) {
            return Err(Error::NotFound("contact"));
        }
    }
    let range = KeyRange::prefix(keys::client(client_id), keys::prefix::AUDIT);
    let until = page.cursor.as_deref().map(|c| cursor_position(c, &range).and_then(|sk| time_of(&sk))).transpose()?;
    let factor = if contact_id.is_some() { FILTER_READ_FACTOR } else { 1 };
    let entries = store
        .query_page_where(&range, Order::NewestFirst, page, factor, |item| {
            let r: AuditRecord = crate::store::from_item(item.clone())?;
            Ok(contact_id.is_none_or(|k| concerns(&AuditView::from(r.clone()), k)).then_some(r))
        })
        .await?;
    let after = entries.next.as_deref().map(|c| cursor_position(c, &range).and_then(|sk| time_of(&sk))).transpose()?;
    Ok(Page { items: merge(entries.items, &links, contact_id, after, until), next: entries.next })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ClientRecord, InviteLogEntry};
    use time::macros::datetime;

    fn actor(kind: &str, id: &str) -> ActorRef {
        ActorRef { kind: kind.into(), id: id.into(), name: id.to_uppercase() }
    }

    #[test]
    fn the_trail_merges_entries_and_invite_logs_newest_first_and_filters_by_contact() {
        let t = datetime!(2026-11-01 09:00 UTC);
        let o = Origin { ip: Some("203.0.113.9".into()), user_agent: Some("UA".into()) };
        let download = entry("c", event::FILE_DOWNLOADED, actor("contact", "k1"), t + time::Duration::hours(2), &o, Some("file-1"), None).unwrap();
        let share = entry("c", event::FILE_SHARED, actor("staff", "s"), t + time::Duration::hours(1), &o, Some("k2"), None).unwrap();
        let client = ClientRecord::new("f", "c", "Client", t);
        let contact = crate::store::ContactRecord::sample("f", "k1", None, t);
        let mut link = LinkRecord::new(&client, &contact, t);
        link.invite_log.push(InviteLogEntry { at: t, by: actor("staff", "s"), email: "a@example.com".into(), ip: None, user_agent: None });

        let all = merge(vec![download.clone(), share.clone()], std::slice::from_ref(&link), None, None, None);
        assert_eq!(all.iter().map(|l| l.event.as_str()).collect::<Vec<_>>(), ["file_downloaded", "file_shared", "invite_sent"]);
        assert_eq!(all[0].ip.as_deref(), Some("203.0.113.9"));

        let k1 = merge(vec![download, share], std::slice::from_ref(&link), Some("k1"), None, None);
        assert_eq!(k1.iter().map(|l| l.event.as_str()).collect::<Vec<_>>(), ["file_downloaded", "invite_sent"]);
        assert_eq!(k1[1].detail.as_deref(), Some("to a@example.com"));
        // The invite line belongs to the page whose window holds its time, and to no other.
        assert_eq!(merge(vec![], std::slice::from_ref(&link), None, Some(t), None).len(), 0, "(t, ∞) leaves out t");
        assert_eq!(merge(vec![], std::slice::from_ref(&link), None, None, Some(t)).len(), 1, "(-∞, t] holds t");
        assert_eq!(merge(vec![], std::slice::from_ref(&link), None, None, Some(t - time::Duration::seconds(1))).len(), 0);
    }

    #[test]
    fn the_spec_lists_every_event_and_no_other() {
        let spec = include_str!("../../../infra/openapi.yaml");
        let schema = spec.split("\n    AuditEntry:\n").nth(1).expect("the spec has AuditEntry");
        let line = schema.lines().find(|l| l.trim_start().starts_with("enum: [")).expect("AuditEntry.event has an enum");
        let listed: Vec<&str> = line.trim().trim_start_matches("enum: [").trim_end_matches(']').split(", ").collect();
        assert_eq!(listed, event::ALL);
    }

    #[test]
    fn within_one_second_the_later_stored_entry_comes_first() {
        let t = datetime!(2026-11-01 09:00 UTC);
        let first = entry("c", event::CONTACT_UPDATED, actor("staff", "s"), t, &Origin::default(), Some("k"), None).unwrap();
        let second = entry("c", event::ACCESS_REVOKED, actor("staff", "s"), t, &Origin::default(), Some("k"), None).unwrap();
        // as the page returns them: newest (highest key) first
        let lines = merge(vec![second, first], &[], Some("k"), None, None);
        assert_eq!(lines.iter().map(|l| l.event.as_str()).collect::<Vec<_>>(), ["access_revoked", "contact_updated"]);
    }

    #[test]
    fn audit_keys_sort_by_time_before_the_client_and_its_links() {
        let e = entry("c", event::SIGNED_IN, actor("contact", "k"), datetime!(2026-11-01 09:00 UTC), &Origin::default(), None, None).unwrap();
        assert!(e.sk.starts_with("AUDIT#2026-11-01T09:00:00"));
        assert!(e.sk.as_str() < keys::CLIENT_SK && keys::CLIENT_SK < keys::contact("k").as_str() && keys::contact("k").as_str() < "CONTACT$");
    }
}
