//! Bulk invite jobs (`ops::invites::jobs`): the job with its counters, and one tally per
//! client of the job.
//!
//! | item | PK | SK |
//! |---|---|---|
//! | invite job (counters) | `FIRM#<firm>` | `INVITEJOB#<job, UUIDv7: sorts by creation>` |
//! | a job's tally of one client | `INVITEJOB#<job>` | `CLIENT#<client>` |
//!
//! The job lives in its firm's partition, so reading it by id is one `GetItem` that only the
//! firm's own key can reach (firm isolation without a check of its own), and the firm's
//! recent jobs are one bounded, newest-first `Query`. Its counters only ever grow, through
//! `ADD` in the same transaction as the tally change that justifies them: a counter is
//! incremented exactly once per contact, however often a message is delivered.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{keys, ActorRef};

pub const JOB_PREFIX: &str = "INVITEJOB#";

pub fn job_sort(job_id: &str) -> String {
    format!("{JOB_PREFIX}{job_id}")
}

pub fn job_partition(job_id: &str) -> String {
    format!("{JOB_PREFIX}{job_id}")
}

/// The counters of a job, named as the API shows them.
pub mod counter {
    pub const TOTAL: &str = "total";
    pub const SENT: &str = "sent";
    pub const FAILED: &str = "failed";
    pub const MISSING_EMAIL: &str = "missing_email";
    pub const ALREADY_ACTIVE: &str = "already_active";
    pub const NOT_FOUND: &str = "not_found";
    pub const CLIENTS_DONE: &str = "clients_done";
    pub const CLIENTS_SKIPPED: &str = "clients_skipped";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InviteJobRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub job_id: String,
    pub firm_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub created_by: ActorRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The invite window's message and template, the same for every email of the job.
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    pub clients_total: u64,
    /// Set when the work could not be handed to the queue: the job will not progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enqueue_failed: Option<String>,
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub sent: u64,
    #[serde(default)]
    pub failed: u64,
    #[serde(default)]
    pub missing_email: u64,
    #[serde(default)]
    pub already_active: u64,
    #[serde(default)]
    pub not_found: u64,
    #[serde(default)]
    pub clients_done: u64,
    #[serde(default)]
    pub clients_skipped: u64,
}

impl InviteJobRecord {
    pub fn keys(firm_id: &str, job_id: &str) -> (String, String) {
        (keys::firm(firm_id), job_sort(job_id))
    }
}

/// What a job still has to do for one client: the contacts whose invite is not accounted
/// for yet. Written once when the worker first takes the client (with the counts of what
/// it found), then replaced at each `version` as emails go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobClientRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub job_id: String,
    pub client_id: String,
    pub version: u64,
    /// Contacts whose email is still to be sent (or its outcome recorded), in order.
    #[serde(default)]
    pub open: Vec<String>,
    /// Seconds since the epoch: the tally is only useful while its job runs.
    pub expires_at: i64,
}

impl JobClientRecord {
    pub fn new(job_id: &str, client_id: &str, open: Vec<String>, expires_at: i64) -> Self {
        Self { pk: job_partition(job_id), sk: keys::client(client_id), job_id: job_id.into(), client_id: client_id.into(), version: 0, open, expires_at }
    }
}
