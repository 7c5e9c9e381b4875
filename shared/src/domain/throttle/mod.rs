//! Throttling per caller: the rules, as plain functions of the time and of what is stored.
//!
//! API Gateway's route throttling (`infra/template.yaml`) is one bucket per route for the
//! whole stage: one client sending junk to sign-in fills it for everyone. These rules limit
//! each caller instead. Two kinds, both counted in the table (`store::limits`), so they
//! hold across every warm instance of a function:
//!
//! - **Per source** ([`Scope`], [`Rate`]): each group of public routes — password sign-in,
//!   the authenticator-code step, token refresh, invite-link lookups, account creation —
//!   takes at most `limit` requests from one source per fixed window of `window` seconds
//!   (staff and contact routes of a group share its count). The source is the address API
//!   Gateway saw (the request context's `sourceIp`), never a header the client writes such
//!   as `X-Forwarded-For`; IPv6 sources count per /64, the block one subscriber gets, so
//!   stepping through addresses gains nothing ([`source_key`]). A request is counted once
//!   its body has passed the checks made before any lookup: malformed input gets its 400
//!   without touching a counter (it costs nothing to refuse).
//! - **Per account** ([`Lockout`]): attempts at one step (password, or authenticator code)
//!   of one email address in one pool. An attempt counts as failed until it succeeds (it is
//!   recorded *before* Cognito is asked, so parallel guesses cannot slip past the count);
//!   a success clears the count. After `after` failures the account's step is locked for
//!   `first` seconds, doubling with each further failure up to `max`. Failures are forgotten
//!   `within` seconds after the last one (or after the end of the lock it caused). While
//!   locked, attempts are refused without asking Cognito and without counting: the lock
//!   never grows from attempts it refused.
//!
//! # The lockout's trade-off
//!
//! The lock is per account, across all sources, so spreading guesses over many addresses
//! gains nothing; the price is that anyone who knows an email address can lock that
//! account — but only for `max` (15 minutes by default) after their last counted failure,
//! and each further lock costs them one more failure. We chose that over per (account,
//! source) locks, which a botnet would multiply. A locked account answers exactly as an
//! unknown email address would (same status, same detail, same wait; the count is keyed
//! by the address as typed, whether or not a login has it), so the lock tells nothing
//! about who has an account.
//!
//! Windows are fixed (aligned to multiples of `window` since the epoch): a source can
//! spend a window's limit at its end and the next window's at its start — at most twice
//! the limit in a short burst, which the per-account lockout and API Gateway's per-route
//! throttle bound further. Items carry a TTL (`expires_at`), but nothing here relies on
//! DynamoDB deleting them on time (it may take days; moto never does): a stale window or
//! a forgotten failure count is recognised from its times.

mod settings;

pub use settings::{Limits, Net, ENV_EXEMPT, ENV_LOCKOUT, ENV_SOURCE_LIMITS};

use std::net::IpAddr;

/// A group of public routes with its own per-source count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// `POST /api/staff/sessions`, `POST /api/portal/sessions` (email and password).
    SignIn,
    /// `POST /api/staff/sessions/mfa`, `POST /api/portal/sessions/mfa` (authenticator code).
    MfaCode,
    /// `POST /api/staff/sessions/refresh`, `POST /api/portal/sessions/refresh`.
    Refresh,
    /// `GET /api/invites/{token}` (what the Create Account page shows).
    InviteLookup,
    /// `POST /api/invites/{token}/account`.
    CreateAccount,
}

impl Scope {
    pub const ALL: [Scope; 5] = [Scope::SignIn, Scope::MfaCode, Scope::Refresh, Scope::InviteLookup, Scope::CreateAccount];

    /// The name in configuration (`SOURCE_LIMITS`) and in the counter's key.
    pub fn name(self) -> &'static str {
        match self {
            Scope::SignIn => "sign_in",
            Scope::MfaCode => "mfa",
            Scope::Refresh => "refresh",
            Scope::InviteLookup => "invite",
            Scope::CreateAccount => "create_account",
        }
    }

    pub fn from_name(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.name() == name)
    }

    fn what(self) -> &'static str {
        match self {
            Scope::SignIn => "sign-in attempts",
            Scope::MfaCode => "sign-in codes",
            Scope::Refresh => "session refreshes",
            Scope::InviteLookup => "invite link lookups",
            Scope::CreateAccount => "account creation attempts",
        }
    }

    /// What a source over this scope's limit is told.
    pub fn refusal(self, wait: u64) -> String {
        format!("Too many {} from your network. Try again in {}.", self.what(), wait_words(wait))
    }
}

/// At most `limit` requests per fixed window of `window` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub limit: u32,
    pub window: i64,
}

/// One fixed window: `start <= t < end` (epoch seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    pub end: i64,
}

impl Rate {
    /// The window `now` falls in.
    pub fn window_at(&self, now: i64) -> Window {
        let start = now - now.rem_euclid(self.window);
        Window { start, end: start + self.window }
    }
}

/// The bucket a source address counts in: an IPv4 address, the /64 of an IPv6 address
/// (an IPv4-mapped IPv6 address is its IPv4 address), or `unknown` when the request has
/// none (API Gateway always sets one; a request without is counted with every other such).
pub fn source_key(ip: Option<&str>) -> String {
    match ip.and_then(|s| s.trim().parse::<IpAddr>().ok()) {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        None => "unknown".into(),
    }
}

/// Which step of a sign-in an account's attempts are counted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Email and password.
    Password,
    /// The authenticator app's code (or the first code of its setup).
    Code,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Step::Password => "password",
            Step::Code => "code",
        }
    }

    /// What an account over its lockout is told (the same whether or not a login has
    /// this address).
    pub fn refusal(self, wait: u64) -> String {
        match self {
            Step::Password => format!("Too many failed sign-in attempts for this email address. Try again in {}.", wait_words(wait)),
            Step::Code => format!("Too many wrong authenticator codes for this email address. Try again in {}.", wait_words(wait)),
        }
    }
}

/// The per-account lockout (see the module docs). Times in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lockout {
    /// Failures that lock the account's step.
    pub after: u32,
    /// Failures are forgotten this long after the last one (or the end of its lock).
    pub within: i64,
    /// The first lock.
    pub first: i64,
    /// The longest lock.
    pub max: i64,
}

/// What the table keeps about one account's step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts {
    /// Attempts since the last success, the one in flight included.
    pub failures: u32,
    /// When the last one was made.
    pub last_at: i64,
    /// Refuse attempts until then.
    pub locked_until: Option<i64>,
}

/// Whether an attempt may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Yes; store this (it counts the attempt as failed until it succeeds).
    Go(Attempts),
    /// No: locked for this many more seconds (nothing to store).
    Wait(u64),
}

impl Lockout {
    /// How long `failures` failures lock the step: `None` below `after`, then `first`,
    /// doubling per further failure, at most `max`.
    pub fn lock_for(&self, failures: u32) -> Option<i64> {
        let extra = failures.checked_sub(self.after)?;
        Some(self.first.saturating_mul(1i64 << extra.min(32)).min(self.max))
    }

    /// When the table may forget these attempts (also the item's TTL).
    pub fn forget_at(&self, a: &Attempts) -> i64 {
        a.last_at.max(a.locked_until.unwrap_or(i64::MIN)) + self.within
    }

    /// Decide an attempt at `now` given what is stored.
    pub fn admit(&self, stored: Option<&Attempts>, now: i64) -> Verdict {
        let current = stored.filter(|a| now < self.forget_at(a));
        if let Some(until) = current.and_then(|a| a.locked_until) {
            if now < until {
                return Verdict::Wait((until - now) as u64);
            }
        }
        let failures = current.map_or(0, |a| a.failures).saturating_add(1);
        Verdict::Go(Attempts { failures, last_at: now, locked_until: self.lock_for(failures).map(|d| now + d) })
    }
}

/// "20 seconds" below half a minute, minutes rounded up below an hour and a half ("1
/// minute", "15 minutes"), else hours rounded up ("3 hours", for a daily quota): a person
/// needs no more precision (`Retry-After` has the seconds), and the words do not change
/// from one second to the next.
pub fn wait_words(seconds: u64) -> String {
    let plural = |n: u64, unit: &str| if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") };
    if seconds < 30 {
        plural(seconds.max(1), "second")
    } else if seconds < 90 * 60 {
        plural(seconds.div_ceil(60), "minute")
    } else {
        plural(seconds.div_ceil(3600), "hour")
    }
}

#[cfg(test)]
mod tests;
