//! `invite-worker` — sends the invites of bulk invite jobs, fed by the invite-jobs SQS queue
//! (event source mapping, `ReportBatchItemFailures`).
//!
//! Each message is one client of one job (`shared::ops::invites::jobs`, where the rules
//! live); the messages of a batch are worked on together, every email at the instance's
//! pace (the account's SES rate from `GetAccount`, read once per cold start, capped by
//! `INVITE_SEND_RATE_CEILING` and split between the `INVITE_WORKER_INSTANCES` that may run
//! at once). A message that is not finished — out of time, still throttled, a link that
//! changed meanwhile, an AWS error — is reported as a batch item failure and comes back
//! after the queue's visibility timeout; after `maxReceiveCount` receives it goes to the
//! dead-letter queue, which alarms.

use std::collections::HashMap;
use std::time::Duration;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use futures_util::stream::{self, StreamExt};
use lambda_runtime::LambdaEvent;
use shared::ops::invites::jobs::pace::{instance_rate, Pacer};
use shared::ops::invites::jobs::worker::{Finished, Worker};
use shared::ops::invites::jobs::JobMessage;
use shared::store::InviteJobRecord;
use shared::AppState;

/// Messages of one batch worked on at once (the ESM's batch size is at most this).
pub const PARALLEL: usize = 10;

/// What the worker keeps between invocations.
pub struct WorkerState {
    pub app: AppState,
    pub pacer: Pacer,
    pub jobs: std::sync::Mutex<HashMap<String, InviteJobRecord>>,
    /// The function's own timeout (Lambda does not tell it; the deadline of each event does).
    pub timeout: Duration,
}

/// A positive number from the environment, if set.
fn env_number(name: &str) -> Option<f64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse::<f64>().ok()).filter(|v| v.is_finite() && *v > 0.0)
}

impl WorkerState {
    /// Read the account's sending rate once, and make the pacer.
    pub async fn start(app: AppState) -> Self {
        let account = match app.mailer.max_send_rate().await {
            Ok(rate) => rate,
            Err(e) => {
                // Sending still works at the sandbox's rate; the next cold start asks again.
                tracing::error!(error = %e, "SES GetAccount failed; pacing at the sandbox rate");
                None
            }
        };
        let ceiling = env_number("INVITE_SEND_RATE_CEILING");
        let instances = env_number("INVITE_WORKER_INSTANCES").map_or(1, |n| n as u32);
        let rate = instance_rate(account, ceiling, instances);
        tracing::info!(account_rate = ?account, ?ceiling, instances, rate, "invite worker pacing");
        let timeout = shared::sdk::function_timeout(std::env::var("FUNCTION_TIMEOUT_SECONDS").ok().as_deref());
        Self { app, pacer: Pacer::per_second(rate), jobs: Default::default(), timeout }
    }
}

/// The batch item failures: every message not finished.
pub async fn handle(state: &'static WorkerState, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
    let left = if event.context.deadline > now_ms { Duration::from_millis(event.context.deadline - now_ms) } else { state.timeout };
    let deadline = tokio::time::Instant::now() + left.min(state.timeout);
    let worker = Worker { store: &state.app.store, mailer: &state.app.mailer, config: &state.app.config, pacer: &state.pacer, jobs: &state.jobs };
    let work = event.payload.records.into_iter().map(|record| {
        let worker = &worker;
        async move {
            let id = record.message_id.clone().unwrap_or_default();
            let msg: JobMessage = match record.body.as_deref().map(serde_json::from_str) {
                Some(Ok(m)) => m,
                _ => {
                    // Never right on a later try: left to the dead-letter queue to be read.
                    tracing::error!(message_id = %id, "an invite-jobs message is not a job message");
                    return Some(id);
                }
            };
            match worker.process(&msg, deadline).await {
                Ok(Finished::Done) => None,
                Ok(Finished::Again(why)) => {
                    tracing::info!(job_id = %msg.job_id, client_id = %msg.selection.client_id, %why, "invite-jobs message returned to the queue");
                    Some(id)
                }
                Err(e) => {
                    tracing::error!(job_id = %msg.job_id, client_id = %msg.selection.client_id, error = %e, "invite-jobs message failed; it will be retried");
                    Some(id)
                }
            }
        }
    });
    let failed: Vec<Option<String>> = stream::iter(work).buffer_unordered(PARALLEL).collect().await;
    let mut response = SqsBatchResponse::default();
    for id in failed.into_iter().flatten() {
        let mut f = BatchItemFailure::default();
        f.item_identifier = id;
        response.batch_item_failures.push(f);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SqsEvent {
        let text = std::fs::read_to_string(shared::testing::repo_root().join("events/invite-worker/job-message.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn the_sample_event_carries_a_job_message() {
        let ev = sample();
        let msg: JobMessage = serde_json::from_str(ev.records[0].body.as_deref().unwrap()).unwrap();
        assert_eq!(msg.selection.contact_ids, None, "a whole client");
        assert!(shared::domain::is_plausible_id(&msg.job_id));
    }

    #[tokio::test]
    async fn a_message_that_is_not_a_job_is_reported_as_failed_without_aws() {
        let mut ev = sample();
        ev.records[0].body = Some("{\"not\":\"a job\"}".into());
        let state: &'static WorkerState = Box::leak(Box::new(WorkerState {
            app: shared::testing::offline_app(),
            pacer: Pacer::per_second(10.0),
            jobs: Default::default(),
            timeout: Duration::from_secs(10),
        }));
        let out = handle(state, LambdaEvent::new(ev, Default::default())).await.unwrap();
        assert_eq!(out.batch_item_failures.len(), 1);
        assert_eq!(out.batch_item_failures[0].item_identifier, "059f36b4-87a3-44ab-83d2-661975830a7d");
    }
}
