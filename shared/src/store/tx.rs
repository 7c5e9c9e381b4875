//! Builders for the parts of a transaction: every write the operations make goes through
//! these, so conditions and expressions are spelled in one place.

use super::*;
use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, Update};

fn built<T, E: std::fmt::Display>(r: std::result::Result<T, E>) -> Result<T> {
    r.map_err(Error::internal)
}

pub fn put_new<T: Serialize>(table: &str, value: &T) -> Result<TransactWriteItem> {
    let put = built(Put::builder().table_name(table).set_item(Some(to_item(value)?)).condition_expression("attribute_not_exists(PK)").build())?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// Put an item when `condition` holds for what is stored under its key (e.g. "absent, or
/// expired": `attribute_not_exists(PK) OR expires_at < :now`).
pub fn put_when<T: Serialize>(table: &str, value: &T, condition: &str, values: Vec<(&str, AttributeValue)>) -> Result<TransactWriteItem> {
    let mut b = Put::builder().table_name(table).set_item(Some(to_item(value)?)).condition_expression(condition);
    for (k, v) in values {
        b = b.expression_attribute_values(k, v);
    }
    Ok(TransactWriteItem::builder().put(built(b.build())?).build())
}

/// Delete an item only when `condition` holds (e.g. "it is still our claim").
pub fn delete_when(table: &str, pk: &str, sk: &str, condition: &str, values: Vec<(&str, AttributeValue)>) -> Result<TransactWriteItem> {
    let mut b = Delete::builder().table_name(table).set_key(Some(key(pk, sk))).condition_expression(condition);
    for (k, v) in values {
        b = b.expression_attribute_values(k, v);
    }
    Ok(TransactWriteItem::builder().delete(built(b.build())?).build())
}

pub fn delete(table: &str, pk: &str, sk: &str) -> Result<TransactWriteItem> {
    let d = built(Delete::builder().table_name(table).set_key(Some(key(pk, sk))).build())?;
    Ok(TransactWriteItem::builder().delete(d).build())
}

/// A condition on another item, e.g. "the client exists and belongs to this firm".
pub fn check(table: &str, pk: &str, sk: &str, condition: &str, values: Vec<(&str, AttributeValue)>) -> Result<TransactWriteItem> {
    let mut b = ConditionCheck::builder().table_name(table).set_key(Some(key(pk, sk))).condition_expression(condition);
    for (k, v) in values {
        b = b.expression_attribute_values(k, v);
    }
    Ok(TransactWriteItem::builder().condition_check(built(b.build())?).build())
}

/// `SET`/`REMOVE` update with a condition.
pub fn update(table: &str, pk: &str, sk: &str, expression: &str, condition: &str, values: Item, names: HashMap<String, String>) -> Result<TransactWriteItem> {
    let b = Update::builder()
        .table_name(table)
        .set_key(Some(key(pk, sk)))
        .update_expression(expression)
        .condition_expression(condition)
        .set_expression_attribute_values((!values.is_empty()).then_some(values))
        .set_expression_attribute_names((!names.is_empty()).then_some(names));
    Ok(TransactWriteItem::builder().update(built(b.build())?).build())
}

/// Replace an item only if it is still at the `version` that was read (optimistic
/// concurrency: `value` carries `version + 1`). The caller's transaction fails its
/// condition when someone saved in between.
pub fn put_versioned<T: Serialize>(table: &str, value: &T, version: u64) -> Result<TransactWriteItem> {
    let put = built(
        Put::builder()
            .table_name(table)
            .set_item(Some(to_item(value)?))
            .condition_expression("version = :v")
            .expression_attribute_values(":v", AttributeValue::N(version.to_string()))
            .build(),
    )?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// An update written as what it sets and removes; attribute names and values get their
/// placeholders here, so no operation spells an expression by hand.
#[derive(Debug, Default)]
pub struct Change {
    set: Vec<(String, AttributeValue)>,
    add: Vec<(String, AttributeValue)>,
    remove: Vec<String>,
    condition: Option<String>,
    condition_values: Vec<(String, AttributeValue)>,
}

impl Change {
    pub fn new() -> Self {
        Self::default()
    }

    /// `SET attr = value` (a top-level attribute, or `map.key` for one key of a map).
    pub fn set(mut self, attr: &str, value: AttributeValue) -> Self {
        self.set.push((attr.to_string(), value));
        self
    }

    /// `ADD attr value`: a number added to (or first set at) the attribute.
    pub fn add(mut self, attr: &str, value: AttributeValue) -> Self {
        self.add.push((attr.to_string(), value));
        self
    }

    /// `REMOVE attr`.
    pub fn remove(mut self, attr: &str) -> Self {
        self.remove.push(attr.to_string());
        self
    }

    /// `SET attr = value` when `Some`, `REMOVE attr` when `None`.
    pub fn set_or_remove(self, attr: &str, value: Option<AttributeValue>) -> Self {
        match value {
            Some(v) => self.set(attr, v),
            None => self.remove(attr),
        }
    }

    /// The condition the item must meet, with `#attr` for attribute names (any `#word` is an
    /// attribute named `word`) and `:name` values given here.
    pub fn when(mut self, condition: &str, values: Vec<(&str, AttributeValue)>) -> Self {
        self.condition = Some(condition.to_string());
        self.condition_values = values.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        self
    }

    /// The condition given to [`Change::when`], if any.
    pub fn condition(&self) -> Option<&str> {
        self.condition.as_deref()
    }

    /// The update expression, its names and its values (placeholders `#n0`, `:v0`, …).
    pub fn expression(&self) -> (String, HashMap<String, String>, Item) {
        let mut names = HashMap::new();
        let mut values = Item::new();
        let name_of = |attr: &str, names: &mut HashMap<String, String>| -> String {
            attr.split('.')
                .map(|part| {
                    let key = format!("#n{}", names.len());
                    names.insert(key.clone(), part.to_string());
                    key
                })
                .collect::<Vec<_>>()
                .join(".")
        };
        let mut parts = Vec::new();
        if !self.set.is_empty() {
            let sets: Vec<String> = self
                .set
                .iter()
                .enumerate()
                .map(|(i, (attr, v))| {
                    values.insert(format!(":v{i}"), v.clone());
                    format!("{} = :v{i}", name_of(attr, &mut names))
                })
                .collect();
            parts.push(format!("SET {}", sets.join(", ")));
        }
        if !self.add.is_empty() {
            let offset = self.set.len();
            let adds: Vec<String> = self
                .add
                .iter()
                .enumerate()
                .map(|(i, (attr, v))| {
                    values.insert(format!(":v{}", offset + i), v.clone());
                    format!("{} :v{}", name_of(attr, &mut names), offset + i)
                })
                .collect();
            parts.push(format!("ADD {}", adds.join(", ")));
        }
        if !self.remove.is_empty() {
            let removes: Vec<String> = self.remove.iter().map(|attr| name_of(attr, &mut names)).collect();
            parts.push(format!("REMOVE {}", removes.join(", ")));
        }
        for (k, v) in &self.condition_values {
            values.insert(k.clone(), v.clone());
        }
        if let Some(c) = &self.condition {
            for word in c.split(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '#')) {
                if let Some(attr) = word.strip_prefix('#') {
                    names.insert(word.to_string(), attr.to_string());
                }
            }
        }
        (parts.join(" "), names, values)
    }

    /// The change as one item of a transaction, on the item `pk`/`sk` of `table`.
    pub fn on(self, table: &str, pk: &str, sk: &str) -> Result<TransactWriteItem> {
        let (expression, names, values) = self.expression();
        let condition = self.condition.as_deref().unwrap_or("attribute_exists(PK)");
        update(table, pk, sk, &expression, condition, values, names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_spells_its_own_expression() {
        let c = Change::new()
            .set("last_login_at", s("2026-12-01T00:00:00Z"))
            .set("read.k1", AttributeValue::N("3".into()))
            .remove("expires_at")
            .add("attempts", AttributeValue::N("1".into()))
            .when("#status = :pending", vec![(":pending", s("pending"))]);
        let (expr, names, values) = c.expression();
        assert_eq!(expr, "SET #n0 = :v0, #n1.#n2 = :v1 ADD #n3 :v2 REMOVE #n4");
        assert_eq!(names["#n0"], "last_login_at");
        assert_eq!((names["#n1"].as_str(), names["#n2"].as_str()), ("read", "k1"));
        assert_eq!((names["#n3"].as_str(), names["#n4"].as_str()), ("attempts", "expires_at"));
        assert_eq!(values[":v2"], AttributeValue::N("1".into()));
        assert_eq!(names["#status"], "status");
        assert_eq!(values[":v1"], AttributeValue::N("3".into()));
        assert_eq!(values[":pending"], s("pending"));
    }

    #[test]
    fn set_or_remove_follows_the_value() {
        let (expr, _, _) = Change::new().set_or_remove("a", None).set_or_remove("b", Some(s("x"))).expression();
        assert_eq!(expr, "SET #n0 = :v0 REMOVE #n1");
    }
}
