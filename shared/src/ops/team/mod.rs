//! The firm's team: staff invites, joining from one, roles, deactivation.
//!
//! - **Invites** ([`invite`], [`resend`], [`revoke`]) are single use, expire after the
//!   firm's invite lifetime, and are stored hashed: the link's token is the invite's id
//!   (derived from the firm and the email, so a firm has one invite item per address) and
//!   256 random bits; only the SHA-256 of the token is kept, and the token appears only in
//!   the email's link (`<web origin>/join#<token>`, a fragment, never sent to a server, never
//!   logged). A new link (resend) ends the old one, which then says why it stopped working.
//!   A second invite to an address whose invite is still open changes nothing and answers
//!   the open invite (`outcome: already_open`): re-running the operator's `create-firm`, or
//!   a second click, sends no second email.
//! - **Joining** ([`join_info`], [`join`]) creates the login in the staff pool, claimed
//!   first: the email's guard item (`STAFFLOGIN#<email>`, one staff login per address across
//!   firms, as Cognito's usernames are) is written before any Cognito call, so two
//!   submissions never both create a login; the staff record, the invite's use, the guard's
//!   completion and the history entry are one transaction, and a failure after the Cognito
//!   user was made deletes it again.
//! - **Members** ([`change_role`], [`deactivate`], [`reactivate`]): the rules are in
//!   [`rules`]; the firm item counts its active owners (`owners`), changed in the same
//!   transaction as the role or the deactivation, with "another owner stays" as the
//!   decrement's condition — so two owners demoting each other at once can never leave the
//!   firm without one. A firm item without the counter gets it from its staff records on
//!   first need ([`active_owners`]).
//!
//! - **Lists** ([`list_members`], [`list_invites`]): the Team page's two paged lists, in
//!   email order, each page one Query bounded by its limit; a used or revoked invite leaves
//!   the invites list's key range (`store::team`).
//!
//! Every change writes an entry of the firm's history (`ops::audit::firm_entry`) in the
//! transaction that makes it. What a member authored keeps their name: entries copy it.

mod invites;
mod join;
mod members;
pub mod rules;

pub use invites::*;
pub use join::*;
pub use members::*;

#[cfg(test)]
mod tests;
