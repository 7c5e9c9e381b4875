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

use crate::domain::{self, EmailAddress};
use crate::error::{aws, Error, Result};
use crate::ops::audit::Origin;
use crate::ops::invites::{hash_token, invite_write, same_hash, token_ids};
use crate::ports::sessions::{self, Session, SignIn};
use crate::store::{from_item, keys, s, tx, ActorRef, ContactRecord, InviteEnd, Item, LinkRecord, Store, UserRecord};
use aws_sdk_dynamodb::types::AttributeValue;
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
            let out = state.cognito().await.describe_user_pool().user_pool_id(&state.config.contacts.pool_id).send().await.map_err(aws)?;
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
    link: LinkRecord,
    contact: ContactRecord,
    hash: String,
}

/// Wrong passwords (of an existing login) one invite link takes before it stops working.
/// Cognito limits sign-in attempts too; this bounds guessing through the invite page.
pub const MAX_ATTEMPTS: u32 = 10;

/// Find a token's invite and check it can still be used. Every token — unknown, malformed,
/// right ids with a wrong secret — costs the same one read and answers the same 404; only
/// the holder of a real link that ended (used, revoked, replaced, expired) is told why,
/// with 410.
async fn live_invite(store: &Store, token: &str) -> Result<LiveInvite> {
    let token = token.trim();
    let hash = hash_token(token);
    let nil = uuid::Uuid::nil().hyphenated().to_string();
    let (client_id, contact_id) = token_ids(token).unwrap_or_else(|| (nil.clone(), nil));
    let items = store.batch_get(vec![(keys::client(&client_id), keys::contact(&contact_id)), (keys::contact(&contact_id), keys::PROFILE_SK.into())]).await?;
    let mut link = None;
    let mut contact = None;
    for item in items {
        if item.get("SK").and_then(|v| v.as_s().ok()).map(String::as_str) == Some(keys::PROFILE_SK) {
            contact = Some(from_item::<ContactRecord>(item)?);
        } else {
            link = Some(from_item::<LinkRecord>(item)?);
        }
    }
    let link = link.ok_or(Error::NotFound("invite"))?;
    if !link.invite_hash.as_deref().is_some_and(|h| same_hash(h, &hash)) {
        let ended = link.past_invites.iter().find(|p| same_hash(&p.hash, &hash)).ok_or(Error::NotFound("invite"))?;
        return Err(Error::Gone(
            match ended.ended {
                InviteEnd::Used => "This invite link was already used to create an account. Sign in instead.",
                InviteEnd::Revoked => "This invite link was revoked by the firm. Ask them for a new invite.",
                InviteEnd::Replaced => "A newer invite was sent to you. Use the link in the most recent email.",
                InviteEnd::EmailChanged => "The firm changed the email address this invite was sent to. Ask them for a new invite.",
            }
            .into(),
        ));
    }
    let expires_at = link.invite_expires_at.ok_or(Error::NotFound("invite"))?;
    if domain::now() >= expires_at {
        return Err(Error::Gone(format!("This invite link expired on {}. Ask the firm to send a new invite.", crate::ops::templates::long_date(expires_at))));
    }
    if link.invite_attempts >= MAX_ATTEMPTS {
        return Err(Error::Gone("This invite link was locked after too many wrong passwords. Ask the firm to send a new invite.".into()));
    }
    let contact = contact.ok_or_else(|| Error::Gone("This invite link is no longer valid. Ask the firm to send a new invite.".into()))?;
    if contact.email.is_none() || contact.email != link.email {
        return Err(Error::Gone("The firm changed the email address this invite was sent to. Ask them for a new invite.".into()));
    }
    Ok(LiveInvite { link, contact, hash })
}

pub async fn invite_info(state: &AppState, token: &str) -> Result<InviteInfo> {
    let live = live_invite(&state.store, token).await?;
    let (rules, firm) = tokio::try_join!(password_rules(state), state.firm_settings(&live.link.firm_id))?;
    let l = live.link;
    Ok(InviteInfo {
        email: live.contact.email.clone().ok_or(Error::NotFound("invite"))?,
        first_name: l.first_name,
        last_name: l.last_name,
        firm_name: firm.name,
        client_name: l.client_name,
        expires_at: l.invite_expires_at.unwrap_or_else(domain::now),
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
    /// Tokens, or the MFA step when the login has an authenticator app.
    pub session: SignIn,
}

fn contact_actor(contact: &ContactRecord) -> ActorRef {
    ActorRef { kind: "contact".into(), id: contact.contact_id.clone(), name: format!("{} {}", contact.first_name, contact.last_name) }
}

/// Count a wrong password against the live link (see [`MAX_ATTEMPTS`]).
async fn count_attempt(store: &Store, live: &LiveInvite) -> Result<u32> {
    let left = MAX_ATTEMPTS.saturating_sub(live.link.invite_attempts + 1);
    let item = tx::update(
        store.table(),
        &live.link.pk,
        &live.link.sk,
        "ADD invite_attempts :one",
        "invite_hash = :h",
        Item::from([(":one".to_string(), AttributeValue::N("1".into())), (":h".to_string(), s(live.hash.clone()))]),
        Default::default(),
    )?;
    store.transact(vec![item], |_| Error::Gone("This invite link was just used or replaced. Sign in, or use the most recent email.".into())).await?;
    Ok(left)
}

/// Accept an invite: create the contact's login for the invited email (or, if they have
/// one, prove it with its password), grant access to the client, and sign in.
pub async fn create_account(state: &AppState, token: &str, input: CreateAccountInput, origin: &Origin) -> Result<AccountCreated> {
    let password = input.password.unwrap_or_default();
    if password.is_empty() {
        return Err(Error::field("password", "is required"));
    }
    let live = live_invite(&state.store, token).await?;
    let store = &state.store;
    let pool = &state.config.contacts;
    let email = live.contact.email.clone().ok_or(Error::NotFound("invite"))?;
    let client_id = live.link.client_id.clone();
    let now = domain::now();
    let accept = |event: &str, extra: Vec<aws_sdk_dynamodb::types::TransactWriteItem>| -> Result<Vec<aws_sdk_dynamodb::types::TransactWriteItem>> {
        let mut after = live.link.clone();
        after.end_invite(InviteEnd::Used, now);
        let entry = crate::ops::audit::entry(&client_id, event, contact_actor(&live.contact), now, origin, Some(&live.contact.contact_id), None)?;
        let mut items = vec![
            invite_write(store, &after, Some(&live.hash), false, &[("accepted_at", Some(s(domain::rfc3339(now)?))), ("access_revoked_at", None)])?,
            crate::ops::audit::tx_put(store, &entry)?,
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
        state.cognito().await.admin_enable_user().user_pool_id(pool_id).username(email.as_str()).send().await.map_err(aws)?;
        let restored = async {
            set_password(state, &email, &password).await?;
            let user = UserRecord {
                pk: keys::user(sub),
                sk: keys::USER_SK.into(),
                sub: sub.clone(),
                contact_id: live.contact.contact_id.clone(),
                firm_id: live.contact.firm_id.clone(),
                mfa_enabled: false,
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
            store.transact(accept(crate::ops::audit::event::INVITE_ACCEPTED, vec![tx::put_new(store.table(), &user)?, unrevoke])?, used_meanwhile).await
        }
        .await;
        if let Err(e) = restored {
            let _ = state.cognito().await.admin_disable_user().user_pool_id(pool_id).username(email.as_str()).send().await;
            return Err(e);
        }
        let session = password_session(state, &live.contact.firm_id, &live.contact.contact_id, &email, &password, None).await?;
        tracing::info!(contact_id = %live.contact.contact_id, "revoked login restored by a new invite");
        return Ok(AccountCreated { created: false, email, client_id, session });
    }

    if let Some(sub) = &live.contact.user_sub {
        // An existing login: the password must be its password; then this client is added.
        let session = match sessions::sign_in(state.cognito().await, pool, &email, &password).await {
            Ok(answer) => answer,
            Err(Error::BadCredentials) => {
                let left = count_attempt(store, &live).await?;
                let hint = if left == 0 { "; this invite link is now locked".to_string() } else { format!(" ({left} attempts left with this link)") };
                return Err(Error::field("password", format!("is not the password of your existing portal login{hint}")));
            }
            Err(other) => return Err(other),
        };
        // The password is proven either way; with an authenticator app, the contact finishes
        // signing in with its code.
        store.transact(accept(crate::ops::audit::event::INVITE_ACCEPTED, vec![])?, used_meanwhile).await?;
        let session = after_password(state, &live.contact.firm_id, &live.contact.contact_id, &email, session, None).await?;
        tracing::info!(contact_id = %live.contact.contact_id, user = %sub, %client_id, "invite accepted with existing login");
        return Ok(AccountCreated { created: false, email, client_id, session });
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
            mfa_enabled: false,
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
        store.transact(accept(crate::ops::audit::event::ACCOUNT_CREATED, vec![tx::put_new(store.table(), &user)?, link_user])?, used_meanwhile).await
    }
    .await;
    if let Err(e) = result {
        // Leave no login behind that no contact record knows.
        if let Err(del) = state.cognito().await.admin_delete_user().user_pool_id(&pool.pool_id).username(email.as_str()).send().await {
            tracing::error!(error = %aws(del), "could not remove a half-created login");
        }
        return Err(e);
    }
    let session = password_session(state, &live.contact.firm_id, &live.contact.contact_id, &email, &password, None).await?;
    tracing::info!(contact_id = %live.contact.contact_id, %client_id, "portal login created");
    Ok(AccountCreated { created: true, email, client_id, session })
}

async fn create_user(state: &AppState, email: &EmailAddress) -> Result<String> {
    let out = state
        .cognito()
        .await
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
        .cognito()
        .await
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
/// status view reads the link), in one transaction; with `audit`, also a `signed_in` entry
/// in each of those clients' audit trails (account creation records its own entry).
pub async fn record_login(store: &Store, contact_id: &str, now: OffsetDateTime, audit: Option<&Origin>) -> Result<()> {
    let links: Vec<LinkRecord> = store.query_gsi1(&keys::contact(contact_id), "CLIENT#").await?.into_iter().map(from_item).collect::<Result<_>>()?;
    let at = Item::from([(":now".to_string(), s(domain::rfc3339(now)?))]);
    let mut items = vec![tx::update(store.table(), &keys::contact(contact_id), keys::PROFILE_SK, "SET last_login_at = :now", "attribute_exists(PK)", at.clone(), Default::default())?];
    for l in links.iter().filter(|l| l.accepted_at.is_some()) {
        items.push(tx::update(store.table(), &l.pk, &l.sk, "SET last_login_at = :now", "attribute_exists(PK)", at.clone(), Default::default())?);
        if let Some(origin) = audit {
            let actor = ActorRef { kind: "contact".into(), id: contact_id.into(), name: format!("{} {}", l.first_name, l.last_name) };
            let entry = crate::ops::audit::entry(&l.client_id, crate::ops::audit::event::SIGNED_IN, actor, now, origin, Some(contact_id), None)?;
            items.push(crate::ops::audit::tx_put(store, &entry)?);
        }
    }
    // A contact of more than 49 clients: the sign-in is still recorded, without the entries.
    if items.len() > 100 {
        items.retain(|i| i.put().is_none());
    }
    store.transact(items, |_| Error::Conflict("the contact changed meanwhile".into())).await
}

/// Contact sign-in: tokens from the contacts pool, only for a login that belongs to a
/// contact, and the last login recorded.
pub async fn sign_in(state: &AppState, email: &EmailAddress, password: &str, origin: &Origin) -> Result<SignIn> {
    let answer = sessions::sign_in(state.cognito().await, &state.config.contacts, email, password).await?;
    let SignIn::Session(session) = &answer else { return Ok(answer) };
    // Tokens are handed out only for a login that belongs to a contact.
    let login = state.verify_contact_login(&session.access_token).await?;
    after_password(state, &login.firm_id, &login.contact_id, email, answer, Some(origin)).await
}

/// Password sign-in of a contact whose firm and id are known (accepting an invite).
async fn password_session(state: &AppState, firm_id: &str, contact_id: &str, email: &EmailAddress, password: &str, origin: Option<&Origin>) -> Result<SignIn> {
    let answer = sessions::sign_in(state.cognito().await, &state.config.contacts, email, password).await?;
    after_password(state, firm_id, contact_id, email, answer, origin).await
}

/// What a right password leads to: the code step (Cognito asked for it), the
/// authenticator's setup (the firm requires one and this login has none: Cognito gave
/// tokens without asking for a code; see [`crate::ops::contact_mfa`]), or the session, with the
/// login recorded. The firm is read fresh, so turning the requirement on applies at once.
async fn after_password(state: &AppState, firm_id: &str, contact_id: &str, email: &EmailAddress, answer: SignIn, origin: Option<&Origin>) -> Result<SignIn> {
    let SignIn::Session(session) = answer else { return Ok(answer) };
    if state.store.firm(firm_id).await?.require_contact_mfa {
        let challenge = crate::ops::contact_mfa::start(state.cognito().await, &state.store, contact_id, email.as_str(), &session).await?;
        tracing::info!(%contact_id, "authenticator setup required by the firm");
        return Ok(SignIn::Challenge(challenge));
    }
    record_login(&state.store, contact_id, domain::now(), origin).await?;
    Ok(SignIn::Session(session))
}

/// The second step of a contact sign-in: the code of the authenticator app, or the first
/// code of an app being set up (Cognito's own setup, or the one a firm requires).
pub async fn complete_sign_in(state: &AppState, answer: &sessions::MfaAnswer, origin: &Origin) -> Result<Session> {
    let session = if answer.setup && crate::ops::contact_mfa::is_setup(&answer.session) {
        crate::ops::contact_mfa::complete(state.cognito().await, &state.store, &answer.session, &answer.code).await?.1
    } else {
        sessions::complete_mfa(state.cognito().await, &state.config.contacts, answer).await?
    };
    let login = state.verify_contact_login(&session.access_token).await?;
    mark_mfa_enabled(&state.store, &login.sub).await?;
    record_login(&state.store, &login.contact_id, domain::now(), Some(origin)).await?;
    Ok(session)
}

/// Remember that this login proved an authenticator app (see [`UserRecord::mfa_enabled`]).
pub async fn mark_mfa_enabled(store: &Store, sub: &str) -> Result<()> {
    let t = Item::from([(":t".to_string(), AttributeValue::Bool(true))]);
    let write = tx::update(store.table(), &keys::user(sub), keys::USER_SK, "SET mfa_enabled = :t", "attribute_exists(PK)", t, Default::default())?;
    store.transact(vec![write], |_| Error::Unauthorized("this login has no portal access".into())).await
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
pub async fn revoke_access(state: &AppState, by: &crate::ops::audit::By, firm_id: &str, contact_id: &str) -> Result<crate::ops::clients::ContactDetail> {
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
        let mut after = l.clone();
        after.end_invite(InviteEnd::Revoked, now);
        let extra = [("access_revoked_at", Some(s(domain::rfc3339(now)?))), ("accepted_at", None), ("last_login_at", None)];
        items.push(invite_write(store, &after, l.invite_hash.as_deref(), false, &extra)?);
        let entry = crate::ops::audit::entry(&l.client_id, crate::ops::audit::event::ACCESS_REVOKED, by.actor.clone(), now, &by.origin, Some(contact_id), None)?;
        items.push(crate::ops::audit::tx_put(store, &entry)?);
    }
    store.transact(items, |_| Error::Conflict("the contact changed meanwhile; reload and try again".into())).await?;
    if let (Some(_), Some(email)) = (&contact.user_sub, &contact.email) {
        let pool = &state.config.contacts.pool_id;
        if let Err(e) = state.cognito().await.admin_disable_user().user_pool_id(pool).username(email.as_str()).send().await {
            tracing::error!(%contact_id, error = %aws(e), "could not disable the revoked login (the portal already refuses it)");
        }
        if let Err(e) = state.cognito().await.admin_user_global_sign_out().user_pool_id(pool).username(email.as_str()).send().await {
            tracing::error!(%contact_id, error = %aws(e), "could not end the revoked login's sessions (the portal already refuses them)");
        }
    }
    tracing::info!(%contact_id, "portal access revoked");
    let mut updated = contact;
    updated.access_revoked_at = Some(now);
    Ok(crate::ops::clients::ContactDetail::from(&updated))
}

// ---------- home ----------

#[derive(Debug, Serialize)]
pub struct TodoSummary {
    pub open: usize,
    pub overdue: usize,
    pub items: Vec<crate::ops::requests::RequestView>,
    /// Documents waiting for the contact's signature (counted in `open` and `overdue`).
    pub signatures: Vec<crate::ops::signatures::SignatureTodo>,
}

#[derive(Debug, Serialize)]
pub struct BillingGlance {
    pub balances: Vec<crate::ops::billing::Balance>,
    pub open_invoices: usize,
    pub online_payments_enabled: bool,
}

#[derive(Debug, Serialize)]
pub struct Home {
    pub client: PortalClient,
    pub firm_name: String,
    pub help_center_url: Option<String>,
    pub todo: TodoSummary,
    pub recent_files: Vec<crate::ops::files::FileView>,
    /// Absent when the firm has billing off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing: Option<BillingGlance>,
    /// Unread messages in the threads shared with the contact.
    pub messages: crate::ops::messages::UnreadSummary,
}

/// How many items each Home section shows.
pub const HOME_ITEMS: usize = 5;

/// The contact's Home for one client. Two AWS calls: `BatchGetItem` (the contact's link —
/// the access check — and the firm's settings) and one `Query` of the client's files,
/// signature forms, invoices, message threads, payments and requests.
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
    let viewer = crate::ops::access::Viewer::Contact { contact_id: contact_id.into(), firm_id: firm_id.into(), name: String::new() };
    let items = store.query_between(&keys::client(client_id), "FILE#", "REQUEST$").await?;
    let today = domain::now().date();
    let mut requests = Vec::new();
    let mut files = Vec::new();
    let mut threads = Vec::new();
    let mut forms = Vec::new();
    for item in &items {
        let sk = item.get("SK").and_then(|v| v.as_s().ok()).map(String::as_str).unwrap_or("");
        if sk.starts_with("REQUEST#") {
            let r: crate::ops::requests::RequestRecord = from_item(item.clone())?;
            if crate::ops::requests::visible(&r, &viewer) && r.status != crate::ops::requests::RequestStatus::Completed {
                requests.push(crate::ops::requests::RequestView::new(&r, today));
            }
        } else if sk.starts_with("FORM#") {
            forms.push(from_item::<crate::ops::signatures::FormRecord>(item.clone())?);
        } else if sk.starts_with("MSGTHREAD#") {
            threads.push(from_item::<crate::ops::messages::ThreadRecord>(item.clone())?);
        } else if sk.starts_with("FILE#") {
            let f: crate::store::FileRecord = from_item(item.clone())?;
            if crate::ops::files::visible_to(&f, &viewer) {
                files.push(crate::ops::files::FileView::new(&f, &viewer));
            }
        }
    }
    crate::ops::requests::sort_for_todo(&mut requests);
    files.sort_by_key(|f| std::cmp::Reverse(f.created_at));
    let billing = if firm.billing_enabled {
        let summary = crate::ops::billing::summary(&items, firm.online_payments_enabled)?;
        Some(BillingGlance {
            open_invoices: summary.invoices.iter().filter(|i| i.status != "paid").count(),
            balances: summary.balances,
            online_payments_enabled: firm.online_payments_enabled,
        })
    } else {
        None
    };
    let signatures = crate::ops::signatures::todo_of(forms.iter().filter(|f| f.firm_id == firm_id), contact_id, today);
    let open = requests.iter().filter(|r| r.status == crate::ops::requests::RequestStatus::Open).count() + signatures.len();
    let overdue = requests.iter().filter(|r| r.overdue).count() + signatures.iter().filter(|s| s.overdue).count();
    Ok(Home {
        client: PortalClient { id: link.client_id, name: link.client_name },
        firm_name: firm.name,
        help_center_url: firm.help_center_url,
        todo: TodoSummary { open, overdue, items: requests.into_iter().take(HOME_ITEMS).collect(), signatures },
        recent_files: files.into_iter().take(HOME_ITEMS).collect(),
        billing,
        messages: crate::ops::messages::unread_summary(threads.iter(), &viewer),
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
