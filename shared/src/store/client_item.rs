//! [`ClientItem`]: one item of a client's partition, decoded by the prefix of its sort key.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{from_item, keys, AuditRecord, ClientRecord, FileRecord, FormRecord, InvoiceRecord, Item, LinkRecord, PaymentRecord, RequestRecord, ThreadRecord};
use crate::error::{Error, Result};

/// One item of a client's partition (`PK = CLIENT#c`), decoded by its sort key: what a
/// read of several kinds at once (the portal home, the client detail) matches on instead
/// of comparing sort-key strings.
#[derive(Debug, Clone)]
pub enum ClientItem {
    Client(Box<ClientRecord>),
    Link(Box<LinkRecord>),
    File(Box<FileRecord>),
    Request(Box<RequestRecord>),
    Invoice(Box<InvoiceRecord>),
    Payment(Box<PaymentRecord>),
    Thread(Box<ThreadRecord>),
    Form(Box<FormRecord>),
    Audit(Box<AuditRecord>),
}

impl ClientItem {
    /// `None` for an item of a kind this enum does not know (a newer writer's).
    pub fn decode(item: Item) -> Result<Option<Self>> {
        use keys::prefix as p;
        let sk = match item.get("SK") {
            Some(AttributeValue::S(sk)) => sk.clone(),
            _ => return Err(Error::internal("stored item has no sort key")),
        };
        Ok(Some(if sk == keys::CLIENT_SK {
            ClientItem::Client(Box::new(from_item(item)?))
        } else if sk.starts_with(p::CONTACT) {
            ClientItem::Link(Box::new(from_item(item)?))
        } else if sk.starts_with(p::FILE) {
            ClientItem::File(Box::new(from_item(item)?))
        } else if sk.starts_with(p::REQUEST) {
            ClientItem::Request(Box::new(from_item(item)?))
        } else if sk.starts_with(p::INVOICE) {
            ClientItem::Invoice(Box::new(from_item(item)?))
        } else if sk.starts_with(p::PAYMENT) {
            ClientItem::Payment(Box::new(from_item(item)?))
        } else if sk.starts_with(p::THREAD) {
            ClientItem::Thread(Box::new(from_item(item)?))
        } else if sk.starts_with(p::FORM) {
            ClientItem::Form(Box::new(from_item(item)?))
        } else if sk.starts_with(p::AUDIT) {
            ClientItem::Audit(Box::new(from_item(item)?))
        } else {
            return Ok(None);
        }))
    }

    /// Decode every item of a read (skipping unknown kinds).
    pub fn decode_all(items: Vec<Item>) -> Result<Vec<Self>> {
        Ok(items.into_iter().map(Self::decode).collect::<Result<Vec<_>>>()?.into_iter().flatten().collect())
    }
}
