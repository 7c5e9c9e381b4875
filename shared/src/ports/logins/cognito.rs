//! [`Logins`] implemented by Cognito.

use aws_sdk_cognitoidentityprovider::Client;

use super::*;
use crate::sdk::{LazyClient, LazySdk};

/// [`Logins`] on Cognito: both pools through one client, made on first use.
#[derive(Debug)]
pub struct CognitoLogins {
    cognito: LazyClient<Client>,
    staff: PoolConfig,
    contacts: PoolConfig,
    /// The contacts pool's password rules, read once per cold start.
    contact_rules: tokio::sync::OnceCell<PasswordRules>,
}

impl CognitoLogins {
    pub fn new(sdk: LazySdk, staff: PoolConfig, contacts: PoolConfig) -> Self {
        Self { cognito: LazyClient::new(sdk, Client::new), staff, contacts, contact_rules: tokio::sync::OnceCell::new() }
    }

    async fn client(&self) -> &Client {
        self.cognito.get().await
    }

    fn pool(&self, pool: Pool) -> &PoolConfig {
        match pool {
            Pool::Staff => &self.staff,
            Pool::Contacts => &self.contacts,
        }
    }
}

impl Logins for CognitoLogins {
    /// Email + password → tokens, or the authenticator step.
    async fn sign_in(&self, pool: Pool, email: &EmailAddress, password: &str) -> Result<SignIn> {
        super::sign_in(self.client().await, self.pool(pool), email, password).await
    }

    /// The authenticator step of a sign-in → tokens.
    async fn complete_mfa(&self, pool: Pool, answer: &MfaAnswer) -> Result<Session> {
        super::complete_mfa(self.client().await, self.pool(pool), answer).await
    }

    async fn refresh(&self, pool: Pool, input: RefreshInput) -> Result<Session> {
        super::refresh(self.client().await, self.pool(pool), input).await
    }

    /// End every session of the token's login.
    async fn sign_out(&self, access_token: &str) -> Result<()> {
        super::sign_out(self.client().await, access_token).await
    }

    /// A new authenticator-app secret for a signed-in login.
    async fn start_totp(&self, access_token: &str, email: &str) -> Result<TotpSetup> {
        super::start_totp(self.client().await, access_token, email).await
    }

    /// Confirm the app with its first code and require it at every sign-in.
    async fn confirm_totp(&self, access_token: &str, code: Option<&str>) -> Result<()> {
        super::confirm_totp(self.client().await, access_token, code).await
    }

    /// Whether Cognito has an authenticator app on for the token's login (not our records).
    async fn mfa_on(&self, access_token: &str) -> Result<bool> {
        super::mfa_on(self.client().await, access_token).await
    }

    /// The contacts pool's password rules (read once).
    async fn contact_password_rules(&self) -> Result<&PasswordRules> {
        self.contact_rules
            .get_or_try_init(|| async {
                let out = self.client().await.describe_user_pool().user_pool_id(&self.contacts.pool_id).send().await.map_err(aws)?;
                let p = out.user_pool.and_then(|u| u.policies).and_then(|p| p.password_policy).ok_or_else(|| Error::internal("contacts pool has no password policy"))?;
                Ok(PasswordRules {
                    min_length: p.minimum_length.unwrap_or(8).max(8) as usize,
                    upper: p.require_uppercase,
                    lower: p.require_lowercase,
                    digit: p.require_numbers,
                    symbol: p.require_symbols,
                })
            })
            .await
    }

    /// A contact login for `email` (no email from Cognito: the invite was ours); its `sub`.
    async fn create_contact(&self, email: &EmailAddress) -> Result<String> {
        use aws_sdk_cognitoidentityprovider::operation::admin_create_user::AdminCreateUserError;
        use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType};
        let out = self
            .client()
            .await
            .admin_create_user()
            .user_pool_id(&self.contacts.pool_id)
            .username(email.as_str())
            .user_attributes(AttributeType::builder().name("email").value(email.as_str()).build().map_err(Error::internal)?)
            .user_attributes(AttributeType::builder().name("email_verified").value("true").build().map_err(Error::internal)?)
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(AdminCreateUserError::UsernameExistsException(_)) => Error::Conflict(
                    "A portal login already exists for this email address. Sign in with it, or ask the firm for help.".into(),
                ),
                _ => aws(e),
            })?;
        out.user
            .and_then(|u| u.attributes.unwrap_or_default().into_iter().find(|a| a.name == "sub").and_then(|a| a.value))
            .ok_or_else(|| Error::internal("Cognito returned no sub for the new user"))
    }

    /// Set a contact login's password (the pool's policy decides; its message names the rule).
    async fn set_contact_password(&self, email: &EmailAddress, password: &str) -> Result<()> {
        use aws_sdk_cognitoidentityprovider::operation::admin_set_user_password::AdminSetUserPasswordError;
        self.client()
            .await
            .admin_set_user_password()
            .user_pool_id(&self.contacts.pool_id)
            .username(email.as_str())
            .password(password)
            .permanent(true)
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(AdminSetUserPasswordError::InvalidPasswordException(ex)) => {
                    Error::field("password", ex.message().unwrap_or("does not meet the password policy").to_string())
                }
                _ => aws(e),
            })?;
        Ok(())
    }

    async fn enable_contact(&self, email: &EmailAddress) -> Result<()> {
        self.client().await.admin_enable_user().user_pool_id(&self.contacts.pool_id).username(email.as_str()).send().await.map_err(aws)?;
        Ok(())
    }

    async fn disable_contact(&self, email: &EmailAddress) -> Result<()> {
        self.client().await.admin_disable_user().user_pool_id(&self.contacts.pool_id).username(email.as_str()).send().await.map_err(aws)?;
        Ok(())
    }

    /// End every session of a contact login (refresh tokens stop working).
    async fn sign_out_contact(&self, email: &EmailAddress) -> Result<()> {
        self.client().await.admin_user_global_sign_out().user_pool_id(&self.contacts.pool_id).username(email.as_str()).send().await.map_err(aws)?;
        Ok(())
    }

    async fn delete_contact(&self, email: &EmailAddress) -> Result<()> {
        self.client().await.admin_delete_user().user_pool_id(&self.contacts.pool_id).username(email.as_str()).send().await.map_err(aws)?;
        Ok(())
    }
}

