//! Who may open which client's portal: the one check every contact route makes.
//!
//! A contact may open a client's portal only once they accepted an invite for it (their
//! link to the client has `accepted_at`). Staff may open every client of their firm. An id
//! that fails either check answers 404 — never "forbidden", which would confirm it exists.
//!
//! An archived client (`ops::lifecycle`) is closed to its contacts — every contact route
//! answers 404, as for a removed contact — and open to staff, who still read the record
//! and its history; staff may add no new work to it ([`Viewer::new_work`]).

use crate::domain;
use crate::domain::identity::Actor;
use crate::error::{Error, Result};
use crate::ops::clients::load_client_record;
use crate::store::{keys, ClientRecord, LinkRecord, Store};

/// The contact's link to the client, if they have portal access to it.
pub async fn contact_link(store: &Store, contact_id: &str, client_id: &str) -> Result<LinkRecord> {
    if !domain::is_plausible_id(client_id) {
        return Err(Error::NotFound("client"));
    }
    match store.get::<LinkRecord>(&keys::client(client_id), &keys::contact(contact_id)).await? {
        Some(l) if l.opens_portal() => Ok(l),
        _ => Err(Error::NotFound("client")),
    }
}

/// Who is looking at a client's portal.
#[derive(Debug, Clone)]
pub enum Viewer {
    /// `archived`: the client is archived (staff may read, not add work).
    Staff {
        sub: String,
        firm_id: String,
        name: String,
        archived: bool,
    },
    Contact {
        contact_id: String,
        firm_id: String,
        name: String,
    },
}

impl Viewer {
    pub fn firm_id(&self) -> &str {
        match self {
            Viewer::Staff { firm_id, .. } | Viewer::Contact { firm_id, .. } => firm_id,
        }
    }
    /// The viewer as recorded on what they create (uploads, answers, payments).
    pub fn actor_ref(&self) -> crate::store::ActorRef {
        match self {
            Viewer::Staff { sub, name, .. } => crate::store::ActorRef { kind: "staff".into(), id: sub.clone(), name: name.clone() },
            Viewer::Contact { contact_id, name, .. } => crate::store::ActorRef { kind: "contact".into(), id: contact_id.clone(), name: name.clone() },
        }
    }

    pub fn contact_id(&self) -> Option<&str> {
        match self {
            Viewer::Contact { contact_id, .. } => Some(contact_id),
            Viewer::Staff { .. } => None,
        }
    }

    /// The first line of every staff-only operation: a contact never gets past it, whatever
    /// route, path or authorizer brought them here.
    pub fn staff_only(&self) -> Result<()> {
        match self {
            Viewer::Staff { .. } => Ok(()),
            Viewer::Contact { .. } => Err(Error::Forbidden("this is for firm staff".into())),
        }
    }

    /// The first line of every operation that adds work to a client (a request, an upload,
    /// a message, a signature form, an invoice): refused while the client is archived.
    /// Contacts never hold a viewer of an archived client.
    pub fn new_work(&self) -> Result<()> {
        match self {
            Viewer::Staff { archived: true, .. } => Err(crate::ops::clients::archived_client()),
            _ => Ok(()),
        }
    }

    /// The first line of every contact-only operation (answering, signing, paying online):
    /// the contact's id, or 403 for staff.
    pub fn contact_only(&self) -> Result<&str> {
        match self {
            Viewer::Contact { contact_id, .. } => Ok(contact_id),
            Viewer::Staff { .. } => Err(Error::Forbidden("this is for the client's contacts".into())),
        }
    }
}

/// The access check on items already read from the client's partition (the client item for
/// staff, the contact's link for a contact): the same answers as [`open_client`].
pub fn viewer_from_partition(actor: &Actor, client: Option<&ClientRecord>, links: &[LinkRecord]) -> Result<Viewer> {
    match actor {
        Actor::Staff { sub, firm_id, name, .. } => match client {
            Some(c) if &c.firm_id == firm_id => {
                Ok(Viewer::Staff { sub: sub.clone(), firm_id: firm_id.clone(), name: name.clone(), archived: c.archived_at.is_some() })
            }
            _ => Err(Error::NotFound("client")),
        },
        Actor::Contact { contact_id, firm_id, .. } => match links.iter().find(|l| &l.contact_id == contact_id) {
            Some(l) if l.opens_portal() && &l.firm_id == firm_id => {
                Ok(Viewer::Contact { contact_id: contact_id.clone(), firm_id: firm_id.clone(), name: format!("{} {}", l.first_name, l.last_name) })
            }
            _ => Err(Error::NotFound("client")),
        },
    }
}

/// Check `actor` may open `client_id`: staff of its firm (one GetItem of the client item),
/// or a contact with access (one GetItem of their link).
pub async fn open_client(store: &Store, actor: &Actor, client_id: &str) -> Result<Viewer> {
    match actor {
        Actor::Staff { sub, firm_id, name, .. } => {
            let client: ClientRecord = load_client_record(store, firm_id, client_id).await?;
            Ok(Viewer::Staff { sub: sub.clone(), firm_id: firm_id.clone(), name: name.clone(), archived: client.archived_at.is_some() })
        }
        Actor::Contact { contact_id, firm_id, .. } => {
            let link = contact_link(store, contact_id, client_id).await?;
            Ok(Viewer::Contact { contact_id: contact_id.clone(), firm_id: firm_id.clone(), name: format!("{} {}", link.first_name, link.last_name) })
        }
    }
}

/// Who may see a file.
pub fn visible_to(file: &crate::store::FileRecord, viewer: &Viewer) -> bool {
    match viewer.contact_id() {
        None => true,
        Some(me) => {
            let mine = file.uploaded_by.kind == "contact" && file.uploaded_by.id == me;
            mine || ((file.shared_with_all || file.shared_with.iter().any(|k| k == me)) && file.status == crate::store::FileStatus::Available)
        }
    }
}
