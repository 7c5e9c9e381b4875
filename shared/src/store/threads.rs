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
    /// GSI3 by last activity (`keys::thread_activity`, `keys::activity_sort`), so Home
    /// counts unread messages in the most recently active threads without reading them all.
    #[serde(rename = "GSI3PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi3pk: Option<String>,
    #[serde(rename = "GSI3SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi3sk: Option<String>,
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

impl ThreadRecord {
    /// Set its place in the client's threads by last activity.
    pub fn with_activity_keys(mut self) -> Self {
        self.gsi3pk = Some(super::keys::thread_activity(&self.client_id));
        self.gsi3sk = Some(super::keys::activity_sort(self.last_message_at, &self.thread_id));
        self
    }
}
