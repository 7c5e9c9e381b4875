//! The `Logins` port: the two Cognito user pools (staff and contacts) — sign-in, the
//! authenticator-app steps, refresh and sign-out, and the admin calls that create, restore
//! and end logins (contacts from their invites; staff from theirs, and disabled, enabled and
//! signed out everywhere by their firm's team operations).
//!
//! The browser never talks to Cognito directly: our API does, so the same rules (input
//! checks, error messages, last-login recording) apply to every client of the API, and the
//! pool's app client needs no public exposure beyond its id.

use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthError;
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType, SoftwareTokenMfaSettingsType};
use aws_sdk_cognitoidentityprovider::Client;
use std::future::Future;

use serde::{Deserialize, Serialize};

use crate::config::PoolConfig;
use crate::domain::password::PasswordRules;
use crate::domain::EmailAddress;
use crate::error::{aws, Error, FieldError, Result};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInInput {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
}

impl SignInInput {
    pub fn parse(self) -> Result<(EmailAddress, String)> {
        let mut errs = Vec::new();
        let email = EmailAddress::parse("email", self.email.as_deref().unwrap_or("")).map_err(|e| errs.push(e)).ok();
        let password = self.password.filter(|p| !p.is_empty());
        if password.is_none() {
            errs.push(FieldError::new("password", "is required"));
        }
        if !errs.is_empty() {
            return Err(Error::Validation(errs));
        }
        Ok((email.unwrap(), password.unwrap()))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshInput {
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// What a successful sign-in or refresh returns to the browser.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub expires_in: i32,
    #[serde(skip_deserializing, default = "bearer")]
    pub token_type: &'static str,
}

fn bearer() -> &'static str {
    "Bearer"
}

fn auth_error(
    e: aws_sdk_cognitoidentityprovider::error::SdkError<InitiateAuthError, aws_sdk_cognitoidentityprovider::config::http::HttpResponse>,
    refresh: bool,
) -> Error {
    match e.as_service_error() {
        Some(InitiateAuthError::NotAuthorizedException(_)) | Some(InitiateAuthError::UserNotFoundException(_)) if refresh => {
            Error::Unauthorized("the refresh token is invalid, expired or revoked; sign in again".into())
        }
        Some(InitiateAuthError::NotAuthorizedException(_)) | Some(InitiateAuthError::UserNotFoundException(_)) => Error::BadCredentials,
        Some(InitiateAuthError::PasswordResetRequiredException(_)) => Error::Forbidden("a password reset is required for this login".into()),
        Some(InitiateAuthError::UserNotConfirmedException(_)) => Error::Forbidden("this login is not confirmed yet".into()),
        Some(InitiateAuthError::TooManyRequestsException(_)) => Error::Conflict("too many attempts; wait a minute and try again".into()),
        _ => aws(e),
    }
}

/// A sign-in whose password was right but that needs the second factor: the browser asks
/// for a code from the authenticator app (`mfa_code`), or — the first time, in a pool where
/// MFA is required — shows the secret to add to the app and asks for its first code
/// (`mfa_setup`). `session` is Cognito's, valid for a few minutes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MfaChallenge {
    pub challenge: &'static str,
    pub session: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub otpauth_uri: Option<String>,
}

pub const MFA_CODE: &str = "mfa_code";
pub const MFA_SETUP: &str = "mfa_setup";

/// The answer to email + password: tokens, or the MFA step.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum SignIn {
    Session(Session),
    Challenge(MfaChallenge),
}

impl SignIn {
    pub fn session(&self) -> Option<&Session> {
        match self {
            SignIn::Session(s) => Some(s),
            SignIn::Challenge(_) => None,
        }
    }
}

fn session_of(r: Option<aws_sdk_cognitoidentityprovider::types::AuthenticationResultType>) -> Result<Session> {
    let r = r.ok_or_else(|| Error::internal("Cognito returned no tokens"))?;
    Ok(Session {
        access_token: r.access_token.ok_or_else(|| Error::internal("Cognito returned no access token"))?,
        refresh_token: r.refresh_token,
        expires_in: r.expires_in,
        token_type: "Bearer",
    })
}

/// The name authenticator apps show for our entries.
pub const TOTP_ISSUER: &str = "Client Portal";

/// The `otpauth://` URI an authenticator app reads (as a QR code or a link).
pub fn otpauth_uri(email: &str, secret: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
    };
    format!("otpauth://totp/{}:{}?secret={}&issuer={}", enc(TOTP_ISSUER), enc(email), enc(secret), enc(TOTP_ISSUER))
}

/// Email + password → tokens (`USER_PASSWORD_AUTH`), or the MFA step when the login has (or
/// its pool requires) an authenticator app.
async fn sign_in(cognito: &Client, pool: &PoolConfig, email: &EmailAddress, password: &str) -> Result<SignIn> {
    let out = cognito
        .initiate_auth()
        .client_id(&pool.client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", email.as_str())
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .map_err(|e| auth_error(e, false))?;
    let session = out.session.clone().unwrap_or_default();
    match out.challenge_name() {
        None => Ok(SignIn::Session(session_of(out.authentication_result)?)),
        Some(ChallengeNameType::SoftwareTokenMfa) => Ok(SignIn::Challenge(MfaChallenge { challenge: MFA_CODE, session, secret: None, otpauth_uri: None })),
        Some(ChallengeNameType::MfaSetup) => {
            let assoc = cognito.associate_software_token().session(session).send().await.map_err(aws)?;
            let secret = assoc.secret_code.ok_or_else(|| Error::internal("Cognito returned no TOTP secret"))?;
            Ok(SignIn::Challenge(MfaChallenge {
                challenge: MFA_SETUP,
                session: assoc.session.unwrap_or_default(),
                otpauth_uri: Some(otpauth_uri(email.as_str(), &secret)),
                secret: Some(secret),
            }))
        }
        Some(other) => Err(Error::Forbidden(format!("sign-in needs a step this portal does not offer ({}); ask the firm for help", other.as_str()))),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MfaInput {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub session: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    /// `mfa_code` or `mfa_setup`, as the sign-in answered.
    #[serde(default)]
    pub challenge: Option<String>,
}

/// A checked MFA answer.
#[derive(Debug, Clone, PartialEq)]
pub struct MfaAnswer {
    pub email: EmailAddress,
    pub session: String,
    pub code: String,
    pub setup: bool,
}

/// A six-digit code from an authenticator app (spaces allowed, as apps show "123 456").
pub fn parse_code(raw: Option<&str>) -> std::result::Result<String, FieldError> {
    let code: String = raw.unwrap_or("").chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code)
    } else {
        Err(FieldError::new("code", "must be the 6-digit code your authenticator app shows"))
    }
}

impl MfaInput {
    pub fn parse(self) -> Result<MfaAnswer> {
        let mut errs = Vec::new();
        let email = EmailAddress::parse("email", self.email.as_deref().unwrap_or("")).map_err(|e| errs.push(e)).ok();
        let session = self.session.filter(|s| !s.trim().is_empty());
        if session.is_none() {
            errs.push(FieldError::new("session", "is required: the session the sign-in answered with"));
        }
        let code = parse_code(self.code.as_deref()).map_err(|e| errs.push(e)).ok();
        let setup = match self.challenge.as_deref() {
            Some(MFA_CODE) => false,
            Some(MFA_SETUP) => true,
            _ => {
                errs.push(FieldError::new("challenge", "must be mfa_code or mfa_setup, as the sign-in answered"));
                false
            }
        };
        if !errs.is_empty() {
            return Err(Error::Validation(errs));
        }
        Ok(MfaAnswer { email: email.unwrap(), session: session.unwrap(), code: code.unwrap(), setup })
    }
}

fn mfa_error<E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
    e: aws_sdk_cognitoidentityprovider::error::SdkError<E, aws_sdk_cognitoidentityprovider::config::http::HttpResponse>,
) -> Error {
    match e.as_service_error().and_then(|se| se.code()) {
        Some("CodeMismatchException") | Some("EnableSoftwareTokenMFAException") => Error::field("code", "is not the current code of your authenticator app"),
        Some("NotAuthorizedException") | Some("ExpiredCodeException") | Some("ResourceNotFoundException") => {
            Error::Unauthorized("this sign-in step expired; sign in again".into())
        }
        Some("TooManyRequestsException") | Some("TooManyFailedAttemptsException") => Error::Conflict("too many attempts; wait a minute and try again".into()),
        _ => aws(e),
    }
}

/// The second step of a sign-in: the code (and, for `mfa_setup`, the app's first code,
/// which also turns the authenticator on for this login) → tokens.
async fn complete_mfa(cognito: &Client, pool: &PoolConfig, answer: &MfaAnswer) -> Result<Session> {
    let out = if answer.setup {
        let verified = cognito
            .verify_software_token()
            .session(&answer.session)
            .user_code(&answer.code)
            .friendly_device_name(TOTP_ISSUER)
            .send()
            .await
            .map_err(mfa_error)?;
        cognito
            .respond_to_auth_challenge()
            .client_id(&pool.client_id)
            .challenge_name(ChallengeNameType::MfaSetup)
            .session(verified.session.unwrap_or_else(|| answer.session.clone()))
            .challenge_responses("USERNAME", answer.email.as_str())
            .send()
            .await
            .map_err(mfa_error)?
    } else {
        cognito
            .respond_to_auth_challenge()
            .client_id(&pool.client_id)
            .challenge_name(ChallengeNameType::SoftwareTokenMfa)
            .session(&answer.session)
            .challenge_responses("USERNAME", answer.email.as_str())
            .challenge_responses("SOFTWARE_TOKEN_MFA_CODE", &answer.code)
            .send()
            .await
            .map_err(mfa_error)?
    };
    if out.challenge_name().is_some() {
        return Err(Error::Forbidden("sign-in needs another step; sign in again".into()));
    }
    session_of(out.authentication_result)
}

/// A new authenticator-app secret for a signed-in login (settings → two-step sign-in).
#[derive(Debug, Clone, Serialize)]
pub struct TotpSetup {
    pub secret: String,
    pub otpauth_uri: String,
}

async fn start_totp(cognito: &Client, access_token: &str, email: &str) -> Result<TotpSetup> {
    let out = cognito.associate_software_token().access_token(access_token).send().await.map_err(mfa_error)?;
    let secret = out.secret_code.ok_or_else(|| Error::internal("Cognito returned no TOTP secret"))?;
    Ok(TotpSetup { otpauth_uri: otpauth_uri(email, &secret), secret })
}

/// Confirm the app with its first code and make it required at every sign-in of this login.
async fn confirm_totp(cognito: &Client, access_token: &str, code: Option<&str>) -> Result<()> {
    let code = parse_code(code).map_err(|e| Error::Validation(vec![e]))?;
    cognito.verify_software_token().access_token(access_token).user_code(code).friendly_device_name(TOTP_ISSUER).send().await.map_err(mfa_error)?;
    cognito
        .set_user_mfa_preference()
        .access_token(access_token)
        .software_token_mfa_settings(SoftwareTokenMfaSettingsType::builder().enabled(true).preferred_mfa(true).build())
        .send()
        .await
        .map_err(mfa_error)?;
    Ok(())
}

/// Whether Cognito has an authenticator app switched on for the token's login
/// (`GetUser`, authorized by the token itself): what Cognito will ask for at the next
/// password sign-in, whatever our records say — a contact can switch the app off at Cognito
/// with their own access token (`SetUserMFAPreference`). 401 for a token Cognito no longer
/// accepts (signed out, login disabled).
async fn mfa_on(cognito: &Client, access_token: &str) -> Result<bool> {
    let out = cognito.get_user().access_token(access_token).send().await.map_err(|e| {
        if e.as_service_error().is_some_and(|se| se.is_not_authorized_exception() || se.is_user_not_found_exception()) {
            Error::Unauthorized("the access token is no longer valid; sign in again".into())
        } else {
            aws(e)
        }
    })?;
    Ok(out.user_mfa_setting_list().iter().any(|m| m == "SOFTWARE_TOKEN_MFA"))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeInput {
    #[serde(default)]
    pub code: Option<String>,
}

/// Refresh token → new access token (`REFRESH_TOKEN_AUTH`).
async fn refresh(cognito: &Client, pool: &PoolConfig, input: RefreshInput) -> Result<Session> {
    let token = input.refresh_token.filter(|t| !t.trim().is_empty()).ok_or_else(|| Error::field("refresh_token", "is required"))?;
    let out = cognito
        .initiate_auth()
        .client_id(&pool.client_id)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", token)
        .send()
        .await
        .map_err(|e| auth_error(e, true))?;
    let mut s = session_of(out.authentication_result)?;
    s.refresh_token = None;
    Ok(s)
}

/// End every session of this login (`GlobalSignOut`: refresh tokens stop working).
async fn sign_out(cognito: &Client, access_token: &str) -> Result<()> {
    cognito.global_sign_out().access_token(access_token).send().await.map_err(|e| {
        if e.as_service_error().is_some_and(|se| se.is_not_authorized_exception()) {
            Error::Unauthorized("the access token is no longer valid".into())
        } else {
            aws(e)
        }
    })?;
    Ok(())
}

/// Which user pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pool {
    Staff,
    Contacts,
}

/// The two user pools, as the operations use them.
pub trait Logins: Send + Sync {
    /// Email + password → tokens, or the authenticator step.
    fn sign_in(&self, pool: Pool, email: &EmailAddress, password: &str) -> impl Future<Output = Result<SignIn>> + Send;
    /// The authenticator step of a sign-in → tokens.
    fn complete_mfa(&self, pool: Pool, answer: &MfaAnswer) -> impl Future<Output = Result<Session>> + Send;
    fn refresh(&self, pool: Pool, input: RefreshInput) -> impl Future<Output = Result<Session>> + Send;
    /// End every session of the token's login.
    fn sign_out(&self, access_token: &str) -> impl Future<Output = Result<()>> + Send;
    /// A new authenticator-app secret for a signed-in login.
    fn start_totp(&self, access_token: &str, email: &str) -> impl Future<Output = Result<TotpSetup>> + Send;
    /// Confirm the app with its first code and require it at every sign-in.
    fn confirm_totp(&self, access_token: &str, code: Option<&str>) -> impl Future<Output = Result<()>> + Send;
    /// Whether Cognito has an authenticator app on for the token's login (not our records).
    fn mfa_on(&self, access_token: &str) -> impl Future<Output = Result<bool>> + Send;
    /// The contacts pool's password rules (read once).
    fn contact_password_rules(&self) -> impl Future<Output = Result<&PasswordRules>> + Send;
    /// A contact login for `email` (no email from Cognito: the invite was ours); its `sub`.
    fn create_contact(&self, email: &EmailAddress) -> impl Future<Output = Result<String>> + Send;
    /// Set a contact login's password (the pool's policy decides; its message names the rule).
    fn set_contact_password(&self, email: &EmailAddress, password: &str) -> impl Future<Output = Result<()>> + Send;
    fn enable_contact(&self, email: &EmailAddress) -> impl Future<Output = Result<()>> + Send;
    fn disable_contact(&self, email: &EmailAddress) -> impl Future<Output = Result<()>> + Send;
    /// End every session of a contact login (refresh tokens stop working).
    fn sign_out_contact(&self, email: &EmailAddress) -> impl Future<Output = Result<()>> + Send;
    fn delete_contact(&self, email: &EmailAddress) -> impl Future<Output = Result<()>> + Send;
    /// The staff pool's password rules (read once).
    fn staff_password_rules(&self) -> impl Future<Output = Result<&PasswordRules>> + Send;
    /// A staff login for `email` of firm `firm_id` (no email from Cognito: the invite was
    /// ours); its `sub`. 409 when the pool already has a login with this address.
    fn create_staff(&self, email: &EmailAddress, firm_id: &str) -> impl Future<Output = Result<String>> + Send;
    fn set_staff_password(&self, email: &EmailAddress, password: &str) -> impl Future<Output = Result<()>> + Send;
    fn enable_staff(&self, email: &EmailAddress) -> impl Future<Output = Result<()>> + Send;
    fn disable_staff(&self, email: &EmailAddress) -> impl Future<Output = Result<()>> + Send;
    /// End every session of a staff login (`AdminUserGlobalSignOut`: refresh tokens stop working).
    fn sign_out_staff(&self, email: &EmailAddress) -> impl Future<Output = Result<()>> + Send;
    /// Remove a staff login (undoing a half-made one).
    fn delete_staff(&self, email: &EmailAddress) -> impl Future<Output = Result<()>> + Send;
}

mod cognito;
pub use cognito::CognitoLogins;

#[cfg(test)]
mod tests;
