//! The items of a firm's team: staff invites and the one-login-per-email guard of the
//! staff pool (see the key schema in [`crate::store`] and `ops::team`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{from_item, keys, ActorRef, StaffRecord, Store};
use crate::domain::roles::Role;
use crate::error::Result;

/// Why a staff invite link stopped working (kept for the last few links, so an old link
/// says why rather than "not found").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffInviteEnd {
    Used,
    Revoked,
    Replaced,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndedStaffLink {
    pub hash: String,
    pub ended: StaffInviteEnd,
}

/// How many ended links an invite remembers.
pub const ENDED_LINKS_KEPT: usize = 5;

/// An invitation to join a firm's staff: one item per (firm, email), whose key is derived
/// from both (`keys::staff_invite_id`), so a firm never has two invites for one address and
/// the link's token can name the item (one `GetItem` to open it). The live link is
/// `token_hash` (SHA-256 of the token; the token itself is only in the email).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffInviteRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    pub invite_id: String,
    pub firm_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// Who sent the latest email (a copy of their name, as audit entries keep it).
    pub invited_by: ActorRef,
    #[serde(with = "time::serde::rfc3339")]
    pub invited_at: OffsetDateTime,
    /// When the live link stops working (not the table's TTL attribute).
    #[serde(with = "time::serde::rfc3339")]
    pub link_expires_at: OffsetDateTime,
    /// The live link's hash; absent once used or revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ended_links: Vec<EndedStaffLink>,
    /// The staff member it made, once used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_sub: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub accepted_at: Option<OffsetDateTime>,
    /// Optimistic-locking counter: every write is conditional on the version read.
    pub version: u64,
}

impl StaffInviteRecord {
    /// End the live link (if any) for `why`, remembering its hash.
    pub fn end_link(&mut self, why: StaffInviteEnd) {
        if let Some(hash) = self.token_hash.take() {
            self.ended_links.push(EndedStaffLink { hash, ended: why });
            let excess = self.ended_links.len().saturating_sub(ENDED_LINKS_KEPT);
            self.ended_links.drain(..excess);
        }
    }

    /// Open: a live link that has not expired.
    pub fn is_open(&self, now: OffsetDateTime) -> bool {
        self.token_hash.is_some() && now < self.link_expires_at
    }
}

/// The staff pool's usernames are unique per pool, across firms: this item holds an
/// email for the one staff login (of any firm) that has it, or for the one request creating
/// it (a claim, `claim` set, taken over after `claim_expires_at`). Written before any
/// Cognito call, committed with the staff record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffLoginRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub email: String,
    pub firm_id: String,
    /// The login's Cognito `sub`, once created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// The request creating the login, while it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<String>,
    /// Epoch seconds after which another request may take an unfinished claim over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_expires_at: Option<i64>,
}

impl Store {
    /// A firm's staff members (GSI1 `FIRM#f`, `STAFF#…`).
    pub async fn staff_of_firm(&self, firm_id: &str) -> Result<Vec<StaffRecord>> {
        self.query_gsi1(&keys::firm(firm_id), keys::prefix::STAFF).await?.into_iter().map(from_item).collect()
    }

    /// A firm's staff invites, open or not (GSI1 `FIRM#f`, `STAFFINVITE#…`).
    pub async fn staff_invites_of_firm(&self, firm_id: &str) -> Result<Vec<StaffInviteRecord>> {
        self.query_gsi1(&keys::firm(firm_id), keys::prefix::STAFF_INVITE).await?.into_iter().map(from_item).collect()
    }
}
