//! The DynamoDB store: one table, items as Rust structs through `serde_dynamo`.
//!
//! # Key schema
//!
//! Table keys `PK` (partition) and `SK` (sort); one overloaded global secondary index
//! `GSI1` on `GSI1PK`/`GSI1SK` (all attributes projected); one sparse index `GSI2` on
//! `GSI2PK`/`GSI2SK` that holds only links with an open invite; one overloaded sparse index
//! `GSI3` on `GSI3PK`/`GSI3SK` (contact links by firm and portal state; a client's open
//! work; a client's threads by last activity); TTL attribute `expires_at`
//! (epoch seconds) for tokens, idempotency records and throttling items (`store/limits.rs`).
//!
//! | item | PK | SK | GSI1PK | GSI1SK |
//! |---|---|---|---|---|
//! | firm settings | `FIRM#<firm>` | `FIRM` | | |
//! | one firm per owner address (`ops::firms`) | `FIRMOWNER#<email>` | `FIRMOWNER` | | |
//! | staff member | `STAFF#<cognito sub>` | `STAFF` | `FIRM#<firm>` | `STAFF#<email>` |
//! | staff invite (one per firm and email) | `STAFFINVITE#<sha256 of firm, email; 32 hex>` | `STAFFINVITE` | `FIRM#<firm>` | `STAFFINVITE#<email>` |
//! | … once its link is used or revoked | | | `FIRM#<firm>` | `ENDEDSTAFFINVITE#<email>` |
//! | staff login guard (one per email, all firms) | `STAFFLOGIN#<email>` | `STAFFLOGIN` | | |
//! | contact login | `USER#<cognito sub>` | `USER` | | |
//! | client | `CLIENT#<client>` | `CLIENT` | `FIRM#<firm>` | `CLIENT#<lower name>#<client>` |
//! | … archived | | | `FIRM#<firm>` | `ARCHIVED#<lower name>#<client>` |
//! | contact ↔ client link | `CLIENT#<client>` | `CONTACT#<contact>` | `CONTACT#<contact>` | `CLIENT#<client>` |
//! | … with an open invite (GSI2) | | | GSI2PK `OPEN_INVITE` | GSI2SK `<sent at, epoch s>#<client>#<contact>` |
//! | … by portal state (GSI3) | | | GSI3PK `FIRM#<firm>#PORTAL#<state>` | GSI3SK `<lower client name>#<client>#<contact>` |
//! | contact profile | `CONTACT#<contact>` | `PROFILE` | | |
//! | claim on the contact's login (TTL) | `CONTACT#<contact>` | `LOGINCLAIM` | | |
//! | email guard (unique per firm) | `FIRM#<firm>` | `EMAIL#<email>` | | |
//! | invite email template | `FIRM#<firm>` | `TEMPLATE#<template>` | | |
//! | logo upload (TTL) | `FIRM#<firm>` | `LOGO#<logo>` | | |
//! | file | `CLIENT#<client>` | `FILE#<file>` | | |
//! | client request / task | `CLIENT#<client>` | `REQUEST#<request>` | | |
//! | … not completed (GSI3) | | | GSI3PK `CLIENT#<client>#OPEN` | GSI3SK `REQUEST#<request>` |
//! | invoice | `CLIENT#<client>` | `INVOICE#<invoice>` | | |
//! | … not paid in full (GSI3) | | | GSI3PK `CLIENT#<client>#OPEN` | GSI3SK `INVOICE#<invoice>` |
//! | invoice number taken (one per client) | `CLIENT#<client>` | `INVNUM#<lower number>` | | |
//! | payment | `CLIENT#<client>` | `PAYMENT#<payment>` | | |
//! | audit entry | `CLIENT#<client>` | `AUDIT#<time>#<id>` | | |
//! | firm history entry | `FIRM#<firm>` | `AUDIT#<time>#<id>` | | |
//! | message thread | `CLIENT#<client>` | `MSGTHREAD#<thread>` | | |
//! | … by last activity (GSI3) | | | GSI3PK `CLIENT#<client>#ACTIVE` | GSI3SK `<last message, epoch s>#<thread>` |
//! | message | `THREAD#<thread>` | `MSG#<sequence, 8 digits>` | | |
//! | signature form | `CLIENT#<client>` | `FORM#<form>` | | |
//! | … still pending (GSI3) | | | GSI3PK `CLIENT#<client>#OPEN` | GSI3SK `FORM#<form>` |
//! | drawn signature (PNG) | `FORMDRAW#<form>` | `SIGNER#<contact>` | | |
//! | bulk invite job (counters; `store::jobs`) | `FIRM#<firm>` | `INVITEJOB#<job>` | | |
//! | a job's tally of one client (TTL) | `INVITEJOB#<job>` | `CLIENT#<client>` | | |
//! | idempotency record (TTL) | `IDEMP#<sha256 of caller, route, key>` | `IDEMP` | | |
//! | pending authenticator setup (TTL) | `MFASETUP#<sha256 of the setup id>` | `MFASETUP` | | |
//! | requests of one source in one window (TTL) | `LIMIT#<sha256 of scope, source>` | `W#<window start>` | | |
//! | an account's sign-in attempts (TTL) | `LIMIT#<sha256 of step, pool, email>` | `ATTEMPTS` | | |
//!
//! Access patterns and the calls they cost:
//!
//! - **a client with its contacts and their portal status**: one `Query` on
//!   `PK = CLIENT#c` (the client item and every link item share the partition; the link
//!   carries a copy of what the status view needs: names, email, invite and login times).
//!   Firm isolation is checked on the client item of the same answer, so an id from
//!   another firm costs the same one call and answers 404.
//! - **a page of a firm's clients**, sorted by name (`ops::clients::list`): one `Query` of
//!   `limit` items on `GSI1PK = FIRM#f`, `GSI1SK` from `CLIENT#<start of a name>`; its
//!   archived clients, from `ARCHIVED#…` (archiving moves the key, so the default list never
//!   reads them). **By contact email**: one `Query` of `limit` email guards
//!   (`FIRM#f`, `EMAIL#<start of the address>…`), then one `GSI1` `Query` per contact found
//!   (its few clients). **By portal state** ("invited, never signed in"): one `Query` of
//!   `limit` links on `GSI3PK = FIRM#f#PORTAL#<state>`. The state is what the stored
//!   attributes say (`LinkRecord::stored_state`), set by every invite write
//!   (`invite_write`, which also carries acceptance and revocation) and re-sorted by a
//!   client rename; none of these costs grows with the firm (`tests/test_scale.py` holds the
//!   calls, items read and bytes equal at 10 and 260 clients; `make bench-scale` at 10,000).
//! - **a contact's clients** (to update the copies on each link, and later for the portal's
//!   client switcher): one `Query` on `GSI1PK = CONTACT#k`.
//! - **who a staff token is**: `GetItem STAFF#<sub>` (cached per cold start); **who a
//!   contact token is**: `GetItem USER#<sub>` (not cached, so a revoked login stops at once).
//! - **an invite link**: the token names its client and contact (`invites::new_token`), so
//!   opening it is one strongly consistent read of that link item, which holds the one live
//!   invite (`invite_hash`, the SHA-256 of the token), the last few ended ones (to say why an
//!   old link stopped working) and the log of invite emails. Sending an invite therefore
//!   writes exactly one item, and N invites fit in ⌈N/100⌉ transactions.
//! - **a page of a list** ([`Store::query_page`], `store/page.rs`): one `Query` of one
//!   key range (`PK = …`, `SK BETWEEN <prefix> AND <prefix>$`), `Limit = limit`
//!   (default 50, at most 200), continuing after the cursor's key. Cost: at most `limit`
//!   items read per page (≤ 1 call, more only if a page passes 1 MB). A contact's pages
//!   are filtered by what is shared with them: at most `limit` × 4 items read in at most 4
//!   calls ([`FILTER_READ_FACTOR`]), so such a page can be short, even empty, with a
//!   `next` (the UI follows empty pages a few times). The cursor is the key after which to
//!   continue, checked against the route's partition and range before any read.
//!   Paged this way, each newest first unless said (UUIDv7 ids make key order creation order):
//!   - a client's **files** `FILE#`, **requests** `REQUEST#` (staff list, contact to-do),
//!     **threads** `MSGTHREAD#` (newest started first), after the client item and its
//!     links (`CLIENT` ..= `CONTACT$`, one bounded Query) for the access check;
//!   - a thread's **messages** `THREAD#t`, `MSG#…`: the newest page first, each page
//!     returned oldest to newest, plus one GetItem of the thread (and, for a contact, one
//!     BatchGetItem of the page's attached files);
//!   - a client's **audit trail** `AUDIT#…` (with the links' invite logs merged into the
//!     page whose time span holds them) and the **firm history** `FIRM#f`, `AUDIT#…`;
//!   - the firm's **templates** `TEMPLATE#`, oldest first, after the presets;
//!   - the firm's **team** (`store::team`), two lists on `GSI1PK = FIRM#f`, in email order:
//!     members `STAFF#<email>`, and invites not yet used `STAFFINVITE#<email>` (a used or
//!     revoked invite moves to `ENDEDSTAFFINVITE#`, so the range holds only what is listed;
//!     invites ended before that move are skipped, at most `limit` × 4 read). Inviting checks
//!     "already a member" with one Query of the one key `STAFF#<email>`.
//!   - a client's **invoices** `INVOICE#` (with the balance, below) and **payments**
//!     `PAYMENT#`, newest first.
//! - **a client's open work** (GSI3 `CLIENT#c#OPEN`, `ops::home`, `ops::billing`): the
//!   requests not completed, the signature forms still pending and the invoices not paid
//!   in full. Each item carries the two keys while it is open and loses them in the write
//!   that closes it (`with_open_keys` before every put of a request or form; the payment
//!   that settles an invoice removes them, on the condition that the amount paid is what was
//!   read). One `Query` reads it all, bounded by what is still open — which is what Home
//!   counts and the balance sums (what is still due on each open invoice equals every
//!   invoice minus every payment, since a payment never exceeds its invoice). It is
//!   eventually consistent, as every GSI: a request completed a moment ago can still count
//!   for a moment.
//! - **a client's threads by last activity** (GSI3 `CLIENT#c#ACTIVE`): each post moves its
//!   thread's sort key; Home reads the 50 most recently active (`ops::home::UNREAD_WINDOW`)
//!   for the unread count, one bounded `Query`.
//! - **the contact's Home**: `BatchGetItem` (access, firm), then at once a bounded page of
//!   the newest files, the open work and the recently active threads; nothing it reads
//!   grows with the client's history (`tests/test_scale.py` holds it flat with 300 more
//!   settled requests, paid invoices, payments and quiet threads).
//! - **invites due a reminder** (the scheduled `reminders` function): one `Query` on
//!   `GSI2PK = OPEN_INVITE`, `GSI2SK < <a day ago>`. Every invite write sets or removes the
//!   two attributes with the rest of the invite, so the index is exactly the open invites.
//! - **one email per contact per firm**: the guard item is written in the same transaction
//!   as the contact, so two contacts of one firm can never share a login email.
//!
//! Every multi-item change is one `TransactWriteItems` with conditions, so a failure
//! halfway leaves nothing half-written.

pub mod keys;
pub mod tx;

mod billing;
mod client_item;
mod forms;
mod jobs;
mod limits;
mod links;
mod logos;
mod marks;
mod page;
mod reads;
mod records;
mod requests;
mod team;
mod threads;

pub use billing::*;
pub use client_item::ClientItem;
pub use forms::*;
pub use jobs::*;
pub use limits::*;
pub use links::*;
pub use logos::*;
pub use page::{cursor_position, Cursor, KeyRange, Order, Page, PageRequest, DEFAULT_LIMIT, FILTER_READ_FACTOR, MAX_LIMIT};
pub use records::*;
pub use requests::*;
pub use team::*;
pub use threads::*;

use std::collections::HashMap;

/// `GSI3PK`/`GSI3SK` of an item of a client's open work (`keys::open_work`, under the
/// item's own sort key) while `open`; none once it is done, so it leaves the index in the
/// same write that closes it.
pub(crate) fn open_keys(client_id: &str, sk: &str, open: bool) -> (Option<String>, Option<String>) {
    if open {
        (Some(keys::open_work(client_id)), Some(sk.to_string()))
    } else {
        (None, None)
    }
}

use aws_sdk_dynamodb::types::{AttributeValue, CancellationReason, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{aws, Error, Result};

pub type Item = HashMap<String, AttributeValue>;

/// The table and the client that reaches it.
#[derive(Clone, Debug)]
pub struct Store {
    db: tokio::sync::OnceCell<Client>,
    /// Set when the client is made on first use ([`Store::lazy`]).
    sdk: Option<crate::sdk::LazySdk>,
    pub(crate) table: String,
    /// firm id → (read at, settings), for [`Store::firm_settings`].
    firms: std::sync::Arc<tokio::sync::RwLock<HashMap<String, (std::time::Instant, FirmRecord)>>>,
}

/// How long [`Store::firm_settings`] trusts a firm record it read.
pub const FIRM_SETTINGS_TTL: std::time::Duration = std::time::Duration::from_secs(60);

pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub fn key(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    HashMap::from([("PK".to_string(), s(pk)), ("SK".to_string(), s(sk))])
}

pub fn to_item<T: Serialize>(value: &T) -> Result<Item> {
    serde_dynamo::to_item(value).map_err(Error::internal)
}

/// One value as an attribute (for update expressions).
pub fn to_attribute<T: Serialize>(value: &T) -> Result<AttributeValue> {
    serde_dynamo::to_attribute_value(value).map_err(|e| Error::internal(format!("attribute: {e}")))
}

/// The outcome of a conditional write: `Ok(true)` when it was written, `Ok(false)` when
/// its condition failed (nothing written), an error for anything else.
pub(crate) fn written<T, E, R>(res: std::result::Result<T, aws_sdk_dynamodb::error::SdkError<E, R>>) -> Result<bool>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match res {
        Ok(_) => Ok(true),
        Err(e) if e.as_service_error().is_some_and(|se| se.code() == Some("ConditionalCheckFailedException")) => Ok(false),
        Err(e) => Err(aws(e)),
    }
}

pub fn from_item<T: DeserializeOwned>(item: Item) -> Result<T> {
    serde_dynamo::from_item(item).map_err(|e| Error::internal(format!("stored item does not match its type: {e}")))
}

/// Which item of a cancelled transaction failed its condition, if any.
pub fn failed_condition(reasons: &[CancellationReason]) -> Option<usize> {
    reasons.iter().position(|r| r.code() == Some("ConditionalCheckFailed"))
}

impl Store {
    pub fn new(db: Client, table: impl Into<String>) -> Self {
        Self { db: tokio::sync::OnceCell::from(db), sdk: None, table: table.into(), firms: Default::default() }
    }

    /// A store whose DynamoDB client is made on its first call, not at init (a cold start
    /// then pays only for what the first request uses).
    pub fn lazy(sdk: crate::sdk::LazySdk, table: impl Into<String>) -> Self {
        Self { db: tokio::sync::OnceCell::new(), sdk: Some(sdk), table: table.into(), firms: Default::default() }
    }

    pub(crate) async fn db(&self) -> &Client {
        self.db
            .get_or_init(|| async {
                match &self.sdk {
                    Some(sdk) => Client::new(sdk.get().await),
                    None => unreachable!("a store is made with a client or with the SDK configuration"),
                }
            })
            .await
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// `GetItem` (strongly consistent) and deserialize.
    pub async fn get<T: DeserializeOwned>(&self, pk: &str, sk: &str) -> Result<Option<T>> {
        let out = self.db().await.get_item().table_name(&self.table).set_key(Some(key(pk, sk))).consistent_read(true).send().await.map_err(aws)?;
        out.item.map(from_item).transpose()
    }

    /// Put an item that must not exist yet. `Ok(false)` if it already did.
    pub async fn put_new<T: Serialize>(&self, value: &T) -> Result<bool> {
        let res =
            self.db().await.put_item().table_name(&self.table).set_item(Some(to_item(value)?)).condition_expression("attribute_not_exists(PK)").send().await;
        written(res)
    }

    /// Put (create or replace) an item.
    pub async fn put<T: Serialize>(&self, value: &T) -> Result<()> {
        self.db().await.put_item().table_name(&self.table).set_item(Some(to_item(value)?)).send().await.map_err(aws)?;
        Ok(())
    }

    /// A firm's settings; every firm that has staff has them, so absence is a fault.
    pub async fn firm(&self, firm_id: &str) -> Result<FirmRecord> {
        self.get::<FirmRecord>(&keys::firm(firm_id), keys::FIRM_SK).await?.ok_or_else(|| Error::internal(format!("firm {firm_id} has no settings record")))
    }

    /// A firm's settings, cached for [`FIRM_SETTINGS_TTL`] per warm instance. For reads where
    /// a minute-old name, sender address or invite lifetime is harmless — sending invites,
    /// which then costs no read of its own (single invite: Query, SendEmail, one write).
    /// Anything that gates access (billing on/off) reads the record itself ([`Store::firm`]).
    pub async fn firm_settings(&self, firm_id: &str) -> Result<FirmRecord> {
        if let Some((at, firm)) = self.firms.read().await.get(firm_id) {
            if at.elapsed() < FIRM_SETTINGS_TTL {
                return Ok(firm.clone());
            }
        }
        let firm = self.firm(firm_id).await?;
        self.firms.write().await.insert(firm_id.to_string(), (std::time::Instant::now(), firm.clone()));
        Ok(firm)
    }

    /// The login record of a contact's Cognito `sub`: 401 when the login has no portal
    /// access (never created by an invite, or removed).
    pub async fn contact_login(&self, sub: &str) -> Result<UserRecord> {
        self.get::<UserRecord>(&keys::user(sub), keys::USER_SK).await?.ok_or_else(|| Error::Unauthorized("this login has no portal access".into()))
    }

    /// The staff record of a staff login's Cognito `sub`: 403 when the login is no staff
    /// member of any firm.
    pub async fn staff(&self, sub: &str) -> Result<StaffRecord> {
        self.get::<StaffRecord>(&keys::staff(sub), keys::STAFF_SK).await?.ok_or_else(|| Error::Forbidden("this login is not a staff member of any firm".into()))
    }

    pub async fn delete(&self, pk: &str, sk: &str) -> Result<()> {
        self.db().await.delete_item().table_name(&self.table).set_key(Some(key(pk, sk))).send().await.map_err(aws)?;
        Ok(())
    }

    /// `BatchGetItem` (strongly consistent) of up to 100 keys; missing items are absent.
    pub async fn batch_get(&self, wanted: Vec<(String, String)>) -> Result<Vec<Item>> {
        use aws_sdk_dynamodb::types::KeysAndAttributes;
        let mut pending: Vec<Item> = wanted.into_iter().map(|(pk, sk)| key(pk, sk)).collect();
        let mut found = Vec::new();
        // Unprocessed keys are retried a few times with a short pause, as AWS asks.
        for attempt in 0..5 {
            if pending.is_empty() {
                break;
            }
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(20 << attempt)).await;
            }
            let ka = KeysAndAttributes::builder().set_keys(Some(std::mem::take(&mut pending))).consistent_read(true).build().map_err(Error::internal)?;
            let out = self.db().await.batch_get_item().request_items(&self.table, ka).send().await.map_err(aws)?;
            if let Some(mut r) = out.responses {
                found.extend(r.remove(&self.table).unwrap_or_default());
            }
            if let Some(mut u) = out.unprocessed_keys {
                if let Some(ka) = u.remove(&self.table) {
                    pending = ka.keys;
                }
            }
        }
        if !pending.is_empty() {
            return Err(Error::internal("BatchGetItem left keys unprocessed"));
        }
        Ok(found)
    }

    /// All items of a partition whose sort key starts with `prefix` (every page).
    pub async fn query_partition(&self, pk: &str, prefix: Option<&str>, consistent: bool) -> Result<Vec<Item>> {
        let mut q = self.db().await.query().table_name(&self.table).consistent_read(consistent).expression_attribute_values(":pk", s(pk));
        q = match prefix {
            Some(p) => q.key_condition_expression("PK = :pk AND begins_with(SK, :p)").expression_attribute_values(":p", s(p)),
            None => q.key_condition_expression("PK = :pk"),
        };
        q.into_paginator().items().send().try_collect().await.map_err(aws)
    }

    /// All items of a partition with `from <= SK <= to` (every page).
    pub async fn query_between(&self, pk: &str, from: &str, to: &str) -> Result<Vec<Item>> {
        self.db()
            .await
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND SK BETWEEN :a AND :b")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":a", s(from))
            .expression_attribute_values(":b", s(to))
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(aws)
    }

    /// All items of a GSI1 partition whose GSI1 sort key starts with `prefix` (every page).
    pub async fn query_gsi1(&self, pk: &str, prefix: &str) -> Result<Vec<Item>> {
        self.db()
            .await
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI1)
            .key_condition_expression("GSI1PK = :pk AND begins_with(GSI1SK, :p)")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":p", s(prefix))
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(aws)
    }

    /// Links whose open invite's last email went out before `before` (every page).
    pub async fn open_invites_before(&self, before: time::OffsetDateTime) -> Result<Vec<Item>> {
        self.db()
            .await
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI2)
            .key_condition_expression("GSI2PK = :pk AND GSI2SK < :before")
            .expression_attribute_values(":pk", s(keys::OPEN_INVITES))
            .expression_attribute_values(":before", s(format!("{:012}", before.unix_timestamp().max(0))))
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(aws)
    }

    /// One `TransactWriteItems`. On a failed condition, `on_condition(i)` names the error
    /// for the item at index `i`.
    pub async fn transact(&self, items: Vec<TransactWriteItem>, on_condition: impl Fn(usize) -> Error) -> Result<()> {
        if items.len() > 100 {
            return Err(Error::Conflict("this change touches more than 100 records at once".into()));
        }
        match self.db().await.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                if let Some(tc) = e.as_service_error().and_then(|se| match se {
                    aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(tc) => Some(tc),
                    _ => None,
                }) {
                    if let Some(i) = failed_condition(tc.cancellation_reasons()) {
                        return Err(on_condition(i));
                    }
                    return Err(Error::Conflict("the record changed while we were saving; please try again".into()));
                }
                Err(aws(e))
            }
        }
    }
}

impl Store {
    /// A transaction whose items are independent changes made together (one per contact of
    /// a bulk invite). `Ok(Ok(()))` when all were written; `Ok(Err(indices))` when the
    /// transaction was cancelled because the conditions of those items failed (nothing was
    /// written; the caller may retry without them); `Err` for anything else.
    pub async fn transact_each(&self, items: Vec<TransactWriteItem>) -> Result<std::result::Result<(), Vec<usize>>> {
        if items.len() > 100 {
            return Err(Error::internal("a transaction holds at most 100 items"));
        }
        match self.db().await.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(Ok(())),
            Err(e) => {
                if let Some(aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(tc)) = e.as_service_error()
                {
                    let failed: Vec<usize> =
                        tc.cancellation_reasons().iter().enumerate().filter(|(_, r)| r.code() == Some("ConditionalCheckFailed")).map(|(i, _)| i).collect();
                    if !failed.is_empty() {
                        return Ok(Err(failed));
                    }
                    return Err(Error::Conflict("the records changed while we were saving; please try again".into()));
                }
                Err(aws(e))
            }
        }
    }
}

/// A record kind that lives under a partition with its own sort-key prefix: the typed read
/// of every such item of a partition is [`Store::children`].
pub trait Entity: DeserializeOwned {
    const PREFIX: &'static str;
}

macro_rules! entity {
    ($($t:ty => $p:expr),* $(,)?) => { $(impl Entity for $t { const PREFIX: &'static str = $p; })* };
}

entity! {
    LinkRecord => keys::prefix::CONTACT,
    FileRecord => keys::prefix::FILE,
    RequestRecord => keys::prefix::REQUEST,
    InvoiceRecord => keys::prefix::INVOICE,
    PaymentRecord => keys::prefix::PAYMENT,
    ThreadRecord => keys::prefix::THREAD,
    MessageRecord => keys::prefix::MESSAGE,
    FormRecord => keys::prefix::FORM,
    TemplateRecord => keys::prefix::TEMPLATE,
    AuditRecord => keys::prefix::AUDIT,
}
