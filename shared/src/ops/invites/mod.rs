//! Portal invites: send (one contact or many), preview, revoke.
//!
//! The rules real firms rely on:
//!
//! - Each contact gets an outcome: `sent`, `missing_email` (nothing is sent; the UI asks
//!   for an address), `already_active`, `not_found`, or `failed` with the reason. One bad
//!   contact never blocks the others, and every outcome is true: `sent` only once SES
//!   accepted the email, `failed` only when no working link went out.
//! - A link is a token naming the client and contact plus 256 random bits; only its
//!   SHA-256 is stored, on the contact's link item. It is single use, expires after the
//!   firm's invite lifetime (default 30 days), and a new invite to the same contact and
//!   client replaces it (the old link then says a newer invite was sent).
//! - **The link is recorded before the email leaves** (see [`send_invites`]): a contact who
//!   got an email always has a live link, whatever fails afterwards. An email SES refuses
//!   puts the link back as it was.
//! - Sending N invites costs one `Query`, N `SendEmail` and ⌈N/100⌉ `TransactWriteItems`
//!   (one item per contact: the link carries the invite and its log); the firm's settings
//!   come from a one-minute cache.

use futures_util::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::domain;
use crate::error::{Error, FieldError, Result};
use crate::ops::clients::{load_client, ContactView};
use crate::store::invite_write;
use aws_sdk_dynamodb::types::TransactWriteItem;

use crate::config::Config;
use crate::domain::email::{self, InviteVars, RenderedEmail, TemplateSource};
use crate::ops::audit::By;
use crate::ops::templates;
use crate::ports::mail::Mailer;
use crate::ports::mail::SendError;
use crate::store::{ClientRecord, FirmRecord, InviteEnd, InviteLogEntry, LinkRecord, Store, DELIVERY_SENDING, INVITE_LOG_KEPT};

/// How many emails of one request are in flight at once.
pub const SEND_CONCURRENCY: usize = 8;
/// Contacts per request: a client record rarely has more; the UI sends one request per
/// client, and 100 links fit one transaction.
pub const MAX_CONTACTS: usize = 100;
pub const MAX_MESSAGE_CHARS: usize = 2000;

pub mod jobs;

// ---------- tokens ----------

/// Hex characters of a token: client id (32), contact id (32), secret (64).
pub const TOKEN_LEN: usize = 128;

/// A new invite token for one contact on one client, and its SHA-256 (the stored form).
///
/// The token is the client id and the contact id (UUIDs, as 32 hex digits each) followed
/// by 256 random bits: the ids name the one link item to read (a strongly consistent
/// `GetItem`, no index, nothing else written when the invite is sent), the random part is
/// the secret. Knowing the ids gives nothing: a token with right ids and a wrong secret
/// costs the same read and gets the same answer as a token with unknown ids.
pub fn new_token(client_id: &str, contact_id: &str) -> Result<(String, String)> {
    let id = |s: &str| uuid::Uuid::parse_str(s).map(|u| u.simple().to_string()).map_err(|_| Error::internal("ids are UUIDs"));
    let mut raw = [0u8; 32];
    aws_lc_rs::rand::fill(&mut raw).map_err(|_| Error::internal("no randomness available"))?;
    let token = format!("{}{}{}", id(client_id)?, id(contact_id)?, domain::hex(&raw));
    let hash = hash_token(&token);
    Ok((token, hash))
}

/// The `(client id, contact id)` a well-formed token names; `None` for anything else.
pub fn token_ids(token: &str) -> Option<(String, String)> {
    if token.len() != TOKEN_LEN || !token.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    let client = uuid::Uuid::parse_str(&token[..32]).ok()?;
    let contact = uuid::Uuid::parse_str(&token[32..64]).ok()?;
    Some((client.hyphenated().to_string(), contact.hyphenated().to_string()))
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    domain::sha256_hex(token.as_bytes())
}

/// Compare two hashes without an early exit, so the time taken says nothing about how
/// much of a guess was right.
pub fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Where the email's Create Account button leads. The token is in the fragment, which
/// browsers never send to a server, so it cannot end up in an access log.
pub fn create_account_url(web_origin: &str, token: &str) -> String {
    format!("{web_origin}/create-account#{token}")
}

// ---------- inputs ----------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendInput {
    #[serde(default)]
    pub contact_ids: Option<Vec<String>>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub template_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewInput {
    #[serde(default)]
    pub contact_id: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub template_id: Option<String>,
}

fn parse_message(errs: &mut Vec<FieldError>, message: Option<String>) -> String {
    domain::text_input(errs, "message", message, MAX_MESSAGE_CHARS, false)
}

/// A validated send request: contact ids without duplicates, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct SendRequest {
    pub contact_ids: Vec<String>,
    pub message: String,
    pub template_id: Option<String>,
}

impl SendInput {
    pub fn parse(self) -> Result<SendRequest> {
        let mut errs = Vec::new();
        let mut ids: Vec<String> = Vec::new();
        match self.contact_ids {
            None => errs.push(FieldError::new("contact_ids", "is required: the contacts to invite")),
            Some(list) if list.is_empty() => errs.push(FieldError::new("contact_ids", "must name at least one contact")),
            Some(list) if list.len() > MAX_CONTACTS => errs.push(FieldError::new("contact_ids", format!("may name at most {MAX_CONTACTS} contacts"))),
            Some(list) => {
                for id in list {
                    let id = id.trim().to_string();
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            }
        }
        let message = parse_message(&mut errs, self.message);
        if !errs.is_empty() {
            return Err(Error::Validation(errs));
        }
        Ok(SendRequest { contact_ids: ids, message, template_id: self.template_id.filter(|t| !t.trim().is_empty()) })
    }
}

// ---------- outcomes ----------

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Sent {
        email: String,
        #[serde(with = "time::serde::rfc3339")]
        expires_at: OffsetDateTime,
    },
    MissingEmail,
    AlreadyActive,
    NotFound,
    Failed {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactOutcome {
    pub contact_id: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What to do for one requested contact, decided from the client's links alone.
pub fn classify<'a>(links: &'a [LinkRecord], contact_id: &str) -> std::result::Result<&'a LinkRecord, Outcome> {
    let link = links.iter().find(|l| l.contact_id == contact_id).ok_or(Outcome::NotFound)?;
    if link.accepted_at.is_some() {
        return Err(Outcome::AlreadyActive);
    }
    if link.email.is_none() {
        return Err(Outcome::MissingEmail);
    }
    Ok(link)
}

// ---------- context ----------

/// Everything the emails of one request share.
pub struct InviteContext {
    pub firm: FirmRecord,
    pub client: ClientRecord,
    pub template: TemplateSource,
    pub message: String,
    /// The stage's invite lifetime, for firms without their own.
    pub default_days: u32,
    /// The firm's logo and colour around the email.
    pub letterhead: email::Letterhead,
}

impl InviteContext {
    pub fn vars(&self, link: &LinkRecord, url: &str, expires_at: OffsetDateTime) -> InviteVars {
        InviteVars {
            first_name: link.first_name.clone(),
            last_name: link.last_name.clone(),
            contact_name: format!("{} {}", link.first_name, link.last_name),
            firm_name: self.firm.name.clone(),
            client_name: self.client.name.clone(),
            message: self.message.clone(),
            create_account_url: url.to_string(),
            help_center_url: self.firm.help_center_url.clone().unwrap_or_default(),
            expires_on: email::long_date(expires_at),
        }
    }

    pub fn render(&self, link: &LinkRecord, url: &str, expires_at: OffsetDateTime) -> std::result::Result<RenderedEmail, String> {
        email::render_as(&self.template, &self.vars(link, url, expires_at), &self.letterhead).map_err(|(field, e)| format!("the template's {field} {e}"))
    }

    pub fn link_expiry(&self, now: OffsetDateTime) -> OffsetDateTime {
        now + Duration::days(i64::from(self.firm.invite_ttl_days.unwrap_or(self.default_days).clamp(1, 365)))
    }
}

// ---------- operations ----------

/// One contact whose invite is about to go out: the link as read, the link as it will be
/// once the invite is recorded, and the email carrying the new token.
struct Pending {
    index: usize,
    before: LinkRecord,
    after: LinkRecord,
    email: String,
    rendered: RenderedEmail,
    hash: String,
}

/// The link as it is once a new invite (token `hash`, sent `now`) is recorded: the old live
/// link ends as `replaced`, delivery is `sending`, the email is logged.
pub fn invited(link: &LinkRecord, hash: &str, email: &str, expires_at: OffsetDateTime, sender: &By, now: OffsetDateTime) -> LinkRecord {
    let mut after = link.clone();
    after.end_invite(InviteEnd::Replaced, now);
    after.invited_at = Some(now);
    after.invite_expires_at = Some(expires_at);
    after.invite_hash = Some(hash.to_string());
    after.invite_delivery = Some(DELIVERY_SENDING.into());
    after.invite_revoked_at = None;
    after.mark_open(now);
    after.invite_log.push(InviteLogEntry {
        at: now,
        by: sender.actor.clone(),
        email: email.to_string(),
        ip: sender.origin.ip.clone(),
        user_agent: sender.origin.user_agent.clone(),
    });
    let excess = after.invite_log.len().saturating_sub(INVITE_LOG_KEPT);
    after.invite_log.drain(..excess);
    after
}

async fn context(
    store: &Store,
    config: &Config,
    firm_id: &str,
    client_id: &str,
    template_id: Option<&str>,
    message: String,
) -> Result<(InviteContext, Vec<LinkRecord>)> {
    let (loaded, firm, template) =
        tokio::try_join!(load_client(store, firm_id, client_id), store.firm_settings(firm_id), templates::load(store, firm_id, template_id))?;
    let (client, links) = loaded;
    if client.archived_at.is_some() {
        return Err(crate::ops::clients::archived_client());
    }
    let letterhead = firm.letterhead(&config.web_origin);
    Ok((InviteContext { firm, client, template, message, default_days: config.invite_lifetime_days, letterhead }, links))
}

/// Send invites to the listed contacts of a client.
///
/// The order is what keeps every outcome true and no invite lost, at the floor of AWS calls
/// (one `Query`, then ⌈N/100⌉ `TransactWriteItems`, then N `SendEmail`):
///
/// 1. every new link is recorded first — one item per contact, delivery `sending` — so a
///    contact who gets an email always has a live link, even if this process dies the
///    moment SES accepted it;
/// 2. the emails go out, at most [`SEND_CONCURRENCY`] at a time;
/// 3. for each email SES refused, the link is put back exactly as it was (the old link,
///    if any, works again) and the outcome is `failed` with SES's reason.
///
/// SES's own `Send` event (configuration set → `email-events`) then turns `sending` into
/// `sent`; a link left `sending` (the process died before SES answered) shows as
/// `unconfirmed` after [`SENDING_GRACE`](crate::store::SENDING_GRACE), so staff resend.
pub async fn send_invites(
    store: &Store,
    mailer: &impl Mailer,
    config: &Config,
    sender: &By,
    firm_id: &str,
    client_id: &str,
    input: SendInput,
) -> Result<Vec<ContactOutcome>> {
    let req = input.parse()?;
    let (ctx, links) = context(store, config, firm_id, client_id, req.template_id.as_deref(), req.message).await?;
    let now = domain::now();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; req.contact_ids.len()];
    let mut pending = Vec::new();
    for (index, contact_id) in req.contact_ids.iter().enumerate() {
        match classify(&links, contact_id).and_then(|link| prepare(config, &ctx, link, sender, now, index)) {
            Ok(p) => pending.push(p),
            Err(skip) => outcomes[index] = Some(skip),
        }
    }

    // 1. Record the links, at most 100 to a transaction.
    let mut recorded = Vec::new();
    let mut rest = pending;
    while !rest.is_empty() {
        let chunk: Vec<Pending> = rest.drain(..rest.len().min(100)).collect();
        for (p, result) in record_links(store, chunk, &[]).await {
            match result {
                Ok(()) => recorded.push(p),
                Err(reason) => outcomes[p.index] = Some(Outcome::Failed { reason }),
            }
        }
    }

    // 2. Send.
    let tags_of = |p: &Pending| [("client", p.after.client_id.clone()), ("contact", p.after.contact_id.clone()), ("invite", p.hash.clone())];
    let sends = recorded.into_iter().map(|p| {
        let ctx = &ctx;
        async move {
            let tags = tags_of(&p);
            let tags: Vec<(&str, &str)> = tags.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let result = mailer.send(&ctx.firm.sender(), &p.email, &p.rendered, &tags).await;
            (p, result)
        }
    });
    let sent: Vec<(Pending, std::result::Result<String, SendError>)> = stream::iter(sends).buffered(SEND_CONCURRENCY).collect().await;
    // Counted once SES accepted them (a reminder counts under the reminders function).
    let accepted = sent.iter().filter(|(_, r)| r.is_ok()).count() as u64;
    crate::telemetry::metrics::count(crate::telemetry::metrics::Metric::InvitesSent, accepted, &[("invite", "contact")]);

    // 3. Put back the links whose email SES refused.
    let mut refused = Vec::new();
    for (p, result) in sent {
        match result {
            Ok(_) => {
                outcomes[p.index] = Some(Outcome::Sent { email: p.email.clone(), expires_at: p.after.invite_expires_at.unwrap_or(now) });
            }
            Err(SendError::Refused(reason)) | Err(SendError::Throttled(reason)) => {
                tracing::warn!(contact_id = %p.after.contact_id, %reason, "SES refused an invite");
                outcomes[p.index] = Some(Outcome::Failed { reason: format!("the email could not be sent: {reason}") });
                refused.push(p);
            }
            Err(SendError::Unknown(reason)) => {
                // SES may have sent it: the link stays live (a contact who got it can use
                // it) and the status says `unconfirmed` unless SES reports the email.
                tracing::warn!(contact_id = %p.after.contact_id, %reason, "no answer from SES for an invite");
                outcomes[p.index] = Some(Outcome::Failed {
                    reason: "the email service did not answer, so the email may or may not have gone out (its link works if it arrives); send the invite again to be sure".into(),
                });
            }
        }
    }
    for p in &refused {
        // The old state comes back only if nothing touched the link since (its hash is still
        // ours). Should this write fail, the link stays live but unsent: its status says
        // `unconfirmed` once the grace period is over — never `sent`.
        let undo = invite_write(store, &p.before, Some(&p.hash), false, &[]);
        let undone = match undo {
            Ok(item) => store.transact(vec![item], |_| Error::Conflict("changed meanwhile".into())).await,
            Err(e) => Err(e),
        };
        if let Err(e) = undone {
            tracing::error!(contact_id = %p.after.contact_id, error = %e, "a refused invite's link could not be put back");
        }
    }

    let outcomes: Vec<ContactOutcome> = req
        .contact_ids
        .into_iter()
        .zip(outcomes)
        .map(|(contact_id, o)| ContactOutcome { contact_id, outcome: o.unwrap_or(Outcome::Failed { reason: "not processed".into() }) })
        .collect();
    let sent = outcomes.iter().filter(|o| matches!(o.outcome, Outcome::Sent { .. })).count();
    tracing::info!(%client_id, requested = outcomes.len(), sent, "invites processed");
    Ok(outcomes)
}

fn prepare(config: &Config, ctx: &InviteContext, link: &LinkRecord, sender: &By, now: OffsetDateTime, index: usize) -> std::result::Result<Pending, Outcome> {
    let email = link.email.as_ref().ok_or(Outcome::MissingEmail)?.to_string();
    let (token, hash) = new_token(&link.client_id, &link.contact_id).map_err(|e| Outcome::Failed { reason: e.public_detail() })?;
    let expires_at = ctx.link_expiry(now);
    let url = create_account_url(&config.web_origin, &token);
    let rendered = ctx.render(link, &url, expires_at).map_err(|reason| Outcome::Failed { reason })?;
    let after = invited(link, &hash, &email, expires_at, sender, now);
    Ok(Pending { index, before: link.clone(), after, email, rendered, hash })
}

/// Write up to 100 new links in one transaction. A link that changed since it was read
/// (its condition failed) is reported and the others are written without it.
/// `extra` attributes are written with each link (a bulk job's `invite_job`).
async fn record_links(
    store: &Store,
    chunk: Vec<Pending>,
    extra: &[(&str, Option<aws_sdk_dynamodb::types::AttributeValue>)],
) -> Vec<(Pending, std::result::Result<(), String>)> {
    let mut results = Vec::new();
    let mut todo = chunk;
    // Each round either writes everything left or removes at least one contact.
    while !todo.is_empty() {
        let items: Result<Vec<TransactWriteItem>> = todo.iter().map(|p| invite_write(store, &p.after, p.before.invite_hash.as_deref(), true, extra)).collect();
        let outcome = match items {
            Ok(items) => store.transact_each(items).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(Ok(())) => {
                results.extend(todo.drain(..).map(|p| (p, Ok(()))));
            }
            Ok(Err(failed)) => {
                let mut kept = Vec::new();
                for (i, p) in todo.drain(..).enumerate() {
                    if failed.contains(&i) {
                        results.push((p, Err("the contact's invite or access changed meanwhile; reload and try again".to_string())));
                    } else {
                        kept.push(p);
                    }
                }
                todo = kept;
            }
            Err(e) => {
                tracing::error!(error = %e, "invites could not be recorded; nothing was sent");
                let reason = format!("the invite could not be recorded, so nothing was sent: {}", e.public_detail());
                results.extend(todo.drain(..).map(|p| (p, Err(reason.clone()))));
            }
        }
    }
    results
}

/// Kill a contact's open invite without sending a new one.
pub async fn revoke_invite(store: &Store, by: &By, firm_id: &str, client_id: &str, contact_id: &str) -> Result<ContactView> {
    let (_, links) = load_client(store, firm_id, client_id).await?;
    let link = links.iter().find(|l| l.contact_id == contact_id).ok_or(Error::NotFound("contact"))?;
    let hash = link.invite_hash.clone().ok_or_else(|| Error::Conflict("this contact has no open invite to revoke".into()))?;
    let now = domain::now();
    let mut updated = link.clone();
    updated.end_invite(InviteEnd::Revoked, now);
    updated.invite_revoked_at = Some(now);
    let entry = crate::ops::audit::entry(client_id, crate::ops::audit::event::INVITE_REVOKED, by.actor.clone(), now, &by.origin, Some(contact_id), None)?;
    let items = vec![invite_write(store, &updated, Some(&hash), false, &[])?, crate::ops::audit::tx_put(store, &entry)?];
    store.transact(items, |_| Error::Conflict("the invite changed meanwhile; reload and try again".into())).await?;
    tracing::info!(%client_id, %contact_id, "invite revoked");
    Ok(ContactView::from_link(&updated, now))
}

/// A preview of the email one contact would get, without sending or recording anything.
#[derive(Debug, Serialize)]
pub struct Preview {
    pub to: Option<String>,
    pub from: String,
    #[serde(flatten)]
    pub email: RenderedEmail,
}

pub async fn preview(store: &Store, config: &Config, firm_id: &str, client_id: &str, input: PreviewInput) -> Result<Preview> {
    let mut errs = Vec::new();
    let contact_id = input.contact_id.filter(|c| !c.trim().is_empty());
    if contact_id.is_none() {
        errs.push(FieldError::new("contact_id", "is required"));
    }
    let message = parse_message(&mut errs, input.message);
    if !errs.is_empty() {
        return Err(Error::Validation(errs));
    }
    let contact_id = contact_id.unwrap_or_default();
    let (ctx, links) = context(store, config, firm_id, client_id, input.template_id.as_deref().filter(|t| !t.is_empty()), message).await?;
    let link = links.iter().find(|l| l.contact_id == contact_id).ok_or(Error::NotFound("contact"))?;
    let now = domain::now();
    // The real link is made when the invite is sent; the preview shows where it leads.
    let url = create_account_url(&config.web_origin, "preview");
    let email = ctx.render(link, &url, ctx.link_expiry(now)).map_err(|e| Error::field("template_id", e))?;
    Ok(Preview { to: link.email.as_ref().map(|e| e.to_string()), from: ctx.firm.sender().from, email })
}

#[cfg(test)]
mod tests;
