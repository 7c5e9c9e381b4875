//! Delivery state of invite emails, from SES event publishing (configuration set → SNS →
//! `email-events`).
//!
//! The status of an invited contact shows what happened to the last invite email — sent,
//! delivered, bounced, complained — so staff fix a wrong address instead of waiting for a
//! login that will never come. Only the contact's *current* invite is updated (the
//! message points at its link hash), and a delivery report never hides an earlier bounce
//! or complaint.

use std::collections::HashMap;

use serde::Deserialize;

use crate::error::{Error, Result};
use aws_sdk_dynamodb::types::AttributeValue;

use crate::store::tx::Change;
use crate::store::{keys, s, Item, Store, DELIVERY_BOUNCED, DELIVERY_COMPLAINED, DELIVERY_DELIVERED, DELIVERY_SENDING, DELIVERY_SENT};

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
    /// The message's tags, each name with its values (SES adds its own `ses:*` tags).
    #[serde(default)]
    tags: HashMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct SesBounce {
    #[serde(rename = "bounceType")]
    bounce_type: String,
}

/// Which invite an email carried: the tags `invites::send_invites` put on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteRef {
    pub client_id: String,
    pub contact_id: String,
    pub invite_hash: String,
}

/// `(invite, delivery state)` from an SES event, or `None` for events that do not change
/// what staff should see (open, click, a transient bounce SES retries by itself) and for
/// emails that are not invites.
pub fn parse(message: &str) -> Option<(InviteRef, &'static str)> {
    let ev: SesEvent = serde_json::from_str(message).ok()?;
    let state = match ev.event_type.as_str() {
        "Send" => DELIVERY_SENT,
        "Delivery" => DELIVERY_DELIVERED,
        "Bounce" if ev.bounce.as_ref().is_some_and(|b| b.bounce_type == "Transient") => return None,
        "Bounce" | "Reject" => DELIVERY_BOUNCED,
        "Complaint" => DELIVERY_COMPLAINED,
        _ => return None,
    };
    let tag = |name: &str| ev.mail.tags.get(name).and_then(|v| v.first()).cloned();
    Some((InviteRef { client_id: tag("client")?, contact_id: tag("contact")?, invite_hash: tag("invite")? }, state))
}

/// Record a delivery state on the contact's link, only while the invite is still its live
/// one. `Ok(false)` when there is nothing to update: a replaced or revoked invite, a link
/// gone, or a report that arrived out of order (`sent` after `delivered`, or anything
/// after a bounce or complaint — those are never hidden).
pub async fn record(store: &Store, invite: &InviteRef, state: &str) -> Result<bool> {
    let mut values = Item::from([(":h".to_string(), s(invite.invite_hash.clone()))]);
    let condition = match state {
        DELIVERY_SENT => {
            values.insert(":sending".into(), s(DELIVERY_SENDING));
            "invite_hash = :h AND invite_delivery = :sending"
        }
        DELIVERY_DELIVERED => {
            values.insert(":sending".into(), s(DELIVERY_SENDING));
            values.insert(":sent".into(), s(DELIVERY_SENT));
            "invite_hash = :h AND (attribute_not_exists(invite_delivery) OR invite_delivery IN (:sending, :sent))"
        }
        _ => "invite_hash = :h",
    };
    let conditions: Vec<(&str, AttributeValue)> = values.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let item = Change::new().set("invite_delivery", s(state)).when(condition, conditions).on(
        store.table(),
        &keys::client(&invite.client_id),
        &keys::contact(&invite.contact_id),
    )?;
    match store.transact(vec![item], |_| Error::Conflict("stale".into())).await {
        Ok(()) => Ok(true),
        Err(Error::Conflict(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAGS: &str = r#""tags":{"ses:configuration-set":["portal"],"client":["c-1"],"contact":["k-1"],"invite":["h-1"]}"#;

    fn invite() -> InviteRef {
        InviteRef { client_id: "c-1".into(), contact_id: "k-1".into(), invite_hash: "h-1".into() }
    }

    #[test]
    fn ses_events_map_to_what_staff_see() {
        let ev = |t: &str, extra: &str| format!(r#"{{"eventType":"{t}","mail":{{"messageId":"m-1",{TAGS}}}{extra}}}"#);
        assert_eq!(parse(&ev("Send", "")), Some((invite(), "sent")));
        assert_eq!(parse(&ev("Delivery", "")), Some((invite(), "delivered")));
        assert_eq!(parse(&ev("Bounce", r#","bounce":{"bounceType":"Permanent"}"#)), Some((invite(), "bounced")));
        assert_eq!(parse(&ev("Bounce", r#","bounce":{"bounceType":"Transient"}"#)), None);
        assert_eq!(parse(&ev("Complaint", "")), Some((invite(), "complained")));
        assert_eq!(parse(&ev("Open", "")), None);
        assert_eq!(parse("not json"), None);
        // an email that is not an invite (no tags of ours) changes nothing
        assert_eq!(parse(r#"{"eventType":"Delivery","mail":{"messageId":"m-1","tags":{"ses:configuration-set":["portal"]}}}"#), None);
        // the older notification format names the type differently
        let old = format!(r#"{{"notificationType":"Bounce","mail":{{"messageId":"m-2",{TAGS}}},"bounce":{{"bounceType":"Permanent"}}}}"#);
        assert_eq!(parse(&old), Some((invite(), "bounced")));
    }

    #[test]
    fn the_sample_events_parse() {
        let dir = crate::testing_root().join("events/email-events");
        let mut seen = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let sns: serde_json::Value = serde_json::from_str(&text).unwrap();
            let message = sns["Records"][0]["Sns"]["Message"].as_str().unwrap();
            seen.push(parse(message).expect("a sample names its invite by tags").1);
        }
        seen.sort();
        assert_eq!(seen, ["bounced", "complained", "delivered", "sent"]);
    }
}
