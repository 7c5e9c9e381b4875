//! Claim first, act after, undo on failure: how an invite creates or restores a login.
//!
//! Creating a contact's login from an invite (or restoring one the firm revoked) takes
//! Cognito calls — create or enable the user, set its password — and one DynamoDB
//! transaction that uses the invite and writes the login record. Cognito calls cannot be
//! part of that transaction. If two submissions (the same link sent twice, or the links of
//! two clients of the same contact) both went through their Cognito calls and only then
//! raced for the transaction, the loser's undo (disable or delete the user) would undo the
//! winner's login too, leaving "invite used" and the login disabled.
//!
//! So before any Cognito call the request writes a claim on the contact's login: one item
//! (`CONTACT#<contact>` / `LOGINCLAIM`), put in one transaction with condition checks that
//! the link still holds this invite (same hash, same expiry that was checked, fewer wrong
//! passwords than the limit) and that the login is still in the state the request read (no
//! login yet, or this login, revoked). Only one request holds the claim; any other is
//! answered 409 without touching Cognito. The holder does its Cognito work and commits
//! with the claim's release in the same transaction, conditional on the claim still being
//! its own. On any failure it first undoes its Cognito work — nobody else can have acted
//! on the login meanwhile — and only then releases the claim (again only its own), so the
//! contact can simply try again.
//!
//! A holder that dies (a timed-out Lambda) leaves its claim behind: it may be taken over
//! after [`CLAIM_SECONDS`], longer than the function's timeout (10 s in the template), so
//! a live holder never loses it. The table's TTL removes abandoned claims eventually.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use crate::domain;
use crate::error::{Error, Result};
use crate::store::{keys, s, to_item, tx, ContactRecord, LinkRecord, LoginClaimRecord, Store};

/// How long a claim stands before another request may take it over.
pub const CLAIM_SECONDS: i64 = 60;

/// The state of the contact's login that the request read and acts on.
#[derive(Debug, Clone, Copy)]
pub enum Expect<'a> {
    /// No login yet: the request creates it.
    NoLogin,
    /// This login (`sub`), revoked by the firm: the request restores it.
    Revoked { sub: &'a str },
}

/// A held claim. Release it in the committing transaction ([`Claim::release_in`]) or,
/// after undoing the Cognito work, on its own ([`Claim::release`]).
#[derive(Debug)]
#[must_use = "a claim must be released"]
pub struct Claim {
    pk: String,
    id: String,
}

fn busy() -> Error {
    Error::Conflict(
        "Your portal login is being set up by another request right now (a second click or window?). Wait a moment, then sign in or open the link again."
            .into(),
    )
}

/// Claim `contact`'s login for acting on it with the live invite `hash` of `link`.
/// 409 when another request holds the claim or the login changed since it was read; 410
/// when the invite changed (used, replaced, revoked, locked).
pub async fn claim(store: &Store, link: &LinkRecord, hash: &str, contact: &ContactRecord, expect: Expect<'_>, max_attempts: u32) -> Result<Claim> {
    let mut raw = [0u8; 16];
    aws_lc_rs::rand::fill(&mut raw).map_err(|_| Error::internal("no randomness available"))?;
    let now = domain::now().unix_timestamp();
    let record = LoginClaimRecord { pk: contact.pk.clone(), sk: keys::LOGIN_CLAIM_SK.into(), claim: domain::hex(&raw), expires_at: now + CLAIM_SECONDS };
    let expires = to_item(link)?.remove("invite_expires_at").ok_or(Error::NotFound("invite"))?;
    let login = match expect {
        Expect::NoLogin => tx::check(store.table(), &contact.pk, &contact.sk, "attribute_not_exists(user_sub)", vec![])?,
        Expect::Revoked { sub } => {
            tx::check(store.table(), &contact.pk, &contact.sk, "user_sub = :sub AND attribute_exists(access_revoked_at)", vec![(":sub", s(sub))])?
        }
    };
    let items = vec![
        tx::put_when(store.table(), &record, "attribute_not_exists(PK) OR expires_at < :now", vec![(":now", AttributeValue::N(now.to_string()))])?,
        tx::check(
            store.table(),
            &link.pk,
            &link.sk,
            "invite_hash = :h AND invite_expires_at = :exp AND (attribute_not_exists(invite_attempts) OR invite_attempts < :max)",
            vec![(":h", s(hash)), (":exp", expires), (":max", AttributeValue::N(max_attempts.to_string()))],
        )?,
        login,
    ];
    store
        .transact(items, |i| match i {
            1 => Error::Gone("This invite link was just used, replaced or locked. Sign in, or use the link in the most recent email.".into()),
            _ => busy(),
        })
        .await?;
    Ok(Claim { pk: record.pk, id: record.claim })
}

impl Claim {
    fn delete(&self, store: &Store) -> Result<TransactWriteItem> {
        tx::delete_when(store.table(), &self.pk, keys::LOGIN_CLAIM_SK, "claim = :c", vec![(":c", s(self.id.clone()))])
    }

    /// The claim's release as an item of the committing transaction: the commit fails if
    /// the claim is no longer this request's.
    pub fn release_in(&self, store: &Store) -> Result<TransactWriteItem> {
        self.delete(store)
    }

    /// Release the claim after a failure (its Cognito work already undone). A claim that
    /// is no longer ours is left alone; an error is logged (the claim then expires).
    pub async fn release(self, store: &Store) {
        let item = match self.delete(store) {
            Ok(item) => item,
            Err(e) => return tracing::error!(error = %e, "could not build the claim's release"),
        };
        if let Err(e) = store.transact(vec![item], |_| Error::Conflict("the claim was taken over".into())).await {
            tracing::warn!(error = %e, "the claim on a login was not released; it expires by itself");
        }
    }
}
