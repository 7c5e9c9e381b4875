use super::*;
use crate::store::{ActorRef, LinkRecord, SignerStatus};
use crate::store::{ClientRecord, ContactRecord};
use time::OffsetDateTime;

fn t0() -> OffsetDateTime {
    time::macros::datetime!(2026-11-01 09:00 UTC)
}

fn links() -> Vec<LinkRecord> {
    let client = ClientRecord::new("f1", "c1", "Acme", t0());
    let mut a = LinkRecord::new(&client, &ContactRecord::sample("f1", "k1", Some("a@example.com"), t0()), t0());
    a.accepted_at = Some(t0());
    let mut b = LinkRecord::new(&client, &ContactRecord::sample("f1", "k2", Some("b@example.com"), t0()), t0());
    b.accepted_at = Some(t0());
    let c = LinkRecord::new(&client, &ContactRecord::sample("f1", "k3", Some("c@example.com"), t0()), t0());
    vec![a, b, c]
}

fn staff() -> ActorRef {
    ActorRef { kind: "staff".into(), id: "s1".into(), name: "Sam".into() }
}

fn form() -> FormRecord {
    let plan = plan_form(
        NewFormInput {
            file_id: Some("file1".into()),
            signer_ids: Some(vec!["k1".into(), "k2".into()]),
            message: Some("Please sign".into()),
            due_date: Some("2026-12-01".into()),
        },
        &links(),
        t0().date(),
    )
    .unwrap();
    FormRecord {
        pk: "p".into(),
        sk: "s".into(),
        firm_id: "f1".into(),
        client_id: "c1".into(),
        client_name: "Acme".into(),
        form_id: "form1".into(),
        file_id: plan.file_id,
        document_name: "Engagement letter.pdf".into(),
        document_size: 10,
        document_sha256: "a".repeat(64),
        message: plan.message,
        due_date: plan.due_date,
        signers: plan.signers,
        status: FormStatus::Pending,
        timeline: vec![TimelineEntry { at: t0(), event: "sent".into(), by: staff() }],
        created_by: staff(),
        created_at: t0(),
        completed_at: None,
        certificate_sha256: None,
        gsi3pk: None,
        gsi3sk: None,
        version: 1,
    }
}

fn evidence(at: OffsetDateTime) -> Evidence {
    Evidence {
        typed_name: "Ana".into(),
        signed_at: at,
        ip: Some("203.0.113.9".into()),
        user_agent: Some("UA".into()),
        document_sha256: "a".repeat(64),
        consent_text: CONSENT_TEXT.into(),
        consent_version: CONSENT_VERSION.into(),
        drawn_signature_sha256: None,
    }
}

fn contact(k: &str) -> ActorRef {
    ActorRef { kind: "contact".into(), id: k.into(), name: k.into() }
}

#[test]
fn signers_need_portal_access_and_bad_input_names_every_field() {
    let Err(Error::Validation(errs)) = plan_form(
        NewFormInput { file_id: None, signer_ids: Some(vec!["k3".into()]), message: None, due_date: Some("2026-10-01".into()) },
        &links(),
        t0().date(),
    ) else {
        panic!()
    };
    assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["file_id", "signer_ids", "due_date"]);
    assert!(errs[1].message.contains("invite them first"));
}

#[test]
fn the_signature_needs_consent_and_the_hash_of_the_document_shown() {
    let f = form();
    let ok = || SignInput {
        typed_name: Some("Ana Sample".into()),
        consent: Some(true),
        consent_version: Some(CONSENT_VERSION.into()),
        document_sha256: Some("A".repeat(64)),
        drawn_signature: None,
    };
    assert_eq!(check_signature(ok(), &f).unwrap(), ("Ana Sample".to_string(), None));
    let Err(Error::Validation(errs)) = check_signature(
        SignInput {
            typed_name: None,
            consent: Some(false),
            consent_version: Some("old".into()),
            document_sha256: Some("x".into()),
            drawn_signature: Some("data:image/gif;base64,R0lG".into()),
        },
        &f,
    ) else {
        panic!()
    };
    assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["typed_name", "consent", "consent_version", "document_sha256", "drawn_signature"]);
    // a drawn signature is kept with the hash of its PNG bytes
    let png = b"\x89PNG\r\n\x1a\nrest-of-image";
    use base64::Engine;
    let url = format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png));
    let (_, drawing) = check_signature(SignInput { drawn_signature: Some(url.clone()), ..ok() }, &f).unwrap();
    assert_eq!(drawing, Some((url, domain::sha256_hex(png))));
    assert!(check_drawing("data:image/png;base64,bm90IGEgcG5n").is_err());
    assert!(matches!(check_signature(SignInput { document_sha256: Some("b".repeat(64)), ..ok() }, &f), Err(Error::Conflict(_))));
}

#[test]
fn the_form_completes_when_everyone_signed_with_a_certificate_whose_hash_detects_change() {
    let f = form();
    let one = signed(&f, "k1", evidence(t0()), contact("k1")).unwrap();
    assert_eq!((one.status, one.version), (FormStatus::Pending, 2));
    assert!(certificate(&one).unwrap().is_none());
    assert!(matches!(signed(&one, "k1", evidence(t0()), contact("k1")), Err(Error::Conflict(_))));
    let both = signed(&one, "k2", evidence(t0() + time::Duration::hours(1)), contact("k2")).unwrap();
    assert_eq!(both.status, FormStatus::Completed);
    let cert = certificate(&both).unwrap().unwrap();
    assert_eq!(Some(cert.sha256.clone()), both.certificate_sha256);
    assert_eq!(cert.body.signers.iter().map(|s| s.ip.as_deref()).collect::<Vec<_>>(), [Some("203.0.113.9"), Some("203.0.113.9")]);
    assert_eq!(cert.body.timeline.iter().map(|t| t.event.as_str()).collect::<Vec<_>>(), ["sent", "signed", "signed", "completed"]);
    // any change of the recorded evidence changes the certificate's hash
    let mut tampered = both.clone();
    tampered.document_sha256 = "c".repeat(64);
    assert_ne!(certificate(&tampered).unwrap().unwrap().sha256, cert.sha256);
    assert!(matches!(signed(&both, "k2", evidence(t0()), contact("k2")), Err(Error::Conflict(_))));
}

#[test]
fn a_decline_ends_the_form_and_other_contacts_see_no_evidence() {
    let f = signed(&form(), "k1", evidence(t0()), contact("k1")).unwrap();
    let d = declined(&f, "k2", "Wrong amount on page 2".into(), t0(), contact("k2")).unwrap();
    assert_eq!(d.status, FormStatus::Declined);
    assert!(matches!(signed(&d, "k2", evidence(t0()), contact("k2")), Err(Error::Conflict(_))));
    let as_k2 = FormView::new(&d, &Viewer::Contact { contact_id: "k2".into(), firm_id: "f1".into(), name: "B".into() }).unwrap();
    assert!(as_k2.signers[0].evidence.is_none() && as_k2.signers[1].decline_reason.is_some());
    assert_eq!(as_k2.my_status, Some(SignerStatus::Declined));
    assert!(!visible(&d, &Viewer::Contact { contact_id: "k3".into(), firm_id: "f1".into(), name: "C".into() }));
}

#[test]
fn pending_forms_are_on_the_signers_todo_only() {
    let f = form();
    assert_eq!(todo_of([&f].into_iter(), "k1", t0().date()).len(), 1);
    assert!(todo_of([&f].into_iter(), "k3", t0().date()).is_empty());
    let done = signed(&f, "k1", evidence(t0()), contact("k1")).unwrap();
    assert!(todo_of([&done].into_iter(), "k1", t0().date()).is_empty());
    assert!(todo_of([&done].into_iter(), "k2", (t0() + time::Duration::days(40)).date())[0].overdue);
}
