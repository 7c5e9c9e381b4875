//! `portal-admin backfill-indexes`: the index keys of items stored before their index
//! existed.
//!
//! Four things arrived after a stage already had data: a contact link's portal state (GSI3
//! `FIRM#f#PORTAL#<state>`, the clients list's filter), a client's open work (GSI3
//! `CLIENT#c#OPEN`: Home's counts and the billing balance), a client's threads by last
//! activity (GSI3 `CLIENT#c#ACTIVE`: Home's unread count) and the item that holds an
//! invoice number in its client. Every write of the functions sets them now; an item no
//! function has written since has none, and is missing from those reads — an open request
//! not on Home, an unpaid invoice not in the balance. This fills them in.
//!
//! It is an operator's job, run once per stage after the deploy that brings the keys
//! (`infra/README.md`): one `Scan` of the table, page by page, never a request's path.
//! Each fix is one conditional write: the item must still lack the key and still be in the
//! state that was read (the request's or form's version, the invoice's amount paid, the
//! thread's message count, the link's invite and sign-in attributes and client name), so
//! a portal write in between wins and is counted, never overwritten. Run again, it changes
//! nothing.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::store::tx::Change;
use crate::store::{keys, s, ClientItem, InvoiceRecord, Item, Store};

/// What a run found and did.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct BackfillReport {
    pub scanned: u64,
    /// Links given their portal-state keys.
    pub links: u64,
    /// Requests, forms and invoices put into their client's open work.
    pub open_work: u64,
    /// Threads put into their client's threads by activity.
    pub threads: u64,
    /// Invoice-number guards written.
    pub invoice_numbers: u64,
    /// Invoices whose number another invoice of the same client already holds
    /// (`<client>/<number>`): written before numbers were guarded; left as they are.
    pub duplicate_invoice_numbers: Vec<String>,
    /// Items the portal changed between the scan and the fix (its write set the keys).
    pub changed_meanwhile: u64,
}

impl std::fmt::Display for BackfillReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "scanned {} items", self.scanned)?;
        writeln!(f, "contact links given their portal state: {}", self.links)?;
        writeln!(f, "open requests, forms and invoices indexed: {}", self.open_work)?;
        writeln!(f, "threads indexed by activity: {}", self.threads)?;
        writeln!(f, "invoice numbers guarded: {}", self.invoice_numbers)?;
        writeln!(f, "changed by the portal meanwhile (left to it): {}", self.changed_meanwhile)?;
        if self.duplicate_invoice_numbers.is_empty() {
            write!(f, "duplicate invoice numbers: none")
        } else {
            write!(f, "duplicate invoice numbers (left as they are): {}", self.duplicate_invoice_numbers.join(", "))
        }
    }
}

/// A fix: `SET` the two GSI3 keys, when the item still lacks them and `state` (a condition
/// on what was read) still holds.
struct Fix {
    pk: String,
    sk: String,
    gsi3: (String, String),
    state: String,
    values: Vec<(&'static str, AttributeValue)>,
}

/// Which counter of the report a fix adds to.
type Counter = fn(&mut BackfillReport) -> &mut u64;

/// The fix an item needs, and the report counter it adds to; `None` when it needs none.
fn fix_for(item: ClientItem) -> Option<(Fix, Counter)> {
    let n = |v: u64| AttributeValue::N(v.to_string());
    match item {
        ClientItem::Link(l) if l.gsi3pk.is_none() => {
            let l = l.with_state_keys();
            let mut state = vec!["client_name = :name".to_string()];
            for (attr, present) in
                [("accepted_at", l.accepted_at.is_some()), ("access_revoked_at", l.access_revoked_at.is_some()), ("invite_hash", l.invite_hash.is_some())]
            {
                state.push(format!("attribute_{}exists({attr})", if present { "" } else { "not_" }));
            }
            let fix =
                Fix { gsi3: (l.gsi3pk.clone()?, l.gsi3sk.clone()?), pk: l.pk, sk: l.sk, state: state.join(" AND "), values: vec![(":name", s(l.client_name))] };
            Some((fix, |r| &mut r.links))
        }
        ClientItem::Request(r) if r.gsi3pk.is_none() => {
            let (version, r) = (r.version, r.with_open_keys());
            let fix = Fix { gsi3: (r.gsi3pk?, r.gsi3sk?), pk: r.pk, sk: r.sk, state: "version = :v".into(), values: vec![(":v", n(version))] };
            Some((fix, |r| &mut r.open_work))
        }
        ClientItem::Form(f) if f.gsi3pk.is_none() => {
            let (version, f) = (f.version, f.with_open_keys());
            let fix = Fix { gsi3: (f.gsi3pk?, f.gsi3sk?), pk: f.pk, sk: f.sk, state: "version = :v".into(), values: vec![(":v", n(version))] };
            Some((fix, |r| &mut r.open_work))
        }
        ClientItem::Invoice(i) if i.gsi3pk.is_none() => {
            let i = i.with_open_keys();
            let fix = Fix {
                gsi3: (i.gsi3pk?, i.gsi3sk?),
                state: "amount_paid = :p".into(),
                values: vec![(":p", AttributeValue::N(i.amount_paid.to_string()))],
                pk: i.pk,
                sk: i.sk,
            };
            Some((fix, |r| &mut r.open_work))
        }
        ClientItem::Thread(t) if t.gsi3pk.is_none() => {
            let count = t.message_count;
            let t = t.with_activity_keys();
            let fix = Fix { gsi3: (t.gsi3pk?, t.gsi3sk?), pk: t.pk, sk: t.sk, state: "message_count = :n".into(), values: vec![(":n", n(u64::from(count)))] };
            Some((fix, |r| &mut r.threads))
        }
        _ => None,
    }
}

/// The invoice-number guard of an invoice, as `ops::billing::create_invoice` writes it.
#[derive(Serialize)]
struct NumberGuard<'a> {
    #[serde(rename = "PK")]
    pk: &'a str,
    #[serde(rename = "SK")]
    sk: String,
    invoice_id: &'a str,
}

#[derive(serde::Deserialize)]
struct StoredGuard {
    invoice_id: String,
}

async fn guard_number(store: &Store, invoice: &InvoiceRecord, report: &mut BackfillReport) -> Result<()> {
    let guard = NumberGuard { pk: &invoice.pk, sk: keys::invoice_number(&invoice.number), invoice_id: &invoice.invoice_id };
    if store.put_new(&guard).await? {
        report.invoice_numbers += 1;
    } else if store.get::<StoredGuard>(guard.pk, &guard.sk).await?.is_some_and(|g| g.invoice_id != invoice.invoice_id) {
        report.duplicate_invoice_numbers.push(format!("{}/{}", invoice.client_id, invoice.number));
    }
    Ok(())
}

/// Scan the table and fill in what is missing (see the module docs).
pub async fn backfill_indexes(store: &Store) -> Result<BackfillReport> {
    let mut report = BackfillReport::default();
    let mut start: Option<Item> = None;
    loop {
        let (items, next) = store.scan_page(start.take()).await?;
        for item in items {
            report.scanned += 1;
            let in_client = matches!(item.get("PK"), Some(AttributeValue::S(pk)) if pk.starts_with(keys::prefix::CLIENT));
            if !in_client {
                continue;
            }
            let Some(decoded) = ClientItem::decode(item)? else { continue };
            if let ClientItem::Invoice(i) = &decoded {
                guard_number(store, i, &mut report).await?;
            }
            let Some((fix, counter)) = fix_for(decoded) else { continue };
            let change = Change::new()
                .set("GSI3PK", s(fix.gsi3.0))
                .set("GSI3SK", s(fix.gsi3.1))
                .when(&format!("attribute_exists(PK) AND attribute_not_exists(GSI3PK) AND {}", fix.state), fix.values)
                .on(store.table(), &fix.pk, &fix.sk)?;
            match store.transact(vec![change], |_| Error::Conflict("changed meanwhile".into())).await {
                Ok(()) => *counter(&mut report) += 1,
                Err(Error::Conflict(_)) => report.changed_meanwhile += 1,
                Err(e) => return Err(e),
            }
        }
        match next {
            Some(k) => start = Some(k),
            None => return Ok(report),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ClientRecord, ContactRecord, LinkRecord};
    use time::macros::datetime;

    fn link() -> LinkRecord {
        let t = datetime!(2026-11-28 10:00 UTC);
        LinkRecord::new(&ClientRecord::new("f1", "c1", "Acme LLC", t), &ContactRecord::sample("f1", "k1", None, t), t)
    }

    #[test]
    fn a_link_without_keys_gets_its_state_and_the_condition_pins_what_decided_it() {
        let mut link = link();
        link.gsi3pk = None;
        link.gsi3sk = None;
        link.invite_hash = Some("h".into());
        let (fix, _) = fix_for(ClientItem::Link(Box::new(link))).expect("a fix");
        assert_eq!(fix.gsi3, ("FIRM#f1#PORTAL#invited".to_string(), "acme llc#c1#k1".to_string()));
        assert_eq!(
            fix.state,
            "client_name = :name AND attribute_not_exists(accepted_at) AND attribute_not_exists(access_revoked_at) AND attribute_exists(invite_hash)"
        );
    }

    #[test]
    fn items_that_have_their_keys_or_are_closed_need_nothing() {
        let keyed = link();
        assert!(keyed.gsi3pk.is_some());
        assert!(fix_for(ClientItem::Link(Box::new(keyed))).is_none());
    }
}
