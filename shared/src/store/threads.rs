//! Message threads and their messages (their rules: `ops::messages`).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::ActorRef;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub firm_id: String,
    pub client_id: String,
    pub thread_id: String,
    pub subject: String,
    /// Contacts the thread is shared with.
    pub participants: Vec<String>,
    pub created_by: ActorRef,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_message_at: OffsetDateTime,
    pub last_by: ActorRef,
    /// The last staff member who wrote (the one told when a contact answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_staff: Option<ActorRef>,
    pub message_count: u32,
    /// Reader key → messages read.
    #[serde(default)]
    pub read: HashMap<String, u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub file_id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub client_id: String,
    pub thread_id: String,
    pub seq: u32,
    pub by: ActorRef,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub body: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}
