//! The team's rules, as plain functions over plain data (unit-tested without AWS).
//!
//! - Only an owner makes or unmakes an owner: inviting one, changing an owner's role or
//!   making someone owner, deactivating or reactivating one, resending or revoking an
//!   owner's invite.
//! - Nobody deactivates themselves (a firm must not lock out the person at the keyboard by
//!   a slip; another admin or owner does it).
//! - The last active owner can be neither demoted nor deactivated. That one depends on the
//!   other owners, so it is not decided here but by the write itself: [`owner_delta`] says
//!   how a change moves the firm's count of active owners, and a decrease is conditional on
//!   another owner staying (`members::owners_change`).

use crate::domain::roles::Role;
use crate::error::{Error, Result};
use crate::store::StaffRecord;

/// What is done to a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberChange {
    Role(Role),
    Deactivate,
    Reactivate,
}

fn owners_only() -> Error {
    Error::Forbidden("only an owner can make or unmake an owner, or change an owner's access; ask an owner of your firm".into())
}

/// May a member with `actor` role act on someone (or an invite) whose role is `target`?
pub fn may_touch(actor: Role, target: Role) -> Result<()> {
    if target == Role::Owner && actor != Role::Owner {
        return Err(owners_only());
    }
    Ok(())
}

/// Check `change` of `target` by the member `actor_sub` with role `actor`. `Ok(None)`: the
/// change is already the state (nothing to write); `Ok(Some(delta))`: allowed, and it moves
/// the firm's count of active owners by `delta`.
pub fn check(actor: Role, actor_sub: &str, target: &StaffRecord, change: MemberChange) -> Result<Option<i32>> {
    may_touch(actor, target.role)?;
    let active = target.deactivated_at.is_none();
    match change {
        MemberChange::Role(role) => {
            may_touch(actor, role)?;
            if !active {
                return Err(Error::Conflict(format!("{} is deactivated; reactivate them before changing their role", target.name)));
            }
            if role == target.role {
                return Ok(None);
            }
            Ok(Some(owner_delta(target.role, role)))
        }
        MemberChange::Deactivate => {
            if target.sub == actor_sub {
                return Err(Error::Forbidden("you cannot deactivate your own login; ask another admin or owner of your firm".into()));
            }
            if !active {
                return Ok(None);
            }
            Ok(Some(if target.role == Role::Owner { -1 } else { 0 }))
        }
        MemberChange::Reactivate => {
            if active {
                return Ok(None);
            }
            Ok(Some(if target.role == Role::Owner { 1 } else { 0 }))
        }
    }
}

/// How a role change of an active member moves the count of active owners.
pub fn owner_delta(from: Role, to: Role) -> i32 {
    match (from == Role::Owner, to == Role::Owner) {
        (true, false) => -1,
        (false, true) => 1,
        _ => 0,
    }
}

/// The message of a refused decrease: the firm would have no active owner left.
pub fn last_owner() -> Error {
    Error::Conflict("this is the firm's last active owner: make another member owner first (a firm always needs an owner)".into())
}
