//! Spending a quota (`domain::quotas`): one conditional `UpdateItem` (`ADD count 1` only
//! while under the limit, `store::limits`), so concurrent requests never count past it and
//! every warm instance sees the same count.

use crate::domain;
use crate::domain::quotas::{Quota, DAY};
use crate::error::{Error, Result};
use crate::store::{keys, Store};

/// Count one use of `quota` by `owner` (a contact id or a firm id) today; 429 with
/// `Retry-After` when today's count is spent. Nothing is counted for a refused use.
pub async fn spend(store: &Store, quota: Quota, owner: &str) -> Result<()> {
    let now = domain::now().unix_timestamp();
    let day = quota.window_at(now);
    let pk = keys::limit(&["quota", quota.name(), owner]);
    if store.count_within(&pk, &keys::limit_window(day.start), quota.rate().limit, day.end + DAY).await? {
        return Ok(());
    }
    let wait = (day.end - now).max(1) as u64;
    tracing::info!(quota = quota.name(), wait, "quota spent");
    Err(Error::TooManyRequests { retry_after: wait, detail: quota.refusal(wait) })
}
