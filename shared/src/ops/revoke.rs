//! Revoking a contact's portal access (a staff operation).

use crate::domain;
use crate::error::{Error, Result};
use crate::ports::logins::Logins;
use crate::store::invite_write;
use crate::store::tx::Change;
use crate::store::{keys, s, tx, ContactRecord, InviteEnd, Store};

/// Revoke a contact's portal access in one action: the login stops working at once (its
/// USER record goes, so every API call answers 401), every client link loses its access and
/// open invite, and in Cognito the user is disabled and all sessions end. The status shows
/// `revoked` until a new invite is accepted, which restores the same login.
pub async fn revoke_access(
    store: &Store,
    logins: &impl Logins,
    by: &crate::ops::audit::By,
    firm_id: &str,
    contact_id: &str,
) -> Result<crate::ops::clients::ContactDetail> {
    let contact = match store.get::<ContactRecord>(&keys::contact(contact_id), keys::PROFILE_SK).await? {
        Some(c) if c.firm_id == firm_id && domain::is_plausible_id(contact_id) => c,
        _ => return Err(Error::NotFound("contact")),
    };
    let links = store.links_of_contact(contact_id).await?;
    let now = domain::now();
    let mut items = vec![Change::new().set("access_revoked_at", s(domain::rfc3339(now)?)).on(store.table(), &contact.pk, &contact.sk)?];
    if let Some(sub) = &contact.user_sub {
        items.push(tx::delete(store.table(), &keys::user(sub), keys::USER_SK)?);
    }
    for l in &links {
        let mut after = l.clone();
        after.end_invite(InviteEnd::Revoked, now);
        let extra = [("access_revoked_at", Some(s(domain::rfc3339(now)?))), ("accepted_at", None), ("last_login_at", None)];
        items.push(invite_write(store, &after, l.invite_hash.as_deref(), false, &extra)?);
        let entry =
            crate::ops::audit::entry(&l.client_id, crate::ops::audit::event::ACCESS_REVOKED, by.actor.clone(), now, &by.origin, Some(contact_id), None)?;
        items.push(crate::ops::audit::tx_put(store, &entry)?);
    }
    store.transact(items, |_| Error::Conflict("the contact changed meanwhile; reload and try again".into())).await?;
    if let (Some(_), Some(email)) = (&contact.user_sub, &contact.email) {
        if let Err(e) = logins.disable_contact(email).await {
            tracing::error!(%contact_id, error = %e, "could not disable the revoked login (the portal already refuses it)");
        }
        if let Err(e) = logins.sign_out_contact(email).await {
            tracing::error!(%contact_id, error = %e, "could not end the revoked login's sessions (the portal already refuses them)");
        }
    }
    tracing::info!(%contact_id, "portal access revoked");
    let mut updated = contact;
    updated.access_revoked_at = Some(now);
    Ok(crate::ops::clients::ContactDetail::from(&updated))
}
