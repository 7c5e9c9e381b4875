//! The items of a firm's team: staff invites and the one-login-per-email guard of the
//! staff pool (see the key schema in [`crate::store`] and `ops::team`); and the Team page's
//! two paged lists, both on the firm's GSI1 partition (`FIRM#f`):
//!
//! - **members**, `STAFF#<email>`: every member, active or deactivated, in email order;
//! - **invites**, `STAFFINVITE#<email>`: the invites whose link was not used or revoked
//!   (open or expired: both wait for an admin's Resend or Revoke), in email order.
//!
//! Why two lists and not one: an admin reads them as two tables (people on the team; people
//! asked to join), and each page is then one Query of one key range, bounded by its limit.
//! Why an invite leaves its range when its link is used or revoked (its GSI1 sort key moves
//! to `ENDEDSTAFFINVITE#<email>`, as an archived client's does): every member who joined
//! from an invite leaves one behind, so without the move the invites list would read more
//! and more ended invites to find the few open ones as the firm grows. Invites ended before
//! the move kept their key; the list skips them (a filtered page, at most
//! [`FILTER_READ_FACTOR`] × `limit` items read).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{from_item, keys, ActorRef, KeyRange, Order, Page, PageRequest, StaffRecord, Store, FILTER_READ_FACTOR};
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
    /// End the live link (if any) for `why`, remembering its hash; the invite leaves the
    /// Team page's list (until a new link is given).
    pub fn end_link(&mut self, why: StaffInviteEnd) {
        if let Some(hash) = self.token_hash.take() {
            self.ended_links.push(EndedStaffLink { hash, ended: why });
            let excess = self.ended_links.len().saturating_sub(ENDED_LINKS_KEPT);
            self.ended_links.drain(..excess);
        }
        self.gsi1sk = self.list_key();
    }

    /// Give the invite a new live link (`hash`, the SHA-256 of its token): it is listed
    /// again. The caller clears `accepted_*` first when the address is invited anew.
    pub fn open_link(&mut self, hash: String) {
        self.token_hash = Some(hash);
        self.gsi1sk = self.list_key();
    }

    /// On the Team page's invites list: a link not used and not revoked (open or expired).
    pub fn listed(&self) -> bool {
        self.token_hash.is_some() && self.accepted_at.is_none()
    }

    /// The GSI1 sort key this invite's state puts it under.
    fn list_key(&self) -> String {
        if self.listed() {
            keys::staff_invite_sort(&self.email)
        } else {
            keys::ended_staff_invite_sort(&self.email)
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

/// The key range of a firm's members list (GSI1 `FIRM#f`, `STAFF#…`).
pub fn members_range(firm_id: &str) -> KeyRange {
    KeyRange::gsi1_prefix(keys::firm(firm_id), keys::prefix::STAFF)
}

/// The key range of a firm's invites list (GSI1 `FIRM#f`, `STAFFINVITE#…`).
pub fn staff_invites_range(firm_id: &str) -> KeyRange {
    KeyRange::gsi1_prefix(keys::firm(firm_id), keys::prefix::STAFF_INVITE)
}

impl Store {
    /// Every staff member of a firm (GSI1 `FIRM#f`, `STAFF#…`, every page): only for the
    /// one-time count of a firm item without its owners counter (`ops::team::active_owners`)
    /// and the message notifications' recipients; lists read [`Store::staff_page`].
    pub async fn staff_of_firm(&self, firm_id: &str) -> Result<Vec<StaffRecord>> {
        self.query_gsi1(&keys::firm(firm_id), keys::prefix::STAFF).await?.into_iter().map(from_item).collect()
    }

    /// The member of `firm_id` whose login email is `email`, if any: one Query of the one
    /// GSI1 key `STAFF#<email>` (at most one item read, however large the team).
    pub async fn staff_member_by_email(&self, firm_id: &str, email: &str) -> Result<Option<StaffRecord>> {
        let at = keys::staff_sort(email);
        let range = KeyRange { index: Some(keys::GSI1), pk: keys::firm(firm_id), from: at.clone(), to: at };
        self.query_page(&range, Order::OldestFirst, &PageRequest::first(1)).await?.items.into_iter().next().map(from_item).transpose()
    }

    /// One page of a firm's members, in email order: one Query of at most `limit` items.
    pub async fn staff_page(&self, firm_id: &str, page: &PageRequest) -> Result<Page<StaffRecord>> {
        self.query_page(&members_range(firm_id), Order::OldestFirst, page).await?.try_map(from_item)
    }

    /// One page of a firm's invites not yet used (open or expired), in email order: at most
    /// `limit` items read, more only where invites ended before their key moved (see the
    /// module docs) are skipped.
    pub async fn staff_invites_page(&self, firm_id: &str, page: &PageRequest) -> Result<Page<StaffInviteRecord>> {
        self.query_page_where(&staff_invites_range(firm_id), Order::OldestFirst, page, FILTER_READ_FACTOR, |item| {
            let invite: StaffInviteRecord = from_item(item.clone())?;
            Ok(invite.listed().then_some(invite))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::store::{s, to_item, Cursor, Item};

    const FIRM: &str = "f1";

    fn invite(email: &str) -> StaffInviteRecord {
        let now = crate::domain::now();
        StaffInviteRecord {
            pk: keys::staff_invite("i"),
            sk: keys::STAFF_INVITE_SK.into(),
            gsi1pk: keys::firm(FIRM),
            gsi1sk: keys::staff_invite_sort(email),
            invite_id: "i".into(),
            firm_id: FIRM.into(),
            email: email.into(),
            name: "A".into(),
            role: crate::domain::roles::Role::Staff,
            invited_by: ActorRef { kind: "staff".into(), id: "x".into(), name: "X".into() },
            invited_at: now,
            link_expires_at: now + time::Duration::days(1),
            token_hash: None,
            ended_links: vec![],
            accepted_sub: None,
            accepted_at: None,
            version: 1,
        }
    }

    fn within(range: &KeyRange, sort: &str) -> bool {
        range.from.as_str() <= sort && sort <= range.to.as_str()
    }

    /// The GSI1 key of an item, as a cursor sees it.
    fn gsi1_item(pk: &str, sk: &str, gsi1sk: &str) -> Item {
        [("PK", pk), ("SK", sk), ("GSI1PK", keys::firm(FIRM).as_str()), ("GSI1SK", gsi1sk)].into_iter().map(|(k, v)| (k.to_string(), s(v))).collect()
    }

    fn refused(raw: &str, range: &KeyRange) -> bool {
        matches!(Cursor::decode(raw, range), Err(Error::Validation(f)) if f[0].field == "cursor")
    }

    #[test]
    fn the_two_lists_are_disjoint_ranges_of_the_firms_gsi1_partition() {
        let (members, invites) = (members_range(FIRM), staff_invites_range(FIRM));
        assert_eq!((members.index, invites.index), (Some(keys::GSI1), Some(keys::GSI1)));
        let member = crate::store::StaffRecord::new("sub", FIRM, "zed@firm.example", "Zed", crate::domain::roles::Role::Staff);
        assert!(within(&members, &member.gsi1sk) && !within(&invites, &member.gsi1sk));
        let open = keys::staff_invite_sort("aa@firm.example");
        assert!(within(&invites, &open) && !within(&members, &open), "STAFFINVITE# sorts after STAFF$, not inside STAFF#…");
        // Nothing else of the partition falls into either: clients, archived clients, ended invites.
        for other in [keys::client_sort("Staff Inc", "c1"), keys::archived_client_sort("x", "c"), keys::ended_staff_invite_sort("aa@firm.example")] {
            assert!(!within(&members, &other) && !within(&invites, &other), "{other}");
        }
    }

    #[test]
    fn an_invite_leaves_the_list_when_its_link_is_used_or_revoked_and_comes_back_with_a_new_one() {
        let invites = staff_invites_range(FIRM);
        let mut r = invite("bo@firm.example");
        r.open_link("h1".into());
        assert!(r.listed() && within(&invites, &r.gsi1sk));
        // Resend: the old link ends, a new one opens; still listed.
        r.end_link(StaffInviteEnd::Replaced);
        r.open_link("h2".into());
        assert!(r.listed() && r.gsi1sk == keys::staff_invite_sort("bo@firm.example"));
        // Used (joined): out of the range, into its own.
        r.end_link(StaffInviteEnd::Used);
        r.accepted_at = Some(crate::domain::now());
        assert!(!r.listed() && !within(&invites, &r.gsi1sk));
        assert_eq!(r.gsi1sk, keys::ended_staff_invite_sort("bo@firm.example"));
        assert_eq!(to_item(&r).unwrap()["GSI1SK"], s(keys::ended_staff_invite_sort("bo@firm.example")), "the stored item carries the moved key");
        // Invited anew (the caller clears the acceptance first): listed again.
        r.accepted_at = None;
        r.open_link("h3".into());
        assert!(r.listed() && within(&invites, &r.gsi1sk));
        // Revoked: out again.
        r.end_link(StaffInviteEnd::Revoked);
        assert!(!r.listed() && !within(&invites, &r.gsi1sk));
    }

    #[test]
    fn a_cursor_of_one_team_list_is_refused_by_the_other_and_by_another_firm() {
        let (members, invites) = (members_range(FIRM), staff_invites_range(FIRM));
        let after_member = Cursor::after(&members, &gsi1_item("STAFF#s", "STAFF", "STAFF#m@firm.example")).unwrap().encode();
        let after_invite = Cursor::after(&invites, &gsi1_item("STAFFINVITE#i", "STAFFINVITE", "STAFFINVITE#m@firm.example")).unwrap().encode();
        assert!(Cursor::decode(&after_member, &members).is_ok() && Cursor::decode(&after_invite, &invites).is_ok());
        assert!(refused(&after_member, &invites) && refused(&after_invite, &members));
        assert!(refused(&after_member, &members_range("f2")) && refused(&after_invite, &staff_invites_range("f2")));
        // Nor is a cursor of the firm's clients list (same partition, another range) one of these.
        let clients = KeyRange::gsi1_prefix(keys::firm(FIRM), keys::prefix::CLIENT);
        let after_client = Cursor::after(&clients, &gsi1_item("CLIENT#c", "CLIENT", "CLIENT#acme#c")).unwrap().encode();
        assert!(refused(&after_client, &members) && refused(&after_client, &invites));
    }
}
