//! Bounded reads: fixed key ranges of a client's partition, and the newest items of a key
//! range, at most a given number.
//!
//! Collections that only grow (a client's files and audit trail) are read through these, so
//! the cost of a request is bounded by what it returns, not by the age of the client.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{from_item, keys, ClientItem, ClientRecord, Entity, Item, LinkRecord, Store};
use crate::error::{aws, Result};

impl Store {
    /// A client item and its contact links, in one Query of the key range `CLIENT` ..=
    /// `CONTACT$` only: the partition also holds the client's files, requests, invoices,
    /// threads and its audit trail (`AUDIT#`, which grows with every download and sign-in),
    /// and none of those is paid for here. Access checks are the caller's.
    pub async fn client_with_links(&self, client_id: &str) -> Result<(Option<ClientRecord>, Vec<LinkRecord>)> {
        let items = self.query_between(&keys::client(client_id), keys::CLIENT_SK, &keys::through(keys::prefix::CONTACT)).await?;
        let (mut client, mut links) = (None, Vec::new());
        for item in ClientItem::decode_all(items)? {
            match item {
                ClientItem::Client(c) => client = Some(*c),
                ClientItem::Link(l) => links.push(*l),
                _ => {}
            }
        }
        Ok((client, links))
    }

    /// The items of `pk` with `from <= SK <= to`, newest (highest sort key) first, at most
    /// `limit` of them: one page per 1 MB DynamoDB reads, never more than `limit` items read.
    pub async fn query_newest(&self, pk: &str, from: &str, to: &str, limit: usize) -> Result<Vec<Item>> {
        let mut out: Vec<Item> = Vec::new();
        let mut start: Option<std::collections::HashMap<String, AttributeValue>> = None;
        while out.len() < limit {
            let page = self
                .db()
                .await
                .query()
                .table_name(self.table())
                .consistent_read(true)
                .scan_index_forward(false)
                .limit((limit - out.len()).min(1000) as i32)
                .key_condition_expression("PK = :pk AND SK BETWEEN :a AND :b")
                .expression_attribute_values(":pk", super::s(pk))
                .expression_attribute_values(":a", super::s(from))
                .expression_attribute_values(":b", super::s(to))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(aws)?;
            out.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        Ok(out)
    }
}

impl Store {
    /// Every `T` of partition `pk` (`begins_with(SK, T::PREFIX)`, every page).
    pub async fn children<T: Entity>(&self, pk: &str) -> Result<Vec<T>> {
        self.query_partition(pk, Some(T::PREFIX), false).await?.into_iter().map(from_item).collect()
    }

    /// Every client link of a contact (GSI1 `CONTACT#k`).
    pub async fn links_of_contact(&self, contact_id: &str) -> Result<Vec<LinkRecord>> {
        self.query_gsi1(&keys::contact(contact_id), keys::prefix::CLIENT).await?.into_iter().map(from_item).collect()
    }
}
