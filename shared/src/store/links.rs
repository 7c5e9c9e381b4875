//! A contact's link to a client: the item the portal status, invites and access all live
//! on, and the one write that changes a link's invite.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{keys, ActorRef, ClientRecord, ContactRecord};
use crate::domain::{EmailAddress, PortalStatus};
use crate::error::Result;

/// A contact's link to one client, carrying the copy of the contact's fields and the
/// portal state that the status view needs (so the status is one Query).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    /// Set while the invite is open and not accepted (the reminders' index, GSI2).
    #[serde(rename = "GSI2PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi2pk: Option<String>,
    #[serde(rename = "GSI2SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi2sk: Option<String>,
    /// The firm's portal-status index (GSI3): `FIRM#<firm>#PORTAL#<state>` and the client's
    /// name, client and contact, so "invited, never signed in" is one bounded Query. Kept
    /// by [`LinkRecord::refresh_state_keys`] on every write that changes the state
    /// ([`invite_write`]) or the client's name (`ops::lifecycle`).
    #[serde(rename = "GSI3PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi3pk: Option<String>,
    #[serde(rename = "GSI3SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi3sk: Option<String>,
    pub firm_id: String,
    pub client_id: String,
    pub client_name: String,
    pub contact_id: String,
    pub first_name: String,
    pub last_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub linked_at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub invited_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub invite_expires_at: Option<OffsetDateTime>,
    /// SHA-256 (hex) of the one live invite link for this contact on this client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_hash: Option<String>,
    /// Delivery of the live invite's email: `sending` (recorded before the email goes to
    /// SES), then sent, delivered, bounced or complained as SES reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_delivery: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub invite_revoked_at: Option<OffsetDateTime>,
    /// Failed password attempts made with the live invite link (see `portal::MAX_ATTEMPTS`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub invite_attempts: u32,
    /// The last few links that stopped working, so an old email's link answers with why
    /// ("a newer invite was sent") instead of "not valid".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub past_invites: Vec<PastInvite>,
    /// Every invite email sent for this contact on this client (newest last): part of the
    /// client's audit trail, kept on the link so that sending N invites writes N items.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invite_log: Vec<InviteLogEntry>,
    /// When the firm revoked the contact's portal access (cleared by accepting a new invite).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub access_revoked_at: Option<OffsetDateTime>,
    /// When the contact accepted an invite for this client (portal access granted).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub accepted_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub last_login_at: Option<OffsetDateTime>,
    /// When the reminders job last tried a reminder that did not go out (SES refused it):
    /// the next try waits the firm's interval (`shared::reminders`). Not an invite
    /// attribute, so putting a refused invite back does not erase it.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub reminder_attempted_at: Option<OffsetDateTime>,
    /// A copy of the client's `archived_at`: while set, the contact cannot open this
    /// portal (`ops::access`), it is left out of their list of portals, its invite link
    /// does not work and no reminder goes out. Written with the client item.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub client_archived_at: Option<OffsetDateTime>,
    /// The bulk invite job whose invite this link last recorded (`ops::invites::jobs`): a
    /// job never sends a contact a second email, whatever is delivered twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_job: Option<String>,
}

impl LinkRecord {
    pub fn new(client: &ClientRecord, contact: &ContactRecord, linked_at: OffsetDateTime) -> Self {
        Self {
            pk: keys::client(&client.client_id),
            sk: keys::contact(&contact.contact_id),
            gsi1pk: keys::contact(&contact.contact_id),
            gsi1sk: keys::client(&client.client_id),
            gsi2pk: None,
            gsi2sk: None,
            gsi3pk: None,
            gsi3sk: None,
            firm_id: client.firm_id.clone(),
            client_id: client.client_id.clone(),
            client_name: client.name.clone(),
            contact_id: contact.contact_id.clone(),
            first_name: contact.first_name.clone(),
            last_name: contact.last_name.clone(),
            email: contact.email.clone(),
            phone: contact.phone.clone(),
            linked_at,
            invited_at: None,
            invite_expires_at: None,
            invite_hash: None,
            invite_delivery: None,
            invite_revoked_at: None,
            invite_attempts: 0,
            past_invites: Vec::new(),
            invite_log: Vec::new(),
            access_revoked_at: None,
            accepted_at: None,
            last_login_at: None,
            reminder_attempted_at: None,
            client_archived_at: client.archived_at,
            invite_job: None,
        }
        .with_state_keys()
    }

    /// The state this link is listed under in the firm's portal-status index: what the
    /// stored attributes say, without the clock (an expired invite is still `invited`: the
    /// firm's list of people to chase).
    pub fn stored_state(&self) -> StoredState {
        if self.accepted_at.is_some() && self.access_revoked_at.is_none() {
            StoredState::Active
        } else if self.invite_hash.is_some() {
            StoredState::Invited
        } else if self.access_revoked_at.is_some() {
            StoredState::Revoked
        } else {
            StoredState::NotInvited
        }
    }

    /// Set `GSI3PK`/`GSI3SK` from the link's state and its client's name.
    pub fn refresh_state_keys(&mut self) {
        self.gsi3pk = Some(keys::portal_state(&self.firm_id, self.stored_state().as_str()));
        self.gsi3sk = Some(keys::portal_state_sort(&self.client_name, &self.client_id, &self.contact_id));
    }

    pub fn with_state_keys(mut self) -> Self {
        self.refresh_state_keys();
        self
    }

    /// Does this link open the client's portal? Only once the contact accepted an invite,
    /// and never while the client is archived.
    pub fn opens_portal(&self) -> bool {
        self.accepted_at.is_some() && self.client_archived_at.is_none()
    }

    pub fn portal_status(&self, now: OffsetDateTime) -> PortalStatus {
        // An email recorded as `sending` that SES never confirmed: the process stopped
        // between recording the link and sending, or SES's event is lost. Say so.
        let delivery = match (self.invite_delivery.as_deref(), self.invited_at) {
            (Some(DELIVERY_SENDING), Some(at)) if now - at > SENDING_GRACE => Some(DELIVERY_UNCONFIRMED),
            (d, _) => d,
        };
        PortalStatus::derive(self.accepted_at, self.last_login_at, self.invited_at, self.invite_expires_at, now)
            .with_delivery(delivery)
            .with_revocation(self.access_revoked_at)
    }

    /// Stop the live invite link (if any) for `why`, remembering it as a past invite.
    pub fn end_invite(&mut self, why: InviteEnd, now: OffsetDateTime) {
        if let Some(hash) = self.invite_hash.take() {
            self.past_invites.push(PastInvite { hash, ended: why, at: now });
            let excess = self.past_invites.len().saturating_sub(PAST_INVITES_KEPT);
            self.past_invites.drain(..excess);
        }
        self.invited_at = None;
        self.invite_expires_at = None;
        self.invite_delivery = None;
        self.invite_attempts = 0;
        self.gsi2pk = None;
        self.gsi2sk = None;
    }

    /// Put this link in the reminders' index as an invite sent at `at`.
    pub fn mark_open(&mut self, at: OffsetDateTime) {
        self.gsi2pk = Some(keys::OPEN_INVITES.into());
        self.gsi2sk = Some(keys::open_invite_sort(at, &self.client_id, &self.contact_id));
    }
}

/// A link's state in the firm's portal-status index (see [`LinkRecord::stored_state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredState {
    NotInvited,
    /// An invite link is live (sent, not yet used), whatever its email's delivery.
    Invited,
    /// The contact created their login from an invite and may sign in.
    Active,
    /// The firm revoked the contact's access and has not invited them again.
    Revoked,
}

impl StoredState {
    pub const ALL: [StoredState; 4] = [StoredState::NotInvited, StoredState::Invited, StoredState::Active, StoredState::Revoked];

    pub fn as_str(self) -> &'static str {
        match self {
            StoredState::NotInvited => "not_invited",
            StoredState::Invited => "invited",
            StoredState::Active => "active",
            StoredState::Revoked => "revoked",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// How many ended links a contact's link item remembers.
pub const PAST_INVITES_KEPT: usize = 5;
/// How many sent invites the link item's log keeps (a resend every day for a month).
pub const INVITE_LOG_KEPT: usize = 30;
/// How long an email may stay `sending` before the status calls it unconfirmed.
pub const SENDING_GRACE: time::Duration = time::Duration::minutes(15);

/// The link-item attributes that describe its invite: the only ones an invite write sets
/// or removes ([`invite_write`]).
pub const INVITE_ATTRIBUTES: [&str; 12] = [
    "invited_at",
    "invite_expires_at",
    "invite_hash",
    "invite_delivery",
    "invite_revoked_at",
    "invite_attempts",
    "past_invites",
    "invite_log",
    "GSI2PK",
    "GSI2SK",
    "GSI3PK",
    "GSI3SK",
];

/// Why an invite link stopped working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InviteEnd {
    /// Used to create the login (or add the client to it).
    Used,
    Revoked,
    /// A newer invite to the same contact and client was sent.
    Replaced,
    /// The firm changed the contact's email address.
    EmailChanged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastInvite {
    pub hash: String,
    pub ended: InviteEnd,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// One invite email, as the audit trail shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteLogEntry {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub by: ActorRef,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
}

/// The delivery state of the last invite email: recorded as `sending` before the email
/// goes out, then as SES reports it.
pub const DELIVERY_SENDING: &str = "sending";
/// Shown (never stored) for an email still `sending` after [`SENDING_GRACE`].
pub const DELIVERY_UNCONFIRMED: &str = "unconfirmed";
pub const DELIVERY_SENT: &str = "sent";
pub const DELIVERY_DELIVERED: &str = "delivered";
pub const DELIVERY_BOUNCED: &str = "bounced";
pub const DELIVERY_COMPLAINED: &str = "complained";

/// The one write that moves a link's invite attributes to those of `target`: every
/// attribute of [`INVITE_ATTRIBUTES`] is set to `target`'s value or removed. Conditional on
/// the link still having the live hash `expect` (or none), so two writers never cross.
/// `extra` sets (`Some`) or removes (`None`) other attributes of the same item.
pub fn invite_write(
    store: &super::Store,
    target: &LinkRecord,
    expect: Option<&str>,
    not_accepted: bool,
    extra: &[(&str, Option<AttributeValue>)],
) -> Result<TransactWriteItem> {
    let mut item = super::to_item(target)?;
    // The link as it will be once `extra` is applied too: its portal-status index keys.
    for (attr, v) in extra {
        match v {
            Some(v) => item.insert(attr.to_string(), v.clone()),
            None => item.remove(*attr),
        };
    }
    let after: LinkRecord = super::from_item(item)?;
    let item = super::to_item(&after.with_state_keys())?;
    let mut names = std::collections::HashMap::new();
    let mut values = super::Item::new();
    let mut set = Vec::new();
    let mut remove = Vec::new();
    for (i, attr) in INVITE_ATTRIBUTES.iter().enumerate() {
        names.insert(format!("#a{i}"), attr.to_string());
        match item.get(*attr) {
            Some(v) => {
                set.push(format!("#a{i} = :a{i}"));
                values.insert(format!(":a{i}"), v.clone());
            }
            None => remove.push(format!("#a{i}")),
        }
    }
    for (i, (attr, v)) in extra.iter().enumerate() {
        names.insert(format!("#x{i}"), attr.to_string());
        match v {
            Some(v) => {
                set.push(format!("#x{i} = :x{i}"));
                values.insert(format!(":x{i}"), v.clone());
            }
            None => remove.push(format!("#x{i}")),
        }
    }
    let mut update = String::new();
    if !set.is_empty() {
        update.push_str(&format!("SET {}", set.join(", ")));
    }
    if !remove.is_empty() {
        update.push_str(&format!(" REMOVE {}", remove.join(", ")));
    }
    let mut condition = "attribute_exists(PK)".to_string();
    if not_accepted {
        condition.push_str(" AND attribute_not_exists(accepted_at)");
    }
    names.insert("#h".into(), "invite_hash".into());
    match expect {
        Some(h) => {
            condition.push_str(" AND #h = :expect");
            values.insert(":expect".into(), super::s(h));
        }
        None => condition.push_str(" AND attribute_not_exists(#h)"),
    }
    super::tx::update(store.table(), &target.pk, &target.sk, update.trim(), &condition, values, names)
}

impl super::Store {
    /// Count one password try against `link`'s live invite `hash`, only while fewer than
    /// `max` were counted (the limit is the write's condition, so parallel tries cannot pass
    /// it). The new count, or `None` when nothing was written: the invite changed, or it is
    /// at its limit.
    pub async fn count_invite_attempt(&self, link: &LinkRecord, hash: &str, max: u32) -> Result<Option<u32>> {
        let out = self
            .db()
            .await
            .update_item()
            .table_name(&self.table)
            .set_key(Some(super::key(&link.pk, &link.sk)))
            .update_expression("ADD invite_attempts :one")
            .condition_expression("invite_hash = :h AND (attribute_not_exists(invite_attempts) OR invite_attempts < :max)")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":h", super::s(hash))
            .expression_attribute_values(":max", AttributeValue::N(max.to_string()))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
            .send()
            .await;
        match out {
            Ok(o) => {
                let n = o.attributes().and_then(|a| a.get("invite_attempts")).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok());
                n.map(Some).ok_or_else(|| crate::error::Error::internal("the attempt counter came back without its value"))
            }
            Err(e) if e.as_service_error().is_some_and(|se| se.is_conditional_check_failed_exception()) => Ok(None),
            Err(e) => Err(crate::error::aws(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn link_round_trips_through_dynamo_attributes_without_nulls() {
        let t = datetime!(2026-11-28 10:00 UTC);
        let client = ClientRecord::new("f1", "c1", "Acme LLC", t);
        let contact = ContactRecord { first_name: "Ana".into(), last_name: "Lima".into(), ..ContactRecord::sample("f1", "k1", None, t) };
        let link = LinkRecord::new(&client, &contact, t);
        let item = crate::store::to_item(&link).unwrap();
        assert!(!item.contains_key("email") && !item.contains_key("invited_at"), "absent, not NULL: {item:?}");
        assert_eq!(item["GSI1PK"].as_s().unwrap(), "CONTACT#k1");
        assert_eq!(item["linked_at"].as_s().unwrap(), "2026-11-28T10:00:00Z");
        let back: LinkRecord = crate::store::from_item(item).unwrap();
        assert_eq!(back, link);
        assert_eq!(client.gsi1sk, "CLIENT#acme llc#c1");
    }

    #[test]
    fn the_portal_state_index_follows_the_stored_state() {
        let t = datetime!(2026-11-28 10:00 UTC);
        let client = ClientRecord::new("f1", "c1", "Acme LLC", t);
        let contact = ContactRecord::sample("f1", "k1", None, t);
        let mut link = LinkRecord::new(&client, &contact, t);
        assert_eq!(link.gsi3pk.as_deref(), Some("FIRM#f1#PORTAL#not_invited"));
        assert_eq!(link.gsi3sk.as_deref(), Some("acme llc#c1#k1"));
        link.invite_hash = Some("h".into());
        assert_eq!(link.stored_state(), StoredState::Invited);
        link.accepted_at = Some(t);
        assert_eq!(link.stored_state(), StoredState::Active, "accepted wins over a live link");
        link.access_revoked_at = Some(t);
        assert_eq!(link.stored_state(), StoredState::Invited, "revoked, then invited again");
        link.invite_hash = None;
        assert_eq!(link.stored_state(), StoredState::Revoked);
    }

    #[test]
    fn an_invite_write_sets_the_state_of_the_link_after_its_extra_attributes() {
        let t = datetime!(2026-11-28 10:00 UTC);
        let store = crate::store::Store::new(aws_sdk_dynamodb::Client::from_conf(aws_sdk_dynamodb::Config::builder().behavior_version_latest().build()), "T");
        let client = ClientRecord::new("f1", "c1", "Acme LLC", t);
        let mut link = LinkRecord::new(&client, &ContactRecord::sample("f1", "k1", None, t), t);
        link.invite_hash = Some("h".into());
        let mut used = link.clone();
        used.end_invite(InviteEnd::Used, t);
        let accepted = invite_write(&store, &used, Some("h"), false, &[("accepted_at", Some(crate::store::s("2026-11-28T10:00:00Z")))]).unwrap();
        let values = accepted.update().unwrap().expression_attribute_values().unwrap();
        assert!(values.values().any(|v| v.as_s().is_ok_and(|v| v == "FIRM#f1#PORTAL#active")), "{values:?}");
        let sent = invite_write(&store, &link, None, true, &[]).unwrap();
        let values = sent.update().unwrap().expression_attribute_values().unwrap();
        assert!(values.values().any(|v| v.as_s().is_ok_and(|v| v == "FIRM#f1#PORTAL#invited")), "{values:?}");
    }
}
