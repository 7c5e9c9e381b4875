//! The `JobQueue` port: background work handed to a worker through SQS.
//!
//! A bulk invite is accepted by the API and sent by the `invite-worker` function, fed by an
//! SQS queue (the event source mapping invokes it with batches; a message it cannot finish
//! is returned to the queue, and one that keeps failing goes to the dead-letter queue).
//! Messages are small JSON documents naming the work (a job and one client); everything
//! else is read from the table, so a message never carries a link or a token.

use std::future::Future;

use aws_sdk_sqs::types::SendMessageBatchRequestEntry;

use crate::error::{Error, Result};
use crate::sdk::{LazyClient, LazySdk};

/// SQS takes at most ten messages per `SendMessageBatch`.
pub const BATCH: usize = 10;

pub trait JobQueue: Send + Sync {
    /// Enqueue every body (in batches of [`BATCH`]); an error once any of them could not
    /// be enqueued.
    fn send_all(&self, bodies: Vec<String>) -> impl Future<Output = Result<()>> + Send;
}

/// [`JobQueue`] on the stage's invite-jobs queue (`INVITE_JOBS_QUEUE_URL`).
#[derive(Debug)]
pub struct SqsQueue {
    sqs: LazyClient<aws_sdk_sqs::Client>,
    url: Option<String>,
}

impl SqsQueue {
    pub fn new(sdk: LazySdk, url: Option<String>) -> Self {
        Self { sqs: LazyClient::new(sdk, aws_sdk_sqs::Client::new), url }
    }
}

impl JobQueue for SqsQueue {
    async fn send_all(&self, bodies: Vec<String>) -> Result<()> {
        let url = self.url.as_deref().ok_or_else(|| Error::internal("INVITE_JOBS_QUEUE_URL is not set for this function"))?;
        let sqs = self.sqs.get().await;
        for chunk in bodies.chunks(BATCH) {
            let mut entries: Vec<SendMessageBatchRequestEntry> = chunk
                .iter()
                .enumerate()
                .map(|(i, body)| SendMessageBatchRequestEntry::builder().id(i.to_string()).message_body(body).build().map_err(Error::internal))
                .collect::<Result<_>>()?;
            // Entries SQS did not take (a transient failure per entry) are sent again a few times.
            for attempt in 0..4 {
                if entries.is_empty() {
                    break;
                }
                if attempt > 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
                }
                let out = sqs.send_message_batch().queue_url(url).set_entries(Some(entries.clone())).send().await.map_err(crate::error::aws)?;
                let failed: Vec<&str> = out.failed().iter().map(|f| f.id()).collect();
                entries.retain(|e| failed.contains(&e.id()));
            }
            if !entries.is_empty() {
                return Err(Error::internal("the queue did not take every message"));
            }
        }
        Ok(())
    }
}
