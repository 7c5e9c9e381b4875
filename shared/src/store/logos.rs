//! A logo upload of a firm (`FIRM#<firm>` / `LOGO#<logo>`): what staff declared when they
//! asked for the upload URL, who asked and from where (for the history entry written once
//! the image is checked), and what `file-events` decided. Unchecked uploads expire with the
//! TTL; the logo in use is named on the firm item (`FirmRecord::logo_*`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{keys, ActorRef, FileStatus};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogoRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub firm_id: String,
    pub logo_id: String,
    pub size: u64,
    pub content_type: String,
    pub status: FileStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_reason: Option<String>,
    pub uploaded_by: ActorRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_user_agent: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The one version of the upload being checked (claimed by `file-events`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_version: Option<String>,
    /// TTL: the record goes a day after the upload URL was issued, decided or not.
    pub expires_at: i64,
}

impl LogoRecord {
    pub fn key(firm_id: &str, logo_id: &str) -> (String, String) {
        (keys::firm(firm_id), keys::logo(logo_id))
    }
}
