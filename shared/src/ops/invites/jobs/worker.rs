//! The invite worker's side of a job: one queue message is one client of one job.
//!
//! For each message: read the job (cached per instance) and the client with its links (one
//! `Query`); the first time the client is taken, write its tally (the contacts to email)
//! together with the job's counts of what needs no email (missing email, already active,
//! not found); then, ten contacts at a time, record their links (naming the job), send at
//! the instance's pace, put back the links whose email SES refused, and account for the ten
//! in one transaction (tally and counters). A contact that cannot be finished now (still
//! throttled after its retries, or its link changed meanwhile) stays open and the message
//! goes back to the queue ([`Finished::Again`]).

use std::collections::HashMap;

use futures_util::stream::{self, StreamExt};
use tokio::time::Instant;

use super::pace::{backoff, jitter, Pacer, THROTTLE_TRIES};
use super::{JobMessage, Selection};
use crate::config::Config;
use crate::domain;
use crate::error::{Error, Result};
use crate::ops::audit::{By, Origin};
use crate::ops::invites::{classify, context, prepare, record_links, InviteContext, Outcome, Pending, SEND_CONCURRENCY};
use crate::ports::mail::{Mailer, SendError};
use crate::store::{
    self, counter, invite_write, keys, tx, tx::Change, InviteJobRecord, JobClientRecord, LinkRecord, Store, DELIVERY_BOUNCED, DELIVERY_COMPLAINED,
    DELIVERY_DELIVERED, DELIVERY_SENT,
};

/// Contacts accounted per transaction: progress moves at least every ten emails.
pub const CHUNK: usize = 10;
/// How long a client's tally is kept (the job is long over by then).
const TALLY_DAYS: i64 = 14;

/// What became of one contact of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tally {
    Sent,
    Failed,
    MissingEmail,
    AlreadyActive,
    NotFound,
}

impl Tally {
    pub fn counter(self) -> &'static str {
        match self {
            Tally::Sent => counter::SENT,
            Tally::Failed => counter::FAILED,
            Tally::MissingEmail => counter::MISSING_EMAIL,
            Tally::AlreadyActive => counter::ALREADY_ACTIVE,
            Tally::NotFound => counter::NOT_FOUND,
        }
    }
}

/// What a message left: done, or to be delivered again (why).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finished {
    Done,
    Again(String),
}

/// The first look at a client: who gets an email, and the counts of those who do not.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expansion {
    pub open: Vec<String>,
    pub total: u64,
    pub missing_email: u64,
    pub already_active: u64,
    pub not_found: u64,
}

/// Decide, from the client's links alone, which selected contacts are to be emailed.
pub fn expand(selection: &Selection, links: &[LinkRecord]) -> Expansion {
    let ids: Vec<String> = match &selection.contact_ids {
        Some(ids) => ids.clone(),
        None => links.iter().map(|l| l.contact_id.clone()).collect(),
    };
    let mut e = Expansion { total: ids.len() as u64, ..Default::default() };
    for id in ids {
        match classify(links, &id) {
            Ok(_) => e.open.push(id),
            Err(Outcome::MissingEmail) => e.missing_email += 1,
            Err(Outcome::AlreadyActive) => e.already_active += 1,
            Err(_) => e.not_found += 1,
        }
    }
    e
}

/// A contact whose link already names this job was handled by an earlier delivery of the
/// message (the worker stopped before accounting for it): never sent again; counted as
/// sent when SES reported the email, otherwise failed (it may not have gone out).
pub fn earlier_outcome(link: &LinkRecord) -> Tally {
    match link.invite_delivery.as_deref() {
        Some(DELIVERY_SENT | DELIVERY_DELIVERED | DELIVERY_BOUNCED | DELIVERY_COMPLAINED) => Tally::Sent,
        _ => Tally::Failed,
    }
}

/// The counter changes of a set of outcomes, and whether they empty the tally.
pub fn counts(outcomes: &[(String, Tally)]) -> Vec<(&'static str, u64)> {
    let mut out: Vec<(&'static str, u64)> = Vec::new();
    for (_, t) in outcomes {
        match out.iter_mut().find(|(c, _)| *c == t.counter()) {
            Some((_, n)) => *n += 1,
            None => out.push((t.counter(), 1)),
        }
    }
    out
}

/// What the worker needs, built once per cold start.
pub struct Worker<'a, M: Mailer> {
    pub store: &'a Store,
    pub mailer: &'a M,
    pub config: &'a Config,
    pub pacer: &'a Pacer,
    pub jobs: &'a std::sync::Mutex<HashMap<String, InviteJobRecord>>,
}

impl<M: Mailer> Worker<'_, M> {
    /// The job (its message, template and sender never change: cached per instance).
    async fn job(&self, firm_id: &str, job_id: &str) -> Result<Option<InviteJobRecord>> {
        if let Some(j) = self.jobs.lock().unwrap_or_else(|p| p.into_inner()).get(job_id) {
            return Ok(Some(j.clone()));
        }
        let (pk, sk) = InviteJobRecord::keys(firm_id, job_id);
        let job: Option<InviteJobRecord> = self.store.get(&pk, &sk).await?;
        if let Some(j) = &job {
            let mut cache = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
            if cache.len() > 100 {
                cache.clear();
            }
            cache.insert(job_id.to_string(), j.clone());
        }
        Ok(job)
    }

    /// Do (the rest of) one client of a job. `deadline`: when this invocation must have
    /// answered; work that would not fit is left for a later delivery.
    pub async fn process(&self, msg: &JobMessage, deadline: Instant) -> Result<Finished> {
        let Some(job) = self.job(&msg.firm_id, &msg.job_id).await? else {
            tracing::warn!(job_id = %msg.job_id, "a message for an unknown invite job was dropped");
            return Ok(Finished::Done);
        };
        let client_id = msg.selection.client_id.as_str();
        let sender = By { actor: job.created_by.clone(), origin: Origin { ip: job.ip.clone(), user_agent: job.user_agent.clone() } };
        let tally_keys = (store::job_partition(&job.job_id), keys::client(client_id));
        let loaded = context(self.store, self.config, &job.firm_id, client_id, job.template_id.as_deref(), job.message.clone()).await;
        let tally: Option<JobClientRecord> = self.store.get(&tally_keys.0, &tally_keys.1).await?;
        let (ctx, links) = match loaded {
            Ok(v) => v,
            // Removed, archived (or its template deleted) since the job was accepted.
            Err(e @ (Error::NotFound(_) | Error::Conflict(_))) => {
                tracing::info!(job_id = %job.job_id, %client_id, reason = %e.public_detail(), "a client of an invite job was skipped");
                self.skip_client(&job, client_id, tally).await?;
                return Ok(Finished::Done);
            }
            Err(e) => return Err(e),
        };
        let mut tally = match tally {
            Some(t) => t,
            None => self.first_look(&job, msg, &links).await?,
        };
        while !tally.open.is_empty() {
            let chunk: Vec<String> = tally.open.iter().take(CHUNK).cloned().collect();
            // Room for the chunk's sends and a few seconds of writes.
            if !self.pacer.fits(chunk.len(), deadline - std::time::Duration::from_secs(5)) {
                return Ok(Finished::Again("out of time for this invocation".into()));
            }
            let (outcomes, left) = self.run_chunk(&job, &ctx, &links, &sender, &chunk).await?;
            tally = self.account(&job, tally, outcomes).await?;
            if let Some(why) = left {
                return Ok(Finished::Again(why));
            }
        }
        Ok(Finished::Done)
    }

    /// Write the client's tally and the job's counts of what needs no email, once.
    async fn first_look(&self, job: &InviteJobRecord, msg: &JobMessage, links: &[LinkRecord]) -> Result<JobClientRecord> {
        let e = expand(&msg.selection, links);
        let expires = domain::now().unix_timestamp() + TALLY_DAYS * 86_400;
        let tally = JobClientRecord::new(&job.job_id, &msg.selection.client_id, e.open.clone(), expires);
        let mut change = Change::new().add(counter::TOTAL, num(e.total));
        for (c, n) in [(counter::MISSING_EMAIL, e.missing_email), (counter::ALREADY_ACTIVE, e.already_active), (counter::NOT_FOUND, e.not_found)] {
            if n > 0 {
                change = change.add(c, num(n));
            }
        }
        if e.open.is_empty() {
            change = change.add(counter::CLIENTS_DONE, num(1));
        }
        let items = vec![tx::put_new(self.store.table(), &tally)?, change.on(self.store.table(), &job.pk, &job.sk)?];
        match self.store.transact_each(items).await? {
            Ok(()) => Ok(tally),
            // Another delivery of the message took the client first: continue from its tally.
            Err(_) => self.store.get(&tally.pk, &tally.sk).await?.ok_or_else(|| Error::internal("a job's tally vanished")),
        }
    }

    /// A client that can no longer be invited: done, its open contacts failed.
    async fn skip_client(&self, job: &InviteJobRecord, client_id: &str, tally: Option<JobClientRecord>) -> Result<()> {
        let table = self.store.table();
        let items = match tally {
            None => {
                let expires = domain::now().unix_timestamp() + TALLY_DAYS * 86_400;
                let t = JobClientRecord::new(&job.job_id, client_id, Vec::new(), expires);
                let change = Change::new().add(counter::CLIENTS_DONE, num(1)).add(counter::CLIENTS_SKIPPED, num(1));
                vec![tx::put_new(table, &t)?, change.on(table, &job.pk, &job.sk)?]
            }
            Some(t) if !t.open.is_empty() => {
                let n = t.open.len() as u64;
                let mut next = t.clone();
                next.open.clear();
                next.version += 1;
                let change = Change::new().add(counter::FAILED, num(n)).add(counter::CLIENTS_DONE, num(1));
                vec![tx::put_versioned(table, &next, t.version)?, change.on(table, &job.pk, &job.sk)?]
            }
            Some(_) => return Ok(()),
        };
        // A lost race means another delivery accounted for it.
        self.store.transact_each(items).await?.ok();
        Ok(())
    }

    /// Record, send and put back one chunk. The outcomes to account for, and why some
    /// contacts were left open (`None` when none was).
    async fn run_chunk(
        &self,
        job: &InviteJobRecord,
        ctx: &InviteContext,
        links: &[LinkRecord],
        sender: &By,
        chunk: &[String],
    ) -> Result<(Vec<(String, Tally)>, Option<String>)> {
        let now = domain::now();
        let mut outcomes = Vec::new();
        let mut pending: Vec<Pending> = Vec::new();
        for (i, id) in chunk.iter().enumerate() {
            let Some(link) = links.iter().find(|l| &l.contact_id == id) else {
                outcomes.push((id.clone(), Tally::NotFound));
                continue;
            };
            if link.invite_job.as_deref() == Some(job.job_id.as_str()) {
                outcomes.push((id.clone(), earlier_outcome(link)));
                continue;
            }
            match classify(links, id).and_then(|l| prepare(self.config, ctx, l, sender, now, i)) {
                Ok(p) => pending.push(p),
                Err(Outcome::MissingEmail) => outcomes.push((id.clone(), Tally::MissingEmail)),
                Err(Outcome::AlreadyActive) => outcomes.push((id.clone(), Tally::AlreadyActive)),
                Err(Outcome::NotFound) => outcomes.push((id.clone(), Tally::NotFound)),
                Err(_) => outcomes.push((id.clone(), Tally::Failed)),
            }
        }
        let mut left: Option<String> = None;
        let marker = [("invite_job", Some(store::s(&job.job_id)))];
        let mut to_send = Vec::new();
        for (p, result) in record_links(self.store, pending, &marker).await {
            match result {
                Ok(()) => to_send.push(p),
                // Changed meanwhile (or not written): looked at again on the next delivery.
                Err(reason) => left = Some(reason),
            }
        }
        let sends = to_send.into_iter().map(|p| async move {
            let r = self.send_paced(ctx, &p).await;
            (p, r)
        });
        let sent: Vec<(Pending, std::result::Result<String, SendError>)> = stream::iter(sends).buffer_unordered(SEND_CONCURRENCY).collect().await;
        let accepted = sent.iter().filter(|(_, r)| r.is_ok()).count() as u64;
        crate::telemetry::metrics::count(crate::telemetry::metrics::Metric::InvitesSent, accepted, &[("invite", "job")]);
        for (p, result) in sent {
            let id = p.after.contact_id.clone();
            match result {
                Ok(_) => outcomes.push((id, Tally::Sent)),
                // May have gone out: the link stays live (and names the job), so no resend.
                Err(SendError::Unknown(reason)) => {
                    tracing::warn!(contact_id = %id, %reason, "no answer from SES for a job's invite");
                    outcomes.push((id, Tally::Failed));
                }
                Err(SendError::Refused(reason)) => {
                    tracing::warn!(contact_id = %id, %reason, "SES refused a job's invite");
                    self.put_back(&p).await;
                    outcomes.push((id, Tally::Failed));
                }
                Err(SendError::Throttled(_)) => {
                    self.put_back(&p).await;
                    left = Some("the email service is throttling; the rest goes out on a later delivery".into());
                }
            }
        }
        Ok((outcomes, left))
    }

    /// Send one email at the instance's pace, backing off while SES throttles.
    async fn send_paced(&self, ctx: &InviteContext, p: &Pending) -> std::result::Result<String, SendError> {
        let tags = [("client", p.after.client_id.as_str()), ("contact", p.after.contact_id.as_str()), ("invite", p.hash.as_str())];
        let mut attempt = 0;
        loop {
            self.pacer.wait().await;
            match self.mailer.send(&ctx.firm.sender(), &p.email, &p.rendered, &tags).await {
                Err(SendError::Throttled(reason)) if attempt + 1 < THROTTLE_TRIES => {
                    attempt += 1;
                    let pause = backoff(attempt, jitter());
                    tracing::info!(attempt, pause_ms = pause.as_millis() as u64, %reason, "SES throttled an invite; backing off");
                    self.pacer.hold(pause);
                }
                other => return other,
            }
        }
    }

    /// The link as it was before this job's invite (its old invite works again).
    async fn put_back(&self, p: &Pending) {
        let previous = [("invite_job", p.before.invite_job.as_deref().map(store::s))];
        let undo = match invite_write(self.store, &p.before, Some(&p.hash), false, &previous) {
            Ok(item) => self.store.transact(vec![item], |_| Error::Conflict("changed meanwhile".into())).await,
            Err(e) => Err(e),
        };
        if let Err(e) = undo {
            tracing::error!(contact_id = %p.after.contact_id, error = %e, "a job's unsent invite could not be put back");
        }
    }

    /// Account for `outcomes` in the tally and the job's counters, in one transaction
    /// conditional on the tally's version; contacts another delivery accounted for
    /// meanwhile are not counted again.
    async fn account(&self, job: &InviteJobRecord, mut tally: JobClientRecord, outcomes: Vec<(String, Tally)>) -> Result<JobClientRecord> {
        for _ in 0..5 {
            let mine: Vec<(String, Tally)> = outcomes.iter().filter(|(id, _)| tally.open.contains(id)).cloned().collect();
            if mine.is_empty() {
                return Ok(tally);
            }
            let mut next = tally.clone();
            next.open.retain(|id| !mine.iter().any(|(m, _)| m == id));
            next.version += 1;
            let mut change = Change::new();
            for (c, n) in counts(&mine) {
                change = change.add(c, num(n));
            }
            if next.open.is_empty() {
                change = change.add(counter::CLIENTS_DONE, num(1));
            }
            let items = vec![tx::put_versioned(self.store.table(), &next, tally.version)?, change.on(self.store.table(), &job.pk, &job.sk)?];
            match self.store.transact_each(items).await? {
                Ok(()) => return Ok(next),
                Err(_) => tally = self.store.get(&tally.pk, &tally.sk).await?.ok_or_else(|| Error::internal("a job's tally vanished"))?,
            }
        }
        Err(Error::Conflict("a job's tally kept changing".into()))
    }
}

fn num(n: u64) -> aws_sdk_dynamodb::types::AttributeValue {
    aws_sdk_dynamodb::types::AttributeValue::N(n.to_string())
}
