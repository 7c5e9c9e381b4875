//! The state every function builds once per cold start and borrows for each request.

use std::borrow::Cow;
use std::collections::HashMap;

use lambda_http::Request;
use tokio::sync::RwLock;

use crate::config::Config;
use crate::domain::identity::{Actor, Audience};
use crate::domain::throttle::Limits;
use crate::error::{Error, Result};
use crate::ports::blobs::S3Blobs;
use crate::ports::logins::{CognitoLogins, Logins};
use crate::ports::mail::{Outbox, SesMailer};
use crate::ports::queue::SqsQueue;
use crate::ports::tokens::{bearer_token, http_fetcher, LazyHttp, PoolVerifier};
use crate::sdk::LazySdk;
use crate::store::Store;

/// The store, the ports (each with its AWS client made on first use, so a function pays
/// only for the clients it calls) and the token verifiers with their key caches. Built once
/// per cold start; `Send + Sync`: handlers may run
/// concurrently. Handlers hand each operation the parts it uses, never this whole state.
pub struct AppState {
    pub config: Config,
    /// Per-source limits and the sign-in lockout of the public routes (`ops::throttle`).
    pub limits: Limits,
    pub store: Store,
    pub mailer: SesMailer,
    /// Bulk invites handed to the invite worker (`ops::invites::jobs`).
    pub queue: SqsQueue,
    pub blobs: S3Blobs,
    pub logins: CognitoLogins,
    pub staff_tokens: PoolVerifier,
    pub contact_tokens: PoolVerifier,
    /// SHA-256 of a contact access token → when Cognito last said its login has an
    /// authenticator app on (see [`AppState::mfa_on_at_cognito`]).
    mfa_confirmed: RwLock<HashMap<String, std::time::Instant>>,
}

/// How long Cognito's "this login has its authenticator app on" is trusted for one token.
pub const MFA_STATE_TTL: std::time::Duration = std::time::Duration::from_secs(60);

impl AppState {
    /// Read the configuration and build the state. Fails with the name of any missing
    /// environment variable.
    pub async fn from_env() -> std::result::Result<Self, crate::config::ConfigError> {
        let config = Config::from_env()?;
        let limits = Limits::from_lookup(|k| std::env::var(k).ok())?;
        Ok(Self::with_sdk(config, limits, LazySdk::start()))
    }

    /// Build the state from a configuration and an SDK config (tests pass their own), with
    /// the production limits.
    pub fn new(config: Config, sdk: &aws_config::SdkConfig) -> Self {
        Self::with_sdk(config, Limits::production(), LazySdk::ready(sdk.clone()))
    }

    fn with_sdk(config: Config, limits: Limits, sdk: LazySdk) -> Self {
        // For JWKS documents; built on first use (see `ports::tokens::LazyHttp`).
        let http = LazyHttp::default();
        Self {
            store: Store::lazy(sdk.clone(), config.table_name.clone()),
            mailer: SesMailer::new(sdk.clone(), config.ses_configuration_set.clone()),
            queue: SqsQueue::new(sdk.clone(), config.invite_jobs_queue_url.clone()),
            blobs: S3Blobs::new(sdk.clone(), config.bucket_name.clone()),
            logins: CognitoLogins::new(sdk, config.staff.clone(), config.contacts.clone()),
            staff_tokens: PoolVerifier::new(config.staff.clone(), http_fetcher(http.clone())),
            contact_tokens: PoolVerifier::new(config.contacts.clone(), http_fetcher(http)),
            config,
            limits,
            mfa_confirmed: RwLock::new(HashMap::new()),
        }
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
            Audience::Staff(need) => {
                let claims = self.staff_tokens.verify(token).await?;
                let actor = self.staff_actor(&claims.sub).await?;
                if let Actor::Staff { role, .. } = &actor {
                    if !role.may(need) {
                        return Err(Error::Forbidden(format!(
                            "your role ({role}) does not allow this: {} is for a firm's admins and owners; ask one of them",
                            crate::domain::roles::TABLE.iter().find(|(p, ..)| *p == need).map_or("this", |(_, _, what)| what)
                        )));
                    }
                }
                actor
            }
            Audience::Contact => {
                let claims = self.contact_tokens.verify(token).await?;
                self.contact_actor(&claims.sub, token).await?
            }
        };
        let span = tracing::Span::current();
        span.record("actor", actor.label());
        span.record("firm", actor.firm_id());
        Ok(actor)
    }

    /// A contact's login → the contact. Not cached: a revoked login must stop at once.
    ///
    /// A firm that requires two-step sign-in refuses a login that has not proven an
    /// authenticator app through our API, and — since a contact can switch the app off at
    /// Cognito with their own access token and then get tokens from Cognito with the
    /// password alone — a login whose app Cognito itself does not have on. The requirement
    /// holds for tokens got any way (our sign-in, a refresh, or Cognito directly), not only
    /// at our sign-in. The firm's setting comes from the one-minute cache, so turning it on
    /// takes effect within a minute everywhere.
    async fn contact_actor(&self, sub: &str, token: &str) -> Result<Actor> {
        let rec = self.store.contact_login(sub).await?;
        if self.store.firm_settings(&rec.firm_id).await?.require_contact_mfa && !(rec.mfa_enabled && self.mfa_on_at_cognito(token).await?) {
            return Err(Error::Unauthorized("your firm requires two-step sign-in: sign in again to set up your authenticator app".into()));
        }
        Ok(Actor::Contact { sub: rec.sub, contact_id: rec.contact_id, firm_id: rec.firm_id })
    }

    /// Cognito's answer (`GetUser` with the token) to "is this login's authenticator app
    /// on?". A yes is trusted for [`MFA_STATE_TTL`] per token and warm instance, so a
    /// session costs Cognito about one call a minute; a token never seen (say, one got from
    /// Cognito directly) is always asked about.
    async fn mfa_on_at_cognito(&self, token: &str) -> Result<bool> {
        let key = crate::domain::sha256_hex(token.as_bytes());
        if self.mfa_confirmed.read().await.get(&key).is_some_and(|at| at.elapsed() < MFA_STATE_TTL) {
            return Ok(true);
        }
        if !self.logins.mfa_on(token).await? {
            return Ok(false);
        }
        let mut confirmed = self.mfa_confirmed.write().await;
        confirmed.retain(|_, at| at.elapsed() < MFA_STATE_TTL);
        confirmed.insert(key, std::time::Instant::now());
        Ok(true)
    }

    /// Where notification emails go out, with links to `web_origin` ([`AppState::web_origin`]).
    pub fn outbox<'a>(&'a self, web_origin: &'a str) -> Outbox<'a, SesMailer> {
        Outbox { mailer: &self.mailer, web_origin }
    }

    /// Where this request's links (emails, logos) point: `WEB_ORIGIN`, or, for a stack
    /// deployed without one, the origin the request arrived at — `https://` and API Gateway's
    /// domain name, the API's own URL (or a custom domain it was called through). That name
    /// is API Gateway's, not a header the caller writes.
    pub fn web_origin<'a>(&'a self, req: &Request) -> Result<Cow<'a, str>> {
        if !self.config.web_origin.is_empty() {
            return Ok(Cow::Borrowed(&self.config.web_origin));
        }
        request_origin(req).map(Cow::Owned).ok_or_else(|| Error::internal("WEB_ORIGIN is empty and the request has no API Gateway domain name to link to"))
    }

    /// The configuration, with this request's [`AppState::web_origin`] in it.
    pub fn config_for(&self, req: &Request) -> Result<Cow<'_, Config>> {
        Ok(match self.web_origin(req)? {
            Cow::Borrowed(_) => Cow::Borrowed(&self.config),
            Cow::Owned(web_origin) => Cow::Owned(Config { web_origin, ..self.config.clone() }),
        })
    }

    /// A staff login → the staff member, with their role. Not cached, for the same reason
    /// as contacts: an access token stays valid for up to an hour after its owner is
    /// deactivated or demoted, and the record is the only thing that can say so on every
    /// warm instance at once. One strongly consistent `GetItem` per call is the price.
    async fn staff_actor(&self, sub: &str) -> Result<Actor> {
        let rec = self.store.staff(sub).await?;
        if rec.deactivated_at.is_some() {
            return Err(Error::Unauthorized("this staff login was deactivated by your firm".into()));
        }
        Ok(Actor::Staff { sub: rec.sub, firm_id: rec.firm_id, email: rec.email, name: rec.name, role: rec.role })
    }
}

/// `https://<domain>` of an API Gateway (HTTP API) request, if it has a plausible one.
fn request_origin(req: &Request) -> Option<String> {
    use lambda_http::request::RequestContext;
    use lambda_http::RequestExt;
    let domain = match req.request_context_ref()? {
        RequestContext::ApiGatewayV2(ctx) => ctx.domain_name.clone()?,
        _ => return None,
    };
    let plausible = !domain.is_empty() && domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    plausible.then(|| format!("https://{}", domain.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(domain: Option<&str>) -> Request {
        let mut event = serde_json::json!({
            "version": "2.0", "routeKey": "POST /x", "rawPath": "/x", "rawQueryString": "",
            "headers": { "host": "evil.example" },
            "requestContext": {
                "accountId": "123456789012", "apiId": "abc123", "requestId": "r", "routeKey": "POST /x",
                "stage": "$default", "time": "03/Dec/2026:12:00:00 +0000", "timeEpoch": 0,
                "http": { "method": "POST", "path": "/x", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9", "userAgent": "t" }
            },
            "isBase64Encoded": false
        });
        if let Some(d) = domain {
            event["requestContext"]["domainName"] = d.into();
        }
        lambda_http::request::from_str(&event.to_string()).expect("an HTTP API event")
    }

    fn state_with_origin(origin: &str) -> AppState {
        let env = crate::config::tests::sample_env();
        let config = Config { web_origin: origin.to_string(), ..Config::from_lookup(|k| env.get(k).cloned()).unwrap() };
        let sdk = aws_config::SdkConfig::builder().behavior_version(aws_config::BehaviorVersion::latest()).build();
        AppState::new(config, &sdk)
    }

    #[test]
    fn a_configured_web_origin_wins() {
        let state = state_with_origin("https://portal.firm.example");
        let req = request(Some("abc123.execute-api.eu-west-1.amazonaws.com"));
        assert_eq!(state.web_origin(&req).unwrap(), "https://portal.firm.example");
        assert!(matches!(state.config_for(&req).unwrap(), Cow::Borrowed(_)));
    }

    #[test]
    fn without_one_links_point_at_the_api_the_request_came_through() {
        let state = state_with_origin("");
        let req = request(Some("abc123.execute-api.eu-west-1.amazonaws.com"));
        // API Gateway's domain name, never the Host header the caller wrote.
        assert_eq!(state.web_origin(&req).unwrap(), "https://abc123.execute-api.eu-west-1.amazonaws.com");
        assert_eq!(state.config_for(&req).unwrap().web_origin, "https://abc123.execute-api.eu-west-1.amazonaws.com");
        assert_eq!(state.config_for(&req).unwrap().invite_lifetime_days, state.config.invite_lifetime_days);
    }

    #[test]
    fn without_one_or_a_domain_name_nothing_is_sent_with_a_broken_link() {
        let state = state_with_origin("");
        assert!(state.web_origin(&request(None)).is_err());
        assert!(state.web_origin(&request(Some("x.example/evil?"))).is_err());
    }
}
