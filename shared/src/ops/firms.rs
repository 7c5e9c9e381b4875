//! Creating a firm: what an operator does once per customer (`portal-admin create-firm`,
//! and `make dev` for its demo firm, through the same code).
//!
//! No public route creates a firm: a firm is a customer of the stage, set up by whoever runs
//! it. The firm's first owner then joins like every colleague after them, from an invite
//! (`ops::team`): the operator never sees or sets anyone's password.
//!
//! Running it twice changes nothing. A firm is known by its owner's email address: the
//! firm item and a guard item for that address (`FIRMOWNER#<email>`) are written in one
//! transaction, so a second run — or two at once — finds the guard and reports the firm
//! that exists, whatever name it was given.

use serde::{Deserialize, Serialize};

use crate::domain::roles::Role;
use crate::domain::{self, ClientName, EmailAddress};
use crate::error::{Error, FieldError, Result};
use crate::ops::audit::{self, By};
use crate::ops::team::{self, StaffInviteInput, StaffInviteView};
use crate::ports::mail::{Mailer, Outbox};
use crate::store::{keys, tx, FirmRecord, Store};

/// What the operator asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFirm {
    pub name: ClientName,
    pub owner_email: EmailAddress,
    /// A fixed id (the demo firm keeps one across restarts); a new one otherwise.
    pub firm_id: Option<String>,
    /// The stage's verified SES sender address.
    pub sender_email: String,
    pub help_center_url: Option<String>,
}

impl NewFirm {
    /// Check the operator's input; every bad field is named at once.
    pub fn parse(name: &str, owner_email: &str, firm_id: Option<&str>, sender_email: &str, help_center_url: Option<&str>) -> Result<Self> {
        let mut errs = Vec::new();
        let name = ClientName::parse("name", name).map_err(|e| errs.push(e)).ok();
        let owner_email = EmailAddress::parse("owner_email", owner_email).map_err(|e| errs.push(e)).ok();
        if let Some(id) = firm_id {
            if !domain::is_plausible_id(id) {
                errs.push(FieldError::new("firm_id", "must be a UUID (for example 00000000-0000-4000-8000-000000000001)"));
            }
        }
        if sender_email.trim().is_empty() {
            errs.push(FieldError::new("sender_email", "is required: the stage's verified SES sender address"));
        }
        if let Some(url) = help_center_url {
            if !(url.starts_with("https://") && url.len() > "https://".len() && url.len() <= 500 && !url.chars().any(|c| c.is_whitespace() || c.is_control())) {
                errs.push(FieldError::new("help_center_url", "must be an https:// address of at most 500 characters"));
            }
        }
        match (name, owner_email) {
            (Some(name), Some(owner_email)) if errs.is_empty() => Ok(NewFirm {
                name,
                owner_email,
                firm_id: firm_id.map(str::to_string),
                sender_email: sender_email.trim().to_string(),
                help_center_url: help_center_url.map(str::to_string),
            }),
            _ => Err(Error::Validation(errs)),
        }
    }
}

/// The guard that makes a firm's creation happen once per owner address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirmOwnerGuard {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub firm_id: String,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum FirmCreated {
    /// A new firm.
    Created { firm_id: String, name: String },
    /// A firm for this owner address existed already; nothing was changed.
    Exists { firm_id: String, name: String },
}

impl FirmCreated {
    pub fn firm_id(&self) -> &str {
        match self {
            FirmCreated::Created { firm_id, .. } | FirmCreated::Exists { firm_id, .. } => firm_id,
        }
    }
}

/// Create the firm (item, owner guard, `firm_created` history entry, in one transaction),
/// or report the one that exists for this owner address.
pub async fn create(store: &Store, by: &By, input: &NewFirm) -> Result<FirmCreated> {
    let guard_pk = keys::firm_owner(input.owner_email.as_str());
    if let Some(existing) = existing(store, &guard_pk).await? {
        return Ok(existing);
    }
    let firm_id = input.firm_id.clone().unwrap_or_else(domain::new_id);
    let mut firm = FirmRecord::new(&firm_id, input.name.as_str(), &input.sender_email);
    firm.help_center_url = input.help_center_url.clone();
    let guard = FirmOwnerGuard { pk: guard_pk.clone(), sk: keys::FIRM_OWNER_SK.into(), firm_id: firm_id.clone() };
    let entry = audit::firm_entry(
        &firm_id,
        audit::event::FIRM_CREATED,
        by,
        domain::now(),
        None,
        Some(format!("{} for owner {}", input.name.as_str(), input.owner_email.as_str())),
    )?;
    let items = vec![tx::put_new(store.table(), &firm)?, tx::put_new(store.table(), &guard)?, audit::tx_put(store, &entry)?];
    let failed = std::cell::Cell::new(None);
    let written = store.transact(items, |i| {
        failed.set(Some(i));
        Error::Conflict(format!("the firm id {firm_id} belongs to another firm"))
    });
    match (written.await, failed.get()) {
        (Ok(()), _) => Ok(FirmCreated::Created { firm_id, name: input.name.as_str().to_string() }),
        // Another run for this owner created it meanwhile: report that one.
        (Err(_), Some(1)) => existing(store, &guard_pk).await?.ok_or_else(|| Error::internal("the firm's owner guard vanished")),
        (Err(e), _) => Err(e),
    }
}

/// What `portal-admin create-firm` reports: the firm, and where its owner's invite stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FirmReport {
    #[serde(flatten)]
    pub firm: FirmCreated,
    pub owner_email: String,
    /// The owner's invite, when one is open (just sent, or sent by an earlier run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_invite: Option<StaffInviteView>,
    /// Why no invite: the address has a staff login already (the owner joined).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_note: Option<String>,
}

impl std::fmt::Display for FirmReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.firm {
            FirmCreated::Created { firm_id, name } => writeln!(f, "Created the firm {name} (id {firm_id}).")?,
            FirmCreated::Exists { firm_id, name } => writeln!(f, "The firm {name} (id {firm_id}) already exists for {}.", self.owner_email)?,
        }
        match (&self.owner_invite, &self.owner_note) {
            (Some(i), _) => {
                let what = match i.outcome {
                    Some("sent") => "invite emailed",
                    Some("already_open") => "an invite sent earlier is still open; nothing was sent",
                    Some("unconfirmed") => "invite handed to the email service without confirmation; if it does not arrive, run this again after it expires",
                    _ => "invite open",
                };
                writeln!(f, "Owner {}: {what} (link valid until {}).", i.email, domain::rfc3339(i.expires_at).unwrap_or_default())
            }
            (None, Some(note)) => writeln!(f, "Owner {}: {note}", self.owner_email),
            (None, None) => Ok(()),
        }
    }
}

/// Create the firm (or find it), then invite its owner (`ops::team::invite`: an open invite
/// is left as it is, so a second run sends nothing; an expired one is replaced). The owner
/// chooses their name when they join; until then the invite carries `owner_name`, or the
/// address's local part.
pub async fn create_with_owner(
    store: &Store,
    outbox: &Outbox<'_, impl Mailer>,
    by: &By,
    input: &NewFirm,
    owner_name: &str,
    lifetime_days: u32,
) -> Result<FirmReport> {
    let firm = create(store, by, input).await?;
    let email = input.owner_email.as_str();
    let name = Some(owner_name.trim()).filter(|n| !n.is_empty()).unwrap_or_else(|| email.split('@').next().unwrap_or(email));
    let invite = StaffInviteInput { email: Some(email.to_string()), name: Some(name.to_string()), role: Some(Role::Owner.as_str().to_string()) };
    let (owner_invite, owner_note) = match team::invite(store, outbox, by, firm.firm_id(), invite, lifetime_days).await {
        Ok(view) => (Some(view), None),
        // An address with a staff login: the owner has joined (or works at another firm).
        Err(Error::Conflict(why)) => (None, Some(why)),
        Err(e) => return Err(e),
    };
    Ok(FirmReport { firm, owner_email: email.to_string(), owner_invite, owner_note })
}

async fn existing(store: &Store, guard_pk: &str) -> Result<Option<FirmCreated>> {
    let Some(guard) = store.get::<FirmOwnerGuard>(guard_pk, keys::FIRM_OWNER_SK).await? else {
        return Ok(None);
    };
    let firm = store.firm(&guard.firm_id).await?;
    Ok(Some(FirmCreated::Exists { firm_id: firm.firm_id, name: firm.name }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operators_input_is_checked_and_every_bad_field_named() {
        let ok = NewFirm::parse(
            " Rivera & Co CPAs ",
            "Owner@Firm.example",
            Some("0192f3a0-0000-7000-8000-00000000d3e0"),
            "portal@stage.example",
            Some("https://help.firm.example/"),
        )
        .unwrap();
        assert_eq!(
            (ok.name.as_str(), ok.owner_email.as_str(), ok.firm_id.as_deref()),
            ("Rivera & Co CPAs", "owner@firm.example", Some("0192f3a0-0000-7000-8000-00000000d3e0"))
        );
        let Err(Error::Validation(errs)) = NewFirm::parse("", "nobody", Some("bad id!"), " ", Some("http://help.example")) else { panic!() };
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "owner_email", "firm_id", "sender_email", "help_center_url"]);
    }
}
