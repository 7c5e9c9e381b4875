//! The state every function builds once per cold start and borrows for each request.

use std::collections::HashMap;
use std::time::Duration;

use crate::sdk::LazySdk;
use lambda_http::Request;
use tokio::sync::RwLock;

use crate::ports::tokens::{bearer_token, http_fetcher, PoolVerifier};
use crate::domain::identity::{Actor, Audience};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::store::{keys, StaffRecord, Store, UserRecord};

/// AWS clients from one `aws_config` load, the token verifiers with their key caches, and
/// the cache of staff identities. `Send + Sync`: handlers may run concurrently.
pub struct AppState {
    pub config: Config,
    pub store: Store,
    /// The SDK configuration the clients below are made from, each on first use: a
    /// function pays (at init and in memory) only for the clients it uses.
    sdk: LazySdk,
    s3: tokio::sync::OnceCell<aws_sdk_s3::Client>,
    ses: tokio::sync::OnceCell<aws_sdk_sesv2::Client>,
    cognito: tokio::sync::OnceCell<aws_sdk_cognitoidentityprovider::Client>,
    /// For JWKS documents; built on first use (see `auth::LazyHttp`).
    pub http: crate::ports::tokens::LazyHttp,
    pub staff_tokens: PoolVerifier,
    pub contact_tokens: PoolVerifier,
    /// staff `sub` → actor. A staff member's firm never changes, so this needs no expiry;
    /// removing someone is done by disabling their login.
    staff_actors: RwLock<HashMap<String, Actor>>,
    /// The contacts pool's password rules, read once (see `portal::password_rules`).
    pub contact_password_rules: tokio::sync::OnceCell<crate::ops::portal::PasswordRules>,
    /// firm id → (read at, settings), for [`AppState::firm_settings`].
    firms: RwLock<HashMap<String, (std::time::Instant, crate::store::FirmRecord)>>,
}

/// How long [`AppState::firm_settings`] trusts a firm record it read.
pub const FIRM_SETTINGS_TTL: Duration = Duration::from_secs(60);

impl AppState {
    /// Read the configuration and build every client. Fails with the name of any missing
    /// environment variable.
    pub async fn from_env() -> std::result::Result<Self, crate::config::ConfigError> {
        let config = Config::from_env()?;
        Ok(Self::with_sdk(config, LazySdk::start()))
    }

    /// Build the state from a configuration and an SDK config (tests pass their own).
    pub fn new(config: Config, sdk: &aws_config::SdkConfig) -> Self {
        Self::with_sdk(config, LazySdk::ready(sdk.clone()))
    }

    fn with_sdk(config: Config, sdk: LazySdk) -> Self {
        let http = crate::ports::tokens::LazyHttp::default();
        Self {
            store: Store::lazy(sdk.clone(), config.table_name.clone()),
            sdk,
            s3: tokio::sync::OnceCell::new(),
            ses: tokio::sync::OnceCell::new(),
            cognito: tokio::sync::OnceCell::new(),
            staff_tokens: PoolVerifier::new(config.staff.clone(), http_fetcher(http.clone())),
            contact_tokens: PoolVerifier::new(config.contacts.clone(), http_fetcher(http.clone())),
            http,
            config,
            staff_actors: RwLock::new(HashMap::new()),
            contact_password_rules: tokio::sync::OnceCell::new(),
            firms: RwLock::new(HashMap::new()),
        }
    }

    pub async fn s3(&self) -> &aws_sdk_s3::Client {
        self.s3
            .get_or_init(|| async {
                let sdk = self.sdk.get().await;
                // With a custom endpoint (the local emulator) bucket names cannot be DNS labels.
                let conf = aws_sdk_s3::config::Builder::from(sdk).force_path_style(sdk.endpoint_url().is_some()).build();
                aws_sdk_s3::Client::from_conf(conf)
            })
            .await
    }

    pub async fn ses(&self) -> &aws_sdk_sesv2::Client {
        self.ses.get_or_init(|| async { aws_sdk_sesv2::Client::new(self.sdk.get().await) }).await
    }

    pub async fn cognito(&self) -> &aws_sdk_cognitoidentityprovider::Client {
        self.cognito.get_or_init(|| async { aws_sdk_cognitoidentityprovider::Client::new(self.sdk.get().await) }).await
    }

    /// Verify the request's bearer token for `audience` and resolve who it is. Records the
    /// actor and firm on the request span.
    pub async fn authenticate(&self, req: &Request, audience: Audience) -> Result<Actor> {
        self.authenticate_token(bearer_token(req.headers())?, audience).await
    }

    /// Verify a raw access token for `audience` and resolve who it is.
    pub async fn authenticate_token(&self, token: &str, audience: Audience) -> Result<Actor> {
        let actor = match audience {
            // A public route has no token to check; asking for one is a bug in the handler.
            Audience::Public => return Err(Error::internal("authenticate called for a public route")),
            Audience::Staff => {
                let claims = self.staff_tokens.verify(token).await?;
                self.staff_actor(&claims.sub).await?
            }
            Audience::Contact => {
                let claims = self.contact_tokens.verify(token).await?;
                self.contact_actor(&claims.sub).await?
            }
        };
        let span = tracing::Span::current();
        span.record("actor", actor.label());
        span.record("firm", actor.firm_id());
        Ok(actor)
    }

    /// A contact's login → the contact. Not cached: a revoked login must stop at once.
    ///
    /// A login that has not proven an authenticator app is refused when its firm requires
    /// two-step sign-in: the requirement holds for tokens got any way (our sign-in, a refresh,
    /// or Cognito directly), not only at our sign-in. The firm's setting comes from the
    /// one-minute cache, so turning it on takes effect within a minute everywhere.
    async fn contact_actor(&self, sub: &str) -> Result<Actor> {
        let rec = self.contact_login(sub).await?;
        if !rec.mfa_enabled && self.firm_settings(&rec.firm_id).await?.require_contact_mfa {
            return Err(Error::Unauthorized("your firm requires two-step sign-in: sign in again to set up your authenticator app".into()));
        }
        Ok(Actor::Contact { sub: rec.sub, contact_id: rec.contact_id, firm_id: rec.firm_id })
    }

    /// The login record of a contact's `sub`, without the two-step requirement (sign-in uses
    /// it to decide whether to start the authenticator's setup).
    pub async fn contact_login(&self, sub: &str) -> Result<UserRecord> {
        self.store.get::<UserRecord>(&keys::user(sub), keys::USER_SK).await?.ok_or_else(|| Error::Unauthorized("this login has no portal access".into()))
    }

    /// Verify a contact's access token and read its login record (no two-step check).
    pub async fn verify_contact_login(&self, token: &str) -> Result<UserRecord> {
        let claims = self.contact_tokens.verify(token).await?;
        self.contact_login(&claims.sub).await
    }

    async fn staff_actor(&self, sub: &str) -> Result<Actor> {
        if let Some(a) = self.staff_actors.read().await.get(sub) {
            return Ok(a.clone());
        }
        let rec = self
            .store
            .get::<StaffRecord>(&keys::staff(sub), keys::STAFF_SK)
            .await?
            .ok_or_else(|| Error::Forbidden("this login is not a staff member of any firm".into()))?;
        let actor = Actor::Staff { sub: rec.sub, firm_id: rec.firm_id, email: rec.email, name: rec.name };
        self.staff_actors.write().await.insert(sub.to_string(), actor.clone());
        Ok(actor)
    }
}

impl AppState {
    /// A firm's settings, cached for [`FIRM_SETTINGS_TTL`] per warm instance. For reads where
    /// a minute-old name, sender address or invite lifetime is harmless — sending invites,
    /// which then costs no read of its own (single invite: Query, SendEmail, one write).
    /// Anything that gates access (billing on/off) reads the record itself.
    pub async fn firm_settings(&self, firm_id: &str) -> Result<crate::store::FirmRecord> {
        if let Some((at, firm)) = self.firms.read().await.get(firm_id) {
            if at.elapsed() < FIRM_SETTINGS_TTL {
                return Ok(firm.clone());
            }
        }
        let firm = self.store.firm(firm_id).await?;
        self.firms.write().await.insert(firm_id.to_string(), (std::time::Instant::now(), firm.clone()));
        Ok(firm)
    }
}

