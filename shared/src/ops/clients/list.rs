//! The firm's clients list: pages, search and the portal-state filter.
//!
//! Every form of the list costs a bounded read per page, whatever the size of the firm
//! (the flatness `tests/test_scale.py` asserts and `make bench-scale` measures):
//!
//! - **by name** (the default, and `q` without `@`): GSI1 `FIRM#f`, sort keys from
//!   `CLIENT#<q>` (or `ARCHIVED#<q>`). Names sit lower-cased in the key, so a search by
//!   the start of a name is a key range, not a filter: one `Query` of `limit` items.
//! - **by contact email** (`q` with `@`): the firm's email guards `FIRM#f / EMAIL#<q>…`
//!   (one per contact address, unique in the firm), a page of `limit` of them, then each
//!   of those contacts' links (one `GSI1` `Query` per contact: a contact has a handful of
//!   clients, never the firm's).
//! - **by portal state** (`portal=invited`, `not_invited`, `active`, `revoked`): GSI3
//!   `FIRM#f#PORTAL#<state>`, sorted like the clients list; `q` narrows it by the client
//!   name's start. One `Query` of at most `limit` items; links of archived clients are read
//!   and skipped (they stay in the index), so a page can be short and still have a `next`.
//!
//! With an email search or a portal filter, an item is one **contact with its client** (a
//! client with two invited contacts appears twice, once per person): those lists are of
//! people to act on ("invited, never signed in"), and the row says who.

use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde::Serialize;
use time::OffsetDateTime;

use super::{ContactView, ListStatus};
use crate::domain;
use crate::error::{Error, Result};
use crate::store::{from_item, keys, ClientRecord, Cursor, EmailGuardRecord, Item, KeyRange, LinkRecord, Order, Page, PageRequest, Store, StoredState};

/// The longest search text.
pub const MAX_QUERY_CHARS: usize = 100;
/// A sort key above every key that starts with a given prefix (DynamoDB compares UTF-8
/// bytes; U+10FFFF encodes above every other character).
const ABOVE: char = '\u{10FFFF}';

/// One row of the list.
#[derive(Debug, Clone, Serialize)]
pub struct ClientListItem {
    pub id: String,
    pub name: String,
    /// Absent on a contact row (the link does not carry it).
    #[serde(skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub archived_at: Option<OffsetDateTime>,
    /// The contact the row is about (email search, portal filter).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactView>,
}

impl ClientListItem {
    fn of_client(c: &ClientRecord) -> Self {
        Self { id: c.client_id.clone(), name: c.name.clone(), created_at: Some(c.created_at), archived_at: c.archived_at, contact: None }
    }

    fn of_link(l: &LinkRecord, now: OffsetDateTime) -> Self {
        Self {
            id: l.client_id.clone(),
            name: l.client_name.clone(),
            created_at: None,
            archived_at: l.client_archived_at,
            contact: Some(ContactView::from_link(l, now)),
        }
    }
}

/// What the caller asked the list for.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub status: ListStatus,
    pub search: Option<Search>,
    pub portal: Option<StoredState>,
    pub page: PageRequest,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// The start of a client's name, lower-cased.
    Name(String),
    /// The start of a contact's email address, lower-cased.
    Email(String),
}

impl ListQuery {
    /// From the query string (`status`, `q`, `portal`, `limit`, `cursor`); every problem
    /// is a 400 naming its parameter.
    pub fn parse(status: Option<&str>, q: Option<&str>, portal: Option<&str>, limit: Option<&str>, cursor: Option<&str>) -> Result<Self> {
        let status = ListStatus::parse(status)?;
        let q = q.map(str::trim).filter(|q| !q.is_empty()).map(str::to_lowercase);
        let search = match q {
            None => None,
            Some(q) if q.chars().count() > MAX_QUERY_CHARS => {
                return Err(Error::field("q", format!("is too long: search with at most {MAX_QUERY_CHARS} characters")))
            }
            Some(q) if q.chars().any(char::is_control) => return Err(Error::field("q", "must be text without control characters")),
            Some(q) if q.contains('@') => Some(Search::Email(q)),
            Some(q) => Some(Search::Name(q)),
        };
        let portal = match portal.map(str::trim).filter(|p| !p.is_empty()) {
            None => None,
            Some(p) => Some(StoredState::parse(p).ok_or_else(|| Error::field("portal", "must be one of not_invited, invited, active, revoked"))?),
        };
        if portal.is_some() && status != ListStatus::Active {
            return Err(Error::field("status", "the portal filter lists the active clients: leave status out"));
        }
        Ok(Self { status, search, portal, page: PageRequest::parse(limit, cursor)? })
    }
}

/// One page of the firm's clients as `query` asks.
pub async fn list_page(store: &Store, firm_id: &str, query: &ListQuery) -> Result<Page<ClientListItem>> {
    let now = domain::now();
    match (&query.search, query.portal) {
        (Some(Search::Email(prefix)), portal) => by_email(store, firm_id, prefix, query, portal, now).await,
        (name, Some(state)) => {
            let range = starting_with(Some(keys::GSI3), keys::portal_state(firm_id, state.as_str()), name_prefix(name));
            store
                .query_page_where(&range, Order::OldestFirst, &query.page, 1, |item| {
                    let link: LinkRecord = from_item(item.clone())?;
                    Ok(link.client_archived_at.is_none().then(|| ClientListItem::of_link(&link, now)))
                })
                .await
        }
        (name, None) => {
            let ranges: Vec<KeyRange> =
                query.status.prefixes().iter().map(|p| starting_with(Some(keys::GSI1), keys::firm(firm_id), format!("{p}{}", name_prefix(name)))).collect();
            let page = pages_over(store, &ranges, &query.page).await?;
            page.try_map(|item| Ok(ClientListItem::of_client(&from_item::<ClientRecord>(item)?)))
        }
    }
}

fn name_prefix(search: &Option<Search>) -> String {
    match search {
        Some(Search::Name(n)) => n.clone(),
        _ => String::new(),
    }
}

/// The key range of the sort keys that start with `prefix` (every key when it is empty).
fn starting_with(index: Option<&'static str>, pk: String, prefix: String) -> KeyRange {
    // DynamoDB refuses an empty string as a key value: the lowest key is U+0001.
    let from = if prefix.is_empty() { "\u{1}".to_string() } else { prefix.clone() };
    KeyRange { index, pk, from, to: format!("{prefix}{ABOVE}") }
}

/// One page over `ranges` read one after the other (`status=all`: active, then archived):
/// the cursor says which range it continues; a page that exhausts one range goes on with
/// the next for what is left of its limit.
async fn pages_over(store: &Store, ranges: &[KeyRange], req: &PageRequest) -> Result<Page<Item>> {
    let first = match &req.cursor {
        None => 0,
        // A cursor of no range: the first range's decode says what is wrong with it.
        Some(raw) => ranges.iter().position(|r| Cursor::decode(raw, r).is_ok()).unwrap_or_default(),
    };
    let mut items = Vec::new();
    let mut req = req.clone();
    for (i, range) in ranges.iter().enumerate().skip(first) {
        let page = store.query_page(range, Order::OldestFirst, &req).await?;
        items.extend(page.items);
        if page.next.is_some() || items.len() >= req.limit || i + 1 == ranges.len() {
            return Ok(Page { items, next: page.next });
        }
        req = PageRequest { limit: req.limit - items.len(), cursor: None };
    }
    Ok(Page { items, next: None })
}

/// Contacts whose address starts with `prefix`, each with the clients it is linked to.
async fn by_email(
    store: &Store,
    firm_id: &str,
    prefix: &str,
    query: &ListQuery,
    portal: Option<StoredState>,
    now: OffsetDateTime,
) -> Result<Page<ClientListItem>> {
    let range = starting_with(None, keys::firm(firm_id), keys::email_guard(prefix));
    let guards = store.query_page(&range, Order::OldestFirst, &query.page).await?;
    let contacts: Vec<String> = guards.items.into_iter().map(|i| from_item::<EmailGuardRecord>(i).map(|g| g.contact_id)).collect::<Result<_>>()?;
    let links: Vec<Vec<LinkRecord>> = stream::iter(contacts).map(|c| async move { store.links_of_contact(&c).await }).buffered(8).try_collect().await?;
    let archived_wanted = |l: &LinkRecord| match query.status {
        ListStatus::Active => l.client_archived_at.is_none(),
        ListStatus::Archived => l.client_archived_at.is_some(),
        ListStatus::All => true,
    };
    let items = links
        .iter()
        .flatten()
        .filter(|l| l.firm_id == firm_id && archived_wanted(l) && portal.is_none_or(|p| l.stored_state() == p))
        .map(|l| ClientListItem::of_link(l, now))
        .collect();
    Ok(Page { items, next: guards.next })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: Error) -> String {
        match e {
            Error::Validation(f) => f[0].field.clone(),
            other => panic!("expected a 400 naming a field, got {other:?}"),
        }
    }

    #[test]
    fn a_search_with_an_at_sign_is_by_email_and_any_other_by_name() {
        let q = ListQuery::parse(None, Some("  Ana@Example "), None, None, None).unwrap();
        assert_eq!(q.search, Some(Search::Email("ana@example".into())));
        let q = ListQuery::parse(None, Some("Hotel G"), None, Some("10"), None).unwrap();
        assert_eq!((q.search, q.page.limit), (Some(Search::Name("hotel g".into())), 10));
        assert_eq!(ListQuery::parse(None, Some("   "), None, None, None).unwrap().search, None);
    }

    #[test]
    fn bad_parameters_are_400s_that_name_them() {
        assert_eq!(field_of(ListQuery::parse(None, Some(&"x".repeat(101)), None, None, None).unwrap_err()), "q");
        assert_eq!(field_of(ListQuery::parse(None, Some("a\u{7}b"), None, None, None).unwrap_err()), "q");
        assert_eq!(field_of(ListQuery::parse(None, None, Some("pending"), None, None).unwrap_err()), "portal");
        assert_eq!(field_of(ListQuery::parse(Some("archived"), None, Some("invited"), None, None).unwrap_err()), "status");
        assert_eq!(field_of(ListQuery::parse(None, None, None, Some("0"), None).unwrap_err()), "limit");
        assert_eq!(ListQuery::parse(None, None, Some("invited"), None, None).unwrap().portal, Some(StoredState::Invited));
    }

    #[test]
    fn a_prefix_range_holds_exactly_the_keys_that_start_with_it() {
        let r = starting_with(Some(keys::GSI1), "FIRM#f".into(), "CLIENT#hotel".into());
        for inside in ["CLIENT#hotel#1", "CLIENT#hotel group#2", "CLIENT#hotel.x#3", "CLIENT#hotelé#4"] {
            assert!(r.from.as_str() <= inside && inside <= r.to.as_str(), "{inside}");
        }
        for outside in ["CLIENT#hote#1", "CLIENT#hotem", "CLIENT#i", "ARCHIVED#hotel#1"] {
            assert!(!(r.from.as_str() <= outside && outside <= r.to.as_str()), "{outside}");
        }
        // No prefix: every key, and never the empty string DynamoDB refuses.
        let all = starting_with(Some(keys::GSI3), "FIRM#f#PORTAL#invited".into(), String::new());
        assert!(!all.from.is_empty() && all.from.as_str() <= "a" && "\u{FFFF}zz" <= all.to.as_str());
    }
}
