use super::pace::*;
use super::worker::*;
use super::*;
use crate::store::LinkRecord;
use std::time::Duration;
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

fn id(n: u8) -> String {
    format!("0192f3a0-0000-7000-8000-0000000000{n:02x}")
}

#[test]
fn a_selection_merges_whole_clients_and_named_contacts_without_duplicates() {
    let input: JobInput = serde_json::from_value(serde_json::json!({
        "client_ids": [id(1), id(2), id(1)],
        "contacts": [
            { "client_id": id(3), "contact_id": "k1" },
            { "client_id": id(3), "contact_id": "k1" },
            { "client_id": id(3), "contact_id": "k2" },
            { "client_id": id(1), "contact_id": "k9" }
        ],
        "message": " Hello "
    }))
    .unwrap();
    let req = input.parse().unwrap();
    assert_eq!(
        req.clients,
        vec![
            Selection { client_id: id(1), contact_ids: None },
            Selection { client_id: id(2), contact_ids: None },
            Selection { client_id: id(3), contact_ids: Some(vec!["k1".into(), "k2".into()]) },
        ]
    );
    assert_eq!(req.template_id, None);
}

#[test]
fn a_bad_selection_says_what_to_fix() {
    let fields = |v: serde_json::Value| match serde_json::from_value::<JobInput>(v).unwrap().parse() {
        Err(Error::Validation(errs)) => errs.into_iter().map(|e| e.field).collect::<Vec<_>>(),
        other => panic!("expected a validation error, got {other:?}"),
    };
    assert_eq!(fields(serde_json::json!({})), ["client_ids"]);
    assert_eq!(fields(serde_json::json!({ "client_ids": [] , "contacts": [] })), ["client_ids"]);
    assert_eq!(fields(serde_json::json!({ "client_ids": ["not-an-id"] })), ["client_ids"]);
    let many: Vec<String> = (0..MAX_JOB_CLIENTS + 1).map(|_| domain::new_id()).collect();
    assert_eq!(fields(serde_json::json!({ "client_ids": many })), ["client_ids"]);
    let one_client: Vec<serde_json::Value> = (0..101).map(|i| serde_json::json!({ "client_id": id(1), "contact_id": format!("k{i}") })).collect();
    assert_eq!(fields(serde_json::json!({ "contacts": one_client })), ["contacts"]);
    assert_eq!(fields(serde_json::json!({ "client_ids": [id(1)], "message": "x".repeat(2001) })), ["message"]);
    assert!(serde_json::from_value::<JobInput>(serde_json::json!({ "clients": [] })).is_err(), "unknown fields are refused");
}

#[test]
fn the_first_look_at_a_client_counts_who_needs_no_email() {
    let links = vec![link("a", Some("a@example.com"), false), link("b", None, false), link("c", Some("c@example.com"), true)];
    let whole = expand(&Selection { client_id: "c".into(), contact_ids: None }, &links);
    assert_eq!(whole, Expansion { open: vec!["a".into()], total: 3, missing_email: 1, already_active: 1, not_found: 0 });
    let named = expand(&Selection { client_id: "c".into(), contact_ids: Some(vec!["a".into(), "zz".into()]) }, &links);
    assert_eq!(named, Expansion { open: vec!["a".into()], total: 2, missing_email: 0, already_active: 0, not_found: 1 });
}

#[test]
fn an_earlier_delivery_s_invite_counts_as_sent_only_if_ses_reported_it() {
    let mut l = link("a", Some("a@example.com"), false);
    l.invite_delivery = Some("sending".into());
    assert_eq!(earlier_outcome(&l), Tally::Failed);
    for d in ["sent", "delivered", "bounced", "complained"] {
        l.invite_delivery = Some(d.into());
        assert_eq!(earlier_outcome(&l), Tally::Sent, "{d}");
    }
}

#[test]
fn outcomes_become_counter_additions() {
    let o = vec![("a".to_string(), Tally::Sent), ("b".to_string(), Tally::Failed), ("c".to_string(), Tally::Sent), ("d".to_string(), Tally::MissingEmail)];
    assert_eq!(counts(&o), vec![("sent", 2), ("failed", 1), ("missing_email", 1)]);
}

#[test]
fn a_job_is_done_when_every_client_is_and_pending_is_what_is_not_accounted() {
    let t = datetime!(2026-12-01 00:00 UTC);
    let mut job = InviteJobRecord {
        pk: "p".into(),
        sk: "s".into(),
        job_id: "j".into(),
        firm_id: "f".into(),
        created_at: t,
        created_by: crate::store::ActorRef { kind: "staff".into(), id: "s".into(), name: "Sam".into() },
        ip: None,
        user_agent: None,
        message: String::new(),
        template_id: None,
        clients_total: 2,
        enqueue_failed: None,
        total: 5,
        sent: 2,
        failed: 1,
        missing_email: 1,
        already_active: 0,
        not_found: 0,
        clients_done: 1,
        clients_skipped: 0,
    };
    let v = JobView::of(&job);
    assert_eq!((v.status, v.pending), ("running", 1));
    job.clients_done = 2;
    job.sent = 3;
    assert_eq!((JobView::of(&job).status, JobView::of(&job).pending), ("done", 0));
    job.enqueue_failed = Some("x".into());
    assert_eq!(JobView::of(&job).status, "failed");
}

#[test]
fn cursors_round_trip_and_refuse_anything_else() {
    let j = domain::new_id();
    assert_eq!(decode_cursor(&encode_cursor(&j)).unwrap(), j);
    for bad in ["", "!!", "bm90LWFuLWlk", &encode_cursor("INVITEJOB#x")] {
        assert!(matches!(decode_cursor(bad), Err(Error::BadRequest(_))), "{bad}");
    }
}

#[test]
fn the_rate_is_the_account_s_capped_and_split_between_instances() {
    assert_eq!(instance_rate(Some(14.0), Some(10.0), 2), 5.0);
    assert_eq!(instance_rate(Some(14.0), Some(100.0), 2), 7.0);
    assert_eq!(instance_rate(Some(50.0), None, 1), 50.0);
    // The sandbox's 1/s when SES says nothing; never zero, whatever the settings.
    assert_eq!(instance_rate(None, Some(10.0), 1), 1.0);
    assert_eq!(instance_rate(Some(0.0), Some(-1.0), 0), 1.0);
    assert!(instance_rate(Some(1.0), Some(0.01), 4) > 0.0);
}

#[test]
fn backoff_grows_to_a_cap_and_jitters_in_the_upper_half() {
    assert_eq!(backoff(1, 1.0), Duration::from_millis(200));
    assert_eq!(backoff(1, 0.0), Duration::from_millis(100));
    assert_eq!(backoff(3, 1.0), Duration::from_millis(800));
    assert_eq!(backoff(30, 1.0), Duration::from_secs(5));
    for a in 1..10 {
        assert!(backoff(a + 1, 1.0) >= backoff(a, 1.0));
        assert!(backoff(a, 0.3) >= backoff(a, 1.0) / 2);
    }
}

#[test]
fn reserved_slots_are_spaced_by_the_interval_and_never_in_the_past() {
    let now = tokio::time::Instant::now();
    let i = Duration::from_millis(40);
    let (a, next) = reserve(None, now, i);
    assert_eq!(a, now);
    let (b, next) = reserve(Some(next), now, i);
    assert_eq!(b - a, i);
    let (c, _) = reserve(Some(next), now + Duration::from_secs(1), i);
    assert_eq!(c, now + Duration::from_secs(1), "an idle pacer does not let a burst through");
}

#[tokio::test(start_paused = true)]
async fn a_pacer_sends_no_faster_than_its_rate() {
    let pacer = Pacer::per_second(25.0);
    let start = tokio::time::Instant::now();
    for _ in 0..50 {
        pacer.wait().await;
    }
    let took = start.elapsed();
    // 50 sends at 25/s: the first at once, the 50th after 49 intervals.
    assert!(took >= Duration::from_millis(1960) && took < Duration::from_millis(2000), "{took:?}");
    pacer.hold(Duration::from_secs(1));
    let t = tokio::time::Instant::now();
    pacer.wait().await;
    assert!(t.elapsed() >= Duration::from_secs(1));
    assert!(!pacer.fits(100, tokio::time::Instant::now() + Duration::from_secs(3)));
    assert!(pacer.fits(10, tokio::time::Instant::now() + Duration::from_secs(3)));
}
