//! Throttling per caller, as the public routes apply it: the source's limit before an
//! operation acts, and the account's lockout around each sign-in step. The rules, their
//! values and the trade-offs are in [`crate::domain::throttle`]; the items in the store's
//! `limits` module.
//!
//! Both refuse with 429, a `Retry-After` header and a detail that says when to try again.
//! Calls: per source, one `UpdateItem` (none for an exempt source); per sign-in step, one
//! `GetItem` and one conditional `PutItem` before Cognito is asked, and one `DeleteItem`
//! after a success.

use std::future::Future;

use crate::domain::throttle::{source_key, Limits, Lockout, Scope, Step, Verdict};
use crate::domain::{self, EmailAddress};
use crate::error::{Error, Result};
use crate::ops::audit::Origin;
use crate::ports::logins::Pool;
use crate::store::{keys, AttemptsRecord, Store};

/// A source counter outlives its window by this much (TTL), so a late request never
/// finds the item gone and recreates it.
const KEEP_AFTER_WINDOW: i64 = 60;
/// Concurrent attempts on one account each re-read and retry their claim this many times.
const CLAIM_TRIES: usize = 3;

/// Count a request of `origin` against `scope`'s limit; 429 when the source is over it
/// for the current window.
pub async fn source(store: &Store, limits: &Limits, scope: Scope, origin: &Origin) -> Result<()> {
    let ip = origin.ip.as_deref();
    if limits.is_exempt(ip) {
        return Ok(());
    }
    let rate = limits.rate(scope);
    let now = domain::now().unix_timestamp();
    let window = rate.window_at(now);
    let pk = keys::limit(&["source", scope.name(), &source_key(ip)]);
    if store.count_within(&pk, &keys::limit_window(window.start), rate.limit, window.end + KEEP_AFTER_WINDOW).await? {
        return Ok(());
    }
    let wait = (window.end - now).max(1) as u64;
    tracing::info!(scope = scope.name(), wait, "per-source limit reached");
    Err(Error::TooManyRequests { retry_after: wait, detail: scope.refusal(wait) })
}

/// Whose attempts a sign-in step counts: one email address in one pool, at one step.
#[derive(Debug, Clone, Copy)]
pub struct Account<'a> {
    pub pool: Pool,
    pub step: Step,
    pub email: &'a EmailAddress,
}

impl<'a> Account<'a> {
    pub fn password(pool: Pool, email: &'a EmailAddress) -> Self {
        Account { pool, step: Step::Password, email }
    }

    pub fn code(pool: Pool, email: &'a EmailAddress) -> Self {
        Account { pool, step: Step::Code, email }
    }

    fn key(&self) -> String {
        let pool = match self.pool {
            Pool::Staff => "staff",
            Pool::Contacts => "contacts",
        };
        keys::limit(&["attempts", self.step.name(), pool, self.email.as_str()])
    }

    fn scope(&self) -> Scope {
        match self.step {
            Step::Password => Scope::SignIn,
            Step::Code => Scope::MfaCode,
        }
    }
}

/// One sign-in step of `account` from `origin`: the source's limit for the step, then
/// [`attempt`] under the account's lockout.
pub async fn sign_in_step<T>(store: &Store, limits: &Limits, origin: &Origin, account: Account<'_>, step: impl Future<Output = Result<T>>) -> Result<T> {
    source(store, limits, account.scope(), origin).await?;
    attempt(store, &limits.lockout, account, step).await
}

/// Run `step` (not started until then) under `account`'s lockout: the attempt is recorded
/// as failed before the step runs (so parallel guesses are each counted, and refused once
/// the count locks), and cleared when the step succeeds. An attempt while locked is
/// refused without running the step — whether or not any login has this address.
pub async fn attempt<T>(store: &Store, lockout: &Lockout, account: Account<'_>, step: impl Future<Output = Result<T>>) -> Result<T> {
    let pk = account.key();
    claim(store, lockout, &pk, account.step).await?;
    let result = step.await;
    if result.is_ok() {
        // The step succeeded either way; a count left behind only makes a later lock sooner.
        if let Err(e) = store.clear_attempts(&pk).await {
            tracing::warn!(error = %e, "could not clear the sign-in attempts after a success");
        }
    }
    result
}

/// Record one more attempt, or refuse it while the step is locked. Each write is
/// conditional on the version read, so concurrent attempts are counted one by one.
async fn claim(store: &Store, lockout: &Lockout, pk: &str, step: Step) -> Result<()> {
    for _ in 0..CLAIM_TRIES {
        let now = domain::now().unix_timestamp();
        let stored = store.attempts(pk).await?;
        match lockout.admit(stored.as_ref().map(AttemptsRecord::attempts).as_ref(), now) {
            Verdict::Wait(wait) => {
                tracing::info!(step = step.name(), wait, "sign-in step locked");
                return Err(Error::TooManyRequests { retry_after: wait, detail: step.refusal(wait) });
            }
            Verdict::Go(next) => {
                let record = AttemptsRecord {
                    pk: pk.to_string(),
                    sk: keys::ATTEMPTS_SK.into(),
                    failures: next.failures,
                    last_at: next.last_at,
                    locked_until: next.locked_until,
                    version: stored.as_ref().map_or(1, |r| r.version + 1),
                    expires_at: lockout.forget_at(&next),
                };
                if store.save_attempts(&record, stored.map(|r| r.version)).await? {
                    return Ok(());
                }
            }
        }
    }
    Err(Error::TooManyRequests { retry_after: 1, detail: "Other sign-in attempts with this email address are in progress. Try again in 1 second.".into() })
}
