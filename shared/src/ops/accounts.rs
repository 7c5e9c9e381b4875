//! The contact's side of the core loop: open an invite link, create the login (or add the
//! client to an existing one), sign in, and who am I.
//!
//! The contacts pool lets no one sign up: a login is created here, only from a live
//! invite, only for the exact email the invite was sent to. Creating or restoring a login
//! claims it first ([`crate::ops::login_claim`]), so concurrent submissions never act on
//! it together; every step that can fail after a Cognito user was created (or enabled)
//! undoes that again, so a failure leaves no login that no contact knows about.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::{self, EmailAddress};
use crate::error::{Error, Result};
use crate::ops::audit::Origin;
use crate::ops::invites::{hash_token, same_hash, token_ids};
use crate::ops::login_claim::{self, Expect};
use crate::ops::step_up;
use crate::ports::logins::{Logins, MfaAnswer, Pool, Session, SignIn, TotpSetup};
use crate::ports::tokens::PoolVerifier;
use crate::store::invite_write;
use crate::store::tx::Change;
use crate::store::{from_item, keys, s, tx, ActorRef, ContactRecord, InviteEnd, LinkRecord, Store, UserRecord};
use aws_sdk_dynamodb::types::AttributeValue;

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
    if link.client_archived_at.is_some() {
        return Err(Error::Gone("The firm has archived this client's portal. Ask them if you need access.".into()));
    }
    let expires_at = link.invite_expires_at.ok_or(Error::NotFound("invite"))?;
    if domain::now() >= expires_at {
        return Err(Error::Gone(format!("This invite link expired on {}. Ask the firm to send a new invite.", crate::domain::email::long_date(expires_at))));
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

pub async fn invite_info(store: &Store, logins: &impl Logins, token: &str) -> Result<InviteInfo> {
    let live = live_invite(store, token).await?;
    let (rules, firm) = tokio::try_join!(logins.contact_password_rules(), store.firm_settings(&live.link.firm_id))?;
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

/// Count a password try against the live link before the password is checked (see
/// [`MAX_ATTEMPTS`]): the limit is the write's condition, so parallel guesses never pass
/// it. Returns how many tries the link has left after this one.
async fn count_attempt(store: &Store, live: &LiveInvite, token: &str) -> Result<u32> {
    match store.count_invite_attempt(&live.link, &live.hash, MAX_ATTEMPTS).await? {
        Some(n) => Ok(MAX_ATTEMPTS.saturating_sub(n)),
        // Locked or ended meanwhile: the link's own answer says which.
        None => match live_invite(store, token).await {
            Err(e) => Err(e),
            Ok(_) => Err(Error::Gone("This invite link was locked after too many wrong passwords. Ask the firm to send a new invite.".into())),
        },
    }
}

/// Give back a counted try whose password Cognito did not get to judge (an outage, a
/// throttle): only wrong passwords use up the link.
async fn uncount_attempt(store: &Store, live: &LiveInvite) {
    let back = Change::new()
        .add("invite_attempts", AttributeValue::N("-1".into()))
        .when("#invite_hash = :h AND #invite_attempts > :zero", vec![(":h", s(live.hash.clone())), (":zero", AttributeValue::N("0".into()))])
        .on(store.table(), &live.link.pk, &live.link.sk);
    if let Err(e) = async { store.transact(vec![back?], |_| Error::Conflict("the invite changed".into())).await }.await {
        tracing::warn!(error = %e, "a password try was not given back to its invite link");
    }
}

/// Accept an invite: create the contact's login for the invited email (or, if they have
/// one, prove it with its password), grant access to the client, and sign in.
pub async fn create_account(store: &Store, logins: &impl Logins, token: &str, input: CreateAccountInput, origin: &Origin) -> Result<AccountCreated> {
    let password = input.password.unwrap_or_default();
    if password.is_empty() {
        return Err(Error::field("password", "is required"));
    }
    let live = live_invite(store, token).await?;
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
        // with a new password. Claimed first: only the claim's holder enables the login, and
        // only it disables it again if the restore fails (see `login_claim`).
        logins.contact_password_rules().await?.check(&password)?;
        let claim = login_claim::claim(store, &live.link, &live.hash, &live.contact, Expect::Revoked { sub }, MAX_ATTEMPTS).await?;
        let restored = async {
            logins.set_contact_password(&email, &password).await?;
            logins.enable_contact(&email).await?;
            let user = UserRecord {
                pk: keys::user(sub),
                sk: keys::USER_SK.into(),
                sub: sub.clone(),
                contact_id: live.contact.contact_id.clone(),
                firm_id: live.contact.firm_id.clone(),
                mfa_enabled: false,
            };
            let unrevoke = Change::new().remove("access_revoked_at").when("#user_sub = :sub", vec![(":sub", s(sub.clone()))]).on(
                store.table(),
                &live.contact.pk,
                &live.contact.sk,
            )?;
            let items = vec![tx::put_new(store.table(), &user)?, unrevoke, claim.release_in(store)?];
            store.transact(accept(crate::ops::audit::event::INVITE_ACCEPTED, items)?, used_meanwhile).await
        }
        .await;
        if let Err(e) = restored {
            // Undo, then let go: while the claim stands nobody else acted on this login.
            if let Err(undo) = logins.disable_contact(&email).await {
                tracing::error!(error = %undo, "could not disable a login whose restore failed (the portal refuses it: no login record)");
            }
            claim.release(store).await;
            return Err(e);
        }
        let session = password_session(store, logins, &live.contact.firm_id, &live.contact.contact_id, &email, &password, None).await?;
        tracing::info!(contact_id = %live.contact.contact_id, "revoked login restored by a new invite");
        return Ok(AccountCreated { created: false, email, client_id, session });
    }

    if let Some(sub) = &live.contact.user_sub {
        // An existing login: the password must be its password; then this client is added.
        // Nothing changes in Cognito, so no claim: the try is counted first, the accepting
        // write is conditional on the invite.
        let left = count_attempt(store, &live, token).await?;
        let session = match logins.sign_in(Pool::Contacts, &email, &password).await {
            Ok(answer) => answer,
            Err(Error::BadCredentials) => {
                let hint = if left == 0 { "; this invite link is now locked".to_string() } else { format!(" ({left} attempts left with this link)") };
                return Err(Error::field("password", format!("is not the password of your existing portal login{hint}")));
            }
            Err(other) => {
                uncount_attempt(store, &live).await;
                return Err(other);
            }
        };
        // The password is proven either way; with an authenticator app, the contact finishes
        // signing in with its code.
        store.transact(accept(crate::ops::audit::event::INVITE_ACCEPTED, vec![])?, used_meanwhile).await?;
        let session = after_password(store, logins, &live.contact.firm_id, &live.contact.contact_id, &email, session, None).await?;
        tracing::info!(contact_id = %live.contact.contact_id, user = %sub, %client_id, "invite accepted with existing login");
        return Ok(AccountCreated { created: false, email, client_id, session });
    }

    // A new login, created by the claim's holder only (see `login_claim`).
    logins.contact_password_rules().await?.check(&password)?;
    let claim = login_claim::claim(store, &live.link, &live.hash, &live.contact, Expect::NoLogin, MAX_ATTEMPTS).await?;
    let sub = match logins.create_contact(&email).await {
        Ok(sub) => sub,
        Err(e) => {
            claim.release(store).await;
            return Err(e);
        }
    };
    let result = async {
        logins.set_contact_password(&email, &password).await?;
        let user = UserRecord {
            pk: keys::user(&sub),
            sk: keys::USER_SK.into(),
            sub: sub.clone(),
            contact_id: live.contact.contact_id.clone(),
            firm_id: live.contact.firm_id.clone(),
            mfa_enabled: false,
        };
        let link_user = Change::new().set("user_sub", s(sub.clone())).when("attribute_not_exists(#user_sub)", vec![]).on(
            store.table(),
            &live.contact.pk,
            &live.contact.sk,
        )?;
        let items = vec![tx::put_new(store.table(), &user)?, link_user, claim.release_in(store)?];
        store.transact(accept(crate::ops::audit::event::ACCOUNT_CREATED, items)?, used_meanwhile).await
    }
    .await;
    if let Err(e) = result {
        // Leave no login behind that no contact record knows; then let go of the claim.
        if let Err(del) = logins.delete_contact(&email).await {
            tracing::error!(error = %del, "could not remove a half-created login");
        }
        claim.release(store).await;
        return Err(e);
    }
    // The login and its records exist now (a restored or reused login is not a new account).
    crate::telemetry::metrics::count(crate::telemetry::metrics::Metric::AccountsCreated, 1, &[("account", "contact")]);
    let session = password_session(store, logins, &live.contact.firm_id, &live.contact.contact_id, &email, &password, None).await?;
    tracing::info!(contact_id = %live.contact.contact_id, %client_id, "portal login created");
    Ok(AccountCreated { created: true, email, client_id, session })
}

/// Record a sign-in: on the contact and on every client link that opens a portal (the
/// status view reads the link), in one transaction; with `audit`, also a `signed_in` entry
/// in each of those clients' audit trails (account creation records its own entry).
pub async fn record_login(store: &Store, contact_id: &str, now: OffsetDateTime, audit: Option<&Origin>) -> Result<()> {
    let links = store.links_of_contact(contact_id).await?;
    let at = s(domain::rfc3339(now)?);
    let login = || Change::new().set("last_login_at", at.clone());
    let mut items = vec![login().on(store.table(), &keys::contact(contact_id), keys::PROFILE_SK)?];
    // Not on an archived client's link: the contact signed in to no portal of it.
    for l in links.iter().filter(|l| l.opens_portal()) {
        items.push(login().on(store.table(), &l.pk, &l.sk)?);
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
pub async fn sign_in(store: &Store, logins: &impl Logins, tokens: &PoolVerifier, email: &EmailAddress, password: &str, origin: &Origin) -> Result<SignIn> {
    let answer = logins.sign_in(Pool::Contacts, email, password).await?;
    let SignIn::Session(session) = &answer else { return Ok(answer) };
    // Tokens are handed out only for a login that belongs to a contact.
    let login = contact_login(store, tokens, &session.access_token).await?;
    after_password(store, logins, &login.firm_id, &login.contact_id, email, answer, Some(origin)).await
}

/// Password sign-in of a contact whose firm and id are known (accepting an invite).
async fn password_session(
    store: &Store,
    logins: &impl Logins,
    firm_id: &str,
    contact_id: &str,
    email: &EmailAddress,
    password: &str,
    origin: Option<&Origin>,
) -> Result<SignIn> {
    let answer = logins.sign_in(Pool::Contacts, email, password).await?;
    after_password(store, logins, firm_id, contact_id, email, answer, origin).await
}

/// What a right password leads to: the code step (Cognito asked for it), the
/// authenticator's setup (the firm requires one and this login has none: Cognito gave
/// tokens without asking for a code; see [`crate::ops::contact_mfa`]), or the session, with the
/// login recorded. The firm is read fresh, so turning the requirement on applies at once.
async fn after_password(
    store: &Store,
    logins: &impl Logins,
    firm_id: &str,
    contact_id: &str,
    email: &EmailAddress,
    answer: SignIn,
    origin: Option<&Origin>,
) -> Result<SignIn> {
    let SignIn::Session(session) = answer else { return Ok(answer) };
    if store.firm(firm_id).await?.require_contact_mfa {
        let challenge = crate::ops::contact_mfa::start(logins, store, contact_id, email.as_str(), &session).await?;
        tracing::info!(%contact_id, "authenticator setup required by the firm");
        return Ok(SignIn::Challenge(challenge));
    }
    record_login(store, contact_id, domain::now(), origin).await?;
    Ok(SignIn::Session(session))
}

/// The second step of a contact sign-in: the code of the authenticator app, or the first
/// code of an app being set up (Cognito's own setup, or the one a firm requires).
pub async fn complete_sign_in(store: &Store, logins: &impl Logins, tokens: &PoolVerifier, answer: &MfaAnswer, origin: &Origin) -> Result<Session> {
    let session = if answer.setup && crate::ops::contact_mfa::is_setup(&answer.session) {
        crate::ops::contact_mfa::complete(logins, store, &answer.session, &answer.code).await?.1
    } else {
        logins.complete_mfa(Pool::Contacts, answer).await?
    };
    let login = contact_login(store, tokens, &session.access_token).await?;
    mark_mfa_enabled(store, &login.sub).await?;
    record_login(store, &login.contact_id, domain::now(), Some(origin)).await?;
    Ok(session)
}

/// Remember that this login proved an authenticator app (see [`UserRecord::mfa_enabled`]).
pub async fn mark_mfa_enabled(store: &Store, sub: &str) -> Result<()> {
    let write = Change::new().set("mfa_enabled", AttributeValue::Bool(true)).on(store.table(), &keys::user(sub), keys::USER_SK)?;
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
    /// The firm's logo and accent colour, for the portal's header.
    pub logo_url: Option<String>,
    pub accent_color: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_login_at: Option<OffsetDateTime>,
    /// The portals this contact can open (clients whose invite they accepted).
    pub clients: Vec<PortalClient>,
}

pub async fn me(store: &Store, contact_id: &str) -> Result<Me> {
    let pk = keys::contact(contact_id);
    let (contact, links) = tokio::try_join!(store.get::<ContactRecord>(&pk, keys::PROFILE_SK), store.links_of_contact(contact_id))?;
    let contact = contact.ok_or(Error::NotFound("contact"))?;
    let firm = store.firm(&contact.firm_id).await?;
    let mut clients: Vec<PortalClient> =
        links.into_iter().filter(LinkRecord::opens_portal).map(|l| PortalClient { id: l.client_id, name: l.client_name }).collect();
    clients.sort_by_key(|c| c.name.to_lowercase());
    Ok(Me {
        id: contact.contact_id,
        first_name: contact.first_name,
        last_name: contact.last_name,
        email: contact.email,
        phone: contact.phone,
        address: contact.address,
        logo_url: firm.logo_path(),
        accent_color: firm.accent_color.clone(),
        firm_name: firm.name,
        help_center_url: firm.help_center_url,
        last_login_at: contact.last_login_at,
        clients,
    })
}

/// Staff sign-in: tokens (or the authenticator step) only for a login that is a staff
/// member of a firm — otherwise the tokens would open nothing.
pub async fn staff_sign_in(store: &Store, logins: &impl Logins, tokens: &PoolVerifier, email: &EmailAddress, password: &str) -> Result<SignIn> {
    let answer = logins.sign_in(Pool::Staff, email, password).await?;
    if let Some(session) = answer.session() {
        store.staff(&tokens.verify(&session.access_token).await?.sub).await?;
    }
    Ok(answer)
}

/// The authenticator step of a staff sign-in.
pub async fn staff_mfa(store: &Store, logins: &impl Logins, tokens: &PoolVerifier, answer: &MfaAnswer) -> Result<Session> {
    let session = logins.complete_mfa(Pool::Staff, answer).await?;
    store.staff(&tokens.verify(&session.access_token).await?.sub).await?;
    Ok(session)
}

/// Binding an authenticator app from settings (a first one, or a new phone): a new secret
/// for the signed-in login, only once the login is proven again ([`step_up::prove`]:
/// password, and the current code if it has an app) — a stolen access token alone cannot
/// move the second factor.
pub async fn start_totp(
    logins: &impl Logins,
    tokens: &PoolVerifier,
    pool: Pool,
    access_token: &str,
    sub: &str,
    email: &EmailAddress,
    proof: step_up::ProofInput,
) -> Result<TotpSetup> {
    step_up::prove(logins, tokens, pool, sub, email, proof).await?;
    logins.start_totp(access_token, email.as_str()).await
}

/// Confirm the app with its first code. For a contact's login (`contact_sub`), also note on
/// its login record that it proved an app, which a firm requiring two-step sign-in checks.
pub async fn confirm_totp(store: &Store, logins: &impl Logins, access_token: &str, code: Option<&str>, contact_sub: Option<&str>) -> Result<()> {
    logins.confirm_totp(access_token, code).await?;
    if let Some(sub) = contact_sub {
        mark_mfa_enabled(store, sub).await?;
    }
    Ok(())
}

/// Verify a contact's access token and read its login record (no two-step check: sign-in
/// itself decides whether the authenticator's setup comes next).
async fn contact_login(store: &Store, tokens: &PoolVerifier, access_token: &str) -> Result<UserRecord> {
    let claims = tokens.verify(access_token).await?;
    store.contact_login(&claims.sub).await
}
