//! The sending rate of the invite worker, and the backoff of a throttled send.
//!
//! SES refuses what goes over the account's maximum sending rate (`TooManyRequestsException`).
//! The worker therefore paces itself below it instead of discovering it:
//!
//! - the rate is the account's (`GetAccount` → `SendQuota.MaxSendRate`, read once per cold
//!   start; an account still in the sandbox sends 1 a second), capped by a configured
//!   ceiling (`INVITE_SEND_RATE_CEILING`, the template's `InviteSendRateCeiling`: the rest
//!   of the account's rate is left to the portal's other emails);
//! - it is split evenly between the worker instances that may run at once
//!   (`INVITE_WORKER_INSTANCES`, equal to the event source mapping's `MaximumConcurrency`),
//!   so that together they stay under it without talking to each other;
//! - each instance spaces its sends at least `1/rate` apart ([`Pacer`]), never bursting;
//! - a send that is throttled all the same (other functions send too) waits
//!   [`backoff`] and is tried again, a few times; then the contact goes back to the queue.

use std::time::Duration;

use tokio::time::Instant;

/// SES's rate for an account in the sandbox, when `GetAccount` says nothing.
pub const SANDBOX_RATE: f64 = 1.0;
/// Tries of one throttled email before it is left to a later delivery of its message.
pub const THROTTLE_TRIES: u32 = 6;
const BACKOFF_BASE: Duration = Duration::from_millis(200);
const BACKOFF_CAP: Duration = Duration::from_secs(5);

/// Emails per second one worker instance may send: the account's rate capped by the
/// ceiling, divided between the instances. Never zero (a broken setting still sends, slowly).
pub fn instance_rate(account: Option<f64>, ceiling: Option<f64>, instances: u32) -> f64 {
    let account = account.filter(|r| r.is_finite() && *r > 0.0).unwrap_or(SANDBOX_RATE);
    let capped = match ceiling.filter(|c| c.is_finite() && *c > 0.0) {
        Some(c) => account.min(c),
        None => account,
    };
    (capped / f64::from(instances.max(1))).max(0.1)
}

/// The wait before try `attempt` (1 = the first retry) of a throttled send: exponential
/// from 200 ms, capped at 5 s, with "equal jitter" (`jitter` in 0..1 picks a point in the
/// upper half) so that instances throttled together do not retry together.
pub fn backoff(attempt: u32, jitter: f64) -> Duration {
    let exp = BACKOFF_BASE.saturating_mul(1u32 << attempt.saturating_sub(1).min(10));
    let full = exp.min(BACKOFF_CAP);
    full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

/// Spaces sends at least `interval` apart, across every task of the instance.
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    next: std::sync::Mutex<Option<Instant>>,
}

/// The slot a send reserved at `now`, and the next free slot after it.
pub fn reserve(next: Option<Instant>, now: Instant, interval: Duration) -> (Instant, Instant) {
    let slot = match next {
        Some(n) if n > now => n,
        _ => now,
    };
    (slot, slot + interval)
}

impl Pacer {
    pub fn per_second(rate: f64) -> Self {
        Self { interval: Duration::from_secs_f64(1.0 / rate.max(0.1)), next: std::sync::Mutex::new(None) }
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Wait for this send's slot.
    pub async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let (slot, after) = reserve(*next, Instant::now(), self.interval);
            *next = Some(after);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }

    /// Push every later slot back by `pause` (SES said we were too fast).
    pub fn hold(&self, pause: Duration) {
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        *next = Some(next.unwrap_or(now).max(now) + pause);
    }

    /// Would `n` more sends fit before `deadline`?
    pub fn fits(&self, n: usize, deadline: Instant) -> bool {
        let next = self.next.lock().unwrap_or_else(|p| p.into_inner()).unwrap_or_else(Instant::now).max(Instant::now());
        next + self.interval * n as u32 <= deadline
    }
}

/// A number in 0..1 for jitter, from the clock (good enough to spread retries).
pub fn jitter() -> f64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    f64::from(nanos % 1000) / 1000.0
}
