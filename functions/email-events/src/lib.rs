//! `email-events` — SES delivery, bounce and complaint events (configuration set → SNS)
//! recorded on the invite's link, so the portal status shows them. The rules are in
//! `shared::ops::delivery`. A failure to reach DynamoDB is returned as an error so that SNS
//! retries; events that change nothing are acknowledged.

use aws_lambda_events::event::sns::SnsEvent;
use lambda_runtime::LambdaEvent;
use shared::AppState;

/// What happened to each record: the state recorded, or `ignored`.
pub async fn handle(state: &'static AppState, event: LambdaEvent<SnsEvent>) -> Result<Vec<String>, lambda_runtime::Error> {
    let mut out = Vec::new();
    for record in event.payload.records {
        let Some((invite, delivery)) = shared::ops::delivery::parse(&record.sns.message) else {
            out.push("ignored".into());
            continue;
        };
        let changed = shared::ops::delivery::record(&state.store, &invite, delivery).await.map_err(|e| {
            tracing::error!(error = %e, "recording a delivery event failed; SNS will retry");
            lambda_runtime::Error::from(e.to_string())
        })?;
        tracing::info!(delivery, changed, "delivery event");
        out.push(if changed { delivery.to_string() } else { "ignored".into() });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_events_are_sns_events() {
        for name in ["send", "delivery", "bounce", "complaint"] {
            let text = std::fs::read_to_string(shared::testing::repo_root().join(format!("events/email-events/{name}.json"))).unwrap();
            let ev: SnsEvent = serde_json::from_str(&text).unwrap();
            assert!(shared::ops::delivery::parse(&ev.records[0].sns.message).is_some(), "{name}");
        }
    }

    #[tokio::test]
    async fn events_that_change_nothing_are_acknowledged_without_aws() {
        let text = std::fs::read_to_string(shared::testing::repo_root().join("events/email-events/delivery.json")).unwrap();
        let mut ev: SnsEvent = serde_json::from_str(&text).unwrap();
        ev.records[0].sns.message = r#"{"eventType":"Open","mail":{"messageId":"m"}}"#.into();
        let out = handle(shared::testing::offline_state(), LambdaEvent::new(ev, Default::default())).await.unwrap();
        assert_eq!(out, ["ignored"]);
    }
}
