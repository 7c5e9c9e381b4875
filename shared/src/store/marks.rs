//! Marks that hold for a while: "someone was emailed about this recently".
//!
//! A mark is one item `(pk, sk)` with an `until` time (epoch seconds, also its TTL, so
//! DynamoDB removes old marks by itself). Taking a mark is one conditional `PutItem` that
//! succeeds only when there is no mark or it has run out, so concurrent callers agree on
//! exactly one winner per window without reading first.

use super::Store;
use crate::error::Result;

impl Store {
    /// Take the mark `(pk, sk)` until `until` (epoch seconds) if nobody holds it at `now`.
    /// `Ok(false)`: someone took it earlier and it still holds.
    pub async fn take_mark(&self, pk: &str, sk: &str, now: i64, until: i64) -> Result<bool> {
        use aws_sdk_dynamodb::types::AttributeValue::N;
        let res = self
            .db()
            .await
            .put_item()
            .table_name(self.table())
            .item("PK", super::s(pk))
            .item("SK", super::s(sk))
            .item("until", N(until.to_string()))
            .item("expires_at", N(until.to_string()))
            .condition_expression("attribute_not_exists(PK) OR #until <= :now")
            .expression_attribute_names("#until", "until")
            .expression_attribute_values(":now", N(now.to_string()))
            .send()
            .await;
        super::written(res)
    }
}
