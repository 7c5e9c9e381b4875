//! The limits' values: production defaults, overridden from the environment (which the
//! template sets from its parameters), and the sources exempt from per-source limits.

use std::net::IpAddr;

use super::{Lockout, Rate, Scope};
use crate::config::ConfigError;

/// `scope=limit/window_seconds`, comma-separated, e.g. `sign_in=30/300,invite=60/300`;
/// scopes not named keep their default.
pub const ENV_SOURCE_LIMITS: &str = "SOURCE_LIMITS";
/// `after=5,within=900,lock=60,max=900` (failures; seconds); keys not named keep their default.
pub const ENV_LOCKOUT: &str = "SIGN_IN_LOCKOUT";
/// Addresses or CIDR blocks (comma-separated) that per-source limits do not apply to;
/// empty in production. The per-account lockout applies to them as to everyone.
pub const ENV_EXEMPT: &str = "THROTTLE_EXEMPT_SOURCES";

/// Every limit, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// One per [`Scope`], in [`Scope::ALL`]'s order.
    rates: [Rate; 5],
    pub lockout: Lockout,
    exempt: Vec<Net>,
}

impl Default for Limits {
    fn default() -> Self {
        Self::production()
    }
}

const fn rate(limit: u32, window: i64) -> Rate {
    Rate { limit, window }
}

impl Limits {
    /// The defaults (the template's parameters repeat them; a test checks they agree).
    ///
    /// Per source, per 5 minutes: 30 password sign-ins (an office behind one address signs
    /// in a few times a day per person; spraying passwords over many accounts from one
    /// address gets 30 guesses), 30 authenticator codes, 120 refreshes (browsers refresh
    /// hourly), 60 invite lookups, 10 account creations. Per account: 5 failures lock for
    /// 1 minute, doubling to at most 15; forgotten 15 minutes after.
    pub fn production() -> Self {
        Limits {
            rates: [rate(30, 300), rate(30, 300), rate(120, 300), rate(60, 300), rate(10, 300)],
            lockout: Lockout { after: 5, within: 900, first: 60, max: 900 },
            exempt: Vec::new(),
        }
    }

    pub fn rate(&self, scope: Scope) -> Rate {
        self.rates[scope as usize]
    }

    /// Is this source exempt from per-source limits?
    pub fn is_exempt(&self, ip: Option<&str>) -> bool {
        let Some(ip) = ip.and_then(|s| s.trim().parse::<IpAddr>().ok()) else { return false };
        self.exempt.iter().any(|n| n.contains(ip))
    }

    /// The per-source limits in `SOURCE_LIMITS` form.
    pub fn source_limits(&self) -> String {
        Scope::ALL.iter().map(|s| format!("{}={}/{}", s.name(), self.rate(*s).limit, self.rate(*s).window)).collect::<Vec<_>>().join(",")
    }

    /// The defaults with what the environment (read through `get`) overrides. A value that
    /// does not parse fails the cold start with its variable's name.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut limits = Self::production();
        let var = |name: &str| get(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        if let Some(v) = var(ENV_SOURCE_LIMITS) {
            for (name, value) in pairs(ENV_SOURCE_LIMITS, &v)? {
                let scope = Scope::from_name(name)
                    .ok_or_else(|| bad(ENV_SOURCE_LIMITS, &format!("unknown scope {name:?} (known: {})", Scope::ALL.map(Scope::name).join(", "))))?;
                let (limit, window) = value.split_once('/').ok_or_else(|| bad(ENV_SOURCE_LIMITS, &format!("{name}: expected limit/seconds, not {value:?}")))?;
                limits.rates[scope as usize] = rate(number(ENV_SOURCE_LIMITS, limit, 1, 1_000_000)? as u32, number(ENV_SOURCE_LIMITS, window, 1, 86_400)?);
            }
        }
        if let Some(v) = var(ENV_LOCKOUT) {
            let l = &mut limits.lockout;
            for (name, value) in pairs(ENV_LOCKOUT, &v)? {
                match name {
                    "after" => l.after = number(ENV_LOCKOUT, value, 1, 1_000)? as u32,
                    "within" => l.within = number(ENV_LOCKOUT, value, 1, 86_400)?,
                    "lock" => l.first = number(ENV_LOCKOUT, value, 1, 86_400)?,
                    "max" => l.max = number(ENV_LOCKOUT, value, 1, 86_400)?,
                    other => return Err(bad(ENV_LOCKOUT, &format!("unknown key {other:?} (known: after, within, lock, max)"))),
                }
            }
            if l.max < l.first {
                return Err(bad(ENV_LOCKOUT, "max must not be shorter than lock"));
            }
        }
        if let Some(v) = var(ENV_EXEMPT) {
            limits.exempt = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Net::parse(s).ok_or_else(|| bad(ENV_EXEMPT, &format!("{s:?} is not an address or CIDR block"))))
                .collect::<Result<_, _>>()?;
        }
        Ok(limits)
    }
}

fn bad(var: &str, what: &str) -> ConfigError {
    ConfigError(format!("{var}: {what}"))
}

fn pairs<'a>(var: &str, v: &'a str) -> Result<Vec<(&'a str, &'a str)>, ConfigError> {
    v.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').map(|(k, v)| (k.trim(), v.trim())).ok_or_else(|| bad(var, &format!("expected name=value, not {p:?}"))))
        .collect()
}

fn number(var: &str, v: &str, min: i64, max: i64) -> Result<i64, ConfigError> {
    v.trim().parse::<i64>().ok().filter(|n| (min..=max).contains(n)).ok_or_else(|| bad(var, &format!("{v:?} is not a whole number from {min} to {max}")))
}

/// An address block: `203.0.113.0/24`, `2001:db8::/32`, or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    pub fn parse(s: &str) -> Option<Net> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (s.parse::<IpAddr>().ok()?, None),
        };
        let bits = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        (prefix <= bits).then_some(Net { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let mask = |bits: u32| if self.prefix == 0 { 0u128 } else { u128::MAX << (bits - self.prefix as u32) };
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let m = mask(32) & u32::MAX as u128;
                (u32::from(n) as u128 & m) == (u32::from(a) as u128 & m)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => (u128::from(n) & mask(128)) == (u128::from(a) & mask(128)),
            _ => false,
        }
    }
}
