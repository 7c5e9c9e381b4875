//! Proving the login again before its authenticator app is bound from settings.
//!
//! Binding an app (a first one from settings, or a new phone) decides who can sign in from
//! then on. An access token alone — one leaked from a browser, say — must not be enough to
//! move the second factor to someone else's phone, so the settings' setup route asks for
//! the login's password and, when the login already has an app, that app's current code.
//! Both are checked the only way Cognito offers: a sign-in with them (Cognito has no call
//! that checks a code outside a sign-in, so the code alone cannot stand in for the
//! password). The fresh session is checked to be the same login and then dropped.
//!
//! The first binding during sign-in (the `mfa_setup` step, Cognito's or the one a firm
//! requires — see [`crate::ops::contact_mfa`]) follows a password sign-in already and does
//! not come here.

use serde::Deserialize;

use crate::domain::EmailAddress;
use crate::error::{Error, Result};
use crate::ports::logins::{parse_code, Logins, MfaAnswer, Pool, SignIn, MFA_CODE};
use crate::ports::tokens::PoolVerifier;

/// Cognito's longest password (longer ones are refused as malformed, not as wrong).
const MAX_PASSWORD_CHARS: usize = 256;

/// What the settings' setup route asks for.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofInput {
    #[serde(default)]
    pub password: Option<String>,
    /// The current code of the login's authenticator app, when it has one.
    #[serde(default)]
    pub code: Option<String>,
}

/// Prove the signed-in login (`sub`, signing in as `email`) with its password and, when it
/// has an authenticator app, the app's current code. A wrong or missing one is a 400 that
/// names the field.
pub async fn prove(logins: &impl Logins, tokens: &PoolVerifier, pool: Pool, sub: &str, email: &EmailAddress, proof: ProofInput) -> Result<()> {
    let not_yours = || Error::field("password", "is not the password of your login");
    let password =
        proof.password.filter(|p| !p.is_empty()).ok_or_else(|| Error::field("password", "is required: enter your password to set up an authenticator app"))?;
    if password.chars().count() > MAX_PASSWORD_CHARS {
        // Cognito refuses it as a malformed request rather than a wrong password.
        return Err(not_yours());
    }
    let answer = match logins.sign_in(pool, email, &password).await {
        Err(Error::BadCredentials) => return Err(not_yours()),
        other => other?,
    };
    let session = match answer {
        SignIn::Session(session) => session,
        SignIn::Challenge(step) if step.challenge == MFA_CODE => {
            let code = match proof.code.as_deref() {
                None | Some("") => return Err(Error::field("code", "is required: your login has an authenticator app; enter the code it shows now")),
                raw => parse_code(raw).map_err(|e| Error::Validation(vec![e]))?,
            };
            logins.complete_mfa(pool, &MfaAnswer { email: email.clone(), session: step.session, code, setup: false }).await?
        }
        // A pool that requires an app, and this login has none yet: the password is proven
        // and there is no app to protect.
        SignIn::Challenge(_) => return Ok(()),
    };
    if tokens.verify(&session.access_token).await?.sub != sub {
        return Err(not_yours());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proof_names_only_password_and_code() {
        let p: ProofInput = serde_json::from_str(r#"{"password":"pw","code":"123456"}"#).unwrap();
        assert_eq!((p.password.as_deref(), p.code.as_deref()), (Some("pw"), Some("123456")));
        assert!(serde_json::from_str::<ProofInput>(r#"{"pasword":"pw"}"#).is_err());
    }
}
