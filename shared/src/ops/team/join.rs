//! A colleague opens their invite link and creates their staff login.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{active_owners, owners_change, token_invite_id};
use crate::domain::roles::Role;
use crate::domain::{self, EmailAddress, PersonName};
use crate::error::{Error, Result};
use crate::ops::audit::{self, event, By, Origin};
use crate::ops::invites::same_hash;
use crate::ports::logins::{Logins, Pool, SignIn};
use crate::store::tx::{self, Change};
use crate::store::{keys, s, to_item, ActorRef, StaffInviteEnd, StaffInviteRecord, StaffLoginRecord, StaffRecord, Store};

/// How long a claim on an email's staff login stands before another request may take it
/// over (longer than the function's timeout, so a live holder never loses it).
pub const CLAIM_SECONDS: i64 = 60;

/// Find a token's invite and check it can be used. Every token that names no invite —
/// unknown, malformed, right id with a wrong secret — costs the same one read and answers
/// the same 404; only the holder of a real link that ended is told why (410).
async fn live(store: &Store, token: &str) -> Result<(StaffInviteRecord, String)> {
    let token = token.trim();
    let hash = domain::sha256_hex(token.as_bytes());
    let id = token_invite_id(token).unwrap_or("00000000000000000000000000000000");
    let invite = store.get::<StaffInviteRecord>(&keys::staff_invite(id), keys::STAFF_INVITE_SK).await?.ok_or(Error::NotFound("invite"))?;
    if !invite.token_hash.as_deref().is_some_and(|h| same_hash(h, &hash)) {
        let ended = invite.ended_links.iter().find(|l| same_hash(&l.hash, &hash)).ok_or(Error::NotFound("invite"))?;
        return Err(Error::Gone(
            match ended.ended {
                StaffInviteEnd::Used => "This invite link was already used to create a staff login. Sign in instead.",
                StaffInviteEnd::Revoked => "This invite was revoked by the firm. Ask them for a new one.",
                StaffInviteEnd::Replaced => "A newer invite was sent to you. Use the link in the most recent email.",
            }
            .into(),
        ));
    }
    if domain::now() >= invite.link_expires_at {
        return Err(Error::Gone(format!(
            "This invite link expired on {}. Ask the firm to send a new invite.",
            crate::domain::email::long_date(invite.link_expires_at)
        )));
    }
    Ok((invite, hash))
}

/// What the join page shows for a live link.
#[derive(Debug, Serialize)]
pub struct JoinInfo {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub firm_name: String,
    pub invited_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub password_rule: String,
}

pub async fn join_info(store: &Store, logins: &impl Logins, token: &str) -> Result<JoinInfo> {
    let (invite, _) = live(store, token).await?;
    let (rules, firm) = tokio::try_join!(logins.staff_password_rules(), store.firm(&invite.firm_id))?;
    Ok(JoinInfo {
        email: invite.email,
        name: invite.name,
        role: invite.role,
        firm_name: firm.name,
        invited_by: invite.invited_by.name,
        expires_at: invite.link_expires_at,
        password_rule: format!("Your password {}.", rules.describe()),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinInput {
    /// The name colleagues see; the invite's when absent.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Joined {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub firm_name: String,
    /// Tokens, or — where the staff pool asks for it at the first sign-in — the
    /// authenticator's setup (`mfa_setup`).
    pub session: SignIn,
}

/// Claim the email's staff login for this request, with the invite still as read: 409 when
/// a login has the address (here or at another firm) or another request is creating it,
/// 410 when the invite changed meanwhile.
async fn claim(store: &Store, invite: &StaffInviteRecord, claim_id: &str) -> Result<()> {
    let now = domain::now().unix_timestamp();
    let guard = StaffLoginRecord {
        pk: keys::staff_login(&invite.email),
        sk: keys::STAFF_LOGIN_SK.into(),
        email: invite.email.clone(),
        firm_id: invite.firm_id.clone(),
        sub: None,
        claim: Some(claim_id.into()),
        claim_expires_at: Some(now + CLAIM_SECONDS),
    };
    let version = to_item(invite)?.remove("version").ok_or_else(|| Error::internal("invite without version"))?;
    let items = vec![
        tx::put_when(
            store.table(),
            &guard,
            "attribute_not_exists(PK) OR (attribute_exists(claim) AND claim_expires_at < :now)",
            vec![(":now", aws_sdk_dynamodb::types::AttributeValue::N(now.to_string()))],
        )?,
        tx::check(store.table(), &invite.pk, &invite.sk, "version = :v AND attribute_exists(token_hash)", vec![(":v", version)])?,
    ];
    let outcome = store
        .transact(items, |i| {
            if i == 1 {
                Error::Gone("This invite link was just used, replaced or revoked. Use the link in the most recent email, or sign in.".into())
            } else {
                Error::Conflict(String::new())
            }
        })
        .await;
    match outcome {
        Err(Error::Conflict(_)) => {
            let held = store.get::<StaffLoginRecord>(&guard.pk, &guard.sk).await?;
            Err(Error::Conflict(if held.is_some_and(|g| g.sub.is_some()) {
                "A staff login already exists for this email address (at this firm or another one). Sign in with it, or ask to be invited with another address."
                    .into()
            } else {
                "Your staff login is being created by another request right now (a second click or window?). Wait a moment, then sign in or open the link again.".into()
            }))
        }
        other => other,
    }
}

/// Let go of a claim after a failure (its Cognito work undone first). Only our own claim.
async fn release(store: &Store, email: &str, claim_id: &str) {
    let item = tx::delete_when(store.table(), &keys::staff_login(email), keys::STAFF_LOGIN_SK, "claim = :c", vec![(":c", s(claim_id))]);
    let done = match item {
        Ok(item) => store.transact(vec![item], |_| Error::Conflict("the claim was taken over".into())).await,
        Err(e) => Err(e),
    };
    if let Err(e) = done {
        tracing::warn!(error = %e, "a claim on a staff login was not released; it expires by itself");
    }
}

/// Use a staff invite: create the login (staff pool) for the invited email with the chosen
/// password, make the staff record with the invite's role, and sign in.
pub async fn join(store: &Store, logins: &impl Logins, token: &str, input: JoinInput, origin: &Origin) -> Result<Joined> {
    let password = input.password.unwrap_or_default();
    if password.is_empty() {
        return Err(Error::field("password", "is required"));
    }
    let name = match input.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => Some(PersonName::parse("name", n).map_err(|e| Error::Validation(vec![e]))?),
        None => None,
    };
    let (invite, _) = live(store, token).await?;
    let name = name.map_or_else(|| invite.name.clone(), |n| n.as_str().to_string());
    logins.staff_password_rules().await?.check(&password)?;
    let email = EmailAddress::parse("email", &invite.email).map_err(|e| Error::internal(e.message))?;
    if invite.role == Role::Owner {
        active_owners(store, &invite.firm_id).await?;
    }
    let mut raw = [0u8; 16];
    aws_lc_rs::rand::fill(&mut raw).map_err(|_| Error::internal("no randomness available"))?;
    let claim_id = domain::hex(&raw);
    claim(store, &invite, &claim_id).await?;

    let sub = match logins.create_staff(&email, &invite.firm_id).await {
        Ok(sub) => sub,
        Err(e) => {
            release(store, &invite.email, &claim_id).await;
            return Err(e);
        }
    };
    let now = domain::now();
    let committed = async {
        logins.set_staff_password(&email, &password).await?;
        let mut record = StaffRecord::new(&sub, &invite.firm_id, &invite.email, &name, invite.role);
        record.joined_at = Some(now);
        let mut used = invite.clone();
        used.end_link(StaffInviteEnd::Used);
        used.accepted_sub = Some(sub.clone());
        used.accepted_at = Some(now);
        used.version = invite.version + 1;
        let guard = Change::new().set("sub", s(sub.clone())).remove("claim").remove("claim_expires_at").when("#claim = :c", vec![(":c", s(claim_id.clone()))]);
        let by = By { actor: ActorRef { kind: "staff".into(), id: sub.clone(), name: name.clone() }, origin: origin.clone() };
        let entry = audit::firm_entry(
            &invite.firm_id,
            event::STAFF_JOINED,
            &by,
            now,
            Some(&sub),
            Some(format!("{} joined as {} (invited by {})", invite.email, invite.role, invite.invited_by.name)),
        )?;
        let mut items = vec![
            guard.on(store.table(), &keys::staff_login(&invite.email), keys::STAFF_LOGIN_SK)?,
            tx::put_new(store.table(), &record)?,
            tx::put_versioned(store.table(), &used, invite.version)?,
            audit::tx_put(store, &entry)?,
        ];
        if invite.role == Role::Owner {
            items.push(owners_change(store, &invite.firm_id, 1)?);
        }
        store.transact(items, |_| Error::Gone("This invite link was just used or replaced. Sign in, or use the most recent email.".into())).await
    }
    .await;
    if let Err(e) = committed {
        // Leave no login behind that no staff record knows; then let go of the claim.
        if let Err(del) = logins.delete_staff(&email).await {
            tracing::error!(error = %del, "could not remove a half-created staff login");
        }
        release(store, &invite.email, &claim_id).await;
        return Err(e);
    }
    tracing::info!(firm_id = %invite.firm_id, member = %sub, role = %invite.role, "staff login created from an invite");
    crate::telemetry::metrics::count(crate::telemetry::metrics::Metric::AccountsCreated, 1, &[("account", "staff")]);
    // The firm read fresh, not through the one-minute settings cache: this function checks
    // contacts against that cache, and a firm's first owner joins in its first minute.
    let firm = store.firm(&invite.firm_id).await?;
    let session = logins.sign_in(Pool::Staff, &email, &password).await?;
    Ok(Joined { email: invite.email, name, role: invite.role, firm_name: firm.name, session })
}
