use super::*;
use crate::domain::identity::Actor;
use crate::ops::access::{viewer_from_partition, Viewer};
use crate::ops::audit::Origin;
use crate::ops::clients::ListStatus;
use crate::store::{keys, ActorRef, ContactRecord};
use time::macros::datetime;

const T: OffsetDateTime = datetime!(2026-11-28 10:00 UTC);

fn client() -> ClientRecord {
    ClientRecord::new("f1", "c1", "Acme LLC", T)
}

fn link(client: &ClientRecord, contact_id: &str) -> LinkRecord {
    let mut l = LinkRecord::new(client, &ContactRecord::sample("f1", contact_id, Some("ana@example.com"), T), T);
    l.accepted_at = Some(T);
    l
}

fn by() -> By {
    By {
        actor: ActorRef { kind: "staff".into(), id: "s1".into(), name: "Sam".into() },
        origin: Origin { ip: Some("203.0.113.7".into()), user_agent: Some("UA".into()) },
    }
}

/// Builds transaction items only; never called.
fn offline_store() -> Store {
    let sdk = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url("http://127.0.0.1:9")
        .build();
    Store::new(aws_sdk_dynamodb::Client::new(&sdk), "table")
}

#[test]
fn a_rename_moves_the_sort_key_and_every_link_copy_and_says_from_what_to_what() {
    let plan = plan_rename(&client(), Some("  Zeta Holdings ")).unwrap().expect("a change");
    assert_eq!(plan.after.name, "Zeta Holdings");
    assert_eq!(plan.after.gsi1sk, "CLIENT#zeta holdings#c1");
    assert_eq!(plan.event, event::CLIENT_RENAMED);
    assert_eq!(plan.detail.as_deref(), Some(r#"from "Acme LLC" to "Zeta Holdings""#));
    assert_eq!(plan.link_attrs, vec![("client_name", Some(s("Zeta Holdings")))]);
    // an archived client stays in the archived list under its new name
    let mut archived = client();
    archived.archived_at = Some(T);
    assert_eq!(plan_rename(&archived, Some("Zeta")).unwrap().unwrap().after.gsi1sk, "ARCHIVED#zeta#c1");
}

#[test]
fn a_rename_to_the_same_name_changes_nothing_and_bad_names_say_what_to_fix() {
    assert!(plan_rename(&client(), Some("Acme LLC")).unwrap().is_none());
    // a change of case is a change (the list sorts by lower case; people read the name)
    assert!(plan_rename(&client(), Some("ACME LLC")).unwrap().is_some());
    for bad in [None, Some(""), Some("   "), Some("a\u{7}b")] {
        let Err(Error::Validation(errs)) = plan_rename(&client(), bad) else { panic!("{bad:?} accepted") };
        assert_eq!(errs[0].field, "name", "{bad:?}");
    }
    let long = "x".repeat(201);
    assert!(matches!(plan_rename(&client(), Some(&long)), Err(Error::Validation(_))));
    assert!(serde_json::from_str::<RenameInput>(r#"{"nme":"x"}"#).is_err(), "unknown fields are refused");
}

#[test]
fn archive_and_restore_move_the_client_between_lists_and_refuse_the_same_state_twice() {
    let archive = plan_archive(&client(), T).unwrap();
    assert_eq!(archive.after.gsi1sk, "ARCHIVED#acme llc#c1");
    assert_eq!(archive.after.archived_at, Some(T));
    assert_eq!(archive.link_attrs, vec![("client_archived_at", Some(s("2026-11-28T10:00:00Z")))]);
    assert!(matches!(plan_archive(&archive.after, T), Err(Error::Conflict(m)) if m.contains("already archived")));

    let restore = plan_restore(&archive.after).unwrap();
    assert_eq!(restore.after, client(), "restore brings the client back exactly");
    assert_eq!(restore.link_attrs, vec![("client_archived_at", None)]);
    assert!(matches!(plan_restore(&client()), Err(Error::Conflict(m)) if m.contains("not archived")));
}

#[test]
fn the_transaction_is_conditional_on_the_links_read_and_rewrites_each_of_them() {
    let store = offline_store();
    let mut c = client();
    let links = vec![link(&c, "k1"), link(&c, "k2")];
    let plan = plan_archive(&c, T).unwrap();
    let items = writes(&store, &c, &links, &plan, &by(), T).unwrap();
    assert_eq!(items.len(), 4, "client, two links, the audit entry");
    let first = items[0].update().expect("the client item is updated");
    assert_eq!(
        first.condition_expression(),
        Some("firm_id = :f AND (attribute_not_exists(#link_version) OR #link_version = :lv) AND attribute_not_exists(#archived_at)")
    );
    assert_eq!(first.expression_attribute_values().unwrap()[":lv"], AttributeValue::N("0".into()));
    for (item, l) in items[1..3].iter().zip(&links) {
        let u = item.update().expect("each link is updated");
        assert_eq!(u.key()["SK"], s(keys::contact(&l.contact_id)));
        assert_eq!(u.condition_expression(), Some("attribute_exists(PK)"), "a removed link fails the transaction");
    }
    let entry = items[3].put().expect("the audit entry");
    assert_eq!(entry.item()["event"], s(event::CLIENT_ARCHIVED));
    assert_eq!(entry.item()["ip"], s("203.0.113.7"));
    assert_eq!(entry.item()["PK"], s("CLIENT#c1"));

    // once a link was added or removed, the version must match exactly
    c.link_version = 3;
    let items = writes(&store, &c, &links, &plan_rename(&c, Some("New")).unwrap().unwrap(), &by(), T).unwrap();
    let first = items[0].update().unwrap();
    assert_eq!(first.condition_expression(), Some("firm_id = :f AND #link_version = :lv AND #name = :old_name"));
    assert_eq!(first.expression_attribute_values().unwrap()[":old_name"], s("Acme LLC"));
}

#[test]
fn more_contacts_than_one_transaction_holds_are_refused_with_what_to_do() {
    let c = client();
    let links: Vec<LinkRecord> = (0..=MAX_LINKS).map(|i| link(&c, &format!("k{i}"))).collect();
    let plan = plan_archive(&c, T).unwrap();
    let Err(Error::Conflict(m)) = writes(&offline_store(), &c, &links, &plan, &by(), T) else { panic!("accepted") };
    assert!(m.contains("99 contacts") && m.contains("at most 98"), "{m}");
    assert!(writes(&offline_store(), &c, &links[..MAX_LINKS], &plan, &by(), T).is_ok());
}

#[test]
fn an_archived_clients_contacts_are_refused_and_its_staff_may_read_but_add_no_work() {
    let mut c = client();
    let l = link(&c, "k1");
    let contact = Actor::Contact { sub: "u".into(), contact_id: "k1".into(), firm_id: "f1".into() };
    let staff = Actor::Staff { sub: "s1".into(), firm_id: "f1".into(), email: "s@example.com".into(), name: "Sam".into(), role: Default::default() };
    assert!(viewer_from_partition(&contact, Some(&c), std::slice::from_ref(&l)).is_ok());
    let open = viewer_from_partition(&staff, Some(&c), &[]).unwrap();
    assert!(open.new_work().is_ok());

    c.archived_at = Some(T);
    let mut archived_link = l.clone();
    archived_link.client_archived_at = Some(T);
    assert!(!archived_link.opens_portal());
    assert!(matches!(viewer_from_partition(&contact, Some(&c), &[archived_link]), Err(Error::NotFound("client"))));
    let reading = viewer_from_partition(&staff, Some(&c), &[]).expect("staff still open the record");
    assert!(matches!(reading.new_work(), Err(Error::Conflict(m)) if m.contains("Restore the client first")));
    // a link made on an archived client carries the state
    assert_eq!(LinkRecord::new(&c, &ContactRecord::sample("f1", "k9", None, T), T).client_archived_at, Some(T));
}

#[tokio::test]
async fn each_kind_of_new_work_is_refused_on_an_archived_client_before_any_aws_call() {
    use crate::ops::{billing, files, messages, requests, signatures};
    use crate::ports::blobs::S3Blobs;
    use crate::ports::mail::{Outbox, SesMailer};
    let store = offline_store();
    let lazy = crate::sdk::LazySdk::ready(
        aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:9")
            .build(),
    );
    let (blobs, mailer) = (S3Blobs::new(lazy.clone(), "offline".into()), SesMailer::new(lazy, None));
    let outbox = Outbox { mailer: &mailer, web_origin: "http://portal" };
    let v = Viewer::Staff { sub: "s1".into(), firm_id: "f1".into(), name: "Sam".into(), archived: true };
    let o = Origin::default();
    fn input<T: serde::de::DeserializeOwned>(j: serde_json::Value) -> T {
        serde_json::from_value(j).unwrap()
    }
    let refused = |what: &str, r: std::result::Result<(), Error>| {
        assert!(matches!(&r, Err(Error::Conflict(m)) if m.contains("Restore the client first")), "{what}: {r:?}")
    };
    refused("request", requests::create(&store, &v, v.actor_ref(), "c1", input(serde_json::json!({}))).await.map(drop));
    refused("upload", files::create_upload(&store, &blobs, &v, "c1", input(serde_json::json!({})), &o).await.map(drop));
    refused("invoice", billing::create_invoice(&store, &v, "c1", input(serde_json::json!({}))).await.map(drop));
    refused("signature form", signatures::send(&store, &blobs, &outbox, &v, "c1", input(serde_json::json!({})), &o).await.map(drop));
    refused("thread", messages::start(&store, &outbox, &v, "c1", input(serde_json::json!({}))).await.map(drop));
    refused("message", messages::post(&store, &outbox, &v, "c1", "t1", input(serde_json::json!({}))).await.map(drop));
}

#[test]
fn the_client_list_filter_reads_one_prefix_per_state() {
    assert_eq!(ListStatus::parse(None).unwrap().prefixes(), &["CLIENT#"]);
    assert_eq!(ListStatus::parse(Some("active")).unwrap(), ListStatus::Active);
    assert_eq!(ListStatus::parse(Some("archived")).unwrap().prefixes(), &["ARCHIVED#"]);
    assert_eq!(ListStatus::parse(Some("all")).unwrap().prefixes(), &["CLIENT#", "ARCHIVED#"]);
    let Err(Error::Validation(errs)) = ListStatus::parse(Some("deleted")) else { panic!() };
    assert_eq!((errs[0].field.as_str(), errs[0].message.as_str()), ("status", "must be one of active, archived, all"));
}
