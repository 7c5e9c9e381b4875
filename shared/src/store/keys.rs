//! Key builders: the only place key strings are spelled (see the key schema in the
//! module docs of [`crate::store`]).

/// Sort-key (and GSI sort-key) prefixes of the item kinds.
pub mod prefix {
    pub const CLIENT: &str = "CLIENT#";
    pub const CONTACT: &str = "CONTACT#";
    pub const STAFF: &str = "STAFF#";
    pub const STAFF_INVITE: &str = "STAFFINVITE#";
    /// GSI1 sort keys of a firm's staff invites whose link was used or revoked: out of the
    /// Team page's invites list (as archived clients are out of the clients list).
    pub const ENDED_STAFF_INVITE: &str = "ENDEDSTAFFINVITE#";
    pub const TEMPLATE: &str = "TEMPLATE#";
    pub const FILE: &str = "FILE#";
    pub const REQUEST: &str = "REQUEST#";
    pub const INVOICE: &str = "INVOICE#";
    pub const PAYMENT: &str = "PAYMENT#";
    pub const AUDIT: &str = "AUDIT#";
    pub const THREAD: &str = "MSGTHREAD#";
    pub const MESSAGE: &str = "MSG#";
    pub const FORM: &str = "FORM#";
    pub const SIGNER: &str = "SIGNER#";
    pub const EMAIL: &str = "EMAIL#";
    /// GSI1 sort keys of a firm's archived clients.
    pub const ARCHIVED: &str = "ARCHIVED#";
}

pub fn firm(firm_id: &str) -> String {
    format!("FIRM#{firm_id}")
}
pub const FIRM_SK: &str = "FIRM";
/// The guard that makes `portal-admin create-firm` create one firm per owner address.
pub fn firm_owner(email: &str) -> String {
    format!("FIRMOWNER#{email}")
}
pub const FIRM_OWNER_SK: &str = "FIRMOWNER";
pub fn staff(sub: &str) -> String {
    format!("{}{sub}", prefix::STAFF)
}
pub const STAFF_SK: &str = "STAFF";
/// A staff invite's id: the first 32 hex digits of the SHA-256 of the firm and the email,
/// so there is one invite item per firm and address, and a link's token can name it.
pub fn staff_invite_id(firm_id: &str, email: &str) -> String {
    crate::domain::sha256_hex(format!("{firm_id}\0{email}").as_bytes())[..32].to_string()
}
pub fn staff_invite(invite_id: &str) -> String {
    format!("{}{invite_id}", prefix::STAFF_INVITE)
}
pub const STAFF_INVITE_SK: &str = "STAFFINVITE";
pub fn staff_invite_sort(email: &str) -> String {
    format!("{}{email}", prefix::STAFF_INVITE)
}
/// The GSI1 sort key of a staff invite with no live link (used or revoked).
pub fn ended_staff_invite_sort(email: &str) -> String {
    format!("{}{email}", prefix::ENDED_STAFF_INVITE)
}
/// A staff member's GSI1 sort key (`FIRM#<firm>`): the Team page lists members by email.
pub fn staff_sort(email: &str) -> String {
    format!("{}{email}", prefix::STAFF)
}
/// The guard of a staff-pool email (one login per address across firms).
pub fn staff_login(email: &str) -> String {
    format!("STAFFLOGIN#{email}")
}
pub const STAFF_LOGIN_SK: &str = "STAFFLOGIN";
pub fn user(sub: &str) -> String {
    format!("USER#{sub}")
}
pub const USER_SK: &str = "USER";
pub fn client(client_id: &str) -> String {
    format!("{}{client_id}", prefix::CLIENT)
}
pub const CLIENT_SK: &str = "CLIENT";
pub fn contact(contact_id: &str) -> String {
    format!("{}{contact_id}", prefix::CONTACT)
}
pub const PROFILE_SK: &str = "PROFILE";
/// Under the contact's partition: the claim on its login while an account is being created
/// or restored (`ops::login_claim`).
pub const LOGIN_CLAIM_SK: &str = "LOGINCLAIM";
pub fn idempotency(hash: &str) -> String {
    format!("IDEMP#{hash}")
}
pub const IDEMPOTENCY_SK: &str = "IDEMP";
pub fn message_thread(thread_id: &str) -> String {
    format!("{}{thread_id}", prefix::THREAD)
}
pub fn thread(thread_id: &str) -> String {
    format!("THREAD#{thread_id}")
}
/// Messages sort by their sequence number within the thread.
pub fn message(seq: u32) -> String {
    format!("{}{seq:08}", prefix::MESSAGE)
}
pub fn signature_form(form_id: &str) -> String {
    format!("{}{form_id}", prefix::FORM)
}
pub fn form_drawings(form_id: &str) -> String {
    format!("FORMDRAW#{form_id}")
}
pub fn mfa_setup(hash: &str) -> String {
    format!("MFASETUP#{hash}")
}
pub const MFA_SETUP_SK: &str = "MFASETUP";
/// A throttling item's partition (`store::limits`): the SHA-256 of what it counts (scope
/// and source, or step, pool and email), so no address or email sits in a key in clear.
pub fn limit(parts: &[&str]) -> String {
    format!("LIMIT#{}", crate::domain::sha256_hex(parts.join("\0").as_bytes()))
}
/// A per-source counter's sort key: the start of its window (epoch seconds, zero-padded).
pub fn limit_window(start: i64) -> String {
    format!("W#{:012}", start.max(0))
}
/// The sort key of an account's sign-in attempts.
pub const ATTEMPTS_SK: &str = "ATTEMPTS";
pub fn file(file_id: &str) -> String {
    format!("{}{file_id}", prefix::FILE)
}
pub fn audit(at: &str, id: &str) -> String {
    format!("{}{at}#{id}", prefix::AUDIT)
}
pub fn request(request_id: &str) -> String {
    format!("{}{request_id}", prefix::REQUEST)
}
pub fn invoice(invoice_id: &str) -> String {
    format!("{}{invoice_id}", prefix::INVOICE)
}
pub fn payment(payment_id: &str) -> String {
    format!("{}{payment_id}", prefix::PAYMENT)
}
/// A logo upload of the firm, under `FIRM#<firm>`.
pub fn logo(logo_id: &str) -> String {
    format!("LOGO#{logo_id}")
}
pub fn template(template_id: &str) -> String {
    format!("{}{template_id}", prefix::TEMPLATE)
}
pub fn email_guard(email: &str) -> String {
    format!("{}{email}", prefix::EMAIL)
}
pub fn client_sort(name: &str, client_id: &str) -> String {
    format!("CLIENT#{}#{client_id}", name.to_lowercase())
}
/// An archived client's GSI1 sort key: out of the `CLIENT#` list, into its own.
pub fn archived_client_sort(name: &str, client_id: &str) -> String {
    format!("{}{}#{client_id}", prefix::ARCHIVED, name.to_lowercase())
}
pub const GSI1: &str = "GSI1";
pub const GSI2: &str = "GSI2";
pub const GSI3: &str = "GSI3";
/// GSI3 partition of a firm's contact links in one portal state (`store::StoredState`).
pub fn portal_state(firm_id: &str, state: &str) -> String {
    format!("FIRM#{firm_id}#PORTAL#{state}")
}
/// GSI3 sort key of a link: its client's name (lower case), client and contact, so a
/// state's list reads like the clients list.
pub fn portal_state_sort(client_name: &str, client_id: &str, contact_id: &str) -> String {
    format!("{}#{client_id}#{contact_id}", client_name.to_lowercase())
}
/// GSI3 partition of a client's **open work**: its requests not completed, signature forms
/// still pending and invoices not paid in full, each under its own table sort key
/// (`REQUEST#…`, `FORM#…`, `INVOICE#…`). Home's counts and the billing balance read only
/// this (bounded by what is still open, not by the client's years); the item leaves the
/// index when it is done (`store::OpenWork`).
pub fn open_work(client_id: &str) -> String {
    format!("{}{client_id}#OPEN", prefix::CLIENT)
}
/// GSI3 partition of a client's message threads by last activity (`activity_sort`).
pub fn thread_activity(client_id: &str) -> String {
    format!("{}{client_id}#ACTIVE", prefix::CLIENT)
}
/// GSI3 sort key of a thread: when its last message was posted (epoch seconds,
/// zero-padded so that text order is time order), then the thread.
pub fn activity_sort(at: time::OffsetDateTime, thread_id: &str) -> String {
    format!("{:012}#{thread_id}", at.unix_timestamp().max(0))
}
/// An invoice number taken in a client (one invoice per number; written with the invoice).
pub fn invoice_number(number: &str) -> String {
    format!("INVNUM#{}", number.to_lowercase())
}
/// The one GSI2 partition: links whose invite is open and not accepted.
pub const OPEN_INVITES: &str = "OPEN_INVITE";
/// GSI2 sort key of an open invite: when its last email went out (epoch seconds,
/// zero-padded so that text order is time order), then the link.
pub fn open_invite_sort(invited_at: time::OffsetDateTime, client_id: &str, contact_id: &str) -> String {
    format!("{:012}#{client_id}#{contact_id}", invited_at.unix_timestamp().max(0))
}

/// The mark "`recipient` (a contact id or a staff sub) was emailed about new messages of
/// `client_id`" (see `ops::messages`): partition per recipient, one item per client.
pub fn notified(recipient: &str) -> String {
    format!("NOTIFIED#{recipient}")
}
pub fn notified_about(client_id: &str) -> String {
    format!("{}{client_id}", prefix::CLIENT)
}

/// A drawn signature's sort key under its form: the signer.
pub fn signer(contact_id: &str) -> String {
    format!("{}{contact_id}", prefix::SIGNER)
}

/// The sort-key prefix of a client's audit entries at `at` (RFC 3339), for a range read.
pub fn audit_at(at: &str) -> String {
    format!("{}{at}#", prefix::AUDIT)
}

/// The upper bound of a range read that ends with every item of `prefix` (`FILE#` →
/// `FILE$`: `$` sorts right after `#`).
pub fn through(prefix: &str) -> String {
    format!("{}$", prefix.trim_end_matches('#'))
}
