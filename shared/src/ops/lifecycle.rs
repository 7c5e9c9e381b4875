//! A client's lifecycle: rename, archive, restore, and removing a contact from it.
//!
//! Firms rename clients (a marriage, a new company name), stop working with some (archive,
//! not delete: the record and its history are evidence they must keep) and take some back
//! (restore), and people leave a client (a divorce, a bookkeeper who moved on).
//!
//! **Copies.** The client's name and state live on the client item and, as copies, on each
//! contact's link (`client_name`, `client_archived_at`): a contact's access check, Home and
//! list of portals read only their link, so that is what makes a rename or an archive
//! visible to them at once. One transaction changes the client item, every link and the
//! audit entry, conditional on the client's `link_version` (bumped by every write that adds
//! or removes a link): a link added meanwhile fails the transaction instead of keeping the
//! old name or staying open. One transaction holds 100 items, so a client with more than
//! [`MAX_LINKS`] contacts is refused with a 409 that says so. Invite emails read the name
//! from the client item; signature forms keep the name they were sent under (the document's
//! certificate is evidence of what was signed, as it was signed).
//!
//! **Archive.** The client's GSI1 sort key moves from `CLIENT#` to `ARCHIVED#`, so the
//! default client list (one Query) leaves it out and `?status=archived` lists it. While
//! archived: every contact route of the client answers 404 (`ops::access`), the portal is
//! not in the contact's list of portals and Home refuses it, its invite links answer 410,
//! reminders wait (`ops::reminders`), and new invites, contacts, requests, uploads,
//! messages, signature forms and invoices are refused with "Restore the client first".
//! Staff still open the record and read its history. Open invites are kept, not ended:
//! restoring brings everything back as it was (an unexpired link works again).
//!
//! **Removing a contact** deletes their link to this client (with its open invite: the
//! link then answers 404) and bumps `link_version`; their access ends on their next call
//! (every check reads the link). The contact, their login and their other clients' links
//! are untouched. What they did stays attributed to them — files keep `uploaded_by`,
//! messages, answers and audit entries carry a copy of their name. Requests assigned to
//! them and signature forms naming them as a signer are left as they are: the record of
//! what was asked of whom. A request only they were assigned stays open for staff to
//! complete or to ask again of someone else; a form waiting for their signature can no
//! longer be signed by them (staff send a new one). Linking them again later needs a new
//! invite.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::domain::{self, ClientName};
use crate::error::{Error, Result};
use crate::ops::audit::{self, event, By};
use crate::ops::clients::{load_client, ClientSummary};
use crate::store::tx::Change;
use crate::store::{keys, s, tx, ClientRecord, LinkRecord, Store};

/// Contacts a rename, archive or restore can rewrite in its one transaction (with the
/// client item and the audit entry: 100 items).
pub const MAX_LINKS: usize = 98;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameInput {
    #[serde(default)]
    pub name: Option<String>,
}

/// What a lifecycle change does to the client item and to every link, decided without AWS.
#[derive(Debug)]
pub struct Plan {
    /// The event recorded in the client's trail, and its words.
    pub event: &'static str,
    pub detail: Option<String>,
    /// The client as it will be.
    pub after: ClientRecord,
    /// The condition on the client item besides "still the firm's, same links".
    pub condition: &'static str,
    /// Set (`Some`) or remove (`None`) these attributes on every link.
    pub link_attrs: Vec<(&'static str, Option<AttributeValue>)>,
}

/// Rename `client` to `raw`: `Ok(None)` when the name is exactly the same (nothing to do).
pub fn plan_rename(client: &ClientRecord, raw: Option<&str>) -> Result<Option<Plan>> {
    let raw = raw.ok_or_else(|| Error::field("name", "is required: the client's new name"))?;
    let name = ClientName::parse("name", raw).map_err(|e| Error::Validation(vec![e]))?;
    if name.as_str() == client.name {
        return Ok(None);
    }
    let mut after = client.clone();
    after.name = name.as_str().to_string();
    after.gsi1sk = ClientRecord::sort_key(&after.name, &client.client_id, client.archived_at.is_some());
    Ok(Some(Plan {
        event: event::CLIENT_RENAMED,
        detail: Some(format!("from \"{}\" to \"{}\"", client.name, after.name)),
        link_attrs: vec![("client_name", Some(s(after.name.clone())))],
        after,
        // Never over another rename that landed since the read.
        condition: "#name = :old_name",
    }))
}

/// Archive `client` at `now`; 409 when it already is.
pub fn plan_archive(client: &ClientRecord, now: OffsetDateTime) -> Result<Plan> {
    if client.archived_at.is_some() {
        return Err(Error::Conflict("This client is already archived.".into()));
    }
    let mut after = client.clone();
    after.archived_at = Some(now);
    after.gsi1sk = ClientRecord::sort_key(&client.name, &client.client_id, true);
    Ok(Plan {
        event: event::CLIENT_ARCHIVED,
        detail: None,
        link_attrs: vec![("client_archived_at", Some(s(domain::rfc3339(now)?)))],
        after,
        condition: "attribute_not_exists(#archived_at)",
    })
}

/// Restore an archived `client`; 409 when it is not archived.
pub fn plan_restore(client: &ClientRecord) -> Result<Plan> {
    if client.archived_at.is_none() {
        return Err(Error::Conflict("This client is not archived.".into()));
    }
    let mut after = client.clone();
    after.archived_at = None;
    after.gsi1sk = ClientRecord::sort_key(&client.name, &client.client_id, false);
    Ok(Plan { event: event::CLIENT_RESTORED, detail: None, link_attrs: vec![("client_archived_at", None)], after, condition: "attribute_exists(#archived_at)" })
}

/// "The client is still the firm's and has the links that were read" (`link_version`; a
/// client written before it existed has none, which reads as 0).
fn same_links(client: &ClientRecord) -> String {
    let version = if client.link_version == 0 { "(attribute_not_exists(#link_version) OR #link_version = :lv)" } else { "#link_version = :lv" };
    format!("firm_id = :f AND {version}")
}

/// The transaction of a plan: the client item, every link, the audit entry.
pub fn writes(store: &Store, before: &ClientRecord, links: &[LinkRecord], plan: &Plan, by: &By, now: OffsetDateTime) -> Result<Vec<TransactWriteItem>> {
    if links.len() > MAX_LINKS {
        return Err(Error::Conflict(format!(
            "This client has {} contacts; a rename, archive or restore can change at most {MAX_LINKS} at once. Remove the contacts who no longer need the portal first.",
            links.len()
        )));
    }
    let a = &plan.after;
    let archived = a.archived_at.map(domain::rfc3339).transpose()?.map(s);
    let mut values = vec![(":f", s(before.firm_id.clone())), (":lv", AttributeValue::N(before.link_version.to_string()))];
    if plan.condition.contains(":old_name") {
        values.push((":old_name", s(before.name.clone())));
    }
    let client = Change::new()
        .set("name", s(a.name.clone()))
        .set("GSI1SK", s(a.gsi1sk.clone()))
        .set_or_remove("archived_at", archived)
        .when(&format!("{} AND {}", same_links(before), plan.condition), values)
        .on(store.table(), &before.pk, &before.sk)?;
    let mut items = vec![client];
    for l in links {
        let mut change = Change::new();
        for (attr, v) in &plan.link_attrs {
            change = change.set_or_remove(attr, v.clone());
        }
        if a.name != before.name {
            // The link's place in the firm's portal-status index sorts by the client's name.
            change = change.set("GSI3SK", s(keys::portal_state_sort(&a.name, &l.client_id, &l.contact_id)));
        }
        items.push(change.on(store.table(), &l.pk, &l.sk)?);
    }
    let entry = audit::entry(&before.client_id, plan.event, by.actor.clone(), now, &by.origin, None, plan.detail.clone())?;
    items.push(audit::tx_put(store, &entry)?);
    Ok(items)
}

async fn apply(store: &Store, by: &By, before: &ClientRecord, links: &[LinkRecord], plan: Plan, now: OffsetDateTime) -> Result<ClientSummary> {
    let items = writes(store, before, links, &plan, by, now)?;
    store
        .transact(items, |i| match i {
            0 => Error::Conflict("The client changed meanwhile (renamed, archived, restored or its contacts changed); reload and try again.".into()),
            _ => Error::Conflict("A contact of this client changed meanwhile; reload and try again.".into()),
        })
        .await?;
    tracing::info!(client_id = %before.client_id, event = plan.event, contacts = links.len(), "client lifecycle change");
    Ok(ClientSummary::from(&plan.after))
}

/// Rename a client (staff of its firm).
pub async fn rename(store: &Store, by: &By, firm_id: &str, client_id: &str, input: RenameInput) -> Result<ClientSummary> {
    let (client, links) = load_client(store, firm_id, client_id).await?;
    match plan_rename(&client, input.name.as_deref())? {
        None => Ok(ClientSummary::from(&client)),
        Some(plan) => apply(store, by, &client, &links, plan, domain::now()).await,
    }
}

pub async fn archive(store: &Store, by: &By, firm_id: &str, client_id: &str) -> Result<ClientSummary> {
    let (client, links) = load_client(store, firm_id, client_id).await?;
    let now = domain::now();
    let plan = plan_archive(&client, now)?;
    apply(store, by, &client, &links, plan, now).await
}

pub async fn restore(store: &Store, by: &By, firm_id: &str, client_id: &str) -> Result<ClientSummary> {
    let (client, links) = load_client(store, firm_id, client_id).await?;
    let plan = plan_restore(&client)?;
    apply(store, by, &client, &links, plan, domain::now()).await
}

/// Remove a contact from a client (see the module docs for what stays). One transaction:
/// the link goes (conditional on it still being there), the client's `link_version` moves
/// on, and the `contact_removed` entry names the person (their link, which carried the
/// name, is gone).
pub async fn remove_contact(store: &Store, by: &By, firm_id: &str, client_id: &str, contact_id: &str) -> Result<()> {
    let (client, links) = load_client(store, firm_id, client_id).await?;
    let link = links.iter().find(|l| l.contact_id == contact_id).ok_or(Error::NotFound("contact"))?;
    let now = domain::now();
    let name = format!("{} {}", link.first_name, link.last_name);
    let entry = audit::entry(client_id, event::CONTACT_REMOVED, by.actor.clone(), now, &by.origin, Some(contact_id), Some(name))?;
    let items = vec![
        tx::delete_when(store.table(), &link.pk, &link.sk, "attribute_exists(PK)", vec![])?,
        Change::new().add("link_version", AttributeValue::N("1".into())).when("firm_id = :f", vec![(":f", s(firm_id))]).on(
            store.table(),
            &client.pk,
            &client.sk,
        )?,
        audit::tx_put(store, &entry)?,
    ];
    store
        .transact(items, |i| match i {
            0 => Error::NotFound("contact"),
            _ => Error::Conflict("The client changed meanwhile; reload and try again.".into()),
        })
        .await?;
    tracing::info!(%client_id, %contact_id, "contact removed from client");
    Ok(())
}

#[cfg(test)]
mod tests;
