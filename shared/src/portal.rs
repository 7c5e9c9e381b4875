//! The contact's side of the core loop: open an invite link, create the login (or add the
//! client to an existing one), sign in, and who am I.
//!
//! The contacts pool lets no one sign up: a login is created here, only from a live
//! invite, only for the exact email the invite was sent to. Every step that can fail after
//! a Cognito user was created removes that user again, so a failure leaves no login that
//! no contact knows about.

use aws_sdk_cognitoidentityprovider::operation::admin_create_user::AdminCreateUserError;
use aws_sdk_cognitoidentityprovider::operation::admin_set_user_password::AdminSetUserPasswordError;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::auth::{Actor, Audience};
use crate::domain::{self, EmailAddress};
use crate::error::{aws, Error, Result};
use crate::invites::{hash_token, set_invite_state};
use crate::sessions::{self, Session};
use crate::store::{from_item, keys, s, tx, ContactRecord, InviteRecord, InviteState, Item, LinkRecord, Store, UserRecord};
use crate::AppState;

// ---------- password policy ----------

/// The contacts pool's password rules, read from Cognito once per cold start so the
/// message a contact sees is the pool's own rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordRules {
    pub min_length: usize,
    pub upper: bool,
    pub lower: bool,
    pub digit: bool,
    pub symbol: bool,
}

impl PasswordRules {
    pub fn describe(&self) -> String {
        let mut needs = Vec::new();
        if self.upper {
            needs.push("an upper-case letter");
        }
        if self.lower {
            needs.push("a lower-case letter");
        }
        if self.digit {
            needs.push("a number");
        }
        if self.symbol {
            needs.push("a symbol");
        }
        let mut text = format!("must be at least {} characters long", self.min_length);
        if !needs.is_empty() {
            let last = needs.pop().unwrap_or_default();
            let list = if needs.is_empty() { last.to_string() } else { format!("{} and {last}", needs.join(", ")) };
            text.push_str(&format!(" and contain {list}"));
        }
        text
    }

    pub fn check(&self, password: &str) -> Result<()> {
        let ok = password.chars().count() >= self.min_length
            && password.chars().count() <= 256
            && (!self.upper || password.chars().any(|c| c.is_uppercase()))
            && (!self.lower || password.chars().any(|c| c.is_lowercase()))
            && (!self.digit || password.chars().any(|c| c.is_ascii_digit()))
            && (!self.symbol || password.chars().any(|c| !c.is_alphanumeric() && !c.is_whitespace()))
            && password.trim() == password;
        if ok {
            Ok(())
        } else {
            Err(Error::field("password", format!("{} (and may not start or end with a space)", self.describe())))
        }
    }
}

pub async fn password_rules(state: &AppState) -> Result<&PasswordRules> {
    state
        .contact_password_rules
        .get_or_try_init(|| async {
            let out = state.cognito.describe_user_pool().user_pool_id(&state.config.contacts.pool_id).send().await.map_err(aws)?;
            let p = out.user_pool.and_then(|u| u.policies).and_then(|p| p.password_policy).ok_or_else(|| Error::internal("contacts pool has no password policy"))?;
            Ok(PasswordRules {
                min_length: p.minimum_length.unwrap_or(8).max(8) as usize,
                upper: p.require_uppercase,
                lower: p.require_lowercase,
                digit: p.require_numbers,
                symbol: p.require_symbols,
            })
        })
        .await
}

// ---------- invite links ----------

/// What the Create Account page shows for a live link.
#[derive(Debug, Serialize)]
pub struct InviteInfo {
    pub email: EmailAddress,
    pub first_name: String,
    pub last_name: String,
    pub firm_name: String,
    pub client_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The contact already has a login (invited to another client): the page asks for
    /// that password instead of a new one.
    pub has_login: bool,
    pub password_rule: String,
}

impl InviteInfo {
    fn login_state(contact: &ContactRecord) -> bool {
        // A revoked login is restored with a new password, like a new account.
        contact.user_sub.is_some() && contact.access_revoked_at.is_none()
    }
}

struct LiveInvite {
    invite: InviteRecord,
    link: LinkRecord,
    contact: ContactRecord,
}

/// Find a token's invite and check it can still be used. Unknown tokens (malformed ones
/// included) cost the same single lookup as known ones and answer 404; used, revoked,
/// replaced or expired ones answer 410 with what to do.
async fn live_invite(store: &Store, token: &str) -> Result<LiveInvite> {
    let hash = hash_token(token.trim());
    let invite = store.get::<InviteRecord>(&keys::invite(&hash), keys::INVITE_SK).await?.ok_or(Error::NotFound("invite"))?;
    match invite.state {
        InviteState::Used => return Err(Error::Gone("This invite link was already used to create an account. Sign in instead.".into())),
        InviteState::Revoked => return Err(Error::Gone("This invite link was revoked by the firm. Ask them for a new invite.".into())),
        InviteState::Replaced => return Err(Error::Gone("A newer invite was sent to you. Use the link in the most recent email.".into())),
        InviteState::Live => {}
    }
    if domain::now() >= invite.link_expires_at {
        return Err(Error::Gone(format!(
            "This invite link expired on {}. Ask the firm to send a new invite.",
            crate::templates::long_date(invite.link_expires_at)
        )));
    }
    let items = store
        .batch_get(vec![(keys::client(&invite.client_id), keys::contact(&invite.contact_id)), (keys::contact(&invite.contact_id), keys::PROFILE_SK.into())])
        .await?;
    let mut link = None;
    let mut contact = None;
    for item in items {
        if item.get("SK").and_then(|v| v.as_s().ok()).map(String::as_str) == Some(keys::PROFILE_SK) {
            contact = Some(from_item::<ContactRecord>(item)?);
        } else {
            link = Some(from_item::<LinkRecord>(item)?);
        }
    }
    let gone = || Error::Gone("This invite link is no longer valid. Ask the firm to send a new invite.".into());
    let (link, contact) = (link.ok_or_else(gone)?, contact.ok_or_else(gone)?);
    // Defence in depth: the contact's link must still name this invite as the live one.
    if link.invite_hash.as_deref() != Some(hash.as_str()) {
        return Err(Error::Gone("A newer invite was sent to you. Use the link in the most recent email.".into()));
    }
    if contact.email.as_ref() != Some(&invite.email) {
        return Err(Error::Gone("The firm changed the email address this invite was sent to. Ask them for a new invite.".into()));
    }
    Ok(LiveInvite { invite, link, contact })
}

pub async fn invite_info(state: &AppState, token: &str) -> Result<InviteInfo> {
    let live = live_invite(&state.store, token).await?;
    let rules = password_rules(state).await?;
    let i = live.invite;
    Ok(InviteInfo {
        email: i.email,
        first_name: i.first_name,
        last_name: i.last_name,
        firm_name: i.firm_name,
        client_name: i.client_name,
        expires_at: i.link_expires_at,
        has_login: InviteInfo::login_state(&live.contact),
        password_rule: format!("Your password {}.", rules.describe()),
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateAccountInput {
    #[serde(default)]
    pub password: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AccountCreated {
    /// `false` when the invite added this client to the contact's existing login.
    pub created: bool,
    pub email: EmailAddress,
    pub client_id: String,
    pub session: Session,
}

/// Accept an invite: create the contact's login for the invited email (or, if they have
/// one, prove it with its password), grant access to the client, and sign in.
pub async fn create_account(state: &AppState, token: &str, input: CreateAccountInput) -> Result<AccountCreated> {
    let password = input.password.unwrap_or_default();
    if password.is_empty() {
        return Err(Error::field("password", "is required"));
    }
    let live = live_invite(&state.store, token).await?;
    let store = &state.store;
    let pool = &state.config.contacts;
    let email = live.invite.email.clone();
    let now = domain::now();
    let accept = |extra: Vec<aws_sdk_dynamodb::types::TransactWriteItem>| -> Result<Vec<aws_sdk_dynamodb::types::TransactWriteItem>> {
        let mut items = vec![
            set_invite_state(store, &live.invite.token_hash, InviteState::Used, now)?,
            tx::update(
                store.table(),
                &live.link.pk,
                &live.link.sk,
                "SET accepted_at = :now REMOVE invite_hash, access_revoked_at",
                "invite_hash = :h",
                Item::from([(":now".to_string(), s(domain::rfc3339(now)?)), (":h".to_string(), s(live.invite.token_hash.clone()))]),
                Default::default(),
            )?,
        ];
        items.extend(extra);
        Ok(items)
    };
    let used_meanwhile = |_| Error::Gone("This invite link was just used or replaced. Sign in, or use the most recent email.".into());

    if let (Some(sub), Some(_)) = (&live.contact.user_sub, live.contact.access_revoked_at) {
        // A login the firm revoked: the new invite (sent to the same address) restores it
        // with a new password.
        password_rules(state).await?.check(&password)?;
        let pool_id = &pool.pool_id;
        state.cognito.admin_enable_user().user_pool_id(pool_id).username(email.as_str()).send().await.map_err(aws)?;
        let restored = async {
            set_password(state, &email, &password).await?;
            let user = UserRecord {
                pk: keys::user(sub),
                sk: keys::USER_SK.into(),
                sub: sub.clone(),
                contact_id: live.contact.contact_id.clone(),
                firm_id: live.contact.firm_id.clone(),
            };
            let unrevoke = tx::update(
                store.table(),
                &live.contact.pk,
                &live.contact.sk,
                "REMOVE access_revoked_at",
                "user_sub = :sub",
                Item::from([(":sub".to_string(), s(sub.clone()))]),
                Default::default(),
            )?;
            store.transact(accept(vec![tx::put_new(store.table(), &user)?, unrevoke])?, used_meanwhile).await
        }
        .await;
        if let Err(e) = restored {
            let _ = state.cognito.admin_disable_user().user_pool_id(pool_id).username(email.as_str()).send().await;
            return Err(e);
        }
        let session = sessions::sign_in(&state.cognito, pool, &email, &password).await?;
        record_login(store, &live.contact.contact_id, now).await?;
        tracing::info!(contact_id = %live.contact.contact_id, "revoked login restored by a new invite");
        return Ok(AccountCreated { created: false, email, client_id: live.invite.client_id, session });
    }

    if let Some(sub) = &live.contact.user_sub {
        // An existing login: the password must be its password; then this client is added.
        let session = sessions::sign_in(&state.cognito, pool, &email, &password).await.map_err(|e| match e {
            Error::BadCredentials => Error::field("password", "is not the password of your existing portal login"),
            other => other,
        })?;
        store.transact(accept(vec![])?, used_meanwhile).await?;
        record_login(store, &live.contact.contact_id, now).await?;
        tracing::info!(contact_id = %live.contact.contact_id, user = %sub, client_id = %live.invite.client_id, "invite accepted with existing login");
        return Ok(AccountCreated { created: false, email, client_id: live.invite.client_id, session });
    }

    password_rules(state).await?.check(&password)?;
    let sub = create_user(state, &email).await?;
    let result = async {
        set_password(state, &email, &password).await?;
        let user = UserRecord {
            pk: keys::user(&sub),
            sk: keys::USER_SK.into(),
            sub: sub.clone(),
            contact_id: live.contact.contact_id.clone(),
            firm_id: live.contact.firm_id.clone(),
        };
        let link_user = tx::update(
            store.table(),
            &live.contact.pk,
            &live.contact.sk,
            "SET user_sub = :sub",
            "attribute_not_exists(user_sub)",
            Item::from([(":sub".to_string(), s(sub.clone()))]),
            Default::default(),
        )?;
        store.transact(accept(vec![tx::put_new(store.table(), &user)?, link_user])?, used_meanwhile).await
    }
    .await;
    if let Err(e) = result {
        // Leave no login behind that no contact record knows.
        if let Err(del) = state.cognito.admin_delete_user().user_pool_id(&pool.pool_id).username(email.as_str()).send().await {
            tracing::error!(error = %aws(del), "could not remove a half-created login");
        }
        return Err(e);
    }
    let session = sessions::sign_in(&state.cognito, pool, &email, &password).await?;
    record_login(store, &live.contact.contact_id, now).await?;
    tracing::info!(contact_id = %live.contact.contact_id, client_id = %live.invite.client_id, "portal login created");
    Ok(AccountCreated { created: true, email, client_id: live.invite.client_id, session })
}

async fn create_user(state: &AppState, email: &EmailAddress) -> Result<String> {
    let out = state
        .cognito
        .admin_create_user()
        .user_pool_id(&state.config.contacts.pool_id)
        .username(email.as_str())
        .user_attributes(AttributeType::builder().name("email").value(email.as_str()).build().map_err(Error::internal)?)
        .user_attributes(AttributeType::builder().name("email_verified").value("true").build().map_err(Error::internal)?)
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .map_err(|e| match e.as_service_error() {
            Some(AdminCreateUserError::UsernameExistsException(_)) => Error::Conflict(
                "A portal login already exists for this email address. Sign in with it, or ask the firm for help.".into(),
            ),
            _ => aws(e),
        })?;
    out.user
        .and_then(|u| u.attributes.unwrap_or_default().into_iter().find(|a| a.name == "sub").and_then(|a| a.value))
        .ok_or_else(|| Error::internal("Cognito returned no sub for the new user"))
}

async fn set_password(state: &AppState, email: &EmailAddress, password: &str) -> Result<()> {
    state
        .cognito
        .admin_set_user_password()
        .user_pool_id(&state.config.contacts.pool_id)
        .username(email.as_str())
        .password(password)
        .permanent(true)
        .send()
        .await
        .map_err(|e| match e.as_service_error() {
            Some(AdminSetUserPasswordError::InvalidPasswordException(ex)) => {
                Error::field("password", ex.message().unwrap_or("does not meet the password policy").to_string())
            }
            _ => aws(e),
        })?;
    Ok(())
}

/// Record a sign-in: on the contact and on every client link they have access to (the
/// status view reads the link), in one transaction.
pub async fn record_login(store: &Store, contact_id: &str, now: OffsetDateTime) -> Result<()> {
    let links: Vec<LinkRecord> = store.query_gsi1(&keys::contact(contact_id), "CLIENT#").await?.into_iter().map(from_item).collect::<Result<_>>()?;
    let at = Item::from([(":now".to_string(), s(domain::rfc3339(now)?))]);
    let mut items = vec![tx::update(store.table(), &keys::contact(contact_id), keys::PROFILE_SK, "SET last_login_at = :now", "attribute_exists(PK)", at.clone(), Default::default())?];
    for l in links.iter().filter(|l| l.accepted_at.is_some()) {
        items.push(tx::update(store.table(), &l.pk, &l.sk, "SET last_login_at = :now", "attribute_exists(PK)", at.clone(), Default::default())?);
    }
    store.transact(items, |_| Error::Conflict("the contact changed meanwhile".into())).await
}

/// Contact sign-in: tokens from the contacts pool, only for a login that belongs to a
/// contact, and the last login recorded.
pub async fn sign_in(state: &AppState, email: &EmailAddress, password: &str) -> Result<Session> {
    let session = sessions::sign_in(&state.cognito, &state.config.contacts, email, password).await?;
    let actor = state.authenticate_token(&session.access_token, Audience::Contact).await?;
    if let Actor::Contact { contact_id, .. } = &actor {
        record_login(&state.store, contact_id, domain::now()).await?;
    }
    Ok(session)
}

// ---------- me ----------

#[derive(Debug, Serialize)]
pub struct PortalClient {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct Me {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<EmailAddress>,
    pub phone: Option<String>,
    pub address: Option<crate::store::Address>,
    pub firm_name: String,
    pub help_center_url: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_login_at: Option<OffsetDateTime>,
    /// The portals this contact can open (clients whose invite they accepted).
    pub clients: Vec<PortalClient>,
}

pub async fn me(store: &Store, contact_id: &str) -> Result<Me> {
    let pk = keys::contact(contact_id);
    let (contact, links) = tokio::try_join!(store.get::<ContactRecord>(&pk, keys::PROFILE_SK), store.query_gsi1(&pk, "CLIENT#"))?;
    let contact = contact.ok_or(Error::NotFound("contact"))?;
    let firm = store.firm(&contact.firm_id).await?;
    let mut clients: Vec<PortalClient> = links
        .into_iter()
        .map(from_item::<LinkRecord>)
        .filter(|l| l.as_ref().map_or(true, |l| l.accepted_at.is_some()))
        .map(|l| l.map(|l| PortalClient { id: l.client_id, name: l.client_name }))
        .collect::<Result<_>>()?;
    clients.sort_by_key(|c| c.name.to_lowercase());
    Ok(Me {
        id: contact.contact_id,
        first_name: contact.first_name,
        last_name: contact.last_name,
        email: contact.email,
        phone: contact.phone,
        address: contact.address,
        firm_name: firm.name,
        help_center_url: firm.help_center_url,
        last_login_at: contact.last_login_at,
        clients,
    })
}

// ---------- revoking access ----------

/// Revoke a contact's portal access in one action: the login stops working at once (its
/// USER record goes, so every API call answers 401), every client link loses its access and
/// open invite, and in Cognito the user is disabled and all sessions end. The status shows
/// `revoked` until a new invite is accepted, which restores the same login.
pub async fn revoke_access(state: &AppState, firm_id: &str, contact_id: &str) -> Result<crate::clients::ContactDetail> {
    let store = &state.store;
    let contact = match store.get::<ContactRecord>(&keys::contact(contact_id), keys::PROFILE_SK).await? {
        Some(c) if c.firm_id == firm_id && domain::is_plausible_id(contact_id) => c,
        _ => return Err(Error::NotFound("contact")),
    };
    let links: Vec<LinkRecord> = store.query_gsi1(&keys::contact(contact_id), "CLIENT#").await?.into_iter().map(from_item).collect::<Result<_>>()?;
    let now = domain::now();
    let at = Item::from([(":now".to_string(), s(domain::rfc3339(now)?))]);
    let mut items = vec![tx::update(store.table(), &contact.pk, &contact.sk, "SET access_revoked_at = :now", "attribute_exists(PK)", at.clone(), Default::default())?];
    if let Some(sub) = &contact.user_sub {
        items.push(tx::delete(store.table(), &keys::user(sub), keys::USER_SK)?);
    }
    for l in &links {
        items.push(tx::update(
            store.table(),
            &l.pk,
            &l.sk,
            "SET access_revoked_at = :now REMOVE accepted_at, last_login_at, invite_hash, invited_at, invite_expires_at, invite_delivery",
            "attribute_exists(PK)",
            at.clone(),
            Default::default(),
        )?);
        if let (Some(h), Some(exp)) = (&l.invite_hash, l.invite_expires_at) {
            if exp > now {
                items.push(set_invite_state(store, h, InviteState::Revoked, now)?);
            }
        }
    }
    store.transact(items, |_| Error::Conflict("the contact changed meanwhile; reload and try again".into())).await?;
    if let (Some(_), Some(email)) = (&contact.user_sub, &contact.email) {
        let pool = &state.config.contacts.pool_id;
        if let Err(e) = state.cognito.admin_disable_user().user_pool_id(pool).username(email.as_str()).send().await {
            tracing::error!(%contact_id, error = %aws(e), "could not disable the revoked login (the portal already refuses it)");
        }
        if let Err(e) = state.cognito.admin_user_global_sign_out().user_pool_id(pool).username(email.as_str()).send().await {
            tracing::error!(%contact_id, error = %aws(e), "could not end the revoked login's sessions (the portal already refuses them)");
        }
    }
    tracing::info!(%contact_id, "portal access revoked");
    let mut updated = contact;
    updated.access_revoked_at = Some(now);
    Ok(crate::clients::ContactDetail::from(&updated))
}

// ---------- home ----------

#[derive(Debug, Serialize)]
pub struct TodoSummary {
    pub open: usize,
    pub overdue: usize,
    pub items: Vec<crate::requests::RequestView>,
}

#[derive(Debug, Serialize)]
pub struct BillingGlance {
    pub balances: Vec<crate::billing::Balance>,
    pub open_invoices: usize,
    pub online_payments_enabled: bool,
}

#[derive(Debug, Serialize)]
pub struct Home {
    pub client: PortalClient,
    pub firm_name: String,
    pub help_center_url: Option<String>,
    pub todo: TodoSummary,
    pub recent_files: Vec<crate::files::FileView>,
    /// Absent when the firm has billing off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing: Option<BillingGlance>,
}

/// How many items each Home section shows.
pub const HOME_ITEMS: usize = 5;

/// The contact's Home for one client. Two AWS calls: `BatchGetItem` (the contact's link —
/// the access check — and the firm's settings) and one `Query` of the client's files,
/// invoices, payments and requests.
pub async fn home(store: &Store, contact_id: &str, firm_id: &str, client_id: &str) -> Result<Home> {
    if !domain::is_plausible_id(client_id) {
        return Err(Error::NotFound("client"));
    }
    let got = store.batch_get(vec![(keys::client(client_id), keys::contact(contact_id)), (keys::firm(firm_id), keys::FIRM_SK.into())]).await?;
    let mut link = None;
    let mut firm = None;
    for item in got {
        if item.get("SK").and_then(|v| v.as_s().ok()).map(String::as_str) == Some(keys::FIRM_SK) {
            firm = Some(from_item::<crate::store::FirmRecord>(item)?);
        } else {
            link = Some(from_item::<LinkRecord>(item)?);
        }
    }
    let link = link.filter(|l| l.accepted_at.is_some()).ok_or(Error::NotFound("client"))?;
    let firm = firm.ok_or_else(|| Error::internal("firm settings missing"))?;
    let viewer = crate::access::Viewer::Contact { contact_id: contact_id.into(), firm_id: firm_id.into(), name: String::new() };
    let items = store.query_between(&keys::client(client_id), "FILE#", "REQUEST$").await?;
    let today = domain::now().date();
    let mut requests = Vec::new();
    let mut files = Vec::new();
    for item in &items {
        let sk = item.get("SK").and_then(|v| v.as_s().ok()).map(String::as_str).unwrap_or("");
        if sk.starts_with("REQUEST#") {
            let r: crate::requests::RequestRecord = from_item(item.clone())?;
            if crate::requests::visible(&r, &viewer) && r.status != crate::requests::RequestStatus::Completed {
                requests.push(crate::requests::RequestView::new(&r, today));
            }
        } else if sk.starts_with("FILE#") {
            let f: crate::store::FileRecord = from_item(item.clone())?;
            if crate::files::visible_to(&f, &viewer) {
                files.push(crate::files::FileView::new(&f, &viewer));
            }
        }
    }
    crate::requests::sort_for_todo(&mut requests);
    files.sort_by_key(|f| std::cmp::Reverse(f.created_at));
    let billing = if firm.billing_enabled {
        let summary = crate::billing::summary(&items, firm.online_payments_enabled)?;
        Some(BillingGlance {
            open_invoices: summary.invoices.iter().filter(|i| i.status != "paid").count(),
            balances: summary.balances,
            online_payments_enabled: firm.online_payments_enabled,
        })
    } else {
        None
    };
    let open = requests.iter().filter(|r| r.status == crate::requests::RequestStatus::Open).count();
    let overdue = requests.iter().filter(|r| r.overdue).count();
    Ok(Home {
        client: PortalClient { id: link.client_id, name: link.client_name },
        firm_name: firm.name,
        help_center_url: firm.help_center_url,
        todo: TodoSummary { open, overdue, items: requests.into_iter().take(HOME_ITEMS).collect() },
        recent_files: files.into_iter().take(HOME_ITEMS).collect(),
        billing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> PasswordRules {
        PasswordRules { min_length: 10, upper: true, lower: true, digit: true, symbol: false }
    }

    #[test]
    fn the_rule_reads_as_a_sentence() {
        assert_eq!(rules().describe(), "must be at least 10 characters long and contain an upper-case letter, a lower-case letter and a number");
    }

    #[test]
    fn weak_passwords_are_refused_with_the_rule() {
        for weak in ["short1A", "alllowercase123", "ALLUPPERCASE123", "NoDigitsHereAtAll", " Leading1space"] {
            let e = rules().check(weak).unwrap_err();
            assert!(e.public_detail().contains("at least 10 characters"), "{weak}");
        }
        assert!(rules().check("Correct-Horse-42").is_ok());
    }
}
