use super::*;
use crate::store::{ClientRecord, ContactRecord};

fn t0() -> OffsetDateTime {
    time::macros::datetime!(2026-11-01 09:00 UTC)
}

fn links() -> Vec<LinkRecord> {
    let client = ClientRecord::new("f1", "c1", "Client", t0());
    let mut active = LinkRecord::new(&client, &ContactRecord::sample("f1", "k1", Some("a@example.com"), t0()), t0());
    active.accepted_at = Some(t0());
    let invited = LinkRecord::new(&client, &ContactRecord::sample("f1", "k2", Some("b@example.com"), t0()), t0());
    vec![active, invited]
}

fn staff() -> Viewer {
    Viewer::Staff { sub: "s1".into(), firm_id: "f1".into(), name: "Sam".into(), archived: false }
}

fn contact(id: &str) -> Viewer {
    Viewer::Contact { contact_id: id.into(), firm_id: "f1".into(), name: "Ana".into() }
}

fn input(ids: Option<Vec<&str>>) -> NewThreadInput {
    NewThreadInput {
        subject: Some("Tax return".into()),
        body: Some("Hello".into()),
        contact_ids: ids.map(|v| v.into_iter().map(String::from).collect()),
        file_ids: None,
    }
}

#[test]
fn staff_share_a_thread_only_with_contacts_who_have_access() {
    let p = plan_thread(input(Some(vec!["k1", "k1"])), &staff(), &links()).unwrap();
    assert_eq!(p.participants, ["k1"]);
    let Err(Error::Validation(errs)) = plan_thread(input(Some(vec!["k2"])), &staff(), &links()) else { panic!() };
    assert!(errs[0].message.contains("invite them first"));
    let Err(Error::Validation(errs)) =
        plan_thread(NewThreadInput { subject: None, body: Some(" ".into()), contact_ids: None, file_ids: None }, &staff(), &links())
    else {
        panic!()
    };
    assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["subject", "body", "contact_ids"]);
}

#[test]
fn a_contacts_thread_is_between_them_and_the_firm() {
    assert_eq!(plan_thread(input(None), &contact("k1"), &links()).unwrap().participants, ["k1"]);
    assert!(plan_thread(input(Some(vec!["k2"])), &contact("k1"), &links()).is_err());
}

#[test]
fn unread_counts_per_reader_and_only_visible_threads() {
    let t = ThreadRecord {
        pk: "p".into(),
        sk: "s".into(),
        firm_id: "f1".into(),
        client_id: "c1".into(),
        thread_id: "t1".into(),
        subject: "S".into(),
        participants: vec!["k1".into()],
        created_by: staff().actor_ref(),
        created_at: t0(),
        last_message_at: t0(),
        last_by: staff().actor_ref(),
        last_staff: None,
        message_count: 3,
        read: HashMap::from([("staff:s1".to_string(), 3), ("contact:k1".to_string(), 1)]),
        gsi3pk: None,
        gsi3sk: None,
    };
    assert_eq!(unread(&t, &staff()), 0);
    assert_eq!(unread(&t, &contact("k1")), 2);
    assert_eq!(unread_summary([&t].into_iter(), &contact("k1")), UnreadSummary { unread_messages: 2, unread_threads: 1 });
    assert_eq!(unread_summary([&t].into_iter(), &contact("k2")), UnreadSummary::default());
}

#[test]
fn the_notification_never_carries_the_message() {
    let e = notification("Firm & Co", "Acme <Ltd>", "Sam", "https://portal.example/#/portal");
    assert!(e.text.contains("new message") && e.text.contains("https://portal.example/#/portal"));
    assert!(e.html.contains("Acme &lt;Ltd&gt;") && !e.html.contains("<Ltd>"));
}
