//! The throttling items: per-source counters and per-account sign-in attempts. The rules
//! (which limit, which window, how long a lock) are `domain::throttle`'s; their use is
//! `ops::throttle`'s. Keys are hashes of what is counted ([`keys::limit`]).
//!
//! | item | PK | SK | attributes |
//! |---|---|---|---|
//! | requests of one source in one window | `LIMIT#<sha256 of scope, source>` | `W#<window start>` | `count`, `expires_at` |
//! | one account's attempts at one sign-in step | `LIMIT#<sha256 of "attempts", step, pool, email>` | `ATTEMPTS` | `failures`, `last_at`, `locked_until`, `version`, `expires_at` |

use serde::{Deserialize, Serialize};

use super::*;
use crate::store::tx::Change;

/// One account's attempts at one sign-in step (see `domain::throttle::Attempts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptsRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub failures: u32,
    /// Epoch seconds.
    pub last_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<i64>,
    /// Raised by every write: each write is conditional on the version it read.
    pub version: u64,
    /// Epoch seconds; the table's TTL attribute.
    pub expires_at: i64,
}

impl AttemptsRecord {
    /// What the lockout rules decide on.
    pub fn attempts(&self) -> crate::domain::throttle::Attempts {
        crate::domain::throttle::Attempts { failures: self.failures, last_at: self.last_at, locked_until: self.locked_until }
    }
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

impl Store {
    /// One `UpdateItem` of `change` on `pk`/`sk`, applied only if its condition holds
    /// (DynamoDB checks and writes atomically). `Ok(false)`: the condition failed, nothing
    /// was written.
    pub async fn update_if(&self, pk: &str, sk: &str, change: Change) -> Result<bool> {
        let (expression, names, values) = change.expression();
        let res = self
            .db()
            .await
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .update_expression(expression)
            .set_condition_expression(change.condition().map(str::to_string))
            .set_expression_attribute_names((!names.is_empty()).then_some(names))
            .set_expression_attribute_values((!values.is_empty()).then_some(values))
            .send()
            .await;
        written(res)
    }

    /// Count one request in a window: `ADD count 1`, only while `count < limit`. The
    /// condition and the addition are one atomic write, so concurrent requests never count
    /// past the limit. `Ok(false)`: the window is full (nothing written).
    pub async fn count_within(&self, pk: &str, sk: &str, limit: u32, expires_at: i64) -> Result<bool> {
        let change = Change::new()
            .add("count", n(1))
            .set("expires_at", n(expires_at))
            .when("attribute_not_exists(#count) OR #count < :limit", vec![(":limit", n(limit))]);
        self.update_if(pk, sk, change).await
    }

    /// An account's attempts at a sign-in step (strongly consistent), if any are stored.
    pub async fn attempts(&self, pk: &str) -> Result<Option<AttemptsRecord>> {
        self.get(pk, keys::ATTEMPTS_SK).await
    }

    /// Write `record` if the stored attempts are still at version `read` (`None`: there
    /// were none). `Ok(false)`: another attempt wrote in between (read again).
    pub async fn save_attempts(&self, record: &AttemptsRecord, read: Option<u64>) -> Result<bool> {
        let put = self.db().await.put_item().table_name(&self.table).set_item(Some(to_item(record)?));
        let put = match read {
            None => put.condition_expression("attribute_not_exists(PK)"),
            Some(v) => put.condition_expression("version = :v").expression_attribute_values(":v", n(v)),
        };
        written(put.send().await)
    }

    /// Forget an account's attempts at a step (after a success).
    pub async fn clear_attempts(&self, pk: &str) -> Result<()> {
        self.delete(pk, keys::ATTEMPTS_SK).await
    }
}
