//! Sign-in, refresh and sign-out against a Cognito user pool (staff or contacts).
//!
//! The browser never talks to Cognito directly: our API does, so the same rules (input
//! checks, error messages, last-login recording) apply to every client of the API, and the
//! pool's app client needs no public exposure beyond its id.

use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthError;
use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
use aws_sdk_cognitoidentityprovider::Client;
use serde::{Deserialize, Serialize};

use crate::config::PoolConfig;
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
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub expires_in: i32,
    pub token_type: &'static str,
}

fn auth_error(e: aws_sdk_cognitoidentityprovider::error::SdkError<InitiateAuthError, aws_sdk_cognitoidentityprovider::config::http::HttpResponse>, refresh: bool) -> Error {
    match e.as_service_error() {
        Some(InitiateAuthError::NotAuthorizedException(_)) | Some(InitiateAuthError::UserNotFoundException(_)) if refresh => {
            Error::Unauthorized("the refresh token is invalid, expired or revoked; sign in again".into())
        }
        Some(InitiateAuthError::NotAuthorizedException(_)) | Some(InitiateAuthError::UserNotFoundException(_)) => Error::BadCredentials,
        Some(InitiateAuthError::PasswordResetRequiredException(_)) => Error::Forbidden("a password reset is required for this login".into()),
        Some(InitiateAuthError::UserNotConfirmedException(_)) => Error::Forbidden("this login is not confirmed yet".into()),
        Some(InitiateAuthError::TooManyRequestsException(_)) => {
            Error::Conflict("too many attempts; wait a minute and try again".into())
        }
        _ => aws(e),
    }
}

/// Email + password → tokens (`USER_PASSWORD_AUTH`).
pub async fn sign_in(cognito: &Client, pool: &PoolConfig, email: &EmailAddress, password: &str) -> Result<Session> {
    let out = cognito
        .initiate_auth()
        .client_id(&pool.client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", email.as_str())
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .map_err(|e| auth_error(e, false))?;
    if let Some(challenge) = out.challenge_name() {
        return Err(Error::Forbidden(format!("sign-in needs an extra step this API does not support yet ({})", challenge.as_str())));
    }
    let r = out.authentication_result.ok_or_else(|| Error::internal("Cognito returned no tokens"))?;
    Ok(Session {
        access_token: r.access_token.ok_or_else(|| Error::internal("Cognito returned no access token"))?,
        refresh_token: r.refresh_token,
        expires_in: r.expires_in,
        token_type: "Bearer",
    })
}

/// Refresh token → new access token (`REFRESH_TOKEN_AUTH`).
pub async fn refresh(cognito: &Client, pool: &PoolConfig, input: RefreshInput) -> Result<Session> {
    let token = input.refresh_token.filter(|t| !t.trim().is_empty()).ok_or_else(|| Error::field("refresh_token", "is required"))?;
    let out = cognito
        .initiate_auth()
        .client_id(&pool.client_id)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", token)
        .send()
        .await
        .map_err(|e| auth_error(e, true))?;
    let r = out.authentication_result.ok_or_else(|| Error::internal("Cognito returned no tokens"))?;
    Ok(Session {
        access_token: r.access_token.ok_or_else(|| Error::internal("Cognito returned no access token"))?,
        refresh_token: None,
        expires_in: r.expires_in,
        token_type: "Bearer",
    })
}

/// End every session of this login (`GlobalSignOut`: refresh tokens stop working).
pub async fn sign_out(cognito: &Client, access_token: &str) -> Result<()> {
    cognito.global_sign_out().access_token(access_token).send().await.map_err(|e| {
        if e.as_service_error().is_some_and(|se| se.is_not_authorized_exception()) {
            Error::Unauthorized("the access token is no longer valid".into())
        } else {
            aws(e)
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_input_names_missing_fields() {
        let Err(Error::Validation(errs)) = SignInInput { email: Some("x".into()), password: None }.parse() else { panic!() };
        assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["email", "password"]);
        let (e, p) = SignInInput { email: Some(" Staff@Example.com".into()), password: Some("pw".into()) }.parse().unwrap();
        assert_eq!((e.as_str(), p.as_str()), ("staff@example.com", "pw"));
    }
}
