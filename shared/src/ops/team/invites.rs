//! Inviting a colleague, resending and revoking the invite, and the team's two lists
//! (members, invites not yet used: paged, see `store::team`).

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::rules;
use crate::domain::email::{escape_html, long_date, RenderedEmail};
use crate::domain::roles::Role;
use crate::domain::{self, EmailAddress, PersonName};
use crate::error::{Error, FieldError, Result};
use crate::ops::audit::{self, event, By};
use crate::ports::mail::{Mailer, Outbox, SendError};
use crate::store::{keys, tx, AuditRecord, FirmRecord, Page, PageRequest, StaffInviteEnd, StaffInviteRecord, StaffLoginRecord, StaffRecord, Store};

/// Hex characters of a staff invite token: the invite's id (32), the secret (64).
pub const TOKEN_LEN: usize = 96;

/// A new token for invite `invite_id` and its SHA-256 (the stored form).
pub fn new_token(invite_id: &str) -> Result<(String, String)> {
    let mut raw = [0u8; 32];
    aws_lc_rs::rand::fill(&mut raw).map_err(|_| Error::internal("no randomness available"))?;
    let token = format!("{invite_id}{}", domain::hex(&raw));
    let hash = domain::sha256_hex(token.as_bytes());
    Ok((token, hash))
}

/// The invite id a well-formed token names; `None` for anything else.
pub fn token_invite_id(token: &str) -> Option<&str> {
    (token.len() == TOKEN_LEN && token.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))).then(|| &token[..32])
}

/// Where the email's button leads: the token in the fragment, which browsers never send.
pub fn join_url(web_origin: &str, token: &str) -> String {
    format!("{web_origin}/join#{token}")
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffInviteInput {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
}

/// A checked invite request.
#[derive(Debug, Clone, PartialEq)]
pub struct NewStaffInvite {
    pub email: EmailAddress,
    pub name: PersonName,
    pub role: Role,
}

impl StaffInviteInput {
    pub fn parse(self) -> Result<NewStaffInvite> {
        let mut errs: Vec<FieldError> = Vec::new();
        let email = EmailAddress::parse("email", self.email.as_deref().unwrap_or("")).map_err(|e| errs.push(e)).ok();
        let name = PersonName::parse("name", self.name.as_deref().unwrap_or("")).map_err(|e| errs.push(e)).ok();
        let role = match self.role.as_deref() {
            None => Err(FieldError::new("role", "is required: owner, admin or staff")),
            Some(r) => Role::parse("role", r),
        }
        .map_err(|e| errs.push(e))
        .ok();
        match (email, name, role) {
            (Some(email), Some(name), Some(role)) if errs.is_empty() => Ok(NewStaffInvite { email, name, role }),
            _ => Err(Error::Validation(errs)),
        }
    }
}

/// An invite as the Team page lists it (never its token or hash).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaffInviteView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// Who sent the latest email.
    pub invited_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub invited_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// `open` or `expired` (resend to make a new link).
    pub status: &'static str,
    /// What this request did: `sent`, `already_open` (nothing changed, no email), or
    /// `unconfirmed` (the email service did not answer: the link works if the email arrives).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'static str>,
}

impl StaffInviteView {
    pub fn of(r: &StaffInviteRecord, now: OffsetDateTime) -> Self {
        StaffInviteView {
            id: r.invite_id.clone(),
            email: r.email.clone(),
            name: r.name.clone(),
            role: r.role,
            invited_by: r.invited_by.name.clone(),
            invited_at: r.invited_at,
            expires_at: r.link_expires_at,
            status: if r.is_open(now) { "open" } else { "expired" },
            outcome: None,
        }
    }

    fn with(mut self, outcome: &'static str) -> Self {
        self.outcome = Some(outcome);
        self
    }
}

/// The email that carries a staff invite's link.
pub fn invite_email(firm_name: &str, inviter: &str, name: &str, role: Role, url: &str, expires_at: OffsetDateTime) -> RenderedEmail {
    let article = if role == Role::Admin || role == Role::Owner { "an" } else { "a" };
    let by = if inviter.is_empty() { firm_name.to_string() } else { inviter.to_string() };
    let subject = format!("{by} invited you to join {firm_name} on the client portal");
    let date = long_date(expires_at);
    let text = format!(
        "Hello {name},\n\n{by} invited you to join {firm_name}'s client portal as {article} {role}.\n\nCreate your staff login: {url}\n\nThe link works once, until {date}. You will choose a password and add an authenticator app to your phone.\n\nIf you were not expecting this email, you can ignore it."
    );
    // The body only: the firm's letterhead (logo, name, accent colour, footer) frames it.
    let html = format!(
        "<p style=\"margin:0 0 16px\">Hello {n},</p>\n<p style=\"margin:0 0 16px\">{b} invited you to join {f}'s client portal as {article} {role}.</p>\n\
<p style=\"margin:0 0 16px\"><a href=\"{u}\" style=\"display:inline-block;padding:12px 22px;background:#1f5fbf;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600\">Create your login</a></p>\n\
<p style=\"margin:0 0 16px\">The link works once, until {d}. You will choose a password and add an authenticator app to your phone.</p>\n",
        f = escape_html(firm_name),
        n = escape_html(name),
        b = escape_html(&by),
        u = escape_html(url),
        d = escape_html(&date),
    );
    RenderedEmail { subject, text, html }
}

fn changed_meanwhile() -> Error {
    Error::Conflict("this invite changed meanwhile; reload the Team page and try again".into())
}

/// The email already belongs to a staff login, here or at another firm (the pool's
/// usernames are unique): 409. Members made before the guard existed are found among the
/// firm's own staff (one Query of the one key `STAFF#<email>`, not a read of the team); a login of another firm without a guard is refused by Cognito when the
/// invite is used.
async fn refuse_existing_login(store: &Store, firm_id: &str, email: &EmailAddress) -> Result<()> {
    let guard_pk = keys::staff_login(email.as_str());
    let (guard, here) = tokio::try_join!(store.get::<StaffLoginRecord>(&guard_pk, keys::STAFF_LOGIN_SK), store.staff_member_by_email(firm_id, email.as_str()))?;
    if here.as_ref().is_some_and(|s| s.deactivated_at.is_some()) {
        return Err(Error::Conflict(format!("{email} is a deactivated member of your team: reactivate them on the Team page instead")));
    }
    if here.is_some() || guard.as_ref().is_some_and(|g| g.firm_id == firm_id && g.sub.is_some()) {
        return Err(Error::Conflict(format!("{email} is already a member of your team")));
    }
    if guard.is_some_and(|g| g.sub.is_some()) {
        return Err(Error::Conflict(format!(
            "{email} already has a staff login at another firm; one address can belong to one firm only — invite another address"
        )));
    }
    Ok(())
}

/// Invite `input.email` to join firm `firm_id` with `input.role`, and email the link.
///
/// The link lasts the firm's invite lifetime, or `lifetime_days` (the stage's default) for a
/// firm without one. An address whose invite is still open gets nothing new: the open
/// invite is returned with `outcome: already_open` (so re-running an operator's command,
/// or a double click, changes nothing). Refused with 409: an address that already has a
/// staff login. Role rules (only an owner invites an owner) are the caller's: see
/// [`rules::may_touch`]; an operator's `create-firm` invites the first owner.
pub async fn invite(
    store: &Store,
    outbox: &Outbox<'_, impl Mailer>,
    by: &By,
    firm_id: &str,
    input: StaffInviteInput,
    lifetime_days: u32,
) -> Result<StaffInviteView> {
    let new = input.parse()?;
    let id = keys::staff_invite_id(firm_id, new.email.as_str());
    let pk = keys::staff_invite(&id);
    let (firm, existing, ()) =
        tokio::try_join!(store.firm(firm_id), store.get::<StaffInviteRecord>(&pk, keys::STAFF_INVITE_SK), refuse_existing_login(store, firm_id, &new.email))?;
    let now = domain::now();
    if let Some(open) = existing.as_ref().filter(|i| i.is_open(now)) {
        return Ok(StaffInviteView::of(open, now).with("already_open"));
    }
    let expires = now + Duration::days(i64::from(firm.invite_ttl_days.unwrap_or(lifetime_days).clamp(1, 365)));
    let mut after = match &existing {
        Some(old) => {
            let mut a = old.clone();
            a.end_link(StaffInviteEnd::Replaced);
            a.version = old.version + 1;
            a.accepted_at = None;
            a.accepted_sub = None;
            a
        }
        None => StaffInviteRecord {
            pk: keys::staff_invite(&id),
            sk: keys::STAFF_INVITE_SK.into(),
            gsi1pk: keys::firm(firm_id),
            gsi1sk: keys::staff_invite_sort(new.email.as_str()),
            invite_id: id.clone(),
            firm_id: firm_id.into(),
            email: new.email.to_string(),
            name: String::new(),
            role: new.role,
            invited_by: by.actor.clone(),
            invited_at: now,
            link_expires_at: expires,
            token_hash: None,
            ended_links: Vec::new(),
            accepted_sub: None,
            accepted_at: None,
            version: 1,
        },
    };
    after.name = new.name.as_str().to_string();
    after.role = new.role;
    let detail = format!("{} invited as {}", new.email, new.role);
    send_link(store, outbox, &firm, by, existing.as_ref(), after, expires, now, detail).await
}

/// Give an invite a new link (the old one stops working) and email it.
pub async fn resend(
    store: &Store,
    outbox: &Outbox<'_, impl Mailer>,
    by: &By,
    actor_role: Role,
    firm_id: &str,
    invite_id: &str,
    lifetime_days: u32,
) -> Result<StaffInviteView> {
    let before = load(store, firm_id, invite_id).await?;
    rules::may_touch(actor_role, before.role)?;
    let firm = store.firm(firm_id).await?;
    let now = domain::now();
    let expires = now + Duration::days(i64::from(firm.invite_ttl_days.unwrap_or(lifetime_days).clamp(1, 365)));
    let mut after = before.clone();
    after.end_link(StaffInviteEnd::Replaced);
    after.version = before.version + 1;
    let detail = format!("{} invited again as {} (the earlier link no longer works)", before.email, before.role);
    send_link(store, outbox, &firm, by, Some(&before), after, expires, now, detail).await
}

/// Revoke an invite: its link stops working at once and says it was revoked.
pub async fn revoke(store: &Store, by: &By, actor_role: Role, firm_id: &str, invite_id: &str) -> Result<()> {
    let before = load(store, firm_id, invite_id).await?;
    rules::may_touch(actor_role, before.role)?;
    let now = domain::now();
    let mut after = before.clone();
    after.end_link(StaffInviteEnd::Revoked);
    after.version = before.version + 1;
    let entry = audit::firm_entry(firm_id, event::STAFF_INVITE_REVOKED, by, now, Some(invite_id), Some(format!("invite to {} revoked", before.email)))?;
    let items = vec![tx::put_versioned(store.table(), &after, before.version)?, audit::tx_put(store, &entry)?];
    store.transact(items, |_| changed_meanwhile()).await?;
    tracing::info!(%firm_id, %invite_id, "staff invite revoked");
    Ok(())
}

/// An invite of this firm that has a link (open or expired) and was not used.
async fn load(store: &Store, firm_id: &str, invite_id: &str) -> Result<StaffInviteRecord> {
    if invite_id.len() != 32 || !invite_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::NotFound("invite"));
    }
    match store.get::<StaffInviteRecord>(&keys::staff_invite(invite_id), keys::STAFF_INVITE_SK).await? {
        Some(i) if i.firm_id == firm_id && i.listed() => Ok(i),
        _ => Err(Error::NotFound("invite")),
    }
}

/// Record the invite with a new link (and its history entry), then send the email. The
/// record comes first, so whoever gets an email has a live link; an email the service
/// refuses puts the invite back as it was and takes the entry out again (the history never
/// claims an invite that did not go out).
#[allow(clippy::too_many_arguments)]
async fn send_link(
    store: &Store,
    outbox: &Outbox<'_, impl Mailer>,
    firm: &FirmRecord,
    by: &By,
    before: Option<&StaffInviteRecord>,
    mut after: StaffInviteRecord,
    expires: OffsetDateTime,
    now: OffsetDateTime,
    detail: String,
) -> Result<StaffInviteView> {
    let (token, hash) = new_token(&after.invite_id)?;
    after.open_link(hash);
    after.link_expires_at = expires;
    after.invited_at = now;
    after.invited_by = by.actor.clone();
    let entry: AuditRecord = audit::firm_entry(&firm.firm_id, event::STAFF_INVITED, by, now, Some(&after.invite_id), Some(detail))?;
    let write = match before {
        Some(b) => tx::put_versioned(store.table(), &after, b.version)?,
        None => tx::put_new(store.table(), &after)?,
    };
    store.transact(vec![write, audit::tx_put(store, &entry)?], |_| changed_meanwhile()).await?;

    let email = firm.letterhead(outbox.web_origin).wrap(invite_email(
        &firm.name,
        &by.actor.name,
        &after.name,
        after.role,
        &join_url(outbox.web_origin, &token),
        expires,
    ));
    let view = StaffInviteView::of(&after, now);
    match outbox.mailer.send(&firm.sender(), &after.email, &email, &[]).await {
        Ok(_) => {
            tracing::info!(firm_id = %firm.firm_id, invite_id = %after.invite_id, "staff invite sent");
            crate::telemetry::metrics::count(crate::telemetry::metrics::Metric::InvitesSent, 1, &[("invite", "staff")]);
            Ok(view.with("sent"))
        }
        Err(SendError::Unknown(reason)) => {
            tracing::warn!(invite_id = %after.invite_id, %reason, "no answer from SES for a staff invite");
            Ok(view.with("unconfirmed"))
        }
        Err(SendError::Refused(reason)) | Err(SendError::Throttled(reason)) => {
            tracing::warn!(invite_id = %after.invite_id, %reason, "SES refused a staff invite");
            let undo = match before {
                Some(b) => tx::put_versioned(store.table(), b, after.version)?,
                None => tx::delete_when(
                    store.table(),
                    &after.pk,
                    &after.sk,
                    "version = :v",
                    vec![(":v", aws_sdk_dynamodb::types::AttributeValue::N(after.version.to_string()))],
                )?,
            };
            let unlog = tx::delete(store.table(), &entry.pk, &entry.sk)?;
            if let Err(e) = store.transact(vec![undo, unlog], |_| changed_meanwhile()).await {
                tracing::error!(error = %e, "a refused staff invite could not be put back");
            }
            Err(Error::Conflict(format!("the email could not be sent, so nothing was changed: {reason}")))
        }
    }
}

/// A member as the Team page lists them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberView {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// `active` or `deactivated`.
    pub status: &'static str,
    #[serde(with = "time::serde::rfc3339::option")]
    pub joined_at: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub deactivated_at: Option<OffsetDateTime>,
}

impl From<&StaffRecord> for MemberView {
    fn from(r: &StaffRecord) -> Self {
        MemberView {
            id: r.sub.clone(),
            name: r.name.clone(),
            email: r.email.clone(),
            role: r.role,
            status: if r.deactivated_at.is_some() { "deactivated" } else { "active" },
            joined_at: r.joined_at,
            deactivated_at: r.deactivated_at,
        }
    }
}

/// One page of the firm's members (active and deactivated), in email order: one GSI1
/// Query of at most `limit` members.
pub async fn list_members(store: &Store, firm_id: &str, page: &PageRequest) -> Result<Page<MemberView>> {
    Ok(store.staff_page(firm_id, page).await?.map(|m| MemberView::from(&m)))
}

/// One page of the firm's invites not yet used (open or expired), in email order: one GSI1
/// Query (see `store::team` for why used and revoked invites are not in its range).
pub async fn list_invites(store: &Store, firm_id: &str, page: &PageRequest) -> Result<Page<StaffInviteView>> {
    let now = domain::now();
    Ok(store.staff_invites_page(firm_id, page).await?.map(|i| StaffInviteView::of(&i, now)))
}
