//! Clients and contacts: what staff manage, and the portal status of each contact.
//!
//! Inputs arrive as the `*Input` structs (what the JSON says) and are parsed into domain
//! values here, collecting **every** field problem at once so a form can show them all.
//! Each operation is scoped by the caller's firm: a client or contact of another firm is
//! answered exactly like one that does not exist.

use crate::ports::logins::Logins;
use serde::Serialize;
use time::OffsetDateTime;

use crate::domain::{self, ClientName, EmailAddress, PortalStatus};
use crate::error::{Error, Result};
use crate::store::{keys, s, tx, Address, ClientRecord, ContactRecord, EmailGuardRecord, LinkRecord, Store};

mod input;
mod list;
pub use input::*;
pub use list::*;

// ---------- views ----------

#[derive(Debug, Clone, Serialize)]
pub struct ClientSummary {
    pub id: String,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Present while the client is archived.
    #[serde(skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub archived_at: Option<OffsetDateTime>,
}

impl From<&ClientRecord> for ClientSummary {
    fn from(c: &ClientRecord) -> Self {
        Self { id: c.client_id.clone(), name: c.name.clone(), created_at: c.created_at, archived_at: c.archived_at }
    }
}

/// A contact as shown in a client's Contacts section.
#[derive(Debug, Clone, Serialize)]
pub struct ContactView {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<EmailAddress>,
    pub phone: Option<String>,
    pub portal: PortalStatus,
}

impl ContactView {
    pub fn from_link(l: &LinkRecord, now: OffsetDateTime) -> Self {
        Self {
            id: l.contact_id.clone(),
            first_name: l.first_name.clone(),
            last_name: l.last_name.clone(),
            email: l.email.clone(),
            phone: l.phone.clone(),
            portal: l.portal_status(now),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ClientDetail {
    #[serde(flatten)]
    pub client: ClientSummary,
    pub contacts: Vec<ContactView>,
}

/// A contact's own record as staff see it (with the clients it is linked to).
#[derive(Debug, Clone, Serialize)]
pub struct ContactDetail {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<EmailAddress>,
    pub phone: Option<String>,
    pub address: Option<Address>,
    pub has_login: bool,
    /// Set when this change ended the contact's login: invite them again.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub reinvite_required: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<&ContactRecord> for ContactDetail {
    fn from(c: &ContactRecord) -> Self {
        Self {
            id: c.contact_id.clone(),
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            address: c.address.clone(),
            has_login: c.user_sub.is_some(),
            reinvite_required: false,
            updated_at: c.updated_at,
        }
    }
}

fn sort_contacts(contacts: &mut [ContactView]) {
    contacts.sort_by(|a, b| {
        (a.last_name.to_lowercase(), a.first_name.to_lowercase(), &a.id).cmp(&(b.last_name.to_lowercase(), b.first_name.to_lowercase(), &b.id))
    });
}

// ---------- operations ----------

const CLIENT: &str = "client";
const CONTACT: &str = "contact";

fn email_taken() -> Error {
    Error::field("email", "is already used by another contact of your firm; link that contact to this client instead")
}

pub async fn create_client(store: &Store, firm_id: &str, input: CreateClientInput) -> Result<ClientSummary> {
    let name = ClientName::parse("name", input.name.as_deref().unwrap_or("")).map_err(|e| Error::Validation(vec![e]))?;
    let rec = ClientRecord::new(firm_id, &domain::new_id(), name.as_str(), domain::now());
    if !store.put_new(&rec).await? {
        return Err(Error::Conflict("a client with this id already exists; please retry".into()));
    }
    tracing::info!(client_id = %rec.client_id, "client created");
    Ok(ClientSummary::from(&rec))
}

/// Which of the firm's clients a list shows (`?status=` of the client list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStatus {
    /// The default: clients that are not archived.
    Active,
    Archived,
    All,
}

impl ListStatus {
    pub fn parse(raw: Option<&str>) -> Result<Self> {
        match raw.map(str::trim) {
            None | Some("") | Some("active") => Ok(ListStatus::Active),
            Some("archived") => Ok(ListStatus::Archived),
            Some("all") => Ok(ListStatus::All),
            Some(_) => Err(Error::field("status", "must be one of active, archived, all")),
        }
    }

    /// The GSI1 sort-key prefixes to read, in the order the list shows them.
    pub fn prefixes(self) -> &'static [&'static str] {
        match self {
            ListStatus::Active => &[keys::prefix::CLIENT],
            ListStatus::Archived => &[keys::prefix::ARCHIVED],
            ListStatus::All => &[keys::prefix::CLIENT, keys::prefix::ARCHIVED],
        }
    }
}

/// The client item and its contact links, in one bounded Query
/// ([`Store::client_with_links`]); `NotFound` for another firm's id.
pub async fn load_client(store: &Store, firm_id: &str, client_id: &str) -> Result<(ClientRecord, Vec<LinkRecord>)> {
    if !domain::is_plausible_id(client_id) {
        return Err(Error::NotFound(CLIENT));
    }
    match store.client_with_links(client_id).await? {
        (Some(c), links) if c.firm_id == firm_id => Ok((c, links)),
        _ => Err(Error::NotFound(CLIENT)),
    }
}

/// The client item alone (one GetItem); `NotFound` for another firm's id.
pub async fn load_client_record(store: &Store, firm_id: &str, client_id: &str) -> Result<ClientRecord> {
    if !domain::is_plausible_id(client_id) {
        return Err(Error::NotFound(CLIENT));
    }
    match store.get::<ClientRecord>(&keys::client(client_id), keys::CLIENT_SK).await? {
        Some(c) if c.firm_id == firm_id => Ok(c),
        _ => Err(Error::NotFound(CLIENT)),
    }
}

/// The client's contact links alone (one Query), for sharing and assigning.
pub async fn links_of(store: &Store, client_id: &str) -> Result<Vec<LinkRecord>> {
    store.children(&keys::client(client_id)).await
}

/// A client with its contacts and their portal status.
pub async fn client_detail(store: &Store, firm_id: &str, client_id: &str) -> Result<ClientDetail> {
    let (client, links) = load_client(store, firm_id, client_id).await?;
    let now = domain::now();
    let mut contacts: Vec<ContactView> = links.iter().map(|l| ContactView::from_link(l, now)).collect();
    sort_contacts(&mut contacts);
    Ok(ClientDetail { client: ClientSummary::from(&client), contacts })
}

async fn load_contact(store: &Store, firm_id: &str, contact_id: &str) -> Result<ContactRecord> {
    if !domain::is_plausible_id(contact_id) {
        return Err(Error::NotFound(CONTACT));
    }
    match store.get::<ContactRecord>(&keys::contact(contact_id), keys::PROFILE_SK).await? {
        Some(c) if c.firm_id == firm_id => Ok(c),
        _ => Err(Error::NotFound(CONTACT)),
    }
}

/// The client-item part of a write that adds or removes a link: the client is still the
/// firm's and not archived, and its `link_version` moves on (so a rename or an archive that
/// read the links before this write fails its condition instead of missing the link).
pub(crate) fn links_change(store: &Store, client: &ClientRecord) -> Result<aws_sdk_dynamodb::types::TransactWriteItem> {
    tx::Change::new()
        .add("link_version", aws_sdk_dynamodb::types::AttributeValue::N("1".into()))
        .when("firm_id = :f AND attribute_not_exists(#archived_at)", vec![(":f", s(client.firm_id.clone()))])
        .on(store.table(), &client.pk, &client.sk)
}

/// The answer to new work, a new invite or a new contact on an archived client.
pub fn archived_client() -> Error {
    Error::Conflict("This client is archived. Restore the client first.".into())
}

/// Refuse a new contact (or link) on an archived client, before anything is written.
fn open_for_contacts(client: &ClientRecord) -> Result<()> {
    if client.archived_at.is_some() {
        return Err(archived_client());
    }
    Ok(())
}

/// A failed `links_change`: the client was archived (or changed firm) since it was read.
fn client_changed() -> Error {
    Error::Conflict("the client was archived or changed meanwhile; reload and try again".into())
}

/// Add a new contact to a client: the profile, its link and (with an email) the email
/// guard, in one transaction conditional on the client still being the firm's.
pub async fn add_contact(store: &Store, firm_id: &str, client_id: &str, input: NewContactInput) -> Result<ContactView> {
    let new = input.parse()?;
    let (client, _) = load_client(store, firm_id, client_id).await?;
    open_for_contacts(&client)?;
    let now = domain::now();
    let contact_id = domain::new_id();
    let contact = ContactRecord {
        pk: keys::contact(&contact_id),
        sk: keys::PROFILE_SK.into(),
        firm_id: firm_id.into(),
        contact_id: contact_id.clone(),
        first_name: new.first_name.as_str().into(),
        last_name: new.last_name.as_str().into(),
        email: new.email.clone(),
        phone: new.phone.map(|p| p.as_str().to_string()),
        address: None,
        user_sub: None,
        last_login_at: None,
        access_revoked_at: None,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let link = LinkRecord::new(&client, &contact, now);
    let mut items = vec![links_change(store, &client)?, tx::put_new(store.table(), &contact)?, tx::put_new(store.table(), &link)?];
    if let Some(email) = &new.email {
        items.push(tx::put_new(store.table(), &EmailGuardRecord::new(firm_id, email, &contact_id))?);
    }
    store
        .transact(items, |i| match i {
            0 => client_changed(),
            3 => email_taken(),
            _ => Error::Conflict("the contact could not be saved; please retry".into()),
        })
        .await?;
    tracing::info!(%client_id, %contact_id, "contact added");
    Ok(ContactView::from_link(&link, now))
}

/// Edit a contact (adding a missing email is the common case). The profile and the copy
/// on every client link change in one transaction, conditional on the version read.
pub async fn update_contact(
    store: &Store,
    logins: &impl Logins,
    by: &crate::ops::audit::By,
    firm_id: &str,
    contact_id: &str,
    input: ContactPatchInput,
) -> Result<ContactDetail> {
    let patch = input.parse()?;
    let current = load_contact(store, firm_id, contact_id).await?;
    let by = &by.named(|| format!("{} {}", current.first_name, current.last_name));
    let plan = plan_contact_update(&current, patch, domain::now())?;
    let links = store.links_of_contact(contact_id).await?;
    let u = &plan.updated;
    let mut items = vec![tx::put_versioned(store.table(), u, current.version)?];
    let guard_index = if let Some(new_email) = &plan.claim_email {
        items.push(tx::put_new(store.table(), &EmailGuardRecord::new(firm_id, new_email, contact_id))?);
        Some(items.len() - 1)
    } else {
        None
    };
    if let Some(old) = &plan.release_email {
        items.push(tx::delete(store.table(), &keys::firm(firm_id), &keys::email_guard(old.as_str()))?);
    }
    if let Some((sub, _)) = &plan.end_login {
        items.push(tx::delete(store.table(), &keys::user(sub), keys::USER_SK)?);
    }
    let email_changed = plan.claim_email.is_some() || plan.release_email.is_some();
    let now = domain::now();
    for before in links {
        let mut after = before.clone();
        if email_changed {
            // A link sent to the old address must not create a login for the new one.
            after.end_invite(crate::store::InviteEnd::EmailChanged, now);
        }
        let opt = |v: Option<String>| v.map(s);
        let mut extra = vec![
            ("first_name", Some(s(u.first_name.clone()))),
            ("last_name", Some(s(u.last_name.clone()))),
            ("email", opt(u.email.as_ref().map(|e| e.as_str().to_string()))),
            ("phone", opt(u.phone.clone())),
        ];
        if plan.end_login.is_some() {
            // Access to every client ends with the login; the status goes back to "No invite sent".
            extra.extend([("accepted_at", None), ("last_login_at", None)]);
        }
        items.push(crate::store::invite_write(store, &after, before.invite_hash.as_deref(), false, &extra)?);
        let detail = if email_changed { Some("email changed; the login and open invites ended".to_string()) } else { None };
        let entry = crate::ops::audit::entry(
            &before.client_id,
            crate::ops::audit::event::CONTACT_UPDATED,
            by.actor.clone(),
            now,
            &by.origin,
            Some(contact_id),
            detail,
        )?;
        items.push(crate::ops::audit::tx_put(store, &entry)?);
    }
    store
        .transact(items, |i| {
            if Some(i) == guard_index {
                email_taken()
            } else {
                Error::Conflict("the contact was changed by someone else meanwhile; reload and try again".into())
            }
        })
        .await?;
    tracing::info!(%contact_id, "contact updated");
    if let Some((_, old_email)) = &plan.end_login {
        // The login is already cut off from the portal (no USER record); remove it from the
        // pool too, so its sessions end and the old address could be invited again.
        let _ = logins.sign_out_contact(old_email).await;
        if let Err(e) = logins.delete_contact(old_email).await {
            tracing::error!(%contact_id, error = %e, "ended login could not be removed from the pool");
        }
        tracing::info!(%contact_id, "login ended by an email change");
    }
    let mut detail = ContactDetail::from(&plan.updated);
    detail.reinvite_required = plan.end_login.is_some();
    Ok(detail)
}

/// A contact of the firm, as staff see it.
pub async fn contact_detail(store: &Store, firm_id: &str, contact_id: &str) -> Result<ContactDetail> {
    load_contact(store, firm_id, contact_id).await.map(|c| ContactDetail::from(&c))
}

/// Link an existing contact of the firm to another client of the firm. Linking twice is
/// harmless: the existing link is returned.
pub async fn link_contact(store: &Store, firm_id: &str, client_id: &str, contact_id: &str) -> Result<(bool, ContactView)> {
    let contact = load_contact(store, firm_id, contact_id).await?;
    let (client, links) = load_client(store, firm_id, client_id).await?;
    let now = domain::now();
    if let Some(existing) = links.iter().find(|l| l.contact_id == contact_id) {
        return Ok((false, ContactView::from_link(existing, now)));
    }
    open_for_contacts(&client)?;
    let link = LinkRecord::new(&client, &contact, now);
    let items = vec![
        links_change(store, &client)?,
        tx::check(store.table(), &contact.pk, &contact.sk, "firm_id = :f", vec![(":f", s(firm_id))])?,
        tx::put_new(store.table(), &link)?,
    ];
    store
        .transact(items, |i| match i {
            0 => client_changed(),
            1 => Error::NotFound(CONTACT),
            _ => Error::Conflict("this contact is already linked to this client".into()),
        })
        .await?;
    tracing::info!(%client_id, %contact_id, "contact linked to client");
    Ok((true, ContactView::from_link(&link, now)))
}

/// The contacts of a client with their portal status (one Query).
pub async fn portal_status(store: &Store, firm_id: &str, client_id: &str) -> Result<ClientDetail> {
    client_detail(store, firm_id, client_id).await
}

#[cfg(test)]
mod tests;
