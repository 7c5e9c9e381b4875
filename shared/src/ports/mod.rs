//! Ports: the outside services the operations use, each behind a small interface with its
//! AWS implementation beside it. They know the SDK; nothing above them does.

pub mod blobs;
pub mod logins;
pub mod mail;
pub mod queue;
pub mod tokens;
