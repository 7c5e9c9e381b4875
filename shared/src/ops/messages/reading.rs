//! Reading messages: one page of a client's threads, and a thread with one page of its
//! messages (the newest page first). Every read is bounded by the page's `limit`.

use std::collections::HashMap;

use serde::Serialize;

use super::{load_thread, reader_key, view_of, visible, MessageView, ThreadView};
use crate::error::{Error, Result};
use crate::ops::access::Viewer;
use crate::store::{from_item, keys, tx, FileRecord, Item, KeyRange, MessageRecord, Order, Page, PageRequest, Store, ThreadRecord, FILTER_READ_FACTOR};

/// One page of the viewer's threads of a client, newest first (by when the thread was
/// started: ids are UUIDv7, so key order is creation order; ordering by latest activity
/// would need an index keyed by it). A contact's page is filtered by the threads they take
/// part in and reads at most `limit` × [`FILTER_READ_FACTOR`] threads.
pub async fn list(store: &Store, viewer: &Viewer, client_id: &str, page: &PageRequest) -> Result<Page<ThreadView>> {
    let range = KeyRange::prefix(keys::client(client_id), keys::prefix::THREAD);
    let factor = if viewer.contact_id().is_some() { FILTER_READ_FACTOR } else { 1 };
    store
        .query_page_where(&range, Order::NewestFirst, page, factor, |item| {
            let t: ThreadRecord = from_item(item.clone())?;
            Ok((t.firm_id == viewer.firm_id() && visible(&t, viewer)).then(|| ThreadView::new(&t, viewer)))
        })
        .await
}

/// A thread and one page of its messages: the newest page first (`next` leads to older
/// ones), each page in reading order (oldest to newest) for display.
#[derive(Debug, Serialize)]
pub struct ThreadDetail {
    pub thread: ThreadView,
    pub items: Vec<MessageView>,
    pub next: Option<String>,
}

/// A thread with one page of its messages; opening its first page marks it read for the
/// viewer. One GetItem for the thread, one Query of at most `limit` messages, and for a
/// contact one BatchGetItem of the files attached to that page.
pub async fn open(store: &Store, viewer: &Viewer, client_id: &str, thread_id: &str, page: &PageRequest) -> Result<ThreadDetail> {
    let mut thread = load_thread(store, viewer, client_id, thread_id).await?;
    let range = KeyRange::prefix(keys::thread(thread_id), keys::prefix::MESSAGE);
    let Page { items, next } = store.query_page(&range, Order::NewestFirst, page).await?;
    let mut records: Vec<MessageRecord> = items.into_iter().map(from_item).collect::<Result<_>>()?;
    records.reverse();
    // Each reader sees only the attachments they may open.
    let mut allowed: Option<Vec<String>> = None;
    if viewer.contact_id().is_some() {
        let ids: Vec<String> =
            records.iter().flat_map(|m| m.attachments.iter().map(|a| a.file_id.clone())).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
        let mut ok = Vec::new();
        for chunk in ids.chunks(100) {
            let items = store.batch_get(chunk.iter().map(|id| (keys::client(client_id), keys::file(id))).collect()).await?;
            for f in items.into_iter().map(from_item::<FileRecord>) {
                let f = f?;
                if crate::ops::access::visible_to(&f, viewer) {
                    ok.push(f.file_id);
                }
            }
        }
        allowed = Some(ok);
    }
    let messages = records
        .iter()
        .map(|m| {
            let mut v = view_of(m);
            if let Some(ok) = &allowed {
                v.attachments.retain(|a| ok.contains(&a.file_id));
            }
            v
        })
        .collect();
    if page.cursor.is_some() {
        // An older page: reading it says nothing about the newest messages.
        return Ok(ThreadDetail { thread: ThreadView::new(&thread, viewer), items: messages, next });
    }
    let key = reader_key(viewer);
    if thread.read.get(&key).copied().unwrap_or(0) < thread.message_count {
        let values = Item::from([(":n".to_string(), aws_sdk_dynamodb::types::AttributeValue::N(thread.message_count.to_string()))]);
        let names = HashMap::from([("#read".to_string(), "read".to_string()), ("#me".to_string(), key.clone())]);
        // Only forward: a slower, older read never lowers the mark.
        let mark = tx::update(store.table(), &thread.pk, &thread.sk, "SET #read.#me = :n", "attribute_not_exists(#read.#me) OR #read.#me < :n", values, names)?;
        match store.transact(vec![mark], |_| Error::Conflict("read meanwhile".into())).await {
            Ok(()) | Err(Error::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
        thread.read.insert(key, thread.message_count);
    }
    Ok(ThreadDetail { thread: ThreadView::new(&thread, viewer), items: messages, next })
}
