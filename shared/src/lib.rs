//! The library every Lambda function of the client portal is built on.
//!
//! Functions are small binaries with one job each (see `functions/`); everything they
//! share lives here, so that a rule is written once and unit-tested without AWS. A
//! function's `main.rs` is a few lines: it calls [`runtime::run_http`] with the function's
//! `handle`, which parses the request, authenticates, calls an operation of this crate and
//! maps the result.
//!
//! # Layout
//!
//! - [`config`] — configuration read once per cold start from the environment; a missing
//!   variable fails the init with its name.
//! - [`state`] — [`state::AppState`]: every AWS client from one `aws_config` load (which
//!   honours `AWS_ENDPOINT_URL`, so the local emulator needs no code branch), the token
//!   verifiers and their key caches.
//! - [`error`] — the one error type and its one mapping to `application/problem+json`.
//! - [`auth`] — bearer-token verification against the pool's JWKS and the [`auth::Actor`].
//! - [`domain`] — parse-don't-validate types (email, names, phone), ids, time, the
//!   portal-status rules.
//! - [`store`] — the single DynamoDB table: key schema (documented there), items as
//!   structs through `serde_dynamo`, transaction helpers.
//! - [`clients`] — clients and contacts as staff manage them, portal status.
//! - [`invites`] / [`portal`] — the core loop: invite emails and links, account creation.
//! - [`reminders`] — automatic reminders for invites nobody accepted (scheduled).
//! - [`messages`] — secure message threads between the firm and a client's contacts.
//! - [`signatures`] — e-signature forms: consent, evidence, document hash, certificate.
//! - [`audit`] — the client's append-only audit trail and each contact's access history.
//! - [`contact_mfa`] — the authenticator setup a firm can require of its contacts.
//! - [`sessions`] — sign-in, refresh, sign-out against Cognito.
//! - [`settings`] — the firm's own settings: invite lifetime, reminders, required contact MFA.
//! - [`http`] — route tables, JSON in and out, the per-request span.
//! - [`telemetry`] — tracing: JSON on Lambda, text elsewhere.
//! - [`runtime`] — the shared `main` of HTTP functions.
//!
//! # Why this shape
//!
//! Business rules as plain functions over plain data ([`clients::plan_contact_update`],
//! [`domain::PortalStatus::derive`]) are tested in microseconds; the DynamoDB side is
//! exercised against the emulator by the integration tests in `tests/`. Errors carry what
//! the caller must fix, never what the server tripped on.

pub mod config;
pub mod error;
pub mod sdk;
pub mod telemetry;

pub mod domain;
pub mod store;
pub mod ports;
pub mod ops;
pub mod http;

#[cfg(feature = "testing")]
pub mod testing;

/// The check that keeps the layers (a unit test over this crate's sources).
#[cfg(test)]
mod layering;

pub use error::{Error, Result};

/// The repository root, for tests that read `events/` samples.
#[cfg(test)]
pub(crate) fn testing_root() -> std::path::PathBuf {
    let mut dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    dir.pop();
    dir
}
pub use http::state::AppState;
