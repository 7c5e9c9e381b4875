//! The product's own metrics (invites sent, accounts created, uploads rejected) as
//! CloudWatch Embedded Metric Format log lines.
//!
//! Why EMF: a function writes one JSON object to stdout and CloudWatch Logs extracts the
//! metric from the function's log group — no `PutMetricData` call on the request path and
//! no extra permission. Lambda's JSON log format passes a line that is already JSON through
//! as it is, so the line must be written whole and on its own: it goes straight to stdout
//! (under stdout's lock, one write with its newline), never through a tracing event, which
//! would nest it inside the event's `fields`.
//!
//! What a line may carry is closed by the types: the metric is a [`Metric`], and the
//! dimension values besides the function's name are `&'static str` — so no email address,
//! name, id or token can become a dimension (whose values are public to anyone who can read
//! the account's metrics, and each new value is a new billed metric).

use std::io::Write;

/// The CloudWatch namespace of every metric of the portal.
pub const NAMESPACE: &str = "ClientPortal";

/// A product event worth counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// An invite email SES accepted (contact invites, reminders, staff invites).
    InvitesSent,
    /// A login that now exists (a contact created their account, a staff member joined).
    AccountsCreated,
    /// An upload file-events refused (type, size or content check).
    UploadsRejected,
}

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Metric::InvitesSent => "InvitesSent",
            Metric::AccountsCreated => "AccountsCreated",
            Metric::UploadsRejected => "UploadsRejected",
        }
    }
}

/// The function's name as Lambda gives it (the stack's name and the function's; `cargo
/// lambda watch` gives the binary's name); `None` outside a Lambda runtime.
fn function_name() -> Option<String> {
    std::env::var("AWS_LAMBDA_FUNCTION_NAME").ok().filter(|n| !n.is_empty())
}

/// One EMF line (without its newline): `count` of `metric` at `timestamp_ms`, with the
/// dimensions `function` and `dims` (one dimension set).
pub fn emf_line(metric: Metric, count: u64, function: &str, dims: &[(&'static str, &'static str)], timestamp_ms: i64) -> String {
    let mut root = serde_json::Map::new();
    let mut keys = vec![serde_json::Value::from("function")];
    root.insert("function".into(), function.into());
    for (k, v) in dims {
        keys.push((*k).into());
        root.insert((*k).into(), (*v).into());
    }
    root.insert(metric.name().into(), count.into());
    root.insert(
        "_aws".into(),
        serde_json::json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [keys],
                "Metrics": [{ "Name": metric.name(), "Unit": "Count" }],
            }],
        }),
    );
    serde_json::Value::Object(root).to_string()
}

/// The line (with its newline) that counting `n` of `metric` writes in `function`, if any:
/// nothing for zero, and nothing outside a Lambda function — the same operations run in the
/// operator's command (`portal-admin`), whose stdout is its JSON report, not a log.
pub fn line_for(metric: Metric, n: u64, function: Option<&str>, dims: &[(&'static str, &'static str)], timestamp_ms: i64) -> Option<String> {
    let function = function.filter(|_| n > 0)?;
    let mut line = emf_line(metric, n, function, dims, timestamp_ms);
    line.push('\n');
    Some(line)
}

/// Count `n` of `metric` now.
pub fn count(metric: Metric, n: u64, dims: &[(&'static str, &'static str)]) {
    let now_ms = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
    if let Some(line) = line_for(metric, n, function_name().as_deref(), dims, now_ms) {
        // A metric that cannot be written is not worth failing the request for.
        let _ = std::io::stdout().lock().write_all(line.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_one_emf_object() {
        let line = emf_line(Metric::InvitesSent, 3, "portal-prod-invites", &[("kind", "contact")], 1_700_000_000_123);
        assert!(!line.contains('\n'), "one line");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["_aws"]["Timestamp"], 1_700_000_000_123i64);
        let cw = &v["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(cw["Namespace"], "ClientPortal");
        assert_eq!(cw["Dimensions"], serde_json::json!([["function", "kind"]]));
        assert_eq!(cw["Metrics"], serde_json::json!([{ "Name": "InvitesSent", "Unit": "Count" }]));
        // Every dimension and the metric are members of the root, as EMF requires.
        assert_eq!(v["function"], "portal-prod-invites");
        assert_eq!(v["kind"], "contact");
        assert_eq!(v["InvitesSent"], 3);
        assert_eq!(v.as_object().unwrap().len(), 4, "nothing else rides along: {line}");
    }

    #[test]
    fn without_extra_dimensions_the_function_is_the_dimension() {
        let v: serde_json::Value = serde_json::from_str(&emf_line(Metric::UploadsRejected, 1, "local", &[], 0)).unwrap();
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Dimensions"], serde_json::json!([["function"]]));
        assert_eq!(v["UploadsRejected"], 1);
    }

    #[test]
    fn only_a_lambda_function_writes_and_only_something() {
        let line = line_for(Metric::AccountsCreated, 1, Some("invites"), &[], 0).unwrap();
        assert!(line.ends_with("}\n") && line.matches('\n').count() == 1, "one whole line: {line:?}");
        assert_eq!(line_for(Metric::AccountsCreated, 1, None, &[], 0), None, "the admin command's stdout is its report");
        assert_eq!(line_for(Metric::InvitesSent, 0, Some("invites"), &[], 0), None, "nothing counted, nothing written");
    }

    #[test]
    fn names_are_distinct() {
        let names = [Metric::InvitesSent, Metric::AccountsCreated, Metric::UploadsRejected].map(Metric::name);
        assert_eq!(names.iter().collect::<std::collections::BTreeSet<_>>().len(), names.len());
    }
}
