//! Bearer-token verification: who a token says the caller is (the [`Actor`](crate::domain::identity::Actor) follows from our own records).
//!
//! Every HTTP function verifies the token itself, even behind API Gateway's JWT authorizer:
//! the authorizer is a second wall, not the only one. We accept Cognito **access tokens**
//! (the token meant for APIs) and check, in order: signature against the pool's JWKS,
//! `iss` equal to the expected pool's issuer, expiry, `token_use == "access"` and
//! `client_id` equal to our app client. The local emulator signs every pool with one shared
//! key (`kid` "dummy"), and real pools could in principle collide on `kid` too, so **pool
//! separation comes from `iss` and `client_id`, never from the key alone**.
//!
//! Who the caller *is* for authorization is data, not token claims: a staff token's `sub`
//! maps to our own staff record (which names the firm), a contact token's `sub` to the
//! contact it was created for. Custom attributes such as `custom:firm_id` only appear in ID
//! tokens, which we do not accept as API credentials.
//!
//! Keys are cached per cold start. A token with an unknown `kid` triggers a refetch at most
//! once a minute (key rotation is rare; a flood of forged `kid`s must not become a flood of
//! requests to Cognito).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::config::PoolConfig;
use crate::error::{Error, Result};

/// How often an unknown `kid` may cause the key set to be fetched again.
pub const REFETCH_INTERVAL: Duration = Duration::from_secs(60);

/// The claims of a verified access token that we use.
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub exp: u64,
    pub token_use: String,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
}

type FetchFuture = Pin<Box<dyn Future<Output = Result<JwkSet>> + Send>>;
/// Fetches a JWKS document by URL (HTTP in production, a fake in tests).
pub type KeyFetcher = Arc<dyn Fn(String) -> FetchFuture + Send + Sync>;

/// How long one JWKS fetch may take, connection included.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// The HTTP connector for JWKS documents: the AWS SDK's own (hyper 1, rustls with aws-lc,
/// from `aws-smithy-http-client`), so the functions carry one HTTPS stack, not a second one
/// for a single GET. Built on first use: building it loads the trusted root certificates,
/// which would otherwise be most of a cold start (see BENCHMARKS.md); the first fetch
/// happens on the first authenticated request, which waits on the network anyway.
pub type LazyHttp = Arc<std::sync::OnceLock<aws_smithy_http_client::Connector>>;

/// A fetcher that GETs the JWKS document with a shared, lazily built connector.
pub fn http_fetcher(http: LazyHttp) -> KeyFetcher {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    use aws_smithy_runtime_api::client::http::HttpConnector;
    use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
    Arc::new(move |url: String| {
        let connector = http.get_or_init(|| aws_smithy_http_client::Connector::builder().tls_provider(Provider::Rustls(CryptoMode::AwsLc)).build());
        let sent = HttpRequest::get(&url).map(|req| connector.call(req));
        Box::pin(async move {
            let sent = sent.map_err(|e| Error::internal(format!("JWKS address is not valid: {e}")))?;
            let fetch = async {
                let resp = sent.await.map_err(|e| Error::internal(format!("JWKS fetch failed: {e}")))?;
                if !resp.status().is_success() {
                    return Err(Error::internal(format!("JWKS fetch answered {}", resp.status())));
                }
                let body = aws_smithy_types::byte_stream::ByteStream::new(resp.into_body());
                let bytes = body.collect().await.map_err(|e| Error::internal(format!("JWKS fetch failed: {e}")))?.into_bytes();
                serde_json::from_slice::<JwkSet>(&bytes).map_err(|e| Error::internal(format!("JWKS is not valid: {e}")))
            };
            tokio::time::timeout(FETCH_TIMEOUT, fetch).await.map_err(|_| Error::internal("JWKS fetch timed out"))?
        })
    })
}

#[derive(Default)]
struct CachedKeys {
    keys: HashMap<String, Arc<DecodingKey>>,
    fetched_at: Option<Instant>,
}

/// The verifier for one user pool: its config and its cached keys.
pub struct PoolVerifier {
    pool: PoolConfig,
    fetch: KeyFetcher,
    cache: Mutex<CachedKeys>,
}

impl PoolVerifier {
    pub fn new(pool: PoolConfig, fetch: KeyFetcher) -> Self {
        Self { pool, fetch, cache: Mutex::new(CachedKeys::default()) }
    }

    pub fn pool(&self) -> &PoolConfig {
        &self.pool
    }

    async fn key_for(&self, kid: &str) -> Result<Arc<DecodingKey>> {
        let mut cache = self.cache.lock().await;
        if let Some(k) = cache.keys.get(kid) {
            return Ok(k.clone());
        }
        let may_fetch = cache.fetched_at.is_none_or(|t| t.elapsed() >= REFETCH_INTERVAL);
        if !may_fetch {
            return Err(Error::Unauthorized("token signed with an unknown key".into()));
        }
        cache.fetched_at = Some(Instant::now());
        let set = (self.fetch)(self.pool.jwks_url.clone()).await?;
        cache.keys.clear();
        for jwk in &set.keys {
            if let (Some(id), Ok(key)) = (jwk.common.key_id.clone(), DecodingKey::from_jwk(jwk)) {
                cache.keys.insert(id, Arc::new(key));
            }
        }
        cache.keys.get(kid).cloned().ok_or_else(|| Error::Unauthorized("token signed with an unknown key".into()))
    }

    /// Verify a raw bearer token against this pool.
    pub async fn verify(&self, token: &str) -> Result<Claims> {
        let unauthorized = |m: &str| Error::Unauthorized(m.to_string());
        let header = jsonwebtoken::decode_header(token).map_err(|_| unauthorized("bearer token is not a valid JWT"))?;
        if header.alg != Algorithm::RS256 {
            return Err(unauthorized("bearer token uses an unexpected algorithm"));
        }
        let kid = header.kid.ok_or_else(|| unauthorized("bearer token has no key id"))?;
        let key = self.key_for(&kid).await?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.pool.issuer]);
        validation.validate_aud = false; // access tokens carry `client_id`, checked below
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.leeway = 30;
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            match e.kind() {
                ErrorKind::ExpiredSignature => unauthorized("bearer token has expired; sign in again"),
                ErrorKind::InvalidIssuer => unauthorized("bearer token was not issued for this part of the portal"),
                _ => unauthorized("bearer token is invalid"),
            }
        })?;
        let claims = data.claims;
        if claims.token_use != "access" {
            return Err(unauthorized("an access token is required"));
        }
        if claims.client_id.as_deref() != Some(self.pool.client_id.as_str()) {
            return Err(unauthorized("bearer token was not issued for this application"));
        }
        Ok(claims)
    }
}

/// The raw token of an `Authorization: Bearer …` header.
pub fn bearer_token(headers: &lambda_http::http::HeaderMap) -> Result<&str> {
    let value = headers
        .get("authorization")
        .ok_or_else(|| Error::Unauthorized("missing Authorization header; sign in and send `Authorization: Bearer <access token>`".into()))?
        .to_str()
        .map_err(|_| Error::Unauthorized("malformed Authorization header".into()))?;
    let (scheme, token) = value.split_once(' ').ok_or_else(|| Error::Unauthorized("Authorization header must be `Bearer <token>`".into()))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(Error::Unauthorized("Authorization header must be `Bearer <token>`".into()));
    }
    Ok(token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header};
    use std::sync::atomic::{AtomicUsize, Ordering};

    // A throwaway 2048-bit RSA key made for these tests only.
    const TEST_KEY_PEM: &str = include_str!("../../testdata/test-rsa-key.pem");
    const TEST_JWKS: &str = include_str!("../../testdata/test-jwks.json");

    fn pool() -> PoolConfig {
        PoolConfig {
            pool_id: "eu-west-1_staff".into(),
            client_id: "webclient".into(),
            issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_staff".into(),
            jwks_url: "http://keys.invalid/jwks.json".into(),
        }
    }

    fn counting_fetcher() -> (KeyFetcher, Arc<AtomicUsize>) {
        let n = Arc::new(AtomicUsize::new(0));
        let n2 = n.clone();
        let f: KeyFetcher = Arc::new(move |_url| {
            n2.fetch_add(1, Ordering::SeqCst);
            Box::pin(async { Ok(serde_json::from_str::<JwkSet>(TEST_JWKS).unwrap()) })
        });
        (f, n)
    }

    fn now() -> u64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
    }

    fn token(kid: &str, claims: serde_json::Value) -> String {
        let mut h = Header::new(Algorithm::RS256);
        h.kid = Some(kid.into());
        jsonwebtoken::encode(&h, &claims, &EncodingKey::from_rsa_pem(TEST_KEY_PEM.as_bytes()).unwrap()).unwrap()
    }

    fn good_claims() -> serde_json::Value {
        serde_json::json!({
            "sub": "user-1", "iss": pool().issuer, "exp": now() + 600,
            "token_use": "access", "client_id": "webclient", "username": "user-1"
        })
    }

    #[tokio::test]
    async fn accepts_a_valid_access_token() {
        let (f, n) = counting_fetcher();
        let v = PoolVerifier::new(pool(), f);
        let c = v.verify(&token("test-key", good_claims())).await.unwrap();
        assert_eq!(c.sub, "user-1");
        v.verify(&token("test-key", good_claims())).await.unwrap();
        assert_eq!(n.load(Ordering::SeqCst), 1, "keys are cached");
    }

    async fn rejected(claims: serde_json::Value) -> String {
        let (f, _) = counting_fetcher();
        let v = PoolVerifier::new(pool(), f);
        match v.verify(&token("test-key", claims)).await {
            Err(Error::Unauthorized(m)) => m,
            other => panic!("expected 401, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn rejects_other_pool_expiry_id_tokens_and_other_clients() {
        let mut c = good_claims();
        c["iss"] = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_contacts".into();
        assert!(rejected(c).await.contains("not issued for this part"));
        let mut c = good_claims();
        c["exp"] = (now() - 3600).into();
        assert!(rejected(c).await.contains("expired"));
        let mut c = good_claims();
        c["token_use"] = "id".into();
        assert!(rejected(c).await.contains("access token"));
        let mut c = good_claims();
        c["client_id"] = "otherclient".into();
        assert!(rejected(c).await.contains("application"));
    }

    #[tokio::test]
    async fn rejects_a_forged_signature() {
        let (f, _) = counting_fetcher();
        let v = PoolVerifier::new(pool(), f);
        let t = token("test-key", good_claims());
        let (head, rest) = t.split_once('.').unwrap();
        let (_, sig) = rest.rsplit_once('.').unwrap();
        let mut other = good_claims();
        other["sub"] = "admin".into();
        let forged_payload = token("test-key", other);
        let forged_payload = forged_payload.split('.').nth(1).unwrap();
        let forged = format!("{head}.{forged_payload}.{sig}");
        assert!(matches!(v.verify(&forged).await, Err(Error::Unauthorized(_))));
        assert!(matches!(v.verify("not-a-jwt").await, Err(Error::Unauthorized(_))));
    }

    #[tokio::test(start_paused = true)]
    async fn unknown_kid_refetches_at_most_once_a_minute() {
        let (f, n) = counting_fetcher();
        let v = PoolVerifier::new(pool(), f);
        v.verify(&token("test-key", good_claims())).await.unwrap();
        for _ in 0..5 {
            assert!(v.verify(&token("rotated-key", good_claims())).await.is_err());
        }
        assert_eq!(n.load(Ordering::SeqCst), 1, "no refetch within a minute of the last one");
        tokio::time::advance(REFETCH_INTERVAL + Duration::from_secs(1)).await;
        assert!(v.verify(&token("rotated-key", good_claims())).await.is_err());
        assert_eq!(n.load(Ordering::SeqCst), 2, "one refetch after a minute");
    }

    #[test]
    fn bearer_header_parsing() {
        let mut h = lambda_http::http::HeaderMap::new();
        assert!(bearer_token(&h).is_err());
        h.insert("authorization", "Basic abc".parse().unwrap());
        assert!(bearer_token(&h).is_err());
        h.insert("authorization", "Bearer abc.def.ghi".parse().unwrap());
        assert_eq!(bearer_token(&h).unwrap(), "abc.def.ghi");
    }
}
