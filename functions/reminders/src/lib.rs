//! `reminders` — the scheduled job (an EventBridge rule in the SAM template, hourly) that
//! reminds contacts of invites they have not accepted. The rules are in
//! `shared::ops::reminders`; this is the trigger and its answer.
//!
//! "Now" is the schedule's `time` (the event says when the rule fired), so a run is
//! reproducible from its event, and a test runs the job "eight days later" with a sample
//! event instead of waiting. Only EventBridge may invoke the function on AWS.

use lambda_runtime::LambdaEvent;
use serde::Deserialize;
use shared::ops::reminders::Summary;
use shared::AppState;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The part of an EventBridge scheduled event we read.
#[derive(Debug, Deserialize)]
pub struct Scheduled {
    #[serde(default)]
    pub time: Option<String>,
}

/// When the run happens: the event's time, or the clock when the event has none.
pub fn run_time(event: &Scheduled) -> Result<OffsetDateTime, String> {
    match &event.time {
        None => Ok(shared::domain::now()),
        Some(t) => OffsetDateTime::parse(t, &Rfc3339).map_err(|e| format!("the event's time is not an RFC 3339 time ({e})")),
    }
}

pub async fn handle(state: &'static AppState, event: LambdaEvent<Scheduled>) -> Result<Summary, lambda_runtime::Error> {
    let now = run_time(&event.payload).map_err(lambda_runtime::Error::from)?;
    shared::ops::reminders::run(&state.store, &state.mailer, &state.config, now).await.map_err(|e| {
        tracing::error!(error = %e, "reminders run failed; the next run picks the invites up again");
        lambda_runtime::Error::from(e.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_event_is_a_scheduled_event_with_its_time() {
        let text = std::fs::read_to_string(shared::testing::repo_root().join("events/reminders/scheduled.json")).unwrap();
        let ev: Scheduled = serde_json::from_str(&text).unwrap();
        assert_eq!(run_time(&ev).unwrap().year(), 2026);
        assert!(run_time(&Scheduled { time: Some("yesterday".into()) }).is_err());
        assert!(run_time(&Scheduled { time: None }).is_ok());
    }
}
