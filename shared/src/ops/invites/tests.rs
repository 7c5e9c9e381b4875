use super::*;
use crate::store::INVITE_ATTRIBUTES;
use time::macros::datetime;

fn link(id: &str, email: Option<&str>, accepted: bool) -> LinkRecord {
    let t = datetime!(2026-11-01 00:00 UTC);
    let client = ClientRecord::new("f", "c", "Client", t);
    let contact = crate::store::ContactRecord::sample("f", id, email, t);
    let mut l = LinkRecord::new(&client, &contact, t);
    if accepted {
        l.accepted_at = Some(t);
    }
    l
}

#[test]
fn tokens_name_their_link_carry_256_random_bits_and_are_stored_hashed() {
    let (client, contact) = (domain::new_id(), domain::new_id());
    let (a, ha) = new_token(&client, &contact).unwrap();
    let (b, _) = new_token(&client, &contact).unwrap();
    assert_eq!(a.len(), TOKEN_LEN);
    assert_ne!(a[64..], b[64..]);
    assert_eq!(token_ids(&a), Some((client, contact)));
    assert_eq!(ha, hash_token(&a));
    assert_ne!(ha, a);
    // SHA-256 of "abc"
    assert_eq!(hash_token("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // anything else names no link
    for bad in ["", "abc", &a[..127], &a.to_uppercase(), &format!("{a}0"), &"g".repeat(128)] {
        assert_eq!(token_ids(bad), None, "{bad}");
    }
    assert!(same_hash(&ha, &ha.clone()));
    assert!(!same_hash(&ha, &hash_token("other")));
    assert!(!same_hash(&ha, &ha[..63]));
}

fn by() -> By {
    By {
        actor: crate::store::ActorRef { kind: "staff".into(), id: "s".into(), name: "Sam".into() },
        origin: crate::ops::audit::Origin { ip: Some("198.51.100.7".into()), user_agent: None },
    }
}

#[test]
fn a_new_invite_replaces_the_live_link_resets_its_state_and_is_logged() {
    let t = datetime!(2026-11-02 00:00 UTC);
    let mut l = link("k1", Some("a@example.com"), false);
    l.invite_hash = Some("old".into());
    l.invited_at = Some(t);
    l.invite_delivery = Some("bounced".into());
    l.invite_attempts = 3;
    let after = invited(&l, "new", "a@example.com", t + Duration::days(30), &by(), t);
    assert_eq!(after.invite_hash.as_deref(), Some("new"));
    assert_eq!(after.invite_delivery.as_deref(), Some(DELIVERY_SENDING));
    assert_eq!(after.invite_attempts, 0);
    assert_eq!(after.past_invites.len(), 1);
    assert_eq!((after.past_invites[0].hash.as_str(), after.past_invites[0].ended), ("old", InviteEnd::Replaced));
    assert_eq!(after.invite_log.last().map(|e| (e.email.as_str(), e.ip.as_deref())), Some(("a@example.com", Some("198.51.100.7"))));
    // the memory of ended links and the log are bounded
    let mut l = after;
    for i in 0..40 {
        l = invited(&l, &format!("h{i}"), "a@example.com", t, &by(), t);
    }
    assert_eq!(l.past_invites.len(), crate::store::PAST_INVITES_KEPT);
    assert_eq!(l.invite_log.len(), INVITE_LOG_KEPT);
    assert_eq!(l.past_invites.last().map(|p| p.hash.as_str()), Some("h38"));
}

#[test]
fn an_invite_write_sets_or_removes_every_invite_attribute_and_is_conditional() {
    let store = Store::new(aws_sdk_dynamodb::Client::from_conf(aws_sdk_dynamodb::Config::builder().behavior_version_latest().build()), "t");
    let l = link("k1", Some("a@example.com"), false);
    let item =
        invite_write(&store, &invited(&l, "h", "a@example.com", datetime!(2026-12-01 00:00 UTC), &by(), datetime!(2026-11-01 00:00 UTC)), None, true, &[])
            .unwrap();
    let u = item.update().unwrap();
    let names = u.expression_attribute_names().unwrap();
    let mentioned: Vec<&String> = names.values().collect();
    for attr in INVITE_ATTRIBUTES {
        assert!(mentioned.contains(&&attr.to_string()), "{attr}");
    }
    // invite_revoked_at, invite_attempts and past_invites are unset: removed
    assert!(u.update_expression().contains(" REMOVE "));
    assert_eq!(u.condition_expression(), Some("attribute_exists(PK) AND attribute_not_exists(accepted_at) AND attribute_not_exists(#h)"));
    let undo = invite_write(&store, &l, Some("h"), false, &[]).unwrap();
    assert_eq!(undo.update().unwrap().condition_expression(), Some("attribute_exists(PK) AND #h = :expect"));
}

#[test]
fn each_contact_is_classified_on_its_own() {
    let links = vec![link("k1", Some("a@example.com"), false), link("k2", None, false), link("k3", Some("c@example.com"), true)];
    assert_eq!(classify(&links, "k1").unwrap().contact_id, "k1");
    assert_eq!(classify(&links, "k2").unwrap_err(), Outcome::MissingEmail);
    assert_eq!(classify(&links, "k3").unwrap_err(), Outcome::AlreadyActive);
    assert_eq!(classify(&links, "nope").unwrap_err(), Outcome::NotFound);
}

#[test]
fn send_input_is_checked_and_deduplicated() {
    let r = SendInput { contact_ids: Some(vec!["a".into(), "b".into(), "a".into()]), message: Some("  Hi\r\nthere ".into()), template_id: Some("".into()) }
        .parse()
        .unwrap();
    assert_eq!(r.contact_ids, ["a", "b"]);
    assert_eq!(r.message, "Hi\nthere");
    assert_eq!(r.template_id, None);
    let Err(Error::Validation(errs)) = SendInput { contact_ids: Some(vec![]), message: Some("x".repeat(2001)), template_id: None }.parse() else { panic!() };
    assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["contact_ids", "message"]);
    assert!(SendInput { contact_ids: None, message: None, template_id: None }.parse().is_err());
}

#[test]
fn outcomes_serialize_as_the_api_promises() {
    let o = ContactOutcome { contact_id: "k".into(), outcome: Outcome::MissingEmail };
    assert_eq!(serde_json::to_value(o).unwrap(), serde_json::json!({"contact_id": "k", "outcome": "missing_email"}));
    let o = ContactOutcome { contact_id: "k".into(), outcome: Outcome::Failed { reason: "r".into() } };
    assert_eq!(serde_json::to_value(o).unwrap(), serde_json::json!({"contact_id": "k", "outcome": "failed", "reason": "r"}));
}

#[test]
fn the_link_keeps_the_token_out_of_server_logs() {
    assert_eq!(create_account_url("https://portal.example.com", "t0k"), "https://portal.example.com/create-account#t0k");
}
