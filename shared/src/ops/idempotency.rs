//! Idempotency keys for requests whose retry must not act twice (bulk invites send email).
//!
//! In the style of AWS Powertools' idempotency utility: the first request with a key
//! claims a record (conditional put, `in_progress`, locked until the invocation's deadline);
//! when it finishes, the record holds its response for a day (TTL). A retry with the same
//! key and the same body gets that response again and does nothing; the same key with a
//! different body is refused; a retry while the first is still running is told to wait. If
//! the first attempt fails with an error, its record is removed so a retry can proceed.
//! If the process died while holding the lock, the lock expires and a retry takes over.
//!
//! The lock lasts exactly as long as the claiming invocation can still run: Lambda stops it
//! at its deadline (the runtime's `Context.deadline`, [`crate::http::invocation_deadline_ms`]),
//! so a retry after that cannot run beside it, and a retry sooner is told to wait. A copied
//! constant would drift from the function's `Timeout` (too short: two sends; too long: a
//! crashed request blocks its retry for nothing).

use lambda_http::http::HeaderMap;

use crate::domain;
use crate::error::{aws, Error, Result};
use crate::store::{keys, s, IdempotencyRecord, Item, Store};

/// Records live this long (a retry a day later is a new request).
pub const KEEP_SECONDS: i64 = 24 * 3600;
/// The longest a Lambda invocation runs (15 minutes): how long a claim holds when the
/// invocation's deadline is unknown (not run by the Lambda runtime).
pub const MAX_INVOCATION_SECONDS: i64 = 900;
/// Past the deadline, for the difference between Lambda's clock and this one.
pub const CLOCK_MARGIN_SECONDS: i64 = 1;

/// Until when (epoch seconds) a claim made at `now` holds, for an invocation that Lambda
/// stops at `deadline_ms` (epoch milliseconds): the deadline rounded up plus
/// [`CLOCK_MARGIN_SECONDS`], never in the past and never past the longest invocation.
pub fn lock_until(now: i64, deadline_ms: Option<u64>) -> i64 {
    let longest = now + MAX_INVOCATION_SECONDS + CLOCK_MARGIN_SECONDS;
    match deadline_ms {
        Some(ms) => (i64::try_from(ms.div_ceil(1000)).unwrap_or(i64::MAX).saturating_add(CLOCK_MARGIN_SECONDS)).clamp(now + 1, longest),
        None => longest,
    }
}

/// A validated `Idempotency-Key` header, if the request has one.
pub fn key_from(headers: &HeaderMap) -> Result<Option<String>> {
    let Some(v) = headers.get("idempotency-key") else { return Ok(None) };
    let v = v.to_str().map_err(|_| Error::BadRequest("Idempotency-Key must be printable ASCII".into()))?.trim();
    if v.is_empty() || v.len() > 200 || !v.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Error::BadRequest("Idempotency-Key must be 1 to 200 printable characters (a UUID is a good choice)".into()));
    }
    Ok(Some(v.to_string()))
}

fn sha256_hex(parts: &[&str]) -> String {
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    for p in parts {
        ctx.update(p.as_bytes());
        ctx.update(&[0]);
    }
    ctx.finish().as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// What to do with a request.
#[derive(Debug, PartialEq)]
pub enum Claim {
    /// Process it, then call [`complete`] (or [`release`] on error).
    Proceed(String),
    /// Answer with what the first request answered.
    Replay(u16, String),
}

/// Claim `key` for this caller, route and body, for an invocation that ends at
/// `deadline_ms` ([`crate::http::invocation_deadline_ms`]).
pub async fn claim(store: &Store, scope: &str, route: &str, key: &str, body: &str, deadline_ms: Option<u64>) -> Result<Claim> {
    let pk = keys::idempotency(&sha256_hex(&[scope, route, key]));
    let request_hash = sha256_hex(&[body]);
    let now = domain::now().unix_timestamp();
    let rec = IdempotencyRecord {
        pk: pk.clone(),
        sk: keys::IDEMPOTENCY_SK.into(),
        status: "in_progress".into(),
        request_hash: request_hash.clone(),
        locked_until: lock_until(now, deadline_ms),
        response_status: None,
        response_body: None,
        expires_at: now + KEEP_SECONDS,
    };
    // New key, or an abandoned claim (lock expired, never completed): take it.
    let put = store
        .db()
        .await
        .put_item()
        .table_name(store.table())
        .set_item(Some(crate::store::to_item(&rec)?))
        .condition_expression("attribute_not_exists(PK) OR (#st = :prog AND locked_until < :now)")
        .expression_attribute_names("#st", "status")
        .expression_attribute_values(":prog", s("in_progress"))
        .expression_attribute_values(":now", aws_sdk_dynamodb::types::AttributeValue::N(now.to_string()))
        .send()
        .await;
    match put {
        Ok(_) => return Ok(Claim::Proceed(pk)),
        Err(e) if e.as_service_error().is_some_and(|se| se.is_conditional_check_failed_exception()) => {}
        Err(e) => return Err(aws(e)),
    }
    let existing = store.get::<IdempotencyRecord>(&pk, keys::IDEMPOTENCY_SK).await?.ok_or_else(|| Error::Conflict("please retry".into()))?;
    if existing.request_hash != request_hash {
        return Err(Error::Conflict("this Idempotency-Key was used for a different request; use a new key".into()));
    }
    match (existing.status.as_str(), existing.response_status, existing.response_body) {
        ("completed", Some(status), Some(body)) => Ok(Claim::Replay(status, body)),
        _ => Err(Error::Conflict("a request with this Idempotency-Key is still being processed; retry in a few seconds".into())),
    }
}

/// Store the response of a claimed request.
pub async fn complete(store: &Store, pk: &str, status: u16, body: &str) -> Result<()> {
    let values = Item::from([
        (":done".to_string(), s("completed")),
        (":code".to_string(), aws_sdk_dynamodb::types::AttributeValue::N(status.to_string())),
        (":body".to_string(), s(body)),
    ]);
    store
        .db()
        .await
        .update_item()
        .table_name(store.table())
        .set_key(Some(crate::store::key(pk, keys::IDEMPOTENCY_SK)))
        .update_expression("SET #st = :done, response_status = :code, response_body = :body")
        .expression_attribute_names("#st", "status")
        .set_expression_attribute_values(Some(values))
        .send()
        .await
        .map_err(aws)?;
    Ok(())
}

/// Give a claim back after an error, so a retry can proceed.
pub async fn release(store: &Store, pk: &str) -> Result<()> {
    store.delete(pk, keys::IDEMPOTENCY_SK).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked() {
        let mut h = HeaderMap::new();
        assert_eq!(key_from(&h).unwrap(), None);
        h.insert("idempotency-key", "0193a0b0-0000-7000-8000-000000000001".parse().unwrap());
        assert_eq!(key_from(&h).unwrap().as_deref(), Some("0193a0b0-0000-7000-8000-000000000001"));
        h.insert("idempotency-key", "has space".parse().unwrap());
        assert!(key_from(&h).is_err());
        h.insert("idempotency-key", "x".repeat(201).parse().unwrap());
        assert!(key_from(&h).is_err());
    }

    #[test]
    fn the_lock_ends_at_the_invocations_deadline() {
        let now = 1_700_000_000;
        // A 30 s invocation that started now: Lambda stops it at now + 30 s.
        assert_eq!(lock_until(now, Some(1_700_000_030_000)), now + 30 + CLOCK_MARGIN_SECONDS);
        // A part second rounds up: the lock never ends before the invocation.
        assert_eq!(lock_until(now, Some(1_700_000_004_001)), now + 5 + CLOCK_MARGIN_SECONDS);
        // A function with 300 s left gets 300 s; nothing here is a copied timeout.
        assert_eq!(lock_until(now, Some(1_700_000_300_000)), now + 300 + CLOCK_MARGIN_SECONDS);
    }

    #[test]
    fn the_lock_is_bounded_either_way() {
        let now = 1_700_000_000;
        // A deadline already past (clock skew) still holds the claim for a moment.
        assert_eq!(lock_until(now, Some(1_600_000_000_000)), now + 1);
        // An absurd deadline is cut to the longest invocation; so is an unknown one.
        assert_eq!(lock_until(now, Some(u64::MAX)), now + MAX_INVOCATION_SECONDS + CLOCK_MARGIN_SECONDS);
        assert_eq!(lock_until(now, None), now + MAX_INVOCATION_SECONDS + CLOCK_MARGIN_SECONDS);
    }

    #[test]
    fn hashes_separate_their_parts() {
        assert_ne!(sha256_hex(&["ab", "c"]), sha256_hex(&["a", "bc"]));
    }
}
