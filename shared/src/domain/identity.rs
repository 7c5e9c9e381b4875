//! Who a request acts as: the audience a route accepts and the actor a verified token
//! resolves to. Plain data: verification lives in `ports::tokens`, the lookup in
//! `http::state`.

use crate::domain::roles::{Permission, Role};
use crate::error::{Error, Result};

/// Whose token a route accepts: the staff pool's (with the permission the staff member's
/// role must have), the contacts pool's, or none (public routes: sign-in, invite links, the
/// web UI). Every route carries one (`http::routes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Public,
    Staff(Permission),
    Contact,
}

/// Who is making the request, after verification and lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// An active staff member of firm `firm_id`, with their role as the record says now.
    Staff { sub: String, firm_id: String, email: String, name: String, role: Role },
    /// A client contact with a portal login.
    Contact { sub: String, contact_id: String, firm_id: String },
}

impl Actor {
    pub fn firm_id(&self) -> &str {
        match self {
            Actor::Staff { firm_id, .. } | Actor::Contact { firm_id, .. } => firm_id,
        }
    }
    /// A short label for logs: never an email or a token.
    pub fn label(&self) -> String {
        match self {
            Actor::Staff { sub, .. } => format!("staff:{sub}"),
            Actor::Contact { contact_id, .. } => format!("contact:{contact_id}"),
        }
    }
}

/// Staff-only routes: the firm id of the signed-in staff member.
pub fn staff_firm(actor: &Actor) -> Result<&str> {
    match actor {
        Actor::Staff { firm_id, .. } => Ok(firm_id),
        Actor::Contact { .. } => Err(Error::Forbidden("this route is for firm staff".into())),
    }
}
