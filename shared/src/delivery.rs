//! Delivery state of invite emails, from SES event publishing (configuration set → SNS →
//! `email-events`).
//!
//! The status of an invited contact shows what happened to the last invite email — sent,
//! delivered, bounced, complained — so staff fix a wrong address instead of waiting for a
//! login that will never come. Only the contact's *current* invite is updated (the
//! message points at its link hash), and a delivery report never hides an earlier bounce
//! or complaint.

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::store::{keys, s, tx, Item, MessageRecord, Store, DELIVERY_BOUNCED, DELIVERY_COMPLAINED, DELIVERY_DELIVERED, DELIVERY_SENT};

#[derive(Debug, Deserialize)]
struct SesEvent {
    #[serde(alias = "notificationType", rename = "eventType")]
    event_type: String,
    mail: SesMail,
    #[serde(default)]
    bounce: Option<SesBounce>,
}

#[derive(Debug, Deserialize)]
struct SesMail {
    #[serde(rename = "messageId")]
    message_id: String,
}

#[derive(Debug, Deserialize)]
struct SesBounce {
    #[serde(rename = "bounceType")]
    bounce_type: String,
}

/// `(message id, delivery state)` from an SES event, or `None` for events that do not
/// change what staff should see (send, open, a transient bounce SES retries by itself).
pub fn parse(message: &str) -> Option<(String, &'static str)> {
    let ev: SesEvent = serde_json::from_str(message).ok()?;
    let state = match ev.event_type.as_str() {
        "Delivery" => DELIVERY_DELIVERED,
        "Bounce" if ev.bounce.as_ref().is_some_and(|b| b.bounce_type == "Transient") => return None,
        "Bounce" | "Reject" => DELIVERY_BOUNCED,
        "Complaint" => DELIVERY_COMPLAINED,
        _ => return None,
    };
    Some((ev.mail.message_id, state))
}

/// Record a delivery state for the invite the message carried. `Ok(false)` when there is
/// nothing to update (not an invite, a replaced invite, or a delivery after a bounce).
pub async fn record(store: &Store, message_id: &str, state: &str) -> Result<bool> {
    let Some(msg) = store.get::<MessageRecord>(&keys::message(message_id), keys::MESSAGE_SK).await? else {
        return Ok(false);
    };
    let mut values = Item::from([(":st".to_string(), s(state)), (":h".to_string(), s(msg.token_hash.clone()))]);
    let condition = if state == DELIVERY_DELIVERED {
        values.insert(":sent".into(), s(DELIVERY_SENT));
        "invite_hash = :h AND (attribute_not_exists(invite_delivery) OR invite_delivery = :sent)"
    } else {
        "invite_hash = :h"
    };
    let item = tx::update(store.table(), &keys::client(&msg.client_id), &keys::contact(&msg.contact_id), "SET invite_delivery = :st", condition, values, Default::default())?;
    match store.transact(vec![item], |_| Error::Conflict("stale".into())).await {
        Ok(()) => Ok(true),
        Err(Error::Conflict(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ses_events_map_to_what_staff_see() {
        let ev = |t: &str, extra: &str| format!(r#"{{"eventType":"{t}","mail":{{"messageId":"m-1"}}{extra}}}"#);
        assert_eq!(parse(&ev("Delivery", "")), Some(("m-1".into(), "delivered")));
        assert_eq!(parse(&ev("Bounce", r#","bounce":{"bounceType":"Permanent"}"#)), Some(("m-1".into(), "bounced")));
        assert_eq!(parse(&ev("Bounce", r#","bounce":{"bounceType":"Transient"}"#)), None);
        assert_eq!(parse(&ev("Complaint", "")), Some(("m-1".into(), "complained")));
        assert_eq!(parse(&ev("Send", "")), None);
        assert_eq!(parse("not json"), None);
        // the older notification format names the type differently
        assert_eq!(parse(r#"{"notificationType":"Bounce","mail":{"messageId":"m-2"},"bounce":{"bounceType":"Permanent"}}"#), Some(("m-2".into(), "bounced")));
    }

    #[test]
    fn the_sample_events_parse() {
        let dir = crate::testing_root().join("events/email-events");
        let mut seen = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let sns: serde_json::Value = serde_json::from_str(&text).unwrap();
            let message = sns["Records"][0]["Sns"]["Message"].as_str().unwrap();
            seen.push(parse(message).unwrap().1);
        }
        seen.sort();
        assert_eq!(seen, ["bounced", "complained", "delivered"]);
    }
}
