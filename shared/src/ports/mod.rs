//! Ports: the outside services the operations use, each behind a small interface with its
//! AWS implementation beside it. They know the SDK; nothing above them does.

pub mod mail;
pub mod sessions;
pub mod tokens;
