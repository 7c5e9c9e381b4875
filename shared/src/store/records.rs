//! The stored items. Field names are the attribute names; `None` fields are omitted
//! (DynamoDB rejects NULL index keys, and absent reads better than NULL).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::keys;
use crate::domain::roles::Role;
use crate::domain::EmailAddress;

/// Firm settings. Written by operations (the seed script, later an admin route).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirmRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub firm_id: String,
    pub name: String,
    /// The verified SES identity invites are sent from.
    pub sender_email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help_center_url: Option<String>,
    /// How long an invite link stays valid; without it, the stage's `InviteLifetimeDays`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_ttl_days: Option<u32>,
    #[serde(default)]
    pub billing_enabled: bool,
    #[serde(default)]
    pub online_payments_enabled: bool,
    /// The firm's own cap on one upload, below the portal's absolute cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_upload_bytes: Option<u64>,
    /// Days after the last invite email before an automatic reminder (0 = none); absent =
    /// [`crate::ops::settings::DEFAULT_REMINDER_AFTER_DAYS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminder_after_days: Option<u32>,
    /// Reminders per invite at most; absent = [`crate::ops::settings::DEFAULT_MAX_REMINDERS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_reminders: Option<u32>,
    /// Every contact of the firm signs in with an authenticator app (set up at the next
    /// sign-in of a contact who has none).
    #[serde(default)]
    pub require_contact_mfa: bool,
    /// The display name of the firm's emails (over `sender_email`); none: the address alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_name: Option<String>,
    /// Where replies to the firm's emails go (SES `ReplyToAddresses`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// `#rrggbb`, checked by `domain::profile::accent_color`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent_color: Option<String>,
    /// The firm's logo (`ops::logo`): the upload it came from, its stored key and the version
    /// `file-events` copied there after checking it, and its type (PNG or JPEG).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_type: Option<String>,
}

impl FirmRecord {
    pub fn new(firm_id: &str, name: &str, sender_email: &str) -> Self {
        Self {
            pk: keys::firm(firm_id),
            sk: keys::FIRM_SK.into(),
            firm_id: firm_id.into(),
            name: name.into(),
            sender_email: sender_email.into(),
            help_center_url: None,
            invite_ttl_days: None,
            billing_enabled: false,
            online_payments_enabled: false,
            max_upload_bytes: None,
            reminder_after_days: None,
            max_reminders: None,
            require_contact_mfa: false,
            sender_name: None,
            reply_to: None,
            accent_color: None,
            logo_id: None,
            logo_key: None,
            logo_version: None,
            logo_type: None,
        }
    }
}

/// A staff member: the link from a staff-pool `sub` to the firm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    pub sub: String,
    pub firm_id: String,
    pub email: String,
    pub name: String,
    /// What this member may do (`domain::roles`); a record without one is `staff`.
    #[serde(default)]
    pub role: Role,
    /// Set while the member is deactivated: their login is disabled at Cognito and every
    /// call with a token they still hold is refused. What they authored keeps their name.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub deactivated_at: Option<OffsetDateTime>,
    /// When the member created their login from an invite (absent for members made before).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub joined_at: Option<OffsetDateTime>,
}

impl StaffRecord {
    pub fn new(sub: &str, firm_id: &str, email: &str, name: &str, role: Role) -> Self {
        Self {
            pk: keys::staff(sub),
            sk: keys::STAFF_SK.into(),
            gsi1pk: keys::firm(firm_id),
            gsi1sk: keys::staff_sort(email),
            sub: sub.into(),
            firm_id: firm_id.into(),
            email: email.into(),
            name: name.into(),
            role,
            deactivated_at: None,
            joined_at: None,
        }
    }
}

/// A contact's portal login: the contacts-pool `sub` → the contact it was created for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub sub: String,
    pub contact_id: String,
    pub firm_id: String,
    /// This login has proven an authenticator app through our API (a code sign-in, or the
    /// app's setup). A firm that requires two-step sign-in refuses the tokens of a login
    /// without it ([`crate::http::state::AppState::authenticate_token`]).
    #[serde(default)]
    pub mfa_enabled: bool,
}

/// A client of a firm (a person, household or business). Portals belong to clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    pub firm_id: String,
    pub client_id: String,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Set while the client is archived (`ops::lifecycle`): out of the default list (its
    /// GSI1 sort key moves to `ARCHIVED#…`), its portal closed to contacts (each link
    /// carries a copy, `client_archived_at`), no new work. The record and its history stay.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub archived_at: Option<OffsetDateTime>,
    /// Bumped by every write that adds or removes a contact link: a change that rewrites
    /// every link (rename, archive, restore) is conditional on it, so a link added
    /// meanwhile cannot keep the old name or stay open.
    #[serde(default)]
    pub link_version: u64,
}

impl ClientRecord {
    pub fn new(firm_id: &str, client_id: &str, name: &str, created_at: OffsetDateTime) -> Self {
        Self {
            pk: keys::client(client_id),
            sk: keys::CLIENT_SK.into(),
            gsi1pk: keys::firm(firm_id),
            gsi1sk: keys::client_sort(name, client_id),
            firm_id: firm_id.into(),
            client_id: client_id.into(),
            name: name.into(),
            created_at,
            archived_at: None,
            link_version: 0,
        }
    }

    /// The GSI1 sort key for this client's name and state: active clients list under
    /// `CLIENT#`, archived ones under `ARCHIVED#` (each list is one Query, sorted by name).
    pub fn sort_key(name: &str, client_id: &str, archived: bool) -> String {
        if archived {
            keys::archived_client_sort(name, client_id)
        } else {
            keys::client_sort(name, client_id)
        }
    }
}

/// A contact: a person. Logins belong to contacts (one per contact, whatever the number
/// of clients they are linked to).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub firm_id: String,
    pub contact_id: String,
    pub first_name: String,
    pub last_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// The contacts-pool `sub` once the contact has created their login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_sub: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub last_login_at: Option<OffsetDateTime>,
    /// Set while the firm has revoked the contact's portal access (login disabled).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub access_revoked_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Optimistic-locking counter: every update is conditional on it.
    pub version: u64,
}

impl ContactRecord {
    /// A contact for unit tests.
    #[cfg(test)]
    pub fn sample(firm_id: &str, contact_id: &str, email: Option<&str>, at: OffsetDateTime) -> Self {
        ContactRecord {
            pk: keys::contact(contact_id),
            sk: keys::PROFILE_SK.into(),
            firm_id: firm_id.into(),
            contact_id: contact_id.into(),
            first_name: "A".into(),
            last_name: "B".into(),
            email: email.map(|e| EmailAddress::parse("email", e).expect("a valid sample email")),
            phone: None,
            address: None,
            user_sub: None,
            last_login_at: None,
            access_revoked_at: None,
            created_at: at,
            updated_at: at,
            version: 1,
        }
    }
}

/// A postal address, as a contact keeps it in their user settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Address {
    #[serde(default)]
    pub line1: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub line2: String,
    #[serde(default)]
    pub city: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub country: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// The upload slot was issued; the object has not been confirmed yet.
    Pending,
    /// `file-events` checked the object: size and type as declared.
    Available,
    /// The object did not match what was declared and was deleted.
    Rejected,
}

/// Who did something: staff member or contact, with the name shown to people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorRef {
    pub kind: String,
    pub id: String,
    pub name: String,
}

/// A file in a client's portal. Its approved bytes live at `s3_key` (the stored key, see
/// `domain::upload`), which the server chose and only `file-events` writes; the browser
/// uploads to the matching upload key. The user's file name is only metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub firm_id: String,
    pub client_id: String,
    pub file_id: String,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub s3_key: String,
    pub status: FileStatus,
    pub uploaded_by: ActorRef,
    /// Where the upload slot was asked for from (for the audit entry written once the
    /// upload is confirmed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_user_agent: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub available_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The version of the upload object that `file-events` checks: the first one it saw,
    /// claimed before the check so that two versions (a replayed upload URL) are never
    /// checked, nor copied, at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_version: Option<String>,
    /// The version of the stored object made from it (for operators: the approved bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_version: Option<String>,
    /// Shared with every contact of the client who has portal access.
    #[serde(default)]
    pub shared_with_all: bool,
    /// Contacts it is shared with (besides the uploader, who always sees their own upload).
    #[serde(default)]
    pub shared_with: Vec<String>,
    /// The client request this upload answers, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// TTL while pending: an upload that never lands disappears after a day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

/// One entry of a client's append-only audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    /// Empty for an entry of the firm's own history (in the firm's partition).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub client_id: String,
    pub event: String,
    pub actor: ActorRef,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A firm's own invite email template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub firm_id: String,
    pub template_id: String,
    pub name: String,
    pub subject: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Makes two contacts of one firm unable to share an email (it is their login).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailGuardRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub contact_id: String,
}

impl EmailGuardRecord {
    pub fn new(firm_id: &str, email: &EmailAddress, contact_id: &str) -> Self {
        Self { pk: keys::firm(firm_id), sk: keys::email_guard(email.as_str()), contact_id: contact_id.into() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingSetupRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub contact_id: String,
    /// Nonce ‖ AES-256-GCM ciphertext of the JSON session, as hex.
    pub sealed: String,
    /// Epoch seconds; also the table's TTL attribute.
    pub expires_at: i64,
}

/// A claim on a contact's login, held while one account-creation request does its Cognito
/// work (see `ops::login_claim`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginClaimRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    /// Random id of the request holding the claim: only it may release the claim.
    pub claim: String,
    /// Epoch seconds after which another request may take the claim over; also the TTL.
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub status: String,
    pub request_hash: String,
    pub locked_until: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_body: Option<String>,
    pub expires_at: i64,
}
