//! Client requests and tasks (their rules: `ops::requests`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::ActorRef;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Request,
    Task,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Open,
    Submitted,
    Completed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseEntry {
    pub by: ActorRef,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    #[serde(default)]
    pub file_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusChange {
    pub status: RequestStatus,
    pub by: ActorRef,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub firm_id: String,
    pub client_id: String,
    pub request_id: String,
    pub kind: RequestKind,
    pub title: String,
    #[serde(default)]
    pub instructions: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    pub assignees: Vec<String>,
    #[serde(default)]
    pub upload_required: bool,
    pub status: RequestStatus,
    #[serde(default)]
    pub responses: Vec<ResponseEntry>,
    #[serde(default)]
    pub history: Vec<StatusChange>,
    pub created_by: ActorRef,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub version: u64,
    /// GSI3 while open (`keys::open_work`): see [`super::open_keys`].
    #[serde(rename = "GSI3PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi3pk: Option<String>,
    #[serde(rename = "GSI3SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi3sk: Option<String>,
}

impl RequestRecord {
    /// Set or clear its place in the client's open work: open until completed.
    pub fn with_open_keys(mut self) -> Self {
        (self.gsi3pk, self.gsi3sk) = super::open_keys(&self.client_id, &self.sk, self.status != RequestStatus::Completed);
        self
    }
}
