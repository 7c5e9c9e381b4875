//! A firm that requires an authenticator app for its contacts: the sign-in of a contact who
//! has none becomes the app's setup.
//!
//! The contacts pool keeps MFA *optional* (one pool serves every firm), so Cognito itself
//! answers such a password sign-in with tokens. We do not hand those tokens to the browser.
//! Instead we start the app's setup with the access token (`AssociateSoftwareToken`) and
//! park the tokens, sealed, for ten minutes under a random setup id; the browser gets the
//! secret to add to the app and the setup id as its `session` (`challenge: mfa_setup`,
//! the same answer as a pool that requires MFA, so the web UI has one setup step). The
//! app's first code (`POST /api/portal/sessions/mfa`) verifies the app, makes it required
//! for every later sign-in of this login (`SetUserMFAPreference`), and only then are the
//! tokens released.
//!
//! The parked item holds only a hash of the setup id and the tokens encrypted (AES-256-GCM)
//! with a key derived from the id, so reading the table does not yield a session.

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};

use crate::domain;
use crate::error::{Error, Result};
use crate::ports::logins::{Logins, MfaChallenge, Session, MFA_SETUP};
use crate::store::{keys, PendingSetupRecord, Store};

/// How long a parked setup waits for the app's first code.
pub const SETUP_SECONDS: i64 = 600;
/// The prefix that tells our setup ids from Cognito's session strings.
pub const SETUP_PREFIX: &str = "portal-setup.";

fn key_of(id: &str) -> Result<LessSafeKey> {
    let k = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, format!("contact-mfa-setup-key\0{id}").as_bytes());
    Ok(LessSafeKey::new(UnboundKey::new(&AES_256_GCM, k.as_ref()).map_err(|_| Error::internal("bad key length"))?))
}

fn record_key(id: &str) -> String {
    keys::mfa_setup(&domain::sha256_hex(format!("contact-mfa-setup-id\0{id}").as_bytes()))
}

/// Seal `session` under the setup `id`.
pub fn seal(id: &str, session: &Session) -> Result<String> {
    let mut nonce = [0u8; NONCE_LEN];
    aws_lc_rs::rand::fill(&mut nonce).map_err(|_| Error::internal("no randomness available"))?;
    let mut data = serde_json::to_vec(session).map_err(Error::internal)?;
    key_of(id)?.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut data).map_err(|_| Error::internal("sealing failed"))?;
    Ok(format!("{}{}", domain::hex(&nonce), domain::hex(&data)))
}

/// The session sealed under `id`; `None` when `id` is not the one it was sealed with.
pub fn open(id: &str, sealed: &str) -> Option<Session> {
    let bytes = domain::unhex(sealed)?;
    if bytes.len() < NONCE_LEN {
        return None;
    }
    let (nonce, rest) = bytes.split_at(NONCE_LEN);
    let mut data = rest.to_vec();
    let plain = key_of(id).ok()?.open_in_place(Nonce::try_assume_unique_for_key(nonce).ok()?, Aad::empty(), &mut data).ok()?;
    serde_json::from_slice(plain).ok()
}

/// Start the app's setup for a contact whose password sign-in gave `session`.
pub async fn start(logins: &impl Logins, store: &Store, contact_id: &str, email: &str, session: &Session) -> Result<MfaChallenge> {
    let setup = logins.start_totp(&session.access_token, email).await?;
    let mut raw = [0u8; 32];
    aws_lc_rs::rand::fill(&mut raw).map_err(|_| Error::internal("no randomness available"))?;
    let id = domain::hex(&raw);
    let record = PendingSetupRecord {
        pk: record_key(&id),
        sk: keys::MFA_SETUP_SK.into(),
        contact_id: contact_id.into(),
        sealed: seal(&id, session)?,
        expires_at: domain::now().unix_timestamp() + SETUP_SECONDS,
    };
    store.put(&record).await?;
    Ok(MfaChallenge { challenge: MFA_SETUP, session: format!("{SETUP_PREFIX}{id}"), secret: Some(setup.secret), otpauth_uri: Some(setup.otpauth_uri) })
}

/// Is this `session` one of our setup ids (rather than Cognito's)?
pub fn is_setup(session: &str) -> bool {
    session.starts_with(SETUP_PREFIX)
}

/// Finish the setup: verify the app's first code, require the app from now on, release the
/// parked tokens (once: the item is deleted). Returns the contact id and the session.
pub async fn complete(logins: &impl Logins, store: &Store, session_id: &str, code: &str) -> Result<(String, Session)> {
    let expired = || Error::Unauthorized("this sign-in step expired; sign in again".into());
    let id = session_id.strip_prefix(SETUP_PREFIX).ok_or_else(expired)?;
    let pk = record_key(id);
    let record = store.get::<PendingSetupRecord>(&pk, keys::MFA_SETUP_SK).await?.ok_or_else(expired)?;
    if record.expires_at <= domain::now().unix_timestamp() {
        return Err(expired());
    }
    let session = open(id, &record.sealed).ok_or_else(expired)?;
    logins.confirm_totp(&session.access_token, Some(code)).await?;
    store.delete(&pk, keys::MFA_SETUP_SK).await?;
    Ok((record.contact_id, session))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        Session { access_token: "access".into(), refresh_token: Some("refresh".into()), expires_in: 3600, token_type: "Bearer" }
    }

    #[test]
    fn only_the_setup_id_opens_the_parked_tokens() {
        let sealed = seal("id-one", &session()).unwrap();
        assert!(!sealed.contains("access") && !sealed.contains(&domain::hex(b"access")), "the tokens are not readable from the item");
        let opened = open("id-one", &sealed).unwrap();
        assert_eq!((opened.access_token.as_str(), opened.refresh_token.as_deref()), ("access", Some("refresh")));
        assert!(open("id-two", &sealed).is_none());
        let mut tampered = sealed.clone();
        tampered.replace_range(40..42, if &sealed[40..42] == "00" { "01" } else { "00" });
        assert!(open("id-one", &tampered).is_none());
        assert!(open("id-one", "zz").is_none());
    }

    #[test]
    fn the_item_key_does_not_reveal_the_setup_id() {
        let k = record_key("abc");
        assert!(k.starts_with("MFASETUP#") && !k.contains("abc"));
        assert!(is_setup("portal-setup.abc") && !is_setup("AYABeC…cognito"));
    }
}
