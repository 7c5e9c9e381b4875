//! The library every Lambda function of the client portal is built on.
//!
//! Functions are small binaries with one job each (see `functions/`); everything they
//! share lives here, so that a rule is written once and unit-tested without AWS. A
//! function's `main.rs` is a few lines: it calls [`http::runtime::run_http`] with the function's
//! `handle`, which parses the request, authenticates, calls an operation of this crate and
//! maps the result.
//!
//! # Layout
//!
//! Layers with no cycle; each uses only those below it. The layering check (`layering.rs`,
//! a unit test over these sources) fails on an upward import or an import loop: keep it
//! true.
//!
//! | layer | modules | holds |
//! |---|---|---|
//! | base | [`error`], [`config`], [`sdk`], [`telemetry`] | the one error type and its problem responses; configuration read once per cold start; the AWS SDK configuration (with timeouts from the function's own), loaded off the init path; tracing and the product's metrics (EMF) |
//! | 1 | [`domain`] | types and rules: parse, plan, decide — no I/O. Email addresses and names, portal status, identity ([`domain::identity`]: actor, audience), email rendering ([`domain::email`]), password and upload rules |
//! | 2 | [`store`] | the one DynamoDB table: key schema (documented there), every key literal ([`store::keys`]), every record, typed reads ([`store::Store::children`], [`store::ClientItem`]) and the write builders ([`store::tx`]) |
//! | 3 | [`ports`] | the outside services, each a small trait with its AWS implementation beside it: [`ports::mail::Mailer`] (SES), [`ports::blobs::Blobs`] (S3), [`ports::logins::Logins`] (Cognito); and [`ports::tokens`] (JWKS token verification) |
//! | 4 | [`ops`] | one module per capability (clients, invites, accounts, files, requests, billing, messages, signatures, reminders, …); each operation takes the store and the ports it uses — never the whole state |
//! | 5 | [`http`] | routes (generated from `infra/openapi.yaml`, each with its audience), the request's authentication against the matched route's audience, JSON in and out, the per-request span, [`AppState`] (built once per cold start) and the shared `main` |
//!
//! Inside `ops`, modules may use each other downwards too (`files` uses `access`, `home`
//! reads what `requests`, `files`, `billing` and `messages` show) but never in a loop.
//!
//! # Why this shape
//!
//! Business rules as plain functions over plain data ([`ops::clients::plan_contact_update`],
//! [`domain::PortalStatus::derive`]) are tested in microseconds; the DynamoDB side is
//! exercised against the emulator by the integration tests in `tests/`. Errors carry what
//! the caller must fix, never what the server tripped on.

pub mod config;
pub mod error;
pub mod sdk;
pub mod telemetry;

pub mod domain;
pub mod http;
pub mod ops;
pub mod ports;
pub mod store;

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
