//! Roles, deactivation and reactivation of a firm's members; who am I.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use serde::{Deserialize, Serialize};

use super::rules::{self, MemberChange};
use super::MemberView;
use crate::domain::identity::Actor;
use crate::domain::roles::{Permission, Role, TABLE};
use crate::domain::{self, EmailAddress};
use crate::error::{Error, Result};
use crate::ops::audit::{self, event, By};
use crate::ports::logins::Logins;
use crate::store::tx::Change;
use crate::store::{keys, s, StaffRecord, Store};

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// The firm's count of active owners (the `owners` attribute of its firm item). A firm item
/// without it (made before the counter, or by hand) gets it now, counted from its staff
/// records — written only if still absent, so two requests initialising it at once agree.
pub async fn active_owners(store: &Store, firm_id: &str) -> Result<i64> {
    #[derive(Deserialize)]
    struct Owners {
        #[serde(default)]
        owners: Option<i64>,
    }
    let pk = keys::firm(firm_id);
    let read = || store.get::<Owners>(&pk, keys::FIRM_SK);
    let firm = read().await?.ok_or_else(|| Error::internal(format!("firm {firm_id} has no settings record")))?;
    if let Some(count) = firm.owners {
        return Ok(count);
    }
    let count = store.staff_of_firm(firm_id).await?.iter().filter(|m| m.role == Role::Owner && m.deactivated_at.is_none()).count() as i64;
    let init = Change::new().set("owners", n(count)).when("attribute_exists(PK) AND attribute_not_exists(#owners)", vec![]).on(
        store.table(),
        &keys::firm(firm_id),
        keys::FIRM_SK,
    )?;
    match store.transact(vec![init], |_| Error::Conflict(String::new())).await {
        Ok(()) => Ok(count),
        Err(Error::Conflict(_)) => read().await?.and_then(|f| f.owners).ok_or_else(|| Error::internal("the owners count vanished")),
        Err(e) => Err(e),
    }
}

/// The count of active owners moved by `delta`, as an item of the transaction that makes
/// the change. A decrease holds only while another active owner stays (`owners > 1`): of
/// two concurrent demotions of the last two owners, one fails here.
pub fn owners_change(store: &Store, firm_id: &str, delta: i32) -> Result<TransactWriteItem> {
    let change = Change::new().add("owners", n(i64::from(delta)));
    let change = if delta < 0 { change.when("#owners > :one", vec![(":one", n(1))]) } else { change.when("attribute_exists(#owners)", vec![]) };
    change.on(store.table(), &keys::firm(firm_id), keys::FIRM_SK)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleInput {
    #[serde(default)]
    pub role: Option<String>,
}

impl RoleInput {
    pub fn parse(self) -> Result<Role> {
        match self.role.as_deref() {
            None => Err(Error::field("role", "is required: owner, admin or staff")),
            Some(r) => Role::parse("role", r).map_err(|e| Error::Validation(vec![e])),
        }
    }
}

/// The signed-in member who changes someone: their sub and role (from `Actor::Staff`).
fn actor_of(actor: &Actor) -> Result<(&str, Role, &str)> {
    match actor {
        Actor::Staff { sub, role, firm_id, .. } => Ok((sub, *role, firm_id)),
        Actor::Contact { .. } => Err(Error::Forbidden("this route is for firm staff".into())),
    }
}

/// A member of `firm_id` (404 for anyone else, as for any id of another firm).
async fn member(store: &Store, firm_id: &str, member_id: &str) -> Result<StaffRecord> {
    if !domain::is_plausible_id(member_id) {
        return Err(Error::NotFound("member"));
    }
    match store.get::<StaffRecord>(&keys::staff(member_id), keys::STAFF_SK).await? {
        Some(m) if m.firm_id == firm_id => Ok(m),
        _ => Err(Error::NotFound("member")),
    }
}

/// The condition that the member is still as read: same role (a record without one is
/// `staff`) and the same active state.
fn as_read(m: &StaffRecord) -> (String, Vec<(&'static str, AttributeValue)>) {
    let role = if m.role == Role::Staff { "(#role = :role OR attribute_not_exists(#role))" } else { "#role = :role" };
    let state = if m.deactivated_at.is_some() { "attribute_exists(#deactivated_at)" } else { "attribute_not_exists(#deactivated_at)" };
    (format!("{role} AND {state}"), vec![(":role", s(m.role.as_str()))])
}

/// Apply `change` (already allowed) to `m` in one transaction: the record (conditional on
/// its state as read), the owners count when it moves, the history entry.
async fn write(store: &Store, by: &By, m: &StaffRecord, update: Change, delta: i32, event: &str, detail: String) -> Result<()> {
    let now = domain::now();
    if delta != 0 {
        active_owners(store, &m.firm_id).await?;
    }
    let (cond, values) = as_read(m);
    let mut items = vec![update.when(&cond, values).on(store.table(), &m.pk, &m.sk)?];
    if delta != 0 {
        items.push(owners_change(store, &m.firm_id, delta)?);
    }
    let entry = audit::firm_entry(&m.firm_id, event, by, now, Some(&m.sub), Some(detail))?;
    items.push(audit::tx_put(store, &entry)?);
    store
        .transact(items, |i| match i {
            1 if delta < 0 => rules::last_owner(),
            _ => Error::Conflict(format!("{} was changed by someone else meanwhile; reload the Team page and try again", m.name)),
        })
        .await
}

/// Change a member's role. Owners only make or unmake owners; the last active owner keeps
/// the role. The new role applies from the member's next request (it is read every call).
pub async fn change_role(store: &Store, by: &By, actor: &Actor, member_id: &str, input: RoleInput) -> Result<MemberView> {
    let role = input.parse()?;
    let (sub, actor_role, firm_id) = actor_of(actor)?;
    let mut m = member(store, firm_id, member_id).await?;
    let Some(delta) = rules::check(actor_role, sub, &m, MemberChange::Role(role))? else { return Ok(MemberView::from(&m)) };
    let detail = format!("{} ({}) from {} to {}", m.name, m.email, m.role, role);
    write(store, by, &m, Change::new().set("role", s(role.as_str())), delta, event::ROLE_CHANGED, detail).await?;
    tracing::info!(%firm_id, member = %m.sub, %role, "role changed");
    m.role = role;
    Ok(MemberView::from(&m))
}

/// Deactivate a member: the record first (every call with a token they hold is refused from
/// then on, on every instance), then their login is disabled at Cognito and every session
/// ended (refresh tokens die). Deactivating a deactivated member repeats the Cognito part
/// only, so a call that failed halfway can simply be made again.
pub async fn deactivate(store: &Store, logins: &impl Logins, by: &By, actor: &Actor, member_id: &str) -> Result<MemberView> {
    let (sub, actor_role, firm_id) = actor_of(actor)?;
    let mut m = member(store, firm_id, member_id).await?;
    let email = EmailAddress::parse("email", &m.email).map_err(|e| Error::internal(format!("staff record email: {}", e.message)))?;
    if let Some(delta) = rules::check(actor_role, sub, &m, MemberChange::Deactivate)? {
        let now = domain::now();
        let detail = format!("{} ({}), {}", m.name, m.email, m.role);
        write(store, by, &m, Change::new().set("deactivated_at", s(domain::rfc3339(now)?)), delta, event::STAFF_DEACTIVATED, detail).await?;
        m.deactivated_at = Some(now);
        tracing::info!(%firm_id, member = %m.sub, "staff member deactivated");
    }
    logins.disable_staff(&email).await?;
    logins.sign_out_staff(&email).await?;
    Ok(MemberView::from(&m))
}

/// Reactivate a member: the record (they count again, as an owner too), then their login
/// is enabled. They sign in again (their old sessions ended at deactivation).
pub async fn reactivate(store: &Store, logins: &impl Logins, by: &By, actor: &Actor, member_id: &str) -> Result<MemberView> {
    let (sub, actor_role, firm_id) = actor_of(actor)?;
    let mut m = member(store, firm_id, member_id).await?;
    let email = EmailAddress::parse("email", &m.email).map_err(|e| Error::internal(format!("staff record email: {}", e.message)))?;
    if let Some(delta) = rules::check(actor_role, sub, &m, MemberChange::Reactivate)? {
        let detail = format!("{} ({}), {}", m.name, m.email, m.role);
        write(store, by, &m, Change::new().remove("deactivated_at"), delta, event::STAFF_REACTIVATED, detail).await?;
        m.deactivated_at = None;
        tracing::info!(%firm_id, member = %m.sub, "staff member reactivated");
    }
    logins.enable_staff(&email).await?;
    Ok(MemberView::from(&m))
}

/// The signed-in member, for the staff UI (which shows the Team page only to those whose
/// role has the `team` permission).
#[derive(Debug, Serialize)]
pub struct StaffMe {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub firm_id: String,
    pub firm_name: String,
    /// The permissions of the role (`domain::roles`), by their spec names.
    pub permissions: Vec<&'static str>,
}

pub async fn me(store: &Store, actor: &Actor) -> Result<StaffMe> {
    let Actor::Staff { sub, firm_id, email, name, role } = actor else { return Err(Error::Forbidden("this route is for firm staff".into())) };
    let firm = store.firm_settings(firm_id).await?;
    let permissions = TABLE.iter().filter(|(p, ..)| role.may(*p)).map(|(p, ..)| Permission::as_str(*p)).collect();
    Ok(StaffMe { id: sub.clone(), name: name.clone(), email: email.clone(), role: *role, firm_id: firm_id.clone(), firm_name: firm.name, permissions })
}
