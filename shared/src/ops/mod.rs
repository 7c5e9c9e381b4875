//! Operations: one module per capability. Each takes the store and the ports it uses.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod backfill;
pub mod billing;
pub mod clients;
pub mod contact_mfa;
pub mod delivery;
pub mod files;
pub mod firms;
pub mod home;
pub mod idempotency;
pub mod invites;
pub mod lifecycle;
pub mod login_claim;
pub mod logo;
pub mod messages;
pub mod quotas;
pub mod reminders;
pub mod requests;
pub mod revoke;
pub mod settings;
pub mod signatures;
pub mod step_up;
pub mod team;
pub mod templates;
pub mod throttle;

#[cfg(test)]
mod caller_tests;
