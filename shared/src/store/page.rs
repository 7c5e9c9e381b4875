//! One page of a list: [`Page`], the opaque [`Cursor`] that continues it, and
//! [`Store::query_page`], the read of one page of a key range.
//!
//! Why a cursor and not an offset: DynamoDB has no offset; a Query continues after a key
//! (`ExclusiveStartKey`). The cursor is that key — the key of the last item the page
//! returned (or, for a filtered page, read) — as base64url JSON, bound to the index and
//! partition it came from.
//!
//! Why the cursor is checked and not trusted: it comes back from the caller, who can write
//! anything into it. The key condition of the Query is built from the *route* (its
//! partition and sort-key range), never from the cursor, so a cursor can only say where to
//! resume inside the range the route allows. Still, a cursor of another partition, index
//! or range is refused with a 400 naming `cursor` before anything is read: AWS answers a
//! foreign start key with a `ValidationException` (which would be a 500), and a start key
//! outside the range would silently give a wrong page. A cursor carries no secret (it is a
//! key of an item the caller was shown), so it is not signed.
//!
//! Why pages can be short: a page reads at most `limit` items (for a filtered page, at most
//! `limit` × [`FILTER_READ_FACTOR`]), so a request's cost is bounded by its limit, never by
//! the size of the list. `next` is `None` only when the range is exhausted; a page can be
//! short, even empty, and still carry a `next`.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::{keys, s, Item, Store};
use crate::error::{aws, Error, Result};

/// `limit` when the caller gives none.
pub const DEFAULT_LIMIT: usize = 50;
/// The largest `limit` a caller may ask for.
pub const MAX_LIMIT: usize = 200;
/// A filtered page (a contact's view of shared items) reads at most this many times its
/// `limit` before it answers with what it found and a cursor.
pub const FILTER_READ_FACTOR: usize = 4;
/// Longer cursors are refused unread (keys are at most a few hundred bytes).
const MAX_CURSOR_LEN: usize = 2048;

/// One page of a list, as list routes answer it: `{"items": [...], "next": "…" | null}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The cursor of the next page; `None` when there is none.
    pub next: Option<String>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next: self.next }
    }

    pub fn try_map<U>(self, f: impl FnMut(T) -> Result<U>) -> Result<Page<U>> {
        Ok(Page { items: self.items.into_iter().map(f).collect::<Result<_>>()?, next: self.next })
    }
}

/// What a caller asked for: how many items and where to continue (`?limit=&cursor=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: usize,
    /// The raw cursor; decoded against the route's range by [`Store::query_page`].
    pub cursor: Option<String>,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self { limit: DEFAULT_LIMIT, cursor: None }
    }
}

impl PageRequest {
    /// From the query-string values: `limit` 1..=200 (default 50); 400 naming the field.
    pub fn parse(limit: Option<&str>, cursor: Option<&str>) -> Result<Self> {
        let limit = match limit.map(str::trim).filter(|l| !l.is_empty()) {
            None => DEFAULT_LIMIT,
            Some(l) => match l.parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => return Err(Error::field("limit", format!("must be a whole number from 1 to {MAX_LIMIT}"))),
            },
        };
        let cursor = cursor.map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
        Ok(Self { limit, cursor })
    }

    pub fn first(limit: usize) -> Self {
        Self { limit, cursor: None }
    }
}

/// Newest (highest sort key) or oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    NewestFirst,
    OldestFirst,
}

/// The key range a route may list: one partition of the table or of GSI1, sort keys
/// `from ..= to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    /// `None`: the table; `Some(GSI1)` or `Some(GSI3)`: that index.
    pub index: Option<&'static str>,
    pub pk: String,
    pub from: String,
    pub to: String,
}

impl KeyRange {
    /// The items of table partition `pk` whose sort key starts with `prefix`.
    pub fn prefix(pk: impl Into<String>, prefix: &str) -> Self {
        Self { index: None, pk: pk.into(), from: prefix.to_string(), to: keys::through(prefix) }
    }

    /// The items of GSI1 partition `pk` whose GSI1 sort key starts with `prefix`.
    pub fn gsi1_prefix(pk: impl Into<String>, prefix: &str) -> Self {
        Self { index: Some(keys::GSI1), pk: pk.into(), from: prefix.to_string(), to: keys::through(prefix) }
    }

    /// (partition attribute, sort attribute, base-table attributes a start key also needs).
    fn attributes(&self) -> (&'static str, &'static str, &'static [&'static str]) {
        match self.index {
            None => ("PK", "SK", &[]),
            Some(keys::GSI3) => ("GSI3PK", "GSI3SK", &["PK", "SK"]),
            Some(_) => ("GSI1PK", "GSI1SK", &["PK", "SK"]),
        }
    }

    fn index_tag(&self) -> &'static str {
        self.index.unwrap_or("")
    }
}

/// The position after one item of one key range (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cursor {
    /// The index (`""` for the table).
    i: String,
    /// The start key's attributes (all strings in this table).
    k: BTreeMap<String, String>,
}

fn bad_cursor(why: &str) -> Error {
    Error::field("cursor", format!("{why}; start again without a cursor"))
}

impl Cursor {
    /// The cursor after `item` (a read item or a `LastEvaluatedKey`) in `range`.
    pub(crate) fn after(range: &KeyRange, item: &Item) -> Result<Self> {
        let (p, sk, base) = range.attributes();
        let mut k = BTreeMap::new();
        for name in [p, sk].iter().chain(base) {
            match item.get(*name) {
                Some(AttributeValue::S(v)) => k.insert(name.to_string(), v.clone()),
                _ => return Err(Error::internal(format!("listed item has no string {name}"))),
            };
        }
        Ok(Self { i: range.index_tag().to_string(), k })
    }

    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).expect("a cursor serializes");
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    /// Decode `raw` and check it lies inside `range`: same index, same partition, a sort
    /// key within `from ..= to`, and exactly the key attributes that index needs.
    pub fn decode(raw: &str, range: &KeyRange) -> Result<Self> {
        if raw.len() > MAX_CURSOR_LEN {
            return Err(bad_cursor("is too long"));
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad_cursor("is not a cursor this list gave out"))?;
        let c: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad_cursor("is not a cursor this list gave out"))?;
        let (p, sk, base) = range.attributes();
        let names_ok = c.k.len() == 2 + base.len() && [p, sk].iter().chain(base).all(|n| c.k.get(*n).is_some_and(|v| !v.is_empty()));
        if c.i != range.index_tag() || !names_ok || c.k[p] != range.pk {
            return Err(bad_cursor("belongs to another list"));
        }
        let at = &c.k[sk];
        if at.as_str() < range.from.as_str() || at.as_str() > range.to.as_str() {
            return Err(bad_cursor("belongs to another list"));
        }
        Ok(c)
    }

    fn start_key(self) -> Item {
        self.k.into_iter().map(|(n, v)| (n, s(v))).collect()
    }
}

impl Store {
    /// One page of `range` in `order`: at most `req.limit` items read (one `Query` per
    /// 1 MB), strongly consistent on the table. A bad or foreign cursor is a 400 and reads
    /// nothing.
    pub async fn query_page(&self, range: &KeyRange, order: Order, req: &PageRequest) -> Result<Page<Item>> {
        self.query_page_where(range, order, req, 1, |item| Ok(Some(item.clone()))).await
    }

    /// One page of the items of `range` that `pick` turns into a `T` (`Ok(None)`: not for
    /// this caller, e.g. a file not shared with this contact): at most `req.limit` items
    /// returned and at most `req.limit × factor` read (at most `factor` calls of
    /// `req.limit` items each). When the read budget runs out first the page is short and
    /// `next` continues after the last item *read*, so a page never costs more than its
    /// bound however few items pass the filter.
    pub async fn query_page_where<T>(
        &self,
        range: &KeyRange,
        order: Order,
        req: &PageRequest,
        factor: usize,
        mut pick: impl FnMut(&Item) -> Result<Option<T>>,
    ) -> Result<Page<T>> {
        let mut start = req.cursor.as_deref().map(|c| Cursor::decode(c, range)).transpose()?.map(Cursor::start_key);
        let (p, sk, _) = range.attributes();
        let limit = req.limit.clamp(1, MAX_LIMIT);
        let mut budget = limit * factor.max(1);
        let mut items: Vec<T> = Vec::new();
        loop {
            let mut q = self
                .db()
                .await
                .query()
                .table_name(self.table())
                .scan_index_forward(order == Order::OldestFirst)
                .limit(limit.min(budget) as i32)
                .key_condition_expression(format!("{p} = :pk AND {sk} BETWEEN :a AND :b"))
                .expression_attribute_values(":pk", s(&range.pk))
                .expression_attribute_values(":a", s(&range.from))
                .expression_attribute_values(":b", s(&range.to))
                .set_exclusive_start_key(start.take());
            q = match range.index {
                Some(ix) => q.index_name(ix),
                None => q.consistent_read(true),
            };
            let out = q.send().await.map_err(aws)?;
            let read = out.items.unwrap_or_default();
            let more = out.last_evaluated_key.as_ref().is_some_and(|k| !k.is_empty());
            budget = budget.saturating_sub(read.len());
            let n = read.len();
            for (i, item) in read.iter().enumerate() {
                if let Some(v) = pick(item)? {
                    items.push(v);
                    if items.len() == limit {
                        // Full: continue after this item (any skipped after it are read
                        // again); no next page if it was the range's last item.
                        let next = if more || i + 1 < n { Some(Cursor::after(range, item)?.encode()) } else { None };
                        return Ok(Page { items, next });
                    }
                }
            }
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => {
                    if budget == 0 {
                        return Ok(Page { items, next: Some(Cursor::after(range, &k)?.encode()) });
                    }
                    start = Some(k);
                }
                _ => return Ok(Page { items, next: None }),
            }
        }
    }
}

impl Store {
    /// One page of a `Scan` of the whole table, from `start`, and where the next page
    /// starts: only for an operator's job over a stage (`ops::backfill`), never a request.
    pub async fn scan_page(&self, start: Option<Item>) -> Result<(Vec<Item>, Option<Item>)> {
        let out = self.db().await.scan().table_name(self.table()).consistent_read(true).limit(1000).set_exclusive_start_key(start).send().await.map_err(aws)?;
        Ok((out.items.unwrap_or_default(), out.last_evaluated_key.filter(|k| !k.is_empty())))
    }

    /// Every item of `range`, in key order, every page: only for ranges bounded by what the
    /// caller returns or counts (a client's open work), never for a growing collection.
    pub async fn query_range_all(&self, range: &KeyRange) -> Result<Vec<Item>> {
        let (p, sk, _) = range.attributes();
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut q = self
                .db()
                .await
                .query()
                .table_name(self.table())
                .key_condition_expression(format!("{p} = :pk AND {sk} BETWEEN :a AND :b"))
                .expression_attribute_values(":pk", s(&range.pk))
                .expression_attribute_values(":a", s(&range.from))
                .expression_attribute_values(":b", s(&range.to))
                .set_exclusive_start_key(start.take());
            q = match range.index {
                Some(ix) => q.index_name(ix),
                None => q.consistent_read(true),
            };
            let page = q.send().await.map_err(aws)?;
            out.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(out),
            }
        }
    }
}

/// The sort key a cursor continues after, checked against `range` (e.g. to know the time
/// of a history page's upper end).
pub fn cursor_position(raw: &str, range: &KeyRange) -> Result<String> {
    let c = Cursor::decode(raw, range)?;
    let (_, sk, _) = range.attributes();
    Ok(c.k[sk].clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(pairs: &[(&str, &str)]) -> Item {
        pairs.iter().map(|(k, v)| (k.to_string(), s(*v))).collect()
    }

    fn field_of(e: Error) -> String {
        match e {
            Error::Validation(f) => f[0].field.clone(),
            other => panic!("expected a 400 naming a field, got {other:?}"),
        }
    }

    fn files(client: &str) -> KeyRange {
        KeyRange::prefix(keys::client(client), keys::prefix::FILE)
    }

    #[test]
    fn a_cursor_round_trips_to_the_start_key() {
        let range = files("a");
        let it = item(&[("PK", "CLIENT#a"), ("SK", "FILE#f1"), ("name", "x.pdf")]);
        let raw = Cursor::after(&range, &it).unwrap().encode();
        assert!(raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "URL-safe: {raw}");
        let key = Cursor::decode(&raw, &range).unwrap().start_key();
        assert_eq!(key, item(&[("PK", "CLIENT#a"), ("SK", "FILE#f1")]), "only the key, not the item's other attributes");
    }

    #[test]
    fn a_gsi_cursor_carries_the_table_key_too() {
        let range = KeyRange::gsi1_prefix(keys::firm("f"), keys::prefix::CLIENT);
        let it = item(&[("PK", "CLIENT#c"), ("SK", "CLIENT"), ("GSI1PK", "FIRM#f"), ("GSI1SK", "CLIENT#acme#c")]);
        let raw = Cursor::after(&range, &it).unwrap().encode();
        assert_eq!(Cursor::decode(&raw, &range).unwrap().start_key().len(), 4);
        // The same position is no cursor of the table, nor of another firm's list.
        assert_eq!(field_of(Cursor::decode(&raw, &KeyRange::prefix(keys::firm("f"), keys::prefix::CLIENT)).unwrap_err()), "cursor");
        assert_eq!(field_of(Cursor::decode(&raw, &KeyRange::gsi1_prefix(keys::firm("g"), keys::prefix::CLIENT)).unwrap_err()), "cursor");
    }

    #[test]
    fn a_cursor_of_partition_a_is_refused_for_partition_b() {
        let raw = Cursor::after(&files("a"), &item(&[("PK", "CLIENT#a"), ("SK", "FILE#f1")])).unwrap().encode();
        assert_eq!(field_of(Cursor::decode(&raw, &files("b")).unwrap_err()), "cursor");
    }

    #[test]
    fn a_cursor_outside_the_range_is_refused() {
        // Same partition, another kind of item (the audit trail sorts before files).
        let raw = Cursor::after(&files("a"), &item(&[("PK", "CLIENT#a"), ("SK", "AUDIT#2026")])).unwrap().encode();
        assert_eq!(field_of(Cursor::decode(&raw, &files("a")).unwrap_err()), "cursor");
        let raw = Cursor::after(&files("a"), &item(&[("PK", "CLIENT#a"), ("SK", "INVOICE#1")])).unwrap().encode();
        assert_eq!(field_of(Cursor::decode(&raw, &files("a")).unwrap_err()), "cursor");
    }

    #[test]
    fn tampered_or_garbage_cursors_are_a_400_naming_cursor() {
        let range = files("a");
        let enc = |j: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(j);
        for raw in [
            "garbage!".to_string(),
            "%%%".to_string(),
            enc("not json"),
            enc(r#"{"i":"","k":{"PK":"CLIENT#a"}}"#),
            enc(r#"{"i":"","k":{"PK":"CLIENT#a","SK":"FILE#1","X":"y"}}"#),
            enc(r#"{"i":"","k":{"PK":"CLIENT#a","SK":""}}"#),
            enc(r#"{"i":"GSI1","k":{"PK":"CLIENT#a","SK":"FILE#1"}}"#),
            enc(r#"{"i":"","k":{"PK":"CLIENT#a","SK":"FILE#1"},"extra":1}"#),
            "A".repeat(MAX_CURSOR_LEN + 1),
        ] {
            assert_eq!(field_of(Cursor::decode(&raw, &range).unwrap_err()), "cursor", "{raw}");
        }
        // The untampered form of the same is accepted.
        assert!(Cursor::decode(&enc(r#"{"i":"","k":{"PK":"CLIENT#a","SK":"FILE#1"}}"#), &range).is_ok());
    }

    #[test]
    fn limit_defaults_to_50_and_is_bounded() {
        assert_eq!(PageRequest::parse(None, None).unwrap(), PageRequest { limit: 50, cursor: None });
        assert_eq!(PageRequest::parse(Some(""), Some(" ")).unwrap(), PageRequest { limit: 50, cursor: None });
        assert_eq!(PageRequest::parse(Some("1"), Some("abc")).unwrap(), PageRequest { limit: 1, cursor: Some("abc".into()) });
        assert_eq!(PageRequest::parse(Some("200"), None).unwrap().limit, 200);
        for bad in ["0", "201", "-1", "ten", "1.5", "99999999999999999999999"] {
            assert_eq!(field_of(PageRequest::parse(Some(bad), None).unwrap_err()), "limit", "{bad}");
        }
    }

    #[test]
    fn pages_map_their_items_and_keep_the_cursor() {
        let p = Page { items: vec![1, 2], next: Some("c".to_string()) };
        assert_eq!(p.clone().map(|i| i * 10), Page { items: vec![10, 20], next: Some("c".into()) });
        assert_eq!(serde_json::to_value(Page::<u8> { items: vec![], next: None }).unwrap(), serde_json::json!({"items": [], "next": null}));
    }
}
