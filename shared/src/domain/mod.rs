//! Domain types: parse, don't validate.
//!
//! Input from the outside world becomes one of these types at the edge, or a
//! [`FieldError`] that names the field and says what to fix. Past the edge the rest of the
//! code can trust the value: an [`EmailAddress`] is trimmed, lower-cased and plausible; a
//! [`PersonName`] is non-empty and free of control characters.

pub mod email;
pub mod identity;
pub mod letterhead;
pub mod password;
pub mod profile;
pub mod quotas;
pub mod roles;
pub mod throttle;
pub mod upload;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::FieldError;

/// A contact's email address, normalised (trimmed, lower-case) because it is also the
/// contact's portal login and logins must not differ only by case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_lowercase();
        let bad = |m: &str| Err(FieldError::new(field, m));
        if s.is_empty() {
            return bad("is required");
        }
        if s.len() > 254 {
            return bad("is longer than 254 characters");
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return bad("is not a valid email address (it has no @)");
        };
        let valid_local = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let valid_domain = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
        if !valid_local || !valid_domain {
            return bad("is not a valid email address");
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn clean_text(field: &str, raw: &str, max: usize, what: &str) -> Result<String, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, "is required"));
    }
    if s.chars().count() > max {
        return Err(FieldError::new(field, format!("is longer than {max} characters")));
    }
    if s.chars().any(char::is_control) {
        return Err(FieldError::new(field, format!("must be a single line of {what} without control characters")));
    }
    Ok(s.to_string())
}

/// A first or last name of a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        clean_text(field, raw, 100, "text").map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The display name of a client (a person, a household or a business).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientName(String);

impl ClientName {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        clean_text(field, raw, 200, "text").map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number as people write it: digits with optional `+`, spaces, dots, dashes,
/// parentheses; 7 to 15 digits (E.164's maximum).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        let digits = s.chars().filter(char::is_ascii_digit).count();
        let allowed = s.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || " .-()".contains(c) || (c == '+' && i == 0));
        if !allowed || !(7..=15).contains(&digits) {
            return Err(FieldError::new(field, "must be a phone number of 7 to 15 digits (may start with +)"));
        }
        Ok(Self(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A free-text field from a request: trimmed, CRLF as LF; an error is pushed to `errs` when
/// it is required and empty, longer than `max` characters, or holds control characters
/// other than newline and tab.
pub fn text_input(errs: &mut Vec<FieldError>, field: &str, v: Option<String>, max: usize, required: bool) -> String {
    let v = v.unwrap_or_default().trim().replace("\r\n", "\n");
    if required && v.is_empty() {
        errs.push(FieldError::new(field, "is required"));
    } else if v.chars().count() > max {
        errs.push(FieldError::new(field, format!("is longer than {max} characters")));
    } else if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        errs.push(FieldError::new(field, "contains control characters"));
    }
    v
}

/// Lower-case hex of `bytes` (token secrets, hashes).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of lower- or upper-case hex; `None` for anything else.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// SHA-256 of `bytes`, as hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes).as_ref())
}

/// A new random id (UUIDv7: unique and roughly time-ordered).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Ids in paths are our UUIDs; anything else cannot exist, so it is answered as not found
/// without a database call.
pub fn is_plausible_id(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok()
}

/// The current time, truncated to whole seconds (what we store and show).
pub fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(0).unwrap_or(t)
}

/// A time as we store it in string attributes (RFC 3339, UTC, whole seconds).
pub fn rfc3339(t: OffsetDateTime) -> crate::error::Result<String> {
    t.format(&time::format_description::well_known::Rfc3339).map_err(crate::error::Error::internal)
}

/// The portal status of one contact on one client, as the contacts section shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PortalStatus {
    /// No invite sent (or the last one was revoked).
    NotInvited,
    /// Invited but never logged in. `expired` is true once the link is no longer usable.
    Invited {
        #[serde(with = "time::serde::rfc3339")]
        invited_at: OffsetDateTime,
        #[serde(with = "time::serde::rfc3339")]
        expires_at: OffsetDateTime,
        expired: bool,
        /// What SES reported for the invite email: sent, delivered, bounced, complained.
        #[serde(skip_serializing_if = "Option::is_none")]
        delivery: Option<String>,
    },
    /// The firm revoked the contact's portal access (login disabled); a new invite
    /// restores it.
    Revoked {
        #[serde(with = "time::serde::rfc3339")]
        revoked_at: OffsetDateTime,
    },
    /// Has logged in; `last_login_at` is the most recent sign-in.
    Active {
        #[serde(with = "time::serde::rfc3339")]
        last_login_at: OffsetDateTime,
    },
}

impl PortalStatus {
    /// Derive the status from what the contact's link to a client records.
    /// Accepting an invite (creating the login, or adding this client to an existing one)
    /// makes the link active for good; its last login is the latest sign-in, or the
    /// acceptance itself until the first sign-in is recorded.
    pub fn derive(
        accepted_at: Option<OffsetDateTime>,
        last_login_at: Option<OffsetDateTime>,
        invited_at: Option<OffsetDateTime>,
        invite_expires_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Self {
        match (accepted_at, invited_at, invite_expires_at) {
            (Some(accepted), _, _) => PortalStatus::Active { last_login_at: last_login_at.unwrap_or(accepted).max(accepted) },
            (None, Some(invited_at), Some(expires_at)) => PortalStatus::Invited { invited_at, expires_at, expired: now >= expires_at, delivery: None },
            _ => PortalStatus::NotInvited,
        }
    }
}

impl PortalStatus {
    /// A revoked contact shows as revoked until they are invited again.
    pub fn with_revocation(self, revoked_at: Option<OffsetDateTime>) -> Self {
        match (self, revoked_at) {
            (PortalStatus::NotInvited, Some(revoked_at)) => PortalStatus::Revoked { revoked_at },
            (other, _) => other,
        }
    }

    /// Attach the delivery state of the invite email (only an open invite shows it).
    pub fn with_delivery(self, delivery: Option<&str>) -> Self {
        match self {
            PortalStatus::Invited { invited_at, expires_at, expired, .. } => {
                PortalStatus::Invited { invited_at, expires_at, expired, delivery: delivery.map(str::to_string) }
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(EmailAddress::parse("email", "  Jane.Doe+tax@Example.COM ").unwrap().as_str(), "jane.doe+tax@example.com");
        for bad in [
            "",
            "jane",
            "jane@",
            "@example.com",
            "jane@example",
            "ja ne@example.com",
            "jane@@example.com",
            "jane..doe@example.com",
            "jane@exa_mple.com",
            "jane@example.c0m",
        ] {
            let e = EmailAddress::parse("email", bad).unwrap_err();
            assert_eq!(e.field, "email", "{bad}");
        }
    }

    #[test]
    fn names_are_trimmed_required_and_single_line() {
        assert_eq!(PersonName::parse("first_name", "  Ana ").unwrap().as_str(), "Ana");
        assert_eq!(PersonName::parse("first_name", "   ").unwrap_err().message, "is required");
        assert!(PersonName::parse("last_name", "a\nb").is_err());
        assert!(PersonName::parse("last_name", &"x".repeat(101)).unwrap_err().message.contains("100"));
        assert!(ClientName::parse("name", &"x".repeat(200)).is_ok());
    }

    #[test]
    fn phones_accept_common_formats() {
        for ok in ["+1 (555) 123-4567", "020 7946 0958", "555.123.4567"] {
            assert!(Phone::parse("phone", ok).is_ok(), "{ok}");
        }
        for bad in ["12345", "call me", "+1 555 123 4567 8901 23", "555+1234567"] {
            assert!(Phone::parse("phone", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn status_follows_invite_and_login() {
        let now = datetime!(2026-11-28 12:00 UTC);
        assert_eq!(PortalStatus::derive(None, None, None, None, now), PortalStatus::NotInvited);
        let inv = datetime!(2026-11-01 09:00 UTC);
        let exp = datetime!(2026-12-01 09:00 UTC);
        assert_eq!(
            PortalStatus::derive(None, None, Some(inv), Some(exp), now),
            PortalStatus::Invited { invited_at: inv, expires_at: exp, expired: false, delivery: None }
        );
        let bounced = PortalStatus::derive(None, None, Some(inv), Some(exp), now).with_delivery(Some("bounced"));
        assert_eq!(serde_json::to_value(&bounced).unwrap()["delivery"], "bounced");
        assert_eq!(PortalStatus::NotInvited.with_delivery(Some("bounced")), PortalStatus::NotInvited);
        let revoked = datetime!(2026-11-25 10:00 UTC);
        assert_eq!(PortalStatus::NotInvited.with_revocation(Some(revoked)), PortalStatus::Revoked { revoked_at: revoked });
        let reinvited = PortalStatus::derive(None, None, Some(inv), Some(exp), now).with_revocation(Some(revoked));
        assert!(matches!(reinvited, PortalStatus::Invited { .. }), "a new invite shows over the revocation");
        assert!(matches!(PortalStatus::derive(None, None, Some(inv), Some(exp), datetime!(2026-12-01 09:00 UTC)), PortalStatus::Invited { expired: true, .. }));
        let accepted = datetime!(2026-11-20 08:00 UTC);
        let login = datetime!(2026-11-20 08:30 UTC);
        assert_eq!(PortalStatus::derive(Some(accepted), Some(login), Some(inv), Some(exp), now), PortalStatus::Active { last_login_at: login });
        assert_eq!(PortalStatus::derive(Some(accepted), None, None, None, now), PortalStatus::Active { last_login_at: accepted });
        // a login recorded for another client before this one was accepted is not this one's
        let earlier = datetime!(2026-11-10 08:30 UTC);
        assert_eq!(PortalStatus::derive(Some(accepted), Some(earlier), None, None, now), PortalStatus::Active { last_login_at: accepted });
        let json = serde_json::to_value(PortalStatus::Active { last_login_at: login }).unwrap();
        assert_eq!(json, serde_json::json!({"status": "active", "last_login_at": "2026-11-20T08:30:00Z"}));
    }

    #[test]
    fn ids() {
        assert!(is_plausible_id(&new_id()));
        assert!(!is_plausible_id("../etc"));
    }
}
