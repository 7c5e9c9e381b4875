//! `file-events` — S3 `ObjectCreated` under `uploads/` → check the version the event names
//! (size, declared type, first bytes), copy exactly that version to the file's stored key
//! and mark the file available, or mark it rejected; the upload object is deleted either
//! way, and so is any later version of it (a replayed upload URL).
//!
//! This is the real wall behind presigned uploads: whatever a browser manages to PUT, a
//! file only becomes visible once this check passed, and only the checked bytes are ever
//! served. Records are independent: one bad record never stops the others. A failure to
//! reach AWS is returned as an error so that Lambda retries the event (confirmation is
//! idempotent: only `pending` files change; see `shared::ops::files::confirm`).

use aws_lambda_events::event::s3::S3Event;
use lambda_runtime::LambdaEvent;
use shared::domain::upload::parse_logo_upload_key;
use shared::ops::files::{confirm_upload, Confirmation};
use shared::ops::logo;
use shared::telemetry::metrics::{self, Metric};
use shared::AppState;

/// Percent-decoding of S3 event keys (`+` is a space there).
pub fn decode_key(raw: &str) -> String {
    let b = raw.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'+' {
            out.push(b' ');
            i += 1;
            continue;
        }
        if b[i] == b'%' && i + 3 <= b.len() {
            if let Some(v) = std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What happened to each record, in order.
pub async fn handle(state: &'static AppState, event: LambdaEvent<S3Event>) -> Result<Vec<String>, lambda_runtime::Error> {
    let mut outcomes = Vec::new();
    for record in event.payload.records {
        let Some(raw) = record.s3.object.key.as_deref() else { continue };
        let key = decode_key(raw);
        if record.s3.bucket.name.as_deref() != Some(state.config.bucket_name.as_str()) {
            tracing::warn!("event for another bucket ignored");
            outcomes.push("ignored".into());
            continue;
        }
        let version = record.s3.object.version_id.as_deref().filter(|v| !v.is_empty());
        // A firm's logo takes the same road as a client's file; its key says which it is.
        let is_logo = parse_logo_upload_key(&key).is_some();
        let checked = if is_logo {
            logo::confirm(&state.store, &state.blobs, &key, version).await
        } else {
            confirm_upload(&state.store, &state.blobs, &key, version).await
        };
        let verdict = checked.map_err(|e| {
            tracing::error!(error = %e, "confirming an upload failed; the event will be retried");
            lambda_runtime::Error::from(e.to_string())
        })?;
        outcomes.push(match verdict {
            Confirmation::Available => "available".into(),
            Confirmation::Rejected(reason) => {
                // Decided and recorded: the file (or logo) is now `rejected`.
                metrics::count(Metric::UploadsRejected, 1, &[("upload", if is_logo { "logo" } else { "file" })]);
                format!("rejected: {reason}")
            }
            Confirmation::Ignored => "ignored".into(),
        });
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_decoded_as_s3_encodes_them() {
        assert_eq!(decode_key("uploads/firms/f/clients/c/files/a%2Bb+c"), "uploads/firms/f/clients/c/files/a+b c");
        assert_eq!(decode_key("plain"), "plain");
        assert_eq!(decode_key("bad%zz"), "bad%zz");
        assert_eq!(decode_key("trail%4"), "trail%4");
    }

    #[test]
    fn the_sample_event_parses() {
        let text = std::fs::read_to_string(shared::testing::repo_root().join("events/file-events/object-created.json")).unwrap();
        let ev: S3Event = serde_json::from_str(&text).unwrap();
        assert_eq!(ev.records.len(), 1);
        assert!(ev.records[0].s3.object.key.as_deref().unwrap().starts_with("uploads/firms/"));
        assert!(ev.records[0].s3.object.version_id.is_some(), "a versioned bucket's events name the version");
    }

    #[tokio::test]
    async fn events_for_other_buckets_are_ignored_without_aws() {
        let text = std::fs::read_to_string(shared::testing::repo_root().join("events/file-events/object-created.json")).unwrap();
        let mut ev: S3Event = serde_json::from_str(&text).unwrap();
        ev.records[0].s3.bucket.name = Some("someone-elses-bucket".into());
        let out = handle(shared::testing::offline_state(), LambdaEvent::new(ev, Default::default())).await.unwrap();
        assert_eq!(out, ["ignored"]);
    }
}
