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
    /// Each pool's password rules, read once per cold start.
    contact_rules: tokio::sync::OnceCell<PasswordRules>,
    staff_rules: tokio::sync::OnceCell<PasswordRules>,
}

impl CognitoLogins {
    pub fn new(sdk: LazySdk, staff: PoolConfig, contacts: PoolConfig) -> Self {
        Self {
            cognito: LazyClient::new(sdk, Client::new),
            staff,
            contacts,
            contact_rules: tokio::sync::OnceCell::new(),
            staff_rules: tokio::sync::OnceCell::new(),
        }
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

    async fn password_rules(&self, pool: Pool) -> Result<&PasswordRules> {
        let cell = match pool {
            Pool::Staff => &self.staff_rules,
            Pool::Contacts => &self.contact_rules,
        };
        cell.get_or_try_init(|| async {
            let out = self.client().await.describe_user_pool().user_pool_id(&self.pool(pool).pool_id).send().await.map_err(aws)?;
            let p = out.user_pool.and_then(|u| u.policies).and_then(|p| p.password_policy).ok_or_else(|| Error::internal("the pool has no password policy"))?;
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

    /// `AdminCreateUser` with a verified email and no message (the invite was ours).
    async fn create_user(&self, pool: Pool, email: &EmailAddress, firm_id: Option<&str>, exists: &str) -> Result<String> {
        use aws_sdk_cognitoidentityprovider::operation::admin_create_user::AdminCreateUserError;
        use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType};
        let attr = |name: &str, value: &str| AttributeType::builder().name(name).value(value).build().map_err(Error::internal);
        let mut req = self
            .client()
            .await
            .admin_create_user()
            .user_pool_id(&self.pool(pool).pool_id)
            .username(email.as_str())
            .user_attributes(attr("email", email.as_str())?)
            .user_attributes(attr("email_verified", "true")?)
            .message_action(MessageActionType::Suppress);
        if let Some(firm_id) = firm_id {
            req = req.user_attributes(attr("custom:firm_id", firm_id)?);
        }
        let out = req.send().await.map_err(|e| match e.as_service_error() {
            Some(AdminCreateUserError::UsernameExistsException(_)) => Error::Conflict(exists.into()),
            _ => aws(e),
        })?;
        out.user
            .and_then(|u| u.attributes.unwrap_or_default().into_iter().find(|a| a.name == "sub").and_then(|a| a.value))
            .ok_or_else(|| Error::internal("Cognito returned no sub for the new user"))
    }

    /// Set a login's password (the pool's policy decides; its message names the rule).
    async fn set_password(&self, pool: Pool, email: &EmailAddress, password: &str) -> Result<()> {
        use aws_sdk_cognitoidentityprovider::operation::admin_set_user_password::AdminSetUserPasswordError;
        self.client()
            .await
            .admin_set_user_password()
            .user_pool_id(&self.pool(pool).pool_id)
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

    async fn enable(&self, pool: Pool, email: &EmailAddress) -> Result<()> {
        self.client().await.admin_enable_user().user_pool_id(&self.pool(pool).pool_id).username(email.as_str()).send().await.map_err(aws)?;
        Ok(())
    }

    async fn disable(&self, pool: Pool, email: &EmailAddress) -> Result<()> {
        self.client().await.admin_disable_user().user_pool_id(&self.pool(pool).pool_id).username(email.as_str()).send().await.map_err(aws)?;
        Ok(())
    }

    async fn global_sign_out(&self, pool: Pool, email: &EmailAddress) -> Result<()> {
        self.client().await.admin_user_global_sign_out().user_pool_id(&self.pool(pool).pool_id).username(email.as_str()).send().await.map_err(aws)?;
        Ok(())
    }

    async fn delete(&self, pool: Pool, email: &EmailAddress) -> Result<()> {
        self.client().await.admin_delete_user().user_pool_id(&self.pool(pool).pool_id).username(email.as_str()).send().await.map_err(aws)?;
        Ok(())
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
        self.password_rules(Pool::Contacts).await
    }

    /// A contact login for `email` (no email from Cognito: the invite was ours); its `sub`.
    async fn create_contact(&self, email: &EmailAddress) -> Result<String> {
        self.create_user(Pool::Contacts, email, None, "A portal login already exists for this email address. Sign in with it, or ask the firm for help.").await
    }

    async fn set_contact_password(&self, email: &EmailAddress, password: &str) -> Result<()> {
        self.set_password(Pool::Contacts, email, password).await
    }

    async fn enable_contact(&self, email: &EmailAddress) -> Result<()> {
        self.enable(Pool::Contacts, email).await
    }

    async fn disable_contact(&self, email: &EmailAddress) -> Result<()> {
        self.disable(Pool::Contacts, email).await
    }

    /// End every session of a contact login (refresh tokens stop working).
    async fn sign_out_contact(&self, email: &EmailAddress) -> Result<()> {
        self.global_sign_out(Pool::Contacts, email).await
    }

    async fn delete_contact(&self, email: &EmailAddress) -> Result<()> {
        self.delete(Pool::Contacts, email).await
    }

    async fn staff_password_rules(&self) -> Result<&PasswordRules> {
        self.password_rules(Pool::Staff).await
    }

    async fn create_staff(&self, email: &EmailAddress, firm_id: &str) -> Result<String> {
        self.create_user(
            Pool::Staff,
            email,
            Some(firm_id),
            "A staff login already exists for this email address (at this firm or another one); sign in with it, or ask to be invited with another address.",
        )
        .await
    }

    async fn set_staff_password(&self, email: &EmailAddress, password: &str) -> Result<()> {
        self.set_password(Pool::Staff, email, password).await
    }

    async fn enable_staff(&self, email: &EmailAddress) -> Result<()> {
        self.enable(Pool::Staff, email).await
    }

    async fn disable_staff(&self, email: &EmailAddress) -> Result<()> {
        self.disable(Pool::Staff, email).await
    }

    async fn sign_out_staff(&self, email: &EmailAddress) -> Result<()> {
        self.global_sign_out(Pool::Staff, email).await
    }

    async fn delete_staff(&self, email: &EmailAddress) -> Result<()> {
        self.delete(Pool::Staff, email).await
    }
}
