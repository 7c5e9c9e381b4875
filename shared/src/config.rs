//! Configuration, read once per cold start from the environment.
//!
//! The code never asks "am I local?": it reads the same variables on AWS (set by the SAM
//! template) and in the local stack (written by `scripts/portal_local.py`). Standard AWS
//! settings (`AWS_REGION`, `AWS_ENDPOINT_URL`, credentials) are read by `aws-config`, not here.
//! A missing variable fails the init with its name, so a misconfigured function dies at
//! once instead of answering 500 on every request.

use std::fmt;

/// One Cognito user pool and the app client our web UI and API use with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolConfig {
    pub pool_id: String,
    pub client_id: String,
    /// The `iss` claim tokens of this pool carry.
    pub issuer: String,
    /// Where the pool's signing keys are published.
    pub jwks_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub region: String,
    pub table_name: String,
    pub bucket_name: String,
    pub staff: PoolConfig,
    pub contacts: PoolConfig,
    /// Origin of the web UI (links in emails, CORS), e.g. `https://portal.example.com`.
    /// Empty when the stack was deployed without a `WebOrigin`: the UI is then the API's own
    /// URL, which the functions behind the API cannot be told (the API names each of them,
    /// so naming the API back would be a circular dependency in the template); each request
    /// carries it instead (`AppState::web_origin`). Functions outside the API are given it.
    pub web_origin: String,
    /// SES configuration set whose event destination reports delivery, bounces and
    /// complaints (`SES_CONFIGURATION_SET`, optional).
    pub ses_configuration_set: Option<String>,
    /// How long an invite link works for firms without their own setting
    /// (`INVITE_LIFETIME_DAYS`, optional, 1–365, default 30).
    pub invite_lifetime_days: u32,
    /// The stage's online payment provider (`PAYMENT_PROVIDER`: `test`, or `none` / unset
    /// for none). Without one, no firm can turn online payments on and no client is
    /// offered "Pay now" (`ops::billing::online_payments_offered`).
    pub payment_provider: Option<String>,
    /// The queue bulk invites are handed to (`INVITE_JOBS_QUEUE_URL`, optional: only the
    /// function that accepts invite jobs is given it).
    pub invite_jobs_queue_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for ConfigError {}

impl Config {
    /// Read the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Read configuration through `get` (the environment, or a map in tests).
    ///
    /// Variables: `TABLE_NAME`, `BUCKET_NAME`, `STAFF_POOL_ID`, `STAFF_CLIENT_ID`,
    /// `CONTACTS_POOL_ID`, `CONTACTS_CLIENT_ID`, `AWS_REGION` (set by Lambda), `WEB_ORIGIN`
    /// (may be empty, see [`Config::web_origin`]), and optionally `COGNITO_JWKS_BASE`: where `<pool>/.well-known/jwks.json` is served when
    /// it is not the issuer itself (the local emulator serves keys under its own address
    /// while tokens keep the real AWS issuer).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut missing = Vec::new();
        let mut req = |name: &'static str| match get(name).filter(|v| !v.trim().is_empty()) {
            Some(v) => v,
            None => {
                missing.push(name);
                String::new()
            }
        };
        let region = req("AWS_REGION");
        let table_name = req("TABLE_NAME");
        let bucket_name = req("BUCKET_NAME");
        let staff_pool = req("STAFF_POOL_ID");
        let staff_client = req("STAFF_CLIENT_ID");
        let contacts_pool = req("CONTACTS_POOL_ID");
        let contacts_client = req("CONTACTS_CLIENT_ID");
        let web_origin = get("WEB_ORIGIN").unwrap_or_default().trim().to_string();
        if !missing.is_empty() {
            return Err(ConfigError(format!("missing required environment variable(s): {}", missing.join(", "))));
        }
        let jwks_base = get("COGNITO_JWKS_BASE").filter(|v| !v.trim().is_empty());
        let pool = |pool_id: String, client_id: String| {
            let issuer = format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}");
            let jwks_url = match &jwks_base {
                Some(base) => format!("{}/{pool_id}/.well-known/jwks.json", base.trim_end_matches('/')),
                None => format!("{issuer}/.well-known/jwks.json"),
            };
            PoolConfig { pool_id, client_id, issuer, jwks_url }
        };
        Ok(Config {
            staff: pool(staff_pool, staff_client),
            contacts: pool(contacts_pool, contacts_client),
            region: region.clone(),
            table_name,
            bucket_name,
            web_origin: web_origin.trim_end_matches('/').to_string(),
            ses_configuration_set: get("SES_CONFIGURATION_SET").filter(|v| !v.trim().is_empty()),
            invite_lifetime_days: match get("INVITE_LIFETIME_DAYS").filter(|v| !v.trim().is_empty()) {
                None => 30,
                Some(v) => v
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|d| (1..=365).contains(d))
                    .ok_or_else(|| ConfigError(format!("INVITE_LIFETIME_DAYS must be a number of days from 1 to 365, not {v:?}")))?,
            },
            invite_jobs_queue_url: get("INVITE_JOBS_QUEUE_URL").map(|v| v.trim().to_string()).filter(|v| !v.is_empty()),
            payment_provider: match get("PAYMENT_PROVIDER").map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).as_deref() {
                None | Some("none") => None,
                Some("test") => Some("test".to_string()),
                Some(other) => return Err(ConfigError(format!("PAYMENT_PROVIDER must be none or test, not {other:?}"))),
            },
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::HashMap;

    pub fn sample_env() -> HashMap<&'static str, String> {
        [
            ("AWS_REGION", "eu-west-1"),
            ("TABLE_NAME", "portal"),
            ("BUCKET_NAME", "portal-files"),
            ("STAFF_POOL_ID", "eu-west-1_staff"),
            ("STAFF_CLIENT_ID", "staffclient"),
            ("CONTACTS_POOL_ID", "eu-west-1_contacts"),
            ("CONTACTS_CLIENT_ID", "contactsclient"),
            ("WEB_ORIGIN", "https://portal.example.com/"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect()
    }

    #[test]
    fn derives_issuer_and_jwks_from_region_and_pool() {
        let env = sample_env();
        let c = Config::from_lookup(|k| env.get(k).cloned()).unwrap();
        assert_eq!(c.staff.issuer, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_staff");
        assert_eq!(c.staff.jwks_url, format!("{}/.well-known/jwks.json", c.staff.issuer));
        assert_eq!(c.web_origin, "https://portal.example.com");
    }

    #[test]
    fn jwks_base_override_keeps_the_real_issuer() {
        let mut env = sample_env();
        env.insert("COGNITO_JWKS_BASE", "http://127.0.0.1:4566/".into());
        let c = Config::from_lookup(|k| env.get(k).cloned()).unwrap();
        assert_eq!(c.contacts.jwks_url, "http://127.0.0.1:4566/eu-west-1_contacts/.well-known/jwks.json");
        assert!(c.contacts.issuer.starts_with("https://cognito-idp.eu-west-1.amazonaws.com/"));
    }

    #[test]
    fn names_every_missing_variable() {
        let mut env = sample_env();
        env.remove("TABLE_NAME");
        env.insert("STAFF_CLIENT_ID", "  ".into());
        let err = Config::from_lookup(|k| env.get(k).cloned()).unwrap_err();
        assert!(err.0.contains("TABLE_NAME") && err.0.contains("STAFF_CLIENT_ID"), "{err}");
    }

    #[test]
    fn the_invite_lifetime_defaults_to_30_days_and_is_checked() {
        let mut env = sample_env();
        assert_eq!(Config::from_lookup(|k| env.get(k).cloned()).unwrap().invite_lifetime_days, 30);
        env.insert("INVITE_LIFETIME_DAYS", "14".into());
        assert_eq!(Config::from_lookup(|k| env.get(k).cloned()).unwrap().invite_lifetime_days, 14);
        for bad in ["0", "366", "two weeks"] {
            env.insert("INVITE_LIFETIME_DAYS", bad.into());
            assert!(Config::from_lookup(|k| env.get(k).cloned()).unwrap_err().0.contains("INVITE_LIFETIME_DAYS"), "{bad}");
        }
    }

    #[test]
    fn the_payment_provider_is_none_unless_named() {
        let mut env = sample_env();
        assert_eq!(Config::from_lookup(|k| env.get(k).cloned()).unwrap().payment_provider, None);
        env.insert("PAYMENT_PROVIDER", "none".into());
        assert_eq!(Config::from_lookup(|k| env.get(k).cloned()).unwrap().payment_provider, None);
        env.insert("PAYMENT_PROVIDER", "test".into());
        assert_eq!(Config::from_lookup(|k| env.get(k).cloned()).unwrap().payment_provider.as_deref(), Some("test"));
        env.insert("PAYMENT_PROVIDER", "stripe".into());
        assert!(Config::from_lookup(|k| env.get(k).cloned()).unwrap_err().0.contains("PAYMENT_PROVIDER"));
    }
}
