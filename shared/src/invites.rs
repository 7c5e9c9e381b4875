//! Portal invites: send (one contact or many), preview, revoke.
//!
//! The rules real firms rely on:
//!
//! - Each contact gets an outcome: `sent`, `missing_email` (nothing is sent; the UI asks
//!   for an address), `already_active`, `not_found`, or `failed` with the reason. One bad
//!   contact never blocks the others.
//! - A link is a 256-bit random token; only its SHA-256 is stored. It is single use,
//!   expires after the firm's invite lifetime (default 30 days), and a new invite to the
//!   same contact and client replaces it (the old link answers 410).
//! - State changes **only after SES accepted the email**: the invite item, the contact's
//!   link (invited-at, expiry, the one live hash) and the replaced invite change in one
//!   conditional transaction. If SES refuses, nothing changes and the outcome is `failed`.
//!   If the write fails after sending, the outcome is `failed` too and says that the link
//!   in that email will not work (it is not recorded, so it cannot be used).
//! - The emails of one request go out concurrently, at most [`SEND_CONCURRENCY`] at a time.

use futures_util::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::clients::{load_client, ContactView};
use crate::domain;
use crate::error::{Error, FieldError, Result};
use crate::store::{keys, s, tx, ClientRecord, FirmRecord, InviteRecord, InviteState, Item, LinkRecord, Store};
use crate::templates::{self, InviteVars, RenderedEmail, TemplateSource};
use crate::AppState;

/// How many emails of one request are in flight at once.
pub const SEND_CONCURRENCY: usize = 8;
/// Contacts per request: a client record rarely has more; the UI sends one request per client.
pub const MAX_CONTACTS: usize = 50;
pub const MAX_MESSAGE_CHARS: usize = 2000;
/// How long an invite record is kept after its link expired, so the link answers 410.
pub const KEEP_AFTER_EXPIRY: Duration = Duration::days(90);

// ---------- tokens ----------

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new invite token (256 random bits, hex) and its SHA-256.
pub fn new_token() -> Result<(String, String)> {
    let mut raw = [0u8; 32];
    aws_lc_rs::rand::fill(&mut raw).map_err(|_| Error::internal("no randomness available"))?;
    let token = hex(&raw);
    let hash = hash_token(&token);
    Ok((token, hash))
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes()).as_ref())
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
    let m = message.unwrap_or_default().trim().replace("\r\n", "\n");
    if m.chars().count() > MAX_MESSAGE_CHARS {
        errs.push(FieldError::new("message", format!("is longer than {MAX_MESSAGE_CHARS} characters")));
    } else if m.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        errs.push(FieldError::new("message", "contains control characters"));
    }
    m
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
            Some(list) if list.len() > MAX_CONTACTS => {
                errs.push(FieldError::new("contact_ids", format!("may name at most {MAX_CONTACTS} contacts")))
            }
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
            expires_on: templates::long_date(expires_at),
        }
    }

    pub fn render(&self, link: &LinkRecord, url: &str, expires_at: OffsetDateTime) -> std::result::Result<RenderedEmail, String> {
        templates::render(&self.template, &self.vars(link, url, expires_at)).map_err(|(field, e)| format!("the template's {field} {e}"))
    }

    pub fn link_expiry(&self, now: OffsetDateTime) -> OffsetDateTime {
        now + Duration::days(i64::from(self.firm.invite_ttl_days.clamp(1, 365)))
    }
}

async fn context(store: &Store, firm_id: &str, client_id: &str, template_id: Option<&str>, message: String) -> Result<(InviteContext, Vec<LinkRecord>)> {
    let (loaded, firm, template) =
        tokio::try_join!(load_client(store, firm_id, client_id), store.firm(firm_id), templates::load(store, firm_id, template_id))?;
    let (client, links) = loaded;
    Ok((InviteContext { firm, client, template, message }, links))
}

// ---------- operations ----------

/// Send invites to the listed contacts of a client.
pub async fn send_invites(state: &AppState, staff_sub: &str, firm_id: &str, client_id: &str, input: SendInput) -> Result<Vec<ContactOutcome>> {
    let req = input.parse()?;
    let (ctx, links) = context(&state.store, firm_id, client_id, req.template_id.as_deref(), req.message).await?;
    let ctx = &ctx;
    let links = &links;
    let sends = req.contact_ids.into_iter().map(move |contact_id: String| async move {
        let outcome = match classify(links, &contact_id) {
            Err(skip) => skip,
            Ok(link) => send_one(state, ctx, link, staff_sub).await,
        };
        ContactOutcome { contact_id, outcome }
    });
    // `buffered` keeps the request's order while running up to SEND_CONCURRENCY at once.
    let outcomes: Vec<ContactOutcome> = stream::iter(sends).buffered(SEND_CONCURRENCY).collect().await;
    let sent = outcomes.iter().filter(|o| matches!(o.outcome, Outcome::Sent { .. })).count();
    tracing::info!(%client_id, requested = outcomes.len(), sent, "invites processed");
    Ok(outcomes)
}

async fn send_one(state: &AppState, ctx: &InviteContext, link: &LinkRecord, staff_sub: &str) -> Outcome {
    let Some(email) = link.email.clone() else { return Outcome::MissingEmail };
    let (token, hash) = match new_token() {
        Ok(t) => t,
        Err(e) => return Outcome::Failed { reason: e.public_detail() },
    };
    let now = domain::now();
    let expires_at = ctx.link_expiry(now);
    let url = create_account_url(&state.config.web_origin, &token);
    let rendered = match ctx.render(link, &url, expires_at) {
        Ok(r) => r,
        Err(reason) => return Outcome::Failed { reason },
    };
    let message_id = match crate::mail::send(&state.ses, &ctx.firm.sender_email, email.as_str(), &rendered, state.config.ses_configuration_set.as_deref()).await {
        Ok(id) => id,
        Err(reason) => {
            tracing::warn!(contact_id = %link.contact_id, %reason, "SES refused an invite");
            return Outcome::Failed { reason: format!("the email could not be sent: {reason}") };
        }
    };
    let invite = InviteRecord {
        pk: keys::invite(&hash),
        sk: keys::INVITE_SK.into(),
        token_hash: hash.clone(),
        state: InviteState::Live,
        firm_id: ctx.firm.firm_id.clone(),
        firm_name: ctx.firm.name.clone(),
        client_id: ctx.client.client_id.clone(),
        client_name: ctx.client.name.clone(),
        contact_id: link.contact_id.clone(),
        first_name: link.first_name.clone(),
        last_name: link.last_name.clone(),
        email: email.clone(),
        created_at: now,
        link_expires_at: expires_at,
        sent_by: staff_sub.to_string(),
        message_id,
        expires_at: (expires_at + KEEP_AFTER_EXPIRY).unix_timestamp(),
    };
    match record_invite(&state.store, &invite, link, now).await {
        Ok(()) => {
            tracing::info!(contact_id = %link.contact_id, "invite sent");
            Outcome::Sent { email: email.to_string(), expires_at }
        }
        Err(e) => {
            tracing::error!(contact_id = %link.contact_id, error = %e, "invite emailed but not recorded");
            Outcome::Failed {
                reason: "the email was sent, but the invite could not be recorded, so its link will not work; please send the invite again".into(),
            }
        }
    }
}

/// The invite, the link's new invite state and the replaced invite: one transaction.
async fn record_invite(store: &Store, invite: &InviteRecord, link: &LinkRecord, now: OffsetDateTime) -> Result<()> {
    let mut values = Item::from([
        (":now".to_string(), s(domain::rfc3339(now)?)),
        (":exp".to_string(), s(domain::rfc3339(invite.link_expires_at)?)),
        (":h".to_string(), s(invite.token_hash.clone())),
        (":sent".to_string(), s(crate::store::DELIVERY_SENT)),
    ]);
    let condition = match &link.invite_hash {
        Some(old) => {
            values.insert(":old".into(), s(old.clone()));
            "attribute_exists(PK) AND attribute_not_exists(accepted_at) AND invite_hash = :old"
        }
        None => "attribute_exists(PK) AND attribute_not_exists(accepted_at) AND attribute_not_exists(invite_hash)",
    };
    let mut items = vec![
        tx::put_new(store.table(), invite)?,
        tx::update(
            store.table(),
            &link.pk,
            &link.sk,
            "SET invited_at = :now, invite_expires_at = :exp, invite_hash = :h, invite_delivery = :sent REMOVE invite_revoked_at",
            condition,
            values,
            Default::default(),
        )?,
    ];
    // Delivery reports from SES name the message: point the message at this invite.
    items.push(tx::put_new(
        store.table(),
        &crate::store::MessageRecord {
            pk: keys::message(&invite.message_id),
            sk: keys::MESSAGE_SK.into(),
            token_hash: invite.token_hash.clone(),
            client_id: invite.client_id.clone(),
            contact_id: invite.contact_id.clone(),
            expires_at: invite.expires_at,
        },
    )?);
    // The replaced link dies in the same transaction (an expired one is dead already, and
    // its record may have been removed by TTL).
    if let (Some(old), Some(old_exp)) = (&link.invite_hash, link.invite_expires_at) {
        if old_exp > now {
            items.push(set_invite_state(store, old, InviteState::Replaced, now)?);
        }
    }
    store.transact(items, |_| Error::Conflict("the contact's invite changed meanwhile".into())).await
}

fn state_name(state: InviteState) -> &'static str {
    match state {
        InviteState::Live => "live",
        InviteState::Used => "used",
        InviteState::Revoked => "revoked",
        InviteState::Replaced => "replaced",
    }
}

/// Move a live invite to `state` (conditional on it still being live).
pub fn set_invite_state(store: &Store, hash: &str, state: InviteState, now: OffsetDateTime) -> Result<aws_sdk_dynamodb::types::TransactWriteItem> {
    tx::update(
        store.table(),
        &keys::invite(hash),
        keys::INVITE_SK,
        "SET #state = :state, state_changed_at = :now",
        "#state = :live",
        Item::from([
            (":state".to_string(), s(state_name(state))),
            (":live".to_string(), s(state_name(InviteState::Live))),
            (":now".to_string(), s(domain::rfc3339(now)?)),
        ]),
        [("#state".to_string(), "state".to_string())].into(),
    )
}

/// Kill a contact's open invite without sending a new one.
pub async fn revoke_invite(store: &Store, firm_id: &str, client_id: &str, contact_id: &str) -> Result<ContactView> {
    let (_, links) = load_client(store, firm_id, client_id).await?;
    let link = links.iter().find(|l| l.contact_id == contact_id).ok_or(Error::NotFound("contact"))?;
    let hash = link.invite_hash.clone().ok_or_else(|| Error::Conflict("this contact has no open invite to revoke".into()))?;
    let now = domain::now();
    let mut items = vec![tx::update(
        store.table(),
        &link.pk,
        &link.sk,
        "SET invite_revoked_at = :now REMOVE invite_hash, invited_at, invite_expires_at, invite_delivery",
        "invite_hash = :h",
        Item::from([(":now".to_string(), s(domain::rfc3339(now)?)), (":h".to_string(), s(hash.clone()))]),
        Default::default(),
    )?];
    if link.invite_expires_at.is_some_and(|e| e > now) {
        items.push(set_invite_state(store, &hash, InviteState::Revoked, now)?);
    }
    store.transact(items, |_| Error::Conflict("the invite changed meanwhile; reload and try again".into())).await?;
    tracing::info!(%client_id, %contact_id, "invite revoked");
    let mut updated = link.clone();
    updated.invite_hash = None;
    updated.invited_at = None;
    updated.invite_expires_at = None;
    updated.invite_revoked_at = Some(now);
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

pub async fn preview(store: &Store, web_origin: &str, firm_id: &str, client_id: &str, input: PreviewInput) -> Result<Preview> {
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
    let (ctx, links) = context(store, firm_id, client_id, input.template_id.as_deref().filter(|t| !t.is_empty()), message).await?;
    let link = links.iter().find(|l| l.contact_id == contact_id).ok_or(Error::NotFound("contact"))?;
    let now = domain::now();
    // The real link is made when the invite is sent; the preview shows where it leads.
    let url = create_account_url(web_origin, "preview");
    let email = ctx.render(link, &url, ctx.link_expiry(now)).map_err(|e| Error::field("template_id", e))?;
    Ok(Preview { to: link.email.as_ref().map(|e| e.to_string()), from: ctx.firm.sender_email.clone(), email })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EmailAddress;
    use time::macros::datetime;

    fn link(id: &str, email: Option<&str>, accepted: bool) -> LinkRecord {
        let t = datetime!(2026-11-01 00:00 UTC);
        let client = ClientRecord::new("f", "c", "Client", t);
        let contact = crate::store::ContactRecord {
            pk: keys::contact(id),
            sk: keys::PROFILE_SK.into(),
            firm_id: "f".into(),
            contact_id: id.into(),
            first_name: "A".into(),
            last_name: "B".into(),
            email: email.map(|e| EmailAddress::parse("email", e).unwrap()),
            phone: None,
            address: None,
            user_sub: None,
            last_login_at: None,
            access_revoked_at: None,
            created_at: t,
            updated_at: t,
            version: 1,
        };
        let mut l = LinkRecord::new(&client, &contact, t);
        if accepted {
            l.accepted_at = Some(t);
        }
        l
    }

    #[test]
    fn tokens_are_256_bit_random_and_stored_hashed() {
        let (a, ha) = new_token().unwrap();
        let (b, _) = new_token().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(ha, hash_token(&a));
        assert_ne!(ha, a);
        // SHA-256 of "abc"
        assert_eq!(hash_token("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn each_contact_is_classified_on_its_own() {
        let links = vec![link("k1", Some("a@example.com"), false), link("k2", None, false), link("k3", Some("c@example.com"), true)];
        assert_eq!(classify(&links, "k1").unwrap().contact_id, "k1");
        assert_eq!(classify(&links, "k2").unwrap_err(), Outcome::MissingEmail);
        assert_eq!(classify(&links, "k3").unwrap_err(), Outcome::AlreadyActive);
        assert_eq!(classify(&links, "nope").unwrap_err(), Outcome::NotFound);
    }

    #[test]
    fn send_input_is_checked_and_deduplicated() {
        let r = SendInput { contact_ids: Some(vec!["a".into(), "b".into(), "a".into()]), message: Some("  Hi\r\nthere ".into()), template_id: Some("".into()) }
            .parse()
            .unwrap();
        assert_eq!(r.contact_ids, ["a", "b"]);
        assert_eq!(r.message, "Hi\nthere");
        assert_eq!(r.template_id, None);
        let Err(Error::Validation(errs)) = SendInput { contact_ids: Some(vec![]), message: Some("x".repeat(2001)), template_id: None }.parse() else {
            panic!()
        };
        assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["contact_ids", "message"]);
        assert!(SendInput { contact_ids: None, message: None, template_id: None }.parse().is_err());
    }

    #[test]
    fn outcomes_serialize_as_the_api_promises() {
        let o = ContactOutcome { contact_id: "k".into(), outcome: Outcome::MissingEmail };
        assert_eq!(serde_json::to_value(o).unwrap(), serde_json::json!({"contact_id": "k", "outcome": "missing_email"}));
        let o = ContactOutcome { contact_id: "k".into(), outcome: Outcome::Failed { reason: "r".into() } };
        assert_eq!(serde_json::to_value(o).unwrap(), serde_json::json!({"contact_id": "k", "outcome": "failed", "reason": "r"}));
    }

    #[test]
    fn the_link_keeps_the_token_out_of_server_logs() {
        assert_eq!(create_account_url("https://portal.example.com", "t0k"), "https://portal.example.com/create-account#t0k");
    }
}
